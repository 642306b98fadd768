"""Workspace settings (dapaicha.yaml): init writes them; commands run in the workspace or a
folder below it take -r / -c / -s / -o from there; explicit flags win; a broken file is one
Chinese line with its line number (exit 2); init never overwrites."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from dapaicha import resources
from dapaicha.app import init as init_mod
from dapaicha.cli import app
from dapaicha.config import workspace
from dapaicha.errors import UserError

runner = CliRunner()
OFFICE = "禹州市巩固拓展脱贫攻坚成果领导小组办公室"


def _init(ws: Path, *extra: str) -> None:
    res = runner.invoke(app, ["init", str(ws), *extra])
    assert res.exit_code == 0, res.output


def test_init_writes_commented_settings(tmp_path):
    ws = tmp_path / "禹州"
    _init(ws, "--level", "县", "--unit", "禹州市", "--office", OFFICE, "--phone", "0374-8888888")
    raw = (ws / "dapaicha.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n")
    text = raw.decode("utf-8-sig")
    for words in ("# 本级单位", "单位层级：县 或 市", "联系电话", "村名册", "排查清单", "数据库",
                  "退回修改副本和退回通知", "重新报送的期限"):  # fmt: skip
        assert words in text, words
    readme = (ws / "README.txt").read_bytes().decode("utf-8-sig")
    assert "dapaicha.yaml" in readme and "   dapaicha week\r\n" in readme
    w = workspace.here(ws / "returns" / "第1期")
    assert w is not None and w.root == ws.resolve()
    s = w.settings
    assert (s.unit.level, s.unit.name, s.office, s.phone) == (
        "县",
        "禹州市",
        OFFICE,
        "0374-8888888",
    )
    assert (s.roster, s.checklist, s.store, s.resubmit_days) == (
        "名册.xlsx", "checklist.yaml", "dapaicha.sqlite", 3,
    )  # fmt: skip
    f = s.folders
    assert (f.returns, f.rejected, f.summary, f.reports) == (
        "returns",
        "退回修改",
        "汇总",
        "校验报告",
    )
    assert w.path(s.roster) == ws.resolve() / "名册.xlsx"
    # a city, and init without the new flags: blanks
    _init(tmp_path / "许昌", "--level", "市", "--unit", "许昌市")
    assert workspace.here(tmp_path / "许昌").settings.unit.level == "市"
    _init(tmp_path / "空白")
    s = workspace.here(tmp_path / "空白").settings
    assert (s.unit.level, s.unit.name, s.office, s.phone) == ("", "", "", "")
    res = runner.invoke(app, ["init", str(tmp_path / "x"), "--level", "省"])
    assert isinstance(res.exception, UserError) and "--level 应为 县 或 市" in str(res.exception)


def test_init_twice_never_overwrites(tmp_path):
    ws = tmp_path / "w"
    _init(ws, "--unit", "禹州市")
    mine = "# 我改过的\nunit:\n  name: 长葛市\n"
    (ws / "dapaicha.yaml").write_text(mine, encoding="utf-8")
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    res = runner.invoke(app, ["init", str(ws), "--unit", "禹州市", "--phone", "1"])
    assert res.exit_code == 0 and "已存在，保留未改" in res.output
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before
    again = init_mod.run(ws, workspace.settings(unit="别的"))
    assert again.created == [] and "dapaicha.yaml" in again.kept


@pytest.fixture
def ws(tmp_path, make_return) -> Path:
    """A workspace with the example roster, its own checklist (phone 0374-1234567) and two
    returns in returns/第1期."""
    ws = tmp_path / "ws"
    _init(ws)
    shutil.copy(resources.examples_dir() / "roster.xlsx", ws / "名册.xlsx")
    cl_text = (ws / "checklist.yaml").read_text(encoding="utf-8-sig")
    assert 'phone: "2965220"' in cl_text
    (ws / "checklist.yaml").write_text(
        cl_text.replace('phone: "2965220"', 'phone: "0374-1234567"'), encoding="utf-8"
    )
    for i in (0, 1):
        make_return(f"村{i}.xlsx", village=i, folder=ws / "returns" / "第1期")
    return ws


def _stored(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    finally:
        conn.close()


def test_commands_below_the_workspace_need_no_flags(ws, monkeypatch):
    monkeypatch.chdir(ws / "returns")  # a folder below the workspace
    res = runner.invoke(app, ["validate", "第1期"])
    assert res.exit_code == 0, res.output
    assert (ws / "校验报告" / "校验报告_第1期.xlsx").is_file()
    assert not Path("校验报告.xlsx").exists()
    res = runner.invoke(app, ["merge", "第1期"])
    assert res.exit_code == 0, res.output
    assert _stored(ws / "dapaicha.sqlite") == 2
    # the counties' ledgers beside the workspace's -o; the whole store's with --all-ledgers
    assert [p.name for p in (ws / "汇总" / "合并台账" / "第1期").iterdir()]
    assert not (ws / "汇总" / "全市问题整改台账.xlsx").exists()
    res = runner.invoke(app, ["merge", "第1期", "--all-ledgers"])
    assert res.exit_code == 0, res.output
    assert (ws / "汇总" / "全市问题整改台账.xlsx").is_file()
    res = runner.invoke(app, ["rollup"])
    assert res.exit_code == 0, res.output
    weekly = ws / "汇总" / "第1期" / "周报_第1期.xlsx"  # where `week` writes it too
    cells = [c for row in openpyxl.load_workbook(weekly)["周报"].iter_rows(values_only=True)
             for c in row if isinstance(c, str)]  # fmt: skip
    assert any("0374-1234567" in c for c in cells)  # the workspace's checklist, not built-in
    assert not any("2965220" in c for c in cells)
    assert not [p for p in Path.cwd().iterdir() if p.is_file()]  # nothing in the cwd
    res = runner.invoke(app, ["store", "info"])
    assert res.exit_code == 0 and "第1期" in res.output, res.output
    res = runner.invoke(app, ["roster"])
    assert res.exit_code in (0, 1) and "名册.xlsx" in res.output, res.output
    # rollup of returns (no store): the workspace's store is not forced on it
    res = runner.invoke(app, ["rollup", "第1期", "-o", str(ws / "临时汇总")])
    assert res.exit_code == 0, res.output
    assert (ws / "临时汇总" / "周报_第1期.xlsx").is_file()


def test_explicit_flags_win(ws, tmp_path, monkeypatch):
    monkeypatch.chdir(ws / "returns" / "第1期")
    other = tmp_path / "别处"
    res = runner.invoke(app, ["validate", ".", "--report", str(other / "报告.xlsx")])
    assert res.exit_code == 0, res.output
    assert (other / "报告.xlsx").is_file() and not list((ws / "校验报告").iterdir())
    res = runner.invoke(
        app, ["merge", ".", "-s", str(other / "x.sqlite"), "-o", str(other / "台账.xlsx")]
    )
    assert res.exit_code == 0, res.output
    assert _stored(other / "x.sqlite") == 2 and not (ws / "dapaicha.sqlite").exists()
    # a wrong roster given explicitly is used (and fails), not the workspace's
    res = runner.invoke(app, ["validate", ".", "-r", str(other / "无此名册.xlsx")])
    assert res.exit_code != 0


def test_broken_settings_are_one_chinese_line(ws):
    env_path = str(Path(__file__).resolve().parents[1] / "src")
    (ws / "dapaicha.yaml").write_text(
        "unit:\n  level: 县\n  name: 禹州市\nresubmit_days: 三天\n", encoding="utf-8"
    )
    p = _cli(["validate", "第1期"], ws / "returns", env_path)
    assert p.returncode == 2 and p.stdout == ""
    (line,) = p.stderr.strip().splitlines()
    assert line.startswith("错误：设置文件 ") and "第 4 行" in line and "resubmit_days" in line
    (ws / "dapaicha.yaml").write_text("unit:\n  level: 县\n name: x\n", encoding="utf-8")
    p = _cli(["merge", "第1期"], ws / "returns", env_path)
    (line,) = p.stderr.strip().splitlines()
    assert p.returncode == 2 and "第 3 行不是合法的 YAML" in line
    p = _cli(["init", "新的"], ws / "returns", env_path)  # init needs no settings
    assert p.returncode == 0 and (ws / "returns" / "新的" / "dapaicha.yaml").is_file()


def _cli(args: list[str], cwd: Path, src: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dapaicha.cli", *args],
        capture_output=True, text=True, encoding="utf-8", timeout=120, cwd=cwd,
        env={**__import__("os").environ, "PYTHONPATH": src},
    )  # fmt: skip


def test_outside_a_workspace_nothing_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["validate", "."])
    assert res.exit_code == 2 and "--roster" in res.output


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8", "utf-8-sig"])
def test_settings_saved_by_notepad_in_any_encoding_are_read(tmp_path, encoding):
    """Notepad on a Chinese Windows saves ANSI (GBK) unless told otherwise, or Unicode
    (UTF-16): dapaicha.yaml and the checklist are read either way (were refused as not UTF-8)."""
    from dapaicha.config import checklist

    ws = tmp_path / "县"
    _init(ws)
    text = (ws / "dapaicha.yaml").read_text(encoding="utf-8-sig")
    text = text.replace("resubmit_days: 3", "resubmit_days: 5")
    (ws / "dapaicha.yaml").write_bytes(text.encode(encoding))
    assert workspace.load(ws / "dapaicha.yaml").settings.resubmit_days == 5
    shipped = resources.default_checklist().read_text(encoding="utf-8")
    wide = "gb18030" if encoding == "gbk" else encoding  # its ✓ is outside GBK
    (tmp_path / "清单.yaml").write_bytes(shipped.encode(wide))
    assert checklist.load(tmp_path / "清单.yaml") == checklist.load()
    (tmp_path / "坏.yaml").write_bytes(b"unit: \xff\xfe\x80\x80\xff")
    with pytest.raises(UserError, match="编码无法识别，请用记事本另存为 UTF-8"):
        workspace.load(tmp_path / "坏.yaml")
