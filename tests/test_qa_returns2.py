"""Returns as careless hands and real spreadsheet programs make them (a second tester)."""

from __future__ import annotations

import datetime as dt

import openpyxl
from conftest import NO, problem

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.xlsx import excel, fill, ledger

FIRST = layout.ROW_FIRST_ITEM  # item n is on row FIRST + n - 1


def _found(fr):
    return sorted((f.code, f.cell) for f in fr.findings)


def test_check_marks_and_words_villages_type_for_yes_and_no_are_read(make_return, cl, ros):
    # ✔ (WPS 插入符号, Wingdings), ☑, X typed for ×, 没有问题 / 无此问题 beside 无问题
    p = make_return(
        "marks.xlsx",
        {
            3: problem(has_problem="✔"),
            4: problem(has_problem="☑"),
            5: {"has_problem": "X"},
            6: {"has_problem": "x"},
            7: {"has_problem": "✘"},
            8: {"has_problem": "没有问题"},
            9: {"has_problem": "无此问题"},
            10: {"has_problem": "不存在问题"},
        },
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].accepted
    words = {r.no: r.has_problem for r in subs[0].rows if 3 <= r.no <= 10}
    assert words == {3: "是", 4: "是", 5: "否", 6: "否", 7: "否", 8: "否", 9: "否", 10: "否"}


def test_result_and_kind_words_villages_write_are_read(make_return, cl, ros):
    done = ["整改完毕", "已整改完毕", "已办结", "已整改销号", "已完成销号", "已经整改完成"]
    doing = ["正在推进中", "正在落实"]
    plan = ["纳入整改计划", "列入整改方案", "列入整改计划", "纳入方案整改"]
    answers = {3 + i: problem(result=w) for i, w in enumerate(done)}
    answers |= {10 + i: problem(result=w, done_date=None) for i, w in enumerate(doing)}
    answers[12] = problem(result="未完成整改", done_date=None)
    answers[13] = problem(kind="立行立改类")
    answers |= {
        14 + i: problem(kind=w, result="正在整改", done_date=None) for i, w in enumerate(plan)
    }
    p = make_return("words.xlsx", answers)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    got = {r.no: (r.kind, r.result) for r in subs[0].rows if r.is_problem}
    now, dd = ("立行立改", "纳入整改方案"), ("已整改", "正在整改")
    assert got == {
        **{n: (now[0], dd[0]) for n in range(3, 9)},
        10: (now[0], dd[1]),
        11: (now[0], dd[1]),
        12: (now[0], "未整改"),
        13: (now[0], dd[0]),
        **{n: (now[1], dd[1]) for n in range(14, 18)},
    }


def test_headers_存在的问题_and_整改时间_are_the_description_and_the_deadline(make_return, cl, ros):
    p = make_return("hdr.xlsx", {3: problem(), 5: problem(owner=None)})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws[f"{layout.LETTER['description']}{layout.ROW_HEADER}"] = "存在的问题"
    ws[f"{layout.LETTER['deadline']}{layout.ROW_HEADER}"] = "整改时间"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    # only the real error: no column-missing, no description-missing, no deadline-missing
    assert _found(fr) == [("owner-missing", f"{layout.LETTER['owner']}{FIRST + 4}")]
    rows = {r.no: r for r in subs[0].rows if r.is_problem}
    assert rows[3].description == "部分监测户信息未更新"
    assert rows[3].deadline == problem()["deadline"]


def test_同上_and_a_ditto_mark_take_the_value_of_the_row_above(make_return, cl, ros):
    """A second problem under 第3项 with 同上 in every column but its description, 〃 typed
    for 第5项's type and person (as 第4项's row above it): read as the row above, not as a
    person called 同上; 同上 under a 否 row has nothing above it: blank, said as blank."""
    ditto = dict.fromkeys(("measure", "kind", "deadline", "owner", "result", "done_date"), "同上")
    p = make_return(
        "同上.xlsx",
        {
            3: [problem(), problem(description="第二个问题", **ditto)],
            4: problem(kind="纳入整改方案", owner="李四", result="正在整改", done_date=None),
            5: problem(kind="〃", owner="〃 ", result="正在整改", done_date=None),
            10: problem(owner="同上。"),  # 第9项 above it is 否, its 责任人 blank
        },
    )
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    # rows: 第3项 6 and 7 (inserted), 第4项 8, 第5项 9, …, 第10项 14
    assert _found(fr) == [("owner-missing", f"{layout.LETTER['owner']}14")]
    got = [(r.no, r.measure, r.kind, r.deadline, r.owner, r.result, r.done_date)
           for r in subs[0].rows if r.is_problem]  # fmt: skip
    one = problem()
    first = (one["measure"], one["kind"], one["deadline"], one["owner"], one["result"],
             one["done_date"])  # fmt: skip
    assert got == [
        (3, *first),
        (3, *first),
        (4, one["measure"], "纳入整改方案", one["deadline"], "李四", "正在整改", None),
        (5, one["measure"], "纳入整改方案", one["deadline"], "李四", "正在整改", None),
        (10, *first[:3], None, *first[4:]),
    ]


