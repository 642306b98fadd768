"""Issue 18, reliability second round: each case on a real file or a real store.

Every test asserts the outcome and that every input is byte-for-byte unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from conftest import SOFFICE, problem, soffice_convert
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dapaicha import layout
from dapaicha.app import merge, validate
from dapaicha.findings import FileResult, make
from dapaicha.read import roster as roster_read
from dapaicha.store import write as store
from dapaicha.xlsx import excel, feedback, fill, ledger
from dapaicha.xlsx import report as report_xlsx

ROOT = Path(__file__).resolve().parents[1]


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under folder (relative path → hex); bytes names kept as repr."""
    return {
        repr(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the real entry point (cli.main) in process: (exit code, stderr); stdout kept."""
    from dapaicha import cli

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["dapaicha", *args])
    try:
        cli.main()
        rc = 0
    except SystemExit as ex:
        rc = ex.code if isinstance(ex.code, int) else 1
    captured = capsys.readouterr()
    _cli.out = captured.out  # type: ignore[attr-defined]
    return rc, captured.err


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# -- the entry point's collector: frozen for the run and at the exit, as it was after --------


def test_main_leaves_the_collector_as_it_was(tmp_path, make_return, ros, monkeypatch, capsys):
    import gc

    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    frozen = gc.get_freeze_count()
    rc, _ = _cli(monkeypatch, capsys, "validate", str(d), "-r", ros.source)
    assert rc == 0 and gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_cli_process_writes_everything_before_it_exits(tmp_path, make_return, ros):
    # the exit's collection is skipped (gc.freeze at exit): nothing written is lost by it
    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    make_return("bad.xlsx", {5: {"has_problem": "是"}}, folder=d, village=1)
    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "validate", str(d), "-r", ros.source, "--report",
         str(out / "报告.xlsx"), "--json-out", str(out / "结果.json")],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, check=False,
    )  # fmt: skip
    assert p.returncode == 1, p.stderr
    got = json.loads((out / "结果.json").read_text("utf-8"))
    assert [(f["file"], f["accepted"]) for f in got["files"]] == [
        ("bad.xlsx", False),
        ("good.xlsx", True),
    ]
    wb = openpyxl.load_workbook(out / "报告.xlsx")
    assert wb.sheetnames == ["文件", "问题明细", "未报", "跳过"]
    assert wb["未报"].max_row == 3 + len(ros.villages) - 2
    assert "已写出" in p.stdout and "报告.xlsx" in p.stdout


# -- 8: a roster with only a header row ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_header_only_roster_is_one_line(tmp_path, make_return, monkeypatch, capsys, suffix):
    d = tmp_path / "in"
    make_return("good.xlsx", {}, folder=d)
    src = tmp_path / "src"
    src.mkdir()
    roster = src / f"村名册{suffix}"
    header = ["县（市、区）", "乡（镇、街道）", "村", "村代码"]
    if suffix == ".csv":
        roster.write_text(",".join(header) + "\n\n", encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        wb.active.append(header)
        wb.save(roster)
    before, before_in = digest(src), digest(d)
    rc, err = _cli(monkeypatch, capsys, "validate", str(d), "-r", str(roster))
    assert rc == 2
    line = _one_line(err)
    assert "村名册没有村（只有表头）" in line and roster.name in line
    assert digest(src) == before and digest(d) == before_in


# -- 2: store export with a control character in a stored name ----------------------------


def test_store_export_escapes_control_characters(
    tmp_path, make_return, cl, ros, monkeypatch, capsys
):
    d = tmp_path / "in" / "第1期"
    make_return("good.xlsx", {}, folder=d)
    db = tmp_path / "store" / "s.sqlite"
    merge.run(d.parent, cl, ros, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE villages SET village = 'A\x01B\x1f' || village")
        conn.execute("UPDATE submissions SET file = '=x\x0bbad.xlsx'")
    n = conn.execute("SELECT COUNT(*) FROM villages").fetchone()[0]
    conn.close()
    before = digest(db.parent)
    out = tmp_path / "export.xlsx"
    rc, err = _cli(monkeypatch, capsys, "store", "export", "-s", str(db), "-o", str(out))
    assert (rc, err) == (0, "")
    assert f"villages {n} 处、submissions 1 处文字含控制字符" in _cli.out.replace("\n", "")
    assert digest(db.parent) == before
    wb = openpyxl.load_workbook(out)
    names = [c.value for c in wb["villages"]["E"][1:]]
    assert any(n.startswith("A\\x01B\\x1f") for n in names), names
    files = {c.value for c in wb["submissions"]["H"][1:]}
    assert files == {"=x\\x0bbad.xlsx"}
    assert wb["submissions"]["H2"].data_type == "s"  # still text, not a formula


# -- 1: a file name that is not valid UTF-8 -----------------------------------------------

GBK_NAME = "大马村".encode("gbk") + b".xlsx"  # b'\xb4\xf3\xc2\xed\xb4\xe5.xlsx'


def test_non_utf8_file_name_is_one_finding(tmp_path, make_return, ros, monkeypatch, capsys):
    d = tmp_path / "in"
    make_return("好村.xlsx", {}, folder=d, village=0)
    make_return("坏村.xlsx", {5: {"has_problem": None}}, folder=d, village=1)
    bad = make_return("tmp.xlsx", {5: {"has_problem": None}}, folder=d, village=2)
    os.rename(os.fsencode(bad), os.fsencode(d) + b"/" + GBK_NAME)
    os.mkdir(os.fsencode(d) + b"/\xb5\xda1\xc6\xda")  # a folder name in GBK too
    os.rename(
        os.fsencode(make_return("x.xlsx", {}, folder=d, village=3)),
        os.fsencode(d) + b"/\xb5\xda1\xc6\xda/" + GBK_NAME,
    )
    before = digest(d)
    out = tmp_path / "out"
    rc, err = _cli(
        monkeypatch,
        capsys,
        "validate",
        str(d),
        "-r",
        str(ros.source),
        "--report",
        str(out / "校验报告.xlsx"),
        "--feedback",
        str(out / "退回修改"),
        "--json",
    )
    assert "Traceback" not in err
    assert rc == 1, err
    res = json.loads(_cli.out)
    files = {f["file"]: [x["code"] for x in f["findings"]] for f in res["files"]}
    shown = "\\xb4\\xf3\\xc2\\xed\\xb4\\xe5.xlsx"
    assert files == {
        "好村.xlsx": [],
        "坏村.xlsx": ["has-problem-blank"],
        shown: ["file-name-invalid"],
        "\\xb5\\xda1\\xc6\\xda/" + shown: ["file-name-invalid"],
    }
    msg = next(f for f in res["files"] if f["file"] == shown)["findings"][0]["message"]
    assert msg.startswith(shown) and "编码" in msg
    # merge takes the rest of the batch and stores nothing under the broken names
    db = tmp_path / "s.sqlite"
    rc, err = _cli(
        monkeypatch, capsys, "merge", str(d), "-r", str(ros.source), "-s", str(db),
        "-o", str(out / "合并台账.xlsx"), "-p", "1",
    )  # fmt: skip
    assert rc in (0, 1) and "Traceback" not in err, err
    conn = sqlite3.connect(db)
    stored = sorted(r[0] for r in conn.execute("SELECT file FROM submissions"))
    conn.close()
    assert stored == ["坏村.xlsx", "好村.xlsx"]
    written = sorted(p for p in out.rglob("*.xlsx"))
    assert {p.name for p in written} >= {"校验报告.xlsx", "合并台账.xlsx"}
    for p in written:
        _assert_valid_xml(p)
    if SOFFICE:
        for p in written:
            converted = soffice_convert(p, "ods", tmp_path / "lo")
            assert converted.stat().st_size > 0, p
    assert digest(d) == before


def _assert_valid_xml(path: Path) -> None:
    """Every XML part of a workbook we wrote parses (no surrogates, no control characters)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(zf.read(name))


# -- 5: damaged or unusual stores ---------------------------------------------------------

SRC = ROOT / "src"


def _run(args: list[str], *, pre: list[str] | None = None, fsize: int | None = None):
    """The real CLI in a child process (optionally under capsh, or a file-size limit)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    cmd = [sys.executable, "-m", "dapaicha.cli", *args]
    if pre:
        cmd = [*pre, "--", "-c", shlex.join(cmd)]
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    return subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=limit if fsize else None,
    )  # fmt: skip


@pytest.fixture
def stored(tmp_path, make_return, cl, ros) -> tuple[Path, Path]:
    """(returns folder, a real store of one merge in its own folder)."""
    d = tmp_path / "in" / "第1期"
    for i in range(4):
        make_return(f"{i}.xlsx", {3: {"has_problem": "否"}}, folder=d, village=i)
    db = tmp_path / "store" / "dapaicha.sqlite"
    merge.run(d.parent, cl, ros, db)
    return d.parent, db


def _damage(kind: str, db: Path) -> None:
    data = db.read_bytes()
    if kind == "truncated":
        db.write_bytes(data[: len(data) // 3])
    elif kind == "header":
        db.write_bytes(b"\0" * 100 + data[100:])
    elif kind == "pages":
        page = int.from_bytes(data[16:18], "big")
        db.write_bytes(data[: 2 * page] + bytes(len(data) - 2 * page))
    elif kind == "newer":  # a WAL store, as ours are
        conn = sqlite3.connect(db)
        conn.execute("UPDATE schema_version SET version = version + 1")
        conn.commit()
        conn.close()


@pytest.mark.parametrize(
    ("kind", "advice"),
    [
        ("truncated", "备份"),
        ("header", "备份"),
        ("pages", "备份"),
        ("newer", "升级 dapaicha"),
        ("readonly", "可写的文件夹"),
        ("full", "磁盘空间"),
        ("full-new", "磁盘空间"),
    ],
)
def test_damaged_store_is_one_line(stored, make_return, ros, tmp_path, kind, advice):
    returns, db = stored
    pre, fsize = None, None
    if kind == "readonly":
        if not shutil.which("capsh") and os.geteuid() == 0:
            pytest.skip("root writes through permissions (no capsh to drop them)")
        if os.geteuid() == 0:
            pre = ["capsh", "--drop=cap_dac_override,cap_dac_read_search"]
        db.parent.chmod(0o555)
    elif kind.startswith("full"):
        if kind == "full-new":
            store.remove(db)
        for i in range(20):  # a batch whose -wal does not fit; its ledger does
            ans = {i + 1: problem(description=f"问题{i}" * 1000)}
            make_return(f"x{i}.xlsx", ans, folder=returns / "第1期", village=0)
        fsize = 100_000
    else:
        _damage(kind, db)
    before, before_in = digest(db.parent), digest(returns)
    out = tmp_path / "out" / "合并台账.xlsx"
    try:
        proc = _run(
            ["merge", str(returns), "-r", str(ros.source), "-s", str(db), "-o", str(out)],
            pre=pre, fsize=fsize,
        )  # fmt: skip
    finally:
        db.parent.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    line = _one_line(proc.stderr)
    assert line.startswith("错误：") and db.name in line and advice in line, line
    assert "内部出错" not in line
    if kind == "full-new":  # the store this run began is gone, and so is its ledger
        assert list(db.parent.iterdir()) == []
    elif kind != "full":
        assert digest(db.parent) == before  # same bytes, no -wal/-shm/-journal of ours
    else:
        assert sorted(p.name for p in db.parent.iterdir()) == ["dapaicha.sqlite"]
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone() == (4,)
        conn.close()
    assert not out.exists()  # no merged ledger of a merge that did not happen
    assert not list(tmp_path.rglob(".~dapaicha-*"))
    assert digest(returns) == before_in


# -- 6: kill -9 of a running merge: its workers exit too ----------------------------------


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_killed_merge_leaves_no_workers(make_return, ros, tmp_path):
    d = tmp_path / "in" / "第1期"
    first = make_return("0.xlsx", {}, folder=d)
    for i in range(1, validate.PARALLEL_MIN_FILES + 40):  # enough for the worker pool
        shutil.copy(first, d / f"{i}.xlsx")
    before = digest(d)
    cmd = [sys.executable, "-m", "dapaicha.cli", "merge", str(d.parent), "-r", str(ros.source)]
    cmd += ["-s", str(tmp_path / "s.sqlite"), "-o", str(tmp_path / "m.xlsx")]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers |= _children(proc.pid)
        time.sleep(0.02)
    assert workers, "the merge ended before its workers were seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    end = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < end:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # a regression must not leave hung processes behind
        os.kill(w, signal.SIGKILL)
    assert left == []
    assert digest(d) == before


# -- 7: 退回修改 copies cost findings + ranges; the marks stay where they were -------------


@pytest.mark.parametrize("n", [60, 3100])  # openpyxl's copy; a rebuilt copy (over 3000 rows)
def test_copy_marks_merged_cells_at_their_anchor(tmp_path, n):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    for r in range(1, n + 1):
        ws.cell(row=r, column=1, value=f"第{r}行")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    ws["C7"] = "不合并"
    src = tmp_path / "in" / "村.xlsx"
    src.parent.mkdir()
    wb.save(src)
    before = digest(src.parent)
    marked = [1, 2, 5, 40, 59]
    fr = FileResult(
        file="村.xlsx",
        findings=[make("has-problem-blank", "村.xlsx", sheet="台账", cell=f"B{r}") for r in marked]
        + [make("has-problem-blank", "村.xlsx", sheet="台账", cell="A5")]
        + [make("has-problem-blank", "村.xlsx", sheet="台账", cell="C7")],
    )
    out = feedback.write_copy(src, fr, tmp_path / "out" / "村_退回修改.xlsx")
    copy = openpyxl.load_workbook(out)["台账"]
    with_comment = sorted(
        c.coordinate for row in copy.iter_rows() for c in row if c.comment is not None
    )
    assert with_comment == sorted([f"A{r}" for r in marked] + ["C7"])
    assert copy["A5"].comment.text.count("【错误】") == 2  # B5 and A5 share one comment
    assert all(copy[f"A{r}"].fill.fgColor.rgb.endswith("FFC7CE") for r in marked)
    want = {f"A{r}:B{r}" for r in range(1, min(n, 3000) + 1)}
    assert {str(r) for r in copy.merged_cells.ranges} == want
    assert digest(src.parent) == before


def test_anchors_is_the_old_lookup(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r0, c0, r1, c1 in [(1, 1, 3, 2), (2, 4, 2, 6), (10, 1, 20, 10), (5, 3, 5, 3)]:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    cells = [(r, c) for r in range(1, 25) for c in range(1, 12)]

    def old(row: int, col: int) -> tuple[int, int]:
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return rng.min_row, rng.min_col
        return row, col

    assert feedback.anchors(ws, cells) == {pos: old(*pos) for pos in cells}


# -- 3: a village missing from the roster is not filed under a same-named one -------------

_FULL = [
    ("西平县", "陈化店镇", "大王村"),
    ("西平县", "柏城街道", "大王村"),
    ("西平县", "柏城街道", "小李村"),
]


def _roster_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["县（市、区）,乡（镇、街道）,村"] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("meta", [True, False])  # named by the hidden metadata, or by the title
def test_missing_village_is_not_filed_under_its_namesake(tmp_path, cl, meta):
    src = tmp_path / "src"
    src.mkdir()
    full = roster_read.load(_roster_csv(src / "full.csv", _FULL), cl.campaign)
    broken = _roster_csv(src / "broken.csv", [_FULL[0], _FULL[2]])
    d = tmp_path / "in" / "第1期"
    d.mkdir(parents=True)
    for v in full.villages:
        blank = tmp_path / f"blank-{v.row}.xlsx"
        wb = ledger.build_workbook(cl, v, generated_at="2022-03-01T09:00:00")
        if not meta:
            del wb[layout.SHEET_META]
        excel.save(wb, blank)
        signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))
        fill.fill_ledger(
            blank, d / f"{v.township}{v.village}.xlsx", {}, default={"has_problem": "否"},
            report_date=dt.date(2022, 3, 30), signers=signers,
        )  # fmt: skip
    before = digest(tmp_path / "in")
    ros = roster_read.load(broken, cl.campaign)
    rep, _ = validate.validate_folder(d, cl, ros)
    got = {fr.file: [(f.code, f.message) for f in fr.findings] for fr in rep.files}
    assert got["陈化店镇大王村.xlsx"] == [] and got["柏城街道小李村.xlsx"] == []
    [(code, message)] = got["柏城街道大王村.xlsx"]
    assert code == "village-not-in-roster"
    assert "柏城街道" in message and "西平县陈化店镇大王村" in message, message
    db = tmp_path / "s.sqlite"
    merge.run(d.parent, cl, ros, db)
    assert _filed(db) == {"陈化店镇大王村.xlsx": "陈化店镇", "柏城街道小李村.xlsx": "柏城街道"}
    # the roster fixed, a rerun reads the refused file again and files it where it belongs
    res = merge.run(d.parent, cl, full, db)
    assert res.added == 1
    assert _filed(db) == {
        "陈化店镇大王村.xlsx": "陈化店镇",
        "柏城街道小李村.xlsx": "柏城街道",
        "柏城街道大王村.xlsx": "柏城街道",
    }
    assert digest(tmp_path / "in") == before


def _filed(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT file, township FROM submissions WHERE accepted = 1")
        return {Path(f).name: t for f, t in rows}
    finally:
        conn.close()


# -- 4: a merged ledger among village returns overrides nothing ----------------------------


def test_merged_ledger_among_village_returns_is_refused(tmp_path, make_return, cl, ros):
    county = tmp_path / "county" / "第1期"
    make_return("a.xlsx", {5: problem()}, folder=county, village=0)
    ledger_path = tmp_path / "合并台账.xlsx"
    merge.run(county.parent, cl, ros, tmp_path / "county.sqlite", out=ledger_path)
    d = tmp_path / "in" / "第1期"
    make_return("0.xlsx", {}, folder=d, village=0)
    make_return("1.xlsx", {}, folder=d, village=1)
    shutil.copy(ledger_path, d / "县合并台账.xlsx")
    before = digest(tmp_path / "in")
    rep, subs = validate.validate_folder(d, cl, ros)
    got = {fr.file: [f.code for f in fr.findings] for fr in rep.files}
    assert got == {"0.xlsx": [], "1.xlsx": [], "县合并台账.xlsx": ["merged-among-returns"]}
    assert sorted(s.file for s in subs) == ["0.xlsx", "1.xlsx"]
    db = tmp_path / "s.sqlite"
    merge.run(d.parent, cl, ros, db)
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT COUNT(*) FROM submissions WHERE source_kind = 'merged'"
    ).fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM rows WHERE has_problem = '是'").fetchone() == (0,)
    conn.close()
    # in a folder of merged ledgers only (the city flow) it is taken
    city = tmp_path / "city"
    city.mkdir()
    shutil.copy(ledger_path, city / "县合并台账.xlsx")
    rep, subs = validate.validate_folder(city, cl, ros)
    assert [f.code for fr in rep.files for f in fr.findings if f.severity == "error"] == []
    assert {s.source_kind for s in subs} == {"merged"}
    # validate's streamed run: its villages (not 未报), without their rows
    rep2, subs2, _ = validate.run_folder(city, cl, ros, rows=False)
    assert rep2.to_dict() == rep.to_dict() and len(rep.missing) < len(ros.villages)
    assert [s.village_code for s in subs2] == [s.village_code for s in subs]
    assert any(s.rows for s in subs) and not any(s.rows for s in subs2)
    assert digest(tmp_path / "in") == before


# -- fuzz: random file names (Unicode and raw bytes) ----------------------------------------

_NAME = st.one_of(
    st.text(
        st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=40,
    ).map(os.fsencode),
    st.binary(min_size=1, max_size=40).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")),
)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stems=st.lists(_NAME, min_size=1, max_size=3, unique=True))
def test_fuzz_file_names(stems, make_return, cl, ros, tmp_path_factory):
    base = tmp_path_factory.mktemp("fzn")
    d = base / "in"
    first = make_return("x.xlsx", {5: {"has_problem": None}}, folder=d)
    names = [stem[:200] + b".xlsx" for stem in stems if stem not in (b".", b"..")]
    for n in names:
        shutil.copy(first, os.fsdecode(os.fsencode(d) + b"/" + n))
    os.remove(first)
    before = digest(d)
    rep, _ = validate.validate_folder(d, cl, ros)
    shown = [fr.file for fr in rep.files]
    assert all(s.encode("utf-8") for s in shown)  # every name printable and storable
    for fr in rep.files:
        codes = [f.code for f in fr.findings]
        if "\\x" in fr.file and fr.file not in {os.fsdecode(n) for n in names}:
            assert codes == ["file-name-invalid"], (fr.file, codes)
        else:
            assert "has-problem-blank" in codes, (fr.file, codes)  # read like any return
    listed = {os.fsdecode(n) for n in names if not n.startswith((b".", b"~$"))}
    assert len(rep.files) == len(listed)
    report_xlsx.write(rep, base / "校验报告.xlsx")
    written = feedback.write_all(rep, d, base / "fb", campaign_title="大排查", deadline="4月1日")
    for p in [base / "校验报告.xlsx", *written]:
        if p.suffix == ".xlsx":
            _assert_valid_xml(p)
    assert digest(d) == before


def _ledger_of_county(tmp_path: Path, make_return, cl, ros) -> Path:
    county = tmp_path / "county" / "第1期"
    make_return("a.xlsx", {5: problem()}, folder=county, village=0)
    make_return("b.xlsx", {7: problem(owner="李四")}, folder=county, village=1)
    out = tmp_path / "city" / "县合并台账.xlsx"
    merge.run(county.parent, cl, ros, tmp_path / "county.sqlite", out=out)
    return out


def _merged_findings(path: Path, cl, ros) -> tuple[list[tuple[str, str, str]], bool]:
    rep, subs = validate.validate_folder(path.parent, cl, ros)
    [fr] = rep.files
    return [(f.code, f.sheet, f.cell) for f in fr.findings], all(s.accepted for s in subs)


def test_merged_ledger_checksum(tmp_path, make_return, cl, ros):
    path = _ledger_of_county(tmp_path, make_return, cl, ros)
    assert _merged_findings(path, cl, ros) == ([], True)  # as merge wrote it: taken
    original = path.read_bytes()
    # edited by hand: refused, naming the first changed cell
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.SHEET_MERGED]
    heads = {k: h for k, h, _ in layout.merged_columns()}
    owner = next(c for c in ws[2] if c.value == heads["owner"]).column_letter
    ws[f"{owner}4"] = "王五"
    wb.save(path)
    before = digest(path.parent)
    found, accepted = _merged_findings(path, cl, ros)
    assert found == [("merged-edited", layout.SHEET_MERGED, f"{owner}4")] and not accepted
    assert digest(path.parent) == before
    # written before the checksum existed: taken with a warning
    path.write_bytes(original)
    wb = openpyxl.load_workbook(path)
    meta = wb[layout.SHEET_MERGED_META]
    for r in range(meta.max_row, 0, -1):
        if str(meta.cell(r, 1).value).endswith(("_sha256",)) or "sums." in str(
            meta.cell(r, 1).value
        ):
            meta.delete_rows(r)
    wb.save(path)
    found, accepted = _merged_findings(path, cl, ros)
    assert found == [("merged-unsigned", layout.SHEET_MERGED, "")] and accepted


# -- fuzz: store faults --------------------------------------------------------------------


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), max_size=6),
)
def test_fuzz_store_faults(cut, flips, stored, ros, monkeypatch, capsys):
    returns, db = stored
    pristine = getattr(test_fuzz_store_faults, "pristine", None)
    if pristine is None or pristine[0] != db:
        test_fuzz_store_faults.pristine = pristine = (db, db.read_bytes())  # type: ignore[attr-defined]
    data = bytearray(pristine[1])
    for where, xor in flips:
        data[int(where * (len(data) - 1))] ^= xor
    if cut is not None:
        data = data[: int(cut * len(data))]
    db.write_bytes(bytes(data))
    for p in db.parent.glob(db.name + "-*"):
        p.unlink()
    before = digest(returns)
    out = db.parent.parent / "out" / "合并台账.xlsx"
    rc, err = _cli(
        monkeypatch,
        capsys,
        "merge",
        str(returns),
        "-r",
        str(ros.source),
        "-s",
        str(db),
        "-o",
        str(out),
    )
    assert rc in (0, 1, 2), err
    assert "Traceback" not in err and "内部出错" not in err, err
    if rc == 2:
        assert db.name in _one_line(err)
    assert digest(returns) == before
