"""The one guarded workbook reader (read/book.py) behind rosters and inspectors' lists."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from dapaicha.app import merge
from dapaicha.config import checklist
from dapaicha.errors import UserError
from dapaicha.model import Row, Submission
from dapaicha.read import book, inspectors
from dapaicha.read import roster as roster_read

ROSTER_HEAD = ["县（市、区）", "乡（镇、街道）", "行政村", "村代码"]
ROSTER_ROWS = [["鄢陵县", "陈化店镇", "大马村", "411024100001"]]
FINDINGS_HEAD = ["县", "乡镇", "村", "项目序号", "问题描述", "发现日期"]
FINDINGS_ROWS = [["鄢陵县", "陈化店镇", "大马村", 3, "档案不全", "2022-04-05"]]
OVERFLOW = "工作表“Sheet”中有超出范围的日期或时间"


def _book(path: Path, rows: list[list[object]], huge_at: str | None = None) -> Path:
    """A workbook of rows; huge_at: a cell formatted [h]:mm holding 1e15 (calamine overflows)."""
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    if huge_at:
        cell = wb.active[huge_at]
        cell.value, cell.number_format = 1e15, "[h]:mm"
    wb.save(path)
    return path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", *args],
        capture_output=True, text=True, encoding="utf-8", timeout=60,
    )  # fmt: skip


def test_roster_huge_duration_is_one_chinese_error(tmp_path: Path) -> None:
    path = _book(tmp_path / "名册.xlsx", [ROSTER_HEAD, *ROSTER_ROWS], huge_at="E2")
    with pytest.raises(UserError) as info:
        roster_read.load(path)
    assert str(info.value) == (f"村名册 名册.xlsx 无法读取（{OVERFLOW}）：{book.OVERFLOW_HINT}")
    proc = _cli("roster", str(path))
    assert proc.returncode == 2
    assert proc.stderr == f"错误：{info.value}\n"
    assert "Traceback" not in proc.stdout + proc.stderr


def test_inspectors_huge_duration_is_one_chinese_error(tmp_path: Path) -> None:
    path = _book(tmp_path / "督查.xlsx", [FINDINGS_HEAD, *FINDINGS_ROWS], huge_at="G2")
    with pytest.raises(UserError) as info:
        inspectors.read_findings(path, year=2022)
    assert str(info.value) == (
        f"督查发现问题清单 督查.xlsx 无法读取（{OVERFLOW}）：{book.OVERFLOW_HINT}"
    )


def test_inspectors_huge_duration_through_the_cli(tmp_path: Path) -> None:
    # crosscheck reads the store's campaign year first: a store from a tiny merge
    roster_path = _book(tmp_path / "名册.xlsx", [ROSTER_HEAD, *ROSTER_ROWS])
    path = _book(tmp_path / "督查.xlsx", [FINDINGS_HEAD, *FINDINGS_ROWS], huge_at="G2")
    store = tmp_path / "s.sqlite"
    _merge_one(store, roster_path)
    proc = _cli("crosscheck", "-f", str(path), "-r", str(roster_path), "-s", str(store),
                "-o", str(tmp_path / "out"))  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"错误：督查发现问题清单 督查.xlsx 无法读取（{OVERFLOW}）：{book.OVERFLOW_HINT}\n"
    )


def _merge_one(store: Path, roster_path: Path) -> None:
    cl = checklist.load()
    ros = roster_read.load(roster_path)
    v = ros.villages[0]
    rows = [Row(no=i.no, has_problem="否") for _, i in cl.items]
    sub = Submission("a.xlsx", "0" * 64, v.code, v.county, v.township, v.village,
                     dt.date(2022, 3, 30), True, rows=rows, period=1)  # fmt: skip
    merge.merge_submissions(store, [sub], cl, roster=ros, received_at="2031-01-01T00:00:00+00:00")


def test_not_a_workbook_is_refused_before_parsing(tmp_path: Path) -> None:
    pdf = tmp_path / "名册.xlsx"
    pdf.write_bytes(b"%PDF-1.4 not a table")
    with pytest.raises(UserError, match=r"^村名册 名册\.xlsx 无法读取（文件实际格式为PDF 文件）"):
        roster_read.load(pdf)
    with pytest.raises(
        UserError, match=r"^督查发现问题清单 名册\.xlsx 无法读取（文件实际格式为PDF"
    ):
        inspectors.read_findings(pdf, year=2022)


def test_stray_far_cell_is_read_within_bounds(tmp_path: Path) -> None:
    # a value at XFD2 widens the sheet to 16384 columns: read (few rows), not refused
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [ROSTER_HEAD, *ROSTER_ROWS]:
        ws.append(r)
    ws["XFD2"] = "x"
    wb.save(tmp_path / "宽.xlsx")
    assert [v.village for v in roster_read.load(tmp_path / "宽.xlsx").villages] == ["大马村"]
    # …but far down and far right at once is more cells than any roster: refused
    ws["XFD1000"] = "y"
    wb.save(tmp_path / "宽.xlsx")
    with pytest.raises(UserError, match="超过可读取的范围"):
        roster_read.load(tmp_path / "宽.xlsx")
