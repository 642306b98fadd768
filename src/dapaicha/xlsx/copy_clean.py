"""退回修改 copies made safe: formulas become the values last computed, outside links go,
pictures are counted (openpyxl cannot carry them)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from dapaicha import layout
from dapaicha.read import book, sniff
from dapaicha.read.reader import is_panic
from dapaicha.xlsx import excel

AUTHOR = "dapaicha"  # of the comments in a copy
_OUR_COLORS = {excel.BAD_FILL.fgColor.rgb[-6:], excel.WARN_FILL.fgColor.rgb[-6:]}
Cached = dict[str, book.Table]  # sheet title → values as last computed (calamine)


def cached(data: bytes, sn: sniff.Sniff, wb: Workbook) -> Cached:
    """The values Excel/WPS last computed for the formulas, read by calamine; {} when there
    are no formulas or the values cannot be read."""
    if not any(c.data_type == "f" for ws in wb.worksheets for c in ws._cells.values()):
        return {}
    try:
        return {s.name: s.rows for s in book.all_sheets(data, sn)}
    except BaseException as err:  # calamine raises several kinds, and may panic
        if not (isinstance(err, Exception) or is_panic(err)):
            raise
        return {}


def cached_value(cached: Cached, title: str, row: int, col: int) -> Any:
    rows = cached.get(title, [])
    if row > len(rows) or col > len(rows[row - 1]):
        return None
    v = rows[row - 1][col - 1]
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        return v.date()  # a date stays a date (yyyy-mm-dd), not a date and time
    return None if v == "" else v


def defuse_formulas(wb: Workbook, cached: Cached) -> None:
    """Formulas (=HYPERLINK(…), DDE, …) from a return become their last computed value
    (a date stays a date, so the corrected copy passes); without one, their text."""
    for ws in wb.worksheets:
        for cell in ws._cells.values():
            if cell.data_type != "f" or not isinstance(cell, Cell):
                continue
            value = cached_value(cached, ws.title, cell.row or 0, cell.column or 0)
            if value is not None:
                excel.put(cell, plain(value))
                continue
            v = cell.value
            text = getattr(v, "text", None) or str(v)
            excel.put(cell, text if text.startswith("=") else "=" + text)


_OUTSIDE = re.compile(r"\[|://|\\|\.xl[a-z]*\b", re.I)


def unlink_outside(wb: Workbook) -> None:
    """No hyperlink, external workbook link or defined name pointing outside in a copy."""
    wb._external_links = []  # type: ignore[attr-defined]  # openpyxl's, not in its stubs
    for name in [n for n, d in wb.defined_names.items() if _OUTSIDE.search(d.attr_text or "")]:
        del wb.defined_names[name]
    for ws in wb.worksheets:
        for name in [n for n, d in ws.defined_names.items() if _OUTSIDE.search(d.attr_text or "")]:
            del ws.defined_names[name]
        for cell in ws._cells.values():
            if cell.hyperlink is not None:
                cell.hyperlink = None
        ws._hyperlinks = []  # type: ignore[attr-defined]


def pictures(data: bytes) -> int:
    """Pictures in a returned xlsx/ods (media parts); 0 for other files."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return sum(
                n.startswith(("xl/media/", "Pictures/")) and not n.endswith("/")
                for n in z.namelist()
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0


def kept_pictures(wb: Workbook) -> int:
    return sum(len(ws._images) for ws in wb.worksheets)  # type: ignore[attr-defined,misc]


def plain(v: Any) -> Any:
    """A value openpyxl can write as it is; anything else as its text."""
    return v if isinstance(v, str | int | float | bool) or hasattr(v, "isoformat") else str(v)


def clear_previous(wb: Workbook) -> None:
    """A return may be our own earlier copy: drop its findings sheet, comments and fills."""
    if layout.SHEET_FINDINGS in wb.sheetnames:
        del wb[layout.SHEET_FINDINGS]
    ours = {i for i, fill in enumerate(wb._fills) if _ours(fill)}  # type: ignore[attr-defined]
    for ws in wb.worksheets:
        cells: dict[tuple[int, int], Any] = ws._cells
        for cell in cells.values():
            if cell.comment is not None and cell.comment.author == AUTHOR:
                cell.comment = None
            if (cell._style.fillId if cell._style else 0) in ours:  # no style: fill 0
                cell.fill = excel.PatternFill()


def _ours(fill: Any) -> bool:
    rgb = fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None
    return isinstance(rgb, str) and rgb[-6:] in _OUR_COLORS
