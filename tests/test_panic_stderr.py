"""Rust's panic report (python-calamine on a hostile cell) never reaches the user's stderr;
everything else written to stderr meanwhile does, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import problem

from dapaicha import layout, resources
from dapaicha.read.quiet import without_panics

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ("panicked", "RUST_BACKTRACE", "stack backtrace", "TimeDelta")
DONE = f"{layout.LETTER['done_date']}{3 + layout.ROW_FIRST_ITEM - 1}"  # item 3's 完成时间


def hostile(path: Path) -> Path:
    """The return with a negative number in item 3's 完成时间 date cell: calamine panics
    (chrono: "TimeDelta::milliseconds out of bounds")."""
    wb = openpyxl.load_workbook(path)
    cell = wb[layout.SHEET_LEDGER][DONE]
    cell.value, cell.number_format = -1e12, "yyyy-mm-dd"
    wb.save(path)
    return path


def python(args: list[str], backtrace: str, tmp: Path) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "RUST_BACKTRACE": backtrace,
        "PYTHONPATH": str(ROOT / "src"),
        "DAPAICHA_CACHE": str(tmp / "memo.sqlite"),  # read every file, remember nothing
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run([sys.executable, *args], cwd=tmp, env=env, capture_output=True,
                          timeout=300)  # fmt: skip


def test_the_file_makes_calamine_panic(make_return, tmp_path):
    # without the guard, the report is there: the tests below are not vacuous
    bad = hostile(make_return("坏.xlsx", {3: problem()}))
    code = (
        "import sys, python_calamine as pc\n"
        "try:\n"
        "    pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()\n"
        "except BaseException as e:\n"
        "    print(type(e).__name__)\n"
    )
    r = python(["-c", code, str(bad)], "1", tmp_path)
    assert r.stdout == b"PanicException\n"
    assert all(word in r.stderr.decode() for word in ("panicked", "stack backtrace", "TimeDelta"))


@pytest.mark.parametrize("workers", ["1", "2"])  # here, and in forked workers
def test_validate_shows_no_rust_panic(make_return, tmp_path, workers):
    folder = tmp_path / "returns"
    bad = hostile(make_return("坏.xlsx", {3: problem()}, village=1, folder=folder))
    for i in range(7):  # 8 files: side by side with --workers 2
        make_return(f"好{i}.xlsx", {3: problem()}, village=0, folder=folder)
    roster = str(resources.examples_dir() / "roster.xlsx")
    r = python(
        ["-m", "dapaicha.cli", "validate", str(folder), "-r", roster, "--workers", workers,
         "--feedback", str(tmp_path / "退回"), "--json-out", str(tmp_path / "r.json")],
        "1", tmp_path,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr
    assert not [w for w in ENGLISH if w in r.stderr.decode()], r.stderr.decode()
    assert r.stderr == b""
    files = {f["file"]: f for f in json.loads((tmp_path / "r.json").read_text("utf-8"))["files"]}
    got = [(f["code"], f["cell"]) for f in files[bad.name]["findings"]]
    assert got == [("done-date-invalid", DONE)] and files["好0.xlsx"]["accepted"]
    # the 退回修改 copy reads the file again with calamine
    assert (tmp_path / "退回" / "鄢陵县" / "王庄村_退回修改.xlsx").is_file()


SCRIPT = """
import os, sys, threading
from pathlib import Path
from dapaicha.read import reader
from dapaicha.read.quiet import panic_free_stderr

data = Path(sys.argv[1]).read_bytes()
with panic_free_stderr():
    os.write(2, b"fd before\\n")
    print("py before", file=sys.stderr)
    t = threading.Thread(target=lambda: print("thread", file=sys.stderr))
    t.start()
    t.join()
    os.write(2, b"\\r50%")  # a progress bar: no new line
    ret, found = reader.read_bytes(data, "x.xlsx")
    os.write(2, b"\\r60%")
    again = reader.read_bytes(data, "y.xlsx")  # a second panic: no note after it
    sys.stderr.write("py after, no newline")
print(ret is not None, found)  # read (by openpyxl, past the panic)
os.write(2, b"\\nfd after\\n")
"""


@pytest.mark.parametrize("backtrace", ["0", "1", "full"])
def test_other_stderr_output_is_kept(make_return, tmp_path, backtrace):
    bad = hostile(make_return("坏.xlsx", {3: problem()}))
    r = python(["-c", SCRIPT, str(bad)], backtrace, tmp_path)
    assert r.stdout == b"True []\n", r.stderr.decode()
    assert r.stderr == b"fd before\npy before\nthread\n\r50%\r60%py after, no newline\nfd after\n"


HEAD = b"\nthread '<unnamed>' (10793) panicked at /root/chrono-0.4.45/src/lib.rs:717:17:\n"
REPORT = HEAD + b"TimeDelta::milliseconds out of bounds\n"
NOTE = b"note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n"
FRAMES = (
    b"stack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /x.rs:1:2\n  12: _start\n"
)
OMITTED = b"note: Some details are omitted, run with `RUST_BACKTRACE=full` for more.\n"


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        (b"a\n" + REPORT + NOTE + b"b\n", b"a\nb\n"),  # RUST_BACKTRACE=0, the first panic
        (b"\r50%" + REPORT + b"\r60%" + REPORT + b"\r70%", b"\r50%\r60%\r70%"),  # later ones
        (b"a\n" + REPORT + FRAMES + OMITTED + b"b\n", b"a\nb\n"),  # RUST_BACKTRACE=1
        (REPORT + FRAMES + b"b\n", b"b\n"),  # RUST_BACKTRACE=full: no note
        (HEAD + b"two\nlines\n" + NOTE + "中文\n".encode(), "中文\n".encode()),
        (b"thread 'x' panicked at 'out of range', src/x.rs:1:2\n" + NOTE + b"b", b"b"),  # old
        (b"x\n\nthread 'x' panicked at 'y', src/x.rs:1:2\nz\n", b"x\nz\n"),  # old, later
        (b"thread 'main' is fine\n\n", b"thread 'main' is fine\n\n"),
    ],
)
def test_without_panics(data, kept):
    assert without_panics(data) == kept


TTY = """
import os, pty
from dapaicha.cli import render
from dapaicha.read.quiet import panic_free_stderr

_, terminal = pty.openpty()
os.dup2(terminal, 2)
con = render.console(stderr=True)
with panic_free_stderr():  # fd 2 is a file for a moment: the bar still draws
    print(con.is_terminal, os.isatty(2))
"""


def test_a_progress_bar_on_stderr_stays_on_the_terminal(tmp_path):
    r = python(["-c", TTY], "0", tmp_path)
    assert (r.stdout, r.stderr) == (b"True False\n", b"")


FORK = """
import os, sys
from pathlib import Path
from dapaicha.read import reader
from dapaicha.read.quiet import panic_free_stderr

data = Path(sys.argv[1]).read_bytes()
with panic_free_stderr():
    os.write(2, b"parent\\n")
    pid = os.fork()  # inside a block: the child gets the real stderr back
    if pid == 0:
        os.write(2, b"child\\n")
        reader.read_bytes(data, "x.xlsx")  # its own temporary file
        os.write(2, b"child read\\n")
        os._exit(0)
    os.waitpid(pid, 0)
"""


def test_a_fork_inside_a_block(make_return, tmp_path):
    bad = hostile(make_return("坏.xlsx", {3: problem()}))
    r = python(["-c", FORK, str(bad)], "1", tmp_path)
    assert r.stderr == b"child\nchild read\nparent\n"
