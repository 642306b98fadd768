"""Returns as careless hands and real spreadsheet programs make them (a third tester)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import problem

from dapaicha import layout
from dapaicha.app import validate


def _found(fr):
    return sorted((f.code, f.cell) for f in fr.findings)


def test_a_signature_placeholder_left_in_the_name_cell_is_no_name(make_return, cl, ros):
    """The printed form's （签字）, a line of underscores, “/”, “无” or 待签 left where the
    signer's name belongs: nobody signed, said at that cell; a name with （签字） after it
    is a name."""
    titles = cl.campaign.village_signers
    cells = [f"D{layout.ROW_FIRST_ITEM + len(cl.items) + 1 + k}" for k in range(len(titles))]
    for mark in ("（签字）", "(签名)", "签字", "（手签）", "__________", "/", "无", "待签"):
        p = make_return("签字.xlsx", {3: problem()}, signers=dict.fromkeys(titles, mark))
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert (mark, _found(fr)) == (mark, [("signer-missing", c) for c in cells])
        assert not subs[0].accepted
    names = ("孙建军（签字）", "刘晓峰 (签名)", "王德顺")
    p = make_return("签名.xlsx", {3: problem()}, signers=dict(zip(titles, names, strict=True)))
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].accepted


def test_a_two_character_name_spaced_to_line_up_is_one_person(make_return, cl, ros):
    """张 三 (a space, or a full-width one, typed to line a two-character name up with
    three-character ones) is 张三, as the week before (逾期按责任人 counts one person); two
    names a space apart stay two."""
    owners = {3: "张三", 4: "张 三", 5: "张\u3000三", 6: "欧阳 明", 7: "张三 李四", 8: "张 三丰"}
    p = make_return("空格.xlsx", {n: problem(owner=o) for n, o in owners.items()})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    got = {r.no: r.owner for r in subs[0].rows if r.is_problem}
    assert got == {3: "张三", 4: "张三", 5: "张三", 6: "欧阳明", 7: "张三 李四", 8: "张三丰"}


def test_problems_numbered_1_2_under_an_item_say_the_序号_was_changed(make_return, cl, ros):
    """Two problems under 第3项 numbered (1) and (2) in the 序号 column: the first row still
    shows 第3项's text, so its 序号 is said changed (not filed under 第1项 unsaid)."""
    first = layout.ROW_FIRST_ITEM + 2
    p = make_return("小序号.xlsx", {3: [problem(), problem(description="第二个问题")]})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws[f"B{first}"], ws[f"B{first + 1}"] = "(1)", "(2)"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [("item-missing", ""), ("item-text-altered", f"D{first}")]
    moved = next(f for f in fr.findings if f.code == "item-text-altered")
    assert "这是第3项的排查内容，序号却填为1" in moved.message
    assert not subs[0].accepted


def test_an_item_text_lacking_its_last_full_stop_is_not_altered(make_return, cl, ros):
    """第2项's text with its final 。 deleted (or a ； typed in its place): the same item,
    not a text to restore; a word changed is still said."""
    p = make_return("句号.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    row = layout.ROW_FIRST_ITEM
    assert ws[f"D{row + 1}"].value.endswith("。") and ws[f"D{row + 2}"].value.endswith("。")
    ws[f"D{row + 1}"] = ws[f"D{row + 1}"].value.rstrip("。")
    ws[f"D{row + 2}"] = ws[f"D{row + 2}"].value.rstrip("。") + "；"
    ws[f"D{row + 3}"] = ws[f"D{row + 3}"].value.replace("核实", "核查", 1)
    wb.save(p)
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == [("item-text-altered", f"D{row + 3}")]


def test_a_file_sent_again_and_saved_as_name_1_is_the_one_taken(make_return, cl, ros, tmp_path):
    """The village sent its ledger again, corrected, with the same 填报日期: WeChat and the
    browser saved it as “…(1).xlsx” beside the first (a third time “(2)”, the tenth “(10)”).
    The later copy is taken, not the first file because “.” sorts after “(”."""
    d = tmp_path / "returns"
    name = "大马村问题整改台账"
    make_return(f"{name}.xlsx", {3: problem(result="正在整改", done_date=None)}, folder=d)
    make_return(f"{name}(1).xlsx", {3: problem()}, folder=d)
    rep, subs = validate.validate_folder(d, cl, ros)
    assert {fr.file: fr.used for fr in rep.files} == {
        f"{name}.xlsx": False,
        f"{name}(1).xlsx": True,
    }
    assert rep.findings[0].message.endswith(
        f"采用填报日期相同（2022-03-30）、文件名排在后的“{name}(1).xlsx”。"
    )
    taken = next(s for s in subs if s.file == f"{name}(1).xlsx")
    assert [r.result for r in taken.rows if r.is_problem] == ["已整改"]
    make_return(f"{name}(2).xlsx", {3: problem()}, folder=d)
    make_return(f"{name}(10).xlsx", {3: problem()}, folder=d)
    rep, _ = validate.validate_folder(d, cl, ros)
    assert [fr.file for fr in rep.files if fr.used] == [f"{name}(10).xlsx"]


def test_a_填报日期_whose_label_was_cleared_or_retyped_as_日期_is_read(make_return, cl, ros):
    """The date at the top kept, its label cleared (a paste over it) or retyped as 日期：: the
    one date above the table is the 填报日期, not said missing at the very cell holding it."""
    for label in (None, "日期：", "时间："):
        p = make_return("日期.xlsx", {3: problem()})
        wb = openpyxl.load_workbook(p)
        wb[layout.SHEET_LEDGER][layout.DATE_LABEL_CELL] = label
        wb.save(p)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert (label, _found(fr)) == (label, [])
        assert subs[0].report_date == dt.date(2022, 3, 30)
    # no date at all above the table: said missing, as before
    q = make_return("无日期.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(q)
    wb[layout.SHEET_LEDGER][layout.DATE_LABEL_CELL] = None
    wb.save(q)
    fr, _ = validate.validate_return(q, q.name, cl, ros)
    assert _found(fr) == [("report-date-missing", layout.DATE_CELL)]
