"""The SEND Host's commands: ``forms pack``, ``decide``, ``respond``, ``status`` (``forms check`` is cli/check.py).

Thin: each parses its options, calls one FormsApp method (the service), renders.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from ..api import format_money
from ..errors import FormsError, UsageError, where_given
from ._common import Context, cli, echo_err, echo_json, json_option, pass_ctx


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


# A decision's field -> the option of 'forms decide' that gives it.
_OPTIONS = {"decision": "--decision", "award": "--award", "conditions": "--conditions", "feedback": "--feedback",
            "information_requested": "--information", "deferred_to": "--deferred-to", "resubmit_by": "--resubmit-by",
            "meeting": "--meeting", "reason": "--reason"}


def _name_the_option(exc: FormsError) -> None:
    """The refusal's message names the option that gives the field it is about (the library's
    words name the field only, as every screen labels it its own way)."""
    option = _OPTIONS.get(exc.field or "")
    if option and option not in exc.message:
        exc.message = where_given(exc.message, option)


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
            try:
                inp = app.decision_input(reference, values, resubmit_by=_parse_day(resubmit_by, "resubmit-by date"),
                                         meeting=_parse_day(meeting, "meeting date"))
                records = [app.decide(inp, actor=actor)]
            except FormsError as exc:
                _name_the_option(exc)
                raise
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
