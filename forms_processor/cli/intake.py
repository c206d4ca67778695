"""Setting up, templates, and command-line intake."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from ..api import IngestResult, json_data
from ..config import CONFIG_NAME
from ..errors import ExitCode
from ..home import init_home, open_home
from ._common import (
    Context,
    activate_hint,
    cli,
    command_name,
    echo_err,
    echo_json,
    home_words,
    json_option,
    pass_ctx,
)


@cli.command()
@pass_ctx
def init(ctx: Context) -> None:
    """Write an example cluster.toml and the data folders (never overwrites anything),
    then say what to do next, with this home's own paths."""
    root, created = init_home(ctx.home_option)
    if created:
        for path in created:
            echo_err(f"created {path}")
    else:
        echo_err(f"Nothing to do: {root} is already set up.")
    home = open_home(root)
    forms = command_name()
    at = home_words(root)
    echo_err("\nNext steps:")
    echo_err(f"  1. Edit {root / CONFIG_NAME} for your cluster: its schools, funding rounds, the SEND Host,")
    echo_err("     and the mail server if you have one. Every line is explained in the file.")
    echo_err(f"  2. {forms} {at}templates --out {shlex.quote(str(root / 'form_templates'))}")
    echo_err("     writes the blank Word and PDF forms to send to the SENCOs.")
    echo_err(f"  3. {forms} {at}watch")
    echo_err(f"     takes in every form dropped into {home.inbox} (Ctrl-C stops it).")
    echo_err(f"  Then: {forms} {at}status shows what needs you today.")
    activate = activate_hint(forms)
    if activate:
        echo_err(f"  {activate}")


_STATUS_MARK = {"accepted": "OK ", "invalid": "FIX", "rejected": "BAD", "duplicate": "DUP", "waiting": "..."}


def render_result(r: IngestResult) -> None:
    ref = r.reference or "-"
    school = r.school or ""
    echo_err(f"{_STATUS_MARK[r.status]} {r.status:<9} {ref:<18} {school:<34} {r.file}")
    for m in r.messages:
        echo_err(f"      {m.severity.value}: {m.full}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@json_option
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line (and the JSON, with --json).")
@pass_ctx
def ingest(ctx: Context, paths: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """Read and check forms: files, folders (and their sub-folders) and .eml files.

    Each file is accepted (queued for the Host, with a reference), invalid (the
    school is told what to fix), rejected (could not be read) or a duplicate.
    The originals are kept in the archive; the files named are left where they are.

    Exit code 0 when every form was accepted, 1 when any needs attention, 7 when the
    computer could not save some of them (a full disk): run it again once fixed.
    """
    results: list[IngestResult] = []
    with ctx.app() as app:
        abs_paths = [p.resolve() for p in paths]
        total, skipped = app.count_files(abs_paths)
        if skipped:
            names = ", ".join(p.name for p in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
            echo_err(f"Passed over {len(skipped)} file(s) that are hidden, temporary or links: {names}")
        show_bar = total > 1 and not quiet
        with click.progressbar(length=total, label="Reading forms", file=sys.stderr,
                               hidden=not show_bar) as bar:
            files_seen: set[str] = set()
            for r in app.ingest_paths(abs_paths):
                results.append(r)
                source_file = r.file.split(" > ")[0]
                if source_file not in files_seen:
                    files_seen.add(source_file)
                    bar.update(1)
    if not quiet:
        for r in results:
            render_result(r)
    counts = {s: sum(1 for r in results if r.status == s)
              for s in ("accepted", "invalid", "rejected", "duplicate", "waiting")}
    if not counts["waiting"]:
        del counts["waiting"]
    echo_err(", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({len(results)} in all)")
    if as_json:
        echo_json([json_data(r) for r in results])
    waiting = next((r for r in results if r.status == "waiting"), None)
    if waiting is not None:
        echo_err(f"Error: {counts['waiting']} form(s) could not be recorded: {waiting.messages[0].message}")
        echo_err(f"What to do: {waiting.messages[0].hint} Then run the same 'forms ingest' again:"
                 " what was recorded is not recorded twice.")
        raise click.exceptions.Exit(ExitCode.STORAGE)
    if any(r.status != "accepted" for r in results):
        raise click.exceptions.Exit(ExitCode.FORMS_NEED_ATTENTION)