def test_a_village_that_filled_another_village_s_ledger_is_sent_the_return(
    tmp_path, make_return, cl, ros
):
    """王庄村 filled 大马村's ledger (its metadata says 大马村), wrote 王庄村 in the 填报单位 and
    named the file 王庄村: rejected, and the rejection is 王庄村's (not a second 大马村 file
    that 大马村 is told about, 王庄村 left 未报)."""
    d = tmp_path / "returns"
    make_return("大马村.xlsx", {3: problem()}, folder=d)
    p = make_return("王庄村.xlsx", {5: problem(description="王庄村的问题")}, folder=d)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    for cell in ("A1", layout.UNIT_CELL):
        ws[cell] = ws[cell].value.replace("大马村", "王庄村")
    wb.save(p)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert sorted((f.file, f.code, f.cell) for f in rep.findings) == [
        ("王庄村.xlsx", "identity-mismatch", "")
    ]
    assert rep.findings[0].message == (
        "“整改台账”表：台账元数据显示为“鄢陵县陈化店镇大马村”，填报单位显示为“鄢陵县陈化店镇王庄村”："
        "可能用了别村的台账模板，请使用下发给本村的台账重新填报。"
    )
    got = sorted((s.file, s.village, s.accepted) for s in subs)
    assert got == [("大马村.xlsx", "大马村", True), ("王庄村.xlsx", "王庄村", False)]
    wz = next(s for s in subs if s.file == "王庄村.xlsx")
    assert (wz.township, wz.village_code) == ("陈化店镇", ros.villages[1].code)


def _unmerge_from(ws, row: int) -> None:
    for m in list(ws.merged_cells.ranges):
        if m.min_row >= row:
            ws.unmerge_cells(str(m))


def test_a_合计_or_小计_line_typed_into_the_table_is_no_problem_row(make_return, cl, ros):
    """A 合计 line under 第66项 (counts in 是否存在问题 and 整改结果) and a 小计 line under
    第10项, typed in the 类别 or 序号 column: counts, not a further problem of the item above."""
    two = {3: problem(), 5: problem(result="正在整改", done_date=None)}
    p = make_return("合计.xlsx", two)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    _unmerge_from(ws, FIRST)
    last = FIRST + 66  # the row under 第66项
    ws.insert_rows(last, 1)
    ws[f"A{last}"], ws[f"E{last}"], ws[f"F{last}"] = "合计", 2, "共排查发现问题2个"
    ws[f"{layout.LETTER['result']}{last}"] = "已整改1个"
    ws.insert_rows(FIRST + 10, 1)  # under 第10项
    ws[f"B{FIRST + 10}"], ws[f"E{FIRST + 10}"] = "小计", "是：2项"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].accepted
    assert [(r.no, r.result) for r in subs[0].rows if r.is_problem] == [
        (3, "已整改"),
        (5, "正在整改"),
    ]
    assert len(subs[0].rows) == 66


def test_a_填报日期_typed_under_the_signatures_with_the_top_one_blank_is_read(make_return, cl, ros):
    p = make_return("日期在下.xlsx", {3: problem()}, report_date=None)
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    below = FIRST + 66 + 6  # under the three signature lines
    ws[f"A{below}"] = "填报日期：2022年3月29日"
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert subs[0].report_date == dt.date(2022, 3, 29)
    # neither at the top nor below: said at the top's cell, as before
    q = make_return("无日期.xlsx", {3: problem()}, report_date=None)
    fr, subs = validate.validate_return(q, q.name, cl, ros)
    assert _found(fr) == [("report-date-missing", layout.DATE_CELL)]


