"""The third tester's list, mended: one line for many missing items, a value typed over two
lines, 序号 3.1 under an item, a weekday after the 填报日期."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import problem

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.numerals import number_runs

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1


def _found(fr):
    return sorted((f.code, f.cell, f.item) for f in fr.findings)


def _clear_items(p, items):
    """Clear the rows of the given items (as a clerk clears the 否 rows)."""
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for no in items:
        for cell in ws[FIRST + no - 1]:
            if cell.__class__.__name__ == "Cell":  # not a merged block's hidden cell
                cell.value = None
    wb.save(p)


def test_number_runs():
    assert number_runs([1, 2, 4, 5, 6, 9]) == "1—2、4—6、9"
    assert number_runs([7]) == "7"
    assert number_runs([45, 3, 4]) == "3—4、45"  # sorted: an item a revision added sits anywhere
    assert number_runs(list(range(1, 67))) == "1—66"


def test_only_the_是_rows_kept_is_said_once_not_64_times(make_return, cl, ros):
    p = make_return("只留有问题的行.xlsx", {3: problem(), 40: problem()})
    _clear_items(p, [n for n in range(1, 67) if n not in (3, 40)])
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    missing = [f for f in fr.findings if f.code == "item-missing"]
    assert [(f.item, f.cell, f.value) for f in missing] == [(None, "", "1—2、4—39、41—66")]
    assert missing[0].message.endswith(
        "缺少第 1—2、4—39、41—66 项（共64项；没有问题的项也须逐行填“否”），"
        "66 项须逐项填报，请补上。"
    )
    assert not subs[0].accepted


def test_three_items_missing_are_said_item_by_item(make_return, cl, ros):
    p = make_return("少三行.xlsx", {3: problem()})
    _clear_items(p, [10, 20, 30])
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [
        ("item-missing", "", 10),
        ("item-missing", "", 20),
        ("item-missing", "", 30),
    ]
    f = next(f for f in fr.findings if f.item == 20)
    assert f.message.endswith("缺少第 20 项，66 项须逐项填报，请补上。")


def test_a_value_typed_over_two_lines_is_one_line_in_the_message(make_return, cl, ros):
    p = make_return("换行.xlsx", {3: problem(deadline="2022.4.20\n（已完成）")})
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    cell = f"{layout.LETTER['deadline']}{FIRST + 2}"
    assert [(f.code, f.cell) for f in fr.findings] == [("deadline-invalid", cell)]
    assert "\n" not in fr.findings[0].message
    assert "“2022.4.20 （已完成）”" in fr.findings[0].message
    assert fr.findings[0].value == "2022.4.20\n（已完成）"  # kept as written


def test_序号_3_1_and_3_2_under_item_3_are_its_further_problems(make_return, cl, ros):
    second = problem(description="第二个问题")
    third = problem(description="第三个问题")
    p = make_return("序号小数.xlsx", {3: [problem(), second, third]})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws[f"A{FIRST + 3}"] = "3.1"  # as text
    ws[f"A{FIRST + 4}"] = 3.2  # as a number
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    got = [(r.no, r.seq, r.description) for r in subs[0].rows if r.is_problem]
    assert got == [(3, 1, "部分监测户信息未更新"), (3, 2, "第二个问题"), (3, 3, "第三个问题")]


def test_a_weekday_after_the_填报日期_is_read(make_return, cl, ros):
    p = make_return("星期.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][layout.DATE_CELL] = "2022年3月30日（星期三）"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 30)


def test_a_ledger_whose_序号_column_was_deleted_is_told_so_not_called_no_ledger(
    make_return, cl, ros
):
    p = make_return("删了序号列.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for rng in list(ws.merged_cells.ranges):  # as a spreadsheet program does before the delete
        ws.unmerge_cells(str(rng))
    ws.delete_cols(2)  # B: 序号
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.sheet, f.cell, f.value) for f in fr.findings] == [
        ("column-missing", layout.SHEET_LEDGER, f"A{layout.ROW_HEADER}", "序号")
    ]
    assert "表头缺少“序号”列" in fr.findings[0].message
    assert subs == []
    # a sheet with no ledger header at all is still not-a-ledger
    q = make_return("别的表.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(q)
    ws = wb[layout.SHEET_LEDGER]
    for row in ws.iter_rows():
        for cell in row:
            if cell.__class__.__name__ == "Cell":
                cell.value = None
    wb.save(q)
    fr, _ = validate.validate_return(q, q.name, cl, ros)
    assert [f.code for f in fr.findings] == ["not-a-ledger"]


def room_below(ws, bottom: int, k: int) -> None:
    """k empty rows under row bottom (the notes and signatures moved down, merges too)."""
    below = [r for r in ws.merged_cells.ranges if r.min_row > bottom]
    for rng in below:
        ws.unmerge_cells(str(rng))
    ws.move_range(f"A{bottom + 1}:M{ws.max_row}", rows=k)
    for rng in below:
        rng.shift(row_shift=k)
        ws.merge_cells(rng.coord)


def _paste_table_twice(p, n_items, change=None):
    """The items' rows copied, merges and all, right under the last item (the notes and
    signatures moved down), as a clerk pastes the whole table again; change: {cell: value}
    typed into the copy."""
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    top, bottom = FIRST, FIRST + n_items - 1
    room_below(ws, bottom, n_items)
    for rng in [r for r in ws.merged_cells.ranges if top <= r.min_row <= bottom]:
        ws.merge_cells(
            start_row=rng.min_row + n_items, end_row=rng.max_row + n_items,
            start_column=rng.min_col, end_column=rng.max_col,
        )  # fmt: skip
    for r in range(top, bottom + 1):
        for c in range(1, 14):
            src = ws.cell(r, c)
            if src.__class__.__name__ == "Cell" and src.value is not None:
                ws.cell(r + n_items, c).value = src.value
    for cell, value in (change or {}).items():
        ws[cell] = value
    wb.save(p)


def test_the_table_pasted_twice_is_read_once(make_return, cl, ros):
    p = make_return("贴了两遍.xlsx", {3: problem(), 40: problem()})
    _paste_table_twice(p, len(cl.items))
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    again = f"B{FIRST + len(cl.items)}"
    assert [(f.code, f.cell, f.severity) for f in fr.findings] == [
        ("table-repeated", again, "warning")
    ]
    assert fr.findings[0].message.endswith(
        f"自第{FIRST + len(cl.items)}行起，表格从第1项起又重复了一遍，与上面完全相同，"
        "重复部分未读取；请删除重复的部分。"
    )
    assert subs[0].accepted
    assert len(subs[0].rows) == len(cl.items)
    assert [r.no for r in subs[0].rows if r.is_problem] == [3, 40]


def test_the_table_pasted_twice_with_other_answers_is_refused(make_return, cl, ros):
    p = make_return("贴了两遍改过.xlsx", {3: problem(), 40: problem()})
    second_40 = FIRST + len(cl.items) + 39
    _paste_table_twice(p, len(cl.items), {f"{layout.LETTER['result']}{second_40}": "正在整改"})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    again = f"B{FIRST + len(cl.items)}"
    assert [(f.code, f.cell, f.severity) for f in fr.findings] == [
        ("table-repeated-changed", again, "error")
    ]
    assert not subs[0].accepted


def test_several_problems_numbered_in_one_cell_are_said(make_return, cl, ros):
    p = make_return(
        "一格多个问题.xlsx",
        {
            3: problem(description="1.房屋漏雨未维修\n2.饮水水压不足"),
            4: problem(description="①危房1户②饮水不安全1户③未落实帮扶措施"),
            5: problem(description="资金1.5万元未拨付，共3、4户未核实"),
        },
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    letter = layout.LETTER["description"]
    assert [(f.code, f.cell, f.value) for f in fr.findings] == [
        ("problems-in-one-row", f"{letter}{FIRST + 2}", "2"),
        ("problems-in-one-row", f"{letter}{FIRST + 3}", "3"),
    ]
    assert subs[0].accepted  # a warning: counted as one problem each, as written
    assert sum(r.is_problem for r in subs[0].rows) == 3
