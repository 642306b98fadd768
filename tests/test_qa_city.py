"""The city tier, as clerks run it: each county's merged ledger (written by the county's
`week`) sent up to a city workspace (`init --level 市`), the county clerk's careless copies
re-saved through LibreOffice (as a clerk opening them in WPS/Excel would).

Built once per module with the CLI in subprocesses: roster 鄢陵县 (安陵镇, 马栏镇) and 襄城县
(城关镇, 麦岭镇), 3 villages each (codes from the townships' 2023 division codes). In each
county, 第1期: villages k = 0…4 of the generated ledgers report on 2022-03-30, k = 5 does not;
k = 0, 3: item 3 已整改 and item 5 正在整改 (both 立行立改, 基础工作方面); k = 1, 4: item 7
纳入整改方案 未整改 (动态监测方面); k = 2: no problem. So each county: 应报 6, 已报 5 (按时 5),
未报 1; problems 2 + 2 + 1 + 1 = 6.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest import SOFFICE

from dapaicha.xlsx import fill

D = dt.date
TOWNS = {
    "鄢陵县": [("411024100", "安陵镇"), ("411024101", "马栏镇")],
    "襄城县": [("411025100", "城关镇"), ("411025101", "麦岭镇")],
}
SIGNERS = {"村级责任组组长": "甲", "第一书记": "乙", "村支部书记": "丙"}
LEDGER = "鄢陵县问题整改台账_第1期.xlsx"
XC = "襄城县问题整改台账_第1期.xlsx"
# a county's row of the 市级汇总表 when its ledger is accepted:
# 应报 6, 已报 5, 按时 5, 逾期 0, 退回待改 0, 未报 1, 问题 6
GOOD = (6, 5, 5, 0, 0, 1, 6)


def _cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "dapaicha.cli", *map(str, args)], cwd=cwd,
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "COLUMNS": "400"})  # fmt: skip
    assert r.returncode in (0, 1), r.stdout + r.stderr
    return r


def _roster(path: Path, counties: list[str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码", "村级责任组组长",
               "第一书记", "村支部书记"])  # fmt: skip
    i = 0
    for c in counties:
        for code, town in TOWNS[c]:
            for j, name in enumerate(("东村", "西村", "南村")):
                i += 1
                ws.append([i, c, town, town[:2] + name, f"{code}{201 + j}", "组长", "书记", "支书"])
    wb.save(path)


def _problem(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "has_problem": "是", "description": "部分监测户信息未更新", "measure": "逐户核实更新",
        "kind": "立行立改", "deadline": D(2022, 4, 20), "owner": "张三", "result": "已整改",
        "done_date": D(2022, 3, 25),
    }  # fmt: skip
    base.update(kw)
    return base


def _county(root: Path, county: str, folder: str = "") -> Path:
    ws = root / (folder or county)
    _cli("init", ws, "--level", "县", "--unit", county, "--office", county + "巩固办",
         "--phone", "0374-2222222", cwd=root)  # fmt: skip
    _roster(ws / "名册.xlsx", [county])
    if folder:  # its roster also lists 鄢陵县's 安陵东村 (by its code), under 城关镇
        wb = openpyxl.load_workbook(ws / "名册.xlsx")
        wb.active.append([7, county, "城关镇", "安陵东村", "411024100201", "组长", "书记", "支书"])
        wb.save(ws / "名册.xlsx")
    _cli("generate", cwd=ws)
    open_ = {"result": "正在整改", "done_date": None}
    plan = {
        "kind": "纳入整改方案",
        "deadline": D(2022, 6, 30),
        "result": "未整改",
        "done_date": None,
    }
    answers = [{3: _problem(), 5: _problem(**open_)}, {7: _problem(**plan)}, {}]
    for k, blank in enumerate(sorted((ws / "台账").rglob("*.xlsx"))[:5]):
        fill.fill_ledger(blank, ws / "returns" / "第1期" / blank.name, answers[k % 3],
                         default={"has_problem": "否"}, report_date=D(2022, 3, 30),
                         signers=SIGNERS)  # fmt: skip
    _cli("week", "-p", 1, "--as-of", "2022-03-31", cwd=ws)
    return ws / "汇总" / "第1期" / f"{county}问题整改台账_第1期.xlsx"


def _careless(src: Path, raw: Path) -> None:
    """The county clerk's copies of its ledger, before LibreOffice re-saves them."""

    def edit(name: str, how) -> None:  # type: ignore[no-untyped-def]
        wb = openpyxl.load_workbook(src)
        how(wb)
        wb.save(raw / f"{name}.xlsx")

    shutil.copy(src, raw / "plain.xlsx")
    shutil.copy(src.with_name("鄢陵县_县级汇总表_第1期.xlsx"), raw / "summary.xlsx")
    edit("no_meta", lambda wb: wb.remove(wb["_dapaicha_merged"]))
    edit(
        "no_hidden",
        lambda wb: [wb.remove(wb[s]) for s in ("_dapaicha_merged", "_dapaicha_villages")],
    )
    edit("renamed", lambda wb: setattr(wb["问题整改台账"], "title", "Sheet1"))
    edit("result_edit", lambda wb: setattr(wb["问题整改台账"]["P4"], "value", "已整改"))


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("city")
    ledgers = {c: _county(root, c) for c in TOWNS}
    ledgers["也报"] = _county(root, "襄城县", "襄城县也报")
    town = root / "市"
    _cli("init", town, "--level", "市", "--unit", "许昌市", "--office", "许昌市巩固办",
         "--phone", "0374-1111111", cwd=root)  # fmt: skip
    _roster(town / "名册.xlsx", list(TOWNS))
    raw, lo = root / "raw", root / "lo"
    raw.mkdir()
    _careless(ledgers["鄢陵县"], raw)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{root / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(lo), *map(str, sorted(raw.iterdir()))],
                   check=True, capture_output=True, timeout=300)  # fmt: skip
    return {"root": root, "city": town, "lo": lo, XC: ledgers["襄城县"], "也报": ledgers["也报"]}


