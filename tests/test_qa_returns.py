"""Returns as careless hands and real spreadsheet programs make them (found by a tester)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from conftest import problem, soffice_convert
from test_status import _run
from test_tiers import _own_roster

from dapaicha import layout
from dapaicha.app import validate

OTHER_SHEET = (
    "这张表也是整改台账，未读取（本文件只读取“{0}”表）；请核对：若是本村台账的副本，"
    "请把内容填在“{0}”表并删除这张表；若是其他村的台账，各村须分别报送。"
)


def _found(rep):
    return sorted((f.file, f.code, f.sheet, f.cell) for f in rep.findings)


def test_a_second_ledger_sheet_is_named_not_dropped_unsaid(tmp_path, make_return, cl, ros):
    d = tmp_path / "returns"
    # a township's workbook: 大马村's ledger renamed for the village, 王庄村's pasted beside it
    p = make_return("陈化店镇.xlsx", {3: problem()}, folder=d)
    other = make_return("王庄村.xlsx", {5: problem()}, folder=tmp_path / "src", village=1)
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER].title = "大马村"
    src = openpyxl.load_workbook(other)[layout.SHEET_LEDGER]
    ws = wb.create_sheet("王庄村")
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                ws[c.coordinate] = c.value
    wb.save(p)
    # a ledger left blank and its copy filled in (WPS: 创建副本)
    q = make_return("前杨村.xlsx", {}, folder=d, village=2)
    wb = openpyxl.load_workbook(q)
    led = wb[layout.SHEET_LEDGER]
    copy = wb.copy_worksheet(led)
    copy.title = "整改台账 (2)"
    for r in range(layout.ROW_FIRST_ITEM, layout.ROW_FIRST_ITEM + 66):
        led[f"E{r}"] = None
    wb.save(q)

    rep, subs = validate.validate_folder(d, cl, ros)

    # the copy filled in is read, the blank ledger named (not 66 has-problem-blank)
    assert _found(rep) == [
        ("前杨村.xlsx", "other-ledger-sheet", layout.SHEET_LEDGER, ""),
        ("陈化店镇.xlsx", "other-ledger-sheet", "王庄村", ""),
    ]
    msg = {f.file: f.message for f in rep.findings if f.code == "other-ledger-sheet"}
    assert msg == {
        "陈化店镇.xlsx": "“王庄村”表：" + OTHER_SHEET.format("大马村"),
        "前杨村.xlsx": f"“{layout.SHEET_LEDGER}”表：" + OTHER_SHEET.format("整改台账 (2)"),
    }
    by_file = {s.file: s for s in subs}
    assert by_file["陈化店镇.xlsx"].accepted  # 大马村's own sheet is read as before
    assert [r.no for r in by_file["陈化店镇.xlsx"].rows if r.is_problem] == [3]
    assert by_file["前杨村.xlsx"].accepted
    assert [r.has_problem for r in by_file["前杨村.xlsx"].rows] == ["否"] * 66


def test_a_slash_or_none_word_is_no_measure_and_no_owner(make_return, cl, ros):
    # 是 with “/”, “无”, “—”, “暂无”, “待定” where the measure and the person belong: not filled
    p = make_return(
        "slash.xlsx",
        {
            3: problem(measure="/", owner="无"),
            4: problem(measure="—", owner="暂无"),
            5: problem(measure="无", owner="待定"),
            6: problem(measure="逐户核实", owner="张三"),
        },
    )
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert _found(rep) == sorted(
        ("slash.xlsx", code, layout.SHEET_LEDGER, f"{col}{no + 3}")
        for no in (3, 4, 5)
        for code, col in (("measure-missing", "G"), ("owner-missing", "J"))
    )
    assert not subs[0].accepted


def test_dates_typed_with_a_chinese_input_method_are_read(make_return, cl, ros):
    # 日 after a dotted date, and the full stop 。 typed for a dot
    p = make_return(
        "ime.xlsx",
        {
            3: problem(deadline="2022.4.30日", done_date="3.25日"),
            4: problem(deadline="2022。4。20", done_date="2022-3-26号"),
            5: problem(deadline="4.3日", done_date="2022.3.20"),  # still not guessed
        },
    )
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert _found(rep) == [("ime.xlsx", "deadline-ambiguous", layout.SHEET_LEDGER, "I8")]
    got = {(r.no, r.deadline, r.done_date) for r in subs[0].rows if r.is_problem}
    assert got == {
        (3, dt.date(2022, 4, 30), dt.date(2022, 3, 25)),
        (4, dt.date(2022, 4, 20), dt.date(2022, 3, 26)),
        (5, None, dt.date(2022, 3, 20)),
    }


def test_long_term_deadline_of_an_immediate_fix_says_what_to_change(make_return, cl, ros):
    p = make_return(
        "long.xlsx",
        {
            3: problem(deadline="长期", result="正在整改", done_date=None),
            4: problem(kind="纳入整改方案", deadline="长期坚持", result="正在整改", done_date=None),
        },
    )
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert {r.no: r.kind for r in subs[0].rows if r.is_problem} == {
        3: "立行立改",
        4: "纳入整改方案",
    }
    assert _found(rep) == [("long.xlsx", "deadline-after-campaign", layout.SHEET_LEDGER, "I6")]
    assert rep.findings[0].message == (
        "“整改台账”表 第3项 I6单元格：立行立改的整改期限为 长期，晚于集中整改结束日 2022-04-30，"
        "请提前期限，或改为“纳入整改方案”。"
    )


def test_a_problem_typed_below_the_signatures_is_not_lost_unsaid(make_return, cl, ros):
    p = make_return("below.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["A77"] = "备注：本村共排查发现问题2个，已整改1个。"  # a note there is no row
    ws["B78"] = 3
    for key, value in problem(description="签字栏下面补的问题").items():
        ws[f"{layout.LETTER[key]}78"] = value
    wb.save(p)
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert _found(rep) == [("below.xlsx", "row-below-table", layout.SHEET_LEDGER, "B78")]
    assert rep.findings[0].message == (
        "“整改台账”表 第3项 B78单元格：这一行在表格以下（签字栏下方），未读取；"
        "请把它移到表格中该项的下方（插入行），删除这一行后重新报送。"
    )
    assert not subs[0].accepted


def test_a_problem_inserted_above_the_next_item_without_its_no_is_not_filed_under_a_no(
    make_return, cl, ros
):
    # 插入行 in Excel and WPS puts the new row above the selected one: here between 第9项
    # (answered 否) and 第10项; with no 序号 it must not become a problem of 第9项
    p = make_return("above.xlsx", {10: problem(description="第10项问题")})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for m in list(ws.merged_cells.ranges):
        if m.min_row >= layout.ROW_FIRST_ITEM:
            ws.unmerge_cells(str(m))
    ws.insert_rows(13, 1)  # 第10项 was row 13
    for key, value in problem(description="第10项的第二个问题").items():
        ws[f"{layout.LETTER[key]}13"] = value
    wb.save(p)
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert _found(rep) == [("above.xlsx", "item-no-blank", layout.SHEET_LEDGER, "B13")]
    assert rep.findings[0].message == (
        "“整改台账”表 B13单元格：这一行没有填写序号，上一项（第9项）填的是“否”，无法确定问题属于哪一项；"
        "请填写序号（同一项有多个问题时，在该项下方插入行并填写相同序号）。"
    )
    assert not subs[0].accepted


def test_a_village_name_two_townships_share_is_asked_for_not_said_missing(make_return, cl, ros):
    p = make_return("王庄村.xlsx", {3: problem()}, village=1)  # 陈化店镇王庄村; 望田镇 has one too
    wb = openpyxl.load_workbook(p)
    del wb[layout.SHEET_META]  # a table typed afresh: only the names tell whose it is
    ws = wb[layout.SHEET_LEDGER]
    ws["A1"] = "王庄村巩固脱贫成果“大排查大起底”行动问题整改台账"
    ws["A2"] = "填报单位：王庄村"
    wb.save(p)
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    assert _found(rep) == [("王庄村.xlsx", "village-unidentified", layout.SHEET_LEDGER, "A2")]
    assert rep.findings[0].message == (
        "“整改台账”表 A2单元格：无法从台账中确定是哪个村报送的（名册中有同名的村：鄢陵县陈化店镇王庄村、"
        "鄢陵县望田镇王庄村），请使用下发给本村的台账模板，或在“填报单位”写明县、乡、村全称。"
    )
    assert subs == []


def test_a_county_ledger_with_villages_carried_from_last_week_is_merged_at_the_city(
    tmp_path, make_return, ros
):
    # 第2期: village 0 reports again, village 1 does not (本期未更新, its 期次 1 in the ledger)
    own = tmp_path / "鄢陵名册.xlsx"
    _own_roster(Path(ros.source), own, "鄢陵县")
    store, up = tmp_path / "县.sqlite", tmp_path / "县"
    for n, villages, day in ((1, (0, 1), dt.date(2022, 3, 30)), (2, (0,), dt.date(2022, 4, 6))):
        folder = tmp_path / "县返" / f"第{n}期"
        for v in villages:
            answers = {3: problem()} if v == 0 else {5: problem(result="正在整改", done_date=None)}
            make_return(f"v{v}.xlsx", answers, village=v, folder=folder, report_date=day)
        (up / f"第{n}期").mkdir(parents=True)
        _run("merge", folder, "-r", own, "-s", store,
             "-o", up / f"第{n}期" / "鄢陵县问题整改台账.xlsx")  # fmt: skip
    city = tmp_path / "市.sqlite"
    for n in (1, 2):
        _run("merge", up / f"第{n}期", "-r", ros.source, "-s", city, "-o", tmp_path / f"m{n}.xlsx")
    out = json.loads(_run("rollup", "-s", city, "-r", ros.source, "-p", 2, "-o", tmp_path / "汇",
                          "--json"))  # fmt: skip
    yl = next(u for u in out["units"] if u["unit"] == "鄢陵县")
    # by hand: 7 villages; 第2期 reported 1 (village 0); problems: village 0's one (已整改)
    # and village 1's one carried (正在整改)
    assert (yl["expected"], yl["reported"], yl["problems"], yl["completed"]) == (7, 1, 2, 0)
    assert yl["rate_pct"] == 50.0


def test_headers_and_words_as_villages_retype_them(make_return, cl, ros):
    """Headers retyped as 计划完成时间 / 实际完成时间 / 整改落实情况 / 责任人及电话, answers as
    是的 / 已完成整改 / 整改进行中 / 尚未完成: read as the ledger's own columns and words."""
    p = make_return(
        "retyped.xlsx",
        {
            3: problem(has_problem="是的", result="已完成整改"),
            4: problem(result="整改进行中", done_date=None),
            5: problem(kind="纳入整改方案", result="尚未完成", done_date=None),
        },
    )
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    head = layout.ROW_HEADER
    renamed = {"deadline": "计划完成时间", "done_date": "实际完成时间", "result": "整改落实情况",
               "owner": "责任人及电话"}  # fmt: skip
    for key, text in renamed.items():
        ws[f"{layout.LETTER[key]}{head}"] = text
    wb.save(p)

    fr, subs = validate.validate_return(p, p.name, cl, ros)

    assert fr.findings == []  # names the ledger knows: no column-missing, no word-invalid
    rows = {r.no: r for r in subs[0].rows if r.is_problem}
    assert sorted(rows) == [3, 4, 5]
    assert (rows[3].has_problem, rows[3].result) == ("是", "已整改")
    assert (rows[4].result, rows[5].result) == ("正在整改", "未整改")
    assert rows[3].deadline == dt.date(2022, 4, 20) and rows[3].done_date == dt.date(2022, 3, 25)
    assert rows[3].owner == "张三"


