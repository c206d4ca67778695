"""After the Working Party: how fast are a 300-application round's decisions, responses and pack?

    python bench/bench_round.py [--forms 300] [--keep DIR]

Builds a fresh home whose round has a budget large enough for every request, takes in
``--forms`` real filled Word application forms (not timed), forwards them all, then
times:
- ``forms pack``: the PDF, the Word copy and the decisions spreadsheet (and, apart,
  each of the three, to show where the time goes);
- recording the decisions (a mix of every kind of decision);
- ``forms respond --all``: for each decision, the response as Word (docxtpl) and PDF
  (reportlab), and its email queued; responses per second.
Goal: the whole round's responses in under 60 s. Nothing is asserted: the figures are
printed for a person to read.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, sample_application, template_docx
from forms_processor.home import init_home, open_home
from forms_processor.intake.submission import Source, Submission
from forms_processor.readers import read_document
from forms_processor.reports.money import round_money
from forms_processor.reports.pack import build_pack, pack_docx, pack_forms, pack_pdf, pack_xlsx, summary_rows
from forms_processor.spec import APPLICATION
from forms_processor.workflow.check import forward
from forms_processor.workflow.decide import DecisionInput, decide
from forms_processor.workflow.respond import respond

ROUND = "Autumn 2 2026"


def _decision(i: int, ref: str, requested: Decimal) -> DecisionInput:
    kind = i % 6
    if kind == 0:
        return DecisionInput(ref, "approved-with-conditions", conditions="A termly progress note to the Host.",
                             feedback="A strong case & clear outcomes.")
    if kind == 1:
        return DecisionInput(ref, "partially-funded", award=(requested / 2).quantize(Decimal("0.01")),
                             feedback="Half the staff time; the school to fund the rest.")
    if kind == 2:
        return DecisionInput(ref, "declined", feedback="Not the cluster's priority this term.")
    if kind == 3:
        return DecisionInput(ref, "deferred", feedback="To be looked at with next term's bids.", deferred_to="SP1")
    if kind == 4:
        return DecisionInput(ref, "more-information", feedback="Please tell us more.",
                             information_requested="Baseline scores for each pupil.", resubmit_by=date(2027, 1, 15))
    return DecisionInput(ref, "approved")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forms", type=int, default=300, help="applications in the round (default 300)")
    parser.add_argument("--keep", type=Path, help="use this folder for the home and keep it afterwards")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="forms-bench-round-"))
    try:
        init_home(root)
        cfg = root / "cluster.toml"
        cfg.write_text(cfg.read_text(encoding="utf-8").replace('budget = "20000.00"', 'budget = "5000000.00"'),
                       encoding="utf-8")
        home = open_home(root)
        with FormsApp(home, read=lambda data, name: read_document(data, name)) as app:
            t0 = time.perf_counter()
            rng = random.Random(11)
            template = template_docx(APPLICATION, home.config)
            refs: list[str] = []
            for n in range(args.forms):
                values, _ = sample_application(home.config, rng, today=date(2026, 12, 1), round_name=ROUND)
                values["intervention_title"] = f"{values['intervention_title']} ({n + 1})"
                sub = Submission(data=fill_docx(template, values), file_name=f"application {n + 1}.docx",
                                 source=Source.CLI, received_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
                result = app.ingest(sub)
                if result.status == "accepted" and result.reference:
                    refs.append(result.reference)
            for ref in refs:
                forward(app.db, app.config, ref)
            print(f"set-up: {len(refs)} applications taken in and forwarded in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)

            t = time.perf_counter()
            pack = build_pack(app.db, home, ROUND, root / "pack")
            pack_s = time.perf_counter() - t
            size_kb = pack.pdf.stat().st_size // 1024
            from pypdf import PdfReader

            pages = len(PdfReader(pack.pdf).pages)
            # Where the pack's time goes: each file on its own (not counted in the round's total).
            name, forms = pack_forms(app.db, home.config, ROUND)
            rows, money = summary_rows(app.db, home.config, name, forms), round_money(app.db, home.config, name)
            parts = []
            for label, build in (("PDF", lambda: pack_pdf(home.config, name, rows, money, forms)),
                                 ("Word", lambda: pack_docx(home.config, name, rows, money, forms)),
                                 ("xlsx", lambda: pack_xlsx(name, rows, money))):
                t = time.perf_counter()
                build()
                parts.append(f"{label} {time.perf_counter() - t:.2f} s")

            t = time.perf_counter()
            for i, ref in enumerate(refs):
                requested = Decimal(app.get(ref).amount_requested or "0")
                decide(app.db, app.config, _decision(i, ref, requested))
            decide_s = time.perf_counter() - t

            t = time.perf_counter()
            results = respond(app.db, home, every=True)
            respond_s = time.perf_counter() - t
            queued = len(app.db.query("SELECT id FROM outgoing_mail WHERE kind = 'response'"))

        n = len(results)
        print(f"pack ({len(pack.rows)} applications; PDF {pages} pages, {size_kb} KB; Word; xlsx): {pack_s:.2f} s"
              f"  (apart: {', '.join(parts)})")
        print(f"decisions: {len(refs)} in {decide_s:.2f} s ({len(refs) / decide_s:.0f} a second)")
        print(f"responses: {n} (Word + PDF + queued email; {queued} emails queued) in {respond_s:.2f} s"
              f" = {n / respond_s:.1f} responses a second")
        total = pack_s + decide_s + respond_s
        print(f"whole round (pack + decisions + responses): {total:.1f} s (goal: under 60 s)"
              f" {'OK' if total < 60 else 'TOO SLOW'}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
