"""Each tier's own report: 已报 / 退回待改 / 未报 from the one status; county and city views.

Figures are counted by hand from the campaign in test_status._campaign (example roster:
鄢陵县 陈化店镇 villages 0–3, 望田镇 4–6; 襄城县 villages 7–15). 第1期: village 0 on time,
1 rejected only (王庄村, 陈化店镇), 2 rejected then corrected on time, 3 late; the rest
sent nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import problem, soffice_convert
from test_print import PDFTOTEXT, _fits
from test_status import _campaign, _run
from typer.testing import CliRunner

from dapaicha.cli import app
from dapaicha.errors import UserError
from dapaicha.figures import rollup

D = dt.date

# unit → (应报, 已报, 按时, 逾期, 退回待改, 未报)
CITY = {
    "鄢陵县": (7, 3, 2, 1, 1, 3),
    "襄城县": (9, 0, 0, 0, 0, 9),
    "全市合计": (16, 3, 2, 1, 1, 12),
}
COUNTY_YL = {
    "陈化店镇": (4, 3, 2, 1, 1, 0),
    "望田镇": (3, 0, 0, 0, 0, 3),
    "合计": (7, 3, 2, 1, 1, 3),
}
HEADS = ("应报村数", "已报", "按时", "逾期", "退回待改村数", "未报村数")


def _summary_rows(path: Path) -> dict[str, tuple]:
    """unit → the six village counts of the 汇总 sheet, found by their headers."""
    ws = openpyxl.load_workbook(path)["汇总"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    top, low = rows[2], rows[3]
    heads = [lo if lo is not None else t for t, lo in zip(top, low, strict=True)]
    at = [heads.index(h) for h in HEADS]
    return {r[0]: tuple(r[j] for j in at) for r in rows[4:] if r[0] and r[1] is not None}


def test_reported_returned_missing(tmp_path, make_return, ros) -> None:
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "汇总"
    data = json.loads(_run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out, "--json"))
    keys = ("expected", "reported", "on_time", "late", "returned", "missing")
    got = {u["unit"]: tuple(u[k] for k in keys) for u in data["units"]}
    assert got == CITY
    city = _summary_rows(out / "市级汇总表_第1期.xlsx")
    assert city == CITY
    assert _summary_rows(out / "鄢陵县_县级汇总表_第1期.xlsx") == COUNTY_YL
    for n, _, on, late, ret, miss in CITY.values():
        assert n == on + late + ret + miss
    # the 周报 table: the same counts beside the 已报 ones
    ws = openpyxl.load_workbook(out / "周报_第1期.xlsx")["周报"]
    heads = [c.value for c in ws[3]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] in CITY}
    cols = [
        heads.index(h) for h in ("应报村数", "已报村数", "按时上报村数", "退回待改村数", "未报村数")
    ]
    assert {u: tuple(r[j] for j in cols) for u, r in rows.items()} == {
        u: (c[0], c[1], c[2], c[4], c[5]) for u, c in CITY.items()
    }
    # 未报村: the 退回待改 village apart (after those that sent nothing), marked as such
    miss = [r for r in openpyxl.load_workbook(out / "鄢陵县_县级汇总表_第1期.xlsx")["未报村"]
            .iter_rows(min_row=3, values_only=True) if r[1]]  # fmt: skip
    assert [(r[0], r[1], r[3]) for r in miss] == [
        ("望田镇", "王庄村", "未报送"),
        ("望田镇", "姚家村", "未报送"),
        ("望田镇", "河刘村", "未报送"),
        ("陈化店镇", "王庄村", "报送未通过（退回待改）"),
    ]
    txt = (out / "周报文字稿_第1期.txt").read_text(encoding="utf-8-sig")
    assert "应报送整改台账的行政村16个，本期已报3个" in txt
    assert "退回待改1个（报送未通过校验、退回修改待重报），未报12个（一个文件也没有报送）" in txt
    assert "应报7个村，已报3个（按时2个、逾期1个），退回待改1个，未报3个" in txt


def test_rollup_agrees_with_status(tmp_path, make_return, ros) -> None:
    """Every village's status in rollup's 未报村 sheet is the one `dapaicha status` tells."""
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "汇总"
    _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out)
    st = json.loads(_run("status", "-s", store, "-p", 1, "--as-of", "2022-03-31", "--json"))
    owing = {v["key"]: v["status"] for v in st["villages"] if not v["status"].startswith("已通过")}
    ws = openpyxl.load_workbook(out / "市级汇总表_第1期.xlsx")["未报村"]
    sheet = {r[3]: r[4] for r in ws.iter_rows(min_row=3, values_only=True) if r[3]}
    words = {"未报送": "未报送", "报送未通过（退回待改）": "退回待改"}
    assert {k: words[v] for k, v in sheet.items()} == owing
    assert list(owing.values()).count("退回待改") == 1 and len(owing) == 13


# --- the county's own view ------------------------------------------------------------------

OPEN = {"done_date": None}


def _own_roster(src: Path, dest: Path, county: str) -> None:
    """The example roster with only `county`'s villages (a county's own roster)."""
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    for i in range(ws.max_row, 2, -1):
        if ws.cell(i, 2).value != county:
            ws.delete_rows(i)
    wb.save(dest)


@pytest.fixture
def county_ws(tmp_path, ros, monkeypatch) -> Path:
    """鄢陵县's workspace, with its own roster (the example's 鄢陵县 villages)."""
    root = tmp_path / "鄢陵"
    _run("init", root, "--level", "县", "--unit", "鄢陵县", "--office", "鄢陵县巩固办",
         "--phone", "0374-7111111")  # fmt: skip
    _own_roster(Path(ros.source), root / "名册.xlsx", "鄢陵县")
    monkeypatch.chdir(root)
    return root


def _county_campaign(ws: Path, make_return) -> None:
    """Two periods in 鄢陵县's workspace (陈化店镇: villages 0–3, 望田镇: 4–6).

    第1期: v0 item 3 正在整改; v1 item 5 已整改; v4 item 7 未整改 (deadline 03-25).
    第2期: v0 item 3 已整改 (completed); v1 as before; v4 item 7 still 未整改 (overdue),
    item 9 new 正在整改 due 04-10 (due soon: within 7 days of 04-07); v5 no problem.
    """
    p1, p2 = ws / "returns" / "第1期", ws / "returns" / "第2期"
    make_return("v0.xlsx", {3: problem(result="正在整改", **OPEN)}, village=0, folder=p1)
    make_return("v1.xlsx", {5: problem()}, village=1, folder=p1)
    late = problem(result="未整改", deadline=D(2022, 3, 25), **OPEN)
    make_return("v4.xlsx", {7: late}, village=4, folder=p1)
    _run("week", "-p", 1, "--as-of", "2022-03-31")
    day = D(2022, 4, 6)
    make_return("v0.xlsx", {3: problem(done_date=D(2022, 4, 5))}, village=0, folder=p2,
                report_date=day)  # fmt: skip
    make_return("v1.xlsx", {5: problem()}, village=1, folder=p2, report_date=day)
    soon = problem(result="正在整改", deadline=D(2022, 4, 10), **OPEN)
    make_return("v4.xlsx", {7: late, 9: soon}, village=4, folder=p2, report_date=day)
    make_return("v5.xlsx", {}, village=5, folder=p2, report_date=day)
    _run("week", "-p", 2, "--as-of", "2022-04-07")


def _texts(root: Path) -> list[tuple[str, str]]:
    """(where, text) of every output: file names, every cell of every workbook, every text."""
    inputs = {"returns", "存档", "名册.xlsx"}
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if rel.parts[0] in inputs or p.name.startswith("dapaicha.sqlite"):
            continue
        out.append((str(rel), p.name))
        if p.suffix == ".xlsx":
            for ws in openpyxl.load_workbook(p).worksheets:
                out += [(f"{rel}!{ws.title}", ws.title)]
                out += [(f"{rel}!{ws.title}!{c.coordinate}", str(c.value))
                        for row in ws.iter_rows() for c in row if c.value is not None]  # fmt: skip
        elif p.suffix in (".md", ".txt", ".json", ".yaml"):
            out.append((str(rel), p.read_text("utf-8-sig")))
    return out


def test_county_workspace_speaks_for_its_county(county_ws, make_return) -> None:
    _county_campaign(county_ws, make_return)
    _run("merge", county_ws / "returns" / "第2期")  # the ledger sent up: the county's own name
    # merge writes the ledgers per county (the county's own: its name, never 全市)
    assert (county_ws / "汇总" / "合并台账" / "第2期" / "鄢陵县问题整改台账_第2期.xlsx").is_file()
    out = county_ws / "汇总" / "第2期"
    names = sorted(p.name for p in out.glob("*.xlsx"))
    assert "市级汇总表_第2期.xlsx" not in names and "襄城县_县级汇总表_第2期.xlsx" not in names
    assert "鄢陵县_县级汇总表_第2期.xlsx" in names and "周报_第2期.xlsx" in names
    found = [where for where, text in _texts(county_ws) if "全市" in text]
    assert found == []
    # 汇总: one row per township, ranked by 整改率, with the week; the 合计 last
    ws = openpyxl.load_workbook(out / "鄢陵县_县级汇总表_第2期.xlsx")["汇总"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    top, low = rows[2], rows[3]
    heads = [lo if lo is not None else t for t, lo in zip(top, low, strict=True)]
    want = ("应报村数", "已报", "按时", "退回待改村数", "未报村数", "排查问题数", "已整改",
            "整改率", "逾期未整改", "本周新增", "本周完成整改", "整改率变化（百分点）", "排名")  # fmt: skip
    at = [heads.index(h) for h in want]
    body = [r for r in rows[4:] if r[0] and r[1] is not None]
    got = [(r[0], *(r[j] for j in at)) for r in body]
    assert got == [
        ("陈化店镇", 4, 2, 2, 0, 2, 2, 2, 1.0, 0, 0, 1, 50.0, 1),  # 1/2 → 2/2
        ("望田镇", 3, 2, 2, 0, 1, 2, 0, 0.0, 1, 1, 0, 0.0, 2),  # 0/1 → 0/2
        got[2],
    ]
    assert got[2][:12] == ("合计", 7, 4, 4, 0, 3, 4, 2, 0.5, 1, 1, 1)
    assert got[2][12] == pytest.approx(50.0 - 100 / 3) and got[2][13] is None
    texts = [str(v) for r in rows for v in r if isinstance(v, str)]
    assert "联系电话：0374-7111111" in texts
    assert any("按按时上报率从高到低" in t for t in texts)
    # 周报: the townships ranked; the county's name in the title
    wk = openpyxl.load_workbook(out / "周报_第2期.xlsx")["周报"]
    assert wk["A1"].value.startswith("第2期（截至2022年4月7日）鄢陵县")
    assert "鄢陵县巩固办" in wk["A2"].value
    assert [c.value for c in wk[3]][:2] == ["排名", "乡（镇、街道）"]
    assert [(r[0], r[1]) for r in wk.iter_rows(min_row=4, max_row=6, values_only=True)] == [
        (1, "陈化店镇"), (2, "望田镇"), (None, "合计"),
    ]  # fmt: skip
    # 文字稿: 本县, its townships ranked, overdue and due-soon problems by township, sign-off
    txt = (out / "周报文字稿_第2期.txt").read_text("utf-8-sig")
    assert "本县应报送整改台账的行政村7个，本期已报4个" in txt
    assert "整改率50.00%，较上期提高16.67个百分点" in txt
    assert "1. 陈化店镇：" in txt and "排名第1位" in txt and "2. 望田镇：" in txt
    assert "望田镇逾期未整改1个（王庄村第7项），即将到期1个（王庄村第9项）" in txt
    assert txt.rstrip().endswith("鄢陵县巩固办\n2022年4月7日\n（联系电话：0374-7111111）")
    assert "各县" not in txt


def test_county_rollup_json_is_its_townships(county_ws, make_return) -> None:
    _county_campaign(county_ws, make_return)
    data = json.loads(_run("rollup", "-p", 2, "--json"))
    assert data["level"] == "township"
    got = {u["unit"]: (u["rank"], u["rate_pct"], u["change_pp"], u["new"], u["completed"])
           for u in data["units"]}  # fmt: skip
    assert got == {
        "陈化店镇": (1, 100.0, 50.0, 0, 1),
        "望田镇": (2, 0.0, 0.0, 1, 0),
        "合计": (None, 50.0, 16.67, 1, 1),
    }


def test_township_rank_ties_by_on_time_rate() -> None:
    f = pd.DataFrame({"unit": ["甲镇", "乙镇", "丙镇"], "rate": [0.5, 0.5, float("nan")],
                      "report_rate": [1.0, 0.5, 1.0], "on_time_rate": [0.5, 1.0, 1.0]})  # fmt: skip
    assert rollup.rank(f, "on_time_rate").to_dict() == {"乙镇": 1, "甲镇": 2, "丙镇": 3}
    assert rollup.rank(f).to_dict() == {"甲镇": 1, "乙镇": 2, "丙镇": 3}  # the city's: 上报率


def test_county_view_by_flags(tmp_path, make_return, ros) -> None:
    """Outside a workspace: --level 县 --unit picks the county out of a city's roster."""
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "县"
    _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out, "--level", "县",
         "--unit", "鄢陵县", "--office", "鄢陵县巩固办", "--phone", "0374-7111111")  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [
        "周报_第1期.xlsx", "周报文字稿_第1期.md", "周报文字稿_第1期.txt", "鄢陵县_县级汇总表_第1期.xlsx",
    ]  # fmt: skip
    assert [w for w, t in _texts(out) if "全市" in t or "襄城县" in t] == []
    assert _summary_rows(out / "鄢陵县_县级汇总表_第1期.xlsx") == COUNTY_YL
    txt = (out / "周报文字稿_第1期.txt").read_text("utf-8-sig")
    assert "退回待改1个（报送未通过校验、退回修改待重报），未报3个" in txt
    assert "陈化店镇退回待改的有王庄村" in txt
    bad = CliRunner().invoke(app, ["rollup", "-s", str(store), "-r", str(ros.source), "-p", "1",
                                   "-o", str(out), "--level", "县"])  # fmt: skip
    assert isinstance(bad.exception, UserError)  # exit 2 through the entry point
    assert "村名册中有2个县（鄢陵县、襄城县）" in str(bad.exception)


