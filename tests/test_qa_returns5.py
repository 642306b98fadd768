"""The fourth tester's list: returns as LibreOffice writes them after a clerk's edits (a copy
of the ledger filled in while the ledger stays blank; rows inserted in a merged 类别 block with
the 序号 merged over them; dates in Chinese formats; WPS's A1:A1 dimension)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, found_in, problem, soffice_convert_all
from openpyxl.worksheet.cell_range import CellRange

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.xlsx import fill

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1
L = layout.LETTER


def _insert_rows(ws, at: int, k: int) -> None:
    """k rows inserted above row `at` as LibreOffice inserts them: a merged block spanning
    the place grows, the blocks below move down."""
    ranges = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for rng in ranges:
        ws.unmerge_cells(rng.coord)
    ws.insert_rows(at, k)
    for rng in ranges:
        if rng.min_row >= at:
            rng.shift(row_shift=k)
        elif rng.max_row >= at:
            rng.expand(down=k)
        ws.merge_cells(rng.coord)


def _copy_filled(ws, wb) -> None:
    """The ledger copied to 整改台账 (2) with the answers; the ledger itself left blank."""
    wb.copy_worksheet(ws).title = "整改台账 (2)"
    for r in range(FIRST, FIRST + 66):
        for col in "EFGHIJKLM":
            ws[f"{col}{r}"] = None
    ws[layout.DATE_CELL] = None


def _three_problems_no_merged(ws, wb) -> None:
    """Two rows inserted under item 3 (inside 类别 A4:A8), the 序号 3 merged over the three."""
    r = FIRST + 2
    _insert_rows(ws, r + 1, 2)
    for k, owner in ((1, "李四"), (2, "𠮷祥")):
        for key, v in problem(description=f"问题{k + 1}", owner=owner).items():
            ws[f"{L[key]}{r + k}"] = v
            ws[f"{L[key]}{r + k}"].number_format = "yyyy-mm-dd"
    ws.merge_cells(f"B{r}:B{r + 2}")


def _chinese_dates(ws, wb) -> None:
    """Real dates shown as 2022年3月30日 and as 二〇二二年三月二十五日 ([DBNum1])."""
    ws[layout.DATE_CELL].number_format = '[DBNum1][$-804]yyyy"年"m"月"d"日"'
    ws[f"I{FIRST + 2}"].number_format = 'yyyy"年"m"月"d"日"'
    ws[f"L{FIRST + 2}"].number_format = '[DBNum1][$-804]yyyy"年"m"月"d"日"'


def _spaces_far_below(ws, wb) -> None:
    """A space and a full-width space typed far below to clear cells, then a lost text."""
    ws["B5000"], ws["C5001"], ws["D5002"] = " ", "\u3000", "表外的问题"


def _spaces_far_below_only(ws, wb) -> None:
    ws["B5000"], ws["C5001"] = " ", "\u3000"


EDITS = {
    "远处空格": _spaces_far_below_only,
    "远处空格和文字": _spaces_far_below,
    "复制表填报": _copy_filled,
    "插入行序号合并": _three_problems_no_merged,
    "中文日期格式": _chinese_dates,
}


@pytest.fixture(scope="module")
def resaved(tmp_path_factory, cl, ros, blank_ledgers) -> dict[str, Path]:
    """Each edit made to a filled return, then the file re-saved by LibreOffice as xlsx,
    xls and ods (one LibreOffice run per format); also the xlsx with WPS's A1:A1 dimension."""
    d = tmp_path_factory.mktemp("resaved")
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    srcs = []
    for name, edit in EDITS.items():
        p = d / "src" / f"{name}.xlsx"
        p.parent.mkdir(exist_ok=True)
        fill.fill_ledger(
            blank_ledgers[ros.villages[0].code],
            p,
            {3: problem()},
            default=NO,
            report_date=dt.date(2022, 3, 30),
            signers=signers,
        )
        wb = openpyxl.load_workbook(p)
        edit(wb[layout.SHEET_LEDGER], wb)
        wb.save(p)
        srcs.append(p)
    out = {}
    for fmt in ("xlsx", "xls", "ods"):
        for p in soffice_convert_all(srcs, fmt, d / fmt):
            out[p.name] = p
    wps = d / "wps" / "插入行序号合并.xlsx"
    wps.parent.mkdir()
    with zipfile.ZipFile(out[wps.name]) as src, zipfile.ZipFile(wps, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet1"):
                body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', body)
            dst.writestr(info, body)
    out["wps"] = wps
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_copy_filled_in_while_the_ledger_stays_blank_is_the_one_read(resaved, cl, ros, fmt):
    """The clerk copied 整改台账 to a second sheet and filled that one: its answers are read,
    the blank ledger named once (0a41bbe: the blank sheet read, 66 has-problem-blank and
    report-date-missing, the answers not read)."""
    p = resaved[f"复制表填报.{fmt}"]
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("other-ledger-sheet", "", None)]
    assert fr.findings[0].sheet == "整改台账"
    assert "（本文件只读取“整改台账 (2)”表）" in fr.findings[0].message
    sub = subs[0]
    assert [(r.no, r.description) for r in sub.rows if r.is_problem] == [
        (3, "部分监测户信息未更新")
    ]
    assert (sub.report_date, sub.accepted, len(sub.rows)) == (dt.date(2022, 3, 30), True, 66)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "wps"])
