"""是否存在问题 split by the clerk into two ticked sub-columns 是 | 否 (有 | 无, 存在 | 不存在):
a column inserted after it, its header merged over both, a sub-header row below, one tick
per item. Read as the printed ledger's 是 / 否 (read/split.py); both ticked, neither, or a
mark that is no tick are said at the cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import needs_soffice, problem, soffice_convert
from openpyxl.worksheet.cell_range import CellRange

from dapaicha import layout
from dapaicha.app import merge, validate
from dapaicha.read import reader
from dapaicha.store import query
from dapaicha.xlsx import excel, feedback

PROBLEMS = (3, 10, 40)  # the items answered 是; the other 63 are 否
YES_C, NO_C = "E", "F"  # the two sub-columns; every column after them moves one right


def at(no: int) -> int:
    """Excel row of item no once the sub-header row is inserted (row 4)."""
    return layout.ROW_FIRST_ITEM + 1 + no - 1


def split_return(
    src: Path,
    dst: Path,
    *,
    tick: Any = "√",
    off: Any = None,
    words: tuple[str, str] = ("是", "否"),
    rows: dict[int, tuple[Any, Any]] | None = None,
    merge_header: bool = True,
) -> Path:
    """A filled return edited as a clerk splits its 是否存在问题 column: column F inserted,
    E3:F3 merged, the other headers merged over rows 3:4, sub-header words in E4 · F4, and
    each item's 是/否 turned into `tick` under its word (`off` in the other sub-column);
    rows: item → (E, F) typed instead."""
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    ws.protection.sheet = False
    ws.data_validations.dataValidation = []  # the 是/否 drop-down, no longer fitting
    ranges = [CellRange(str(r)) for r in ws.merged_cells.ranges]
    for rng in ranges:
        ws.unmerge_cells(rng.coord)
    ws.insert_cols(6)
    ws.insert_rows(4)
    for rng in ranges:
        if rng.min_row >= 4:
            rng.shift(row_shift=1)
        if rng.min_col >= 6:
            rng.shift(col_shift=1)
        elif rng.max_col >= 6:
            rng.expand(right=1)
        ws.merge_cells(rng.coord)
    if merge_header:
        ws.merge_cells("E3:F3")
    for c in range(1, ws.max_column + 1):
        if c not in (5, 6) and ws.cell(3, c).value:
            ws.merge_cells(start_row=3, end_row=4, start_column=c, end_column=c)
    ws["E4"], ws["F4"] = words
    for no in range(1, 67):
        r = at(no)
        yes = ws[f"E{r}"].value == "是"
        e, f = (tick, off) if yes else (off, tick)
        e, f = (rows or {}).get(no, (e, f))
        ws[f"E{r}"], ws[f"F{r}"] = e, f
    wb.save(dst)
    return dst


@pytest.fixture
def filled(make_return, tmp_path) -> Path:
    """A complete return: items 3, 10 and 40 with a problem each, the rest 否."""
    answers = {3: problem(), 10: problem(owner="李四"), 40: problem(description="档案缺页")}
    return make_return("填好.xlsx", answers, folder=tmp_path / "src")


def _found(path: Path, cl, ros) -> tuple[list[tuple[str, str, int | None]], list]:
    fr, subs = validate.validate_return(path, path.name, cl, ros)
    return sorted((f.code, f.cell, f.item) for f in fr.findings), subs


def _answers(path: Path, cl) -> dict[int, Any]:
    """Item → the 是否存在问题 the reader gives the rules."""
    ret, found = reader.read(path, yes_no=cl.vocabularies.yes_no.lookup)
    assert ret is not None and found == []
    return {int(tr.no_raw): tr.values["has_problem"] for tr in ret.rows}


def _problems(subs) -> list[tuple[int, str | None, str | None]]:
    (sub,) = subs
    return [(r.no, r.description, r.cells["description"]) for r in sub.rows if r.is_problem]


def _expected_answers() -> dict[int, str]:
    return {no: "是" if no in PROBLEMS else "否" for no in range(1, 67)}


def test_all_ticked_read_as_the_answers(filled, tmp_path, cl, ros):
    p = split_return(filled, tmp_path / "勾选.xlsx")
    assert _answers(p, cl) == _expected_answers()
    found, subs = _found(p, cl, ros)
    assert found == []
    (sub,) = subs
    assert sub.accepted and len(sub.rows) == 66
    assert [r.no for r in sub.rows if r.has_problem == "否"] == [
        n for n in range(1, 67) if n not in PROBLEMS
    ]
    assert _problems(subs) == [
        (3, "部分监测户信息未更新", f"G{at(3)}"),
        (10, "部分监测户信息未更新", f"G{at(10)}"),
        (40, "档案缺页", f"G{at(40)}"),
    ]
    assert sub.rows[2].cells["has_problem"] == f"E{at(3)}"


def test_validate_and_store_count_the_ticked_problems(filled, tmp_path, cl, ros):
    folder = tmp_path / "returns"
    folder.mkdir()
    split_return(filled, folder / "勾选.xlsx")
    rep, _ = validate.validate_folder(folder, cl, ros)
    assert rep.valid and [(f.file, f.status, f.errors) for f in rep.files] == [
        ("勾选.xlsx", "通过", 0)
    ]
    db = tmp_path / "s.sqlite"
    res = merge.run(folder, cl, ros, db, period=1, out=tmp_path / "合并.xlsx")
    assert res.added == 1 and res.rejected == 0
    frames = query.period_frames(db, 1, depth=0)
    assert sorted(frames.problems["no"]) == [3, 10, 40]  # 3 problems: 63 items 否


@pytest.mark.parametrize(
    ("tick", "off"),
    [("✓", None), (1, None), (1, 0), ("✔", "×"), ("√", "x"), ("●", None), ("○", None)],
)
def test_other_tick_marks(filled, tmp_path, cl, ros, tick, off):
    """✓ ✔ ● ○ and 1 tick; 0, × and x in the other sub-column cross it out."""
    p = split_return(filled, tmp_path / "勾选.xlsx", tick=tick, off=off)
    assert _answers(p, cl) == _expected_answers()
    found, subs = _found(p, cl, ros)
    assert found == []
    assert [no for no, _, _ in _problems(subs)] == list(PROBLEMS)


def test_both_ticked_and_neither(filled, tmp_path, cl, ros):
    rows = {7: ("√", "√"), 12: (None, None), 10: ("√", "√")}
    p = split_return(filled, tmp_path / "勾选.xlsx", rows=rows)
    found, subs = _found(p, cl, ros)
    assert found == [
        ("has-problem-ticks", f"E{at(7)}", 7),
        ("has-problem-ticks", f"E{at(10)}", 10),
        ("has-problem-ticks", f"E{at(12)}", 12),
    ]
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    said = {f.item: f.message for f in fr.findings}
    assert said[7].endswith(
        "“是否存在问题”分两栏勾选，“是”“否”两栏都打了勾；请只在其中一栏打“√”，另一栏留空。"
    )
    assert said[12].endswith(
        "“是否存在问题”分两栏勾选，“是”“否”两栏都没有打勾；请只在其中一栏打“√”，另一栏留空。"
    )
    (sub,) = subs
    assert not sub.accepted
    by_no = {r.no: r.has_problem for r in sub.rows}
    assert (by_no[7], by_no[10], by_no[12], by_no[3], by_no[8]) == (None, None, None, "是", "否")
    assert [no for no, _, _ in _problems(subs)] == [3, 40]  # 10's answer is not guessed


def test_marks_that_are_no_tick(filled, tmp_path, cl, ros):
    """A cross alone, or the other answer's word typed under a sub-column, is said there;
    a cross beside a tick, or the sub-column's own word, reads."""
    rows = {
        5: (None, "×"),  # only crossed: could be 否 or a western tick
        6: ("×", None),  # 是 crossed out: not guessed as 否
        8: ("否", None),  # the answer typed in the wrong sub-column
        9: (None, "否"),  # the sub-column's own word: 否
        11: ("x", "√"),  # crossed 是, ticked 否: 否
        13: (None, "好"),  # a mark read as neither
    }
    p = split_return(filled, tmp_path / "勾选.xlsx", rows=rows)
    found, subs = _found(p, cl, ros)
    assert found == [
        ("has-problem-ticks", f"E{at(6)}", 6),
        ("has-problem-ticks", f"E{at(8)}", 8),
        ("has-problem-ticks", f"F{at(13)}", 13),
        ("has-problem-ticks", f"F{at(5)}", 5),
    ]
    by_no = {r.no: r.has_problem for r in subs[0].rows}
    assert (by_no[9], by_no[11], by_no[5], by_no[6], by_no[8], by_no[13]) == (
        "否", "否", None, None, None, None
    )  # fmt: skip
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    said = {f.item: f.message.split("：", 1)[1] for f in fr.findings}
    assert said[5] == (
        "“是否存在问题”分两栏勾选，只在“否”栏填了“×”，看不出选的是哪一栏；"
        "请只在其中一栏打“√”，另一栏留空。"
    )
    assert said[8] == (
        "“是否存在问题”分两栏勾选，“是”栏填了“否”，不是勾选符号；请只在其中一栏打“√”，另一栏留空。"
    )


