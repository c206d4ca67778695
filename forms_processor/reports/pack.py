"""The Working Party's papers for one round: ``build_pack(db, home, round_name, out_dir)``.

* ``<round> pack.pdf`` (reportlab) and ``<round> pack.docx`` (python-docx): a summary
  table (school, intervention, area of need, pupils, amount requested, the school's
  entitlement and what it has been awarded this year) with totals against the
  money left, then each forwarded application in full. The summary never shows
  pupil references; the full applications do (they are the Working Party's papers).
* ``<round> decisions.xlsx`` (openpyxl): the same summary rows for the finance
  manager, with blank decision columns that ``forms decide --from`` reads back.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from ..errors import NotAllowed, UsageError
from ..home import Home, write_private
from ..store.db import Database
from .money import RoundMoney, round_money
from .pack_contents import (
    DECISION_HEADINGS,
    SUMMARY_HEADINGS,
    Pack,
    PackRow,
    host_notes,
    pack_forms,
    summary_rows,
)
from .pack_docx import pack_docx
from .pack_pdf import pack_pdf

__all__ = ["Pack", "PackRow", "build_pack", "pack_docx", "pack_forms", "pack_pdf", "pack_xlsx", "summary_rows"]


def build_pack(db: Database, home: Home, round_name: str, out_dir: Path) -> Pack:
    config = home.config
    name, forms = pack_forms(db, config, round_name)
    if not forms:
        raise NotAllowed(f"No application of {name} is with the Working Party, so there is no pack to write.",
                         hint="Forward the applications first: forms check --round " + round_name)
    rows = summary_rows(db, config, name, forms)
    money = round_money(db, config, name)
    pdf = out_dir / f"{name} pack.pdf"
    docx = out_dir / f"{name} pack.docx"
    xlsx = out_dir / f"{name} decisions.xlsx"
    notes = {f.reference: host_notes(db, config, f) for f in forms}
    files = ((pdf, pack_pdf(config, name, rows, money, forms, notes)),
             (docx, pack_docx(config, name, rows, money, forms, notes)),
             (xlsx, pack_xlsx(name, rows, money)))
    try:
        if not out_dir.exists():
            out_dir.mkdir(parents=True, mode=0o700)  # the pack holds pupil rows: owner-only
        for path, data in files:
            write_private(path, data)
    except OSError as exc:
        raise UsageError(f"The pack could not be written into {out_dir}: {exc.strerror or exc}.",
                         hint="Give a folder you can write to with --out (a new one is made for you).") from None
    return Pack(round=name, rows=rows, money=money, pdf=pdf, docx=docx, xlsx=xlsx)



# -- spreadsheet -------------------------------------------------------------------


def pack_xlsx(round_name: str, rows: list[PackRow], money: RoundMoney) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..states import DECISION_WORDS
    from .sheets import append_values

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Decisions"
    headings = [*SUMMARY_HEADINGS, *DECISION_HEADINGS]
    ws.append(headings)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    money_fmt = '"£"#,##0.00'
    for r in rows:
        append_values(ws, [r.reference, r.school, r.intervention, r.area_of_need, r.pupils, r.requested,
                           r.entitlement, r.awarded_this_year])
    last = ws.max_row
    for col in ("F", "G", "H", "J"):
        for n in range(2, last + 1):
            ws[f"{col}{n}"].number_format = money_fmt
    choices = DataValidation(type="list", formula1='"' + ",".join(DECISION_WORDS) + '"', allow_blank=True)
    ws.add_data_validation(choices)
    if rows:
        choices.add(f"I2:I{last}")
    ws.append([])
    total = sum((r.requested for r in rows), Decimal("0.00"))
    for label, value in (("Total requested", total), ("Round budget", money.budget),
                         ("Already awarded", money.awarded), ("Money left", money.left)):
        ws.append([label, None, None, None, None, value])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.cell(ws.max_row, 6).number_format = money_fmt
    for col, width in zip("ABCDEFGHIJKLMNOP", (18, 30, 40, 26, 8, 16, 14, 16, 24, 12, 30, 40, 30, 16, 14, 24),
                          strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B2"
    info = wb.create_sheet("About")
    info.append([f"Working Party decisions, {round_name}"])
    info.append(["Fill in the Decision column (one of: " + ", ".join(DECISION_WORDS) + ") and the columns after it,"])
    info.append(["then give the file to the SEND Host: forms decide --from <this file>. Rows with no decision are left alone."])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
