"""validate's results remembered for the next run on the same files (app/memo, issue 20):
found only for the very same bytes, name, checklist, roster and code; a damaged or missing
memo file is worked around, never an error."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import periods_batch

from dapaicha import resources
from dapaicha.app import memo, validate
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.findings import FileResult
from dapaicha.model import PackedRows, Submission
from dapaicha.read import roster as roster_read
from dapaicha.store import memo as store_memo


def _batch(make_return, tmp_path: Path) -> Path:
    d, _ = periods_batch(make_return, tmp_path)
    assert len(validate.list_files(d)[0]) == 67 >= validate.PARALLEL_MIN_FILES
    return d


def _entries(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM memo").fetchone()[0]


def _plain(d: Path, cl, ros):
    """The results worked out in this process, nothing remembered (the reference)."""
    rep, subs = validate.validate_folder(d, cl, ros, workers=1)
    return rep.to_dict(), [dataclasses.replace(s, rows=list(s.rows)) for s in subs]


def _run(d: Path, cl, ros):
    rep, subs = validate.validate_folder(d, cl, ros, workers=2)
    return rep.to_dict(), [dataclasses.replace(s, rows=list(s.rows)) for s in subs]


def test_merge_after_validate_finds_every_result(make_return, cl, ros, tmp_path, monkeypatch):
    d = _batch(make_return, tmp_path)
    where = tmp_path / "cache" / "memo.sqlite"
    monkeypatch.setenv(memo.ENV, str(where))
    expected = _plain(d, cl, ros)
    assert not where.exists()  # one process: nothing remembered
    # validate's report run (no rows leave the workers) remembers every file, rows and all
    rep, _, _ = validate.run_folder(d, cl, ros, workers=2, rows=False)
    assert rep.to_dict() == expected[0]
    assert _entries(where) == 67
    # merge's run (rows wanted) reads them back: the very same report and rows
    assert _run(d, cl, ros) == expected
    assert _entries(where) == 67
    # they are the memo's: a value swapped under another file's key is what comes back
    a, b = d / "第1期" / "00.xlsx", d / "第1期" / "01.xlsx"
    context = memo.context_of(cl, ros)
    ka, kb = (
        memo.key_of(context, a.read_bytes(), "第1期/00.xlsx"),
        memo.key_of(context, b.read_bytes(), "第1期/01.xlsx"),
    )
    with sqlite3.connect(where) as conn:
        va = conn.execute("SELECT value FROM memo WHERE key = ?", (ka,)).fetchone()[0]
        conn.execute("UPDATE memo SET value = ? WHERE key = ?", (va, kb))
    rep2, _ = validate.validate_folder(d, cl, ros, workers=2)
    at = [f["file"] for f in expected[0]["files"]].index("第1期/01.xlsx")
    assert rep2.files[at].file == "第1期/00.xlsx"
    assert sum(f.file == "第1期/00.xlsx" for f in rep2.files) == 2


def test_changed_bytes_roster_or_checklist_are_worked_out_again(
    make_return, cl, ros, tmp_path, monkeypatch
):
    d = _batch(make_return, tmp_path)
    monkeypatch.setenv(memo.ENV, str(tmp_path / "memo.sqlite"))
    _run(d, cl, ros)
    # another file's bytes under a remembered name
    shutil.copy(d / "第3期" / "01.xlsx", d / "第3期" / "00.xlsx")
    assert _run(d, cl, ros) == _plain(d, cl, ros)
    # a village renamed in the roster: its returns now name it otherwise
    v = ros.villages[0]
    renamed = Roster([dataclasses.replace(v, village="新名村"), *ros.villages[1:]])
    got = _run(d, cl, renamed)
    assert got == _plain(d, cl, renamed)
    assert got != _plain(d, cl, ros)
    # the checklist changed: an item's text (the returns still carry the old one)
    dump = cl.model_dump()
    dump["categories"][0]["items"][0]["content"] += "（修订）"
    revised = Checklist.model_validate(dump)
    got = _run(d, revised, ros)
    assert got == _plain(d, revised, ros)
    assert got != _plain(d, cl, ros)


def test_a_damaged_memo_file_is_made_again(make_return, cl, ros, tmp_path, monkeypatch):
    d = _batch(make_return, tmp_path)
    where = tmp_path / memo.FILE_NAME
    where.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # not a database
    monkeypatch.setenv(memo.ENV, str(where))
    assert _run(d, cl, ros) == _plain(d, cl, ros)
    assert _entries(where) == 67
    # a value that is not a result: that file is worked out again
    with sqlite3.connect(where) as conn:
        conn.execute("UPDATE memo SET value = x'00ff'")
    assert _run(d, cl, ros) == _plain(d, cl, ros)


def test_a_file_not_ours_is_never_touched(make_return, cl, ros, tmp_path, monkeypatch):
    """DAPAICHA_CACHE naming a workbook, or the store: left as it is, the memo off."""
    d = _batch(make_return, tmp_path)
    book = d / "第1期" / "00.xlsx"
    monkeypatch.setenv(memo.ENV, str(book))
    before = book.read_bytes()
    assert _run(d, cl, ros) == _plain(d, cl, ros)
    assert book.read_bytes() == before
    store_file = tmp_path / "store.sqlite"
    conn = sqlite3.connect(store_file)
    conn.execute("CREATE TABLE submissions (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = store_file.read_bytes()
    monkeypatch.setenv(memo.ENV, str(store_file))
    assert _run(d, cl, ros) == _plain(d, cl, ros)
    assert store_file.read_bytes() == before


class _Touch:
    """A pickle that would create a file when loaded, were any class allowed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_a_tampered_value_runs_nothing(make_return, cl, ros, tmp_path, monkeypatch):
    d = _batch(make_return, tmp_path)
    where = tmp_path / memo.FILE_NAME
    monkeypatch.setenv(memo.ENV, str(where))
    expected = _run(d, cl, ros)
    pwned = tmp_path / "pwned"
    evil = zlib.compress(pickle.dumps((_Touch(pwned), [])))
    rows = PackedRows(zlib.compress(pickle.dumps([_Touch(pwned)])), 1, 0)
    inner = zlib.compress(pickle.dumps((FileResult(file="x.xlsx"), [
        Submission("x.xlsx", "0" * 64, "", "", "", "", None, True, rows=rows)])))  # fmt: skip
    with sqlite3.connect(where) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM memo LIMIT 2")]
        conn.execute("UPDATE memo SET value = ? WHERE key = ?", (evil, keys[0]))
        conn.execute("UPDATE memo SET value = ? WHERE key = ?", (inner, keys[1]))
    assert _run(d, cl, ros) == expected  # both worked out again
    assert not pwned.exists()


