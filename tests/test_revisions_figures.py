"""Checklist revisions in the figures: rollup on the current numbering before any merge after
a revision; problems of removed items under their old 序号, counted (real CLI, real SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
from test_revisions import ROSTER, _run, camp  # noqa: F401  (camp: the module fixture)

from dapaicha.config import checklist
from dapaicha.read import roster as roster_read


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
