"""The mail: the outgoing queue (status, retry, send), and the school mailbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..intake.submission import now_utc
from ..mail import sender
from ..mail.transport import Transport
from ..results import Result
from ..workflow.mailbox import MessageOutcome
from .base import ServiceBase

if TYPE_CHECKING:
    from ..config import Imap
    from ..intake.mailbox import Cutter
    from ..mail.oauth_login import DeviceCode
    from ..workflow.mailbox import PollReport


class TakenIn(Result):
    """An address added to a school's allow-list, and what became of the quarantined email."""

    school: str
    outcome: MessageOutcome | None = None
    problem: str | None = None
    hint: str | None = None


class MailActions(ServiceBase):
    if TYPE_CHECKING:
        def add_school_address(self, school: str, address: str, *, actor: str = "host") -> str: ...  # SettingsActions'
    def mail_status(self, now: datetime | None = None) -> dict[str, Any]:
        """Counts by status and kind, the oldest queued email, the latest errors (never bodies)."""
        return sender.mail_status(self.db, now)

    def latest_mail(self, status: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The newest emails (of one status: queued, sending, sent, failed; or any), newest
        first: id, kind, reference, to (a list), subject, status, attempts, last_error,
        created_at, sent_at. Never the body."""
        import json

        from ..store import outbox

        rows = [dict(r) for r in outbox.latest(self.db, status, limit)]
        for r in rows:
            r["to"] = json.loads(r.pop("to_addrs") or "[]")
        return rows

    def quarantined_mail(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest messages the mailbox poll set aside in quarantine, with why."""
        from ..store import mailbox_log

        return mailbox_log.quarantined(self.db, limit)

    def take_in_quarantined(self, mailbox: str, uidvalidity: str, uid: str, **kw: Any) -> MessageOutcome:
        """Take in a quarantined email after all (its sender must now be a school's)."""
        from ..workflow.quarantine import take_in_quarantined

        return take_in_quarantined(self, mailbox, uidvalidity, uid, **self._imap_connect(kw))  # type: ignore[arg-type]

    def school_address_and_take_in(self, school: str, mailbox: str, uidvalidity: str, uid: str, *,
                                   actor: str = "host", **kw: Any) -> TakenIn:
        """"This is a school's address": the quarantined email's sender added to the
        school's allow-list in cluster.toml, then the email taken in. When the address is
        added but the email cannot be taken in yet (the mail server is down), ``problem``
        says why (the email stays in quarantine, and this can be done again)."""
        from ..errors import FormsError, NotFound
        from ..store import mailbox_log

        row = mailbox_log.entry(self.db, mailbox, uidvalidity, uid)
        if row is None or row["outcome"] != "quarantined" or not row["sender"]:
            raise NotFound("That email is no longer in the quarantine list, or its sender is not known.",
                           hint="Reload the Mail page.")
        name = self.add_school_address(school, row["sender"], actor=actor)
        try:
            return TakenIn(school=name, outcome=self.take_in_quarantined(mailbox, uidvalidity, uid, **kw))
        except FormsError as exc:
            return TakenIn(school=name, problem=exc.message, hint=exc.hint)

    def retry_mail(self, ids: list[int] | None = None, *, actor: str | None = None) -> dict[str, Any]:
        """Put failed emails back in the queue (these, or every failed one); with ``actor``,
        who asked is written to the event log."""
        done = sender.retry(self.db, ids)
        if actor and done.get("requeued"):
            from ..store import repository as repo

            with self.db.atomic() as conn:
                repo.add_event(conn, action="mail-retried", actor=actor,
                               reason="emails " + ", ".join(str(i) for i in done["requeued"]))
        return done

    def mail_transport(self, **smtp_options: Any) -> Transport:
        """SMTP when ``[smtp]`` is configured, else .eml files in ``outbox/mail/``."""
        return sender.transport_for(self.home, **smtp_options)

    def send_mail(self, transport: Transport, limit: int | None = None,
                  now: datetime | None = None) -> sender.SendReport:
        """Send every email that is due (one sender at a time per home)."""
        return sender.send_due(self.db, self.home, transport, now or now_utc(), limit)

    def poll_mailbox(self, imap: Imap | None = None, **kw: Any) -> PollReport:
        """Read the school mailbox once: every new form taken in, exactly once. The
        connection can be cut from another thread with :meth:`interrupt_mailbox`."""
        from ..workflow.mailbox import poll_mailbox

        return poll_mailbox(self, imap, **self._imap_connect(kw, imap))  # type: ignore[arg-type]

    def _imap_connect(self, kw: dict[str, Any], imap: Imap | None = None) -> dict[str, Any]:
        """``kw`` with the connection: signing in with OAuth 2.0 when [imap] says so, and
        cut by :meth:`interrupt_mailbox`."""
        from functools import partial

        from ..intake.mailbox import connect_imap

        cfg = imap or self.config.imap
        if "connect" not in kw:
            tokens = None
            if cfg is not None and cfg.auth == "oauth2":
                from ..mail import oauth

                tokens = oauth.source_for("imap", cfg, self.home.data)
            kw = {**kw, "connect": partial(connect_imap, tokens=tokens, cutter=self._mailbox_cutter)}
        return kw

    @cached_property
    def _mailbox_cutter(self) -> Cutter:
        from ..intake.mailbox import Cutter

        return Cutter()

    def interrupt_mailbox(self) -> None:
        """Cut a mailbox poll's connection now (safe from another thread: a watcher
        stopping while the server is silent). The poll fails at once, its message is taken
        again by the next poll (nothing lost, nothing answered twice), and this app polls
        no more."""
        self._mailbox_cutter.cut()

    def mail_login(self, section: str, show: Callable[[DeviceCode], None], **flow: Any) -> str:
        """Sign ``[section]`` (``imap`` or ``smtp``) in with OAuth 2.0: the device-code flow
        (``show`` is given the address and the code to pass on), or for Google the browser
        flow (``show`` is given the address to open here). Returns where the sign-in is kept."""
        from ..errors import ConfigError
        from ..mail import oauth, oauth_login

        cfg = self.config.imap if section == "imap" else self.config.smtp
        if cfg is None:
            raise ConfigError(f"There is no [{section}] table in cluster.toml.",
                              hint="Add it first (see the README, \"Signing in with Microsoft 365\").")
        if cfg.auth != "oauth2":
            raise ConfigError(f"[{section}] signs in with a password (auth = \"password\").",
                              hint=f"Set auth = \"oauth2\" and the oauth_ keys under [{section}] first (see the README).")
        source = oauth.source_for(section, cfg, self.home.data)
        if source.ep.flow == "browser":
            return oauth_login.browser_login(section, source.ep, source.store, show, **flow)
        return oauth_login.device_login(section, source.ep, source.store, show, **flow)
