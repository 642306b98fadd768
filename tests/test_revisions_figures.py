"""Checklist revisions in the figures: rollup on the current numbering before any merge after
a revision; problems of removed items under their old 序号, counted (real CLI, real SQLite)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import NO, problem
from test_revisions import ROSTER, _run, _write, camp  # noqa: F401  (camp: the module fixture)

from dapaicha import layout
from dapaicha.config import checklist
from dapaicha.read import roster as roster_read
from dapaicha.xlsx import fill


def _items(path: Path) -> dict[int, tuple]:
    """按排查项目: 序号 → (类别, 排查项目, 问题数, 涉及村数, 已整改)."""
    ws = openpyxl.load_workbook(path)["按排查项目"]
    return {
        r[1]: (r[0], r[2], r[4], r[5], r[6])
        for r in ws.iter_rows(values_only=True)
        if isinstance(r[1], int)
    }


def _listed(path: Path) -> list[tuple]:
    """问题清单 of a county summary: (序号, 排查项目, 问题描述, 备注)."""
    ws = openpyxl.load_workbook(path)["问题清单"]
    head = next(r for r in ws.iter_rows(values_only=True) if "序号" in r)
    no, topic, desc, note = (head.index(h) for h in ("序号", "排查项目", "自查问题描述", "备注"))
    return sorted(
        (r[no], r[topic], r[desc], r[note])
        for r in ws.iter_rows(values_only=True)
        if isinstance(r[no], int)
    )


def test_rollup_before_any_merge_after_a_revision_uses_the_current_numbers(camp, tmp_path):  # noqa: F811
    """Merged under 初版; the checklist is revised; rollup (no merge between) moves the store
    onto 第2版: 原10 → 11, 原11 → 10, the new 67 with no problem."""
    s = tmp_path / "s.sqlite"
    code, out = _run(
        "merge", camp["returns"], "-r", ROSTER, "-s", s, "-p", 1, "-o", tmp_path / "m1.xlsx"
    )
    assert code == 0, out
    code, out = _run("rollup", "-s", s, "-r", ROSTER, "-c", camp["cl2"], "-p", 1, "-o", tmp_path)
    assert code == 0, out
    items = _items(tmp_path / "市级汇总表_第1期.xlsx")
    # hand count: village 0 reported 5 and 原10 (now 11), village 1 reported 原11 (now 10)
    assert {n: items[n][1:4] for n in (5, 10, 11, 67)} == {
        5: ("档案资料", 1, 1),
        10: ("监测帮扶", 1, 1),
        11: ("风险消除", 1, 1),
        67: ("监测帮扶", 0, 0),
    }
    assert sum(v[2] for v in items.values()) == 3
    county = roster_read.load(ROSTER).villages[0].county
    listed = _listed(tmp_path / f"{county}_县级汇总表_第1期.xlsx")
    assert [x[:3] for x in listed] == [
        (5, "档案资料", "五号问题"),
        (10, "监测帮扶", "十一号问题"),
        (11, "风险消除", "十号问题"),
    ]
    conn = sqlite3.connect(s)
    try:
        assert conn.execute("SELECT checklist_hash FROM campaigns").fetchall() == [
            (checklist.load(camp["cl2"]).content_hash,)
        ]
    finally:
        conn.close()


def _v2b(path: Path) -> Path:
    """The default checklist with its last item (66, 工作方面 · 涉贫信访) removed."""
    data = checklist.load().model_dump(mode="json")
    last = data["categories"][-1]
    gone = last["items"].pop()
    removed = {
        "no": 66,
        "category": last["code"],
        "topic": gone["topic"],
        "content": gone["content"],
    }
    data["revisions"] = [{"label": "删减版", "removed": [removed]}]
    return _write(path, data)


@pytest.fixture(scope="module")
def gone(camp, tmp_path_factory) -> dict[str, Path]:  # noqa: F811
    """初版 ledgers returned after 66 was removed: village 0 reports 3 (已整改) and 66
    (已整改), village 1 reports 66 (正在整改)."""
    d = tmp_path_factory.mktemp("gone")
    cl1 = checklist.load()
    signers = dict(zip(cl1.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
    answers = {
        camp["v0"]: {3: problem(description="三号问题"), 66: problem(description="六六甲")},
        camp["v1"]: {66: problem(description="六六乙", result="正在整改", done_date=None)},
    }
    for name, ans in answers.items():
        src = next((camp["dir"] / "台账").rglob(f"{name}_*.xlsx"))
        dst = d / "returns" / src.name
        fill.fill_ledger(
            src, dst, ans, default=NO, report_date=dt.date(2022, 3, 30), signers=signers
        )
    return {"dir": d, "returns": d / "returns", "cl": _v2b(d / "v2b.yaml")}


def _row_of(path: Path, sheet: str, first: str) -> tuple:
    ws = openpyxl.load_workbook(path)[sheet]
    return next(r for r in ws.iter_rows(values_only=True) if r[0] == first)


def _assert_removed_figures(out: Path, v0: str, v1: str) -> None:
    """Hand count: 3 problems, 基础工作方面 1 (item 3), 工作方面 2 (old 66), all 立行立改,
    2 已整改, 1 正在整改; 66 listed under its old 序号 with the note."""
    cats = [c.name for c in checklist.load().categories]
    total = _row_of(out / "市级汇总表_第1期.xlsx", "汇总", "全市合计")
    counts = dict(
        zip(["problems", *cats, "imm", "plan", "done", "doing", "not"], total[7:20], strict=True)
    )
    assert counts == {
        "problems": 3, "基础工作方面": 1, "动态监测方面": 0, "帮扶支持方面": 0,
        "“三保障”方面": 0, "兜底保障方面": 0, "人居环境方面": 0, "工作方面": 2,
        "imm": 3, "plan": 0, "done": 2, "doing": 1, "not": 0,
    }  # fmt: skip
    items = _items(out / "市级汇总表_第1期.xlsx")
    assert items[3][2:] == (1, 1, 1)
    assert items[66][:2] == ("工作方面", "涉贫信访") and items[66][2:] == (2, 2, 1)
    ws = openpyxl.load_workbook(out / "市级汇总表_第1期.xlsx")["按排查项目"]
    content = next(r[3] for r in ws.iter_rows(values_only=True) if r[1] == 66)
    assert content.startswith(layout.REMOVED_NOTE)
    county = roster_read.load(ROSTER).villages[0].county
    listed = _listed(out / f"{county}_县级汇总表_第1期.xlsx")
    assert listed == [
        (3, "信息采集", "三号问题", None),
        (66, "涉贫信访", "六六乙", layout.REMOVED_NOTE),
        (66, "涉贫信访", "六六甲", layout.REMOVED_NOTE),
    ]


def _merged_rows(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[layout.SHEET_MERGED]
    keys = [k for k, _, _ in layout.merged_columns()]
    at = [keys.index(k) for k in ("village", "category", "no", "topic", "description", "note")]
    rows = ws.iter_rows(values_only=True)
    return sorted(tuple(r[i] for i in at) for r in rows if isinstance(r[at[2]], int))


def test_removed_item_problems_merged_and_counted_under_the_old_number(camp, gone, tmp_path):  # noqa: F811
    s = tmp_path / "s.sqlite"
    code, out = _run(
        "merge", gone["returns"], "-r", ROSTER, "-c", gone["cl"], "-s", s, "-p", 1,
        "-o", tmp_path / "县合并.xlsx",
    )  # fmt: skip
    assert code == 0, out
    v0, v1 = camp["v0"], camp["v1"]
    want = sorted(
        [
            (v0, "基础工作方面", 3, "信息采集", "三号问题", None),
            (v0, "工作方面", 66, "涉贫信访", "六六甲", layout.REMOVED_NOTE),
            (v1, "工作方面", 66, "涉贫信访", "六六乙", layout.REMOVED_NOTE),
        ]
    )
    assert _merged_rows(tmp_path / "县合并.xlsx") == want
    code, out = _run("rollup", "-s", s, "-r", ROSTER, "-c", gone["cl"], "-p", 1, "-o", tmp_path)
    assert code == 0, out
    _assert_removed_figures(tmp_path, v0, v1)
    # the merged ledger sent up a tier: the same rows, the note once
    (tmp_path / "up").mkdir()
    shutil.copy(tmp_path / "县合并.xlsx", tmp_path / "up" / "县合并.xlsx")
    code, out = _run(
        "merge", tmp_path / "up", "-r", ROSTER, "-c", gone["cl"], "-s", tmp_path / "city.sqlite",
        "-p", 1, "-o", tmp_path / "市合并.xlsx",
    )  # fmt: skip
    assert code == 0, out
    assert _merged_rows(tmp_path / "市合并.xlsx") == want


def test_store_of_the_first_version_keeps_removed_item_problems(camp, gone, tmp_path):  # noqa: F811
    """Merged under 初版, then 66 is removed: rollup moves the store, 66's problems stay."""
    s = tmp_path / "s.sqlite"
    code, out = _run(
        "merge", gone["returns"], "-r", ROSTER, "-s", s, "-p", 1, "-o", tmp_path / "m.xlsx"
    )
    assert code == 0, out
    code, out = _run("rollup", "-s", s, "-r", ROSTER, "-c", gone["cl"], "-p", 1, "-o", tmp_path)
    assert code == 0, out
    _assert_removed_figures(tmp_path, camp["v0"], camp["v1"])
