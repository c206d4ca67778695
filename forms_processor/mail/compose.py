"""Emails to schools, composed by pure functions.

Bodies carry no pupil details and no form contents beyond what a school needs to
act (the reference, the round, the labels to correct). Messages from the checker
never quote pupil references, so they may be listed here. No file name a school
sent is ever repeated (a file name may hold a pupil's name): a file is described
by its kind instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from ..config import Config, Round, academic_year
from ..readers.photo_pdf import photos_in
from ..validation.messages import Message, Severity

SIGN_OFF = "This email was sent automatically by the cluster's forms system. Please do not include pupils' names in any reply."


def long_date(day: date) -> str:
    """Friday 4 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def long_deadline(moment: datetime) -> str:
    """Friday 4 December 2026 at 12:00."""
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def _round_lines(config: Config, rnd: Round | None, now: datetime | None = None) -> list[str]:
    if rnd is None:
        return []
    deadline = config.local_deadline(rnd)
    if now is not None and deadline <= now:
        when = (f"Deadline for this round: {long_deadline(deadline)}, before this form arrived. The SEND Host will"
                " decide whether it can still be considered in this round or moves it to a later one, and will"
                " tell you")
    else:
        when = f"Deadline for this round: {long_deadline(deadline)}"
    return [f"Funding round: {rnd.name}", when, f"Working Party meeting: {long_date(rnd.meeting)}"]


def next_open_round(config: Config, now: datetime) -> Round | None:
    """The first round whose deadline is still ahead."""
    return config.round_for_time(now)


def resend_deadline(config: Config, rnd: Round | None, now: datetime | None, resubmit_by: date | None = None,
                    what: str = "the corrected form") -> list[str]:
    """By when a form sent again must arrive, always a date still ahead of ``now``: the
    Working Party's resubmit-by date, else the round's deadline, else the next round's;
    or, when no deadline is left, plainly that the round has closed and what happens now."""
    today = now.astimezone(config.tz).date() if now is not None else None
    if resubmit_by is not None and (today is None or resubmit_by >= today):
        line = f"Please send {what} by {long_date(resubmit_by)}, the date the Working Party asked for"
        return [line + (f"; it will be considered at the meeting on {long_date(rnd.meeting)}." if rnd and
                        rnd.meeting >= resubmit_by else ".")]
    if rnd is not None:
        deadline = config.local_deadline(rnd)
        if now is None or deadline > now:
            return [f"To be considered in {rnd.name}, {what} must arrive before its deadline:"
                    f" {long_deadline(deadline)}. The Working Party meets on {long_date(rnd.meeting)}."]
    later = next_open_round(config, now) if now is not None else None
    if resubmit_by is not None:
        closed = f"The date the Working Party asked for, {long_date(resubmit_by)}, has passed."
    elif rnd is not None:
        closed = f"The deadline for {rnd.name} ({long_deadline(config.local_deadline(rnd))}) has passed."
    else:
        closed = "No funding round is open for it."
    if later is not None:
        return [f"{closed} Please send {what} as soon as you can: the SEND Host will decide whether it can still"
                f" be considered there, or it goes to {later.name}, whose deadline is"
                f" {long_deadline(config.local_deadline(later))} (Working Party meeting {long_date(later.meeting)})."]
    return [f"{closed} No later round has been set yet. Please send {what} as soon as you can: the SEND Host"
            " will tell you when it can be considered."]


def replaces_lines(replaces: Sequence[str]) -> list[str]:
    """What a new form replaces, said in its acknowledgement."""
    if not replaces:
        return []
    refs = ", ".join(replaces)
    one = len(replaces) == 1
    return ["", f"This form replaces your earlier form{'' if one else 's'} {refs}: {'it' if one else 'they'}"
            " will not be considered. If you did not mean to replace it, please email the SEND Host."]


def _signature(config: Config) -> str:
    return f"{config.host.name}\nSEND Host, {config.cluster.name}\n{config.host.email}\n\n{SIGN_OFF}"


def _is_impact(form_title: str, form_id: str | None) -> bool:
    return form_id == "send-impact" if form_id else "impact" in form_title.lower()


def round_of_reference(config: Config, reference: str) -> Round | None:
    """The round a reference was given in (``WVC-2627-AU2-014`` → Autumn 2 2026), if any."""
    parts = reference.split("-")
    if len(parts) != 4:
        return None
    _, year, code, _ = parts
    for rnd in config.rounds:
        if rnd.code == code and academic_year(rnd.deadline.date()) == year:
            return rnd
    return None


