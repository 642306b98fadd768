"""A Sheet's rows written as sheet XML by xlsx.rowxml: the very bytes openpyxl's own
write-only writer gives the same cells, and the values read back as written by hand."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook

from dapaicha.xlsx import excel, sheets, splice

# (value, style): texts with escapes, spaces around, a formula-like text; numbers; dates
ROWS: list[tuple[list[tuple[object, str | None]], float | None]] = [
    ([("标题 a&b<c>", "title")], 30),
    ([("　前有全角空格", "note"), (" 后有空格 ", "text"), ("=SUM(A1)", "center")], 18),
    ([(1, "int"), (2.5, "center"), (0.4489795918367347, "pct"), (True, "center")], None),
    ([(dt.date(2022, 3, 1), "date"), (dt.datetime(2022, 3, 1, 8, 30), "center")], 20.25),
    ([(None, "head"), ("", "head"), (None, None), ("plain", None), (7, None)], None),
    ([], None),
]


def _book(ours: bool) -> bytes:
    """The rows through Sheet.add (ours) or through openpyxl's append (the reference)."""
    wb = splice.new_book()
    sh = sheets.Sheet(wb, "表", [10] * 6, "A2")
    for cells, height in ROWS:
        row = [v if style is None else sh.cell(v, style) for v, style in cells]
        if ours:
            sh.add(row, height)
            continue
        sh.row += 1
        if height:
            sh.ws.row_dimensions[sh.row].height = height
        sh.ws.append(row)
    sh.merge(1, 1, 1, 6)
    return splice.workbook_bytes(wb)


def _part(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_rows_are_openpyxls_bytes():
    ours, theirs = _book(True), _book(False)
    assert b"<row " in _part(ours)
    assert _part(ours) == _part(theirs)
    assert ours == theirs  # the styles registered in the same order too


def test_rows_read_back_as_written(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(_book(True))
    ws = openpyxl.load_workbook(path)["表"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=5, max_col=5)]
    assert got == [
        ["标题 a&b<c>", None, None, None, None],
        ["　前有全角空格", " 后有空格 ", "=SUM(A1)", None, None],
        [1, 2.5, 0.4489795918367347, True, None],
        [dt.datetime(2022, 3, 1), dt.datetime(2022, 3, 1, 8, 30), None, None, None],
        [None, None, None, "plain", 7],
    ]
    assert ws["C2"].data_type == "s"  # text, never a formula
    assert [ws.row_dimensions[i].height for i in (1, 2, 3, 4)] == [30, 18, None, 20.25]
    assert ws.max_row == 5  # the last row is empty


def test_a_workbook_without_sheet_rows_is_untouched():
    books = [Workbook(write_only=True) for _ in range(2)]
    for wb in books:
        wb.create_sheet("空")
    assert splice.workbook_bytes(books[0]) == excel.workbook_bytes(books[1])


def test_saved_in_memory_as_openpyxl_saves_it():
    """excel.saved writes the write-only sheets not yet begun in memory (xlsx/inmemory), a
    sheet openpyxl began (rows appended) through its file: the same parts as Workbook.save."""

    def book() -> Workbook:
        wb = splice.new_book()
        sh = sheets.Sheet(wb, "表", [10, 12], "A2")  # its rows kept as XML: none here
        sh.merge(1, 1, 1, 2)
        sh.finish("1:1")
        wb.create_sheet("二").append(["openpyxl 自己写的行", 1])
        return wb

    theirs = io.BytesIO()
    wb = book()
    wb.properties.creator = "dapaicha"
    wb.save(theirs)
    assert excel.workbook_bytes(book()) == excel.fixed_bytes(theirs.getvalue())


def test_a_workbook_with_sheet_rows_is_never_saved_without_them(tmp_path):
    """excel.workbook_bytes would write the Sheet without its rows (a second reviewer)."""
    wb = splice.new_book()
    sheet = sheets.Sheet(wb, "表", [10, 10])
    sheet.add(["甲", 3])
    with pytest.raises(RuntimeError):
        excel.save(wb, tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    excel.save(wb, tmp_path / "x.xlsx", splice.workbook_bytes)
    got = openpyxl.load_workbook(tmp_path / "x.xlsx")["表"]
    assert [[c.value for c in r] for r in got.iter_rows()] == [["甲", 3]]