def test_序号_renumbered_by_a_drag_fill_says_the_序号_not_the_text_was_changed(
    make_return, cl, ros
):
    """A second problem inserted under 第3项, then the 序号 column dragged 1, 2, 3 … 67: every
    row from the inserted one on has the next 序号; the texts are as issued. Said as the 序号
    moved (which item's text it is), not as a text to restore."""
    p = make_return("拖动序号.xlsx", {3: [problem(), problem(description="第二个问题")]})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    _unmerge_from(ws, FIRST)
    for i in range(67):
        ws[f"B{FIRST + i}"] = i + 1
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    altered = [f for f in fr.findings if f.code == "item-text-altered"]
    # rows 8…69 hold items 4…65 numbered 5…66; row 70 is item 66 numbered 67
    assert [f.cell for f in altered] == [f"D{r}" for r in range(FIRST + 4, FIRST + 66)]
    assert altered[0].message == (
        "“整改台账”表 第5项 D8单元格：排查内容与清单原文不一致：这是第4项的排查内容，序号却填为5，"
        "请改回原来的序号（同一项有多个问题时，插入行并填写相同序号，不要拖动填充或合并序号单元格）。"
    )
    assert ("item-unknown", "B70") in _found(fr)
    assert not subs[0].accepted
    # a text really changed is still asked back
    q = make_return("改内容.xlsx", {})
    wb = openpyxl.load_workbook(q)
    wb[layout.SHEET_LEDGER][f"D{FIRST + 2}"] = "改过的内容"
    wb.save(q)
    fr, _ = validate.validate_return(q, q.name, cl, ros)
    assert [(f.code, f.cell, f.message) for f in fr.findings] == [
        (
            "item-text-altered",
            f"D{FIRST + 2}",
            f"“整改台账”表 第3项 D{FIRST + 2}单元格：排查内容与清单原文不一致，请恢复原文（不得修改排查内容）。",
        )
    ]


def test_another_village_s_ledger_under_a_name_two_townships_share_is_not_taken_as_its(
    tmp_path, make_return, cl, ros
):
    """王庄村 (陈化店镇 and 望田镇 both have one) filled 大马村's ledger and wrote only
    “王庄村” in the 填报单位: not accepted as 大马村's (it replaced 大马村's own return, with
    only a duplicate warning); named in the file too, whose it is stays open; the file
    name saying nothing, it is 大马村's template reused, an error as for any other name."""
    d = tmp_path / "returns"
    make_return("大马村.xlsx", {3: problem()}, folder=d)
    for name in ("王庄村.xlsx", "台账.xlsx"):
        p = make_return(name, {5: problem(description="王庄村的问题")}, folder=d)
        wb = openpyxl.load_workbook(p)
        ws = wb[layout.SHEET_LEDGER]
        ws["A1"] = "王庄村巩固脱贫成果“大排查大起底”行动问题整改台账"
        ws[layout.UNIT_CELL] = "填报单位：王庄村"
        wb.save(p)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert sorted((f.file, f.code, f.cell) for f in rep.findings) == [
        ("台账.xlsx", "duplicate-return", ""),
        ("台账.xlsx", "identity-mismatch", ""),
        ("大马村.xlsx", "duplicate-return", ""),
        ("王庄村.xlsx", "village-unidentified", layout.UNIT_CELL),
    ]
    said = {f.file: f.message for f in rep.findings if f.code != "duplicate-return"}
    assert said == {
        "王庄村.xlsx": "“整改台账”表 A2单元格：无法从台账中确定是哪个村报送的（名册中有同名的村："
        "鄢陵县陈化店镇王庄村、鄢陵县望田镇王庄村），请使用下发给本村的台账模板，"
        "或在“填报单位”写明县、乡、村全称。",
        "台账.xlsx": "“整改台账”表：填报单位显示为“王庄村”，台账元数据显示为“鄢陵县陈化店镇大马村”："
        "可能用了别村的台账模板，请使用下发给本村的台账重新填报。",
    }
    got = sorted((s.file, s.village, s.accepted) for s in subs)
    assert got == [("台账.xlsx", "大马村", False), ("大马村.xlsx", "大马村", True)]


