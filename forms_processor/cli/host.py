"""The SEND Host's commands: ``forms check``, ``pack``, ``decide``, ``respond``, ``status``.

Thin: each parses its options, calls one FormsApp method (the service), renders.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import click

from ..api import format_money
from ..errors import ExitCode, UsageError
from ._common import Context, cli, echo_err, echo_json, json_option, pass_ctx


def _m(value: Decimal | None) -> str:
    return "?" if value is None else format_money(value)


def _show_summary(s: Any) -> None:
    from .form_view import render_sections

    echo_err("")
    if s.kind == "impact":
        echo_err(f"{s.reference}   impact form   {s.school or '?'}   (for the award {s.for_application or '?'})")
        echo_err(f"  Intervention:  {s.intervention or '?'}")
        echo_err(f"  Spent:         {_m(s.requested)} of the {_m(s.awarded_this_year)} awarded")
    else:
        echo_err(f"{s.reference}   {s.school or '?'}   ({s.round or 'no round'})")
        if s.state != "awaiting_check":
            from ..states import State

            echo_err(f"  State:         {State(s.state).label}")
        if s.late:
            echo_err(f"  LATE:          arrived after the deadline of {s.round}. To consider it in another round: "
                     f"forms move {s.reference} --round ROUND --reason TEXT")
        echo_err(f"  Intervention:  {s.intervention or '?'}")
        echo_err(f"  Area of need:  {s.area_of_need or '?'}      Pupils: {s.pupils if s.pupils is not None else '?'}")
        echo_err(f"  Requested:     {_m(s.requested)}   (school's entitlement {_m(s.entitlement)},"
                 f" awarded so far this year {_m(s.awarded_this_year)})")
        forwarded = f"; {_m(s.round_forwarded)} asked for by those already forwarded" if s.round_forwarded else ""
        echo_err(f"  Round money:   {_m(s.round_left)} left of {_m(s.round_budget)}{forwarded}")
    for e in s.errors:
        echo_err(f"  error:   {e}")
    for w in s.warnings:
        echo_err(f"  warning: {w}")
    if not s.errors and not s.warnings:
        echo_err("  No warnings.")
    for x in s.exceptions:
        echo_err(f"  exception: {x}")
    for n in s.host_notes:
        echo_err(f"  note:    {n}")
    if s.fields:
        echo_err("\n  The form as the school filled it in:")
        for line in render_sections("send-impact" if s.kind == "impact" else "send-application", s.fields, "  "):
            echo_err(line)


@cli.command()
@click.argument("reference", required=False)
@click.option("--round", "round_name", help="Only applications of this funding round (its name or code).")
@click.option("--forward", "do_forward", is_flag=True, help="Forward REFERENCE to the Working Party.")
@click.option("--note", help="With --forward: a note for the history (not sent to anyone).")
@click.option("--return", "do_return", is_flag=True, help="Return REFERENCE to the school (needs --reason).")
@click.option("--exception", "do_exception", is_flag=True,
              help="Record an exception to the £10,000 high-level SEND rule for REFERENCE (needs --reason).")
@click.option("--reason", help="Why it is returned (emailed to the school), or why the exception is made.")
@json_option
@pass_ctx
def check(ctx: Context, reference: str | None, round_name: str | None, do_forward: bool, note: str | None,
          do_return: bool, do_exception: bool, reason: str | None, as_json: bool) -> None:
    """Check the applications awaiting the Host: forward, return or skip each one.

    \b
    With no reference, walks through every application awaiting a check, one at a time:
    f forwards it, r returns it with a reason (emailed to the school), s skips it,
    o opens the original document, q stops (what is done so far is kept).
    With a reference and an action, does it without questions:
      forms check WVC-2627-AU2-014 --forward
      forms check WVC-2627-AU2-014 --return --reason "The costs do not add up."
      forms check WVC-2627-AU2-014 --exception --reason "Allocation spent on an EHCP transfer."
    With --json and no action: lists what is waiting, as data.
    """
    actions = [a for a in (do_forward, do_return, do_exception) if a]
    if len(actions) > 1:
        raise UsageError("Choose one of --forward, --return and --exception.")
    if actions and not reference:
        raise UsageError("Name the application: forms check REFERENCE --forward (or --return, --exception).")
    if note is not None and not do_forward:
        raise UsageError("--note goes with --forward (a returned application's reason is --reason).")
    if reason is not None and not (do_return or do_exception):
        raise UsageError("--reason goes with --return or --exception.")
    with ctx.app() as app:
        if do_forward:
            form = app.forward(reference or "", note)
            _done(as_json, {"reference": form.reference, "state": form.state.value},
                  f"{form.reference} forwarded to the Working Party.")
            return
        if do_return:
            returned, mail_id = app.return_to_school(reference or "", reason or "")
            ref = returned.reference
            _done(as_json, {"reference": ref, "state": "returned", "mail_id": mail_id},
                  f"{ref} returned to the school; " + (_QUEUED if mail_id else _NO_ADDRESS))
            return
        if do_exception:
            res = app.record_exception(reference or "", reason or "")
            text = f"Exception recorded for {res.reference}; it is now {res.state.replace('_', ' ')}."
            if res.remaining_errors:
                text += " It still has other problems:\n" + "\n".join(f"  - {e}" for e in res.remaining_errors)
            _done(as_json, res, text)
            return
        if reference:
            found = app.form(reference)
            forms = [found if found.form_id == "send-impact" else app.application(reference)]
        else:
            # The applications first, then (for the whole queue) the impact forms awaiting acceptance.
            forms = app.awaiting_check(round_name) + ([] if round_name else app.impacts_awaiting())
        if as_json:
            echo_json([app.check_summary(f) for f in forms])
            return
        if not forms:
            echo_err("Nothing is awaiting a check.")
            return
        if reference and forms[0].state.value != "awaiting_check":
            _show_summary(app.check_summary(forms[0]))
            echo_err("\nIt is not awaiting a check, so there is nothing to forward or return.")
            return
        _walk(app, [f.reference for f in forms], round_name)


_QUEUED = "the email is queued (forms mail send sends it)."
_NO_ADDRESS = "there is no email address for the school, so please tell them yourself."


def _done(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        echo_json(data)
    else:
        echo_err(text)


def has_desktop() -> bool:
    """Whether a file can be opened in a program on this screen (not over SSH or a bare console)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_original(app: Any, form: Any) -> None:
    path = app.readable_original(form)
    if path is None:
        echo_err("  The original file is not in the archive.")
        return
    if not has_desktop():
        echo_err(f"  This computer has no desktop to open it on. The original is at:\n    {path}\n"
                 "  Copy it to a computer with Word or a PDF reader to read it (it is a copy; nothing changes it).")
        return
    echo_err(f"  Opening {path}")
    try:
        failed = click.launch(str(path)) != 0
    except OSError:
        failed = True
    if failed:
        echo_err("  It could not be opened from here: open that file yourself (it is a copy; nothing changes it).")


