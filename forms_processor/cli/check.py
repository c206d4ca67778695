"""``forms check``: the Host's walk through what awaits a check (forward, return with a reason,
skip, open the original), or one action on one form without questions.

Thin: each answer calls one FormsApp method (the service).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from typing import Any

import click

from ..api import format_money
from ..errors import ExitCode, FormsError, UsageError, where_given
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
    if s.scan is not None:
        _show_scan(s.scan)
    for x in s.exceptions:
        echo_err(f"  exception: {x}")
    for n in s.host_notes:
        echo_err(f"  note:    {n}")
    if s.fields:
        echo_err("\n  The form as the school filled it in:")
        for line in render_sections("send-impact" if s.kind == "impact" else "send-application", s.fields, "  "):
            echo_err(line)


def _show_scan(scan: Any) -> None:
    """The values read from a scan, each with its confidence (uncertain ones marked), and the scan's file."""
    if scan.confirmed:
        echo_err(f"  Read from a scan; its values were confirmed by {scan.confirmed_by} ({scan.confirmed_at[:10]}).")
        return
    echo_err("  READ FROM A SCAN: confirm the values read before it goes on (values marked ? are uncertain).")
    echo_err(f"  The scan: {scan.scan or 'not in the archive'}")
    for v in scan.values:
        mark = "?" if v.uncertain else " "
        shown = "(blank)" if v.value in (None, "") else ("ticked" if v.value is True else
                                                        "not ticked" if v.value is False else v.value)
        echo_err(f"   {mark} {v.label} [{v.key}]: {shown}   ({v.confidence:.0f}% sure)")
    echo_err(f"  To confirm: forms check {scan.reference} --confirm-scan [--set FIELD=VALUE ...]")