# --- the city's view of its counties ----------------------------------------------------------


def _county_ledgers(tmp_path: Path, make_return, ros) -> Path:
    """鄢陵县's merged ledgers of 第1期 (villages 0, 1) and 第2期 (villages 0, 1, 2), as the
    county sends them up, in the city's folders 县/第1期 and 县/第2期."""
    own = tmp_path / "鄢陵名册.xlsx"
    _own_roster(Path(ros.source), own, "鄢陵县")
    store, up = tmp_path / "县.sqlite", tmp_path / "县"
    for n, villages, day in ((1, (0, 1), D(2022, 3, 30)), (2, (0, 1, 2), D(2022, 4, 6))):
        folder = tmp_path / "县返" / f"第{n}期"
        for v in villages:
            make_return(f"v{v}.xlsx", {}, village=v, folder=folder, report_date=day)
        (up / f"第{n}期").mkdir(parents=True)
        _run("merge", folder, "-r", own, "-s", store,
             "-o", up / f"第{n}期" / "鄢陵县问题整改台账.xlsx")  # fmt: skip
    return up


def test_city_sees_each_county_ledger_arrive(tmp_path, make_return, ros) -> None:
    up = _county_ledgers(tmp_path, make_return, ros)
    city = tmp_path / "市.sqlite"
    for n in (1, 2):
        _run("merge", up / f"第{n}期", "-r", ros.source, "-s", city, "-o", tmp_path / f"m{n}.xlsx")
    with sqlite3.connect(city) as conn:  # the moments the ledgers arrived (UTC)
        for n, at in ((1, "2022-03-31T09:00:00+00:00"), (2, "2022-04-07T17:30:00+00:00")):
            conn.execute("UPDATE submissions SET received_at = ? WHERE period = ?", (at, n))
    out = tmp_path / "汇总"
    # 第1期: arrived 2022-03-31 17:00 Beijing time, on the deadline day: 按时
    data = json.loads(_run("rollup", "-s", city, "-r", ros.source, "-p", 1, "-o", out, "--json"))
    assert data["county_ledgers"] == [{
        "county": "鄢陵县", "file": "鄢陵县问题整改台账.xlsx",
        "received_at": "2022-03-31T09:00:00+00:00", "received_on": "2022-03-31", "on_time": True,
    }]  # fmt: skip
    rows = _arrival_rows(out / "市级汇总表_第1期.xlsx")
    assert rows == {
        "鄢陵县": (7, 2, pytest.approx(2 / 7), "2022-03-31 17:00", "按时"),
        "襄城县": (9, 0, 0.0, None, "未收到"),
        "全市合计": (16, 2, 0.125, None, None),
    }
    # 第2期: 2022-04-07 17:30 UTC is 04-08 01:30 in Beijing, after the 04-07 deadline: 逾期
    _run("rollup", "-s", city, "-r", ros.source, "-p", 2, "-o", out)
    rows = _arrival_rows(out / "市级汇总表_第2期.xlsx")
    assert rows["鄢陵县"] == (7, 3, pytest.approx(3 / 7), "2022-04-08 01:30", "逾期")
    # unchanged: a city rolled up from village returns shows no ledger columns (test_rollup)