def test_a_formula_without_a_value_is_said_not_read_as_blank_unsaid(make_return, cl, ros, tmp_path):
    """Text typed with a leading “=” became a formula: saved without its value (as openpyxl and
    some programs save) or as an error (#NAME?, LibreOffice and WPS): read as blank, and said."""
    p = make_return("formula.xlsx", {3: problem(), 4: problem(), 5: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    first = layout.ROW_FIRST_ITEM  # item n is on row first + n - 1
    g3, m4, i5 = (f"{layout.LETTER['measure']}{first + 2}", f"{layout.LETTER['note']}{first + 3}",
                  f"{layout.LETTER['deadline']}{first + 4}")  # fmt: skip
    ws[g3] = "=户数*2"  # a formula, no value saved
    ws[m4] = '=""'  # no value saved here either; once computed (LibreOffice) an empty text
    ws[i5] = "=DATE(2022,4,30)"  # a formula, no value saved
    wb.save(p)

    fr, _ = validate.validate_return(p, p.name, cl, ros)
    said = "按空白读取；请直接填写内容（以“=”开头的文字，请在前面加英文单引号'）。"
    no_value = "这一格是公式（没有保存计算结果），"
    assert sorted((f.code, f.cell, f.message) for f in fr.findings) == sorted([
        ("formula-unread", g3, f"“整改台账”表 {g3}单元格：{no_value}{said}"),
        ("formula-unread", i5, f"“整改台账”表 {i5}单元格：{no_value}{said}"),
        ("formula-unread", m4, f"“整改台账”表 {m4}单元格：{no_value}{said}"),
        ("measure-missing", g3, next(f.message for f in fr.findings if f.code == "measure-missing")),
        ("deadline-missing", i5, next(f.message for f in fr.findings if f.code == "deadline-missing")),
    ])  # fmt: skip

    # LibreOffice computes what it can: the date has its value, ="" an empty text (a value:
    # nothing to say), the text is an error
    again = soffice_convert(p, "xlsx", tmp_path / "lo")
    fr, subs = validate.validate_return(again, again.name, cl, ros)
    assert sorted((f.code, f.cell, f.message) for f in fr.findings) == sorted([
        ("formula-unread", g3, f"“整改台账”表 {g3}单元格：这一格是公式（显示为“#NAME?”），{said}"),
        ("measure-missing", g3, next(f.message for f in fr.findings if f.code == "measure-missing")),
    ])  # fmt: skip
    assert next(r for r in subs[0].rows if r.no == 5).deadline == dt.date(2022, 4, 30)


def test_a_phone_number_beside_a_signature_is_no_row_below_the_table(make_return, cl, ros):
    """A phone number or a date typed as a number in the 序号 column of a signature row is
    not an item's 序号: the return passes as before (a reviewer's case)."""
    p = make_return("phone.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for m in [m for m in ws.merged_cells.ranges if m.min_row in (72, 73)]:
        ws.unmerge_cells(str(m))
    ws["A72"] = "第一书记（签字）："
    ws["B72"] = 13912345678
    ws["B73"] = 20240506
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.cell) for f in fr.findings] == []
    assert subs[0].accepted


def test_formula_marks_see_a_prefixed_sheet_and_formulas_read_it() -> None:
    from dapaicha.read import formulas, sniff

    body = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="5"><x:c r="F5"><x:f>FOO()</x:f></x:c>'
        b'<x:c r="G5" t="e"><x:f>A1*</x:f><x:v>#NAME?</x:v></x:c>'
        b'<x:c r="H5"><x:f t="shared" si="0"/><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    assert any(m in body for m in sniff.FORMULA_MARKS)
    assert formulas.unread(body) == {"F5": "", "G5": "#NAME?"}


def _merge_owner(p: Path, name: str) -> None:
    """The 责任人 column merged over all 66 items, one name typed once."""
    first, last, col = layout.ROW_FIRST_ITEM, layout.ROW_FIRST_ITEM + 65, layout.LETTER["owner"]
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws[f"{col}{first}"] = name
    ws.merge_cells(f"{col}{first}:{col}{last}")
    wb.save(p)


def test_one_owner_merged_over_the_whole_table_is_no_filled_no_row(make_return, cl, ros, tmp_path):
    d = tmp_path / "returns"
    two = {3: problem(owner=None), 5: problem(owner=None)}
    _merge_owner(make_return("合并责任人.xlsx", two, folder=d), "张三")
    q = make_return("合并-LibreOffice.xlsx", two, folder=tmp_path / "src", village=2)
    _merge_owner(q, "王五")
    soffice_convert(q, "xlsx", tmp_path / "lo").rename(d / q.name)  # as LibreOffice saves it
    # beside them, a name typed on one 否 row, not merged: that row says so, as before
    one = {3: problem(), 7: {"has_problem": "否", "owner": "李四"}}
    make_return("单行.xlsx", one, folder=d, village=1)

    rep, subs = validate.validate_folder(d, cl, ros)

    row7 = layout.ROW_FIRST_ITEM + 6
    assert _found(rep) == [("单行.xlsx", "no-problem-filled", layout.SHEET_LEDGER, f"E{row7}")]
    for name, owner in (("合并责任人.xlsx", "张三"), ("合并-LibreOffice.xlsx", "王五")):
        s = next(s for s in subs if s.file == name)
        assert s.accepted
        assert [(r.no, r.owner) for r in s.rows if r.is_problem] == [(3, owner), (5, owner)]


def test_a_problem_pasted_twice_is_said_and_still_counted(make_return, cl, ros):
    # 第3项: the same problem twice (copied down), and a second problem alike but its owner
    twice = [problem(), problem(), problem(owner="李四")]
    p = make_return("重复.xlsx", {3: twice, 8: problem()})
    rep, subs = validate.validate_folder(p.parent, cl, ros)
    row3 = layout.ROW_FIRST_ITEM + 2  # 第3项's first row; the copy below it
    assert _found(rep) == [
        (
            "重复.xlsx",
            "problem-repeated",
            layout.SHEET_LEDGER,
            f"{layout.LETTER['description']}{row3 + 1}",
        )
    ]
    assert rep.findings[0].message == (
        f"“整改台账”表 第3项 {layout.LETTER['description']}{row3 + 1}单元格：这一行与第{row3}行内容相同，"
        "疑似重复填写（两行都计为问题）：同一问题请删除一行。"
    )
    assert subs[0].accepted
    assert [(r.no, r.owner) for r in subs[0].rows if r.is_problem] == [
        (3, "张三"), (3, "张三"), (3, "李四"), (8, "张三")
    ]  # fmt: skip


# --- found by a reviewer of the fixes above ---------------------------------------------

NO_SIGN = {"村级责任组组长": "甲", "第一书记": "乙", "村支部书记": None}


def _cells(fr):
    return sorted((f.code, f.cell) for f in fr.findings)


def test_a_signer_named_in_the_last_items_is_no_signature(make_return, cl, ros):
    # 村支部书记 left unsigned; 书记 and 支书 (its other names) are words of items 65 and 66
    cases = {
        "措施.xlsx": {66: problem(measure="由村党支部书记牵头，逐户核实")},
        "责任人.xlsx": {66: problem(owner="村支书")},
        "组长.xlsx": {65: problem(owner="村民组长刘六"), 66: problem(owner="支书")},
    }
    for name, answers in cases.items():
        p = make_return(name, answers, signers=NO_SIGN)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert _cells(fr) == [("signer-missing", "D73")], name
        assert not subs[0].accepted


def test_a_report_date_is_read_under_the_table_only(make_return, cl, ros):
    # the top left as the printed form, the date typed under the signatures: read
    p = make_return("下方.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws["I2"] = "填报日期：    年   月   日"
    ws[f"A{layout.ROW_FIRST_ITEM + 66 + 6}"] = "填报日期：2022年3月29日"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _cells(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 29)
    # a blank date, and 报送时间 / 报送日期 written in the table: no 填报日期
    for name, answers in {
        "描述.xlsx": {5: problem(description="监测信息未在规定报送时间内更新")},
        "备注.xlsx": {5: problem(note="上次报送日期3月25日")},
    }.items():
        p = make_return(name, answers, report_date=None)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert _cells(fr) == [("report-date-missing", layout.DATE_CELL)], name


def test_a_description_merged_over_two_no_rows_is_still_said(make_return, cl, ros):
    p = make_return("合并描述.xlsx", {})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    r = layout.ROW_FIRST_ITEM + 6  # 第7项, 第8项 below it: both 否
    desc, measure = layout.LETTER["description"], layout.LETTER["measure"]
    ws[f"{desc}{r}"], ws[f"{measure}{r}"] = "3户监测户信息未更新", "逐户核实"
    ws.merge_cells(f"{desc}{r}:{desc}{r + 1}")
    ws.merge_cells(f"{measure}{r}:{measure}{r + 1}")
    wb.save(p)
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _cells(fr) == [("no-problem-filled", f"E{r}"), ("no-problem-filled", f"E{r + 1}")]


def _edit(p, cells, unmerge=()):
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for rng in unmerge:
        ws.unmerge_cells(rng)
    for k, v in cells.items():
        ws[k] = v
    wb.save(p)


def test_signatures_typed_anywhere_below_the_last_item_are_read(make_return, cl, ros):
    # found by a second reviewer: the 注 row deleted, the signers typed one a line with their
    # names (their titles or other names); a 组长 line inserted above the 注 row
    clear = {f"{c}{r}": None for c in "ADH" for r in (70, 71, 72, 73, 74)}
    lines = {
        "称谓.xlsx": ("组长：甲", "第一书记：乙", "村支部书记：丙"),
        "别称.xlsx": ("组长：甲", "驻村第一书记：乙", "支书：丙"),
    }
    for name, (a, b, c) in lines.items():
        p = make_return(name, {3: problem()})
        _edit(p, {**clear, "A71": a, "A72": b, "A73": c}, unmerge=["A70:M70"])
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert _cells(fr) == [], name
        assert subs[0].accepted
    p = make_return("插入.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws.insert_rows(70)
    ws["A70"], ws["A72"], ws["D72"] = "组长：甲", None, None  # its own line moved to 72
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _cells(fr) == []
    # a title written as the 责任人 of the last items signs for nobody
    p = make_return(
        "责任人.xlsx",
        {66: problem(owner="第一书记")},
        signers={**NO_SIGN, "第一书记": None, "村支部书记": "丙"},
    )
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert _cells(fr) == [("signer-missing", "D72")]


def test_a_report_date_on_a_line_with_others_under_the_table_is_read(make_return, cl, ros):
    for name, line in {
        "一行.xlsx": "填报人：李四    联系电话：13800000000    填报日期：2022年3月29日",
        "括号.xlsx": "（填报日期：2022年3月29日）",
    }.items():
        p = make_return(name, {3: problem()}, report_date=None)
        _edit(p, {"A75": line})
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert _cells(fr) == [], name
        assert subs[0].report_date == dt.date(2022, 3, 29)


def test_a_blank_date_label_at_the_top_gives_way_to_a_filled_one(make_return, cl, ros):
    p = make_return("两个日期.xlsx", {3: problem()}, report_date=None)  # K2 left blank
    _edit(p, {"M2": "报送日期：2022.3.30"})
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _cells(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 30)
