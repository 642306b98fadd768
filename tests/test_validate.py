"""validate: exact (code, cell) findings on real filled workbooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import needs_soffice, problem, soffice_convert
from typer.testing import CliRunner

from dapaicha import layout
from dapaicha.app import validate
from dapaicha.check.identity import match_text
from dapaicha.cli import app
from dapaicha.config.roster import Roster, Village
from dapaicha.errors import UserError
from dapaicha.xlsx import fill


def row(no: int) -> int:
    """Excel row of item no in a generated ledger."""
    return no + 3


def found(report, name=None):
    frs = [f for f in report.files if name is None or f.file == name]
    return {(f.code, f.cell) for fr in frs for f in fr.findings}


def run(path: Path, cl, ros):
    return validate.validate_folder(path, cl, ros)


def test_clean_return_accepted(make_return, cl, ros):
    p = make_return("good.xlsx", {3: problem()})
    rep, subs = run(p.parent, cl, ros)
    assert found(rep) == set()
    assert rep.valid and rep.files[0].status == "通过"
    (sub,) = subs
    assert sub.accepted and sub.village == ros.villages[0].village
    assert sub.report_date == dt.date(2022, 3, 30)
    probs = [r for r in sub.rows if r.is_problem]
    assert [(r.no, r.kind, r.deadline, r.result, r.done_date) for r in probs] == [
        (3, "立行立改", dt.date(2022, 4, 20), "已整改", dt.date(2022, 3, 25))
    ]
    assert len(sub.rows) == 66
    assert probs[0].cells["description"] == f"F{row(3)}"


def test_every_row_rule(make_return, cl, ros):
    answers = {
        5: {"has_problem": "是"},
        6: problem(kind=None),
        7: problem(deadline=dt.date(2022, 5, 31), result="正在整改", done_date=None),
        8: problem(deadline=4.3, result="正在整改", done_date=None),
        9: problem(result="搞定了", done_date=None),
        10: problem(done_date=None),
        11: {"has_problem": None},
        12: {"has_problem": "否", "description": "有问题"},
        13: problem(kind="马上办"),
        14: problem(deadline="下个月", result="正在整改", done_date=None),
        15: problem(deadline=dt.date(2022, 1, 5), result="正在整改", done_date=None),
        16: problem(done_date=dt.date(2022, 4, 2)),
        17: {"has_problem": "可能"},
        18: problem(
            kind="纳入整改方案", deadline=dt.date(2022, 12, 31), result="正在整改", done_date=None
        ),
        19: problem(result="正在整改", done_date=dt.date(2022, 3, 20)),
    }
    p = make_return("bad.xlsx", answers, report_date=dt.date(2022, 3, 30))
    rep, subs = run(p, cl, ros)
    assert found(rep) == {
        ("description-missing", "F8"),
        ("measure-missing", "G8"),
        ("kind-missing", "H8"),
        ("deadline-missing", "I8"),
        ("owner-missing", "J8"),
        ("result-missing", "K8"),
        ("kind-missing", "H9"),
        ("deadline-after-campaign", "I10"),
        ("deadline-ambiguous", "I11"),
        ("result-invalid", "K12"),
        ("done-date-missing", "L13"),
        ("has-problem-blank", "E14"),
        ("no-problem-filled", "E15"),
        ("kind-invalid", "H16"),
        ("deadline-invalid", "I17"),
        ("deadline-before-start", "I18"),
        ("done-date-after-report", "L19"),
        ("has-problem-invalid", "E20"),
        ("done-date-not-done", "L22"),
    }
    assert not rep.valid and subs[0].accepted is False
    by_cell = {f.cell: f for f in rep.findings}
    assert by_cell["I10"].item == 7 and by_cell["I10"].severity == "error"
    assert "2022-05-31" in by_cell["I10"].message and "2022-04-30" in by_cell["I10"].message
    assert by_cell["I11"].value == "4.3"


def test_nothing_typed_across_a_no_problem_row_is_blank(make_return, cl, ros):
    nothing = {"description": "无", "measure": "无", "kind": "/", "deadline": "/"}
    nothing |= {"owner": "—", "result": "无", "done_date": "/", "note": ""}
    answers = {n: {"has_problem": "否", **nothing} for n in range(1, 67)}
    answers[5] = {"has_problem": "否", **nothing, "result": "正在整改"}  # not nothing
    answers[6] = {"has_problem": "否", **nothing, "owner": "王德顺"}
    p = make_return("none.xlsx", answers)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("no-problem-filled", f"E{row(5)}"), ("no-problem-filled", f"E{row(6)}")}
    by_item = {f.item: f.message for f in rep.findings}
    assert "“整改结果”" in by_item[5] and "“整改措施”" not in by_item[5]
    assert "“责任人”" in by_item[6] and "“整改结果”" not in by_item[6]
    assert rep.valid and not any(r.is_problem for r in subs[0].rows)


def test_ambiguous_dates_say_why(make_return, cl, ros):
    answers = {
        3: problem(deadline=4.3, result="正在整改", done_date=None),
        4: problem(deadline="2022年4月", result="正在整改", done_date=None),
    }
    rep, _ = run(make_return("amb.xlsx", answers), cl, ros)
    assert found(rep) == {
        ("deadline-ambiguous", f"I{row(3)}"),
        ("deadline-ambiguous", f"I{row(4)}"),
    }
    msg = {f.item: f.message for f in rep.findings}
    assert "是数字" in msg[3] and "4月3日 或 4月30日" in msg[3]
    assert "是数字" not in msg[4] and "无法确定具体日期" in msg[4]


def test_edited_checklist_of_the_same_name_is_told_by_version(make_return, cl, ros):
    p = make_return("old.xlsx", {})
    wb = openpyxl.load_workbook(p)
    meta = wb[layout.SHEET_META]
    (cell,) = [r[1] for r in meta.iter_rows() if r[0].value == "checklist_hash"]
    cell.value = "deadbeef" + "0" * 56
    wb.save(p)
    rep, _ = run(p, cl, ros)
    assert found(rep) == {("checklist-mismatch", "")}
    msg = rep.findings[0].message
    assert f"（{cl.id}，内容版本 deadbeef）" in msg
    assert f"（{cl.id}，内容版本 {cl.content_hash[:8]}）" in msg


def test_header_fields(make_return, cl, ros):
    signers = dict(zip(cl.campaign.village_signers, ("甲", "", "丙"), strict=True))
    p = make_return("nodate.xlsx", {}, report_date=None, signers=signers)
    rep, _ = run(p, cl, ros)
    assert found(rep) == {("report-date-missing", "K2"), ("signer-missing", "D72")}
    p2 = make_return("olddate.xlsx", {}, report_date="2021年12月1日")
    rep2, _ = run(p2, cl, ros)
    assert found(rep2) == {("report-date-out-of-campaign", "K2")}
    assert rep2.valid and "早于行动开始日 2022-03-01" in rep2.findings[0].message
    p3 = make_return("typo.xlsx", {}, report_date=dt.date(2023, 5, 2))
    rep3, _ = run(p3, cl, ros)
    assert found(rep3) == {("report-date-out-of-campaign", "K2")}
    assert "晚于行动结束日一年以上，行动结束日为 2022-04-30" in rep3.findings[0].message
    p4 = make_return("late.xlsx", {}, report_date=dt.date(2023, 4, 30))  # weekly, a year on
    assert found(run(p4, cl, ros)[0]) == set()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (dt.date(2022, 4, 30), dt.date(2022, 4, 30)),
        (44681, dt.date(2022, 4, 30)),
        ("2022.4.30", dt.date(2022, 4, 30)),
        ("2022-4-30", dt.date(2022, 4, 30)),
        ("2022年4月30日", dt.date(2022, 4, 30)),
        ("4月30日", dt.date(2022, 4, 30)),
        ("20220430", dt.date(2022, 4, 30)),
        ("２０２２年４月３０日", dt.date(2022, 4, 30)),
        ("4月30日前", dt.date(2022, 4, 30)),
        ("4月底", dt.date(2022, 4, 30)),
    ],
)
def test_date_forms(make_return, cl, ros, typed, expected):
    p = make_return("d.xlsx", {3: problem(deadline=typed, result="正在整改", done_date=None)})
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    assert next(r for r in subs[0].rows if r.no == 3).deadline == expected


def test_vocabulary_synonyms(make_return, cl, ros):
    p = make_return(
        "syn.xlsx",
        {
            3: problem(result=" 已销号 ", kind="立即整改"),
            4: problem(has_problem="有", result="整改中", done_date=None),
        },
    )
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    got = {r.no: (r.has_problem, r.kind, r.result) for r in subs[0].rows if r.no in (3, 4)}
    assert got == {3: ("是", "立行立改", "已整改"), 4: ("是", "立行立改", "正在整改")}


def test_inserted_rows_are_extra_problems(make_return, cl, ros):
    p = make_return(
        "multi.xlsx",
        {
            5: [
                problem(),
                problem(description="第二个问题", has_problem=None),
                problem(description="第三个"),
            ]
        },
    )
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    five = [r for r in subs[0].rows if r.no == 5]
    assert [(r.seq, r.description, r.row) for r in five] == [
        (1, "部分监测户信息未更新", 8),
        (2, "第二个问题", 9),
        (3, "第三个", 10),
    ]
    # item 6 moved down by two rows
    assert next(r for r in subs[0].rows if r.no == 6).row == 11


def test_item_text_altered_missing_and_unknown(make_return, cl, ros, tmp_path):
    p = make_return("alt.xlsx", {})
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    ws["D6"] = "随便写的内容"
    ws.cell(row(20), 2).value = 99
    fill._unmerge_below(ws, 4)  # openpyxl does not move merged blocks as Excel does
    ws.delete_rows(row(10))
    wb.save(p)
    rep, _ = run(p, cl, ros)
    # after deleting item 10's row, item 20 sits on row 22
    assert found(rep) == {
        ("item-text-altered", "D6"),
        ("item-missing", ""),
        ("item-unknown", "B22"),
    }
    assert sorted(f.item for f in rep.findings if f.code == "item-missing") == [10, 20]


def test_renamed_and_reordered_columns(make_return, cl, ros):
    p = make_return("cols.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    ws.unprotect() if hasattr(ws, "unprotect") else None
    ws["F3"] = "自查问题描术"  # one character wrong
    ws.insert_cols(5)  # a column inserted before 是否存在问题
    ws["E3"] = "村民小组"
    ws["F3"] = "是否存在问题（是/否）"
    ws["J3"] = "整改期限\n(年月日)"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("column-renamed", "G3")}
    assert next(r for r in subs[0].rows if r.no == 3).description == "部分监测户信息未更新"


def test_notice_layout(tmp_path, cl, ros):
    v = ros.villages[1]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{v.county}{v.township}{v.village}“大排查大起底”问题整改台账"])
    ws.append(
        ["类别", "序号", "排查项目", "自查问题描述", "整改措施", "整改期限", "责任人", "整改结果"]
    )
    for c, i in cl.items:
        if i.no == 3:
            ws.append(
                [c.name, i.no, i.content, "信息不一致", "核实", "2022-04-25", "王五", "正在整改"]
            )
        elif i.no == 7:
            ws.append(
                [c.name, i.no, i.content, "应纳未纳", "纳入监测", "2022-06-30", "王五", "正在整改"]
            )
        else:
            ws.append([c.name, i.no, i.content, "无", None, None, None, None])
    ws.append([])
    ws.append(["填报日期：2022年3月29日"])
    for t in cl.campaign.village_signers:
        ws.append([f"{t}（签字）：张某"])
    p = tmp_path / "附件台账.xlsx"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("deadline-read-as-plan", "F9")}
    assert rep.valid
    probs = {r.no: r.kind for r in subs[0].rows if r.is_problem}
    assert probs == {3: "立行立改", 7: "纳入整改方案"}
    assert subs[0].village == v.village and subs[0].source_kind == "notice"


def test_bad_files_one_finding_each(tmp_path, make_return, cl, ros):
    d = tmp_path / "r"
    d.mkdir()
    good = make_return("good.xlsx", {}, folder=d)
    (d / "empty.xlsx").write_bytes(b"")
    (d / "truncated.xlsx").write_bytes(good.read_bytes()[:3000])
    (d / "pdf.xlsx").write_bytes(b"%PDF-1.4 fake")
    (d / "~$good.xlsx").write_bytes(b"lock")
    (d / ".hidden.xlsx").write_bytes(b"x")
    (d / "说明.docx").write_bytes(b"x")
    zf = zipfile.ZipFile(d / "word.xlsx", "w")
    zf.writestr("[Content_Types].xml", "<Types/>")
    zf.writestr("word/document.xml", "<w/>")
    zf.close()
    import msoffcrypto.format.ooxml as ooxml

    with good.open("rb") as fi, (d / "locked.xlsx").open("wb") as fo:
        ooxml.OOXMLFile(fi).encrypt("123456", fo)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}
    rep, _ = run(d, cl, ros)
    codes = {fr.file: [f.code for f in fr.findings] for fr in rep.files}
    assert codes["empty.xlsx"] == ["file-unreadable"]
    assert codes["truncated.xlsx"] == ["file-unreadable"]
    assert codes["pdf.xlsx"] == ["file-unsupported"]
    assert codes["word.xlsx"] == ["file-unsupported"]
    assert codes["locked.xlsx"] == ["file-encrypted"]
    assert [f.code for f in next(fr for fr in rep.files if fr.file == "good.xlsx").findings] == []
    assert sorted(f for f, _ in rep.skipped) == [".hidden.xlsx", "~$good.xlsx", "说明.docx"]
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}
    assert before == after


def test_identity_and_roster(make_return, cl, ros, tmp_path):
    d = tmp_path / "id"
    make_return(
        f"{ros.villages[2].village}.xlsx", {}, village=0, folder=d
    )  # file named after another village
    rep, subs = run(d, cl, ros)
    assert found(rep) == {("identity-conflict", "")}
    assert subs[0].village == ros.villages[0].village  # metadata wins
    # a village missing from the roster
    p = make_return("x.xlsx", {}, folder=tmp_path / "x")
    wb = openpyxl.load_workbook(p)
    m = wb["_dapaicha"]
    for r in m.iter_rows():
        if r[0].value in ("village_code", "village"):
            r[1].value = "999999999999" if r[0].value == "village_code" else "不存在村"
    ws = wb["整改台账"]
    ws["A1"] = "某县某乡不存在村台账"
    ws["A2"] = "填报单位：不存在村"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("village-not-in-roster", "")}  # named by the hidden metadata
    assert subs == [] and not rep.valid
    m.sheet_state = "visible"
    wb.remove(m)  # no metadata: the 填报单位 line names it, on its cell
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("village-not-in-roster", "A2")}
    assert "“不存在村”" in rep.findings[0].message


def test_two_files_for_one_village(make_return, cl, ros, tmp_path):
    d = tmp_path / "dup"
    make_return("a.xlsx", {}, folder=d, report_date=dt.date(2022, 3, 28))
    make_return("b.xlsx", {}, folder=d, report_date=dt.date(2022, 3, 30))
    rep, _ = run(d, cl, ros)
    assert found(rep) == {("duplicate-return", "")}
    used = {fr.file: fr.used for fr in rep.files}
    assert used == {"a.xlsx": False, "b.xlsx": True}
    assert all("b.xlsx" in f.message for f in rep.findings)
    assert rep.findings[0].message.endswith("采用填报日期最新（2022-03-30）的“b.xlsx”。")


def test_two_files_of_one_date_say_the_name_decided(make_return, cl, ros, tmp_path):
    d = tmp_path / "dup"
    make_return("b.xlsx", {}, folder=d)
    make_return("a.xlsx", {3: problem(description="不同内容")}, folder=d)
    bad = make_return("c.xlsx", {5: {"has_problem": "是"}}, folder=d)
    rep, _ = run(d, cl, ros)
    assert {fr.file: fr.used for fr in rep.files} == {
        "a.xlsx": False,
        "b.xlsx": True,
        "c.xlsx": False,
    }
    msg = next(f.message for f in rep.findings if f.code == "duplicate-return")
    assert "采用通过校验、填报日期相同（2022-03-30）、文件名排在后的“b.xlsx”。" in msg
    bad.unlink()
    (d / "a.xlsx").write_bytes((d / "b.xlsx").read_bytes())  # the same file twice
    rep, _ = run(d, cl, ros)
    msg = next(f.message for f in rep.findings if f.code == "duplicate-return")
    assert msg.endswith("采用填报日期相同（2022-03-30）、文件名排在后的“b.xlsx”。")


def test_a_failed_file_replaced_by_a_passing_one_is_not_sent_back(make_return, ros, tmp_path):
    """大马村 sent a file with an error, then a corrected one (in one batch): the corrected one
    is used; the failed one is 未通过（未采用）, gets no copy and no notice (was a notice saying
    现退回修改), and is not counted among the files sent back."""
    d = tmp_path / "in"
    make_return("大马村.xlsx", {5: {"has_problem": "是"}}, folder=d)  # 是 without its columns
    make_return("大马村-改.xlsx", {}, folder=d)
    fb = tmp_path / "fb"
    got = validate.command(d, ros.source, report_path=tmp_path / "r.xlsx", feedback_dir=fb,
                           deadline="2022-04-08", as_of=dt.date(2022, 3, 31))  # fmt: skip
    status = {fr.file: fr.status for fr in got.report.files}
    assert status == {"大马村.xlsx": "未通过（未采用）", "大马村-改.xlsx": "通过"}
    # the corrected file's copy only (its duplicate-return warning): no 退回 for the failed one
    assert sorted(p.name for p in fb.rglob("*") if p.is_file()) == [
        "大马村_退回修改.xlsx",
        "大马村_退回通知.txt",
    ]
    notice = next(fb.rglob("*.txt")).read_text(encoding="utf-8-sig")
    assert "已通过校验" in notice and "大马村-改.xlsx" in notice
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["文件"]
    summary = next(c.value for row in ws.iter_rows(max_row=3) for c in row if c.value
                   and str(c.value).startswith("共校验"))  # fmt: skip
    assert summary.startswith(
        "共校验 2 个文件：通过 1 个，退回修改 0 个，未通过但本村另有一份已采用 1 个；"
    )


def test_unreadable_file_is_placed_by_its_name(make_return, cl, ros, tmp_path):
    # a broken file named after its village: sent back to that village, which is not 未报
    d = tmp_path / "u"
    d.mkdir()
    v = ros.villages[2]
    (d / f"{v.township}{v.village}台账.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 50)
    (d / "无名.xlsx").write_bytes(b"PK\x03\x04" + b"\0" * 50)
    rep, subs = run(d, cl, ros)
    assert found(rep) == {("file-unreadable", "")} and subs == []
    placed = {fr.file: (fr.county, fr.township, fr.village) for fr in rep.files}
    assert placed == {
        f"{v.township}{v.village}台账.xlsx": (v.county, v.township, v.village),
        "无名.xlsx": ("", "", ""),
    }
    assert v.village not in {m["village"] for m in rep.missing}
    assert len(rep.missing) == len(ros.villages) - 1


def test_two_row_header_and_a_repeated_header(make_return, cl, ros):
    # 整改情况 over 整改结果 · 完成时间 (a county's form), and the header pasted again
    # between items 30 and 31 (a table copied page by page)
    p = make_return("two.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws.insert_rows(3)
    for c in range(1, 14):
        ws.cell(3, c).value = ws.cell(4, c).value
    ws["K3"], ws["L3"] = "整改情况", None
    ws.merge_cells("K3:L3")
    for c in range(1, 14):
        if c not in (11, 12):
            ws.cell(4, c).value = None
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    ws.insert_rows(35)  # after item 30 (row 34 now)
    for c in range(1, 14):
        ws.cell(35, c).value = ws.cell(3, c).value or ws.cell(4, c).value
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    (pr,) = [r for r in subs[0].rows if r.is_problem]
    assert (pr.no, pr.row, pr.result, pr.done_date) == (3, 7, "已整改", dt.date(2022, 3, 25))
    assert pr.cells["done_date"] == "L7"
    assert [r.no for r in subs[0].rows] == list(range(1, 67))
    assert next(r for r in subs[0].rows if r.no == 31).row == 36


def test_notes_sheet_first_does_not_hide_the_renamed_ledger(make_return, cl, ros):
    p = make_return("notes.xlsx", {3: problem()})
    wb = openpyxl.load_workbook(p)
    del wb[layout.SHEET_META]
    wb[layout.SHEET_LEDGER].title = "Sheet1"
    notes = wb.create_sheet("情况说明", 0)
    notes.append(["序号", "自查问题描述", "备注"])
    notes.append([1, "已核实", ""])
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    assert subs[0].sheet == "Sheet1" and len(subs[0].rows) == 66


@pytest.mark.parametrize("fmt", ["[h]:mm:ss", "[mm]:ss"])
def test_huge_number_in_a_duration_cell_is_read(make_return, cl, ros, fmt):
    # calamine overflows (or panics) converting it; openpyxl reads it as an error value
    p = make_return("dur.xlsx", {3: problem(result="正在整改", done_date=None)})
    wb = openpyxl.load_workbook(p)
    cell = wb["整改台账"][f"I{row(3)}"]
    cell.value, cell.number_format = 1e15, fmt
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("deadline-invalid", f"I{row(3)}")}
    assert rep.findings[0].value == "#VALUE!" and len(subs[0].rows) == 66


def test_missing_villages_listed(make_return, cl, ros, tmp_path):
    d = tmp_path / "m"
    make_return("a.xlsx", {}, folder=d)
    rep, _ = run(d, cl, ros)
    assert len(rep.missing) == len(ros.villages) - 1
    assert ros.villages[0].village not in {m["village"] for m in rep.missing}


def test_huge_sheet_is_bounded(make_return, cl, ros):
    # a value out there is lost: an error on its cell; a style out there is nothing lost
    p = make_return("big.xlsx", {})
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    ws["XFD1048576"] = "x"
    ws["B5000"] = 3
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("content-truncated", "B5000")}
    assert not rep.valid and len(subs[0].rows) == 66
    assert "前 3000 行、64 列" in rep.findings[0].message
    p2 = make_return("styled.xlsx", {})
    wb = openpyxl.load_workbook(p2)
    wb["整改台账"]["XFD1048576"].font = openpyxl.styles.Font(bold=True)
    wb["整改台账"]["M20000"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    wb.save(p2)
    rep, subs = run(p2, cl, ros)
    assert found(rep) == set()  # styled, empty: nothing lost, nothing to warn of
    assert rep.valid and len(subs[0].rows) == 66


@needs_soffice
def test_libreoffice_empty_last_row_is_no_warning(make_return, cl, ros, tmp_path):
    """LibreOffice keeps an empty row at 1,048,576 after rows were deleted or styled there."""
    p = make_return("lo.xlsx", {3: problem()}, folder=tmp_path / "typed")
    wb = openpyxl.load_workbook(p)
    ws = wb["整改台账"]
    ws["C1048576"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    ws.row_dimensions[1048576].height = 20
    wb.save(p)
    lo = soffice_convert(p, "xlsx", tmp_path / "lo")
    sheet = zipfile.ZipFile(lo).read("xl/worksheets/sheet1.xml")
    assert re.search(rb'<row r="1048576"[^>]*>\s*</row>', sheet)  # the empty row is there
    rep, subs = run(lo.parent, cl, ros)
    assert found(rep) == set()
    assert rep.valid and len(subs[0].rows) == 66


@needs_soffice
def test_xls_read_in_part_still_warns(make_return, cl, ros, tmp_path):
    """An .xls is not bounded by us: data beyond 3000 rows is one rows-truncated warning."""
    p = make_return("long.xlsx", {}, folder=tmp_path / "typed")
    wb = openpyxl.load_workbook(p)
    wb["整改台账"]["M3500"] = "备注在很远的一行"
    wb.save(p)
    xls = soffice_convert(p, "xls", tmp_path / "lo")
    rep, subs = run(xls.parent, cl, ros)
    assert found(rep) == {("rows-truncated", "")}
    assert len(subs[0].rows) == 66


def test_cli_exit_codes_json_and_report(make_return, tmp_path, cl, ros):
    d = tmp_path / "cli"
    make_return("good.xlsx", {}, folder=d)
    roster_path = Path(ros.source)
    out = tmp_path / "o" / "校验报告.xlsx"
    r = CliRunner().invoke(
        app, ["validate", str(d), "-r", str(roster_path), "--report", str(out), "--json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["valid"] is True and data["files"][0]["status"] == "通过"
    assert out.exists()
    make_return("bad.xlsx", {5: {"has_problem": "是"}}, folder=d, village=1)
    r = CliRunner().invoke(app, ["validate", str(d), "-r", str(roster_path), "--report", str(out)])
    assert r.exit_code == 1
    r = CliRunner().invoke(app, ["validate", str(tmp_path / "nope"), "-r", str(roster_path)])
    assert r.exit_code == 2


def _notice(tmp_path: Path, d: Path, roster_path: Path, *more: str) -> tuple[int, str]:
    fb = tmp_path / "fb"
    args = ["validate", str(d), "-r", str(roster_path), "--report", str(tmp_path / "r.xlsx")]
    r = CliRunner().invoke(app, [*args, "--feedback", str(fb), *more])
    texts = sorted(fb.rglob("*.txt")) if fb.exists() else []
    if isinstance(r.exception, UserError):  # main() prints it as one line, exit code 2
        return 2, str(r.exception)
    return r.exit_code, "".join(p.read_text(encoding="utf-8-sig") for p in texts)


def test_folder_without_returns_is_a_usage_error(ros, tmp_path):
    d = tmp_path / "空"
    d.mkdir()
    (d / "说明.docx").write_bytes(b"x")
    r = CliRunner().invoke(
        app, ["validate", str(d), "-r", ros.source, "--report", str(d / "r.xlsx")]
    )
    assert isinstance(r.exception, UserError)
    assert str(r.exception) == (
        f"“{d}”中没有找到台账文件（.xlsx、.xlsm、.xls、.ods），另有 1 个其他文件已跳过，"
        "请检查文件夹是否选对。"
    )
    assert not (d / "r.xlsx").exists()


def test_notice_deadline_follows_the_batch(make_return, ros, tmp_path):
    # the latest 填报日期 is 4月10日 (第3期): corrections are due by its cut-off, 4月14日
    d = tmp_path / "in"
    make_return("a.xlsx", {5: {"has_problem": "是"}}, folder=d, report_date=dt.date(2022, 4, 10))
    make_return("b.xlsx", {}, folder=d, village=1, report_date=dt.date(2022, 4, 2))
    code, text = _notice(tmp_path, d, Path(ros.source))
    assert code == 1 and "于2022年4月14日前重新报送" in text
    # a year typo in one return does not move it; a 第5期 folder without dates sets it
    make_return("c.xlsx", {}, folder=d, village=2, report_date=dt.date(2023, 4, 8))
    code, text = _notice(tmp_path, d, Path(ros.source))
    assert code == 1 and "于2022年4月14日前重新报送" in text
    p5 = tmp_path / "第5期"
    make_return("x.xlsx", {5: {"has_problem": "是"}}, folder=p5, report_date=None)
    code, text = _notice(tmp_path, p5, Path(ros.source))
    assert code == 1 and "于2022年4月28日前重新报送" in text
    code, text = _notice(tmp_path, d, Path(ros.source), "--deadline", "2022-04-08")
    assert code == 1 and "于2022年4月8日前重新报送" in text
    code, text = _notice(tmp_path, d, Path(ros.source), "--deadline", "下周")
    assert code == 2 and text == "--deadline 无法识别为日期：“下周”，请写成如 2022-04-08。"


@needs_soffice
def test_resaved_by_libreoffice_same_findings(make_return, cl, ros, tmp_path):
    answers = {
        5: {"has_problem": "是"},
        7: problem(deadline=dt.date(2022, 5, 31), result="正在整改", done_date=None),
        9: problem(),
    }
    src = make_return("orig.xlsx", answers)
    rep0, subs0 = run(src, cl, ros)
    expected = found(rep0)
    assert ("deadline-after-campaign", "I10") in expected
    for fmt in ("xls", "ods", "xlsx"):
        outdir = tmp_path / f"lo-{fmt}"
        outdir.mkdir()
        conv = soffice_convert(src, fmt, outdir)
        rep, subs = run(conv, cl, ros)
        assert found(rep) == expected, fmt
        a = [(r.no, r.seq, r.kind, r.deadline, r.result) for r in subs[0].rows]
        b = [(r.no, r.seq, r.kind, r.deadline, r.result) for r in subs0[0].rows]
        assert a == b, fmt


def test_feedback_copy_validates_like_the_original(make_return, cl, ros, tmp_path):
    """Bug: the 退回修改意见 sheet's headers (序号/项目/说明) were taken for the ledger."""
    from dapaicha.xlsx import feedback

    d = tmp_path / "fb"
    p = make_return("bad.xlsx", {5: {"has_problem": "是"}}, folder=d)
    wb = openpyxl.load_workbook(p)
    wb["整改台账"].title = "Sheet1"
    wb.save(p)
    rep, _ = run(d, cl, ros)
    expected = found(rep)
    assert ("description-missing", "F8") in expected
    out = tmp_path / "copies"
    paths = feedback.write_all(rep, d, out, campaign_title="行动", deadline="2022年3月31日")
    copy = next(x for x in paths if x.suffix == ".xlsx")
    assert openpyxl.load_workbook(copy).sheetnames[0] == "退回修改意见"
    rep2, _ = run(copy, cl, ros)
    assert rep2.files[0].findings[0].sheet == "Sheet1"
    assert found(rep2) == expected


