"""A merge killed at any moment leaves a consistent store, and a rerun completes it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dapaicha.app import merge, validate
from dapaicha.figures import rollup
from dapaicha.store import db as store_db
from dapaicha.store import write as store

SRC = Path(__file__).resolve().parent.parent / "src"


def _comparable(path: Path) -> dict[str, list[tuple]]:
    """Store contents without the receive times and row ids that differ between runs."""
    conn = store_db.connect(path)
    try:
        rows = conn.execute(
            "SELECT village_key, period, file, sha256, report_date, accepted FROM submissions"
        ).fetchall()
        n_rows = conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
    finally:
        conn.close()
    return {"submissions": sorted(rows, key=repr), "ledger_rows": [(n_rows,)]}


@pytest.fixture
def returns(make_return, ros, tmp_path) -> Path:
    d = tmp_path / "returns" / "第1期"
    for i in range(len(ros.villages)):
        make_return(
            f"{i:02d}.xlsx",
            {3 + i % 5: {"has_problem": "否"}},
            village=i % 6,
            folder=d,
            report_date=dt.date(2022, 3, 20 + i % 6),
        )
    return d.parent


@pytest.mark.parametrize("delay", [0.05, 0.4, 1.0, 2.0])
def test_killed_merge_leaves_store_consistent(returns, ros, cl, tmp_path, delay):
    clean = tmp_path / "clean.sqlite"
    merge.run(returns, cl, ros, clean, out=tmp_path / "c.xlsx")
    full = len(_comparable(clean)["submissions"])
    db = tmp_path / "kill.sqlite"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    cmd = [
        sys.executable,
        "-m",
        "dapaicha.cli",
        "merge",
        str(returns),
        "-r",
        ros.source,
        "-s",
        str(db),
        "-o",
        str(tmp_path / "m.xlsx"),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    if db.exists():
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        n = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name='submissions'").fetchone()[
            0
        ]
        if n:  # all of the batch or none of it: one transaction
            count = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
            assert count in (0, full)
        conn.close()
    # a rerun completes it, and equals a merge that was never interrupted
    merge.run(returns, cl, ros, db, out=tmp_path / "m.xlsx")
    assert _comparable(db) == _comparable(clean)
    assert not list(tmp_path.glob(".~dapaicha-*"))


# --- fuzz: random ledgers through validate → merge → rollup keep the totals consistent ---

_ANSWER = st.fixed_dictionaries(
    {
        "has_problem": st.sampled_from(["是", "否", "有", None, "可能"]),
        "description": st.sampled_from(["问题", None, "=1+1", "无"]),
        "measure": st.sampled_from(["措施", None]),
        "kind": st.sampled_from(["立行立改", "纳入整改方案", None, "马上"]),
        "deadline": st.sampled_from(
            [dt.date(2022, 4, 20), dt.date(2022, 6, 30), 4.3, "长期", None]
        ),
        "owner": st.sampled_from(["张三", None]),
        "result": st.sampled_from(["已整改", "正在整改", "未整改", None]),
        "done_date": st.sampled_from([dt.date(2022, 3, 25), None]),
    }
)
_LEDGER = st.dictionaries(st.integers(1, 66), _ANSWER, max_size=6)


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledgers=st.lists(_LEDGER, min_size=3, max_size=3))
def test_fuzzed_returns_keep_rollup_totals(make_return, cl, ros, tmp_path_factory, ledgers):
    d = tmp_path_factory.mktemp("fz") / "第1期"
    for i, answers in enumerate(ledgers):
        make_return(f"{i}.xlsx", answers, village=i, folder=d)
    _, subs = validate.validate_folder(d, cl, ros, workers=1)
    db = d.parent / "s.sqlite"
    merge.run(d, cl, ros, db)
    data = store.period_frames(db, 1)
    accepted = {s.village_code for s in subs if s.accepted}
    # every accepted problem is in the frame, nothing else
    want = sorted(
        (s.village_code, r.no, r.seq) for s in subs if s.accepted for r in s.rows if r.is_problem
    )
    got = sorted(
        zip(data.problems["village_code"], data.problems["no"], data.problems["seq"], strict=True)
    )
    assert got == want
    assert set(data.villages.loc[data.villages["reported"], "village_code"]) == accepted
    r = rollup.build(data, rollup.roster_frame(ros.villages), cl)
    table = rollup.summary(r, "county")
    body, total = table.iloc[:-1], table.iloc[-1]
    for col in (
        "expected",
        "reported",
        "problems",
        "immediate",
        "plan",
        "done",
        "doing",
        "not_done",
        "overdue",
    ):
        assert body[col].sum() == total[col], col
    assert total["problems"] == len(want)
    assert total["done"] + total["doing"] + total["not_done"] == total["problems"]
