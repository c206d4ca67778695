"""The mail: the outgoing queue (status, retry, send), and the school mailbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..intake.submission import now_utc
from ..mail import sender
from ..mail.transport import Transport
from .base import ServiceBase

if TYPE_CHECKING:
    from ..config import Imap
    from ..intake.mailbox import Cutter
    from ..mail.oauth_login import DeviceCode
    from ..workflow.mailbox import PollReport


class MailActions(ServiceBase):
    def mail_status(self, now: datetime | None = None) -> dict[str, Any]:
        """Counts by status and kind, the oldest queued email, the latest errors (never bodies)."""
        return sender.mail_status(self.db, now)

    def quarantined_mail(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest messages the mailbox poll set aside in quarantine, with why."""
        from ..store import mailbox_log

        return mailbox_log.quarantined(self.db, limit)

    def retry_mail(self, ids: list[int] | None = None) -> dict[str, Any]:
        """Put failed emails back in the queue (these, or every failed one)."""
        return sender.retry(self.db, ids)

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
        from functools import partial

        from ..intake.mailbox import connect_imap
        from ..workflow.mailbox import poll_mailbox

        cfg = imap or self.config.imap
        if "connect" not in kw:
            tokens = None
            if cfg is not None and cfg.auth == "oauth2":
                from ..mail import oauth

                tokens = oauth.source_for("imap", cfg, self.home.data)
            kw["connect"] = partial(connect_imap, tokens=tokens, cutter=self._mailbox_cutter)
        return poll_mailbox(self, imap, **kw)  # type: ignore[arg-type]

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
