"""merge writes the merged ledgers of the counties it touched only (issue 20); the whole
store's ledger and every county's with --all-ledgers (units.write with touched=None)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

from openpyxl import load_workbook
from test_store import CL, make_rows, problem

from dapaicha import layout
from dapaicha.app import merge, units
from dapaicha.app import rollup as rollup_app
from dapaicha.config.roster import Roster, Village
from dapaicha.figures import rollup
from dapaicha.model import PackedRows, Submission
from dapaicha.store import ledgers
from dapaicha.store import query as store_query
from dapaicha.store import write as store_write
from dapaicha.xlsx import merged as merged_xlsx

D = dt.date
TWO = [
    Village("411024103201", "鄢陵县", "陈化店镇", "大马村"),
    Village("411024104201", "鄢陵县", "马栏镇", "前杨村"),
    Village("411025100201", "襄城县", "城关街道", "东关村"),
    Village("411025101201", "襄城县", "茨沟街道", "西村"),
]
ROSTER = Roster(list(TWO))


def sub(v: int, problems: list, tag: str = "") -> Submission:
    vil = TWO[v]
    rows = make_rows(problems)
    sha = hashlib.sha256(f"{vil.code}|{tag}".encode()).hexdigest()
    return Submission(f"{vil.village}{tag}.xlsx", sha, vil.code, vil.county, vil.township,
                      vil.village, D(2022, 3, 30), True, rows=rows, sheet=layout.SHEET_LEDGER)  # fmt: skip


def do(db: Path, subs: list[Submission], folder: Path, **kw) -> merge.MergeResult:
    return merge.merge_submissions(db, subs, CL, roster=ROSTER, period=1, units=folder,
                                   received_at="2022-04-01T00:00:00+00:00", **kw)  # fmt: skip


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_one_county_merged_rewrites_only_its_ledger(tmp_path):
    db, folder = tmp_path / "s.sqlite", tmp_path / "合并台账"
    yan = units.path_of(folder, "鄢陵县", 1)
    xiang = units.path_of(folder, "襄城县", 1)
    assert yan == folder / "第1期" / "鄢陵县问题整改台账_第1期.xlsx"
    res = do(db, [sub(0, [problem(3)]), sub(2, [problem(5), problem(7)])], folder)
    assert sorted(w.unit for w in res.units) == ["襄城县", "鄢陵县"]
    assert res.written is None  # no whole-store ledger unless asked
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in (yan, xiang)}
    # a later return of one 鄢陵县 village: only 鄢陵县's ledger is rewritten
    res = do(db, [sub(1, [problem(9)], tag="b")], folder)
    assert [w.path for w in res.units] == [yan]
    assert (sha(xiang), xiang.stat().st_mtime_ns) == before[xiang]
    assert sha(yan) != before[yan][0]
    assert [p.name for p in yan.parent.iterdir() if p.name.startswith(".")] == []
    rows = list(load_workbook(yan)[layout.SHEET_MERGED].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[6]) for r in rows] == [("大马村", 3), ("前杨村", 9)]
    # the same as rewriting every ledger, and the whole store's ledger beside them
    again = tmp_path / "全部"
    res = do(db, [], again, out=tmp_path / "全库.xlsx", all_units=True)
    assert sorted(w.unit for w in res.units) == ["襄城县", "鄢陵县"]
    assert sha(units.path_of(again, "鄢陵县", 1)) == sha(yan)
    assert sha(units.path_of(again, "襄城县", 1)) == sha(xiang)
    whole = list(load_workbook(tmp_path / "全库.xlsx")[layout.SHEET_MERGED].iter_rows(min_row=3, values_only=True))  # fmt: skip
    assert len(whole) == 4  # 3 + 9 in 鄢陵县, 5 + 7 in 襄城县
    # nothing new: nothing rewritten
    res = do(db, [sub(1, [problem(9)], tag="b")], folder)
    assert res.units == [] and res.already == 1


def test_a_missing_county_ledger_is_written_again(tmp_path):
    db, folder = tmp_path / "s.sqlite", tmp_path / "合并台账"
    do(db, [sub(0, [problem(3)]), sub(2, [])], folder)
    xiang = units.path_of(folder, "襄城县", 1)
    xiang.unlink()
    res = do(db, [sub(1, [], tag="b")], folder)
    assert sorted(w.unit for w in res.units) == ["襄城县", "鄢陵县"]
    assert xiang.is_file()


def test_lean_current_returns_hold_what_the_signals_read(tmp_path):
    """rollup's 疑似走过场 reads problem rows only, and the shape of a ledger without any."""
    s = tmp_path / "s.sqlite"
    do(s, [sub(0, [problem(3), problem(8)]), sub(2, [])], tmp_path / "u")
    conn = store_write.connect(s)
    try:
        full, lean = ledgers.current_returns(conn, 1), ledgers.current_returns(conn, 1, lean=True)
    finally:
        conn.close()
    a, c = TWO[0].code, TWO[2].code
    assert [(r.no, r.has_problem) for r in lean.returns[a].rows] == [(3, "是"), (8, "是")]
    # the values the signals read, as stored; the others not fetched
    mine = [r for r in full.returns[a].rows if r.is_problem]
    read = ("description", "measure", "deadline", "result", "row", "cells")
    assert [[getattr(r, k) for k in read] for r in lean.returns[a].rows] == [
        [getattr(r, k) for k in read] for r in mine
    ]
    assert {(r.kind, r.owner, r.done_date, r.note) for r in lean.returns[a].rows} == {
        (None, None, None, None)
    }
    assert len(full.returns[a].rows) == len(full.returns[c].rows) == 66
    # a ledger without problems: no rows, its shape (rows, not 否, first and last row, with row)
    assert lean.returns[c].rows == [] and list(lean.shapes) == [c]
    first = layout.ROW_FIRST_ITEM
    assert lean.shapes[c] == (66, 0, first, first + 65, 66)
    assert lean.ids == full.ids and sorted(lean.ids) == [a, c]


