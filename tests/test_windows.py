"""A county office's PC: odd paths, network drives, files open in Excel, GBK consoles."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dapaicha.cli import app
from dapaicha.errors import UserError
from dapaicha.fsutil import atomic_write_text
from dapaicha.store import db, journal

ODD = "办公 室 #1 %20 & 数据"  # spaces, Chinese, #, %, &


def _journal(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    finally:
        con.close()


def _merge(tmp_path: Path, make_return, ros, store: Path) -> None:
    returns = tmp_path / "returns" / "第1期"
    make_return("a.xlsx", {}, village=0, folder=returns)
    make_return("b.xlsx", {}, village=1, folder=returns)
    args = [
        "merge",
        str(returns),
        "-r",
        ros.source,
        "-s",
        str(store),
        "-o",
        str(tmp_path / "m.xlsx"),
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "新入库 2 个" in r.output


def test_store_path_with_spaces_chinese_hash_percent_ampersand(tmp_path, make_return, ros):
    store = tmp_path / ODD / "台账 #2 %41.sqlite"
    _merge(tmp_path, make_return, ros, store)
    assert store.is_file()
    assert not (tmp_path / ODD / "台账 ").exists()  # no file cut at '#' or decoded at '%'
    assert db.read_version(store) == db.VERSION
    r = CliRunner().invoke(app, ["store", "info", "-s", str(store)])
    assert r.exit_code == 0 and "第1期" in r.output


def test_store_through_a_symlinked_folder(tmp_path, make_return, ros):
    real = tmp_path / "真实 文件夹"
    real.mkdir()
    link = tmp_path / "链接"
    link.symlink_to(real, target_is_directory=True)
    _merge(tmp_path, make_return, ros, link / "s.sqlite")
    assert (real / "s.sqlite").is_file()
    assert db.read_version(link / "s.sqlite") == db.VERSION


@pytest.mark.parametrize(
    ("path", "remote", "expected"),
    [
        (r"\\server\share\巩固办\s.sqlite", set(), journal.DELETE),
        ("//server/share/s.sqlite", set(), journal.DELETE),
        (r"Z:\巩固办\s.sqlite", {"Z:\\"}, journal.DELETE),
        (r"C:\Users\县巩固办\s.sqlite", {"Z:\\"}, journal.WAL),
        (r"D:\数据 #1\s.sqlite", set(), journal.WAL),
    ],
)
def test_journal_mode_for_windows_paths(path: str, remote: set[str], expected: str) -> None:
    def drive_type(root: str) -> int:
        return journal.DRIVE_REMOTE if root in remote else 3  # 3: a fixed disk

    assert journal.windows_mode(path, drive_type) == expected


MOUNTS = """\
/dev/sda1 / ext4 rw 0 0
//server/share /mnt/share cifs rw 0 0
nas:/export /mnt/nfs nfs4 rw 0 0
sshfs#u@h: /mnt/ssh fuse.sshfs rw 0 0
/dev/sdb1 /mnt/share/local ext4 rw 0 0
"""


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("/home/u", journal.WAL),
        ("/mnt/share/巩固办", journal.DELETE),
        ("/mnt/nfs", journal.DELETE),
        ("/mnt/ssh/x", journal.DELETE),
        ("/mnt/share/local/x", journal.WAL),  # the deepest mount decides
        ("/mnt/sharex", journal.WAL),
    ],
)
def test_journal_mode_for_posix_mounts(folder: str, expected: str) -> None:
    assert journal.posix_mode(Path(folder), MOUNTS) == expected


def test_journal_forced_by_setting(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(journal.ENV, "delete")
    db.connect(tmp_path / "d.sqlite", create=True).close()
    assert _journal(tmp_path / "d.sqlite") == "delete"
    monkeypatch.setenv(journal.ENV, "wal")
    db.connect(tmp_path / "w.sqlite", create=True).close()
    assert _journal(tmp_path / "w.sqlite") == "wal"


def test_store_gets_the_journal_its_folder_calls_for(tmp_path, monkeypatch) -> None:
    """Unforced, the store takes what mode_for decides for its folder (WAL on a local disk)."""
    monkeypatch.delenv(journal.ENV, raising=False)
    db.connect(tmp_path / "x.sqlite", create=True).close()
    assert _journal(tmp_path / "x.sqlite") == journal.mode_for(tmp_path / "x.sqlite")


def test_file_open_elsewhere_is_one_clear_line(tmp_path, make_return, ros) -> None:
    target = tmp_path / "校验报告.xlsx"
    target.write_bytes(b"old")
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # as a file Excel holds open
    with pytest.raises(UserError) as ei:
        atomic_write_text(target, "new")
    assert str(ei.value) == f"文件正被其他程序（如 Excel、WPS）打开，请关闭后重试：{target}"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["校验报告.xlsx"]  # no temporary left
    returns = tmp_path / "returns"
    make_return("a.xlsx", {}, folder=returns)
    r = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "validate", str(returns), "-r", ros.source,
         "--report", str(target)],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert (
        r.stderr.strip() == f"错误：文件正被其他程序（如 Excel、WPS）打开，请关闭后重试：{target}"
    )


def test_json_is_utf8_on_a_gbk_console(tmp_path, make_return, ros) -> None:
    returns = tmp_path / "returns"
    make_return("大马村.xlsx", {}, folder=returns)
    out = tmp_path / "结果.json"
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    base = [sys.executable, "-m", "dapaicha.cli", "validate", str(returns), "-r", ros.source,
            "--report", str(tmp_path / "r.xlsx")]  # fmt: skip
    r = subprocess.run([*base, "--json-out", str(out)], capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr.decode("gbk", "replace")
    data = json.loads(out.read_bytes().decode("utf-8"))
    assert [f["file"] for f in data["files"]] == ["大马村.xlsx"]
    r = subprocess.run([*base, "--json"], capture_output=True, env=env, timeout=120)
    assert r.returncode == 0
    assert json.loads(r.stdout.decode("utf-8")) == data  # redirected --json is UTF-8 too


def _kit_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_kit", Path(__file__).parents[1] / "scripts" / "build_kit.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _wheel(folder: Path, filename: str, requires: list[str]) -> None:
    import zipfile

    name, version = filename.split("-")[:2]
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(folder / filename, "w") as zf:
        zf.writestr(f"{name}-{version}.dist-info/METADATA", meta)


def test_kit_walk_finds_what_windows_markers_need(tmp_path) -> None:
    kit = _kit_module()
    _wheel(tmp_path, "dapaicha-0.1.0-py3-none-any.whl", ["typer>=0.29", "pandas>=3"])
    _wheel(tmp_path, "typer-0.29.2-py3-none-any.whl", ['colorama; platform_system == "Windows"'])
    _wheel(tmp_path, "pandas-3.1.1-cp311-cp311-win_amd64.whl", ['tzdata; sys_platform == "win32"'])
    _wheel(tmp_path, "tzdata-2026.6-py2.py3-none-any.whl", [])
    # what a Linux `pip download --platform win_amd64` leaves out: colorama; and no cp312 pandas
    assert kit.missing(tmp_path, "3.11") == ["colorama"]
    assert kit.missing(tmp_path, "3.12") == ["colorama", "pandas>=3"]
    _wheel(tmp_path, "colorama-0.4.6-py2.py3-none-any.whl", [])
    assert kit.missing(tmp_path, "3.11") == []
    assert kit.missing(tmp_path, None) == []  # this machine: markers false, tags not checked


def test_every_command_takes_odd_paths(tmp_path, make_return, ros) -> None:
    base = tmp_path / ODD
    roster = base / "名册 #1.xlsx"
    base.mkdir()
    roster.write_bytes(Path(ros.source).read_bytes())
    runner = CliRunner()

    def ok(*args: object) -> str:
        r = runner.invoke(app, [str(a) for a in args])
        assert r.exit_code == 0, (args, r.output)
        return r.output

    ok("generate", "-r", roster, "-o", base / "台账 %1")
    assert len(list((base / "台账 %1").rglob("*.xlsx"))) == len(ros.villages)
    returns = base / "returns & 报送" / "第1期"
    make_return("大马 #村.xlsx", {}, village=0, folder=returns)
    ok(
        "validate",
        returns,
        "-r",
        roster,
        "--report",
        base / "报告 #1.xlsx",
        "--feedback",
        base / "退回 %",
    )
    assert (base / "报告 #1.xlsx").is_file()
    ok("merge", returns, "-r", roster, "-s", base / "库 #1.sqlite", "-o", base / "合并 &.xlsx")
    ok("rollup", "-s", base / "库 #1.sqlite", "-r", roster, "-o", base / "汇总 #%&")
    assert any((base / "汇总 #%&").rglob("周报*.xlsx"))
    ok("history", ros.villages[0].village, "-s", base / "库 #1.sqlite", "-r", roster)
    ok("store", "export", "-s", base / "库 #1.sqlite", "-o", base / "导出 #.xlsx")
    assert (base / "导出 #.xlsx").is_file()


def test_terminal_on_a_gbk_console_never_crashes(tmp_path, make_return, ros) -> None:
    returns = tmp_path / "returns"
    make_return("大马村😀.xlsx", {}, folder=returns)  # a glyph GBK cannot encode
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "COLUMNS": "200"}
    r = subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", "validate", str(returns), "-r", ros.source,
         "--report", str(tmp_path / "r.xlsx"), "--all"],
        capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode("gbk", "replace")
    out = r.stdout.decode("gbk")
    assert "通过" in out and "校验结果" in out


def test_install_bat_takes_the_newest_supported_python() -> None:
    """Several Pythons on one PC (py -3 would take an untested 3.14): the .bat asks the py
    launcher for each supported version, newest first, and says which ones it needs."""
    kit = _kit_module()
    assert kit.PYTHONS == ("3.11", "3.12", "3.13")
    bat = kit.install_bat()
    assert "for %%V in (3.13 3.12 3.11) do if not defined PY py -%%V" in bat
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in bat
    assert "没有找到 Python 3.11、3.12 或 3.13（64 位）" in bat
    assert "py -3 " not in bat and "{" not in bat
    assert "Python 3.11、3.12 或 3.13（64 位" in kit.guide()
