"""Faults, many times over: kill -9 in the middle of a batch, and stopping beside a slow
mail server. Not run in CI; nothing is asserted: counts are printed.

    python bench/bench_faults.py [--kills 10] [--forms 30] [--stops 5] [--delay 30] [--keep DIR]

1. **kill -9 mid-batch**, ``--kills`` times, each in a fresh home: a batch of real
   filled forms is dropped into the inbox of ``forms watch`` (a separate process), the
   whole process group is killed with SIGKILL once some forms are recorded, then
   ``forms watch --once`` finishes what was left. Counted: forms tried, recorded (once),
   recorded twice (a file recorded, or a reference acknowledged, more than once), lost
   (neither recorded nor still waiting in the inbox or processing/).
2. **slow mail server**, ``--stops`` times: an SMTP server on loopback that takes
   ``--delay`` seconds for every reply; ``forms watch`` takes a form in, then gets
   SIGTERM. Counted: the seconds until it ended, its exit code, and whether the
   acknowledgement is still queued (not lost, not marked sent).
3. **silent mailbox server**, ``--stops`` times: an IMAP server on loopback that accepts
   the connection and then says nothing; ``forms watch`` with ``[imap]`` takes a form in
   from the folder, then gets SIGTERM. Counted: the seconds until it ended, its exit code,
   and whether the form was recorded once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from forms_processor.documents.batch import write_batch
from forms_processor.home import Home, init_home, open_home


def fresh_home(root: Path, smtp_port: int | None = None) -> Home:
    init_home(root)
    if smtp_port is not None:
        cfg = root / "cluster.toml"
        cfg.write_text(cfg.read_text() + f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "plain"\n'
                       'sender = "send.host@wensum-high.example.org"\n')
    return open_home(root)


def watch(home: Home, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "forms_processor", "--home", str(home.root), "watch",
                             "--settle", "0.3", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def query(home: Home, sql: str) -> list[tuple[Any, ...]]:
    if not home.database.exists():
        return []
    conn = sqlite3.connect(f"file:{home.database}?mode=ro", uri=True, timeout=30)
    try:
        return list(conn.execute(sql).fetchall())
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def waiting(home: Home) -> int:
    files = [p for p in home.inbox.rglob("*") if p.is_file()]
    files += [p for p in home.processing.rglob("*") if p.is_file() and p.name != ".lock"]
    return len(files)


def one_kill(root: Path, batch: list[Path]) -> dict[str, int]:
    home = fresh_home(root)
    proc = watch(home)
    for src in batch:
        tmp = home.inbox / (src.name + ".part")
        shutil.copyfile(src, tmp)
        os.rename(tmp, home.inbox / src.name)
    deadline = time.monotonic() + 120
    target = max(1, len(batch) // 3)
    while time.monotonic() < deadline:
        done = query(home, "SELECT COUNT(*) FROM submissions WHERE status != 'duplicate'")
        if done and done[0][0] >= target:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finish = watch(home, "--once")
    finish.communicate(timeout=300)
    names = query(home, "SELECT file_name, COUNT(*) FROM submissions WHERE status != 'duplicate' GROUP BY file_name")
    acks = query(home, "SELECT reference, COUNT(*) FROM outgoing_mail WHERE kind LIKE 'ack%' GROUP BY reference")
    recorded = {n for n, _ in names}
    twice = sum(1 for _, n in names if n > 1) + sum(1 for _, n in acks if n > 1)
    tried = len(batch)
    still = waiting(home)
    lost = max(0, tried - len(recorded & {p.name for p in batch}) - still)
    return {"tried": tried, "recorded": len(recorded), "twice": twice, "lost": lost, "waiting": still}


class Slow:
    """An SMTP handler that takes ``delay`` seconds for every reply it controls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return "250 OK"


def one_stop(root: Path, form: Path, delay: float) -> dict[str, Any]:
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    handler = Slow(delay)
    server = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    server.start()
    try:
        home = fresh_home(root, port)
        proc = watch(home)
        shutil.copyfile(form, home.inbox / form.name)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not query(home, "SELECT 1 FROM submissions"):
            time.sleep(0.05)
        time.sleep(1.0)  # the mail lane now waits for the server
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - start
        statuses = [s for (s,) in query(home, "SELECT status FROM outgoing_mail")]
    finally:
        handler.delay = 0
        server.stop()
    text = err.decode("utf-8", "replace")
    return {"seconds": took, "code": proc.returncode, "kept": statuses in (["queued"], ["sending"]),
            "traceback": "Traceback" in text}


def one_imap_stop(root: Path, form: Path) -> dict[str, Any]:
    """``forms watch`` beside an IMAP server that accepts connections and never answers."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    held: list[socket.socket] = []
    accepting = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not accepting.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        home = fresh_home(root)
        cfg = home.root / "cluster.toml"
        cfg.write_text(cfg.read_text() + f'\n[imap]\nhost = "127.0.0.1"\nport = {port}\nusername = "forms@example.org"\n'
                       'password_env = "BENCH_IMAP_PW"\nsecurity = "plain"\n')
        os.environ["BENCH_IMAP_PW"] = "x"
        proc = watch(home)
        shutil.copyfile(form, home.inbox / form.name)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (held and query(home, "SELECT 1 FROM forms")):
            time.sleep(0.05)
        time.sleep(0.5)
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - start
        recorded = len(query(home, "SELECT 1 FROM forms"))
    finally:
        accepting.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()
    return {"seconds": took, "code": proc.returncode, "once": recorded == 1,
            "traceback": "Traceback" in err.decode("utf-8", "replace")}


def median_and_worst(times: list[float]) -> str:
    return f"median {statistics.median(times):.1f} s, worst {max(times):.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--forms", type=int, default=30)
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--delay", type=float, default=30.0)
    parser.add_argument("--keep", type=Path, help="Keep the homes here (default: a temporary folder, removed).")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-faults-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        maker, _ = init_home(base / "maker")
        folder = base / "batch"
        write_batch(open_home(maker).config, folder, count=args.forms, seed=9, broken=False)
        batch = sorted(p for p in folder.iterdir() if p.suffix in (".docx", ".pdf"))
        totals = {"tried": 0, "recorded": 0, "twice": 0, "lost": 0, "waiting": 0}
        for n in range(args.kills):
            counts = one_kill(base / f"kill-{n}", batch)
            for key, value in counts.items():
                totals[key] += value
            print(f"kill -9 run {n + 1}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
        print(f"kill -9 mid-batch, {args.kills} runs: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
        times: list[float] = []
        for n in range(args.stops):
            result = one_stop(base / f"stop-{n}", batch[0], args.delay)
            times.append(result["seconds"])
            print(f"slow server run {n + 1}: stopped in {result['seconds']:.1f} s, exit code {result['code']},"
                  f" email kept queued: {result['kept']}, traceback: {result['traceback']}", flush=True)
        imap_times: list[float] = []
        for n in range(args.stops):
            result = one_imap_stop(base / f"imap-stop-{n}", batch[0])
            imap_times.append(result["seconds"])
            print(f"silent mailbox run {n + 1}: stopped in {result['seconds']:.1f} s, exit code {result['code']},"
                  f" form recorded once: {result['once']}, traceback: {result['traceback']}", flush=True)
        if times:
            print(f"stop time beside an SMTP server taking {args.delay:g} s a reply, {len(times)} runs:"
                  f" {median_and_worst(times)}")
        if imap_times:
            print(f"stop time beside a silent IMAP server, {len(imap_times)} runs: {median_and_worst(imap_times)}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
