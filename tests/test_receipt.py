"""When a file was received decides timeliness; the record of it survives what happens next.

Periods: 第1期 … 2022-03-31; 第2期 04-01 … 04-07; 第3期 04-08 … 04-14. Every expected figure
is written by hand from the dates in each test.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from test_store import CL, do_merge, make_sub, problem

from dapaicha.app import merge
from dapaicha.config import periods
from dapaicha.model import Status
from dapaicha.store.status import period_status
from dapaicha.xlsx import merged

D = dt.date


def _subs(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT file, period, accepted, on_time, received_at FROM submissions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_today_places_returns_but_the_ledger_is_the_batchs_period(tmp_path):
    """Bug: merge returns/第2期 without -p on a day of 第3期 wrote 第3期's merged ledger."""
    dbp, out = tmp_path / "s.sqlite", tmp_path / "台账.xlsx"
    (tmp_path / "第2期").mkdir()
    sub = make_sub(0, D(2022, 4, 6), file="大马村.xlsx")
    res = merge.merge_submissions(dbp, [sub], CL, folder=tmp_path / "第2期", out=out,
                                  today=D(2022, 4, 12), received_at="2022-04-06")  # fmt: skip
    assert res.period == 2 and _subs(dbp) == [("大马村.xlsx", 2, 1, 1, "2022-04-06")]
    # without a folder, today's period takes the return (its 填报日期 only warns)
    lone = make_sub(2, D(2022, 4, 6), file="前杨村.xlsx")
    res = merge.merge_submissions(dbp, [lone], CL, today=D(2022, 4, 12), received_at="2022-04-12")
    assert res.period == 3
    assert [(f.code, f.cell) for f in res.findings[lone.sha256]] == [
        ("report-date-other-period", "K2")
    ]


def test_first_seen_survives_a_rejected_file_accepted_later(tmp_path):
    """Bug: a file refused on 03-30 (say, a roster error) and accepted on 04-03 after the fix
    was stored as received 04-03, so late."""
    dbp = tmp_path / "s.sqlite"
    refused = make_sub(0, D(2022, 3, 30), accepted=False, errors=1, file="第1期/大马村.xlsx")
    do_merge(dbp, [refused], folder=tmp_path, received_at="2022-03-30T17:00:00+08:00")
    fixed = make_sub(0, D(2022, 3, 30), file="第1期/大马村.xlsx")
    assert fixed.sha256 == refused.sha256
    res = do_merge(dbp, [fixed], folder=tmp_path, received_at="2022-04-03T09:00:00+08:00")
    assert res.added == 1
    assert _subs(dbp) == [("第1期/大马村.xlsx", 1, 1, 1, "2022-03-30T17:00:00+08:00")]


def test_receipt_day_is_beijing_time(tmp_path):
    """2022-03-31T17:30Z is 01:30 on 04-01 in Beijing: after 第1期's deadline."""
    assert periods.day_of("2022-03-31T17:30:00+00:00") == D(2022, 4, 1)
    assert periods.day_of("2022-03-31T23:30:00+08:00") == D(2022, 3, 31)
    assert periods.day_of("2022-03-31") == D(2022, 3, 31)
    dbp = tmp_path / "s.sqlite"
    sub = make_sub(0, D(2022, 3, 31), file="第1期/大马村.xlsx")
    res = do_merge(dbp, [sub], folder=tmp_path, received_at="2022-03-31T17:30:00+00:00")
    assert [(f.code, f.value) for f in res.findings[sub.sha256]] == [
        ("received-late", "2022-04-01")
    ]


def test_the_countys_on_time_is_the_citys(tmp_path):
    """Bug: the city worked 按时 out again from the 填报日期; a village the county received
    late (03-30 typed in, received 04-02) showed 是 at the city."""
    county, out = tmp_path / "county.sqlite", tmp_path / "鄢陵县问题整改台账.xlsx"
    late = make_sub(0, D(2022, 3, 30), file="第1期/大马村.xlsx")
    timely = make_sub(2, D(2022, 3, 30), file="第1期/前杨村.xlsx")
    do_merge(county, [timely], folder=tmp_path, received_at="2022-03-31")
    do_merge(county, [late], folder=tmp_path, received_at="2022-04-02", out=out)
    subs = merged.read(out, CL)
    assert {s.village: s.on_time for s in subs} == {"大马村": False, "前杨村": True}
    city = tmp_path / "city.sqlite"
    do_merge(city, subs, received_at="2022-04-03")
    ps = {v.village: v.status for v in period_status(city, 1, D(2022, 4, 3)).villages}
    assert ps["大马村"] is Status.PASSED_LATE and ps["前杨村"] is Status.PASSED


def test_the_same_file_in_another_period_is_named(tmp_path):
    dbp = tmp_path / "s.sqlite"
    sub = make_sub(0, D(2022, 3, 30), file="大马村.xlsx")
    do_merge(dbp, [sub], period=1)
    res = do_merge(dbp, [sub], period=2)
    assert res.added == 0
    assert [(f.code, f.message) for f in res.findings[sub.sha256]] == [
        ("same-file-other-period",
         "大马村.xlsx：与第1期已入库的文件完全相同，不计入第2期，请村里报送本期台账。"),
    ]  # fmt: skip