def test_another_village_s_ledger_filled_by_a_village_the_roster_lacks_is_not_taken_as_its(
    tmp_path, make_return, cl, ros
):
    """新兴村 (not in the roster) filled 大马村's ledger: its 填报单位 and file name say 新兴村.
    Not 大马村's return (it replaced 大马村's own, with a duplicate warning only): named as a
    village the roster lacks; the file name saying nothing, 大马村's template reused."""
    d = tmp_path / "returns"
    make_return("大马村.xlsx", {3: problem()}, folder=d)
    for name in ("新兴村.xlsx", "台账.xlsx"):
        p = make_return(name, {5: problem(description="新兴村的问题")}, folder=d)
        wb = openpyxl.load_workbook(p)
        ws = wb[layout.SHEET_LEDGER]
        ws["A1"] = "新兴村巩固脱贫成果“大排查大起底”行动问题整改台账"
        ws[layout.UNIT_CELL] = "填报单位：鄢陵县陈化店镇新兴村"
        wb.save(p)
    # a 填报单位 without a village, and one with the village's own name: nothing to say
    make_return("前杨村.xlsx", {}, folder=d, village=2)
    q = make_return("前杨村2.xlsx", {}, folder=tmp_path / "src", village=2)

    rep, subs = validate.validate_folder(d, cl, ros)

    assert sorted((f.file, f.code, f.cell) for f in rep.findings) == [
        ("台账.xlsx", "duplicate-return", ""),
        ("台账.xlsx", "identity-mismatch", ""),
        ("大马村.xlsx", "duplicate-return", ""),
        ("新兴村.xlsx", "village-not-in-roster", layout.UNIT_CELL),
    ]
    said = {f.file: f.message for f in rep.findings if f.code != "duplicate-return"}
    assert said["新兴村.xlsx"] == (
        "“整改台账”表 A2单元格：“鄢陵县陈化店镇新兴村”不在村名册中（台账元数据显示为"
        "“鄢陵县陈化店镇大马村”，可能用了别村的台账模板），请核对县、乡、村名称或村代码。"
    )
    got = sorted((s.file, s.village, s.accepted) for s in subs)
    assert got == [
        ("前杨村.xlsx", "前杨村", True),
        ("台账.xlsx", "大马村", False),
        ("大马村.xlsx", "大马村", True),
    ]
    for unit in ("填报单位：陈化店镇人民政府", "填报单位：前杨村村委会"):
        wb = openpyxl.load_workbook(q)
        wb[layout.SHEET_LEDGER][layout.UNIT_CELL] = unit
        wb.save(q)
        fr, subs = validate.validate_return(q, q.name, cl, ros)
        assert fr.findings == [] and subs[0].accepted


def _signature_lines(p, lines: list[tuple[str, str | None]]) -> None:
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    first = layout.sign_rows(66, 3)[0]
    _unmerge_from(ws, first)
    for i, (label, name) in enumerate(lines):
        ws[f"A{first + i}"], ws[f"D{first + i}"] = label, name
    wb.save(p)


def test_signature_labels_as_villages_retype_them_are_read(make_return, cl, ros):
    """The signers' other names the campaign lists (signer_aliases: 组长, 责任组组长, 驻村第一书记,
    村党支部书记 …) and 支书, as a village retypes the signature labels: the names are read."""
    cases = {
        "a.xlsx": [
            ("组长（签字）：", "张三"),
            ("第一书记（签字）：", "李四"),
            ("支书（签字）：", "王五"),
        ],
        "b.xlsx": [
            ("责任组组长：", "张三"),
            ("驻村第一书记：", "李四"),
            ("村党支部书记：", "王五"),
        ],
        "c.xlsx": [("组长：张三  第一书记：李四  村党支部书记：王五", None)],
    }
    for name, lines in cases.items():
        p = make_return(name, {3: problem()})
        _signature_lines(p, lines)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert (name, fr.findings) == (name, [])
        assert subs[0].accepted
    # another name as a 责任人 on an inserted row without 序号 does not end the table
    p = make_return(
        "e.xlsx", {3: [problem(), problem(description="第二个问题", owner="书记：王五")]}
    )
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][f"B{FIRST + 3}"] = None
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert fr.findings == []
    assert [(r.no, r.owner) for r in subs[0].rows if r.is_problem] == [
        (3, "张三"),
        (3, "书记：王五"),
    ]
    # an alias left blank is still a name missing; 第一书记's name is not the 书记's
    p = make_return("d.xlsx", {3: problem()})
    _signature_lines(p, [("组长：", "张三"), ("第一书记：", "李四"), ("村党支部书记：", None)])
    fr, _ = validate.validate_return(p, p.name, cl, ros)
    assert [(f.code, f.value) for f in fr.findings] == [("signer-missing", "村支部书记")]


