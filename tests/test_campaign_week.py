"""A three-period campaign run week by week in a real workspace (issue: the office's week).

Villages (example roster, 鄢陵县陈化店镇 and 望田镇):
  v0 大马村: rejected, then corrected in 第1期; passes 第2期 and 第3期
  v1 王庄村: never reports
  v2 前杨村: passes 第1期; 第2期 rejected only (its figures carried from 第1期); nothing in 第3期
  v3 后杨村: passes; in 第2期 sends a stale file dated 2022-03-20 (17 days before receipt)
  v4 王庄村 (望田镇): nothing in 第1期; 第2期 received 2022-04-09, after the deadline 04-07,
     with 2022-04-07 typed in (back-dated to look on time); passes 第3期
Periods: 第1期 … 03-31; 第2期 04-01 … 04-07; 第3期 04-08 … 04-14.
Every status below is written by hand from these facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import problem
from typer.testing import CliRunner

from dapaicha.cli import app

D = dt.date
OK, LATE, RET, NONE, OVER = "已通过", "已通过（迟报）", "退回待改", "未报送", "逾期未报"


def _run(*args: object, code: int = 0) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture
def campaign(tmp_path, ros, make_return, monkeypatch) -> Path:
    root = tmp_path / "鄢陵"
    _run("init", root, "--level", "县", "--unit", "鄢陵县", "--office", "鄢陵县巩固办",
         "--phone", "0374-7111111")  # fmt: skip
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    monkeypatch.chdir(root)
    r = root / "returns"
    bad = {3: problem(owner=None)}  # 整改责任人 missing: rejected
    # 第1期
    make_return("大马村.xlsx", bad, village=0, report_date=D(2022, 3, 30), folder=r / "第1期")
    make_return("前杨村.xlsx", {}, village=2, report_date=D(2022, 3, 29), folder=r / "第1期")
    make_return("后杨村.xlsx", {}, village=3, report_date=D(2022, 3, 30), folder=r / "第1期")
    _run("week", "--as-of", "2022-03-30")  # no -p: the as-of day's period
    make_return("大马村-改.xlsx", {}, village=0, report_date=D(2022, 3, 31), folder=r / "第1期")
    _run("week", "--as-of", "2022-03-31")
    # 第2期
    make_return("大马村.xlsx", {}, village=0, report_date=D(2022, 4, 6), folder=r / "第2期")
    make_return("前杨村.xlsx", bad, village=2, report_date=D(2022, 4, 6), folder=r / "第2期")
    make_return("后杨村.xlsx", {}, village=3, report_date=D(2022, 3, 20), folder=r / "第2期")
    _run("week", "--as-of", "2022-04-06")
    make_return("王庄村.xlsx", {}, village=4, report_date=D(2022, 4, 7), folder=r / "第2期")
    _run("week", "-p", 2, "--as-of", "2022-04-09")
    # 第3期
    for v, name in ((0, "大马村"), (3, "后杨村"), (4, "王庄村")):
        make_return(f"{name}.xlsx", {}, village=v, report_date=D(2022, 4, 12), folder=r / "第3期")
    _run("week", "--as-of", "2022-04-13")
    return root


EXPECTED = {  # period → status of v0 … v4 as of 2022-04-13
    1: [OK, OVER, OK, OK, OVER],
    2: [OK, OVER, RET, OK, LATE],
    3: [OK, NONE, NONE, OK, OK],
}


def _status(period: int) -> dict[str, str]:
    data = json.loads(_run("status", "-p", period, "--as-of", "2022-04-13", "--json"))
    return {x["code"]: x["status"] for x in data["villages"]}


def test_three_periods_week_by_week(campaign, ros) -> None:
    _status_history_and_validate_agree(campaign, ros)
    _receipt_decides_and_dates_are_doubted(campaign)
    _rollup_agrees(campaign, ros)


def _rollup_agrees(root: Path, ros) -> None:
    """第2期's 县级汇总表 (written by the week of 04-09), 鄢陵县's 7 villages: 已报 3 (按时 v0,
    v3; 逾期 v4), 退回待改 1 (v2), 未报 3 (v1, 姚家村, 河刘村); 未报村 lists v2 apart."""
    wb = openpyxl.load_workbook(root / "汇总" / "第2期" / "鄢陵县_县级汇总表_第2期.xlsx")
    rows = list(wb["汇总"].iter_rows(values_only=True))
    total = next(r for r in rows if r[0] == "合计")
    assert total[1:7] == (7, 3, 2, 1, 1, 3)
    listed = [r for r in wb["未报村"].iter_rows(min_row=3, values_only=True) if r[2]]
    want = {x.code for x in ros.villages if x.county == "鄢陵县"} - {
        ros.villages[i].code for i in (0, 3, 4)
    }
    assert {r[2] for r in listed} == want
    assert [r[3] for r in listed if r[2] == ros.villages[2].code] == [
        "报送未通过（退回待改，沿用前期台账）"
    ]


def _status_history_and_validate_agree(campaign: Path, ros) -> None:
    codes = [v.code for v in ros.villages]
    for n, want in EXPECTED.items():
        got = _status(n)
        assert [got[c] for c in codes[:5]] == want, n
        rest = NONE if n == 3 else OVER
        county = [v.code for v in ros.villages if v.county == "鄢陵县"]  # the workspace's own
        assert {got[c] for c in county[5:]} == {rest} and set(got) == set(county)
    # history repeats the same statuses, period by period
    for i, v in enumerate(ros.villages[:5]):
        out = _run("history", v.code, "--as-of", "2022-04-13")
        line = "；".join(f"第{n}期：{EXPECTED[n][i]}" for n in (1, 2, 3))
        assert f"各期状态：{line}" in out.replace("\n", ""), v.village
    # validate of the 第2期 folder: v2's only file is refused, v1 sent nothing
    rep = json.loads(_run("validate", "returns/第2期", "--json", code=1))
    by_code = {f["village_code"]: f["accepted"] for f in rep["files"]}
    assert by_code == {codes[0]: True, codes[2]: False, codes[3]: True, codes[4]: True}
    county = {v.code for v in ros.villages if v.county == "鄢陵县"}  # the workspace's own
    assert {m["village_code"] for m in rep["missing"]} == county - set(by_code)
    # 后杨村's 2022-03-20 in the 第2期 folder: a warning, never another period
    stale = next(f for f in rep["files"] if f["village_code"] == codes[3])
    assert [(f["code"], f["cell"], f["message"]) for f in stale["findings"]] == [
        ("report-date-other-period", "K2",
         "“整改台账”表 K2单元格：填报日期 2022-03-20 属于第1期，本批按第2期处理，请核对。"),
    ]  # fmt: skip


def _findings(root: Path, file: str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(root / "dapaicha.sqlite")
    try:
        return conn.execute(
            "SELECT f.code, f.cell FROM findings f JOIN submissions s ON s.id = f.submission_id"
            " WHERE s.file = ? ORDER BY f.seq",
            (file,),
        ).fetchall()
    finally:
        conn.close()


def _receipt_decides_and_dates_are_doubted(campaign: Path) -> None:
    # v4: received 04-09 for 第2期 (deadline 04-07) though 04-07 is typed in
    assert ("received-late", "") in _findings(campaign, "王庄村.xlsx")
    # v3: 2022-03-20 is 17 days before its receipt on 04-06, and lies in 第1期
    got = _findings(campaign, "后杨村.xlsx")
    assert ("report-date-doubtful", "K2") in got and ("report-date-other-period", "K2") in got
    conn = sqlite3.connect(campaign / "dapaicha.sqlite")
    rows = conn.execute(
        "SELECT file, period, on_time, received_at FROM submissions WHERE accepted = 1"
        " AND file IN ('王庄村.xlsx', '后杨村.xlsx') ORDER BY period, file"
    ).fetchall()
    conn.close()
    assert rows == [
        ("后杨村.xlsx", 1, 1, "2022-03-30"),
        ("后杨村.xlsx", 2, 1, "2022-04-06"),
        ("王庄村.xlsx", 2, 0, "2022-04-09"),
        ("后杨村.xlsx", 3, 1, "2022-04-13"),
        ("王庄村.xlsx", 3, 1, "2022-04-13"),
    ]


def _main(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dapaicha.cli", *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)  # fmt: skip


def test_week_with_an_unreadable_file_twice(tmp_path, ros, monkeypatch) -> None:
    """A file that cannot be stored is named once; the next run reads nothing again, and with
    nothing accepted yet the 催报 papers are still written (no summaries)."""
    root = tmp_path / "ws"
    _run("init", root, "--level", "县", "--unit", "鄢陵县")
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    (root / "returns" / "第1期").mkdir(parents=True, exist_ok=True)
    (root / "returns" / "第1期" / "坏.xlsx").write_bytes(b"not a workbook")
    monkeypatch.chdir(root)
    out = _run("week", "--as-of", "2022-03-30").replace("\n", "")
    assert "入库 0 个" in out and "无法入库：坏.xlsx" in out
    assert "暂不写汇总表和周报" in out
    assert (root / "汇总" / "第1期" / "催报名单.xlsx").is_file()
    out = _run("week", "--as-of", "2022-03-30")
    assert "没有新的报送文件" in out
    # nothing new, but the deadline has passed: the 催报名单 says 逾期未报 now
    _run("week", "-p", 1, "--as-of", "2022-04-02")
    chase = openpyxl.load_workbook(root / "汇总" / "第1期" / "催报名单.xlsx").active
    assert {r[4] for r in chase.iter_rows(min_row=3, values_only=True) if r[3]} == {OVER}


def test_merge_outside_the_campaign_asks_for_the_period(tmp_path, make_return, ros) -> None:
    plain = tmp_path / "returns"
    make_return("大马村.xlsx", {}, village=0, folder=plain)
    args = ["merge", str(plain), "-r", str(ros.source), "-s", str(tmp_path / "s.sqlite"),
            "-o", str(tmp_path / "台账.xlsx")]  # fmt: skip
    r = _main(tmp_path, *args)
    assert r.returncode == 2 and not (tmp_path / "s.sqlite").exists()
    assert r.stderr.strip() == (
        "错误：今天不在行动期间（2022-03-01 至 2022-04-30），无法确定“大马村.xlsx”属于第几期："
        "请用 -p 指定期次（例：dapaicha merge returns -p 2），或把文件放进“第N期”文件夹。"
    )
    assert _main(tmp_path, *args, "-p", "1").returncode == 0
    # --as-of inside the campaign gives the period (第2期: 04-01 … 04-07), and is the receipt
    # day: on time, but 2022-03-20 lies 13 days before it, in 第1期
    make_return("前杨村.xlsx", {}, village=2, report_date=D(2022, 3, 20), folder=plain / "b")
    r = _main(tmp_path, *args[:1], str(plain / "b"), *args[2:], "--as-of", "2022-04-02", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    codes = [(f["code"], f["cell"]) for f in data["report"]["files"][0]["findings"]]
    assert codes == [("report-date-doubtful", "K2"), ("report-date-other-period", "K2")]
    assert data["period"] == 2


def test_merge_in_a_workspace_archives_what_it_read(tmp_path, ros, make_return, monkeypatch):
    root = tmp_path / "ws"
    _run("init", root, "--level", "县", "--unit", "鄢陵县")
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    f = make_return("大马村.xlsx", {}, village=0, folder=root / "returns" / "第1期")
    monkeypatch.chdir(root)
    _run("merge", "returns/第1期")
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    kept = root / "存档" / sha[:2] / f"{sha}.xlsx"
    assert kept.read_bytes() == f.read_bytes() and not kept.stat().st_mode & 0o222


def test_week_reads_a_refused_file_again_once_the_roster_is_fixed(tmp_path, ros, make_return,
                                                                   monkeypatch) -> None:  # fmt: skip
    """A return refused because the roster lacked its village passes on the next week after
    the roster is fixed, without the village sending it again."""
    root = tmp_path / "ws"
    _run("init", root, "--level", "县", "--unit", "鄢陵县")
    wb = openpyxl.load_workbook(ros.source)
    sheet = wb.active
    row = next(r[0].row for r in sheet.iter_rows() if r[4].value == ros.villages[0].code)
    sheet.delete_rows(row)
    wb.save(root / "名册.xlsx")
    make_return("大马村.xlsx", {}, village=0, folder=root / "returns" / "第1期")
    monkeypatch.chdir(root)
    out = _run("week", "--as-of", "2022-03-30").replace("\n", "")
    assert "新收到 1 个" in out
    assert "没有新的报送文件" in _run("week", "--as-of", "2022-03-30")
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())  # the roster fixed
    out = _run("week", "--as-of", "2022-03-30").replace("\n", "")
    assert "新收到 1 个" in out and "入库 1 个" in out
    assert _status(1).get(ros.villages[0].code) == OK


def test_a_county_workspace_keeps_to_its_county(tmp_path, ros, monkeypatch) -> None:
    """The example roster holds 鄢陵县 (7 villages) and 襄城县 (9): a 鄢陵县 workspace
    generates, validates and merges its own 7; --county says otherwise explicitly."""
    root = tmp_path / "ws"
    _run("init", root, "--level", "县", "--unit", "鄢陵县")
    (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    monkeypatch.chdir(root)
    _run("generate")
    made = sorted((root / "台账").rglob("*.xlsx"))
    assert len(made) == 7 and {p.relative_to(root / "台账").parts[0] for p in made} == {"鄢陵县"}
    _run("generate", "--county", "襄城县", "-o", "他县")
    assert len(list((root / "他县").rglob("*.xlsx"))) == 9
    r = _main(root, "generate", "--county", "许昌县")
    assert r.returncode == 2
    assert (
        r.stderr.strip()
        == "错误：本级为县（许昌县），但村名册中没有这个县（名册中有：鄢陵县、襄城县）。"
    )


def test_a_city_week_takes_county_ledgers(tmp_path, ros, make_return, monkeypatch) -> None:
    """鄢陵县's week writes 鄢陵县问题整改台账_第1期.xlsx; the city's week stores it (not
    "无法入库"), reads nothing on its next run, and names it when put in 第2期 too."""
    county, city = tmp_path / "鄢陵", tmp_path / "许昌"
    for root, level, unit in ((county, "县", "鄢陵县"), (city, "市", "许昌市")):
        _run("init", root, "--level", level, "--unit", unit)
        (root / "名册.xlsx").write_bytes(Path(ros.source).read_bytes())
    for v in (0, 1, 2):
        make_return(f"v{v}.xlsx", {}, village=v, folder=county / "returns" / "第1期")
    monkeypatch.chdir(county)
    _run("week", "--as-of", "2022-03-31")
    ledger = county / "汇总" / "第1期" / "鄢陵县问题整改台账_第1期.xlsx"
    for n in (1, 2):
        (city / "returns" / f"第{n}期").mkdir(parents=True, exist_ok=True)
    (city / "returns" / "第1期" / ledger.name).write_bytes(ledger.read_bytes())
    monkeypatch.chdir(city)
    out = _run("week", "-p", 1, "--as-of", "2022-04-01").replace("\n", "")
    assert "无法入库" not in out and "入库 1 个" in out
    assert _status(1) == {
        **{
            v.code: (OK if i < 3 else OVER)
            for i, v in enumerate(ros.villages)
            if v.county == "鄢陵县"
        },
        **{v.code: OVER for v in ros.villages if v.county == "襄城县"},
    }
    assert "没有新的报送文件" in _run("week", "-p", 1, "--as-of", "2022-04-01")
    (city / "returns" / "第2期" / ledger.name).write_bytes(ledger.read_bytes())
    out = _run("week", "-p", 2, "--as-of", "2022-04-06").replace("\n", "")
    assert f"{ledger.name} 与第1期已入库的文件完全相同，不计入本期" in out