def test_rows_inserted_in_a_merged_block_with_the_序号_merged_are_three_problems(
    resaved, cl, ros, fmt
):
    """Passed already; kept: LibreOffice's merges (类别 grown, 序号 merged over the rows) in
    every format, and a sheet whose dimension says A1:A1."""
    p = resaved["wps" if fmt == "wps" else f"插入行序号合并.{fmt}"]
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == []
    got = [(r.no, r.seq, r.description, r.owner, r.row) for r in subs[0].rows if r.no in (3, 4)]
    assert got == [
        (3, 1, "部分监测户信息未更新", "张三", 6),
        (3, 2, "问题2", "李四", 7),
        (3, 3, "问题3", "𠮷祥", 8),
        (4, 1, None, None, 9),
    ]
    assert len(subs[0].rows) == 68


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_real_dates_shown_in_chinese_formats_are_read(resaved, cl, ros, fmt):
    """Passed already; kept: 2022年4月20日 and [DBNum1] 二〇二二年三月三十日 hold real dates."""
    p = resaved[f"中文日期格式.{fmt}"]
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == []
    row = next(r for r in subs[0].rows if r.is_problem)
    assert (subs[0].report_date, row.deadline, row.done_date) == (
        dt.date(2022, 3, 30),
        dt.date(2022, 4, 20),
        dt.date(2022, 3, 25),
    )


def test_another_village_s_ledger_beside_a_blank_one_is_not_taken_as_its(make_return, cl, ros):
    """The blank ledger of 大马村 and 王庄村's filled one pasted beside it: 王庄村's answers
    are read, but not accepted as 大马村's (its 填报单位 names 王庄村)."""
    p = make_return("大马村.xlsx", {})
    other = make_return("王庄村.xlsx", {5: problem()}, folder=p.parent / "src", village=1)
    wb = openpyxl.load_workbook(p)
    _copy_filled(wb[layout.SHEET_LEDGER], wb)
    del wb["整改台账 (2)"]
    ws = wb.create_sheet("王庄村")
    for row in openpyxl.load_workbook(other)[layout.SHEET_LEDGER].iter_rows():
        for c in row:
            if c.value is not None:
                ws[c.coordinate] = c.value
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("identity-mismatch", "", None), ("other-ledger-sheet", "", None)]
    assert (subs[0].village, subs[0].accepted) == ("大马村", False)


def test_a_problem_typed_under_the_signatures_without_its_序号_is_said(make_return, cl, ros):
    """是 and the problem typed far below the signatures, the 序号 left blank: said at the
    description (0a41bbe: nothing said, the problem read by nobody)."""
    p = make_return("签字栏下无序号.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["E90"], ws["F90"] = "是", "村内道路未硬化"
    ws["F92"], ws["J93"] = "以上情况属实", 13800000000  # no 是: a note, a phone number
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("row-below-table", "F90", None)]
    assert fr.findings[0].message == (
        "“整改台账”表 F90单元格：这一行在表格以下（签字栏下方），未读取；"
        "请把它移到表格中该项的下方（插入行），删除这一行后重新报送。"
    )
    assert not subs[0].accepted


def test_spaces_typed_beyond_the_bounds_are_no_content_lost(resaved, cl, ros):
    """A space (or a full-width one) in a cell past row 3000, stored as a shared string as
    Excel and LibreOffice store texts: nothing lost (0a41bbe: content-truncated at B5000, a
    cell the clerk sees empty); a text there still is."""
    p = resaved["远处空格.xlsx"]
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert (found_in(fr), subs[0].accepted) == ([], True)
    p = resaved["远处空格和文字.xlsx"]
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("content-truncated", "D5002", None)]
