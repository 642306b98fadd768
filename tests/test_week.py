"""`dapaicha week` in a real workspace: one command a week, run twice, a corrected return."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import problem
from typer.testing import CliRunner

from dapaicha.cli import app

D = dt.date


def _run(*args: object, code: int = 0) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture
def ws(tmp_path, ros, monkeypatch) -> Path:
    root = tmp_path / "禹州 工作"
    _run("init", root, "--level", "县", "--unit", "鄢陵县", "--office", "鄢陵县巩固办",
         "--phone", "0374-7111111")  # fmt: skip
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    monkeypatch.chdir(root)
    return root


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_week_round_rerun_and_correction(ws, make_return, ros) -> None:
    v = ros.villages
    folder = ws / "returns" / "第1期"
    make_return("v0.xlsx", {}, village=0, folder=folder)
    make_return("v1.xlsx", {3: problem(owner=None)}, village=1, folder=folder)  # rejected
    out = _run("week", "-p", 1, "--as-of", "2022-03-30")
    assert "新收到 2 个" in out
    copy = ws / "退回修改" / "第1期" / v[1].county / f"{v[1].village}_退回修改.xlsx"
    assert copy.is_file()
    # its notice: issued on the as-of day, by the county's office, with its phone
    told = copy.with_name(f"{v[1].village}_退回通知.txt").read_text("utf-8-sig")
    assert "鄢陵县巩固办" in told and "0374-7111111" in told and "2022年3月30日" in told
    assert "2026年" not in told
    assert "发现错误 1 处" in out.replace("\n", "") and "其中退回修改 1 个" in out.replace("\n", "")
    assert (ws / "校验报告" / "校验报告_第1期_2022-03-30.xlsx").is_file()
    assert not (ws / "退回修改" / "第1期" / v[0].county / f"{v[0].village}_退回修改.xlsx").exists()
    chase = openpyxl.load_workbook(ws / "汇总" / "第1期" / "催报名单.xlsx").active
    owing = {r[3]: r[4] for r in chase.iter_rows(min_row=3, values_only=True)}
    # a county's workspace (鄢陵县) lists its own villages only, though the roster has two counties
    mine = [x for x in v[2:] if x.county == "鄢陵县"]
    assert owing == {x.code: "未报送" for x in mine} | {v[1].code: "退回待改"}
    notice = ws / "汇总" / "第1期" / "催报通知" / v[1].county / f"{v[1].township}_催报通知.txt"
    text = notice.read_text("utf-8-sig")
    assert text.startswith(f"{v[1].township}：") and "鄢陵县巩固办" in text
    assert "联系电话：0374-7111111" in text and f"{v[1].village}（退回待改）" in text
    # the same status everywhere: status --json agrees with the 催报名单
    data = json.loads(_run("status", "-p", 1, "--as-of", "2022-03-30", "--json"))
    assert {x["code"]: x["status"] for x in data["villages"] if x["status"] != "已通过"} == owing

    archived = sorted((ws / "存档").rglob("*.xlsx"))
    assert len(archived) == 2 and all(not p.stat().st_mode & 0o222 for p in archived)
    assert {p.stem for p in archived} == {_sha(folder / "v0.xlsx"), _sha(folder / "v1.xlsx")}
    before = _snapshot(ws)
    out = _run("week", "-p", 1, "--as-of", "2022-03-30")
    assert "没有新的报送文件" in out
    assert _snapshot(ws) == before  # nothing read into the store, nothing written

    make_return("v1-改.xlsx", {}, village=1, report_date=D(2022, 3, 31), folder=folder)
    out = _run("week", "-p", 1, "--as-of", "2022-03-31")
    assert "新收到 1 个" in out
    # its 校验报告: the new file only; 未报 = the villages the store says still owe (v2 …)
    rep = openpyxl.load_workbook(ws / "校验报告" / "校验报告_第1期_2022-03-31.xlsx")
    owed = {r[3] for r in rep["未报"].iter_rows(min_row=3, values_only=True) if r[3]} - {"村代码"}
    assert owed == {x.code for x in mine}
    assert not copy.exists()
    void = ws / "退回修改" / "第1期" / "已作废" / v[1].county
    assert sorted(p.name for p in void.iterdir()) == [
        f"{v[1].village}_退回修改.xlsx",
        f"{v[1].village}_退回通知.txt",
    ]
    data = json.loads(_run("status", "-p", 1, "--as-of", "2022-03-31", "--json"))
    assert {x["code"]: x["status"] for x in data["villages"]}[v[1].code] == "已通过"


def _main(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dapaicha.cli", *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)  # fmt: skip


def test_week_outside_the_campaign_asks_for_the_period(ws) -> None:
    (ws / "returns" / "第1期").mkdir(parents=True, exist_ok=True)
    r = _main(ws, "week", "--as-of", "2026-12-03")
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "错误：2026-12-03 不在行动期间（2022-03-01 至 2022-04-30），请用 -p 指定第几期，"
        "例：dapaicha week -p 2"
    )


def test_week_outside_a_workspace(tmp_path) -> None:
    r = _main(tmp_path, "week", "-p", "1")
    assert r.returncode == 2
    assert "请在工作文件夹中运行" in r.stderr


def test_week_sends_back_an_update_while_the_earlier_file_counts(ws, make_return, ros) -> None:
    """A village passed, then sent an update with an error: the update gets its 退回修改 copy
    and notice (its earlier file still counts, 已通过); a corrected update voids them."""
    v = ros.villages
    folder = ws / "returns" / "第1期"
    make_return("v0.xlsx", {}, village=0, folder=folder)
    _run("week", "-p", 1, "--as-of", "2022-03-29")
    make_return("v0-更新.xlsx", {3: problem(owner=None)}, village=0,
                report_date=D(2022, 3, 30), folder=folder)  # fmt: skip
    out = _run("week", "-p", 1, "--as-of", "2022-03-30")
    assert "其中退回修改 1 个" in out.replace("\n", "")
    copy = ws / "退回修改" / "第1期" / v[0].county / f"{v[0].village}_退回修改.xlsx"
    assert copy.is_file() and copy.with_name(f"{v[0].village}_退回通知.txt").is_file()
    data = json.loads(_run("status", "-p", 1, "--as-of", "2022-03-30", "--json"))
    assert {x["code"]: x["status"] for x in data["villages"]}[v[0].code] == "已通过"
    # the village corrects its update: the copy and notice are void
    make_return("v0-更新2.xlsx", {3: problem()}, village=0, report_date=D(2022, 3, 31),
                folder=folder)  # fmt: skip
    _run("week", "-p", 1, "--as-of", "2022-03-31")
    assert not copy.exists()
    void = ws / "退回修改" / "第1期" / "已作废" / v[0].county
    assert sorted(p.name for p in void.iterdir()) == [
        f"{v[0].village}_退回修改.xlsx",
        f"{v[0].village}_退回通知.txt",
    ]