def _reason_problem(app: Any, form: Any, reason: str) -> str | None:
    """What is wrong with a reason meant for the school's email (a pupil reference), or None."""
    try:
        app.check_reason(form, reason)
    except UsageError as exc:
        return f"{exc.message} {exc.hint}".strip()
    return None


def _walk(app: Any, references: list[str], round_name: str | None = None) -> None:
    """Ask about each form in turn (applications, then impact forms awaiting acceptance). Each
    answer is saved at once; q, Ctrl-C or the end of the input stops the walk with what is done kept."""
    from ..errors import FormsError

    counts = {"forwarded": 0, "returned": 0, "skipped": 0, "accepted": 0}
    emails = 0
    forms = [app.form(ref) for ref in references]
    n_impact = sum(1 for f in forms if f.form_id == "send-impact")
    n_apps = len(forms) - n_impact
    what = f"{n_apps} application{'s' if n_apps != 1 else ''}"
    if n_impact:
        what += f" and {n_impact} impact form{'s' if n_impact != 1 else ''}"
    echo_err(f"{what} awaiting your check. Each answer is saved at once; q stops, and forms check carries on later.")
    interrupted = ctrl_c = False
    try:
        for n, listed in enumerate(forms, 1):
            form = app.form(listed.reference)
            ref = form.reference
            impact = form.form_id == "send-impact"
            echo_err(f"\n--- {n} of {len(forms)} ---")
            if form.state.value != "awaiting_check":  # changed meanwhile (e.g. a corrected form arrived)
                echo_err(f"{form.reference} is now {form.state.label}: skipped.")
                continue
            summary = app.check_summary(form)
            _show_summary(summary)
            choice = _ask(summary, partial(_reason_problem, app, form), partial(_open_original, app, form), impact)
            if choice == "q":
                break
            if choice == "s":
                counts["skipped"] += 1
                continue
            try:
                if choice == "f":
                    app.forward(ref)
                    counts["forwarded"] += 1
                    echo_err("  Forwarded.")
                elif choice == "a":
                    app.accept_impact(ref)
                    counts["accepted"] += 1
                    echo_err("  Accepted: the award is closed.")
                else:
                    reason = choice[2:]
                    if impact:
                        app.return_impact(ref, reason)
                        mail_id = 1
                    else:
                        _, mail_id = app.return_to_school(ref, reason)
                    counts["returned"] += 1
                    emails += 1 if mail_id else 0
                    echo_err("  Returned; " + (_QUEUED if mail_id else _NO_ADDRESS))
            except FormsError as exc:  # e.g. another Host got there first: say so and go on
                echo_err(f"  Not done: {exc.message}")
    except click.Abort as exc:  # Ctrl-C, or the end of the input
        interrupted = True
        ctrl_c = isinstance(exc.__context__, KeyboardInterrupt)
        echo_err("")
    done = f"{counts['forwarded']} forwarded, {counts['returned']} returned, {counts['skipped']} skipped."
    if n_impact:
        done += f" {counts['accepted']} impact form{'s' if counts['accepted'] != 1 else ''} accepted."
    echo_err(("\nStopped. " if interrupted else "\n") + done)
    left = len(app.awaiting_check(round_name)) + (0 if round_name else len(app.impacts_awaiting()))
    if left:
        echo_err(f"{left} still awaiting a check: run forms check again to carry on.")
    if emails:
        echo_err(f"Next: forms mail send (sends the {emails} email{'s' if emails != 1 else ''} to the schools).")
    if interrupted and ctrl_c:
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)