def _send(
    city: dict[str, Path], name: str, variant: str, more: dict[str, Path] | None = None
) -> tuple[Path, str]:
    """A fresh copy of the city workspace; 襄城县's good ledger (or more's files) and
    鄢陵县's `variant` (as LEDGER) in returns/第1期; the city's week. → (the workspace, its
    stdout)."""
    ws = city["root"] / "runs" / name
    shutil.copytree(city["city"], ws)
    folder = ws / "returns" / "第1期"
    folder.mkdir(parents=True, exist_ok=True)
    for to, src in (more or {XC: city[XC]}).items():
        shutil.copy(src, folder / to)
    shutil.copy(city["lo"] / f"{variant}.xlsx", folder / LEDGER)
    return ws, _cli("week", "-p", 1, "--as-of", "2022-03-31", cwd=ws).stdout


def _findings(ws: Path) -> list[tuple[str, str, str, str]]:
    """(file, code, sheet, cell) of the 校验报告's 问题明细."""
    [path] = (ws / "校验报告").glob("*.xlsx")
    rows = list(openpyxl.load_workbook(path)["问题明细"].iter_rows(min_row=4, values_only=True))
    return [(r[3], r[11], r[6] or "", r[7] or "") for r in rows if r[11]]


def _messages(ws: Path) -> list[str]:
    [path] = (ws / "校验报告").glob("*.xlsx")
    rows = openpyxl.load_workbook(path)["问题明细"].iter_rows(min_row=4, values_only=True)
    return [r[10] for r in rows if r[11]]


