"""Looking at what has arrived: ``forms list`` and ``forms show``."""

from __future__ import annotations

from decimal import Decimal

import click

from ..api import format_money
from ..states import State
from ._common import Context, cli, echo_json, json_option, pass_ctx
from .form_view import render_form


@cli.command("list")
@click.option("--status", "state", type=click.Choice([s.value for s in State]), metavar="STATE",
              help="Only forms in this state: " + ", ".join(s.value for s in State) + ".")
@click.option("--round", "round_name", help="Only forms of this funding round (its name or code).")
@click.option("--school", help="Only forms of this school (any of its names).")
@click.option("--form", "form_kind", type=click.Choice(["application", "impact"]), help="Only this kind of form.")
@click.option("--all", "everything", is_flag=True,
              help="Also the forms replaced by a later copy (superseded), hidden otherwise.")
@json_option
@pass_ctx
def list_cmd(ctx: Context, state: str | None, round_name: str | None, school: str | None,
             form_kind: str | None, everything: bool, as_json: bool) -> None:
    """List the forms received, oldest first (forms replaced by a later copy only with --all)."""
    with ctx.app() as app:
        rows = app.list_forms(
            state=state, round_text=round_name, school_text=school,
            form_id=f"send-{form_kind}" if form_kind else None, include_superseded=everything,
        )
        late = app.late_references(rows)
        hidden = 0 if everything or state else app.count_superseded(round_text=round_name, school_text=school)
        data = [
            {
                "reference": r.reference,
                "form": r.form_id,
                "school": r.school,
                "round": r.round,
                "state": r.state.value,
                "intervention": r.intervention,
                "amount_requested": r.amount_requested,
                "received_at": r.created_at,
                "late": r.reference in late,
            }
            for r in rows
        ]
    if as_json:
        echo_json(data)
        return
    if not data:
        click.echo("No forms match." + (f" ({hidden} replaced by a later copy: forms list --all)" if hidden else ""),
                   err=True)
        return
    for d in data:
        amount = format_money(Decimal(d["amount_requested"])) if d["amount_requested"] else ""
        mark = "  LATE" if d["late"] else ""
        click.echo(f"{d['reference']:<18} {d['state']:<20} {(d['school'] or '?'):<34} {amount:>10}  "
                   f"{d['intervention'] or ''}{mark}")
    if hidden:
        click.echo(f"({hidden} form{'s' if hidden != 1 else ''} replaced by a later copy not shown: forms list --all)",
                   err=True)


@cli.command()
@click.argument("reference")
@json_option
@pass_ctx
def show(ctx: Context, reference: str, as_json: bool) -> None:
    """Show one form: its fields, messages, state and history."""
    with ctx.app() as app:
        data = app.show(reference)
        tz = app.config.tz
    if as_json:
        echo_json(data)
        return
    for line in render_form(data, tz):
        click.echo(line)


@cli.command()
@click.argument("reference")
@click.option("--round", "round_text", required=True, help="The round to move it to (its name or code).")
@click.option("--reason", required=True, help="Why it is moved (kept in the history and told to the school; no pupil details).")
@click.option("--by", "actor", default="host", show_default=True, help="Who is moving it.")
@json_option
@pass_ctx
def move(ctx: Context, reference: str, round_text: str, reason: str, actor: str, as_json: bool) -> None:
    """Move an application to another funding round (before a decision): a late form, or a
    round that is full. Its state is kept; the school is emailed its new round and meeting."""
    with ctx.app() as app:
        result = app.move(reference, round_text, reason, actor=actor)
    if as_json:
        echo_json(result)
        return
    told = "the school's email is queued (forms mail send)" if result.mail_id else "no email: the school has no address"
    click.echo(f"{result.reference} moved from {result.from_round or 'no round'} to {result.to_round}; {told}.",
               err=True)


@cli.command()
@click.argument("reference")
@click.option("--reason", required=True, help="Why the school withdrew it (kept in the history).")
@click.option("--by", "actor", default="host", show_default=True, help="Who is recording this.")
@json_option
@pass_ctx
def withdraw(ctx: Context, reference: str, reason: str, actor: str, as_json: bool) -> None:
    """Record that a school has withdrawn an application (only before a decision)."""
    with ctx.app() as app:
        form = app.withdraw(reference, reason, actor=actor)
    if as_json:
        echo_json({"reference": form.reference, "state": form.state.value})
    else:
        click.echo(f"{form.reference} is now {form.state.label}.", err=True)


@cli.command()
@click.option("--apply", "apply_now", is_flag=True,
              help="Really remove the pupil details. Without it, only list what is due.")
@json_option
@pass_ctx
def retention(ctx: Context, apply_now: bool, as_json: bool) -> None:
    """Remove pupil details from forms older than the retention period (cluster.retention_years).

    Only forms whose life has ended are touched. Pupil references are blanked and the
    original files deleted; amounts, decisions and outcomes stay for the totals.
    """
    with ctx.app() as app:
        report = app.retention(apply=apply_now)
    if as_json:
        echo_json({"due": report.due, "applied": apply_now, "files_deleted": report.files_deleted})
        return
    verb = "Anonymised" if apply_now else "Due for anonymising (run again with --apply)"
    click.echo(f"{verb}: {len(report.due)} form(s).", err=True)
    for ref in report.due:
        click.echo(ref)