def _arrival_rows(path: Path) -> dict[str, tuple]:
    ws = openpyxl.load_workbook(path)["汇总"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    heads = [lo if lo is not None else t for t, lo in zip(rows[2], rows[3], strict=True)]
    at = [
        heads.index(h) for h in ("应报村数", "已报", "上报率", "县级台账收到时间", "县级台账报送")
    ]
    return {r[0]: tuple(r[j] for j in at) for r in rows[4:] if r[0] and r[1] is not None}


def test_county_ledger_of_another_period_is_refused(tmp_path, make_return, ros) -> None:
    up = _county_ledgers(tmp_path, make_return, ros)
    wrong = tmp_path / "错" / "第2期"
    wrong.mkdir(parents=True)
    shutil.copy(up / "第1期" / "鄢陵县问题整改台账.xlsx", wrong / "鄢陵县问题整改台账.xlsx")
    city = tmp_path / "市.sqlite"
    said = "鄢陵县问题整改台账.xlsx：这是第1期的合并台账，所在文件夹却是第2期，二者不符，不予合并"
    bad = CliRunner().invoke(app, ["merge", str(wrong), "-r", str(ros.source), "-s", str(city),
                                   "-o", str(tmp_path / "m.xlsx")])  # fmt: skip
    assert isinstance(bad.exception, UserError) and said in str(bad.exception)
    assert not city.exists()  # nothing stored
    bad = CliRunner().invoke(app, ["merge", str(up / "第1期"), "-p", "2", "-r", str(ros.source),
                                   "-s", str(city), "-o", str(tmp_path / "m.xlsx")])  # fmt: skip
    assert isinstance(bad.exception, UserError)
    assert "这是第1期的合并台账，-p 指定的却是第2期" in str(bad.exception)
    # rollup straight from the ledgers: the same refusal, before anything is written
    loose = tmp_path / "散"
    loose.mkdir()
    shutil.copy(up / "第1期" / "鄢陵县问题整改台账.xlsx", loose / "鄢陵县.xlsx")
    bad = CliRunner().invoke(app, ["rollup", str(loose), "-p", "2", "-r", str(ros.source),
                                   "-o", str(tmp_path / "汇总")])  # fmt: skip
    assert isinstance(bad.exception, UserError)
    assert "鄢陵县.xlsx：这是第1期的合并台账，-p 指定的却是第2期" in str(bad.exception)
    assert not (tmp_path / "汇总").exists()
    _run("rollup", loose, "-p", 1, "-r", ros.source, "-o", tmp_path / "汇总")  # the right one


@pytest.mark.parametrize("view", ["county", "city"])
def test_new_columns_print(tmp_path, make_return, ros, view) -> None:
    """The county's ranked 汇总 and the city's 汇总 with ledger arrivals print A4 landscape,
    their last column header on the first pages (as tests/test_print.py checks the others)."""
    if view == "county":
        store = _campaign(tmp_path, make_return, ros)
        out = tmp_path / "县"
        _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out, "--level", "县",
             "--unit", "鄢陵县")  # fmt: skip
        src, last = out / "鄢陵县_县级汇总表_第1期.xlsx", "排名"
    else:
        up = _county_ledgers(tmp_path, make_return, ros)
        city, out = tmp_path / "市.sqlite", tmp_path / "市"
        _run("merge", up / "第1期", "-r", ros.source, "-s", city, "-o", tmp_path / "m.xlsx")
        _run("rollup", "-s", city, "-r", ros.source, "-o", out)
        src, last = out / "市级汇总表_第1期.xlsx", "县级台账报送"
    ws = openpyxl.load_workbook(src)["汇总"]
    assert [c.value for c in ws[3] if c.value][-1] == last  # the header's last column
    pdf = soffice_convert(src, "pdf", tmp_path)
    box = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())[0]
    assert (round(float(box[0])), round(float(box[1]))) == (842, 595)
    across = 1 if _fits(src) else 4
    text = subprocess.run([PDFTOTEXT, "-f", "1", "-l", str(across), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert last in re.sub(r"\s", "", text)


def test_city_view_signs_with_its_office(tmp_path, make_return, ros) -> None:
    """A city's settings (or --office/--phone) sign its outputs; the figures stay the same."""
    store = _campaign(tmp_path, make_return, ros)
    out = tmp_path / "市"
    _run("rollup", "-s", store, "-r", ros.source, "-p", 1, "-o", out, "--level", "市",
         "--office", "许昌市巩固办", "--phone", "0374-1234567")  # fmt: skip
    assert _summary_rows(out / "市级汇总表_第1期.xlsx") == CITY
    ws = openpyxl.load_workbook(out / "市级汇总表_第1期.xlsx")["汇总"]
    assert "联系电话：0374-1234567" in [c.value for row in ws.iter_rows() for c in row]
    assert openpyxl.load_workbook(out / "周报_第1期.xlsx")["周报"]["A2"].value.startswith(
        "许昌市巩固办"
    )
    txt = (out / "周报文字稿_第1期.txt").read_text("utf-8-sig")
    assert txt.rstrip().endswith("许昌市巩固办\n2022年3月31日\n（联系电话：0374-1234567）")
