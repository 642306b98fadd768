"""Text typed by a village prints whole: the blank ledger's rows grow, rows we fill are sized.

A row holds its wrapped text when its height is at least lines × 1.2 × font size, with
lines counted on paper: a CJK glyph is as wide as the font size, a column unit is 7 px
(5.25 pt) less 5 px of padding. This measure is independent of excel.wrapped_lines.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile

from conftest import problem
from openpyxl import load_workbook
from test_store import do_merge, make_sub
from test_store import problem as store_problem

from dapaicha import layout
from dapaicha.findings import FileResult, make
from dapaicha.xlsx import excel, feedback

LONG = "村里填写的问题描述很长，" * 16 + "完"  # 193 characters, one paragraph
assert len(LONG) > 190


def paper_lines(text: str, width: float, size: float = 10) -> int:
    per_line = math.floor((width * 5.25 - 3.75) / size)  # CJK glyphs a line holds
    return math.ceil(len(text) / per_line)


def holds(height: float | None, text: str, width: float, size: float = 10) -> bool:
    return height is not None and height >= paper_lines(text, width, size) * 1.2 * size


def test_blank_ledger_item_rows_may_grow(blank_ledgers, cl) -> None:
    """Item rows carry a height from their 排查内容 but no customHeight, so Excel, WPS and
    LibreOffice grow them as the village types."""
    path = next(iter(blank_ledgers.values()))
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<row r="(\d+)"[^>]*>', xml)}
    first = layout.ROW_FIRST_ITEM
    items = [rows[r] for r in range(first, first + len(cl.items))]
    assert all("ht=" in r and "customHeight" not in r for r in items)
    assert "customHeight" in rows[layout.ROW_TITLE]  # rows we fill ourselves stay fixed


def test_copy_rows_hold_the_typed_text(make_return, tmp_path) -> None:
    p = make_return("长.xlsx", {3: problem(description=LONG, measure=LONG, owner=None)})
    ws = load_workbook(p)[layout.SHEET_LEDGER]
    assert not holds(ws.row_dimensions[6].height, LONG, layout.BY_KEY["description"].width)
    fr = FileResult(
        file="长.xlsx",
        findings=[make("owner-missing", "长.xlsx", sheet=layout.SHEET_LEDGER, cell="J6")],
    )
    out = feedback.write_copy(p, fr, tmp_path / "fb" / "长_退回修改.xlsx")
    ws = load_workbook(out)[layout.SHEET_LEDGER]
    h = ws.row_dimensions[6].height
    assert holds(h, LONG, layout.BY_KEY["description"].width)
    assert holds(h, LONG, layout.BY_KEY["measure"].width)
    assert h <= 409
    assert ws["F6"].value == LONG and ws["F6"].font.sz == 10


def test_merged_ledger_rows_hold_the_typed_text(tmp_path) -> None:
    out = tmp_path / "台账.xlsx"
    sub = make_sub(0, dt.date(2022, 3, 30), [store_problem(3, description=LONG, measure=LONG)])
    do_merge(tmp_path / "s.sqlite", [sub], out=out)
    ws = load_workbook(out)[layout.SHEET_MERGED]
    heads = {c.value: c.column_letter for c in ws[2]}
    col = heads[layout.BY_KEY["description"].header]
    width = ws.column_dimensions[col].width
    row = next(r for r in range(3, ws.max_row + 1) if ws[f"{col}{r}"].value == LONG)
    assert holds(ws.row_dimensions[row].height, LONG, width)
    assert ws[f"{col}{row}"].font.sz >= 9


def test_wrapped_lines() -> None:
    assert excel.wrapped_lines("", 10) == 1
    assert excel.wrapped_lines("一二三四", 9) == 1  # 8 units in 8
    assert excel.wrapped_lines("一二三四五", 9) == 2
    assert excel.wrapped_lines("ab\ncd", 20) == 2
    assert excel.wrapped_lines("一二三四五", 9, size=20) == 3  # 20 units, 8 a line
