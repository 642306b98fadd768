"""校验报告's long sheets: row heights and texts worked out column by column, as row by row."""

from __future__ import annotations

from dapaicha.xlsx import report


def test_heights_of_mixed_rows() -> None:
    # widths 12 and 16: 11 and 15 characters a line (CJK counts 2); 14 points a line + 4
    widths = [12, 16]
    rows = [
        ("短", "x"),
        ("一行\n两行", None),  # two lines of text
        (5, "中文" * 20),  # 80 units in 15 a line: 6 lines
        ("", 1.5),
        ("村" * 6, "a" * 15),  # 12 units in 11: 2 lines; 15 ASCII characters fit
        ("x" * 500, ""),  # 46 lines, capped at 400 points
    ]
    want = [18.0, 32.0, 88.0, 18.0, 32.0, 400.0]
    assert report.heights_of(rows, widths) == want
    assert [report.row_height(r, widths) for r in rows] == want


def test_heights_of_text_columns() -> None:
    widths = [12, 16]
    rows = [("短", "甲"), ("短", "乙" * 10), ("短", "甲"), ("短", "a" * 15)]
    want = [18.0, 32.0, 18.0, 18.0]  # 乙×10: 20 units in 15 a line
    assert report.heights_of(rows, widths) == want
    assert [report.row_height(r, widths) for r in rows] == want
    assert report.heights_of([], widths) == []
    assert report.heights_of([("甲", "乙")] * 3, widths) == [18.0] * 3


def test_texts_of_a_column() -> None:
    assert report._texts(["a", "", "b"]) == ["a", None, "b"]
    assert report._texts(["a", 1, "", None]) == ["a", 1, None, None]
    assert report._texts(["a\ud800b", "c"]) == ["a\\ud800b", "c"]  # a lone surrogate, escaped
