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

from dapaicha import merge, store_db

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
