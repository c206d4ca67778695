"""Spreadsheet rows from what schools typed: always values, never formulas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet


def append_values(ws: Worksheet, values: Sequence[Any]) -> tuple[Cell, ...]:
    """Append a row; text that starts with "=" (a title typed as ``=HYPERLINK(...)``)
    is kept as text, never run as a formula when the finance manager opens the file."""
    ws.append(list(values))
    cells = tuple(ws[ws.max_row])
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"
    return cells