def _ask(summary: Any, reason_problem: Callable[[str], str | None], open_original: Callable[[], None],
         impact: bool = False) -> str:
    """The Host's choice: 'f' (or 'a' for an impact form), 's', 'q', or 'r:' followed by the reason
    ('o' is dealt with here). An empty reason goes back to the choices."""
    first, keys = ("[a]ccept", ["a", "r", "s", "o", "q"]) if impact else ("[f]orward", ["f", "r", "s", "o", "q"])
    while True:
        choice = click.prompt(
            f"  {first}, [r]eturn with a reason, [s]kip, [o]pen the original, [q]uit",
            type=click.Choice(keys, case_sensitive=False), err=True, show_choices=False,
        ).lower()
        if choice == "o":
            open_original()
            continue
        if choice != "r":
            return str(choice)
        while True:
            reason = click.prompt("  Reason (emailed to the school; no pupil details; empty to go back)", default="",
                                  show_default=False, err=True).strip()
            if not reason:
                break
            problem = reason_problem(reason)
            if problem is None:
                return "r:" + reason
            echo_err(f"  {problem}")


@cli.command()
@click.argument("round_name", metavar="ROUND")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the pack into (PDF, Word copy and the decisions spreadsheet).")
@json_option
@pass_ctx
def pack(ctx: Context, round_name: str, out_dir: Path, as_json: bool) -> None:
    """Write the Working Party's pack for a round: summary and every forwarded application.

    \b
    Example:  forms pack AU2 --out "Working Party"
    Writes "<round> pack.pdf", "<round> pack.docx" and "<round> decisions.xlsx";
    fill in the decision columns of the spreadsheet and read it back with
    forms decide --from "<round> decisions.xlsx".
    """
    with ctx.app() as app:
        result = app.pack(round_name, out_dir.resolve())
    if as_json:
        echo_json(result)
        return
    echo_err(f"{len(result.rows)} applications, {format_money(result.total_requested)} requested;"
             f" {format_money(result.money.left)} left of {format_money(result.money.budget)}.")
    for path in (result.pdf, result.docx, result.xlsx):
        click.echo(str(path))


