"""Deadline day: how fast does `forms ingest` take a batch, against the bare floor?

    python bench/bench_ingest.py [--forms 300] [--keep DIR]

Writes a batch of real filled forms (half Word, half PDF, a tenth with mistakes)
into a fresh home, then prints:
- the floor: the time merely to open every file with the bare libraries
  (python-docx ``Document()`` and pypdf ``PdfReader().get_fields()``);
- the time for ``forms ingest`` on the same files (read under limits, check,
  store, queue acknowledgements), forms per second, and the ratio to the floor.
Nothing is asserted: the figures are printed for a person to read.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import docx
from click.testing import CliRunner
from pypdf import PdfReader

from forms_processor.cli import cli
from forms_processor.documents.batch import write_batch
from forms_processor.home import init_home, open_home


def floor_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".docx":
            docx.Document(io.BytesIO(data))
        else:
            PdfReader(io.BytesIO(data)).get_fields()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=300, help="how many forms in the batch (default 300)")
    parser.add_argument("--keep", type=Path, help="use this folder for the home and keep it afterwards")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="forms-bench-"))
    try:
        init_home(root)
        home = open_home(root)
        t0 = time.perf_counter()
        batch = write_batch(home.config, root / "batch", count=args.forms, mistake_share=0.1, seed=7, broken=False)
        made = time.perf_counter() - t0
        print(f"wrote {len(batch.files)} forms in {made:.1f} s", file=sys.stderr)

        floor = floor_seconds(batch.files)

        start = time.perf_counter()
        result = CliRunner().invoke(cli, ["--home", str(root), "ingest", "--quiet", str(root / "batch")])
        took = time.perf_counter() - start
        if result.exit_code not in (0, 1):
            print(result.stderr, file=sys.stderr)
            return 1
        summary = result.stderr.strip().splitlines()[-1]

        n = len(batch.files)
        print(f"forms:                    {n} ({sum(1 for f in batch.files if f.suffix == '.docx')} Word, "
              f"{sum(1 for f in batch.files if f.suffix == '.pdf')} PDF)")
        print(f"outcome:                  {summary}")
        print(f"floor (bare libraries):   {floor:6.2f} s  ({floor / n * 1000:.1f} ms a form)")
        print(f"forms ingest:             {took:6.2f} s  ({took / n * 1000:.1f} ms a form, {n / took:.1f} forms/s)")
        print(f"ratio to the floor:       {took / floor:6.2f} x   (goal: under 3 x; batch under 30 s)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
