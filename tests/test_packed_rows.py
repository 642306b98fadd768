"""PackedRows: what a merge's worker sends keeps every row as it was, and the store's values."""

from __future__ import annotations

import datetime as dt

from dapaicha.model import Cells, PackedRows, Row

LETTERS = {"no": "A", "has_problem": "D", "description": "E", "measure": "F"}


def _rows() -> list[Row]:
    cells = dict(LETTERS)  # one map shared by the rows of a sheet, as the reader makes it
    return [
        Row(1, 1, "否", row=5, cells=Cells(cells, 5)),
        Row(2, 1, "是", "路灯不亮", "更换灯泡", "立行立改", dt.date(2022, 4, 30), "张三",
            "已整改", dt.date(2022, 4, 20), "备注", 6, Cells(cells, 6)),
        Row(2, 2, "是", None, None, None, None, None, None, None, None, 7,
            Cells({"no": "A"}, 7)),
        Row(-3, 1, "是", "=SUM(A1)", row=8, cells=Cells(cells, 8)),
    ]  # fmt: skip


# the store's columns but the submission id, written out by hand
STORED = [
    (1, 1, "否", None, None, None, None, None, None, None, None, 5, "E5"),
    (2, 1, "是", "路灯不亮", "更换灯泡", "立行立改", "2022-04-30", "张三", "已整改",
     "2022-04-20", "备注", 6, "E6"),
    (2, 2, "是", None, None, None, None, None, None, None, None, 7, "A7"),
    (-3, 1, "是", "=SUM(A1)", None, None, None, None, None, None, None, 8, "E8"),
]  # fmt: skip


def test_rows_come_back_the_same_and_stored_as_written() -> None:
    packed = PackedRows.of(_rows())
    assert (len(packed), packed.problems) == (4, 3)
    assert packed.unpack() == _rows()
    got = packed.unpack()
    assert [dict(r.cells) for r in got] == [dict(r.cells) for r in _rows()]
    assert got[1].deadline == dt.date(2022, 4, 30) and type(got[1].deadline) is dt.date
    assert packed.stored() == STORED
    assert [r.stored() for r in _rows()] == STORED


def test_rows_that_cannot_be_kept_flat_are_kept_whole() -> None:
    with_time = _rows()
    with_time[1].deadline = dt.datetime(2022, 4, 30, 8, 0)
    plain_cells = _rows()
    plain_cells[0].cells = {"no": "B9"}  # a merged ledger's line: not of one sheet row
    for rows in (with_time, plain_cells):
        packed = PackedRows.of(rows)
        assert packed.unpack() == rows
        assert packed.stored() == [r.stored() for r in rows]
    assert PackedRows.of(with_time).unpack()[1].deadline == dt.datetime(2022, 4, 30, 8, 0)
    assert PackedRows.of(plain_cells).stored()[0][-1] == "B9"