@pytest.mark.parametrize("words", [("有", "无"), ("存在", "不存在"), ("否", "是")])
def test_other_sub_header_words(filled, tmp_path, cl, ros, words):
    """有 | 无, 存在 | 不存在, and 否 | 是 (the order swapped): the ticks follow the words."""
    swapped = words[0] == "否"
    p = tmp_path / "勾选.xlsx"
    split_return(filled, p, words=words)
    if swapped:  # the clerk ticked under the words as written: 是 items in F
        wb = openpyxl.load_workbook(p)
        ws = wb[layout.SHEET_LEDGER]
        for no in range(1, 67):
            e, f = ws[f"E{at(no)}"], ws[f"F{at(no)}"]
            e.value, f.value = f.value, e.value
        wb.save(p)
    assert _answers(p, cl) == _expected_answers()
    found, subs = _found(p, cl, ros)
    assert found == []
    assert [no for no, _, _ in _problems(subs)] == list(PROBLEMS)


@pytest.mark.parametrize("over", [None, "是否存在问题"])
def test_header_not_merged(filled, tmp_path, cl, ros, over):
    """是否存在问题 typed over 是, the cell over 否 unmerged: left blank, or the same again."""
    p = split_return(filled, tmp_path / "勾选.xlsx", merge_header=False, rows={20: (None, None)})
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER]["F3"] = over
    wb.save(p)
    found, subs = _found(p, cl, ros)
    assert found == [("has-problem-ticks", f"E{at(20)}", 20)]
    assert [no for no, _, _ in _problems(subs)] == list(PROBLEMS)