def _corrections(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes FIELD=VALUE (the field's name as forms check shows it), not {item!r}.")
        out[key.strip()] = value
    return out


@cli.command()
@click.argument("reference", required=False)
@click.option("--round", "round_name", help="Only applications of this funding round (its name or code).")
@click.option("--forward", "do_forward", is_flag=True, help="Forward REFERENCE to the Working Party.")
@click.option("--note", help="With --forward: a note for the history (not sent to anyone).")
@click.option("--return", "do_return", is_flag=True, help="Return REFERENCE to the school (needs --reason).")
@click.option("--exception", "do_exception", is_flag=True,
              help="Record an exception to the £10,000 high-level SEND rule for REFERENCE (needs --reason).")
@click.option("--reason", help="Why it is returned (emailed to the school), or why the exception is made.")
@click.option("--confirm-scan", "do_confirm", is_flag=True,
              help="Confirm the values read from REFERENCE's scan (with --set for those to correct).")
@click.option("--set", "corrections", multiple=True, metavar="FIELD=VALUE",
              help="With --confirm-scan: the right value of a field misread from the scan (repeatable).")
@json_option
@pass_ctx
def check(ctx: Context, reference: str | None, round_name: str | None, do_forward: bool, note: str | None,
          do_return: bool, do_exception: bool, reason: str | None, do_confirm: bool, corrections: tuple[str, ...],
          as_json: bool) -> None:
    """Check the applications awaiting the Host: forward, return or skip each one.

    \b
    With no reference, walks through every application awaiting a check, one at a time:
    f forwards it, r returns it with a reason (emailed to the school), s skips it,
    o opens the original document, q stops (what is done so far is kept).
    With a reference and an action, does it without questions:
      forms check WVC-2627-AU2-014 --forward
      forms check WVC-2627-AU2-014 --return --reason "The costs do not add up."
      forms check WVC-2627-AU2-014 --exception --reason "Allocation spent on an EHCP transfer."
      forms check WVC-2627-AU2-014 --confirm-scan --set outcome_1_baseline=73
    A form read from a scan is forwarded only once its values are confirmed (c in the walk).
    With --json and no action: lists what is waiting, as data.
    """
    actions = [a for a in (do_forward, do_return, do_exception, do_confirm) if a]
    if len(actions) > 1:
        raise UsageError("Choose one of --forward, --return, --exception and --confirm-scan.")
    if corrections and not do_confirm:
        raise UsageError("--set goes with --confirm-scan.")
    if actions and not reference:
        raise UsageError("Name the application: forms check REFERENCE --forward (or --return, --exception,"
                         " --confirm-scan).")
    if note is not None and not do_forward:
        raise UsageError("--note goes with --forward (a returned application's reason is --reason).")
    if reason is not None and not (do_return or do_exception):
        raise UsageError("--reason goes with --return or --exception.")
    with ctx.app() as app:
        if do_confirm:
            done = app.confirm_scan(reference or "", _corrections(corrections))
            form = done.form
            _done(as_json, {"reference": form.reference, "state": form.state.value, "scan_confirmed": True,
                            "corrected": list(done.corrected)},
                  f"The values read from {form.reference}'s scan are confirmed"
                  f" ({_corrected(done.corrected, len(corrections))}); it can now be forwarded.")
            return
        if do_forward:
            form = app.forward(reference or "", note)
            _done(as_json, {"reference": form.reference, "state": form.state.value},
                  f"{form.reference} forwarded to the Working Party.")
            return
        if do_return:
            with _reason_is_option():
                returned, mail_id = app.return_to_school(reference or "", reason or "")
            ref = returned.reference
            _done(as_json, {"reference": ref, "state": "returned", "mail_id": mail_id},
                  f"{ref} returned to the school; " + (_QUEUED if mail_id else _NO_ADDRESS))
            return
        if do_exception:
            with _reason_is_option():
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


@contextmanager
def _reason_is_option() -> Iterator[None]:
    """A refusal about the reason names the option that gives it here: (--reason)."""
    try:
        yield
    except FormsError as exc:
        if exc.field == "reason" and "--reason" not in exc.message:
            exc.message = where_given(exc.message, "--reason")
        raise


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
            if choice == "c":
                _confirm_in_walk(app, summary.scan)
                choice = _ask(app.check_summary(app.form(ref)), partial(_reason_problem, app, form),
                              partial(_open_original, app, form), impact)
            if choice == "q":
                break
            if choice == "s":
                counts["skipped"] += 1
                continue
            try:
                emails += _carry_out(app, ref, choice, impact, counts)
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


def _confirm_in_walk(app: Any, scan: Any) -> None:
    """Ask for the right value of each uncertain value read from a scan (Enter keeps it), then confirm."""
    echo_err("  Look at the scan beside you; press Enter to keep a value, or type the right one (- for blank).")
    corrections = {}
    for v in scan.uncertain:
        shown = "" if v.value is None else ("yes" if v.value is True else "no" if v.value is False else str(v.value))
        typed = click.prompt(f"    {v.label}", default=shown, err=True).strip()
        if typed != shown:
            corrections[v.key] = "" if typed == "-" else typed
    done = app.confirm_scan(scan.reference, corrections)
    echo_err(f"  Confirmed ({_corrected(done.corrected, len(corrections))}).")


def _corrected(changed: tuple[str, ...], given: int) -> str:
    """How many values the Host's corrections changed: "1 corrected", and how many given were
    already the value read ("2 corrected, 1 already as read")."""
    same = given - len(changed)
    return f"{len(changed)} corrected" + (f", {same} already as read" if same > 0 else "")


def _carry_out(app: Any, ref: str, choice: str, impact: bool, counts: dict[str, int]) -> int:
    """Do what the Host chose for one form; returns the emails queued (0 or 1)."""
    if choice == "f":
        app.forward(ref)
        counts["forwarded"] += 1
        echo_err("  Forwarded.")
        return 0
    if choice == "a":
        app.accept_impact(ref)
        counts["accepted"] += 1
        echo_err("  Accepted: the award is closed.")
        return 0
    reason = choice[2:]
    if impact:
        app.return_impact(ref, reason)
        mail_id: int | None = 1
    else:
        _, mail_id = app.return_to_school(ref, reason)
    counts["returned"] += 1
    echo_err("  Returned; " + (_QUEUED if mail_id else _NO_ADDRESS))
    return 1 if mail_id else 0


def _ask(summary: Any, reason_problem: Callable[[str], str | None], open_original: Callable[[], None],
         impact: bool = False) -> str:
    """The Host's choice: 'f' (or 'a' for an impact form), 's', 'q', or 'r:' followed by the reason
    ('o' is dealt with here). An empty reason goes back to the choices."""
    first, keys = ("[a]ccept", ["a", "r", "s", "o", "q"]) if impact else ("[f]orward", ["f", "r", "s", "o", "q"])
    if summary.scan is not None and not summary.scan.confirmed:
        first, keys = "[c]onfirm the values read from the scan", ["c", *keys[1:]]
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