def _parse_day(value: str | None, what: str) -> date | None:
    if not value:
        return None
    from ..api import ParseError, parse_date

    try:
        return parse_date(value)
    except ParseError as exc:
        raise UsageError(f"The {what} '{value}': {exc.text}") from None


@cli.command()
@click.argument("reference", required=False)
@click.option("--decision", help="approved, approved-with-conditions, partially-funded, deferred, declined or more-information.")
@click.option("--award", help="Amount awarded, in pounds (needed for partially-funded; approved awards the request).")
@click.option("--conditions", help="The conditions (needed for approved-with-conditions).")
@click.option("--feedback", help="Feedback to the school (needed for every decision but approved).")
@click.option("--information", help="The information asked for (needed for more-information).")
@click.option("--deferred-to", help="The round it is deferred to (needed for deferred).")
@click.option("--resubmit-by", help="Date to resubmit by, DD/MM/YYYY (needed for more-information).")
@click.option("--meeting", help="Date of the Working Party meeting (default: the round's meeting date).")
@click.option("--reason", help="Why a decision already recorded is being corrected (needed for a correction).")
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Record every decision in a minutes file: a .csv, or the pack's .xlsx filled in.")
@click.option("--by", "actor", default="host", show_default=True, help="Who is recording the decisions.")
@json_option
@pass_ctx
def decide(ctx: Context, reference: str | None, decision: str | None, award: str | None, conditions: str | None,
           feedback: str | None, information: str | None, deferred_to: str | None, resubmit_by: str | None,
           meeting: str | None, reason: str | None, from_file: Path | None, actor: str, as_json: bool) -> None:
    """Record the Working Party's decision on an application (or a whole minutes file).

    \b
    Examples:
      forms decide WVC-2627-AU2-014 --decision approved
      forms decide WVC-2627-AU2-015 --decision partially-funded --award 1500 --feedback "Half the TA hours."
      forms decide --from "Autumn 2 2026 decisions.xlsx"
    A file is checked whole first: if any row is wrong nothing is recorded, and every
    wrong row is listed. A row that repeats a decision already recorded is left alone,
    so the same file can be read again safely. A decided application is locked: to
    correct it before its response has gone, decide again with --reason.
    """
    with ctx.app() as app:
        if from_file is not None:
            if reference or decision:
                raise UsageError("Use either --from FILE or a reference with --decision, not both.")
            rows = app.read_decisions_file(from_file.resolve())
            if not rows:
                raise UsageError(f"{from_file.name} has no row with a decision filled in.")
            records = app.decide_many(rows, actor=actor)
        else:
            if not reference or not decision:
                raise UsageError("Name the application and the decision: forms decide REFERENCE --decision approved",
                                 hint="Or record a whole minutes file with --from FILE.")
            values = {"decision": decision, "award": award, "conditions": conditions, "feedback": feedback,
                      "information_requested": information, "deferred_to": deferred_to, "reason": reason}
            inp = app.decision_input(reference, values, resubmit_by=_parse_day(resubmit_by, "resubmit-by date"),
                                     meeting=_parse_day(meeting, "meeting date"))
            records = [app.decide(inp, actor=actor)]
    if as_json:
        echo_json(records)
        return
    for r in records:
        echo_err(r.describe())
    echo_err("Next: forms respond --all (writes the response forms and queues the emails).")


