"""The web page with a full store: how quickly do Today and a form's page answer?

    python bench/bench_web.py [--forms 5000] [--requests 200] [--keep DIR]

Writes and takes in ``--real`` real filled forms (half Word, half PDF; writing them is the
slow part, about a second each here), then copies their rows in the store until it holds
``--forms`` (new references, the same fields, states and originals: all awaiting the check or
invalid, deadline day's worst case for Today), serves the web page with uvicorn on loopback, signs in as the Host, then requests Today
, the round's page and random forms' pages ``--requests`` times each, printing the median and
95th percentile and each page's size (without the original document). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.documents.batch import write_batch
from forms_processor.home import init_home, open_home
from forms_processor.web.app import create_app

PASSWORD = "a long bench password"


def copy_rows(database: Path, target: int) -> None:
    """Copies of the real forms' rows until the store holds ``target`` forms (a bench's
    shortcut: writing 5,000 real documents takes over an hour on this machine)."""
    conn = sqlite3.connect(database)
    rows = conn.execute("SELECT * FROM forms").fetchall()
    names = [d[0] for d in conn.execute("SELECT * FROM forms LIMIT 1").description]
    have = len(rows)
    with conn:
        for n in range(target - have):
            row = dict(zip(names, rows[n % len(rows)], strict=True))
            row["reference"] = f"{row['reference'].rsplit('-', 1)[0]}-{1000 + n}"
            row["superseded_by"] = None
            if row["state"] == "superseded":  # a copy is a form of its own, not replaced by a later one
                row["state"] = "awaiting_check"
            conn.execute(f"INSERT INTO forms ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                         [row[k] for k in names])
    conn.close()


def timed(client: httpx.Client, paths: list[str]) -> tuple[list[float], list[int]]:
    times, sizes = [], []
    for path in paths:
        start = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path}: {r.status_code}")
        sizes.append(len(r.content))
    return times, sizes


def report(name: str, times: list[float], sizes: list[int]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"{name:<14} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
          f"largest page {max(sizes) / 1024:6.1f} KB   (goal: p95 under 150 ms, under 200 KB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=5000, help="forms in the store (default 5000)")
    parser.add_argument("--real", type=int, default=400, help="real forms written and taken in (default 400)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="use this folder for the home and keep it afterwards")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="forms-bench-web-"))
    try:
        if not (root / "data" / "forms.db").exists():
            init_home(root)
            home = open_home(root)
            t0 = time.perf_counter()
            write_batch(home.config, root / "batch", count=args.real, mistake_share=0.1, seed=11, broken=False)
            result = CliRunner().invoke(cli, ["--home", str(root), "ingest", "--quiet", str(root / "batch")])
            print(f"{args.real} forms written and taken in, {time.perf_counter() - t0:.0f} s"
                  f" ({result.stderr.strip().splitlines()[-1]})", file=sys.stderr)
        copy_rows(root / "data" / "forms.db", args.forms)
        with FormsApp(open_home(root)) as forms:
            if not any(u.name == "bench" for u in forms.users()):
                forms.add_user("bench", "host", PASSWORD)
            references = [f.reference for f in forms.list_forms()]
            server = uvicorn.Server(uvicorn.Config(create_app(forms), host="127.0.0.1", port=0, log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            port = server.servers[0].sockets[0].getsockname()[1]
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                page = client.get("/sign-in").text
                csrf = re.search(r'name="csrf" value="([^"]+)"', page)
                assert csrf
                client.post("/sign-in", data={"csrf": csrf.group(1), "username": "bench", "password": PASSWORD})
                print(f"store: {len(references)} forms", file=sys.stderr)
                rng = random.Random(3)
                report("Today", *timed(client, ["/today"] * args.requests))
                rows = forms.list_forms()
                busiest = max(forms.config.rounds, key=lambda r: sum(1 for f in rows if f.round == r.name)).code
                report("a round's page", *timed(client, [f"/rounds/{busiest}"] * args.requests))
                report("a form's page", *timed(client, [f"/forms/{rng.choice(references)}" for _ in range(args.requests)]))
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