def _ten_counties() -> tuple[Roster, list[Submission]]:
    """Ten counties of two villages each; the second village of each has no return."""
    vs, subs = [], []
    for c in range(10):
        county = f"第{c}县"
        for k in range(2):
            vs.append(Village(f"4110{30 + c:02d}100{k:03d}", county, "一镇", f"{c}{k}村"))
        v = vs[-2]
        rows = make_rows([problem(3 + c), problem(20)])
        sha = hashlib.sha256(v.code.encode()).hexdigest()
        subs.append(Submission(f"{v.village}.xlsx", sha, v.code, county, "一镇", v.village,
                               D(2022, 3, 30), True, rows=rows, sheet=layout.SHEET_LEDGER))  # fmt: skip
    return Roster(vs), subs


def test_many_county_ledgers_side_by_side_are_the_same_files(tmp_path):
    # ten counties: the ledgers are cut from one query and written on two processes; the
    # files are the very bytes one process writes county by county (narrowed queries)
    ros, subs = _ten_counties()
    got = {}
    for workers in (1, 2):
        db, folder = tmp_path / f"s{workers}.sqlite", tmp_path / f"w{workers}"
        if workers == 2:  # as a merge's workers send them: rows compressed
            subs = [dataclasses.replace(s, rows=PackedRows.of(s.rows)) for s in subs]
        res = merge.merge_submissions(db, subs, CL, roster=ros, period=1, units=folder,
                                      received_at="2022-04-01T00:00:00+00:00", workers=workers)  # fmt: skip
        assert sorted(w.unit for w in res.units) == sorted(f"第{c}县" for c in range(10))
        got[workers] = {p.name: p.read_bytes() for p in sorted((folder / "第1期").iterdir())}
        assert [w.problems for w in res.units] == [2] * 10
    assert len(got[1]) == 10 and got[1] == got[2]
    # one county's own narrowed queries write the same file as the cut from the whole store
    conn = store_write.connect(tmp_path / "s1.sqlite")
    try:
        data = store_query.frames(conn, 1, depth=0, county="第3县")
        merged_xlsx.write(
            tmp_path / "own.xlsx", data, CL, store_query.source_periods(conn, 1, "第3县")
        )
    finally:
        conn.close()
    assert (tmp_path / "own.xlsx").read_bytes() == got[1]["第3县问题整改台账_第1期.xlsx"]
    # the 第3县 ledger: its village 30村 with items 6 and 20; 31村 in the village sheet only
    wb = load_workbook(tmp_path / "w2" / "第1期" / "第3县问题整改台账_第1期.xlsx")
    rows = list(wb[layout.SHEET_MERGED].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[6]) for r in rows] == [("30村", 6), ("30村", 20)]
    lines = list(wb[layout.SHEET_MERGED_VILLAGES].iter_rows(min_row=2, values_only=True))
    assert [(x[3], x[9]) for x in lines] == [("30村", 2), ("31村", 0)]


def test_many_county_summaries_on_workers_are_the_same_files(tmp_path):
    # ten counties: rollup's county summaries written on two forked workers (which find
    # the jobs in memory) are the very bytes one process writes
    ros, subs = _ten_counties()
    db = tmp_path / "s.sqlite"
    merge.merge_submissions(db, subs, CL, roster=ros, period=1,
                            received_at="2022-04-01T00:00:00+00:00")  # fmt: skip
    data = store_query.period_frames(db, 1)
    r = rollup.build(data, rollup.roster_frame(ros.villages), CL)
    sigs = rollup_app.perfunctory_signals(db, 1, CL)
    got = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        paths = rollup_app.write_reports(r, CL, out, signals=sigs, workers=workers)
        got[workers] = {p.name: p.read_bytes() for p in paths if "县级汇总表" in p.name}
    assert sorted(got[1]) == [f"第{c}县_县级汇总表_第1期.xlsx" for c in range(10)]
    assert got[1] == got[2]
    wb = load_workbook(tmp_path / "w2" / "第3县_县级汇总表_第1期.xlsx")
    assert wb["汇总"]["A5"].value == "一镇"
