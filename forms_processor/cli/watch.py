"""``forms watch``: the inbox folder (and the school mailbox), until stopped."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click

from ..api import FileOutcome, json_data
from ..config import Config
from ..drivers.scheduler import mail_tasks
from ..drivers.watcher import FolderWatcher, WatchSettings
from ..errors import ExitCode
from ._common import Context, cli, echo_err, echo_json, json_option, json_text, pass_ctx


@contextmanager
def _stop_on_signals(watcher: FolderWatcher) -> Iterator[None]:
    """Ctrl-C or SIGTERM: take no new file, finish the files in hand, stop.
    A second one: stop after the file being recorded (the others are finished next time)."""
    asked = 0

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        asked += 1
        if asked == 1:
            echo_err("Stopping: finishing the files in hand (press Ctrl-C again to stop sooner)...")
            watcher.stop()
        elif asked == 2:
            echo_err("Stopping after the file being recorded now...")
            watcher.abort()

    wanted = [signal.SIGINT, signal.SIGTERM]
    old = {sig: signal.signal(sig, handler) for sig in wanted}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def watch_settings(config: Config, poll: float | None = None, settle: float | None = None) -> WatchSettings:
    """The watcher's settings: cluster.toml's [watch], with --poll and --settle."""
    cfg = config.watch
    return WatchSettings(
        settle_seconds=cfg.settle_seconds if settle is None else settle,
        rescan_seconds=cfg.rescan_seconds,
        poll_seconds=poll,
        # A network share's clock may differ from this computer's: count settling ourselves.
        trust_file_times=poll is None,
        read_ahead_max_bytes=int(config.storage.max_file_mb * 1024 * 1024),
    )


def outcome_line(o: FileOutcome) -> str:
    """One line per form for people: status, reference, file, and in short why."""
    line = f"{o.status:<9} {o.reference or '-':<18} {o.file}"
    if o.status in ("rejected", "waiting") and o.messages:
        line += f"  ({o.messages[0]})"
    elif o.status == "invalid":
        line += f"  ({o.to_correct})"
    return line


@cli.command()
@click.option("--once", is_flag=True,
              help="Process what is in the inbox now (waiting for files still being copied), then stop.")
@click.option("--poll", "poll", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="Look at the folder every SECONDS instead of waiting for file events (for network shares).")
@click.option("--settle", type=click.FloatRange(min=0), metavar="SECONDS",
              help="How long a file must stay unchanged before it is taken (default: settle_seconds "
                   "under [watch] in cluster.toml, normally 2).")
@json_option
@pass_ctx
def watch(ctx: Context, once: bool, poll: float | None, settle: float | None, as_json: bool) -> None:
    """Watch the inbox folder and take in every form dropped there, exactly once.

    Each file is taken when it has finished copying, checked like 'forms ingest',
    then moved to the archive (or to rejected/, with a .reason.txt saying why).
    Schools are emailed at once. With [imap] in cluster.toml the school mailbox is
    read too. Runs until Ctrl-C (or a stop signal): it then finishes the files in
    hand and stops; press Ctrl-C twice to stop sooner (what is left is finished
    first when it starts again).

    One line per form on stderr (status, reference, file). With --json, one JSON
    object per line on stdout (with --once: one JSON list at the end).
    Exit code with --once: 0 when every form was accepted, 1 when any needs attention,
    7 when the computer could not save some (a full disk): they wait in processing/.
    """
    with ctx.app() as app:
        settings = watch_settings(app.config, poll, settle)
        outcomes: list[FileOutcome] = []

        def show(o: FileOutcome) -> None:
            if o.status != "waiting":  # a file held by a full disk, now recorded: counted once
                outcomes[:] = [e for e in outcomes if not (e.status == "waiting" and e.file == o.file)]
            outcomes.append(o)
            echo_err(outcome_line(o))
            if as_json and not once:
                click.echo(json_text(json.dumps(json_data(o), ensure_ascii=False)))

        watcher = FolderWatcher(app, settings, on_outcome=show)
        tasks = mail_tasks(app, on_outcome=show)
        if not once:
            how = f"every {poll:g} s" if poll else "for new files"
            mailbox = " and the school mailbox" if app.config.imap is not None else ""
            echo_err(f"Watching {app.home.inbox} {how}{mailbox}. Press Ctrl-C to stop.")
        try:
            with _stop_on_signals(watcher):
                watcher.run(once=once, periodic=tasks.periodic, after_batch=tasks.send, interrupt=tasks.interrupt)
        finally:
            tasks.close()
        if watcher.unfinished:
            echo_err(f"{watcher.unfinished} file(s) taken from the inbox were not finished: they are kept in "
                     f"{app.home.processing} and finished first when 'forms watch' starts again.")
    counts = {s: sum(1 for o in outcomes if o.status == s)
              for s in ("accepted", "invalid", "rejected", "duplicate", "waiting")}
    if not counts["waiting"]:
        del counts["waiting"]
    echo_err(", ".join(f"{n} {s}" for s, n in counts.items()) + f" ({len(outcomes)} in all)")
    if as_json and once:
        echo_json([json_data(o) for o in outcomes])
    if once and watcher.intake.held:
        raise click.exceptions.Exit(ExitCode.STORAGE)
    if once and any(o.status != "accepted" for o in outcomes):
        raise click.exceptions.Exit(ExitCode.FORMS_NEED_ATTENTION)