def ack_accepted(config: Config, reference: str, form_title: str, rnd: Round | None, warnings: Sequence[Message],
                 form_id: str | None = None, replaces: Sequence[str] = (), now: datetime | None = None,
                 resubmission_of: str | None = None) -> tuple[str, str]:
    """The acknowledgement of a form that passed the checks: reference, round, deadline,
    meeting date and what happens next."""
    kind = form_title.lower()
    subject = f"Received: your {kind}, reference {reference}"
    lines = [
        "Hello,",
        "",
        f"Thank you. We have received your {kind} and it has passed the automatic checks."
        " You do not need to send it again.",
        "",
        f"Your reference: {reference}",
    ]
    if resubmission_of:
        lines += ["", f"This is your resubmission of {resubmission_of}, as the Working Party asked: the two are"
                      " linked, so the Working Party sees the earlier decision beside it."]
    elif replaces:
        lines += replaces_lines(replaces)
    if _is_impact(form_title, form_id):
        lines += [
            "",
            "What happens next:",
            "- The SEND Host records this impact form against the award it reports on.",
            "- The cluster's impact results are put together and shared with the cluster's headteachers and"
            " governors as totals only, never pupils' details.",
            "- You need do nothing more unless the SEND Host contacts you.",
            f"- Please quote your reference, {reference}, in any email about this form.",
        ]
    else:
        meeting = f"meets on {long_date(rnd.meeting)}" if rnd else "meets next"
        lines += _round_lines(config, None if resubmission_of else rnd, now)
        if resubmission_of and rnd is not None:
            lines += [f"Funding round: {rnd.name}", f"Working Party meeting: {long_date(rnd.meeting)}"]
        lines += [
            "",
            "What happens next:",
            f"- The SEND Host checks the round's applications and passes them to the Working Party, which {meeting}."
            " If anything needs changing first, the Host will email you.",
            "- After the meeting you will receive a response form by email with the Working Party's decision,"
            " usually within a week.",
            f"- Please quote your reference, {reference}, in any email about this application.",
        ]
    notes = [m for m in warnings if m.severity == Severity.WARNING]
    if notes:
        lines += ["", "The SEND Host will also look at these points (you need not resend the form for them):"]
        lines += [f"- {m.message}" for m in notes]
    lines += ["", _signature(config)]
    return subject, "\n".join(lines)


def ack_scan(config: Config, reference: str, form_title: str, rnd: Round | None, form_id: str | None = None,
             replaces: Sequence[str] = (), now: datetime | None = None) -> tuple[str, str]:
    """The acknowledgement of a form sent as a scan or photo: received, and the Host will confirm
    the values read from the scan (by machine, so they may be misread) before it goes on."""
    kind = form_title.lower()
    lines = ["Hello,", "", f"Thank you. We have received your {kind} as a scan (or photo), and read it by machine."
             " You do not need to send it again.", "", f"Your reference: {reference}", *replaces_lines(replaces)]
    if not _is_impact(form_title, form_id):
        lines += _round_lines(config, rnd, now)
    lines += ["", "What happens next:",
              "- The SEND Host will confirm the values read from the scan against your form, and correct any that"
              " were misread, before it goes any further. If anything is unclear, the Host will email you.",
              "- Next time, sending the Word or PDF form itself (filled in on a computer) saves this step.",
              f"- Please quote your reference, {reference}, in any email about this form.", "", _signature(config)]
    return f"Received: your {kind} (a scan), reference {reference}", "\n".join(lines)


def ack_invalid(config: Config, reference: str, form_title: str, messages: Sequence[Message],
                rnd: Round | None = None, form_id: str | None = None, replaces: Sequence[str] = (),
                now: datetime | None = None, resubmit_by: date | None = None) -> tuple[str, str]:
    """The acknowledgement of a form that failed the checks: every message (each starts
    with the label to correct), how to resend, and by when. ``rnd`` defaults to the
    round named in the reference."""
    errors = [m for m in messages if m.severity == Severity.ERROR]
    notes = [m for m in messages if m.severity == Severity.WARNING]
    kind = form_title.lower()
    subject = f"Please correct and resend: your {kind}, reference {reference}"
    if len(errors) == 1:
        found = "the automatic checks found 1 thing to correct"
    elif errors:
        found = f"the automatic checks found {len(errors)} things to correct"
    else:
        found = "the automatic checks found something to correct"
    lines = [
        "Hello,",
        "",
        f"We have received your {kind} (reference {reference}), but it cannot go forward yet: {found}.",
        "",
        "To correct (each point starts with the name of the box on the form):",
        *[f"- {m.message}" for m in errors],
        "",
        "How to resend: correct these points on the same form, save it, and send the whole form again, by email"
        " or to the shared folder, as you did before. The corrected form replaces this one, and you will be sent"
        " a new reference for it.",
    ]
    if rnd is None and not _is_impact(form_title, form_id):
        rnd = round_of_reference(config, reference)
    if _is_impact(form_title, form_id):
        lines += ["Please send the corrected form as soon as you can."]
    else:
        lines += resend_deadline(config, rnd, now, resubmit_by)
    lines += replaces_lines(replaces)
    if notes:
        lines += ["", "Also worth checking (these do not stop the form):", *[f"- {m.message}" for m in notes]]
    lines += ["", _signature(config)]
    return subject, "\n".join(lines)