@cli.command()
@click.argument("references", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every decision whose response has not been sent yet.")
@click.option("--resend", is_flag=True, help="Send the named responses again, on purpose.")
@click.option("--date", "signed_on", help="The date printed by the signature (default: today).")
@json_option
@pass_ctx
def respond(ctx: Context, references: tuple[str, ...], every: bool, resend: bool, signed_on: str | None,
            as_json: bool) -> None:
    """Write the response forms (Word and PDF) and queue the emails to the schools.

    \b
    Examples:
      forms respond --all
      forms respond WVC-2627-AU2-014 --resend
    Each response goes out once: running it again sends nothing twice. The files are
    in outbox/responses/; the emails leave with 'forms mail send'.
    """
    if references and every:
        raise UsageError("Name the applications, or use --all, not both.")
    with ctx.app() as app:
        results = app.respond(list(references) or None, every=every, resend=resend,
                              today=_parse_day(signed_on, "date"))
    if as_json:
        echo_json(results)
        return
    if not results:
        echo_err("Every decision already has its response written and its email queued or sent.")
        return
    words = {"queued": "queued", "resent": "queued again",
             "already-sent": "already done: its email is queued or sent (--resend sends it again)",
             "no-address": "written, but there is no email address for the school: send the files by hand"}
    for r in results:
        echo_err(f"{r.reference}: {words[r.status]}")
        if r.pdf:
            click.echo(str(app.home.root / r.pdf))
    if any(r.status in ("queued", "resent") for r in results):
        echo_err("Next: forms mail send")


@cli.command()
@click.option("--round", "round_name", help="Only this funding round (its name or code).")
@click.option("--all", "every_round", is_flag=True, help="Also the rounds with nothing in them yet.")
@json_option
@pass_ctx
def status(ctx: Context, round_name: str | None, every_round: bool, as_json: bool) -> None:
    """What needs you today, then each round at a glance.

    Today: applications to check, impact forms to accept, responses to write, impact
    forms due this month and overdue, emails that failed (each with its reference), and
    the next deadline and meeting. Then each round with something in it (--all: every
    round; --round: that one): applications by state, money, responses, impact forms.

    \b
    Examples:
      forms status
      forms status --round AU2 --json
    """
    with ctx.app() as app:
        rounds = app.round_status(round_name)
        today = app.host_today()
        shown = [r for r in rounds if round_name or every_round or not app.round_is_empty(r)]
    hidden = len(rounds) - len(shown)
    if as_json:
        echo_json({"today": today, "rounds": shown, "rounds_hidden": hidden})
        return
    from ..api import format_date

    if not round_name:
        _show_today(today)
    for r in shown:
        m = r.money
        deadline = r.deadline
        click.echo(f"{r.round}  (deadline {format_date(deadline.date())} {deadline:%H:%M},"
                   f" meeting {format_date(r.meeting)})")
        states = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.states.items() if k != "superseded")
        replaced = r.states.get("superseded", 0)
        if replaced:
            states += f"; {replaced} earlier form{'s' if replaced != 1 else ''} replaced by a corrected one"
        click.echo(f"  Applications: {r.applications}  ({states.strip('; ') or 'none yet'})")
        click.echo(f"  Money: budget {format_money(m.budget)}, requested {format_money(m.requested)},"
                   f" awarded {format_money(m.awarded)}, left {format_money(m.left)}")
        rs, imp = r.responses, r.impact
        click.echo(f"  Responses: {rs.to_write} to write, {rs.queued} queued, {rs.sent} sent"
                   + (f", {rs.failed} failed" if rs.failed else "")
                   + (f", {rs.no_address} with no email address (send by hand)" if rs.no_address else ""))
        click.echo(f"  Impact forms: {imp.due} due, {imp.overdue} overdue"
                   + (f" ({', '.join(imp.overdue_references)})" if imp.overdue_references else ""))
    if hidden:
        echo_err(f"{hidden} round{'s' if hidden != 1 else ''} with nothing in yet not shown: forms status --all")


def _show_today(today: Any) -> None:
    from ..api import format_date

    def block(title: str, items: list[Any], then: str) -> None:
        if not items:
            return
        click.echo(f"  {title} ({len(items)}):  {then}")
        for item in items:
            click.echo(f"    {item.reference or '-':<18} {item.school or '':<34} {item.detail}".rstrip())

    click.echo(f"Today, {format_date(today.day)}")
    if today.nothing_to_do:
        click.echo("  Nothing needs you now.")
    block("Applications to check", today.to_check, "forms check")
    block("Impact forms to accept", today.impact_to_accept, "forms impact accept REF")
    block("Responses to write", today.responses_to_write, "forms respond --all")
    block("Impact forms overdue", today.impact_overdue, "forms remind")
    block("Impact forms due this month", today.impact_due_this_month, "forms remind")
    block("Emails that failed", today.failed_emails, "forms mail status, then forms mail retry --all")
    if today.next_deadline:
        at = today.next_deadline.at
        click.echo(f"  Next deadline: {today.next_deadline.round}, {format_date(at.date())} at {at:%H:%M}")
    if today.next_meeting:
        click.echo(f"  Next Working Party meeting: {today.next_meeting.round}, {format_date(today.next_meeting.on)}")
    click.echo("")
