"""Emails to schools, composed by pure functions.

Bodies carry no pupil details and no form contents beyond what a school needs to
act (the reference, the round, the labels to correct). Messages from the checker
never quote pupil references, so they may be listed here.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..config import Config, Round
from ..validation.messages import Message, Severity

SIGN_OFF = "This email was sent automatically by the cluster's forms system. Please do not include pupils' names in any reply."


def _round_lines(config: Config, rnd: Round | None) -> list[str]:
    if rnd is None:
        return []
    deadline = config.local_deadline(rnd)
    return [
        f"Funding round: {rnd.name}",
        f"Deadline: {deadline:%A %d %B %Y, %H:%M}",
        f"Working Party meeting: {rnd.meeting:%A %d %B %Y}",
    ]


def _signature(config: Config) -> str:
    return f"{config.host.name}\nSEND Host, {config.cluster.name}\n{config.host.email}\n\n{SIGN_OFF}"


def ack_accepted(config: Config, reference: str, form_title: str, rnd: Round | None, warnings: Sequence[Message]) -> tuple[str, str]:
    subject = f"Received: your {form_title.lower()}, reference {reference}"
    lines = [
        "Hello,",
        "",
        f"Thank you. We have received your {form_title.lower()} and it has passed the automatic checks.",
        "",
        f"Your reference: {reference}",
        *_round_lines(config, rnd),
        "",
        "What happens next: the SEND Host checks every form of the round and forwards it to the Working Party,"
        " who meet on the date above. You will receive a response form by email after the meeting,"
        " usually within a week. Please quote your reference in any email about this form.",
    ]
    notes = [m for m in warnings if m.severity == Severity.WARNING]
    if notes:
        lines += ["", "The Host will also look at these points (you need not resend the form):"]
        lines += [f"- {m.message}" for m in notes]
    lines += ["", _signature(config)]
    return subject, "\n".join(lines)


def ack_invalid(config: Config, reference: str, form_title: str, messages: Sequence[Message]) -> tuple[str, str]:
    errors = [m for m in messages if m.severity == Severity.ERROR]
    notes = [m for m in messages if m.severity == Severity.WARNING]
    subject = f"Please correct and resend: your {form_title.lower()}, reference {reference}"
    lines = [
        "Hello,",
        "",
        f"We have received your {form_title.lower()} (reference {reference}), but it cannot go forward yet."
        f" Please correct the {'point' if len(errors) == 1 else f'{len(errors)} points'} below on the same form,"
        " then send the whole form again (by email or to the shared folder). The corrected form replaces this one.",
        "",
        "To correct:",
        *[f"- {m.message}" for m in errors],
    ]
    if notes:
        lines += ["", "Also worth checking (these do not stop the form):", *[f"- {m.message}" for m in notes]]
    lines += ["", _signature(config)]
    return subject, "\n".join(lines)


def ack_rejected(config: Config, file_name: str, problem: str, hint: str) -> tuple[str, str]:
    subject = f"We could not read your file: {file_name}"
    lines = [
        "Hello,",
        "",
        f"We received a file called \"{file_name}\", but it could not be read as one of the cluster's forms.",
        "",
        f"What happened: {problem}",
    ]
    if hint:
        lines += [f"What to do: {hint}"]
    lines += [
        "",
        "The cluster's forms are the Word (.docx) and PDF application and impact forms."
        " Nothing has been lost: we have kept the file you sent.",
        "",
        _signature(config),
    ]
    return subject, "\n".join(lines)


def no_attachment(config: Config, subject: str | None, other_files: int) -> tuple[str, str]:
    """The reply to a school's email that carried no form. Names no file (a file name
    may hold a pupil's name) and quotes nothing of the message."""
    reply_subject = f"Re: {subject}" if subject else "Your email to the SEND forms address"
    if other_files:
        found = (
            f"Your email had {other_files} attached file{'s' if other_files != 1 else ''}, but none was one of"
            " the cluster's forms."
        )
    else:
        found = "Your email had no form attached."
    lines = [
        "Hello,",
        "",
        f"Thank you for your email. {found}",
        "",
        "This address expects a completed application or impact form, attached as a Word file (.docx)"
        " or a PDF (.pdf) made from the cluster's templates. A .zip of forms, or a forwarded email with"
        " the form attached, is fine too. Please reply with the form attached, or send it to the shared folder.",
        "",
        "If you wanted to ask the SEND Host something, please write to them directly at the address below.",
        "",
        _signature(config),
    ]
    return reply_subject, "\n".join(lines)
