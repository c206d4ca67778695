"""Impact, reminders, entitlement, reports and the finance export.

``forms impact accept|return|overdue``, ``forms remind``, ``forms entitlement``,
``forms report impact|governors`` and ``forms export``: each parses its options,
calls one library function and prints the result.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from ..api import STAGE_LABELS, json_data, parse_year, pounds, published, year_label
from ..config import Config
from ..errors import UsageError
from ..states import State
from ._common import Context, cli, echo_err, echo_json, json_option, pass_ctx

_BY = click.option("--by", "actor", default="host", show_default=True, help="Who is recording this (for the history).")


def _today(config: Config) -> date:
    return datetime.now(config.tz).date()


def _year(text: str | None) -> str | None:
    return parse_year(text) if text else None


def _round(config: Config, text: str) -> str:
    return config.require_round(text).name


# -- impact forms ----------------------------------------------------------------


@cli.group()
def impact() -> None:
    """The Host's check of impact forms, and the overdue timer."""


@impact.command("accept")
@click.argument("reference")
@_BY
@json_option
@pass_ctx
def impact_accept(ctx: Context, reference: str, actor: str, as_json: bool) -> None:
    """Accept an impact form: the form is accepted and its award closed.

    REFERENCE is the impact form's reference (or the application's: its impact form
    waiting for a check is taken).

    \b
    Example:
      forms impact accept WVC-2627-IMP-004
    A form about an award already closed, or one not awarded money, is refused:
    return it to the school instead (forms impact return)."""
    with ctx.app() as app:
        out = app.accept_impact(reference, actor=actor)
    if as_json:
        echo_json(out)
        return
    click.echo(f"{out.impact_reference} accepted; {out.application_reference} is closed.")


@impact.command("return")
@click.argument("reference")
@click.option("--reason", required=True, help="Why it is returned: the school is told this (no pupil details).")
@_BY
@json_option
@pass_ctx
def impact_return(ctx: Context, reference: str, reason: str, actor: str, as_json: bool) -> None:
    """Return an impact form to the school with a reason (an email is queued); the award
    waits for a corrected impact form.

    \b
    Example:
      forms impact return WVC-2627-IMP-004 --reason "Please add the results for outcome 2."
    """
    with ctx.app() as app:
        out = app.return_impact(reference, reason, actor=actor)
    if as_json:
        echo_json(out)
        return
    if out.application_state in (State.IMPACT_DUE.value, State.IMPACT_OVERDUE.value):
        click.echo(f"{out.impact_reference} returned to the school; {out.application_reference} waits for a "
                   "corrected impact form.")
    else:
        click.echo(f"{out.impact_reference} returned to the school ({out.application_reference} is "
                   f"{State(out.application_state).label}).")
    if out.mail_id is None:
        echo_err("No email was queued (no SENCO email address is known for this school).")


@impact.command("overdue")
@json_option
@pass_ctx
def impact_overdue(ctx: Context, as_json: bool) -> None:
    """Mark as overdue every award whose impact form is past its due date (run daily)."""
    with ctx.app() as app:
        moved = app.mark_overdue()
    if as_json:
        echo_json({"overdue": moved})
        return
    for ref in moved:
        click.echo(ref)
    echo_err(f"{len(moved)} award(s) newly marked as impact overdue.")


# -- reminders --------------------------------------------------------------------


@cli.command("remind")
@click.option("--days", type=click.IntRange(min=0), default=14, show_default=True,
              help="Remind when the impact form is due within this many days.")
@json_option
@pass_ctx
def remind_cmd(ctx: Context, days: int, as_json: bool) -> None:
    """Email the SENCO of each award whose impact form is due soon or overdue.

    Each award gets at most one "due soon" and one "overdue" reminder, however often
    this runs. The emails are queued: 'forms mail send' sends them."""
    with ctx.app() as app:
        sent = app.remind(days)
    if as_json:
        echo_json(sent)
        return
    for r in sent:
        due = f"due {r.due:%d/%m/%Y}" if r.due else "no due date"
        if r.to:
            click.echo(f"{r.reference:<18} {STAGE_LABELS[r.stage]:<9} {due:<15} {r.to}")
        else:
            echo_err(f"{r.reference}: no SENCO email address known; add senco_email for {r.school} in cluster.toml.")
    echo_err(f"{sum(1 for r in sent if r.to)} reminder(s) queued.")


# -- entitlement ------------------------------------------------------------------


