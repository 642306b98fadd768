"""Each village's status in a period, from a real store: one truth, told by `dapaicha status`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
from conftest import problem
from typer.testing import CliRunner

from dapaicha.cli import app

D = dt.date


def _run(*args: object, code: int = 0) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def _campaign(tmp_path: Path, make_return, ros) -> Path:
    """第1期 (deadline 2022-03-31): village 0 on time, 1 rejected only, 2 rejected then
    corrected, 3 late; the rest sent nothing."""
    store, r1, r2 = tmp_path / "s.sqlite", tmp_path / "a" / "第1期", tmp_path / "b" / "第1期"
    bad = {3: problem(owner=None)}  # owner-missing: rejected
    make_return("v0.xlsx", {}, village=0, folder=r1)
    make_return("v1.xlsx", bad, village=1, folder=r1)
    make_return("v2.xlsx", bad, village=2, folder=r1)
    make_return("v3.xlsx", {}, village=3, report_date=D(2022, 4, 2), folder=r1)
    _run("merge", r1, "-r", ros.source, "-s", store, "-o", tmp_path / "m1.xlsx", code=1)
    make_return("v2-改.xlsx", {}, village=2, report_date=D(2022, 3, 31), folder=r2)
    _run("merge", r2, "-r", ros.source, "-s", store, "-o", tmp_path / "m2.xlsx")
    return store


def test_status_of_every_village(tmp_path, make_return, ros) -> None:
    store = _campaign(tmp_path, make_return, ros)
    out = _run("status", "-s", store, "-p", 1, "--as-of", "2022-03-30", "--json")
    data = json.loads(out)
    got = {v["key"]: (v["status"], v["file"]) for v in data["villages"]}
    names = [v.key for v in ros.villages]
    assert got[names[0]] == ("已通过", "v0.xlsx")
    assert got[names[1]] == ("退回待改", "v1.xlsx")
    (returned,) = [v for v in data["villages"] if v["status"] == "退回待改"]
    assert [(f["code"], f["item"]) for f in returned["findings"]] == [("owner-missing", 3)]
    assert got[names[2]] == ("已通过", "v2-改.xlsx")  # the corrected file, not the stale one
    assert got[names[3]] == ("已通过（迟报）", "v3.xlsx")
    rest = {got[n] for n in names[4:]}
    assert rest == {("未报送", "")}
    assert len(data["villages"]) == len(ros.villages)
    assert data["counts"] == {"未报送": len(names) - 4, "逾期未报": 0, "退回待改": 1,
                              "已通过": 2, "已通过（迟报）": 1}  # fmt: skip
    # after the deadline, those who sent nothing are overdue; the rest stay as they were
    later = json.loads(_run("status", "-s", store, "-p", 1, "--as-of", "2022-04-01", "--json"))
    assert later["counts"]["逾期未报"] == len(names) - 4 and later["counts"]["未报送"] == 0
    assert later["counts"]["退回待改"] == 1


def test_status_workbook(tmp_path, make_return, ros) -> None:
    store = _campaign(tmp_path, make_return, ros)
    path = tmp_path / "报送情况.xlsx"
    _run("status", "-s", store, "-p", 1, "--as-of", "2022-04-01", "-o", path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["报送情况", "按乡镇统计"]
    rows = list(wb["报送情况"].iter_rows(min_row=3, values_only=True))
    by_code = {r[3]: r[4] for r in rows}
    v = ros.villages
    assert by_code[v[1].code] == "退回待改" and by_code[v[0].code] == "已通过"
    total = [r for r in wb["按乡镇统计"].iter_rows(min_row=3, values_only=True) if r[0] == "合计"]
    n = len(v)
    assert total == [("合计", None, n, 0, n - 4, 1, 2, 1)]


def test_merge_and_rollup_json(tmp_path, make_return, ros) -> None:
    store = _campaign(tmp_path, make_return, ros)
    r3 = tmp_path / "c" / "第1期"
    make_return("v4.xlsx", {}, village=4, folder=r3)
    data = json.loads(_run("merge", r3, "-r", ros.source, "-s", store, "-o", tmp_path / "m3.xlsx",
                           "--json"))  # fmt: skip
    assert (data["period"], data["added"], data["already"], data["rejected"]) == (1, 1, 0, 0)
    assert data["merged_ledger"] == str(tmp_path / "m3.xlsx")
    assert [f["status"] for f in data["report"]["files"]] == ["通过"]
    out = _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", tmp_path / "汇总", "--json")
    units = {u["unit"]: u for u in json.loads(out)["units"]}
    # accepted: villages 0, 2 (corrected), 3 (late), 4 — all 鄢陵县 (7 villages); 襄城县 has 9
    assert units["鄢陵县"]["report_rate_pct"] == 57.14  # 4 / 7 = 57.142…
    assert units["襄城县"]["report_rate_pct"] == 0.0
    assert units["全市合计"]["report_rate_pct"] == 25.0  # 4 / 16
    assert units["鄢陵县"]["problems"] == 0 and units["鄢陵县"]["rate_pct"] is None