def test_a_correction_in_time_is_not_late(tmp_path):
    """Sent 03-30 (on time) and refused; the corrected file received 04-02, within the 3 days
    its notice gave: on time. Another village corrects on 04-04, 5 days after its first: late."""
    dbp = tmp_path / "s.sqlite"
    first = make_sub(0, D(2022, 3, 30), accepted=False, errors=1, file="第1期/大马村.xlsx")
    other = make_sub(2, D(2022, 3, 30), accepted=False, errors=1, file="第1期/前杨村.xlsx")
    do_merge(dbp, [first, other], folder=tmp_path, received_at="2022-03-30T10:00:00+08:00")
    fixed = make_sub(0, D(2022, 4, 1), file="第1期/大马村-改.xlsx")
    res = do_merge(dbp, [fixed], folder=tmp_path, received_at="2022-04-02T10:00:00+08:00")
    assert [f.code for f in res.findings[fixed.sha256]] == ["report-date-other-period"]
    slow = make_sub(2, D(2022, 4, 4), file="第1期/前杨村-改.xlsx")
    res = do_merge(dbp, [slow], folder=tmp_path, received_at="2022-04-04T10:00:00+08:00")
    assert [(f.code, f.value) for f in res.findings[slow.sha256]] == [
        ("received-late", "2022-04-04"),
        ("report-date-other-period", "2022-04-04"),
    ]
    assert [r[:4] for r in _subs(dbp)] == [
        ("第1期/前杨村.xlsx", 1, 0, 1),  # refused, received in time
        ("第1期/大马村.xlsx", 1, 0, 1),
        ("第1期/大马村-改.xlsx", 1, 1, 1),
        ("第1期/前杨村-改.xlsx", 1, 1, 0),
    ]


def test_corrections_chain_from_notice_to_notice(tmp_path):
    """第2期 (deadline 04-07): sent 04-06 and refused, again 04-08 (2 days after) and refused,
    then 04-10 (2 days after that, 4 after the first): each in its notice's 3 days, so on
    time by 04-06. A return only first seen 04-08 is late."""
    dbp = tmp_path / "s.sqlite"
    for day, tag in (("2022-04-06", "a"), ("2022-04-08", "b")):
        bad = make_sub(0, D(2022, 4, 6), accepted=False, errors=1, file=f"第2期/大马村{tag}.xlsx")
        do_merge(dbp, [bad], folder=tmp_path, received_at=day)
    ok = make_sub(0, D(2022, 4, 6), file="第2期/大马村c.xlsx")
    late = make_sub(2, D(2022, 4, 6), file="第2期/前杨村.xlsx")
    do_merge(dbp, [late], folder=tmp_path, received_at="2022-04-08")
    do_merge(dbp, [ok], folder=tmp_path, received_at="2022-04-10")
    got = {r[0]: r[3] for r in _subs(dbp) if r[2] == 1}
    assert got == {"第2期/大马村c.xlsx": 1, "第2期/前杨村.xlsx": 0}


def test_a_countys_returned_village_is_returned_at_the_city(tmp_path):
    """鄢陵县 第1期: 大马村 passed; 前杨村 only sent a refused return. The county ledger
    carries 前杨村 as 退回待改, and the city's store says so too (not 未报送)."""
    county, out = tmp_path / "county.sqlite", tmp_path / "鄢陵县问题整改台账.xlsx"
    ok = make_sub(0, D(2022, 3, 30), file="第1期/大马村.xlsx")
    bad = make_sub(2, D(2022, 3, 30), accepted=False, errors=1, file="第1期/前杨村.xlsx")
    do_merge(county, [ok, bad], folder=tmp_path, out=out)
    here = {v.village: v.status for v in period_status(county, 1, D(2022, 4, 3)).villages}
    city = tmp_path / "city.sqlite"
    subs = merged.read(out, CL)
    assert sorted((s.village, s.accepted) for s in subs) == [("前杨村", False), ("大马村", True)]
    do_merge(city, subs)
    there = {v.village: v.status for v in period_status(city, 1, D(2022, 4, 3)).villages}
    assert here["前杨村"] is there["前杨村"] is Status.RETURNED
    assert here["大马村"] is there["大马村"] is Status.PASSED


def test_an_update_after_the_deadline_keeps_a_village_on_time(tmp_path):
    """大马村 reported 第1期 on 03-30 (accepted, on time) and sent an update on 04-10, ten
    days after the deadline (03-31), past any notice's 3 days: it reported in time, so 第1期
    stays on time. 前杨村, refused on 03-30 and fixed only on 04-10, is late."""
    dbp = tmp_path / "s.sqlite"
    first = make_sub(0, D(2022, 3, 30), file="第1期/大马村.xlsx")
    refused = make_sub(2, D(2022, 3, 30), accepted=False, errors=1, file="第1期/前杨村.xlsx")
    do_merge(dbp, [first, refused], folder=tmp_path, received_at="2022-03-30T10:00:00+08:00")
    update = make_sub(0, D(2022, 3, 30), [problem(5)], file="第1期/大马村-更新.xlsx")
    fixed = make_sub(2, D(2022, 3, 30), file="第1期/前杨村-改.xlsx")
    res = do_merge(dbp, [update, fixed], folder=tmp_path, received_at="2022-04-10T10:00:00+08:00")
    assert "received-late" not in [f.code for f in res.findings[update.sha256]]
    assert "received-late" in [f.code for f in res.findings[fixed.sha256]]
    got = {r[0]: r[3] for r in _subs(dbp) if r[2] == 1}
    assert got == {
        "第1期/大马村.xlsx": 1,
        "第1期/大马村-更新.xlsx": 1,  # was 0: the update made a village that reported late
        "第1期/前杨村-改.xlsx": 0,
    }
