"""Taking in, after all, an email the mailbox poll set aside in quarantine.

The poll moves an email from an unknown sender to the quarantine folder on the mail
server, unread, and records it in the mailbox log (its Message-ID and From address). When
the Host says the address is a school's (its allow-list now holds it), the email is found
again in the quarantine folder by its Message-ID, checked as the poll checks it (the
sender must now be a school's and authenticated), claimed in the log so it is taken once,
and taken in the same way as the poll takes an email in (``mailbox.take_in``). Then it is
moved to the processed folder. If anything stops it before its forms are recorded, it is
quarantined again, as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..errors import ConfigError, NotAllowed, NotFound
from ..intake.mailbox import (
    authorised_sender,
    connected,
    fetch_message,
    internal_date,
    mailbox_key,
    message_id_of,
    move_message,
    sender_check,
)
from ..store import mailbox_log
from .mailbox import MailIntake, MessageOutcome, claimant, keep_raw_bytes, take_in


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def take_in_quarantined(app: MailIntake, mailbox: str, uidvalidity: str, uid: str,
                        connect: Callable[[Any], Any] | None = None,
                        now: Callable[[], datetime] | None = None) -> MessageOutcome:
    """Take in the quarantined email recorded as ``mailbox``/``uidvalidity``/``uid``."""
    cfg = app.config.imap
    if cfg is None:
        raise ConfigError("No mailbox is configured.", hint="Add an [imap] table to cluster.toml (see the README).")
    if mailbox_key(cfg) != mailbox:
        raise NotAllowed("That email was set aside from a mailbox that is no longer the one configured.",
                         hint="Take it in by hand: save it as an .eml file and run 'forms ingest' on it.")
    row = mailbox_log.entry(app.db, mailbox, uidvalidity, uid)
    if row is None or row["outcome"] != "quarantined":
        raise NotFound("That email is no longer in the quarantine list.", hint="Reload the Mail page.")
    if not row["message_id"]:
        raise NotAllowed("That email has no Message-ID, so it cannot be found again in the quarantine folder.",
                         hint="Ask the school to send it again: their address is now allowed.")
    clock = now or (lambda: datetime.now(UTC))
    with connected(cfg, connect, failed="The mailbox connection failed",
                   hint="Try again in a minute; the email stays in the quarantine folder.") as box:
        return _take_in_from(app, cfg, box, (mailbox, uidvalidity, uid), row["message_id"], row["detail"] or "", clock)


def _find(box: Any, folder: str, message_id: str) -> tuple[str, bytes]:
    from imap_tools import AND, H

    box.folder.set(folder)
    for found in box.uids(AND(header=[H("Message-ID", message_id)])):
        msg = fetch_message(box, found)
        if msg is not None and message_id_of(msg.raw) == message_id:
            return str(found), msg.raw
    raise NotFound(f"The email is no longer in the {folder} folder of the mailbox.",
                   hint="Someone may have moved or deleted it there. Ask the school to send it again.")


def _take_in_from(app: MailIntake, cfg: Any, box: Any, entry: tuple[str, str, str], message_id: str, why: str,
                  clock: Callable[[], datetime]) -> MessageOutcome:
    key, uidvalidity, uid = entry
    keep_raw_bytes(box)
    where, raw = _find(box, cfg.quarantine_folder, message_id)
    sender = authorised_sender(app.config, raw)
    if sender is None:
        raise NotAllowed("The email's sender is still not one of a school's addresses, so it was not taken in.",
                         hint="Check the address added, and the email's Reply-To address.")
    check = sender_check(cfg, raw)
    if not check.trusted:
        raise NotAllowed(f"The receiving mail server did not confirm the sender ({check.reason}), so it was not taken in.",
                         hint="Ask the school to send it again from their own mail system.")
    with app.db.atomic() as conn:
        if not mailbox_log.reclaim_quarantined(conn, key, uidvalidity, uid, _iso(clock()), claimant()):
            raise NotAllowed("That email is already being taken in, or was taken in.", hint="Reload the Mail page.")
    try:
        outcome = take_in(app, cfg, key, uidvalidity, uid, raw, sender, internal_date(box, where), clock)
    except BaseException:
        mailbox_log.back_to_quarantine(app.db, key, uidvalidity, uid, why, _iso(clock()))
        raise
    outcome.moved = move_message(box, where, cfg.processed_folder)
    return outcome