def _city_rows(ws: Path) -> dict[str, tuple]:
    """county → (应报, 已报, 按时, 逾期, 退回待改, 未报, 排查问题数) of the 市级汇总表."""
    sheet = openpyxl.load_workbook(ws / "汇总" / "第1期" / "市级汇总表_第1期.xlsx")["汇总"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    return {r[0]: tuple(r[1:8]) for r in rows if r[0] in ("鄢陵县", "襄城县", "全市合计")}


def test_resaved_ledgers_are_taken(city) -> None:
    """Control: both ledgers as LibreOffice re-saves them: the counties' own figures."""
    ws, _ = _send(city, "plain", "plain")
    assert _findings(ws) == []
    # 全市合计: 应报 6 + 6, 已报 5 + 5, 按时 5 + 5, 未报 1 + 1, problems 6 + 6
    assert _city_rows(ws) == {"鄢陵县": GOOD, "襄城县": GOOD, "全市合计": (12, 10, 10, 0, 0, 2, 12)}


# 鄢陵县's ledger refused: its 5 reported villages 退回待改 (reported, not passed), 1 未报;
# 全市合计: 应报 6 + 6, 已报 0 + 5, 按时 0 + 5, 退回待改 5 + 0, 未报 1 + 1, problems 0 + 6
REFUSED = {"鄢陵县": (6, 0, 0, 0, 5, 1, 0), "襄城县": GOOD, "全市合计": (12, 5, 5, 0, 5, 2, 6)}


def test_metadata_sheet_deleted(city) -> None:
    """The hidden metadata sheet deleted: still a merged ledger, said edited (not read as a
    village's return with missing signers), and 襄城县's good ledger beside it is taken."""
    ws, _ = _send(city, "no_meta", "no_meta")
    assert _findings(ws) == [(LEDGER, "merged-edited", "_dapaicha_merged", "")]
    assert "隐藏的元数据表“_dapaicha_merged”被删除" in _messages(ws)[0]
    assert _city_rows(ws) == REFUSED


def test_data_sheet_renamed(city) -> None:
    """问题整改台账 renamed Sheet1: said edited (not 文件已损坏, no English), and its villages
    are 退回待改 like any other edited ledger's, not 未报."""
    ws, _ = _send(city, "renamed", "renamed")
    assert _findings(ws) == [(LEDGER, "merged-edited", "问题整改台账", "")]
    [said] = _messages(ws)
    assert "找不到“问题整改台账”表" in said and "WorksheetNotFound" not in said
    assert _city_rows(ws) == REFUSED


def test_week_speaks_of_the_county(city) -> None:
    """An edited county ledger at the city: the screen counts files (1 stored, none of them
    sent back: the edited one is 无法入库) and asks to contact the county, not a village."""
    ws, out = _send(city, "result_edit", "result_edit")
    assert _findings(ws) == [(LEDGER, "merged-edited", "问题整改台账", "P4")]
    assert _messages(ws) == [  # the cell said once (was again in brackets: 首处不符：…P4)
        "“问题整改台账”表 P4单元格：合并台账写出后被改动过（首处不符即此单元格），未采用；"
        "请用 dapaicha merge 重新生成后再报。"
    ]
    assert "共 2 个报送文件，其中新收到 2 个，已校验，入库 1 个（其中退回修改 0 个）" in out
    assert f"无法入库：{LEDGER}" in out and "请联系报送的县重新发送" in out
    assert "请联系报送的村" not in out
    assert _city_rows(ws) == REFUSED


def test_same_ledger_sent_twice(city) -> None:
    """鄢陵县's ledger under two names: each file is told the other carries its villages;
    the figures count them once."""
    copy = "鄢陵县问题整改台账_第1期(1).xlsx"
    ws, _ = _send(city, "twice", "plain", {XC: city[XC], copy: city["lo"] / "plain.xlsx"})
    sheet = "_dapaicha_villages"
    assert _findings(ws) == [
        (copy, "merged-village-twice", sheet, ""),
        (LEDGER, "merged-village-twice", sheet, ""),
    ]
    # the 5 reported villages (k = 0…4; 马栏西村, k = 5, reported nothing), roster spelling
    names = "安陵镇安陵东村、安陵镇安陵西村、安陵镇安陵南村、马栏镇马栏东村、马栏镇马栏南村"
    assert _messages(ws)[0] == (
        f"“{sheet}”表：{names}也在合并台账“{LEDGER}”中，统计时只算一次（采用填报日期较新的一份，"
        "相同时采用文件名排在后的一份）；请与报送的县核实，同一个村只应在一份合并台账中。"
    )
    assert _city_rows(ws) == {"鄢陵县": GOOD, "襄城县": GOOD, "全市合计": (12, 10, 10, 0, 0, 2, 12)}


def test_two_counties_carry_one_village(city) -> None:
    """襄城县's roster also lists 鄢陵县's 安陵东村 (411024100201): both ledgers carry it."""
    other = "襄城县也报问题整改台账_第1期.xlsx"
    ws, _ = _send(city, "both", "plain", {other: city["也报"]})
    sheet = "_dapaicha_villages"
    assert _findings(ws) == [
        (other, "merged-village-twice", sheet, ""),
        (LEDGER, "merged-village-twice", sheet, ""),
    ]
    assert _messages(ws)[1].startswith(f"“{sheet}”表：安陵镇安陵东村也在合并台账“{other}”中")
    # 襄城县也报's generated ledgers in path order: 城关东村 (k 0: 2 problems), 城关南村 (1: 1),
    # 城关西村 (2: 0), 安陵东村 (3: 2, 鄢陵县's by its code), 麦岭东村 (4: 1); 麦岭南村, 麦岭西村
    # nothing. 襄城县: 已报 4, 未报 2, problems 2 + 1 + 0 + 1 = 4; 安陵东村 counted once, in 鄢陵县
    # 全市合计: 应报 12, 已报 5 + 4, 未报 1 + 2, problems 6 + 4
    rows = {"鄢陵县": GOOD, "襄城县": (6, 4, 4, 0, 0, 2, 4), "全市合计": (12, 9, 9, 0, 0, 3, 10)}
    assert _city_rows(ws) == rows


def test_summary_sent_instead_of_ledger(city) -> None:
    """The county's 县级汇总表 sent up instead of its ledger: said to be a summary (not a
    village's return missing its signers and 填报日期); 鄢陵县 sent no ledger: all 6 未报."""
    ws, out = _send(city, "summary", "summary")
    assert _findings(ws) == [(LEDGER, "summary-not-ledger", "", "")]
    assert "请联系报送的县重新发送" in out
    # 全市合计: 应报 12, 已报 0 + 5, 未报 6 + 1, problems 0 + 6
    rows = {"鄢陵县": (6, 0, 0, 0, 0, 6, 0), "襄城县": GOOD, "全市合计": (12, 5, 5, 0, 0, 7, 6)}
    assert _city_rows(ws) == rows


def test_merge_names_a_county_ledger(city) -> None:
    """The city's `merge` of 县/第1期 (the README's way): an edited county ledger is shown as
    a merged ledger, not as a return of an unidentified village."""
    ws = city["root"] / "runs" / "merge"
    shutil.copytree(city["city"], ws)
    folder = ws / "县" / "第1期"
    folder.mkdir(parents=True)
    shutil.copy(city["lo"] / "result_edit.xlsx", folder / LEDGER)
    out = _cli("merge", folder, "--as-of", "2022-03-31", cwd=ws).stdout
    assert f"{LEDGER}  （合并台账）  退回修改  错误 1，提醒 0" in out
    assert "未识别" not in out


def test_both_hidden_sheets_deleted(city) -> None:
    """Both hidden sheets deleted: still a merged ledger by its headers (问题序号, 来源文件 …),
    said edited; 襄城县's ledger beside it is taken. 鄢陵县's villages, unknown without the
    villages sheet, are all 未报 (6); 全市合计: 已报 0 + 5, 未报 6 + 1, problems 0 + 6."""
    ws, _ = _send(city, "no_hidden", "no_hidden")
    assert _findings(ws) == [(LEDGER, "merged-edited", "_dapaicha_merged", "")]
    rows = {"鄢陵县": (6, 0, 0, 0, 0, 6, 0), "襄城县": GOOD, "全市合计": (12, 5, 5, 0, 0, 7, 6)}
    assert _city_rows(ws) == rows


def test_last_weeks_ledger_in_this_weeks_folder(city) -> None:
    """第1期's ledger sent again, put in returns/第2期, `week` run without -p: the folder is
    named (the clerk typed no -p); nothing stored, exit 2."""
    ws = city["root"] / "runs" / "last_week"
    shutil.copytree(city["city"], ws)
    folder = ws / "returns" / "第2期"
    folder.mkdir(parents=True)
    shutil.copy(city["lo"] / "plain.xlsx", folder / LEDGER)
    r = subprocess.run([sys.executable, "-m", "dapaicha.cli", "week", "--as-of", "2022-04-07"],
                       cwd=ws, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "COLUMNS": "400"})  # fmt: skip
    assert r.returncode == 2
    said = f"{LEDGER}：这是第1期的合并台账，所在文件夹却是第2期，二者不符，不予合并"
    assert said in r.stdout + r.stderr and "-p 指定的" not in r.stdout + r.stderr
    assert not (ws / "dapaicha.sqlite").exists()