def test_wrong_sheet_dimension_as_wps_writes(make_return, cl, ros, tmp_path):
    """WPS can save a <dimension ref> smaller than the data: every row must still be read."""
    import re

    p = make_return("wps.xlsx", {60: problem()})
    src = zipfile.ZipFile(p)
    q = tmp_path / "wps2.xlsx"
    with zipfile.ZipFile(q, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', body)
            dst.writestr(info, body)
    rep, subs = run(q, cl, ros)
    assert found(rep) == set()
    assert [r.no for r in subs[0].rows if r.is_problem] == [60]


# --- returns a county really receives (each was a bug found in review) -------------------


def notice_book(cl, v, rows_for, *, tail_rows=(), date_row=("填报日期：2022年3月29日",)):
    """A ledger in the notice's own 8-column layout; rows_for(no) gives the 4 answer cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{v.county}{v.township}{v.village}“大排查大起底”问题整改台账"])
    ws.append(
        ["类别", "序号", "排查项目", "自查问题描述", "整改措施", "整改期限", "责任人", "整改结果"]
    )
    for c, i in cl.items:
        ws.append([c.name, i.no, i.content, *rows_for(i.no)])
    ws.append([])
    if date_row:
        ws.append(list(date_row))
    for r in tail_rows:
        ws.append(list(r))
    return wb


def test_note_text_in_an_inserted_row_does_not_end_the_table(make_return, cl, ros):
    p = make_return(
        "note.xlsx",
        {5: [problem(), problem(description="注：档案不全，缺少签字", has_problem=None)]},
    )
    rep, subs = run(p, cl, ros)
    assert found(rep) == set()
    assert [(r.no, r.seq) for r in subs[0].rows if r.is_problem] == [(5, 1), (5, 2)]


def test_notice_no_problem_words_signers_and_open_deadline(tmp_path, cl, ros):
    v = ros.villages[1]

    def answers(no):
        return {
            3: ("信息不一致", "核实", "长期", "王五", "正在整改"),
            4: ("暂无", None, None, None, None),
            5: ("/", None, None, None, None),
            6: ("经排查无问题", None, None, None, None),
        }.get(no, ("无", None, None, None, None))[:5]

    signers = [
        ("村级责任组组长（签字）：", "张三"),  # name in the 序号 column
        ("第一书记（签字）：李四    村支部书记（签字）：",),  # one line, last name blank
    ]
    wb = notice_book(cl, v, lambda no: answers(no)[:5], tail_rows=signers)
    p = tmp_path / "附件.xlsx"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert found(rep) == {("deadline-read-as-plan", "F5"), ("signer-missing", "B72")}
    assert {r.no: r.kind for r in subs[0].rows if r.is_problem} == {3: "纳入整改方案"}


@pytest.mark.parametrize(
    "tail",
    [
        [("村级责任组组长：孙某", None, None, "第一书记：刘某", None, "村支部书记：王某")],
        [("村级责任组组长", "孙某", "第一书记", "刘某", "村支部书记", "王某")],
        [(None, None, None, None, "填报日期：2022年3月29日")],
    ],
)
def test_lines_under_the_notice_table_end_it(tmp_path, cl, ros, tail):
    # signer titles without 签字, in any column, and a date line in a fill column
    v = ros.villages[1]
    wb = notice_book(cl, v, lambda no: ("无", None, None, None, None), tail_rows=tail)
    p = tmp_path / "签字.xlsx"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    signed = "村支部书记" in str(tail)
    assert found(rep) == (set() if signed else {("signer-missing", "")})  # 3 titles, no cell
    assert [r.no for r in subs[0].rows] == list(range(1, 67))
    assert not any(r.is_problem for r in subs[0].rows)


def test_nothing_found_in_the_village_s_words(tmp_path, cl, ros):
    words = ["暂未发现", "该项无问题", "无问题/", "没有发现问题", "经排查未发现", "不存在此类问题"]
    words += ["无此情况", "正常", "经排查，无问题", "未发现此类问题。", "无证明材料"]
    v = ros.villages[1]
    signers = [(f"{t}：某",) for t in cl.campaign.village_signers]
    wb = notice_book(
        cl,
        v,
        lambda no: (words[no - 1] if no <= len(words) else "无", None, None, None, None),
        tail_rows=signers,
    )
    p = tmp_path / "无问题.xlsx"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    # only the last is a problem (无证明材料: no proof of it), without its measure and the rest
    n = len(words) + 2  # title, header, then item 1
    assert found(rep) == {
        ("measure-missing", f"E{n}"),
        ("deadline-missing", f"F{n}"),
        ("owner-missing", f"G{n}"),
        ("result-missing", f"H{n}"),
    }
    assert [r.no for r in subs[0].rows if r.is_problem] == [len(words)]


def test_placeholders_in_date_cells(make_return, cl, ros):
    p = make_return(
        "ph.xlsx",
        {
            3: problem(result="正在整改", done_date="/"),
            4: problem(result="正在整改", done_date="未完成"),
            5: problem(result="未整改", done_date="—"),
        },
    )
    rep, _ = run(p, cl, ros)
    assert found(rep) == set()


def test_report_date_blank_form_and_missing_label(make_return, cl, ros, tmp_path):
    p = make_return("skel.xlsx", {}, report_date="    年   月   日")
    rep, _ = run(p, cl, ros)
    assert found(rep) == {("report-date-missing", "K2")}
    v = ros.villages[1]
    wb = notice_book(
        cl,
        v,
        lambda no: ("无", None, None, None, None),
        date_row=None,
        tail_rows=[(f"{t}（签字）：某",) for t in cl.campaign.village_signers],
    )
    q = tmp_path / "nodate.xlsx"
    wb.save(q)
    rep, _ = run(q, cl, ros)
    assert found(rep) == {("report-date-missing", "")}


def test_another_village_s_template_is_an_error(make_return, cl, ros):
    p = make_return("王庄村.xlsx", {})
    wb = openpyxl.load_workbook(p)
    other = ros.villages[5]
    wb["整改台账"]["A2"] = f"填报单位：{other.county}{other.township}{other.village}"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    assert ("identity-mismatch", "") in found(rep)  # no cell: retyping A2 is not the fix
    assert not rep.valid and not subs[0].accepted


def test_same_village_in_two_periods_is_not_a_duplicate(make_return, cl, ros, tmp_path):
    d = tmp_path / "per"
    make_return("第1期/a.xlsx", {}, folder=d, report_date=dt.date(2022, 3, 30))
    make_return("第2期/a.xlsx", {}, folder=d, report_date=dt.date(2022, 4, 6))
    rep, _ = run(d, cl, ros)
    assert found(rep) == set()
    assert all(fr.used for fr in rep.files)


def test_other_oversized_sheet_does_not_flag_the_ledger(make_return, cl, ros):
    p = make_return("extra.xlsx", {})
    wb = openpyxl.load_workbook(p)
    wb.create_sheet("草稿")["A5000"] = "x"
    wb.save(p)
    rep, _ = run(p, cl, ros)
    assert found(rep) == set()


def test_canonical_vocabulary_words_are_pinned(cl):
    import yaml

    from dapaicha.config import checklist
    from dapaicha.errors import UserError

    data = yaml.safe_load(
        (Path(checklist.resources.default_checklist())).read_text(encoding="utf-8")
    )
    data["vocabularies"]["result"]["values"] = {"完成": [], "正在整改": [], "未整改": []}
    with pytest.raises(UserError, match="vocabularies"):
        checklist.parse(yaml.safe_dump(data, allow_unicode=True))


@needs_soffice
def test_ods_merged_cells_and_dates(make_return, cl, ros, tmp_path):
    src = make_return(
        "m.xlsx",
        {
            5: [problem(), problem(description="第二个", has_problem=None)],
            7: problem(deadline=4.3, result="正在整改", done_date=None),
        },
    )
    wb = openpyxl.load_workbook(src)
    ws = wb["整改台账"]
    ws["G9"] = None
    ws["J9"] = None
    ws.merge_cells("G8:G9")  # one measure and one owner for both problems
    ws.merge_cells("J8:J9")
    wb.save(src)
    rep0, _ = run(src, cl, ros)
    expected = found(rep0)
    assert expected == {("deadline-ambiguous", "I11")}
    outdir = tmp_path / "ods"
    outdir.mkdir()
    conv = soffice_convert(src, "ods", outdir)
    rep, subs = run(conv, cl, ros)
    assert found(rep) == expected
    assert next(f for f in rep.findings if f.code == "deadline-ambiguous").value == "4.3"
    assert [r.owner for r in subs[0].rows if r.no == 5] == ["张三", "张三"]


def test_parallel_validation_equals_serial(make_return, cl, ros, tmp_path):
    d = tmp_path / "many"
    srcs = [
        make_return("a.xlsx", {3: problem()}, folder=tmp_path / "s", village=0),
        make_return("b.xlsx", {5: {"has_problem": "是"}}, folder=tmp_path / "s", village=1),
    ]
    d.mkdir()
    for i in range(validate.PARALLEL_MIN_FILES + 6):
        (d / f"{i:03d}.xlsx").write_bytes(srcs[i % 2].read_bytes())
    serial, s_subs = validate.validate_folder(d, cl, ros, workers=1)
    parallel, p_subs = validate.validate_folder(d, cl, ros, workers=2)
    assert parallel.to_dict() == serial.to_dict()
    assert [(s.file, s.accepted, len(s.rows)) for s in p_subs] == [
        (s.file, s.accepted, len(s.rows)) for s in s_subs
    ]


def test_row_pickles_every_field():
    """Row.__reduce__ lists fields by position: a field added without it would be lost."""
    import dataclasses
    import pickle

    from dapaicha.model import Cells, Row

    vals = {f.name: f"v{i}" for i, f in enumerate(dataclasses.fields(Row))}
    vals["cells"] = Cells({"no": "B", "description": "F"}, 9)
    r = Row(**vals)
    back = pickle.loads(pickle.dumps(r))
    assert [getattr(back, f.name) for f in dataclasses.fields(Row)] == list(vals.values())
    assert back.cells == {"no": "B9", "description": "F9"}
    assert back.cells.get("owner", "") == ""


def test_done_date_unreadable_or_ambiguous(make_return, cl, ros):
    answers = {
        3: problem(done_date="完成了"),  # not a date
        4: problem(done_date="长期"),  # open-ended: no day a problem was solved
        5: problem(done_date=4.3),  # a bare number: 4月3日 or 4月30日?
        6: problem(done_date="3月下旬"),  # a part of a month
        7: problem(done_date="/"),  # a placeholder: blank (and 已整改 needs a date)
    }
    rep, subs = run(make_return("dd.xlsx", answers), cl, ros)
    col = layout.LETTER["done_date"]
    assert found(rep) == {
        ("done-date-invalid", f"{col}{row(3)}"),
        ("done-date-invalid", f"{col}{row(4)}"),
        ("done-date-ambiguous", f"{col}{row(5)}"),
        ("done-date-ambiguous", f"{col}{row(6)}"),
        ("done-date-missing", f"{col}{row(7)}"),
    }
    by_item = {f.item: f for f in rep.files[0].findings}
    assert (by_item[3].value, by_item[5].value) == ("完成了", "4.3")
    assert "4.3 可能是 4月3日 或 4月30日" in by_item[5].message
    assert not subs[0].accepted
    assert [r.done_date for r in subs[0].rows if r.no in (3, 4, 5, 6, 7)] == [None] * 5


def test_column_missing(make_return, cl, ros):
    # the 整改措施 header renamed past recognition: the column is missing, rows still read
    p = make_return("col.xlsx", {})
    wb = openpyxl.load_workbook(p)
    wb[layout.SHEET_LEDGER][f"{layout.LETTER['measure']}{layout.ROW_HEADER}"] = "备用"
    wb.save(p)
    rep, subs = run(p, cl, ros)
    # the one header past recognition is the one column missing: its cell is named (was "")
    cell = f"{layout.LETTER['measure']}{layout.ROW_HEADER}"
    assert found(rep) == {("column-missing", cell)}
    (f,) = rep.files[0].findings
    assert f.value == "整改措施" and f.sheet == layout.SHEET_LEDGER
    assert f.message.endswith(
        f"{cell}单元格：表头缺少“整改措施”列（此处表头为“备用”，无法识别），"
        "请使用下发的台账模板，不要删除或改动列。"
    )
    assert not subs[0].accepted and len(subs[0].rows) == 66


def test_findings_json_codes_are_plain_slugs(make_return, cl, ros):
    rep, _ = run(make_return("dd.xlsx", {3: problem(done_date=4.3)}), cl, ros)
    data = json.loads(json.dumps(rep.to_dict()))
    codes = [f["code"] for fr in data["files"] for f in fr["findings"]]
    assert codes == ["done-date-ambiguous"]
    assert type(rep.files[0].findings[0].code) is str


def test_report_only_where_asked(make_return, tmp_path, ros, monkeypatch):
    """Without --report nothing is written (not into the current folder, not beside the
    returns); with it, the report is where asked."""
    d = tmp_path / "returns" / "第1期"
    make_return("good.xlsx", {}, folder=d)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    r = CliRunner().invoke(app, ["validate", str(d), "-r", str(Path(ros.source))])
    assert r.exit_code == 0, r.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert "--report" in r.output and "未保存校验报告" in r.output
    help_text = CliRunner().invoke(app, ["validate", "--help"]).output
    assert "校验报告只在加--report时保存" in re.sub(r"[\s│]", "", help_text)
    r = CliRunner().invoke(
        app, ["validate", str(d), "-r", str(Path(ros.source)), "--report", "报告.xlsx"]
    )
    assert r.exit_code == 0 and (cwd / "报告.xlsx").is_file()


def test_village_named_in_a_text() -> None:
    # the one roster village a title or a file name names: its township or county, then
    # the longest name, decide between villages of the same name
    a = Village("", "鄢陵县", "陈化店镇", "大马村")
    b = Village("", "长葛市", "后河镇", "大马村")
    c = Village("", "鄢陵县", "马栏镇", "大马庄村")
    ros = Roster([a, b, c])
    assert match_text(ros, "鄢陵县陈化店镇大马村问题整改台账") is a
    assert match_text(ros, "长葛市 大马村") is b
    assert match_text(ros, "马栏镇大马庄村_台账") is c
    assert match_text(ros, "大马庄村") is c  # 大马 (a, b) and 大马庄: the longest name
    assert match_text(ros, "大马村整改台账") is None  # two villages of that name
    assert match_text(ros, "许昌市建安区小召乡") is None
    assert match_text(ros, "") is None


def test_village_named_by_its_name_or_its_base() -> None:
    d = Village("", "鄢陵县", "望田镇", "大村")  # base 大: one character, found by 大村 only
    e = Village("", "鄢陵县", "望田镇", "西李村村民委员会")  # found by 西李 too
    ros = Roster([d, e])
    assert match_text(ros, "望田镇大村台账") is d
    assert match_text(ros, "大台账") is None
    assert match_text(ros, "西李整改台账") is e
    assert match_text(ros, "西李村村民委员会") is e


def test_list_files_order_and_what_is_skipped(tmp_path):
    """A folder's files by name, then its folders' (by name); links to folders and hidden
    folders not entered; each skipped file with its reason."""
    d = tmp_path / "returns"
    for rel in ("b.xlsx", "a.xlsx", "乙/c.xlsx", "甲/z.xls", "甲/子/d.xlsx", ".git/e.xlsx",
                "~$a.xlsx", "说明.docx", ".hidden.xlsx", "Thumbs.db", "无扩展名", "陈化店镇.ZIP",
                "签字页.jpg"):  # fmt: skip
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(b"x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.xlsx").write_bytes(b"x")
    (d / "链接").symlink_to(outside, target_is_directory=True)
    (d / "断链.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (d / "文件链接.xlsx").symlink_to(outside / "f.xlsx")
    files, skipped = validate.list_files(d)
    assert [p.relative_to(d).as_posix() for p in files] == [
        "a.xlsx", "b.xlsx", "乙/c.xlsx", "甲/z.xls", "甲/子/d.xlsx"
    ]  # fmt: skip
    assert sorted(skipped) == sorted([
        (".hidden.xlsx", "隐藏文件"),
        ("Thumbs.db", "隐藏文件"),
        ("~$a.xlsx", "Office 临时锁定文件"),
        ("无扩展名", "不是表格文件（无扩展名）"),
        ("断链.xlsx", "不是普通文件"),
        ("文件链接.xlsx", "不是普通文件"),
        ("说明.docx", "不是表格文件（.docx）"),
        ("陈化店镇.ZIP", "压缩包，没有读取：请先解压到本文件夹，再重新运行"),
        ("签字页.jpg", "扫描件或照片，没有读取：请报送 Excel 台账，签字扫描件另行留存"),
    ])  # fmt: skip
    assert validate.list_files(d / "a.xlsx") == ([d / "a.xlsx"], [])
    assert validate.list_files(tmp_path / "missing") == ([], [])


def test_a_file_named_for_a_village_the_roster_has_twice(make_return, cl, ros, tmp_path):
    """王庄村.xlsx holding 大马村's ledger: the roster has two 王庄村 (the file name matches
    neither), yet it names another village than the ledger's: said (was silent). A file name
    naming no village, or only its township, says nothing."""
    assert sum(v.village == "王庄村" for v in ros.villages) == 2
    d = tmp_path / "in"
    make_return("王庄村.xlsx", folder=d)  # 大马村's ledger
    make_return("陈化店镇台账.xlsx", folder=d / "x")
    make_return("第1期.xlsx", folder=d / "y")
    rep, _ = validate.validate_folder(d, cl, ros, workers=1)
    got = {fr.file: [(f.code, f.value) for f in fr.findings if f.code.startswith("identity")]
           for fr in rep.files}  # fmt: skip
    assert got == {
        "王庄村.xlsx": [("identity-conflict", "王庄村")],
        "x/陈化店镇台账.xlsx": [],
        "y/第1期.xlsx": [],
    }


def test_column_missing_names_the_header_only_where_the_column_belongs(make_return, cl, ros):
    """整改措施's header typed over (备用) and a 联系电话 column added at the end: the cell named
    is the one between 自查问题描述 and 整改类型 (G3), not the added column; with 整改措施
    deleted instead, the added column is no stand-in for it (no cell)."""
    p = make_return("col.xlsx", {})
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    g = f"{layout.LETTER['measure']}{layout.ROW_HEADER}"
    ws[g] = "备用"
    ws.cell(layout.ROW_HEADER, ws.max_column + 1, "联系电话")
    wb.save(p)
    rep, _ = run(p, cl, ros)
    assert found(rep) == {("column-missing", g)}
    wb = openpyxl.load_workbook(p)
    ws = wb[layout.SHEET_LEDGER]
    ws.delete_cols(ws[g].column)
    wb.save(p)
    rep, _ = run(p, cl, ros)
    assert found(rep) == {("column-missing", "")}


def test_a_year_typed_wrong_does_not_make_a_file_the_newest(make_return, cl, ros, tmp_path):
    """Two passing files of one village: 2022-03-30, and one dated 2026-03-28 (the year typed
    wrong: report-date-out-of-campaign). The 2022 file is used (the wrong year used to win as
    the newest 填报日期)."""
    d = tmp_path / "dup"
    make_return("a.xlsx", {}, folder=d, report_date=dt.date(2022, 3, 30))
    make_return("b.xlsx", {}, folder=d, report_date=dt.date(2026, 3, 28))
    rep, _ = run(d, cl, ros)
    assert {fr.file: fr.used for fr in rep.files} == {"a.xlsx": True, "b.xlsx": False}
    msg = next(f.message for f in rep.findings if f.code == "duplicate-return")
    assert msg.endswith("采用填报日期最新（2022-03-30）的“a.xlsx”。")


def test_a_photo_or_text_saved_as_xlsx_is_named_for_what_it_is(make_return, cl, ros, tmp_path):
    """A photo of the signed ledger or a CSV renamed to .xlsx: refused as what it is (was
    无法识别的文件), sent back to the village its name names."""
    d = tmp_path / "in"
    (d / "甲").mkdir(parents=True)
    (d / "甲" / "郭庄村.xlsx").write_bytes(b"\xff\xd8\xff\xe0" + bytes(200))
    (d / "大马村.xlsx").write_text("序号,是否存在问题\n1,否\n", encoding="gbk")
    rep, _ = run(d, cl, ros)
    got = {fr.file: (fr.village, [(f.code, f.message) for f in fr.findings]) for fr in rep.files}
    assert got == {
        "大马村.xlsx": ("大马村", [("file-unsupported", "大马村.xlsx：文件实际格式为文本文件（如 .csv、"
                        ".txt），请在 WPS 或 Excel 中“另存为”.xlsx 后再报送。")]),
        "甲/郭庄村.xlsx": ("郭庄村", [("file-unsupported", "甲/郭庄村.xlsx：文件实际格式为图片（扫描件"
                           "或照片；签字页的扫描件请另行留存），请在 WPS 或 Excel 中“另存为”.xlsx 后再报送。")]),
    }  # fmt: skip