def describe_file(file_name: str) -> str:
    """What kind of file this is, in words, without its name: "a Word file (.docx)"; photos
    of a form's pages read together (``readers.photo_pdf``): "a form photographed page by page"."""
    photos = photos_in(file_name)
    if photos:
        return f"a form photographed page by page ({photos} photos, read together as one form)"
    stem, dot, ext = file_name.rpartition(".")
    ext = ext.lower() if dot and stem else ""
    kinds = {
        "docx": "a Word file (.docx)",
        "doc": "an older Word file (.doc)",
        "pdf": "a PDF file",
        "jpg": "a picture (.jpg)",
        "jpeg": "a picture (.jpeg)",
        "png": "a picture (.png)",
        "heic": "a picture (.heic)",
    }
    if ext in kinds:
        return kinds[ext]
    return f"a file ending .{ext}" if ext and len(ext) <= 8 and ext.isalnum() else "a file"


def ack_rejected(config: Config, file_name: str, problem: str, hint: str) -> tuple[str, str]:
    """The reply to a file that could not be read as a form: why, and what to send
    instead. The file is described by its kind, never by its name."""
    subject = "We could not read the file you sent"
    lines = [
        "Hello,",
        "",
        f"Thank you. We received {describe_file(file_name)} from you, but it could not be read as one of the"
        " cluster's forms, so it has not been entered.",
        "",
        f"Why: {problem}",
    ]
    if hint:
        lines += [f"What to send instead: {hint}"]
    lines += [
        "",
        "The cluster's forms are the application form and the impact form, filled in on the Word (.docx) or PDF"
        " files made from the cluster's templates. Please send the completed form by email or to the shared folder."
        " Nothing has been lost: we have kept the file you sent.",
        "",
        _signature(config),
    ]
    return subject, "\n".join(lines)


_PICTURES = {".jpg", ".jpeg", ".png", ".heic", ".gif", ".tif", ".tiff", ".bmp"}
_OLD_DOCUMENTS = {".doc", ".odt", ".rtf", ".pages", ".docm", ".dotx", ".wps"}


def no_attachment(config: Config, subject: str | None, other_files: int,
                  other_kinds: Sequence[str] = ()) -> tuple[str, str]:
    """The reply to a school's email that carried no form. Names no file (a file name
    may hold a pupil's name) and quotes nothing of the message. ``other_kinds`` are the
    extensions of the files that were not forms (".doc", ".jpg"), to say what to do."""
    reply_subject = f"Re: {subject}" if subject else "Your email to the SEND forms address"
    if other_files:
        found = (
            f"Your email had {other_files} attached file{'s' if other_files != 1 else ''}, but none was one of"
            " the cluster's forms."
        )
    else:
        found = "Your email had no form attached."
    kinds = {k.lower() for k in other_kinds}
    advice = []
    if kinds & _OLD_DOCUMENTS:
        advice.append("One was a document in another format (for example an older Word .doc file): please open it"
                      " in Word, save it as a Word document (.docx) or a PDF, and send that.")
    if kinds & _PICTURES:
        advice.append("One was a picture that could not be opened (it may be damaged): if it was a photo or"
                      " scan of the form, please send it again, or better, the form itself as a Word or PDF file.")
    lines = [
        "Hello,",
        "",
        f"Thank you for your email. {found}",
        *([""] + advice if advice else []),
        "",
        "This address takes completed application and impact forms, attached as Word (.docx) or PDF files made"
        " from the cluster's templates. A .zip of forms, or a forwarded email with the form attached, is fine too."
        " Please send the form as an attachment to the same address you sent this email to, or put it in the"
        " shared folder.",
        "",
        f"If you wanted to ask the SEND Host something, please write to them at {config.host.email}.",
        "",
        _signature(config),
    ]
    return reply_subject, "\n".join(lines)


# -- the Host's check and the Working Party's responses -------------------------------------


def returned_to_school(config: Config, reference: str, reason: str, rnd: Round | None = None,
                       now: datetime | None = None) -> tuple[str, str]:
    """The Host's return of an application, with the reason and a deadline still ahead."""
    subject = f"Returned: your application {reference}"
    lines = [
        "Hello,",
        "",
        f"The SEND Host has checked your application {reference} and is returning it to you before the"
        " Working Party meets, for this reason:",
        "",
        *[f"  {line}" for line in reason.strip().splitlines()],
        "",
        "Please correct the form and send the whole form again (by email or to the shared folder)."
        " The corrected form replaces this one.",
        *resend_deadline(config, rnd, now),
        "",
        _signature(config),
    ]
    return subject, "\n".join(lines)


