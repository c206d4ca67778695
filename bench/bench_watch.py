"""Deadline day through the folder watcher: a batch dropped at once, and single forms.

    python bench/bench_watch.py [--forms 300] [--singles 10] [--settle SECONDS] [--keep DIR]

Writes a batch of real filled forms (half Word, half PDF, a tenth with mistakes),
then, each in a fresh home:
1. ``forms ingest`` on the batch: forms per second (the yardstick);
2. ``forms watch`` (a separate process) with the whole batch dropped into its inbox
   at once: the time until the last acknowledgement is queued, forms per second,
   and the median time from a file's last byte to its acknowledgement being queued;
3. single forms dropped one at a time into the idle watcher: the median (and worst)
   time from the last byte to the acknowledgement being queued;
4. a backlog: the batch already sitting whole in the inbox (for longer than the settle
   time) when ``forms watch --once`` starts, as after a restart or from cron: the
   time until it ends. Such files need not wait the settle time again.

Each form is recorded and its acknowledgement queued in one transaction, so the
moment its submission row appears in the store is the moment its acknowledgement
is queued; the store is read every 20 ms. Nothing is asserted: figures are printed.
Goals: the batch within 1.5x of ``forms ingest`` throughput; a single form
acknowledged within 5 s of its last byte.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from forms_processor.cli import cli
from forms_processor.documents.batch import write_batch
from forms_processor.home import Home, init_home, open_home


def fresh_home(root: Path) -> Home:
    init_home(root)
    return open_home(root)


def drop(src: Path, inbox: Path) -> tuple[str, float]:
    """Copy a file in the way a copy tool does (temporary name, then rename); return
    its name and the moment its last byte was in place."""
    tmp = inbox / (src.name + ".part")
    tmp.write_bytes(src.read_bytes())
    os.rename(tmp, inbox / src.name)
    return src.name, time.perf_counter()


class Recorded:
    """Polls the store (read-only) for the moment each file's submission row appears."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.seen: dict[str, float] = {}
        self._conn: sqlite3.Connection | None = None

    def poll(self) -> int:
        if self._conn is None:
            if not self.database.exists():
                return 0
            self._conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)
        now = time.perf_counter()
        try:
            rows = self._conn.execute("SELECT file_name FROM submissions").fetchall()
        except sqlite3.OperationalError:
            return len(self.seen)
        for (name,) in rows:
            self.seen.setdefault(name, now)
        return len(self.seen)

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while self.poll() < count:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out: {len(self.seen)} of {count} forms recorded")
            time.sleep(0.02)


def start_watcher(home: Home, settle: float) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "forms_processor", "--home", str(home.root), "watch", "--settle", str(settle)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "Watching ..." once it has started
    if not line.startswith(b"Watching"):
        raise SystemExit(f"the watcher did not start: {line.decode(errors='replace')}")
    stream = proc.stderr
    threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()  # keep the pipe drained
    return proc


def stop_watcher(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=300, help="how many forms in the batch (default 300)")
    parser.add_argument("--singles", type=int, default=10, help="single forms dropped one at a time (default 10)")
    parser.add_argument("--settle", type=float, default=2.0, help="the watcher's settle time (default 2 s)")
    parser.add_argument("--keep", type=Path, help="use this folder for the homes and keep it afterwards")
    args = parser.parse_args()

    base = args.keep or Path(tempfile.mkdtemp(prefix="forms-bench-watch-"))
    try:
        config = fresh_home(base / "maker").config
        t0 = time.perf_counter()
        batch = write_batch(config, base / "batch", count=args.forms, mistake_share=0.1, seed=11, broken=False)
        singles = write_batch(config, base / "singles", count=args.singles, mistake_share=0.1, seed=12, broken=False)
        print(f"wrote {len(batch.files) + len(singles.files)} forms in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        n = len(batch.files)

        # 1. forms ingest, the yardstick.
        ingest_home = fresh_home(base / "ingest")
        start = time.perf_counter()
        result = CliRunner().invoke(cli, ["--home", str(ingest_home.root), "ingest", "--quiet", str(base / "batch")])
        ingest_s = time.perf_counter() - start
        if result.exit_code not in (0, 1):
            print(result.output, file=sys.stderr)
            return 1

        # 2. the watcher, the whole batch dropped at once.
        home = fresh_home(base / "watch")
        proc = start_watcher(home, args.settle)
        try:
            recorded = Recorded(home.database)
            start = time.perf_counter()
            last_byte = dict(drop(f, home.inbox) for f in batch.files)
            dropped = time.perf_counter()
            recorded.wait_for(n, timeout=600)
            batch_s = max(recorded.seen.values()) - start
            waits = [recorded.seen[name] - t for name, t in last_byte.items()]

            # 3. single forms, one at a time, into the idle watcher.
            single_waits: list[float] = []
            for f in singles.files:
                name, t = drop(f, home.inbox)
                recorded.wait_for(n + len(single_waits) + 1, timeout=120)
                single_waits.append(recorded.seen[name] - t)
        finally:
            stop_watcher(proc)

        # 4. a backlog already in the inbox when the watcher starts; with --poll (for network
        #    shares, whose clocks are not trusted) every file waits the settle time as before.
        backlog_times: list[float] = []
        for name, extra in (("backlog", []), ("backlog-poll", ["--poll", "30"])):
            backlog = fresh_home(base / name)
            for f in batch.files:
                drop(f, backlog.inbox)
            time.sleep(args.settle + 0.5)  # the files are now older than the settle time
            began = time.perf_counter()
            result = CliRunner().invoke(
                cli, ["--home", str(backlog.root), "watch", "--once", "--settle", str(args.settle), *extra]
            )
            backlog_times.append(time.perf_counter() - began)
            if result.exit_code not in (0, 1):
                print(result.output, file=sys.stderr)
                return 1
        backlog_s, backlog_poll_s = backlog_times

        words = sum(1 for f in batch.files if f.suffix == ".docx")
        print(f"forms:                          {n} ({words} Word, {n - words} PDF, ~10% with mistakes)")
        print(f"watcher settle time:            {args.settle:g} s")
        print(f"forms ingest:                   {ingest_s:6.2f} s   ({n / ingest_s:5.1f} forms/s)")
        print(f"watch, batch dropped at once:   {batch_s:6.2f} s   ({n / batch_s:5.1f} forms/s) "
              f"until the last acknowledgement was queued (dropping took {dropped - start:.2f} s)")
        print(f"  ratio to forms ingest:        {batch_s / ingest_s:6.2f} x   (goal: within 1.5 x; "
              f"{(batch_s - args.settle) / ingest_s:.2f} x leaving out the {args.settle:g} s settle wait)")
        print(f"  last byte -> ack queued:      median {statistics.median(waits):.2f} s, worst {max(waits):.2f} s")
        print(f"single forms ({len(single_waits)}), last byte -> ack queued: median "
              f"{statistics.median(single_waits):.2f} s, worst {max(single_waits):.2f} s   (goal: within 5 s)")
        print(f"backlog in the inbox, watch --once: {backlog_s:6.2f} s   ({n / backlog_s:5.1f} forms/s), "
              f"ratio to forms ingest {backlog_s / ingest_s:.2f} x   (with --poll, settling again: "
              f"{backlog_poll_s:.2f} s, {backlog_poll_s / ingest_s:.2f} x)")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
