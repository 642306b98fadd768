"""The sixth tester's list: what spreadsheet programs and Chinese office habits put in a
return, each edit made with openpyxl and the file re-saved by LibreOffice as xls and ods
(dates typed into cells formatted as 文本 with their apostrophe, 序号 typed as ①②③,
整改结果 written 持续整改 / 部分整改, the signature rows moved above the table, 整改期限
typed from start to end)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, found_in, problem, soffice_convert_all, validate_resaved
from openpyxl.worksheet.cell_range import CellRange

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.normalize import parse_date, parse_int
from dapaicha.xlsx import fill

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1
FORMATS = ("xlsx", "xls", "ods")
SIGN = [layout.sign_rows(66, 3)[i] for i in range(3)]  # 71, 72, 73
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def R(n: int) -> int:
    return FIRST + n - 1


def _text_dates(ws, wb) -> None:
    """Dates typed into cells formatted as 文本 after an apostrophe, which such a cell keeps."""
    for n in (3, 4):
        for col in ("I", "L"):
            ws[f"{col}{R(n)}"].number_format = "@"
    ws[f"I{R(3)}"], ws[f"L{R(3)}"] = "'2022/4/30", "'2022/3/25"
    ws[f"I{R(4)}"], ws[f"L{R(4)}"] = "'4.30", "’2022年03月25日"
    ws[f"B{R(5)}"] = "'5"


def _ranges(ws, wb) -> None:
    """整改期限 typed from start to end, 完成时间 as 3月25日已完成."""
    ws[f"I{R(3)}"], ws[f"I{R(4)}"] = "2022.3.25-2022.4.30", "3月25日至4月30日"
    ws[f"L{R(4)}"] = "3月25日已完成"


def _circled_nos(ws, wb) -> None:
    for n, mark in enumerate(CIRCLED, 1):
        ws[f"B{R(n)}"] = mark


def _signatures_on_top(name_of_second: str | None):
    """The three signature rows cut and pasted above the table, under the title."""

    def edit(ws, wb) -> None:
        ranges = [CellRange(str(r)) for r in ws.merged_cells.ranges]
        for rng in ranges:
            ws.unmerge_cells(rng.coord)
        rows = [[ws.cell(r, c).value for c in range(1, 14)] for r in SIGN]
        for r in SIGN:
            for c in range(1, 14):
                ws.cell(r, c).value = None
        ws.insert_rows(3, 3)
        for rng in ranges:
            if rng.min_row in SIGN:  # cut and pasted with the rows
                rng.shift(row_shift=3 + SIGN.index(rng.min_row) - rng.min_row)
            elif rng.min_row >= 3:
                rng.shift(row_shift=3)
            ws.merge_cells(rng.coord)
        for i, values in enumerate(rows):
            for c, v in enumerate(values, 1):
                if v is not None:
                    ws.cell(3 + i, c).value = v
        ws["D4"] = name_of_second

    return edit


PROGRESS = {
    3: problem(result="持续整改", done_date=None),
    4: problem(kind="纳入整改方案", result="部分整改", done_date=None),
}


@pytest.fixture(scope="module")
def resaved(tmp_path_factory, cl, ros, blank_ledgers) -> dict[str, Path]:
    """Each edit made to a filled return of 大马村, then re-saved by LibreOffice as xls and
    ods (one LibreOffice run per format): name.fmt → path."""
    d = tmp_path_factory.mktemp("resaved7")
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    edits = {
        "文本日期": (_text_dates, {3: problem(), 4: problem()}),
        "圈码序号": (_circled_nos, {3: problem()}),
        "期限写成起止": (_ranges, {3: problem(), 4: problem()}),
        "持续整改": (None, PROGRESS),
        "签字在上方": (_signatures_on_top("乙"), {3: problem()}),
        "签字在上方未签": (_signatures_on_top(None), {3: problem()}),
    }
    srcs = []
    for name, (edit, answers) in edits.items():
        p = d / "src" / f"{name}.xlsx"
        p.parent.mkdir(exist_ok=True)
        blank = blank_ledgers[ros.villages[0].code]
        fill.fill_ledger(
            blank, p, answers, default=NO, report_date=dt.date(2022, 3, 30), signers=signers
        )
        if edit is not None:
            wb = openpyxl.load_workbook(p)
            edit(wb[layout.SHEET_LEDGER], wb)
            wb.save(p)
        srcs.append(p)
    out = {f"{p.stem}.xlsx": p for p in srcs}
    for fmt in FORMATS[1:]:
        for p in soffice_convert_all(srcs, fmt, d / fmt):
            out[p.name] = p
    return out


def _row(subs, n):
    return next(r for r in subs[0].rows if r.no == n)


def test_an_apostrophe_before_a_date_or_a_序号_is_no_part_of_it():
    assert parse_date("'2022/4/30", year=2022).value == dt.date(2022, 4, 30)
    assert parse_date("‘4月30日", year=2022).value == dt.date(2022, 4, 30)
    assert parse_int("'5") == parse_int("5")
    assert parse_date("2022/4/30'", year=2022).status == "invalid"


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_typed_after_an_apostrophe_in_text_cells_are_read(resaved, cl, ros, fmt):
    """'2022/4/30, '4.30 and ’2022年03月25日 typed into cells formatted as 文本 (where
    Excel and WPS keep the apostrophe): the dates (were deadline-invalid and
    done-date-invalid, the return sent back)."""
    fr, subs = validate_resaved(resaved, "文本日期", fmt, cl, ros)
    assert found_in(fr) == []
    assert subs[0].accepted
    for n in (3, 4):
        row = _row(subs, n)
        assert (row.deadline, row.done_date) == (dt.date(2022, 4, 30), dt.date(2022, 3, 25))


def test_circled_numbers_read_as_序号():
    assert [parse_int(c).value for c in "①⑩⑳㉑㉟㊱㊿"] == [1, 10, 20, 21, 35, 36, 50]
    assert parse_int("①、") == parse_int("1")


@pytest.mark.parametrize("fmt", FORMATS)
def test_序号_typed_as_circled_numbers_are_the_items(resaved, cl, ros, fmt):
    """序号 ①…⑩ for items 1—10: those items (were ten item-unknown and one item-missing)."""
    fr, subs = validate_resaved(resaved, "圈码序号", fmt, cl, ros)
    assert found_in(fr) == []
    assert sorted({r.no for r in subs[0].rows}) == list(range(1, 67))
    assert _row(subs, 3).has_problem == "是"


@pytest.mark.parametrize("fmt", FORMATS)
def test_持续整改_and_部分整改_as_the_result_are_正在整改(resaved, cl, ros, fmt):
    """Both said of a rectification still going on (were result-invalid)."""
    fr, subs = validate_resaved(resaved, "持续整改", fmt, cl, ros)
    assert found_in(fr) == []
    assert (_row(subs, 3).result, _row(subs, 4).result) == ("正在整改", "正在整改")


@pytest.mark.parametrize("fmt", FORMATS)
def test_signature_rows_moved_above_the_table_are_read(resaved, cl, ros, fmt):
    """The three names typed above the table: signed (were three signer-missing without a
    cell, the names standing there); a blank name there is said at its cell."""
    fr, subs = validate_resaved(resaved, "签字在上方", fmt, cl, ros)
    assert found_in(fr) == []
    assert subs[0].accepted
    fr, subs = validate_resaved(resaved, "签字在上方未签", fmt, cl, ros)
    assert found_in(fr) == [("signer-missing", "D4", None)]
    assert "“第一书记”姓名未填写" in fr.findings[0].message


def test_已整改_with_a_part_in_brackets_is_not_done(make_return, cl, ros):
    """已整改（部分）, 已整改（80%）: asked for, not counted as done (were read as 已整改, the
    整改率 raised); 正在整改（80%）and 已完成（100%）are read."""
    p = make_return(
        "大马村.xlsx",
        {
            3: problem(result="已整改（部分）", done_date=None),
            4: problem(result="已整改（80%）", done_date=None),
            5: problem(result="正在整改（80%）", done_date=None),
            6: problem(result="已完成（100%）"),
        },
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("result-invalid", f"K{R(3)}", 3), ("result-invalid", f"K{R(4)}", 4)]
    assert (_row(subs, 5).result, _row(subs, 6).result) == ("正在整改", "已整改")


def test_a_date_range_is_its_end():
    y = 2022
    assert parse_date("2022.3.25-2022.4.30", year=y).value == dt.date(2022, 4, 30)
    assert parse_date("2022-03-25 - 2022-05-31", year=y).value == dt.date(2022, 5, 31)
    assert parse_date("三月二十五日至四月三十日", year=y).value == dt.date(2022, 4, 30)
    assert parse_date("2022-4-30", year=y).value == dt.date(2022, 4, 30)  # no range
    assert parse_date("4月30日-3月25日", year=y).status == "invalid"  # the end before the start
    assert parse_date("4.3-4.30", year=y).status == "invalid"  # 4.3 not guessed


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_deadline_typed_from_start_to_end_is_its_end(resaved, cl, ros, fmt):
    """2022.3.25-2022.4.30 and 3月25日至4月30日 as the 整改期限, 3月25日已完成 as the
    完成时间: read (were deadline-invalid and done-date-invalid)."""
    fr, subs = validate_resaved(resaved, "期限写成起止", fmt, cl, ros)
    assert found_in(fr) == []
    for n in (3, 4):
        row = _row(subs, n)
        assert (row.deadline, row.done_date) == (dt.date(2022, 4, 30), dt.date(2022, 3, 25))