def response_sent(config: Config, reference: str, round_name: str | None, decision: str | None = None,
                  resubmit_by: str | None = None) -> tuple[str, str]:
    """Subject and body: no pupil details, no form contents; the decision is in the attachments,
    and the body says what the school does next, for this decision."""
    subject = f"Working Party decision: your application {reference}"
    if decision in ("approved", "approved_with_conditions", "partially_funded"):
        after = "It also gives the date the impact form is due."
    elif decision == "more_information":
        by = f" by {long_date(date.fromisoformat(resubmit_by))}" if resubmit_by else ""
        after = ("The Working Party asks for more information: the response form says what to send. Add it to the"
                 " application form and send the whole form again (by email or to the shared folder), with"
                 f" {reference} in the box \"Previous application reference\"{by}.")
    elif decision == "deferred":
        after = "The response form says in which round the Working Party will consider it again."
    elif decision == "declined":
        after = "The application is now closed; the school may apply again in a later round."
    else:
        after = "Where money is awarded, it also gives the date the impact form is due."
    lines = [
        "Hello,",
        "",
        f"The Working Party has met and decided on your application {reference}"
        + (f" ({round_name})." if round_name else "."),
        "",
        "The response form is attached twice, as a Word file and as a PDF: they hold the same decision."
        f" Please keep it with the application. {after}",
        "",
        "Please quote the reference in any email about this application.",
        "",
        _signature(config),
    ]
    return subject, "\n".join(lines)


# -- alerts to the Host (never a file name or anything read from a form) ---------------------


def file_needs_looking_at(config: Config, received_at: datetime) -> tuple[str, str]:
    """A file in the inbox folder could not be processed because of an unexpected error."""
    when = received_at.astimezone(config.tz).strftime("%d/%m/%Y %H:%M")
    body = (
        f"A file dropped in the forms inbox at {when} could not be processed because of an unexpected error.\n\n"
        "It has been moved to the rejected folder, with a note beside it. Nothing has been deleted.\n"
        "Please look at it, and tell whoever looks after the system.\n"
    )
    return "A file in the forms inbox needs looking at", body


def storage_problem(config: Config, problem: str, hint: str, at: datetime) -> tuple[str, str]:
    """The computer could not save the forms arriving (a full disk, a locked database)."""
    when = at.astimezone(config.tz).strftime("%d/%m/%Y %H:%M")
    body = (
        f"Since {when} the forms arriving cannot be recorded: {problem}\n\n"
        "Nothing is lost and no school has been told its form was refused: the files are kept in the"
        " processing folder and tried again by themselves every few minutes.\n\n"
        f"What to do: {hint}\n"
    )
    return "Forms cannot be recorded: the computer could not save them", body


def mail_needs_looking_at(config: Config, folder: str, tried_at: datetime) -> tuple[str, str]:
    """An email in the school mailbox could not be processed, after its tries."""
    when = tried_at.astimezone(config.tz).strftime("%d/%m/%Y %H:%M")
    body = (
        f"An email in the forms mailbox ({folder}) could not be processed because of an unexpected error"
        f" (last tried {when}). It has been left where it is, unread, and will not be tried again.\n\n"
        "Please look at it: save its attachments and put them in the inbox folder, or ask the school to send"
        " them again. Please also tell whoever looks after the system.\n"
    )
    return "An email in the forms mailbox needs looking at", body


def moved_to_round(config: Config, reference: str, old: str | None, new: Round, reason: str,
                   now: datetime | None = None) -> tuple[str, str]:
    """The school's email when the SEND Host moves an application to another round: the
    new round, its meeting date, and (while it is ahead) its deadline."""
    subject = f"Moved to {new.name}: your application {reference}"
    was = f" from {old}" if old else ""
    lines = [
        "Hello,",
        "",
        f"The SEND Host has moved your application {reference}{was} to the funding round {new.name}, for this"
        " reason:",
        "",
        *[f"  {line}" for line in reason.strip().splitlines()],
        "",
        f"The Working Party will consider it at its meeting on {long_date(new.meeting)}."
        " You do not need to send the form again.",
    ]
    deadline = config.local_deadline(new)
    if now is None or deadline > now:
        lines += [f"If you want to change anything on the form, send the whole corrected form before that round's"
                  f" deadline: {long_deadline(deadline)}."]
    lines += ["", f"Please quote your reference, {reference}, in any email about this application.", "",
              _signature(config)]
    return subject, "\n".join(lines)