def test_turned_off_nothing_is_written(make_return, cl, ros, tmp_path, monkeypatch):
    d = _batch(make_return, tmp_path)
    monkeypatch.setenv(memo.ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "xdg"))
    assert memo.location() is None
    _run(d, cl, ros)
    assert not (tmp_path / "xdg").exists()
    monkeypatch.delenv(memo.ENV)
    assert memo.location() == tmp_path / "xdg" / "dapaicha" / memo.FILE_NAME


def test_the_context_is_the_same_in_every_process(cl, ros):
    """Sets hash differently in each Python process: the key must not depend on that."""
    code = (
        "from dapaicha import resources; from dapaicha.app import memo; "
        "from dapaicha.config import checklist; from dapaicha.read import roster; "
        "cl = checklist.load(); ros = roster.load(resources.examples_dir() / 'roster.xlsx'); "
        "ros.by_key; print(memo.context_of(cl, ros).hex())"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert seen == {memo.context_of(cl, ros).hex() + "\n"}


def test_another_run_writing_misses_one_answer_not_the_rest(tmp_path):
    where = tmp_path / "memo.sqlite"
    mine = store_memo.Memo(where, write=True)
    mine.put([(b"k1", b"v1")])
    other = sqlite3.connect(where, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another run in the middle of writing
    reader = store_memo.Memo(where, write=False)
    assert reader.usable
    assert reader.get(b"k1") is None  # waited, then went on without it
    mine.put([(b"k2", b"v2")])  # not written, and no error
    other.execute("COMMIT")
    other.close()
    assert reader.usable and mine.usable
    assert reader.get(b"k1") == b"v1"
    assert reader.get(b"k2") is None
    mine.put([(b"k2", b"v2")])
    assert reader.get(b"k2") == b"v2"
    mine.close()
    reader.close()
    where.write_bytes(b"\x00" * 4096)  # damaged: read as nothing, made again to write
    damaged = store_memo.Memo(where, write=False)
    assert damaged.get(b"k1") is None
    assert not damaged.usable  # not asked again
    assert not store_memo.Memo(where, write=True).usable  # not known to be ours: kept
    assert where.read_bytes() == b"\x00" * 4096
    again = store_memo.Memo(where, write=True, remake=True)
    assert again.usable and again.get(b"k1") is None
    again.close()


# --- the roster, read once ------------------------------------------------------------------

ROSTER_ROWS = [
    ["县", "乡镇", "村", "村代码", "第一书记"],
    ["鄢陵县", "陈化店镇", "大马村", "411024103201", "刘晓峰"],
    ["鄢陵县", "陈化店镇", "大马村", "411024103201", "刘晓峰"],  # a duplicate row: a problem
    ["襄城县", "颍桥回族镇", "郭庄村", "12345", ""],  # not a code: a problem, read without it
]


def _roster_file(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _facts(r: Roster) -> tuple:
    return (
        [(v.code, v.county, v.township, v.village, v.signers, v.liaison, v.row) for v in r.villages],
        [(p.row, p.message, p.severity, p.slug) for p in r.problems],
        r.source,
    )  # fmt: skip


def test_the_roster_is_read_once(cl, tmp_path, monkeypatch):
    where = tmp_path / memo.FILE_NAME
    monkeypatch.setenv(memo.ENV, str(where))
    path = _roster_file(tmp_path / "名册.csv", ROSTER_ROWS)
    plain = _facts(roster_read.load(path, cl.campaign))
    assert plain[0][1] == ("", "襄城县", "颍桥回族镇", "郭庄村", ("", "", ""), "", 4)
    assert [(p[0], p[3]) for p in plain[1]] == [(3, "duplicate-row"), (4, "code-invalid")]
    assert _facts(memo.load_roster(path, cl.campaign)) == plain  # read, and kept
    assert _entries(where) == 1
    assert _facts(memo.load_roster(path, cl.campaign)) == plain  # rebuilt from the memo
    assert _facts(memo.load_roster(str(path), cl.campaign, "襄城县")) == _facts(
        roster_read.load(path, cl.campaign, "襄城县")
    )
    # it is the memo's: another roster's value under this key is what comes back
    other = _roster_file(tmp_path / "other.csv", ROSTER_ROWS[:2])
    memo.load_roster(other, cl.campaign)
    ka, kb = memo._roster_key(path, cl.campaign), memo._roster_key(other, cl.campaign)
    with sqlite3.connect(where) as conn:
        vb = conn.execute("SELECT value FROM memo WHERE key = ?", (kb,)).fetchone()[0]
        conn.execute("UPDATE memo SET value = ? WHERE key = ?", (vb, ka))
    got = memo.load_roster(path, cl.campaign)
    assert [v.village for v in got.villages] == ["大马村"] and got.source == str(path)


def test_a_changed_roster_or_campaign_is_read_again(cl, tmp_path, monkeypatch):
    where = tmp_path / memo.FILE_NAME
    monkeypatch.setenv(memo.ENV, str(where))
    path = _roster_file(tmp_path / "名册.csv", ROSTER_ROWS)
    memo.load_roster(path, cl.campaign)
    _roster_file(path, [*ROSTER_ROWS, ["襄城县", "颍桥回族镇", "新村", "411025101299", ""]])
    got = memo.load_roster(path, cl.campaign)
    assert [v.village for v in got.villages] == ["大马村", "郭庄村", "新村"]
    # another campaign's signers: 第一书记 is no longer a signer's column
    other = cl.campaign.model_copy(update={"village_signers": ["村支部书记"], "signer_aliases": {}})
    assert [v.signers for v in memo.load_roster(path, other).villages] == [("",)] * 3
    assert memo.load_roster(path, cl.campaign).villages[0].signers == ("", "刘晓峰", "")
    assert _entries(where) == 3


def test_a_damaged_roster_value_or_memo_is_read_again(cl, tmp_path, monkeypatch):
    where = tmp_path / memo.FILE_NAME
    monkeypatch.setenv(memo.ENV, str(where))
    path = _roster_file(tmp_path / "名册.csv", ROSTER_ROWS)
    plain = _facts(roster_read.load(path, cl.campaign))
    memo.load_roster(path, cl.campaign)
    with sqlite3.connect(where) as conn:
        conn.execute("UPDATE memo SET value = x'00ff'")
    assert _facts(memo.load_roster(path, cl.campaign)) == plain
    where.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # not a database
    assert _facts(memo.load_roster(path, cl.campaign)) == plain
    monkeypatch.setenv(memo.ENV, "off")
    assert _facts(memo.load_roster(path, cl.campaign)) == plain
    with pytest.raises(UserError, match="找不到村名册文件"):
        memo.load_roster(tmp_path / "无.csv", cl.campaign)


def test_a_kept_roster_and_a_read_one_give_one_context(cl, tmp_path, monkeypatch):
    """validate reads the kept roster, merge reads the file: one context, or merge after
    validate works every file out again (found at a province's scale: 36 → 131 s)."""
    monkeypatch.setenv(memo.ENV, str(tmp_path / "memo.sqlite"))
    path = resources.examples_dir() / "roster.xlsx"
    fresh = roster_read.load(path, cl.campaign)
    memo.load_roster(path, cl.campaign)  # read, and kept
    kept = memo.load_roster(path, cl.campaign)  # made again from the memo file
    assert kept.villages == fresh.villages
    assert memo.context_of(cl, kept) == memo.context_of(cl, fresh)