@cli.command("entitlement")
@click.option("--year", help="Academic year, e.g. 2026-27 (default: the current one).")
@json_option
@pass_ctx
def entitlement_cmd(ctx: Context, year: str | None, as_json: bool) -> None:
    """Each school's share of the cluster's money, beside what it has requested, been
    awarded and spent, and what is left.

    \b
    Example:
      forms entitlement --year 2026-27
    """
    with ctx.app() as app:
        table = app.entitlement(_year(year))
        code = table.year or ""
    if as_json:
        echo_json(table)
        return
    s = table.shares
    census = f", counts of {s.census_date:%d %B %Y}" if s.census_date else ""
    echo_err(f"Academic year {year_label(code)}. Pot {pounds(s.pot)}, top-slices "
             f"{pounds(s.pot - s.distributable)}, to share {pounds(s.distributable)}; weight = "
             f"{s.w_ehcp} x EHCP + {s.w_support} x SEN support{census}.")
    head = ("School", "EHCP", "SEN sup.", "Entitlement", "Requested", "Awarded", "Spent", "Left")
    click.echo(f"{head[0]:<32} {head[1]:>5} {head[2]:>8} " + " ".join(f"{h:>12}" for h in head[3:]))
    for r in table.rows:
        money = (r.entitlement, r.requested, r.awarded, r.spent, r.left)
        click.echo(f"{r.school[:32]:<32} {r.ehcp:>5} {r.sen_support:>8} " + " ".join(f"{pounds(v):>12}" for v in money))
    t = table.totals
    click.echo(f"{'Total':<32} {'':>5} {'':>8} "
               + " ".join(f"{pounds(t[k]):>12}" for k in ("entitlement", "requested", "awarded", "spent", "left")))


# -- reports ----------------------------------------------------------------------


@cli.group()
def report() -> None:
    """Reports with charts, as a PDF and a web page (HTML) each."""


_OUT = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                    help="The folder to write the PDF and HTML files into (made if missing).")


@report.command("impact")
@click.option("--round", "round_name", help="Only this funding round (its name or code).")
@click.option("--year", help="Only this academic year, e.g. 2026-27 (default: the current one).")
@_OUT
@json_option
@pass_ctx
def report_impact(ctx: Context, round_name: str | None, year: str | None, out_dir: Path, as_json: bool) -> None:
    """For headteachers: every funded intervention's outcomes (baseline, target, result,
    met) by school and area of need, with charts.

    \b
    Examples:
      forms report impact --year 2026-27 --out reports
      forms report impact --round AU2 --out reports
    """
    if round_name and year:
        raise UsageError("Give either --round or --year, not both.")
    with ctx.app() as app:
        data, paths = app.impact_report(out_dir.resolve(), round_name=round_name, year=_year(year))
    files = [str(p) for p in paths]
    if as_json:
        echo_json({"report": data.label, "interventions": len(data.impacts), "files": files})
        return
    for f in files:
        click.echo(f)
    echo_err(f"Impact report for {data.label}: {len(data.impacts)} intervention(s) with an accepted impact form.")


@report.command("governors")
@click.option("--year", help="Academic year, e.g. 2026-27 (default: the current one).")
@_OUT
@json_option
@pass_ctx
def report_governors(ctx: Context, year: str | None, out_dir: Path, as_json: bool) -> None:
    """For governors: value for money (budget, awarded, spent, pupils supported, cost per
    pupil, outcomes met, gains per measure), with charts. Numbers of fewer than 5
    pupils are hidden.

    \b
    Example:
      forms report governors --year 2026-27 --out reports
    """
    with ctx.app() as app:
        figures, paths = app.governors_report(out_dir.resolve(), year=_year(year))
    files = [str(p) for p in paths]
    if as_json:
        echo_json({**json_data(published(figures)), "files": files})
        return
    for f in files:
        click.echo(f)
    echo_err(f"Governors' report for {figures.label}: awarded {pounds(figures.awarded)}, spent {pounds(figures.spent)}.")


@cli.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The spreadsheet to write (.xlsx).")
@click.option("--year", help="Only this academic year, e.g. 2026-27 (default: every year).")
@json_option
@pass_ctx
def export_cmd(ctx: Context, out_file: Path, year: str | None, as_json: bool) -> None:
    """A spreadsheet for the finance manager: applications, decisions, awards, impact
    forms and schools, one sheet each, with totals.

    \b
    Example:
      forms export --year 2026-27 --out finance.xlsx
    """
    if out_file.suffix.lower() != ".xlsx":
        raise UsageError(f"{out_file.name} does not end in .xlsx.", hint="Give a file name like finance.xlsx.")
    with ctx.app() as app:
        summary = app.export(out_file.resolve(), year=_year(year))
    if as_json:
        echo_json(summary)
        return
    click.echo(str(summary.path))
    echo_err(f"{summary.applications} application(s), {summary.awards} award(s) ({pounds(summary.awarded)}), "
             f"{summary.impact_forms} impact form(s) ({pounds(summary.spent)} spent).")
