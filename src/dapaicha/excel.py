"""Workbook writing helpers: fonts, borders, print setup, safe cell writes, atomic save."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.fsutil import atomic_write

# Chinese office fonts, by their exact names.
BODY_FONT = "宋体"
HEAD_FONT = "黑体"
SIGN_FONT = "仿宋"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
WARN_FILL = PatternFill("solid", fgColor="FFEB9C")

FONT_TITLE = Font(name=HEAD_FONT, size=16, bold=True)
FONT_HEAD = Font(name=HEAD_FONT, size=10, bold=True)
FONT_BODY = Font(name=BODY_FONT, size=10)
FONT_SIGN = Font(name=SIGN_FONT, size=12)

# Text from returns must never become a formula (or be read as one by Excel/WPS).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32767  # Excel's limit


def put(cell: Cell, value: Any) -> Cell:
    """Write value; a str is always stored as text, never as a formula."""
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - 1] + "…"
        cell.value = value
        cell.data_type = "s"  # openpyxl would make '=…' a formula
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value
    return cell


def write(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> Cell:
    """Write a value at (row, col), 1-based, with optional font/border/alignment/fill."""
    cell = put(ws.cell(row=row, column=col), value)
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def print_setup(ws: Worksheet, title_rows: str | None = None, landscape: bool = True) -> None:
    """A4 landscape, one page wide, repeated header rows, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = BODY_FONT


FIXED_TIME = dt.datetime(2022, 1, 1)


def save(wb: Workbook, path: Path) -> None:
    """Save atomically, with fixed document times so reruns give the same bytes."""
    wb.properties.creator = "dapaicha"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    atomic_write(Path(path), lambda tmp: wb.save(tmp))


def to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, with fixed document times.

    Unlike openpyxl's save(), which stamps docProps' modified time with now(), this keeps
    FIXED_TIME, so the XML parts are the same on every run (zip member times are not fixed:
    rewrite the container, as stamp.py does, for byte-identical files).
    """
    import io
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    wb.properties.creator = "dapaicha"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    with ZipFile(buf, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return buf.getvalue()