@needs_soffice
@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_through_libreoffice(filled, tmp_path, cl, ros, fmt):
    """The split return re-saved by LibreOffice (as .xlsx, as .ods): the same answers and
    findings."""
    src = split_return(filled, tmp_path / "勾选.xlsx", tick="✓", rows={7: ("✓", "✓")})
    out = tmp_path / "lo"
    out.mkdir()
    p = soffice_convert(src, fmt, out)
    found, subs = _found(p, cl, ros)
    assert found == [("has-problem-ticks", f"E{at(7)}", 7)]
    by_no = {r.no: r.has_problem for r in subs[0].rows}
    assert by_no == {**_expected_answers(), 7: None}
    assert [no for no, _, _ in _problems(subs)] == list(PROBLEMS)


def test_plain_ledger_has_no_split(make_return, cl):
    """The printed ledger: nothing read as a split, the row under the header an item."""
    p = make_return("平常.xlsx", {3: problem()})
    ret, _ = reader.read(p, yes_no=cl.vocabularies.yes_no.lookup)
    assert ret is not None and ret.unticked == {} and ret.rows[0].row == layout.ROW_FIRST_ITEM
    assert ret.rows[2].values["has_problem"] == "是"


def test_report_date_kept(filled, tmp_path, cl, ros):
    """The unit line and signatures, moved by the inserted column and row, still read."""
    p = split_return(filled, tmp_path / "勾选.xlsx")
    (sub,) = _found(p, cl, ros)[1]
    assert sub.report_date == dt.date(2022, 3, 30)


def test_feedback_copy_marks_the_ticked_cells(filled, tmp_path, cl, ros):
    """The 退回修改 copy marks the sub-column cell each finding names, the ticks untouched."""
    p = split_return(filled, tmp_path / "勾选.xlsx", rows={7: ("√", "√"), 12: (None, "×")})
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    out = feedback.write_copy(p, fr, tmp_path / "fb" / "勾选_退回修改.xlsx")
    ws = openpyxl.load_workbook(out)[layout.SHEET_LEDGER]
    red = excel.BAD_FILL.fgColor.rgb
    cells = (f"E{at(7)}", f"F{at(12)}")
    assert [ws[a].fill.fgColor.rgb for a in cells] == [red, red]
    by_cell = {f.cell: f for f in fr.findings}
    assert [ws[a].comment.text for a in cells] == [
        "【错误】" + feedback.detail(by_cell[a]) for a in cells
    ]
    assert (ws[f"E{at(7)}"].value, ws[f"F{at(7)}"].value, ws[f"F{at(12)}"].value) == ("√", "√", "×")


def test_split_beside_a_two_row_header(filled, tmp_path, cl, ros):
    """整改情况 over 整改结果 · 完成时间 on the same sub-header row as 是 | 否."""
    p = split_return(filled, tmp_path / "勾选.xlsx", rows={30: ("√", "√")})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws.unmerge_cells("L3:L4")
    ws.unmerge_cells("M3:M4")
    ws["L3"], ws["M3"], ws["L4"], ws["M4"] = "整改情况", None, "整改结果", "完成时间"
    ws.merge_cells("L3:M3")
    wb.save(p)
    ret, _ = reader.read(p, yes_no=cl.vocabularies.yes_no.lookup)
    assert ret is not None
    assert (ret.columns["result"], ret.columns["done_date"], ret.header_row) == (11, 12, 3)
    found, subs = _found(p, cl, ros)
    assert found == [("has-problem-ticks", f"E{at(30)}", 30)]
    assert [(no, r) for no, r in ((r.no, r.result) for r in subs[0].rows) if r] == [
        (3, "已整改"), (10, "已整改"), (40, "已整改")
    ]  # fmt: skip
