"""Reviewer's probes of the validate changes 4689108..e638286 (not for main as is): each
test fails on e638286 and passes with the fixes proposed in this worktree's commit."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import problem, soffice_convert
from test_qa_returns4 import _clear_items, room_below

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.check.several import numbered

FIRST = layout.ROW_FIRST_ITEM


def _found(fr):
    return sorted((f.code, f.cell, f.item) for f in fr.findings)


def test_a_text_date_whose_label_was_cleared_is_the_填报日期(make_return, cl, ros):
    """2022.3.30 stays text in Excel and WPS: with its label cleared or retyped as 日期：
    it is as much the one date above the table as a date cell (e638286: report-date-missing
    at K2, the cell holding it)."""
    for label in (None, "日期："):
        p = make_return("日期文本.xlsx", {3: problem()})
        wb = openpyxl.load_workbook(p)
        ws = wb[layout.SHEET_LEDGER]
        ws[layout.DATE_LABEL_CELL], ws[layout.DATE_CELL] = label, "2022.3.30"
        wb.save(p)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert (label, _found(fr)) == (label, [])
        assert subs[0].report_date == dt.date(2022, 3, 30)


def test_序号_dragged_over_否_rows_says_it_was_changed(make_return, cl, ros):
    """3 drag-filled over items 4 and 5 (rows answered 否): as for 是 rows, their texts say
    the 序号 was changed (e638286: only 缺少第4项, 缺少第5项 while their rows are there)."""
    p = make_return("拖序号.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws[f"B{FIRST + 3}"], ws[f"B{FIRST + 4}"] = 3, 3
    wb.save(p)
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [
        ("item-missing", "", 4),
        ("item-missing", "", 5),
        ("item-text-altered", f"D{FIRST + 3}", 3),
        ("item-text-altered", f"D{FIRST + 4}", 3),
    ]
    assert "这是第4项的排查内容，序号却填为3" in fr.findings[0].message


def test_many_missing_items_scattered_are_all_named(make_return, cl, ros):
    """11 是 rows kept, scattered: the list of 55 missing items is longer than 60 characters
    and must not be cut (e638286: “…52至56、5… 项”)."""
    kept = [3, 9, 15, 21, 27, 33, 39, 45, 51, 57, 63]
    p = make_return("散.xlsx", {n: problem() for n in kept})
    _clear_items(p, [n for n in range(1, 67) if n not in kept])
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    f = next(f for f in fr.findings if f.code == "item-missing")
    runs = "1—2、4—8、10—14、16—20、22—26、28—32、34—38、40—44、46—50、52—56、58—62、64—66"
    assert f.value == runs
    assert f.message.endswith(
        f"缺少第 {runs} 项（共55项；没有问题的项也须逐行填“否”），66 项须逐项填报，请补上。"
    )


def test_problems_numbered_after_a_colon_are_said(make_return, cl, ros):
    assert numbered("存在问题：1.房屋漏雨 2.饮水水压不足") == 2
    assert numbered("共2户:1、张某家 2、李某家") == 2
    assert numbered("时间：1.5天") == 0
    p = make_return("冒号.xlsx", {3: problem(description="存在问题：1.房屋漏雨 2.饮水水压不足")})
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [("problems-in-one-row", f"{layout.LETTER['description']}{FIRST + 2}", 3)]


def test_problems_typed_under_the_last_item_are_not_a_second_table(make_return, cl, ros):
    """Half the items' further problems typed under the table (序号 1, 2, …, no item text):
    read as further problems, not dropped as a pasted copy (e638286: table-repeated-changed,
    “表格从第1项起又重复了一遍”, and none of the 33 problems read)."""
    p = make_return("追加在后.xlsx", {})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    k, bottom = len(cl.items) // 2, FIRST + len(cl.items) - 1
    room_below(ws, bottom, k)
    for i in range(k):
        ws[f"B{bottom + 1 + i}"] = i + 1
        for key, v in problem(description=f"问题{i + 1}").items():
            ws[f"{layout.LETTER[key]}{bottom + 1 + i}"] = v
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert not [f for f in fr.findings if f.code.startswith("table-repeated")]
    assert len([r for r in subs[0].rows if r.is_problem]) == k


def test_a_date_cell_alone_above_the_table_in_an_ods(make_return, cl, ros, tmp_path):
    """(sound) the lone date also read from an .ods saved by LibreOffice."""
    p = make_return("日期ods.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][layout.DATE_LABEL_CELL] = None
    wb.save(p)
    q = soffice_convert(p, "ods", tmp_path / "ods")
    fr, subs = validate.validate_return(q, q.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 30)


def test_a_labelled_填报日期_under_the_table_wins_over_an_unlabelled_date_above(
    make_return, cl, ros
):
    p = make_return("两个日期.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["I2"] = None  # the label cleared; a date left alone above the table
    ws[layout.DATE_CELL] = dt.date(2022, 3, 1)
    ws[f"A{FIRST + len(cl.items) + 6}"] = "填报日期：2022年3月29日"  # under the signatures
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []
    assert subs[0].report_date == dt.date(2022, 3, 29)