def test_同上_typed_for_the_序号_of_an_inserted_row_is_the_item_above(make_return, cl, ros):
    p = make_return("序号同上.xlsx", {3: [problem(), problem(description="第二个问题")]})
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][f"B{FIRST + 3}"] = "同上"  # the inserted row under 第3项
    wb.save(p)
    fr, subs = validate.validate_return(p, p.name, cl, ros)
    assert _found(fr) == []
    assert [(r.no, r.seq, r.description) for r in subs[0].rows if r.is_problem] == [
        (3, 1, "部分监测户信息未更新"),
        (3, 2, "第二个问题"),
    ]


def test_a_填报单位_saying_本村_or_a_village_the_roster_lacks_on_the_village_s_own_ledger(
    make_return, cl, ros
):
    """大马村's own ledger (metadata and title 大马村): a 填报单位 of 本村/驻村, a typo of its
    name (大码村) in this line alone, or a village only this line names that the roster
    lacks, is accepted as before, not “可能用了别村的台账模板” (a reviewer). A near name in
    the file name too (北杨村.xlsx on 前杨村's ledger) is another village's (a second reviewer)."""
    for name, unit in (
        ("t.xlsx", "填报单位：本村"),
        ("t.xlsx", "填报单位：陈化店镇本村"),
        ("t.xlsx", "填报单位：驻村"),
        ("t.xlsx", "填报单位：我村村委会"),
        ("t.xlsx", "填报单位：鄢陵县陈化店镇大码村"),
        ("t.xlsx", "填报单位：鄢陵县陈化店镇新兴村"),
    ):
        p = make_return(name, {3: problem()})
        wb = openpyxl.load_workbook(p)
        wb[layout.SHEET_LEDGER][layout.UNIT_CELL] = unit
        wb.save(p)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert (unit, _found(fr)) == (unit, [])
        assert (subs[0].village, subs[0].accepted) == ("大马村", True)
    for name, unit in (
        ("大码村.xlsx", "填报单位：鄢陵县陈化店镇大码村"),
        ("大牛村.xlsx", "填报单位：鄢陵县陈化店镇大牛村"),
    ):
        p = make_return(name, {3: problem()})
        wb = openpyxl.load_workbook(p)
        wb[layout.SHEET_LEDGER][layout.UNIT_CELL] = unit
        wb.save(p)
        fr, subs = validate.validate_return(p, p.name, cl, ros)
        assert _found(fr) == [("village-not-in-roster", layout.UNIT_CELL)]
        assert not subs or not subs[0].accepted


def test_a_填报单位_naming_the_街道_a_village_shares_its_name_with_is_not_that_village_s(
    tmp_path, cl, ros
):
    """茨沟街道's 油坊村 on its own ledger wrote 茨沟街道办事处 in the 填报单位 and named the
    file 茨沟街道第1期: not 茨沟村's return (茨沟村's own was made a duplicate and 油坊村 left
    未报); rejected as 油坊村's, as before (a reviewer)."""
    d = tmp_path / "returns"
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    for village, name, answers in (
        (10, "茨沟村.xlsx", {3: problem()}),
        (11, "茨沟街道第1期.xlsx", {5: problem()}),
    ):
        blank = tmp_path / f"blank{village}.xlsx"
        excel.save(
            ledger.build_workbook(cl, ros.villages[village], generated_at="2022-03-01T09:00:00"),
            blank,
        )
        d.mkdir(exist_ok=True)
        fill.fill_ledger(
            blank, d / name, answers, default=NO, report_date=dt.date(2022, 3, 30), signers=signers
        )
    wb = openpyxl.load_workbook(d / "茨沟街道第1期.xlsx")
    wb[layout.SHEET_LEDGER][layout.UNIT_CELL] = "填报单位：茨沟街道办事处"
    wb.save(d / "茨沟街道第1期.xlsx")

    rep, subs = validate.validate_folder(d, cl, ros)

    assert sorted((f.file, f.code, f.cell) for f in rep.findings) == [
        ("茨沟街道第1期.xlsx", "identity-conflict", ""),
        ("茨沟街道第1期.xlsx", "identity-mismatch", ""),
    ]
    got = sorted((s.file, s.village, s.accepted) for s in subs)
    assert got == [("茨沟村.xlsx", "茨沟村", True), ("茨沟街道第1期.xlsx", "油坊村", False)]
    assert "油坊村" not in [m["village"] for m in rep.missing]
