"""The fifth tester's list: returns as county clerks and village officials make them, each edit
made with openpyxl and the file re-saved by LibreOffice as xlsx, xls and ods (sorted rows, a
blank column inserted, a two-row header, the ledger copied into a new workbook, columns
deleted, signature cells holding titles, a 是否整改到位 header, the whole sheet pasted below)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, found_in, problem, soffice_convert_all, validate_resaved
from openpyxl.comments import Comment
from openpyxl.worksheet.cell_range import CellRange

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.xlsx import fill

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1
L = layout.LETTER
FORMATS = ("xlsx", "xls", "ods")
SIGN = [layout.sign_rows(66, 3)[i] for i in range(3)]  # 71, 72, 73


def R(n: int) -> int:
    return FIRST + n - 1


def _unmerged(ws) -> list[CellRange]:
    ranges = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for rng in ranges:
        ws.unmerge_cells(rng.coord)
    return ranges


def _row_under_header(ws) -> None:
    """A blank row inserted under the header, the merged blocks below moved down."""
    ranges = _unmerged(ws)
    ws.insert_rows(FIRST)
    for rng in ranges:
        if rng.min_row >= FIRST:
            rng.shift(row_shift=1)
        ws.merge_cells(rng.coord)


def _insert_col(ws, at: int) -> None:
    """A column inserted before column `at` (1-based) as a spreadsheet program does it."""
    ranges = _unmerged(ws)
    ws.insert_cols(at)
    for rng in ranges:
        if rng.min_col >= at:
            rng.shift(col_shift=1)
        elif rng.max_col >= at:
            rng.expand(right=1)
        ws.merge_cells(rng.coord)


def _delete_col(ws, at: int) -> None:
    ranges = _unmerged(ws)
    ws.delete_cols(at)
    for rng in ranges:
        if rng.min_col > at:
            rng.shift(col_shift=-1)
        elif rng.max_col >= at and rng.max_col > rng.min_col:
            rng.expand(right=-1)
        ws.merge_cells(rng.coord)


def _blank_column(ws, wb) -> None:
    _insert_col(ws, 7)  # between 自查问题描述 (F) and 整改措施 (G)


def _sorted(ws, wb) -> None:
    """The table sorted by 是否存在问题 (是 first): merges inside the table undone first."""
    for rng in [r for r in _unmerged(ws) if not FIRST <= r.min_row <= R(66)]:
        ws.merge_cells(rng.coord)
    rows = [[ws.cell(R(n), c).value for c in range(1, 14)] for n in range(1, 67)]
    rows.sort(key=lambda r: r[4] != "是")
    for i, values in enumerate(rows):
        for c, v in enumerate(values, 1):
            ws.cell(FIRST + i, c).value = v


def _column_at_left(ws, wb) -> None:
    _insert_col(ws, 1)


def _rows_on_top(ws, wb) -> None:
    """Two rows inserted above the title, 附件2 typed in the first."""
    ranges = _unmerged(ws)
    ws.insert_rows(1, 2)
    for rng in ranges:
        rng.shift(row_shift=2)
        ws.merge_cells(rng.coord)
    ws["A1"] = "附件2"


def _column_numbers_row(ws, wb) -> None:
    """A 栏次 row under the header numbering the columns 1 2 3 … 13, as official forms do."""
    _row_under_header(ws)
    for c in range(1, 14):
        ws.cell(FIRST, c).value = c


def _two_row_header(ws, wb) -> None:
    """A row inserted under the header: 问题整改情况 merged over 整改措施 … 完成时间."""
    _row_under_header(ws)
    h = layout.ROW_HEADER
    for c in range(1, 14):
        ws.cell(h + 1, c).value = ws.cell(h, c).value
    for c in (*range(1, 7), 13):
        ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
    for c in range(8, 13):
        ws.cell(h, c).value = None
    ws.cell(h, 7).value = "问题整改情况"
    ws.merge_cells(start_row=h, start_column=7, end_row=h, end_column=12)


def _split_yes_no(ws, wb) -> None:
    """是否存在问题 merged over two sub-columns 是 | 否, a √ under one of them (item 7 under
    neither): a column inserted after E and a row under the header."""
    _split(ws, 5, ("是", "否"))
    for n in range(1, 67):
        yes = ws.cell(R(n) + 1, 5).value == "是"
        ws.cell(R(n) + 1, 5).value = "√" if yes else None
        ws.cell(R(n) + 1, 6).value = None if yes or n == 7 else "√"


def _split_kind(ws, wb) -> None:
    """整改类型 merged over 立行立改 | 纳入整改方案: item 3 ticked 立行立改, item 40 both."""
    _split(ws, 8, ("立行立改", "纳入整改方案"))
    ws.cell(R(3) + 1, 8).value = "√"
    ws.cell(R(40) + 1, 8).value = ws.cell(R(40) + 1, 9).value = "√"


def _split(ws, col: int, words: tuple[str, str]) -> None:
    """The header over column col (1-based) split in two sub-columns named words."""
    _insert_col(ws, col + 1)
    _row_under_header(ws)
    h = layout.ROW_HEADER
    for c in range(1, 15):
        if c not in (col, col + 1):
            ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
    ws.merge_cells(start_row=h, start_column=col, end_row=h, end_column=col + 1)
    ws.cell(h + 1, col).value, ws.cell(h + 1, col + 1).value = words


RETYPED = {
    "has_problem": "有无此类问题",
    "description": "发现的问题",
    "measure": "具体整改措施",
    "kind": "立行立改或纳入整改方案",
    "deadline": "计划整改时限",
    "owner": "责任人姓名",
    "result": "完成情况",
    "done_date": "实际整改完成时间",
}


def _headers_retyped(ws, wb) -> None:
    for key, head in RETYPED.items():
        ws[f"{L[key]}{layout.ROW_HEADER}"] = head


def _yes_no_header_unknown(ws, wb) -> None:
    ws[f"{L['has_problem']}{layout.ROW_HEADER}"] = "自查情况"
    ws[f"{L['measure']}{R(3)}"] = None


def _under_the_note(ws, wb) -> None:
    """A row inserted between the printed 注 line and the signatures, for a second problem
    of 第66项 (the first signature row right-clicked, 插入行)."""
    note = R(66) + 1
    ranges = _unmerged(ws)
    ws.insert_rows(note + 1)
    for rng in ranges:
        if rng.min_row > note:
            rng.shift(row_shift=1)
        ws.merge_cells(rng.coord)
    for key, v in problem(description="五保户房屋漏雨").items():
        ws[f"{L[key]}{note + 1}"] = v
    ws[f"B{note + 1}"] = 66


def _short_sub_headers(ws, wb) -> None:
    """整改情况 over sub-headers in short words: 措施 类型 时限 责任人 结果 时间."""
    _two_row_header(ws, wb)
    ws.cell(layout.ROW_HEADER, 7).value = "整改情况"
    for c, word in enumerate(("措施", "类型", "时限", "责任人", "结果", "时间"), 7):
        ws.cell(layout.ROW_HEADER + 1, c).value = word


def _new_workbook(ws, wb) -> None:
    """The ledger pasted into a new workbook: sheet Sheet1, no 填报说明, no metadata."""
    for name in wb.sheetnames:
        if name != ws.title:
            del wb[name]
    ws.title = "Sheet1"


def _signer_titles(ws, wb) -> None:
    ws[f"D{SIGN[0]}"], ws[f"D{SIGN[1]}"], ws[f"D{SIGN[2]}"] = "组长", "第一书记", "村支部书记："


def _result_header(ws, wb) -> None:
    ws[f"{L['result']}{layout.ROW_HEADER}"] = "是否整改到位"
    ws[f"{L['result']}{R(40)}"] = "整改中"


def _del_measure(ws, wb) -> None:
    _delete_col(ws, 7)


def _del_owner(ws, wb) -> None:
    _delete_col(ws, 10)


def _del_deadline(ws, wb) -> None:
    _delete_col(ws, 9)


def _del_description(ws, wb) -> None:
    _delete_col(ws, 6)


def _paste_sheet_below(src: Path):
    """The whole of another filled sheet (title to signatures) pasted under the signatures."""

    def edit(ws, wb) -> None:
        other = openpyxl.load_workbook(src)[layout.SHEET_LEDGER]
        off = 76
        for row in other.iter_rows():
            for c in row:
                if c.value is not None:
                    ws.cell(c.row + off, c.column).value = c.value
        for m in other.merged_cells.ranges:
            ws.merge_cells(
                start_row=m.min_row + off,
                start_column=m.min_col,
                end_row=m.max_row + off,
                end_column=m.max_col,
            )

    return edit


def _words(ws, wb) -> None:
    """是。/否。, full-width spaces around 是/否, 没有, 无, 有问题; dates as text 2022.4.20."""
    for n, w in {5: "否。", 6: "否\u3000", 7: "没有", 8: "无", 9: "Ｎ"}.items():
        ws[f"E{R(n)}"] = w
    for n, w in {10: "是。", 11: "\u3000是", 12: "有问题"}.items():
        for key, v in problem(has_problem=w).items():
            ws[f"{L[key]}{R(n)}"] = v
    ws[f"I{R(10)}"], ws[f"L{R(10)}"] = "2022.4.20", "2022.3.28"


def _deadline_words(ws, wb) -> None:
    for n, d in {10: "2026年4月底", 11: "4月30日前", 12: "立行立改", 13: "长期坚持"}.items():
        for key, v in problem(deadline=d).items():
            ws[f"{L[key]}{R(n)}"] = v
    ws[f"H{R(13)}"], ws[f"K{R(13)}"], ws[f"L{R(13)}"] = "纳入整改方案", "正在整改", None
    ws[layout.DATE_CELL] = "2026.3.28"  # the year typed wrong: a warning


def _looks(ws, wb) -> None:
    """Columns and 否 rows hidden, a filter left on, panes frozen elsewhere, notes on cells."""
    ws.column_dimensions["H"].hidden = True
    ws.column_dimensions["M"].hidden = True
    ws.auto_filter.ref = f"A{layout.ROW_HEADER}:M{R(66)}"
    ws.auto_filter.add_filter_column(4, ["是"])
    for n in range(1, 67):
        if n not in (3, 40):
            ws.row_dimensions[R(n)].hidden = True
    ws.freeze_panes = "F5"
    ws[f"E{R(3)}"].comment = Comment("请核实", "张三")
    ws[layout.DATE_CELL].comment = Comment("3月30日填", "王")
    for n in range(1, 67):
        ws[f"B{R(n)}"] = str(n)  # 序号 as text


ANSWERS = {
    3: problem(owner=None),
    40: problem(
        measure=None,
        kind="纳入整改方案",
        deadline=dt.date(2022, 12, 31),
        result="正在整改",
        done_date=None,
    ),
}
COMPLETE = {3: problem(), 40: problem(result="正在整改", done_date=None)}


# the variants a defect was found in, read as xlsx, xls and ods
EVERY_FORMAT = {
    "签字栏写职务", "是否整改到位", "删整改措施", "删责任人", "删整改期限", "删问题描述",
    "整张表贴在下面", "别村的表贴在下面", "是否分两列", "类型分两列", "注下插入行", "子表头简写", "栏次行", "表头改写", "是否表头认不出",
}  # fmt: skip


@pytest.fixture(scope="module")
def resaved(tmp_path_factory, cl, ros, blank_ledgers) -> dict[str, Path]:
    """Each edit made to a filled return of 大马村, then the file re-saved by LibreOffice as
    xlsx, xls and ods (one LibreOffice run per format): name.fmt → path."""
    d = tmp_path_factory.mktemp("resaved6")
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))

    def filled(name: str, answers: dict, village: int = 0) -> Path:
        p = d / "src" / f"{name}.xlsx"
        p.parent.mkdir(exist_ok=True)
        blank = blank_ledgers[ros.villages[village].code]
        fill.fill_ledger(
            blank, p, answers, default=NO, report_date=dt.date(2022, 3, 30), signers=signers
        )
        return p

    same = filled("同一份", COMPLETE)
    other = filled("王庄村", {5: problem()}, village=1)
    edits = {
        "插入空列": (_blank_column, ANSWERS),
        "排序": (_sorted, ANSWERS),
        "两行表头": (_two_row_header, ANSWERS),
        "左侧插列": (_column_at_left, ANSWERS),
        "上方插行": (_rows_on_top, ANSWERS),
        "栏次行": (_column_numbers_row, ANSWERS),
        "新工作簿": (_new_workbook, ANSWERS),
        "是否分两列": (_split_yes_no, COMPLETE),
        "类型分两列": (_split_kind, COMPLETE),
        "注下插入行": (_under_the_note, COMPLETE),
        "子表头简写": (_short_sub_headers, COMPLETE),
        "表头改写": (_headers_retyped, COMPLETE),
        "是否表头认不出": (_yes_no_header_unknown, COMPLETE),
        "签字栏写职务": (_signer_titles, COMPLETE),
        "是否整改到位": (_result_header, COMPLETE),
        "删整改措施": (_del_measure, COMPLETE),
        "删责任人": (_del_owner, COMPLETE),
        "删整改期限": (_del_deadline, COMPLETE),
        "删问题描述": (_del_description, COMPLETE),
        "整张表贴在下面": (_paste_sheet_below(same), COMPLETE),
        "别村的表贴在下面": (_paste_sheet_below(other), COMPLETE),
        "是否的写法": (_words, COMPLETE),
        "期限的写法": (_deadline_words, COMPLETE),
        "隐藏筛选冻结批注": (_looks, COMPLETE),
    }
    srcs = []
    for name, (edit, answers) in edits.items():
        p = filled(name, answers)
        wb = openpyxl.load_workbook(p)
        edit(wb[layout.SHEET_LEDGER], wb)
        wb.save(p)
        srcs.append(p)
    out = {}
    for fmt in FORMATS:  # the layouts that passed already: through xlsx only
        some = srcs if fmt == "xlsx" else [p for p in srcs if p.stem in EVERY_FORMAT]
        for p in soffice_convert_all(some, fmt, d / fmt):
            out[p.name] = p
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_signature_cells_holding_only_the_signers_titles_are_no_names(resaved, cl, ros, fmt):
    """组长, 第一书记, 村支部书记： typed where the names go (the labels again): no one signed
    (were taken as three names, accepted)."""
    fr, subs = validate_resaved(resaved, "签字栏写职务", fmt, cl, ros)
    assert found_in(fr) == [("signer-missing", f"D{r}", None) for r in SIGN]
    assert not subs[0].accepted
    assert "“第一书记”姓名未填写" in fr.findings[1].message


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_是否整改到位_header_is_the_整改结果_column(resaved, cl, ros, fmt):
    """The notice's 是否整改到位 typed as the 整改结果 header, answered 已整改 / 整改中: read
    (was column-missing and a result-missing “为空” without a cell for each problem)."""
    fr, subs = validate_resaved(resaved, "是否整改到位", fmt, cl, ros)
    assert found_in(fr) == []
    got = {r.no: r.result for r in subs[0].rows if r.is_problem}
    assert got == {3: "已整改", 40: "正在整改"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("name", "header"),
    [("删整改措施", "整改措施"), ("删责任人", "责任人"), ("删整改期限", "整改期限"),
     ("删问题描述", "自查问题描述")],
)  # fmt: skip
def test_a_deleted_column_is_said_once_not_empty_in_every_problem(
    resaved, cl, ros, fmt, name, header
):
    """A column deleted: column-missing says it; each problem row is not also told its cell
    in that column is empty (it has no cell; was e.g. measure-missing without a cell)."""
    fr, subs = validate_resaved(resaved, name, fmt, cl, ros)
    assert found_in(fr) == [("column-missing", "", None)]
    assert fr.findings[0].value == header
    assert not subs[0].accepted


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_whole_sheet_pasted_under_the_signatures_is_a_repeated_table(resaved, cl, ros, fmt):
    """The whole sheet (title, header, 66 items, signatures) copied and pasted under the
    signatures, unchanged: read once, said once at its first item (was row-below-table at
    B80, refused, telling the village to move 第1项 into the table)."""
    fr, subs = validate_resaved(resaved, "整张表贴在下面", fmt, cl, ros)
    assert found_in(fr) == [("table-repeated", "B80", None)]
    assert subs[0].accepted
    assert [r.no for r in subs[0].rows if r.is_problem] == [3, 40]
    assert len(subs[0].rows) == 66


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_village_s_sheet_pasted_under_the_signatures_is_refused_as_such(
    resaved, cl, ros, fmt
):
    """王庄村's filled sheet pasted under 大马村's signatures: two tables that differ, keep
    one (was row-below-table at B80: move 第1项 into the table)."""
    fr, subs = validate_resaved(resaved, "别村的表贴在下面", fmt, cl, ros)
    assert found_in(fr) == [("table-repeated-changed", "B80", None)]
    assert (fr.village, [r.no for r in subs[0].rows if r.is_problem]) == ("大马村", [3, 40])


@pytest.mark.parametrize("fmt", FORMATS)
def test_是否存在问题_split_into_是_and_否_columns_with_a_tick_is_read(resaved, cl, ros, fmt):
    """是否存在问题 merged over 是 | 否, √ under one: a √ under 否 reads 否 (was 65
    has-problem-blank, one per item ticked 否); an item ticked in neither is still said."""
    fr, subs = validate_resaved(resaved, "是否分两列", fmt, cl, ros)
    assert found_in(fr) == [("has-problem-ticks", f"E{R(7) + 1}", 7)]  # 两栏都没有打勾
    got = {r.no: r.has_problem for r in subs[0].rows}
    assert got == {n: "是" if n in (3, 40) else None if n == 7 else "否" for n in range(1, 67)}


@pytest.mark.parametrize("fmt", FORMATS)
def test_整改类型_split_into_its_two_answers_with_a_tick_is_read(resaved, cl, ros, fmt):
    """整改类型 merged over 立行立改 | 纳入整改方案: √ under 立行立改 reads 立行立改 (was
    kind-invalid “√”); both ticked is said as such (was kind-invalid “√” too)."""
    fr, subs = validate_resaved(resaved, "类型分两列", fmt, cl, ros)
    assert found_in(fr) == [("kind-invalid", f"H{R(40) + 1}", 40)]
    assert fr.findings[0].value == "立行立改、纳入整改方案"
    assert {r.no: r.kind for r in subs[0].rows if r.is_problem} == {3: "立行立改", 40: None}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_problem_inserted_between_the_note_and_the_signatures_is_read(resaved, cl, ros, fmt):
    """A second problem of 第66项 inserted under the printed 注 line, above the signatures:
    a further problem of the item (was row-below-table “在表格以下（签字栏下方）”, refused)."""
    fr, subs = validate_resaved(resaved, "注下插入行", fmt, cl, ros)
    assert found_in(fr) == []
    got = [(r.no, r.description, r.row) for r in subs[0].rows if r.no == 66]
    assert got == [(66, None, R(66)), (66, "五保户房屋漏雨", R(66) + 2)]
    assert subs[0].accepted


@pytest.mark.parametrize("fmt", FORMATS)
def test_sub_headers_in_short_words_under_a_group_name_are_read(resaved, cl, ros, fmt):
    """整改情况 (a name of 整改结果) merged over 措施 类型 时限 责任人 结果 时间: the
    sub-headers name the columns; only 时间 (期限 or 完成时间?) is not read (was five
    column-missing and the 整改措施 read as an invalid 整改结果)."""
    fr, subs = validate_resaved(resaved, "子表头简写", fmt, cl, ros)
    assert found_in(fr) == [("column-missing", "", None)]
    assert fr.findings[0].value == "完成时间"
    row = next(r for r in subs[0].rows if r.no == 40)
    got = (row.measure, row.kind, row.deadline, row.owner, row.result)
    assert got == ("逐户核实更新", "立行立改", dt.date(2022, 4, 20), "张三", "正在整改")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_row_numbering_the_columns_under_the_header_is_no_item(resaved, cl, ros, fmt):
    """1 2 3 … 13 under the header (a form's 栏次 row): skipped; the findings are the rows'
    own, one row lower (was read as 第2项: item-text-altered “4”, has-problem-invalid “5”)."""
    fr, subs = validate_resaved(resaved, "栏次行", fmt, cl, ros)
    assert found_in(fr) == [("measure-missing", f"G{R(40) + 1}", 40), ("owner-missing", "J7", 3)]
    assert len(subs[0].rows) == 66


@pytest.mark.parametrize("fmt", FORMATS)
def test_headers_as_clerks_retype_them_are_read(resaved, cl, ros, fmt):
    """有无此类问题, 发现的问题, 具体整改措施, 立行立改或纳入整改方案, 计划整改时限,
    责任人姓名, 完成情况, 实际整改完成时间 (was a column-missing for each)."""
    fr, subs = validate_resaved(resaved, "表头改写", fmt, cl, ros)
    assert found_in(fr) == []
    row = next(r for r in subs[0].rows if r.no == 40)
    assert (row.has_problem, row.kind, row.result, row.owner) == (
        "是",
        "立行立改",
        "正在整改",
        "张三",
    )
    assert (row.deadline, row.measure) == (dt.date(2022, 4, 20), "逐户核实更新")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_是否存在问题_header_past_recognition_is_said_once(resaved, cl, ros, fmt):
    """The 是否存在问题 header typed as 自查情况: column-missing once, the problems read from
    their descriptions as in the notice's table (was 66 has-problem-blank without a cell)."""
    fr, subs = validate_resaved(resaved, "是否表头认不出", fmt, cl, ros)
    assert found_in(fr) == [("column-missing", "E3", None), ("measure-missing", f"G{R(3)}", 3)]
    assert [r.no for r in subs[0].rows if r.is_problem] == [3, 40]


# Passed already; kept: the cells named where the village's own layout puts them.
@pytest.mark.parametrize("fmt", ["xlsx"])
@pytest.mark.parametrize(
    ("name", "cells"),
    [
        ("插入空列", ("K6", "H43")),  # a column between F and G: G… shift right
        ("排序", ("J4", "G5")),  # sorted by 是否存在问题: items 3 and 40 on rows 4, 5
        ("两行表头", ("J7", "G44")),  # one row more above the items
        ("新工作簿", ("J6", "G43")),  # Sheet1 of a new workbook, no metadata
        ("左侧插列", ("K6", "H43")),  # a column inserted before 类别
        ("上方插行", ("J8", "G45")),  # two rows above the title
    ],
)
def test_findings_name_the_cells_of_an_edited_layout(resaved, cl, ros, fmt, name, cells):
    fr, subs = validate_resaved(resaved, name, fmt, cl, ros)
    assert found_in(fr) == [("measure-missing", cells[1], 40), ("owner-missing", cells[0], 3)]
    assert (fr.village, fr.village_code) == ("大马村", "411024103201")
    assert len(subs[0].rows) == 66


@pytest.mark.parametrize("fmt", ["xlsx"])
def test_yes_and_no_as_typed_with_stops_and_full_width_spaces_are_read(resaved, cl, ros, fmt):
    fr, subs = validate_resaved(resaved, "是否的写法", fmt, cl, ros)
    assert found_in(fr) == []
    got = {r.no: r.has_problem for r in subs[0].rows if 5 <= r.no <= 12}
    assert got == {5: "否", 6: "否", 7: "否", 8: "否", 9: "否", 10: "是", 11: "是", 12: "是"}
    row10 = next(r for r in subs[0].rows if r.no == 10)
    assert (row10.deadline, row10.done_date) == (dt.date(2022, 4, 20), dt.date(2022, 3, 28))


@pytest.mark.parametrize("fmt", ["xlsx"])
def test_deadlines_as_clerks_word_them(resaved, cl, ros, fmt):
    """2026年4月底 for 立行立改: past the end; 4月30日前: 2022-04-30; 立行立改 typed as the
    deadline: not a date; 长期坚持 of a 纳入整改方案: allowed; 填报日期 2026.3.28: a warning."""
    fr, subs = validate_resaved(resaved, "期限的写法", fmt, cl, ros)
    assert found_in(fr) == [
        ("deadline-after-campaign", f"I{R(10)}", 10),
        ("deadline-invalid", f"I{R(12)}", 12),
        ("report-date-out-of-campaign", "K2", None),
    ]
    assert next(r.deadline for r in subs[0].rows if r.no == 11) == dt.date(2022, 4, 30)


@pytest.mark.parametrize("fmt", ["xlsx"])
def test_hidden_columns_and_rows_a_filter_frozen_panes_and_notes_change_nothing(
    resaved, cl, ros, fmt
):
    fr, subs = validate_resaved(resaved, "隐藏筛选冻结批注", fmt, cl, ros)
    assert found_in(fr) == []
    assert [r.no for r in subs[0].rows if r.is_problem] == [3, 40]
    assert len(subs[0].rows) == 66


def test_a_file_named_after_a_village_two_townships_share_is_said_on_another_s_ledger(
    make_return, cl, ros
):
    """大马村's ledger (metadata, 填报单位) filled and sent as 王庄村.xlsx: whichever 王庄村
    sent it, the return counts for 大马村; said as for a file named after one other village
    (was silent: a name two townships share matched no one)."""
    p = make_return("王庄村.xlsx", {3: problem()})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("identity-conflict", "", None)]
    assert fr.findings[0].message == (
        "“整改台账”表：文件名显示为“王庄村”，台账元数据显示为"
        "“鄢陵县陈化店镇大马村”，以 台账元数据（鄢陵县陈化店镇大马村） 为准，请核对是否用错了台账。"
    )
    assert (fr.village, subs[0].accepted) == ("大马村", True)
    own = make_return("王庄村 (1).xlsx", {3: problem()}, village=4)  # 望田镇's own ledger
    fr, _ = validate.validate_return(own, own.name, cl, ros)
    assert (found_in(fr), fr.township, fr.village) == ([], "望田镇", "王庄村")


