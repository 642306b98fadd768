"""Checklist revisions mid-campaign: versions rebuilt, the version in the metadata, earlier
returns read onto the current numbering (generate → fill → validate → merge → rollup through
the real CLI and a real SQLite store)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, problem
from typer.testing import CliRunner

from dapaicha import layout, resources
from dapaicha.app import validate
from dapaicha.cli.main import app
from dapaicha.config import checklist
from dapaicha.errors import UserError
from dapaicha.read import roster as roster_read
from dapaicha.store import write as store_write
from dapaicha.xlsx import fill

ROSTER = resources.examples_dir() / "roster.xlsx"
NEW_ITEM = "是否对2022年新识别的监测对象全部落实帮扶措施。"
REWORDED = "（修订）请同时核查会议记录是否完整。"


def _run(*args: object) -> tuple[int, str]:
    r = CliRunner().invoke(app, [str(a) for a in args])
    return r.exit_code, r.output


def _write(path: Path, data: dict) -> Path:
    # JSON is YAML (and keeps 'no', 'yes' in the vocabularies as text)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path


def _v2_data() -> dict:
    """The default checklist revised: 5 reworded, 10 and 11 swapped, 67 added."""
    data = checklist.load().model_dump(mode="json")
    cats = data["categories"]
    items = {i["no"]: i for c in cats for i in c["items"]}
    old5 = items[5]["content"]
    items[5]["content"] = old5 + REWORDED
    items[10]["no"], items[11]["no"] = 11, 10
    for c in cats:
        c["items"].sort(key=lambda i: i["no"])
    cats[-1]["items"].append({"no": 67, "topic": "监测帮扶", "content": NEW_ITEM})
    data["revisions"] = [
        {
            "label": "第2版",
            "date": "2022-04-10",
            "reworded": [{"no": 5, "was": old5}],
            "added": [{"no": 67}],
            "renumbered": {10: 11, 11: 10},
        }
    ]
    return data


@pytest.fixture(scope="module")
def camp(tmp_path_factory) -> dict[str, Path]:
    """v1 ledgers (generated before the revision), filled by two villages."""
    d = tmp_path_factory.mktemp("rev")
    code, out = _run("generate", "-r", ROSTER, "-o", d / "台账")
    assert code == 0, out
    cl1 = checklist.load()
    ros = roster_read.load(ROSTER, cl1.campaign)
    ret = d / "returns"
    answers = {
        0: {5: problem(description="五号问题"), 10: problem(description="十号问题")},
        1: {11: problem(description="十一号问题")},
    }
    names = []
    for k, ans in answers.items():
        v = ros.villages[k]
        src = next((d / "台账").rglob(f"{v.village}_*.xlsx"))
        fill.fill_ledger(
            src,
            ret / src.name,
            ans,
            default=NO,
            report_date=dt.date(2022, 4, 15),
            signers=dict(zip(cl1.campaign.village_signers, ("甲", "乙", "丙"), strict=True)),
        )
        names.append(v.village)
    return {
        "dir": d,
        "cl2": _write(d / "v2.yaml", _v2_data()),
        "returns": ret,
        "v0": names[0],
        "v1": names[1],
    }


def test_versions_rebuilt_and_first_hash_unchanged(camp) -> None:
    cl1, cl2 = checklist.load(), checklist.load(camp["cl2"])
    assert [v.label for v in cl1.versions] == ["初版"]
    assert cl1.versions[0].content_hash == cl1.content_hash
    assert [(v.label, len(v.entries)) for v in cl2.versions] == [("初版", 66), ("第2版", 67)]
    first, last = cl2.versions
    assert first.content_hash == cl1.content_hash  # ledgers made before the revision match
    assert last.content_hash == cl2.content_hash
    assert (first.to_current[10], first.to_current[11], first.to_current[5]) == (11, 10, 5)
    assert checklist.lint(cl2) == checklist.lint(cl1)


def test_checklist_command_shows_versions_and_diff(camp) -> None:
    code, out = _run("checklist", "-c", camp["cl2"])
    assert code == 0, out
    assert "初版" in out and "第2版" in out and "67 项" in out
    code, out = _run("checklist", "diff", "初版", "第2版", "-c", camp["cl2"])
    assert code == 0, out
    lines = [x for x in out.splitlines() if x.strip()]
    assert lines[0].startswith("改写：第 5 项")
    assert lines[1:] == [
        "序号变更：第 10 项 → 第 11 项",
        "序号变更：第 11 项 → 第 10 项",
        f"新增：第 67 项（{checklist.load().categories[-1].name}：{NEW_ITEM}）",
    ]
    r = CliRunner().invoke(app, ["checklist", "diff", "初版", "第9版", "-c", str(camp["cl2"])])
    assert isinstance(r.exception, UserError) and "第9版" in str(r.exception)


def test_lint_revision_naming_a_missing_item(tmp_path) -> None:
    data = _v2_data()
    data["revisions"][0]["reworded"].append({"no": 99, "was": "x"})
    problems = checklist.lint(checklist.load(_write(tmp_path / "b.yaml", data)))
    assert [(p.severity, p.where, p.message) for p in problems if p.where.startswith("修订")] == [
        ("error", "修订“第2版”", "改写的第 99 项在修订后的清单中不存在")
    ]


def test_v1_returns_accepted_after_v2_with_warnings(camp) -> None:
    cl2 = checklist.load(camp["cl2"])
    ros = roster_read.load(ROSTER, cl2.campaign)
    report, subs = validate.validate_folder(camp["returns"], cl2, ros)
    got = {
        f.village: [(x.code, x.item, x.severity.value) for x in f.findings] for f in report.files
    }
    want = [
        ("checklist-earlier-version", None, "warning"),
        ("item-not-seen", 67, "warning"),
    ]
    assert got == {camp["v0"]: want, camp["v1"]: want}
    assert all(f.accepted for f in report.files)
    msg = report.files[0].findings[0].message
    assert "“初版”" in msg and "“第2版”" in msg and "原第 10 项现为第 11 项" in msg
    assert "下周补报" in report.files[0].findings[1].message
    rows = {s.village: [(r.no, r.description) for r in s.rows if r.is_problem] for s in subs}
    assert rows == {
        camp["v0"]: [(5, "五号问题"), (11, "十号问题")],
        camp["v1"]: [(10, "十一号问题")],
    }
    assert all(len(s.rows) == 66 for s in subs)  # 67 not seen: no row


def test_edited_item_text_still_refused(camp, tmp_path) -> None:
    src = next(camp["returns"].glob(f"{camp['v0']}_*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    col = 1 + next(i for i, c in enumerate(layout.COLUMNS) if c.key == "content")
    r = layout.ROW_FIRST_ITEM + 2  # item 3
    ws.cell(r, col).value = "村里自己改写的排查内容"
    (tmp_path / "r").mkdir()
    wb.save(tmp_path / "r" / src.name)
    code, out = _run(
        "validate", tmp_path / "r", "-r", ROSTER, "-c", camp["cl2"], "--json",
        "--report", tmp_path / "校验报告.xlsx",
    )  # fmt: skip
    assert code == 1, out
    (f,) = json.loads(out)["files"]
    errors = [(x["code"], x["item"]) for x in f["findings"] if x["severity"] == "error"]
    assert errors == [("item-text-altered", 3)]


def test_unknown_checklist_content_still_refused(camp, tmp_path) -> None:
    """A ledger made from a checklist edited without a revision matches no version."""
    data = _v2_data()
    data["categories"][0]["items"][0]["content"] += "（县里自行改动）"
    del data["revisions"]
    edited = _write(tmp_path / "edited.yaml", data)
    code, out = _run("generate", "-r", ROSTER, "-c", edited, "-o", tmp_path / "t")
    assert code == 0, out
    src = next((tmp_path / "t").rglob(f"{camp['v0']}_*.xlsx"))
    cl = checklist.load(camp["cl2"])
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    dst = tmp_path / "r" / src.name
    fill.fill_ledger(src, dst, {}, default=NO, report_date=dt.date(2022, 4, 15), signers=signers)
    code, out = _run(
        "validate", tmp_path / "r", "-r", ROSTER, "-c", camp["cl2"], "--json",
        "--report", tmp_path / "校验报告.xlsx",
    )  # fmt: skip
    assert code == 1, out
    (f,) = json.loads(out)["files"]
    errors = [(x["code"], x["item"]) for x in f["findings"] if x["severity"] == "error"]
    assert errors == [("checklist-mismatch", None), ("item-text-altered", 1)]  # as before


def test_merged_ledger_and_county_summary_use_current_numbers(camp) -> None:
    d, cl2 = camp["dir"], camp["cl2"]
    code, out = _run(
        "merge", camp["returns"], "-r", ROSTER, "-c", cl2, "-s", d / "s.sqlite", "-p", 1,
        "-o", d / "merged.xlsx",
    )  # fmt: skip
    assert code == 0, out
    ws = openpyxl.load_workbook(d / "merged.xlsx")[layout.SHEET_MERGED]
    keys = [k for k, _, _ in layout.merged_columns()]
    no, topic, desc = keys.index("no"), keys.index("topic"), keys.index("description")
    cur = checklist.load(cl2).by_no
    got = sorted(
        (r[no], r[desc], r[topic])
        for r in ws.iter_rows(values_only=True)
        if isinstance(r[no], int) and r[desc]
    )
    assert got == [
        (5, "五号问题", "档案资料"),
        (10, "十一号问题", "监测帮扶"),  # the topics of the current 10 and 11
        (11, "十号问题", "风险消除"),
    ]
    assert (cur[10][1].topic, cur[11][1].topic) == ("监测帮扶", "风险消除")
    code, out = _run(
        "rollup", "-s", d / "s.sqlite", "-r", ROSTER, "-c", cl2, "-p", 1, "-o", d / "汇总"
    )
    assert code == 0, out
    county = roster_read.load(ROSTER, checklist.load(cl2).campaign).villages[0].county
    wb = openpyxl.load_workbook(next((d / "汇总").rglob(f"{county}_县级汇总表_*.xlsx")))
    listed = [
        r for r in wb["问题清单"].iter_rows(values_only=True) if any(v == "十号问题" for v in r)
    ]
    assert len(listed) == 1 and 11 in listed[0] and "风险消除" in listed[0]


def _merged_problems(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[layout.SHEET_MERGED]
    keys = [k for k, _, _ in layout.merged_columns()]
    no, topic, desc = keys.index("no"), keys.index("topic"), keys.index("description")
    rows = ws.iter_rows(values_only=True)
    return sorted((r[no], r[desc], r[topic]) for r in rows if isinstance(r[no], int) and r[desc])


def test_store_of_the_first_version_moves_to_the_current(camp, tmp_path) -> None:
    """Merged under 初版, then the checklist is revised: the stored rows are renumbered."""
    s = tmp_path / "s.sqlite"
    code, out = _run(
        "merge", camp["returns"], "-r", ROSTER, "-s", s, "-p", 1, "-o", tmp_path / "m1.xlsx"
    )
    assert code == 0, out
    assert _merged_problems(tmp_path / "m1.xlsx") == [
        (5, "五号问题", "档案资料"),
        (10, "十号问题", "风险消除"),
        (11, "十一号问题", "监测帮扶"),
    ]
    (tmp_path / "none").mkdir()  # nothing new: only the store moves to the current version
    code, out = _run(
        "merge", tmp_path / "none", "-r", ROSTER, "-c", camp["cl2"], "-s", s, "-p", 1,
        "-o", tmp_path / "m2.xlsx",
    )  # fmt: skip
    assert code == 0, out
    assert _merged_problems(tmp_path / "m2.xlsx") == [
        (5, "五号问题", "档案资料"),
        (10, "十一号问题", "监测帮扶"),
        (11, "十号问题", "风险消除"),
    ]
    conn = sqlite3.connect(s)
    try:
        assert conn.execute("SELECT checklist_hash FROM campaigns").fetchall() == [
            (checklist.load(camp["cl2"]).content_hash,)
        ]
        assert conn.execute("SELECT content FROM items WHERE no = 67").fetchall() == [(NEW_ITEM,)]
    finally:
        conn.close()


def _validate(folder: Path, cl_path: Path) -> tuple[list, list]:
    cl = checklist.load(cl_path)
    report, subs = validate.validate_folder(folder, cl, roster_read.load(ROSTER, cl.campaign))
    return report.files, subs


def test_current_ledgers_record_the_version_and_pass_clean(camp, tmp_path) -> None:
    code, out = _run("generate", "-r", ROSTER, "-c", camp["cl2"], "-o", tmp_path / "t")
    assert code == 0, out
    src = next((tmp_path / "t").rglob(f"{camp['v0']}_*.xlsx"))
    meta = [tuple(r[:2]) for r in openpyxl.load_workbook(src)[layout.SHEET_META].values]
    keys = [k for k, _ in meta]
    assert keys[keys.index("checklist_hash") + 1] == "checklist_version"
    assert dict(meta)["checklist_version"] == "第2版"
    cl = checklist.load(camp["cl2"])
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    ans = {67: problem(description="新项问题")}
    dst = tmp_path / "r" / src.name
    fill.fill_ledger(src, dst, ans, default=NO, report_date=dt.date(2022, 4, 15), signers=signers)
    (f,), (sub,) = _validate(tmp_path / "r", camp["cl2"])
    assert f.findings == []
    assert [(r.no, r.description) for r in sub.rows if r.is_problem] == [(67, "新项问题")]


def test_return_without_metadata_matched_by_its_texts(camp, tmp_path) -> None:
    src = next(camp["returns"].glob(f"{camp['v0']}_*.xlsx"))
    wb = openpyxl.load_workbook(src)
    del wb[layout.SHEET_META]
    (tmp_path / "r").mkdir()
    wb.save(tmp_path / "r" / src.name)
    (f,), (sub,) = _validate(tmp_path / "r", camp["cl2"])
    assert [(x.code, x.item) for x in f.findings] == [
        ("checklist-earlier-version", None),
        ("item-not-seen", 67),
    ]
    assert [(r.no, r.description) for r in sub.rows if r.is_problem] == [
        (5, "五号问题"),
        (11, "十号问题"),
    ]


def test_removed_item_problem_reported_under_its_old_number(camp, tmp_path) -> None:
    data = checklist.load().model_dump(mode="json")
    last = data["categories"][-1]
    gone = last["items"].pop()  # 66
    data["revisions"] = [
        {
            "label": "删减版",
            "removed": [
                {
                    "no": 66,
                    "category": last["code"],
                    "topic": gone["topic"],
                    "content": gone["content"],
                }
            ],
        }
    ]
    cl_path = _write(tmp_path / "v2b.yaml", data)
    assert checklist.load(cl_path).versions[0].content_hash == checklist.load().content_hash
    src = next((camp["dir"] / "台账").rglob(f"{camp['v0']}_*.xlsx"))
    cl = checklist.load(cl_path)
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    ans = {3: problem(description="三号问题"), 66: problem(description="六十六号问题")}
    dst = tmp_path / "r" / src.name
    fill.fill_ledger(src, dst, ans, default=NO, report_date=dt.date(2022, 4, 15), signers=signers)
    (f,), (sub,) = _validate(tmp_path / "r", cl_path)
    assert [(x.code, x.item, x.value) for x in f.findings] == [
        ("checklist-earlier-version", None, "初版"),
        ("item-removed", 66, "六十六号问题"),
    ]
    assert f.accepted
    # the removed item's problem stays, under -(its old 序号) (model.Row.no)
    assert [(r.no, r.description) for r in sub.rows if r.is_problem] == [
        (-66, "六十六号问题"),
        (3, "三号问题"),
    ]
    assert len(sub.rows) == 66  # 65 current items and the removed item's problem


def test_carry_forward_ledgers_give_the_same_merged_rows(camp, tmp_path) -> None:
    """v1 returns merged; v2 ledgers pre-filled from the store, returned unchanged but for the
    new item, the date and the signers: the same rows, on the current numbering."""
    s = tmp_path / "s.sqlite"
    cl2 = camp["cl2"]
    code, out = _run(
        "merge",
        camp["returns"],
        "-r",
        ROSTER,
        "-c",
        cl2,
        "-s",
        s,
        "-p",
        1,
        "-o",
        tmp_path / "m1.xlsx",
    )
    assert code == 0, out
    code, out = _run(
        "generate", "-r", ROSTER, "-c", cl2, "-o", tmp_path / "t", "--carry-forward", s
    )
    assert code == 0, out
    assert "2 个村" in out
    cl = checklist.load(cl2)
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    ret2 = tmp_path / "第2期"
    for name in (camp["v0"], camp["v1"]):
        src = next((tmp_path / "t").rglob(f"{name}_*.xlsx"))
        dst = ret2 / src.name
        fill.fill_ledger(src, dst, {67: NO}, report_date=dt.date(2022, 4, 22), signers=signers)
    files, subs = _validate(ret2, cl2)
    assert [x.code for f in files for x in f.findings] == []
    got = {s.village: [(r.no, r.description) for r in s.rows if r.is_problem] for s in subs}
    assert got == {
        camp["v0"]: [(5, "五号问题"), (11, "十号问题")],
        camp["v1"]: [(10, "十一号问题")],
    }
    code, out = _run(
        "merge", ret2, "-r", ROSTER, "-c", cl2, "-s", s, "-p", 2, "-o", tmp_path / "m2.xlsx"
    )
    assert code == 0, out
    p2 = store_write.period_frames(s, 2).problems
    assert p2[["no", "description", "carried"]].values.tolist() == [
        [5, "五号问题", False],
        [11, "十号问题", False],
        [10, "十一号问题", False],
    ]
    assert _merged_problems(tmp_path / "m2.xlsx") == _merged_problems(tmp_path / "m1.xlsx")


def test_carry_forward_needs_a_store(camp, tmp_path) -> None:
    r = CliRunner().invoke(
        app, ["generate", "-r", str(ROSTER), "-o", str(tmp_path / "t"), "--carry-forward",
              str(tmp_path / "none.sqlite")],
    )  # fmt: skip
    assert isinstance(r.exception, UserError) and "none.sqlite" in str(r.exception)


def test_notice_lists_the_unseen_item_to_complete(camp, tmp_path) -> None:
    code, out = _run(
        "validate", camp["returns"], "-r", ROSTER, "-c", camp["cl2"],
        "--report", tmp_path / "校验报告.xlsx", "--feedback", tmp_path / "fb",
    )  # fmt: skip
    assert code == 0, out
    text = next((tmp_path / "fb").rglob(f"{camp['v1']}_退回通知.txt")).read_text("utf-8-sig")
    assert "已通过校验，有2处提醒" in text
    assert "1.“整改台账”表【提醒】台账使用的是排查清单的“初版”版本（现行为“第2版”）" in text
    assert f"2.第67项【提醒】第 67 项为清单修订后新增（工作方面：{NEW_ITEM}），" in text
    assert "按未排查计，请下周补报。" in text
    ws = openpyxl.load_workbook(tmp_path / "校验报告.xlsx")["问题明细"]
    unseen = [
        (r[2], r[4], r[8]) for r in ws.iter_rows(values_only=True) if r[-1] == "item-not-seen"
    ]
    assert unseen == [(camp["v0"], "提醒", 67), (camp["v1"], "提醒", 67)]


def test_unknown_hash_with_the_texts_of_a_version_is_read_as_that_version(camp, tmp_path) -> None:
    """An earlier version's hash can differ when its items were not in 序号 order: the
    texts decide."""
    src = next(camp["returns"].glob(f"{camp['v1']}_*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb[layout.SHEET_META]
    row = next(r for r in ws.iter_rows() if r[0].value == "checklist_hash")
    row[1].value = "0123456789abcdef"
    (tmp_path / "r").mkdir()
    wb.save(tmp_path / "r" / src.name)
    (f,), (sub,) = _validate(tmp_path / "r", camp["cl2"])
    assert [(x.code, x.item) for x in f.findings] == [
        ("checklist-earlier-version", None),
        ("item-not-seen", 67),
    ]
    assert [(r.no, r.description) for r in sub.rows if r.is_problem] == [(10, "十一号问题")]
