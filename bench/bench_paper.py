"""Forms as schools' computers turn them into PDFs (and older files): how many fields are read right?

    python bench/bench_paper.py [--seeds 6] [--keep DIR] [--only scans]

For each seed, a filled application and impact form (the cluster's templates, invented
values) is made into each kind with the real tools, then read by ``read_document``:

- printed: the Word form printed to PDF by LibreOffice (A4 and Letter, two margins);
- printed+gs: the same, re-distilled by ghostscript;
- flattened pdftk / qpdf / poppler: the filled PDF form flattened;
- qpdf own appearances: flattened by qpdf drawing its own (it writes "?" for "£": the
  "?" is counted as right, since it is what the page holds);
- legacy .doc / .odt / .rtf: the Word form saved so by LibreOffice, converted back and read;
- scanned 300 dpi / 200 dpi: the printed form rendered by pdftoppm, turned by up to 3 degrees,
  speckled with noise, back into an image-only PDF, read by OCR (Tesseract);
- photo: the printed impact form (one page) as a phone's JPEG: turned, grainy, unevenly lit;
- photos page by page: every page of the printed application photographed so, the photos made
  into one PDF as an email's are (``readers.photo_pdf``) and read as one form.

It prints the seconds per page, and the CPU seconds per page (its own and Tesseract's,
which do not depend on what else the machine is doing); ``--only scans`` measures only them. The
machine's load average is printed with the figures: OCR is CPU-bound, so they depend on it.

It prints, per kind, the forms made, the share of forms with every field right, the
share of fields right (choices compared as the checker compares them) and the seconds
to read one form. Kinds whose tool is missing are left out with the reason. Nothing is
asserted: the figures are for a person to read.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forms_processor.documents import fill_docx, template_docx  # noqa: E402
from forms_processor.readers import read_document  # noqa: E402
from forms_processor.readers.photo_pdf import combine  # noqa: E402
from tests.paper.makers import (  # noqa: E402
    compare,
    distilled,
    example_config,
    flattened,
    missing,
    photographed,
    photographed_pages,
    printed_word,
    sample_values,
    scanned,
    soffice_convert,
    spec_of,
)

PAGES = [("A4", "normal"), ("A4", "narrow"), ("Letter", "normal"), ("Letter", "narrow")]


def _cpu() -> float:
    """CPU seconds used so far by this process and the programs it ran (Tesseract, LibreOffice)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Tally:
    def __init__(self) -> None:
        self.forms = self.whole = self.fields = self.right = self.pages = 0
        self.seconds = self.cpu = 0.0

    def add(self, data: bytes, name: str, form_id: str, expected: dict[str, str | bool], pages: int = 1) -> None:
        start, cpu = time.perf_counter(), _cpu()
        try:
            got = read_document(data, name).fields
        except Exception:  # noqa: BLE001 - a refusal counts as every field wrong
            got = {}
        self.seconds += time.perf_counter() - start
        self.cpu += _cpu() - cpu
        wrong = compare(spec_of(form_id), expected, got)
        self.forms += 1
        self.pages += pages
        self.fields += len(expected)
        self.right += max(0, len(expected) - len(wrong))
        self.whole += not wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="how many sets of values (each an application and an impact form)")
    parser.add_argument("--keep", type=Path, help="keep the files made in this folder")
    parser.add_argument("--only", choices=["scans"], help="measure only these kinds")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-paper-"))
    folder.mkdir(parents=True, exist_ok=True)
    config = example_config(folder)
    tallies: dict[str, Tally] = {}
    skipped: dict[str, str] = {}

    def tally(kind: str) -> Tally:
        return tallies.setdefault(kind, Tally())

    def when(kind: str, *tools: str) -> bool:
        reason = missing(*tools)
        if reason:
            skipped[kind] = reason
        return reason is None

    for seed in range(1, args.seeds + 1):
        values = sample_values(config, seed)
        work = folder / f"seed-{seed}"
        work.mkdir(exist_ok=True)
        if args.only == "scans":
            if when("scans", "soffice", "pdftoppm", "tesseract"):
                add_scans(tally, work, printed_word(work, config, values, PAGES[:1]), values, seed)
            print(f"seed {seed} done", file=sys.stderr)
            continue
        if when("printed", "soffice"):
            printed = printed_word(work, config, values, PAGES)
            if when("scans", "pdftoppm", "tesseract"):
                add_scans(tally, work, {k: v for k, v in printed.items() if k[1:] == PAGES[0]}, values, seed)
            for (form_id, page, margin), data in printed.items():
                tally("printed").add(data, "p.pdf", form_id, values[form_id])
                if when("printed+gs", "gs"):
                    tally("printed+gs").add(distilled(work, data, f"{form_id}-{page}-{margin}"), "p.pdf", form_id,
                                            values[form_id])
        flatteners: dict[str, tuple[str, Callable[[str], str | bool]]] = {
            "flattened pdftk": ("pdftk", lambda v: v),
            "flattened qpdf": ("qpdf", lambda v: v),
            "flattened poppler": ("pdftocairo", lambda v: v),
            "qpdf own appearances": ("qpdf-own", lambda v: v.replace("£", "?") if isinstance(v, str) else v),
        }
        for kind, (how, as_drawn) in flatteners.items():
            if when(kind, how.split("-")[0]):
                for form_id, vals in values.items():
                    data = flattened(work, config, form_id, vals, how)
                    tally(kind).add(data, "f.pdf", form_id, {k: as_drawn(v) for k, v in vals.items()})
        if when("legacy", "soffice"):
            docs = []
            for form_id, vals in values.items():
                path = work / f"{form_id}-legacy.docx"
                path.write_bytes(fill_docx(template_docx(spec_of(form_id), config), vals))
                docs.append((form_id, path))
            for ext in ("doc", "odt", "rtf"):
                converted = soffice_convert(work, [p for _, p in docs], to=ext)
                for (form_id, _), path in zip(docs, converted, strict=True):
                    tally(f"legacy .{ext}").add(path.read_bytes(), path.name, form_id, values[form_id])
        print(f"seed {seed} done", file=sys.stderr)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average at the end (1, 5, 15 min): {load}")
    print(f"{'kind':<22} {'forms':>5} {'forms whole':>11} {'fields right':>12} {'s/form':>7} {'s/page':>7}"
          f" {'cpu s/page':>10}")
    for kind, t in tallies.items():
        print(f"{kind:<22} {t.forms:>5} {100 * t.whole / t.forms:>10.1f}% {100 * t.right / t.fields:>11.2f}%"
              f" {t.seconds / t.forms:>7.3f} {t.seconds / t.pages:>7.3f} {t.cpu / t.pages:>10.3f}")
    for kind, reason in skipped.items():
        print(f"{kind:<22} left out: {reason}")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def add_scans(tally: Callable[[str], Tally], work: Path, printed: dict[tuple[str, str, str], bytes],
              values: dict[str, dict[str, str | bool]], seed: int) -> None:
    """The printed forms scanned at 300 and 200 dpi (turned up to 3 degrees, with noise), and the
    impact form photographed, each read by OCR."""
    rng = random.Random(seed)
    for (form_id, _, _), pdf in printed.items():
        for dpi in (300, 200):
            angle = rng.uniform(-3, 3)
            data = scanned(work, pdf, f"{form_id}-{dpi}", dpi=dpi, angle=angle, noise=0.01, seed=seed)
            tally(f"scanned {dpi} dpi").add(data, "scan.pdf", form_id, values[form_id], _pages(pdf))
        if form_id == "send-impact":
            photo = photographed(work, pdf, f"{form_id}-photo", angle=rng.uniform(-3, 3), seed=seed)
            tally("photo").add(photo, "photo.jpg", form_id, values[form_id])
        else:
            turn = random.Random(1000 + seed).uniform(-3, 3)  # apart from rng: the other kinds keep their turns
            photos = photographed_pages(work, pdf, f"{form_id}-photos", angle=turn, seed=seed)
            tally("photos page by page").add(combine(photos), "photos.pdf", form_id, values[form_id], len(photos))


if __name__ == "__main__":
    main()