def test_an_extra_column_after_是否存在问题_answered_无_is_no_split_choice(make_return, cl, ros):
    """A column inserted after 是否存在问题 (no header), 无 typed in it on 第1项's row: the
    first item's answers (否 | 无) are no row of sub-headers 是 | 否; every item is read."""
    p = make_return("多一列.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    _insert_col(ws, 6)
    ws[f"F{R(1)}"] = "无"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == []
    assert [r.no for r in subs[0].rows if r.is_problem] == [3]
    assert len(subs[0].rows) == 66


def test_problems_enumerated_一是_二是_in_one_cell_are_said(make_return, cl, ros):
    """一是…；二是…, 一、… 二、… and （一）…（二）… in one 自查问题描述 (the 公文 way to
    enumerate): said as several problems in one row, as 1.… 2.… is (was silent); 统一是 and
    一户 are no numbering."""
    p = make_return(
        "一是二是.xlsx",
        {
            3: problem(description="一是3户信息未更新；二是明白卡未张贴"),
            4: problem(description="一、档案不全。二、会议记录缺失"),
            5: problem(description="（一）信息未更新（二）明白卡未张贴（三）未公示"),
            6: problem(description="一户信息未更新，已统一是标准"),
        },
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert found_in(fr) == [("problems-in-one-row", f"F{R(n)}", n) for n in (3, 4, 5)]
    assert [f.value for f in fr.findings] == ["2", "2", "3"]
    assert subs[0].accepted
