"""Long lists spliced into a workbook at save (xlsx.splice): every value as written by hand
here comes back from the saved file, whatever its neighbours in the column."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from dapaicha.xlsx import excel, sheets, splice

COLUMNS = [
    ("混合", "mixed", 10, "center"),
    ("文字", "text", 12, "text"),
    ("日期", "day", 11, "date"),
    ("序号", "no", 5, "int"),
]


def _frame() -> pd.DataFrame:
    long = "整改措施照抄问题描述" * 4  # 40 characters: wraps in a 12-wide column
    return pd.DataFrame(
        {
            # equal under ==, written apart: 1, TRUE, 1.0; then blanks and a text
            "mixed": pd.Series([1, True, 1.0, None, "1", float("nan")], dtype=object),
            "text": pd.Series(["a&b", "a&b", long, None, long, "a&b"], dtype=object),
            "day": pd.Series([dt.date(2022, 3, 1), None, dt.date(2022, 3, 1)] * 2, dtype=object),
            "no": [3, 1, 3, 2, 1, 3],
        }
    )


def test_spliced_values_come_back_as_written(tmp_path):
    wb = splice.new_book()
    sheets.list_sheet(wb, "清单", "标题", COLUMNS, _frame(), "没有。")
    path = tmp_path / "x.xlsx"
    excel.save(wb, path, splice.workbook_bytes)
    ws = openpyxl.load_workbook(path)["清单"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=8)]
    long = "整改措施照抄问题描述" * 4
    day = dt.datetime(2022, 3, 1)
    assert rows == [
        [1, "a&b", day, 3],
        [True, "a&b", None, 1],
        [1.0, long, day, 3],
        [None, None, day, 2],
        ["1", long, None, 1],
        [None, "a&b", day, 3],
    ]
    assert [type(r[0]) for r in rows[:3]] == [int, bool, float]
    assert ws.max_row == 8
    # the long text: ceil(40 × 1.6 / 11) = 6 lines of 13.5 points, plus 3
    heights = [ws.row_dimensions[i].height for i in range(3, 9)]
    assert heights == [None, None, 84.0, None, 84.0, None]


def test_row_heights_match_row_height_row_by_row():
    cols = [
        ["短", "一行\n两行\n三行" * 3, None, 5, "短"],
        ["x" * 30, "中文" * 20, "中文" * 20, dt.date(2022, 1, 1), ""],
    ]
    widths = [8, 20]
    want = [sheets.row_height(list(r), widths) for r in zip(*cols, strict=True)]
    assert sheets.row_heights(cols, widths) == want
    assert want[0] is not None and want[1] is not None and want[3] is None
