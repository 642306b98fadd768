"""An examiner's audit: a 9-village campaign run through the real CLI, every figure by hand.

Roster (2 counties, 3 townships, 9 villages):
  鄢陵县 陈化店镇 v1 大马村 v2 王庄村 v3 前杨村 v4 后杨村; 望田镇 v5 姚家村 v6 河刘村 v7 李村
  襄城县 城关街道 v8 八里湾村 v9 孙庄村
Categories of the items used (checklist.yaml): 3, 5 基础工作; 7, 10, 12 动态监测;
15, 16, 20 帮扶支持; 25 “三保障”. Rate rule (rate_includes_plan: true): 已整改 ÷ 问题数.
第1期 2022-03-01..03-31, 第2期 04-01..04-07; overdue = deadline < 截至 day, not 已整改.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from dapaicha.app.init import ROSTER_HEADERS
from dapaicha.cli import app
from dapaicha.config import checklist
from dapaicha.config.roster import Village
from dapaicha.xlsx import excel, fill, ledger

D = dt.date
YL, XC = "鄢陵县", "襄城县"
IM, PL = "立行立改", "纳入整改方案"
# fmt: off
ROSTER = [("411024103201", YL, "陈化店镇", "大马村"), ("411024103202", YL, "陈化店镇", "王庄村"),
          ("411024103203", YL, "陈化店镇", "前杨村"), ("411024103204", YL, "陈化店镇", "后杨村"),
          ("411024104202", YL, "望田镇", "姚家村"), ("411024104203", YL, "望田镇", "河刘村"),
          ("411024104204", YL, "望田镇", "李村"), ("411025001201", XC, "城关街道", "八里湾村"),
          ("411025001202", XC, "城关街道", "孙庄村")]
# fmt: on


APRIL_20 = D(2022, 4, 20)


def _p(kind=IM, result="已整改", deadline=APRIL_20, done=None, **kw) -> dict:
    row = {"has_problem": "是", "description": "部分监测户信息未更新", "measure": "逐户核实更新",
           "kind": kind, "deadline": deadline, "owner": "张三", "result": result,
           "done_date": done or (D(2022, 3, 25) if result == "已整改" else None)}  # fmt: skip
    return row | kw


SEVERAL = "1.房屋漏雨 2.厕所未改造"  # a warning only (problems-in-one-row), counted once


def _run(*args: object, code: int = 0) -> str:
    r = CliRunner().invoke(app, [str(a) for a in args])
    assert r.exit_code == code, r.output
    return r.output


def _build(root: Path):
    cl = checklist.load()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(ROSTER_HEADERS[:7]))  # the roster template's columns, 联乡帮村干部 left out
    for c, a, t, v in ROSTER:
        ws.append([a, t, v, c, "甲", "乙", "丙"])
    wb.save(root / "名册.xlsx")
    blank = {}
    for i, (c, a, t, v) in enumerate(ROSTER, 1):
        blank[i] = root / "blank" / f"{c}.xlsx"
        blank[i].parent.mkdir(parents=True, exist_ok=True)
        vil = Village(
            code=c, county=a, township=t, village=v, signers=("甲", "乙", "丙"), row=i + 1
        )
        excel.save(ledger.build_workbook(cl, vil, generated_at="2022-03-01T09:00:00"), blank[i])
    signers = dict(zip(cl.campaign.village_signers, ("甲", "乙", "丙"), strict=True))

    def ret(period: int, name: str, v: int, answers: dict, rd: dt.date) -> None:
        dst = root / "returns" / f"第{period}期" / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        fill.fill_ledger(blank[v], dst, answers, default={"has_problem": "否"}, report_date=rd,
                         signers=signers)  # fmt: skip

    return ret


@pytest.fixture(scope="module")
def camp(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("audit")
    here = Path.cwd()
    os.chdir(root)  # a clerk's folder: merge writes 合并台账/第N期 here
    try:
        return _campaign(root)
    finally:
        os.chdir(here)


def _campaign(root: Path) -> dict:
    ret = _build(root)
    ros, db, r1, r2 = (
        root / "名册.xlsx",
        root / "db.sqlite",
        root / "returns/第1期",
        root / "returns/第2期",
    )
    out: dict = {"root": root}
    # 第1期: v1 all 否; v2 two files (the later 填报日期 is taken); v4 rejected (no 责任人)
    ret(1, "大马村.xlsx", 1, {}, D(2022, 3, 29))
    ret(1, "王庄村.xlsx", 2, {}, D(2022, 3, 28))
    ret(1, "王庄村(1).xlsx", 2, {3: _p(), 10: _p(result="正在整改")}, D(2022, 3, 30))
    ret(1, "前杨村.xlsx", 3, {5: _p(PL, "未整改", D(2022, 6, 30)),
                              7: _p(result="未整改", deadline=D(2022, 3, 25))}, D(2022, 3, 30))  # fmt: skip
    ret(1, "后杨村.xlsx", 4, {25: _p(owner=None)}, D(2022, 3, 30))
    ret(1, "河刘村.xlsx", 6, {15: _p(result="正在整改", deadline=D(2022, 4, 15),
                                     description=SEVERAL)}, D(2022, 3, 30))  # fmt: skip
    b20 = [_p(PL, "正在整改", D(2022, 5, 31)), _p(description="危房未改造")]
    ret(1, "八里湾村.xlsx", 8, {20: b20}, D(2022, 3, 30))
    out["validate1"] = _run("validate", r1, "-r", ros, "--report", root / "校验报告_第1期.xlsx",
                            "--as-of", "2022-03-30", code=1)  # fmt: skip
    _run("merge", r1, "-r", ros, "-s", db, "-p", 1, "--as-of", "2022-03-30", code=1)
    ret(1, "姚家村.xlsx", 5, {12: _p()}, D(2022, 3, 31))  # received 04-02: late
    _run("merge", r1, "-r", ros, "-s", db, "-p", 1, "--as-of", "2022-04-02", code=1)
    out["json1"] = json.loads(
        _run("rollup", "-s", db, "-r", ros, "-o", root / "汇总1", "-p", 1, "--json")
    )
    # 第2期: v1, v5 carried; v9 never; v8 late; v4 corrected; v2 #10 and v6 #15 completed
    ret(2, "王庄村.xlsx", 2, {3: _p(), 10: _p(done=D(2022, 4, 5))}, D(2022, 4, 6))
    ret(2, "前杨村.xlsx", 3, {5: _p(PL, "未整改", D(2022, 6, 30)),
                              7: _p(result="正在整改", deadline=D(2022, 3, 25))}, D(2022, 4, 6))  # fmt: skip
    ret(2, "后杨村.xlsx", 4, {25: _p(done=D(2022, 4, 2))}, D(2022, 4, 6))
    ret(2, "河刘村.xlsx", 6, {15: _p(deadline=D(2022, 4, 15), done=D(2022, 4, 4), description=SEVERAL),
                              16: _p(PL, "未整改", D(2022, 9, 30))}, D(2022, 4, 6))  # fmt: skip
    ret(2, "李村.xlsx", 7, {}, D(2022, 4, 6))
    _run("merge", r2, "-r", ros, "-s", db, "-p", 2, "--as-of", "2022-04-06")
    b20[0] = _p(PL, "正在整改", D(2022, 6, 30))  # 整改期限推后: 05-31 → 06-30
    ret(2, "八里湾村.xlsx", 8, {20: b20}, D(2022, 4, 7))
    _run("merge", r2, "-r", ros, "-s", db, "-p", 2, "--as-of", "2022-04-09")
    out["term2"] = _run("rollup", "-s", db, "-r", ros, "-o", root / "汇总2", "-p", 2)
    out["json2"] = json.loads(
        _run("rollup", "-s", db, "-r", ros, "-o", root / "汇总2", "-p", 2, "--json")
    )
    out["info"] = "".join(_run("store", "info", "-s", db).split())  # the table, unwrapped
    out["status2"] = json.loads(
        _run("status", "-s", db, "-p", 2, "--as-of", "2022-04-09", "--json")
    )
    out["status1"] = json.loads(
        _run("status", "-s", db, "-p", 1, "--as-of", "2022-04-02", "--json")
    )
    # the city: the counties' merged ledgers, merged and rolled up again
    city = root / "市"
    for n in (1, 2):
        _run("merge", root / "合并台账" / f"第{n}期", "-r", ros, "-s", city / "市.sqlite", "-p", n,
             "--as-of", f"2022-04-0{7 * n - 5}")  # fmt: skip
        _run("rollup", "-s", city / "市.sqlite", "-r", ros, "-o", city / f"汇总{n}", "-p", n)
    return out


def _rows(path: Path, sheet: str) -> list[list]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return [r[: max((i + 1 for i, x in enumerate(r) if x != ""), default=0)] for r in rows]


def _table(path: Path, sheet: str = "汇总") -> list[list]:
    """Data rows of a 汇总 sheet (row 5 on) up to the blank row; ints where whole."""
    out = []
    for r in _rows(path, sheet)[4:]:
        if not r:
            break
        out.append([int(x) if isinstance(x, float) and x.is_integer() and j != 20 else x
                    for j, x in enumerate(r)])  # fmt: skip
    return out


def _same(got: list[list], want: list[tuple]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g[:20] + g[21:] == list(w[:20] + w[21:]), g
        assert g[20] == pytest.approx(w[20], abs=1e-12), g


def _sums(rows: list[list]) -> None:
    """The total row is the sum of the rows above it in every count column (not 整改率)."""
    for j in range(1, len(rows[-1])):
        if j != 20:
            assert rows[-1][j] == sum(r[j] for r in rows[:-1]), j


# unit, 应报, 已报, 按时, 逾期, 退回待改, 未报, 问题, 7 categories, 立行立改, 纳入整改方案,
# 已整改, 正在整改, 未整改, 整改率, 逾期未整改
# 第1期 陈化店镇: v1 v2 v3 on time, v4 rejected; problems v2 #3 IM 已, #10 IM 正; v3 #5 PL 未,
#   #7 IM 未 (03-25 < 03-31: overdue) → 4: 基础 2 (3, 5), 动态 2 (7, 10); rate 1/4
# 望田镇: v5 late (received 04-02), v6 on time, v7 none; v5 #12 IM 已, v6 #15 IM 正 → rate 1/2
# 城关街道: v8 on time, v9 none; #20 PL 正, #20 IM 已 → 帮扶 2; rate 1/2
YL1 = [
    ("陈化店镇", 4, 3, 3, 0, 1, 0, 4, 2, 2, 0, 0, 0, 0, 0, 3, 1, 1, 1, 2, 1 / 4, 1),
    ("望田镇", 3, 2, 1, 1, 0, 1, 2, 0, 1, 1, 0, 0, 0, 0, 2, 0, 1, 1, 0, 1 / 2, 0),
    ("合计", 7, 5, 4, 1, 1, 1, 6, 2, 3, 1, 0, 0, 0, 0, 5, 1, 2, 2, 2, 2 / 6, 1),
]
XC1 = [
    ("城关街道", 2, 1, 1, 0, 0, 1, 2, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1 / 2, 0),
    ("合计", 2, 1, 1, 0, 0, 1, 2, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1 / 2, 0),
]
CITY1 = [(YL, *YL1[-1][1:]), (XC, *XC1[-1][1:]),
         ("全市合计", 9, 6, 5, 1, 1, 2, 8, 2, 3, 3, 0, 0, 0, 0, 6, 2, 3, 3, 2, 3 / 8, 1)]  # fmt: skip
# 第2期 陈化店镇: v2 v3 v4 on time, v1 carried (0 problems) → 未报 1; v2 #3 已 #10 已;
#   v3 #5 PL 未, #7 IM 正 (overdue 13 days); v4 #25 IM 已 (三保障) → 5: rate 3/5
# 望田镇: v6 v7 on time, v5 carried (#12 已); v6 #15 已, #16 PL 未 → 3: rate 2/3
# 城关街道: v8 late (received 04-09), v9 none → same 2 problems as 第1期
YL2 = [
    ("陈化店镇", 4, 3, 3, 0, 0, 1, 5, 2, 2, 0, 1, 0, 0, 0, 4, 1, 3, 1, 1, 3 / 5, 1),
    ("望田镇", 3, 2, 2, 0, 0, 1, 3, 0, 1, 2, 0, 0, 0, 0, 2, 1, 2, 0, 1, 2 / 3, 0),
    ("合计", 7, 5, 5, 0, 0, 2, 8, 2, 3, 2, 1, 0, 0, 0, 6, 2, 5, 1, 2, 5 / 8, 1),
]
XC2 = [
    ("城关街道", 2, 1, 0, 1, 0, 1, 2, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1 / 2, 0),
    ("合计", 2, 1, 0, 1, 0, 1, 2, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1 / 2, 0),
]
CITY2 = [(YL, *YL2[-1][1:]), (XC, *XC2[-1][1:]),
         ("全市合计", 9, 6, 5, 1, 0, 3, 10, 2, 3, 4, 1, 0, 0, 0, 7, 3, 6, 2, 2, 6 / 10, 1)]  # fmt: skip


SUMMARIES = [(1, f"{YL}_县级汇总表_第1期", YL1), (1, f"{XC}_县级汇总表_第1期", XC1),
             (1, "市级汇总表_第1期", CITY1), (2, f"{YL}_县级汇总表_第2期", YL2),
             (2, f"{XC}_县级汇总表_第2期", XC2), (2, "市级汇总表_第2期", CITY2)]  # fmt: skip


@pytest.mark.parametrize("tier", ["", "市/"])  # from the villages' returns; at the city, from
@pytest.mark.parametrize(("n", "name", "want"), SUMMARIES)  # the counties' merged ledgers
def test_summaries(camp, tier, n, name, want) -> None:
    rows = _table(camp["root"] / f"{tier}汇总{n}" / f"{name}.xlsx")
    _same([r[:22] for r in rows], want)
    _sums([r[:22] for r in rows])
    for r in rows:  # 应报 = 已报 + 退回待改 + 未报; 已报 = 按时 + 逾期; 问题 = by kind = by result
        assert r[1] == r[2] + r[5] + r[6] and r[2] == r[3] + r[4]
        assert r[7] == sum(r[8:15]) == r[15] + r[16] == r[17] + r[18] + r[19]
    if tier and name.startswith("市"):  # 上报率; the county ledger received (as-of day, 08:00
        # Beijing) after 截止 03-31 / 04-07: 逾期
        got = [tuple(x if j else pytest.approx(x) for j, x in enumerate(r[22:])) for r in rows]
        day = "2022-04-02" if n == 1 else "2022-04-09"
        assert got == [(5 / 7, f"{day} 08:00", "逾期"), (1 / 2, f"{day} 08:00", "逾期"), (6 / 9,)]
    else:
        assert all(len(r) == 22 for r in rows)


# 周报 第2期: rank, unit, 应报, 已报, 按时, 退回待改, 未报, 上报率, 按时上报率, 问题, 本周新增,
# 本周完成整改, 累计已整改, 整改率, 上期整改率, 变化（百分点）, 逾期未整改
# 鄢陵: new = v4 #25 (its 第1期 return was rejected) + v6 #16 = 2; completed = v2 #10, v6 #15,
#   v4 #25 = 3; 62.5 - 33.33… = 29.1666… → 29.17; 襄城 50 - 50 = 0; city 60 - 37.5 = 22.5
WEEKLY2 = [
    (1, YL, 7, 5, 5, 0, 2, 5 / 7, 5 / 7, 8, 2, 3, 5, 5 / 8, 2 / 6, 62.5 - 200 / 6, 1),
    (2, XC, 2, 1, 0, 0, 1, 1 / 2, 0 / 2, 2, 0, 0, 1, 1 / 2, 1 / 2, 0.0, 0),
    ("", "全市合计", 9, 6, 5, 0, 3, 6 / 9, 5 / 9, 10, 2, 3, 6, 6 / 10, 3 / 8, 22.5, 1),
]


@pytest.mark.parametrize("tier", ["", "市/"])  # the city's 周报 from the merged ledgers: the same
def test_weekly_workbook(camp, tier) -> None:
    rows = _rows(camp["root"] / f"{tier}汇总2" / "周报_第2期.xlsx", "周报")[3:6]
    assert len(rows) == 3
    for got, want in zip(rows, WEEKLY2, strict=True):
        assert got == [pytest.approx(w, abs=1e-12) if isinstance(w, float) else w for w in want]
    # the totals: sums of the counties' counts
    for j in (2, 3, 4, 5, 6, 9, 10, 11, 12, 16):
        assert rows[2][j] == rows[0][j] + rows[1][j]


def test_same_figures_in_json_and_terminal(camp) -> None:
    """rollup --json, the terminal table and the workbooks say the same numbers (half up)."""
    units = {u["unit"]: u for u in camp["json2"]["units"]}
    # 5/7 = 71.428… → 71.43; 6/9 = 66.666… → 66.67; 29.166… → 29.17
    assert {k: units[YL][k] for k in (
        "rank", "report_rate_pct", "problems", "new", "completed", "rate_pct", "change_pp",
        "overdue", "expected", "reported", "on_time", "late", "returned", "missing")} == {
        "rank": 1, "report_rate_pct": 71.43, "problems": 8, "new": 2, "completed": 3,
        "rate_pct": 62.5, "change_pp": 29.17, "overdue": 1, "expected": 7, "reported": 5,
        "on_time": 5, "late": 0, "returned": 0, "missing": 2}  # fmt: skip
    xc = units[XC]
    assert (xc["report_rate_pct"], xc["rate_pct"], xc["late"]) == (50.0, 50.0, 1)
    city = units["全市合计"]
    assert (city["report_rate_pct"], city["rate_pct"], city["change_pp"], city["missing"]) == (
        66.67, 60.0, 22.5, 3)  # fmt: skip
    # 第1期: 鄢陵 2/6 = 33.33; city 3/8 = 37.5; 退回待改 1 (后杨村)
    one = {u["unit"]: u for u in camp["json1"]["units"]}
    assert (one[YL]["rate_pct"], one[YL]["returned"], one[YL]["late"]) == (33.33, 1, 1)
    assert (one["全市合计"]["rate_pct"], one["全市合计"]["report_rate_pct"]) == (37.5, 66.67)
    term = camp["term2"]
    for row in (
        "│    1 │ 鄢陵县 │ 71.43% │      8 │      2 │      3 │ 62.50% │ +29.17 │      1 │",
        "│    2 │ 襄城县 │ 50.00% │      2 │      0 │      0 │ 50.00% │  +0.00 │      0 │",
    ):
        assert row in term  # fmt: skip


def test_status_agrees_with_the_summaries(camp) -> None:
    # store info: files 通过 7 (incl. 王庄村.xlsx, 被替代) / 6, villages 6 / 6, on time 5 / 5
    assert "村：9个（名册中9个，从未通过报送1个）" in camp["info"]  # 孙庄村
    assert (
        "│第1期│2022-03-01至│7│1│1│6│5│" in camp["info"]
        and "│第2期│2022-04-01至│6│0│0│6│5│" in camp["info"]
    )
    # 第1期 on 04-02: v7 v9 逾期未报 (= 未报 2), v4 退回待改, v5 迟报 (= 逾期 1), 5 on time
    assert camp["status1"]["counts"] == {"未报送": 0, "逾期未报": 2, "退回待改": 1, "已通过": 5,
                                         "已通过（迟报）": 1}  # fmt: skip
    # 第2期 on 04-09: v1 v5 v9 逾期未报 (= 未报 3), v8 迟报, 5 on time
    assert camp["status2"]["counts"] == {"未报送": 0, "逾期未报": 3, "退回待改": 0, "已通过": 5,
                                         "已通过（迟报）": 1}  # fmt: skip


def test_text(camp) -> None:
    txt = (camp["root"] / "汇总2" / "周报文字稿_第2期.txt").read_text("utf-8-sig")
    for s in (
        "全市应报送整改台账的行政村9个，本期已报6个（有通过校验的台账），上报率66.67%；"
        "其中按时报送5个，按时上报率55.56%，逾期报送1个。退回待改0个",
        "未报3个（一个文件也没有报送）",
        "全市累计排查问题10个，本周新增2个。其中立行立改7个，纳入整改方案3个。"
        "累计已整改6个（本周完成整改3个），正在整改2个，未整改2个，整改率60.00%，较上期提高22.50个百分点。"
        "已过整改期限仍未整改到位的问题1个。",
        "帮扶支持方面4个；动态监测方面3个；基础工作方面2个；“三保障”方面1个。",
        "1. 鄢陵县：应报7个村，已报5个（按时5个、逾期0个），退回待改0个，未报2个，上报率71.43%；"
        "排查问题8个，本周新增2个，本周完成整改3个，累计已整改5个，整改率62.50%（较上期提高29.17个百分点）；"
        "逾期未整改1个；排名第1位。",
        "2. 襄城县：应报2个村，已报1个（按时0个、逾期1个），退回待改0个，未报1个，上报率50.00%；"
        "排查问题2个，本周新增0个，本周完成整改0个，累计已整改1个，整改率50.00%（较上期持平）；",
        "本期未报送的村3个、逾期报送的村1个：鄢陵县未报送的有陈化店镇大马村、望田镇姚家村；"
        "襄城县未报送的有城关街道孙庄村，逾期报送的有城关街道八里湾村。",
        "以下1处变化请相关县（市、区）逐条核实（明细见周报“变化提醒”表）：\n"
        "1. 襄城县城关街道八里湾村第20项整改期限推后：2022年5月31日 → 2022年6月30日。",
    ):
        assert s in txt, s


def test_lists(camp) -> None:
    out = camp["root"] / "汇总2"
    # 逾期: only v3 #7, deadline 03-25, 截至 04-07 → 13 days
    over = _rows(out / "市级汇总表_第2期.xlsx", "逾期问题")[2:]
    assert [(r[2], r[4], r[9], r[11], r[15]) for r in over] == [
        ("前杨村", 7.0, D(2022, 3, 25), "正在整改", 13.0)]  # fmt: skip
    miss = _rows(out / "市级汇总表_第2期.xlsx", "未报村")[2:]
    assert [(r[2], r[4]) for r in miss] == [
        ("大马村", "未报送（沿用前期台账）"), ("姚家村", "未报送（沿用前期台账）"), ("孙庄村", "未报送")]  # fmt: skip
    late = _rows(out / "周报_第2期.xlsx", "未报及逾期报送")[2:]
    assert [(r[2], r[3]) for r in late] == [
        ("大马村", "未报送（沿用前期台账）"), ("姚家村", "未报送（沿用前期台账）"),
        ("八里湾村", "逾期报送"), ("孙庄村", "未报送")]  # fmt: skip
    assert _rows(out / "周报_第2期.xlsx", "变化提醒")[2:] == [
        [XC, "城关街道", "八里湾村", 20.0, "整改期限推后", "2022年5月31日", "2022年6月30日"]]  # fmt: skip
    # 问题清单 of 鄢陵: its 8 problems (v5's carried, marked 本期未更新)
    pl = _rows(out / f"{YL}_县级汇总表_第2期.xlsx", "问题清单")[2:]
    assert [(r[1], int(r[3])) for r in pl] == [("王庄村", 3), ("王庄村", 10), ("前杨村", 5), ("前杨村", 7),
        ("后杨村", 25), ("姚家村", 12), ("河刘村", 15), ("河刘村", 16)]  # fmt: skip
    assert [r[1] for r in pl if len(r) > 13 and r[13] == "是"] == ["姚家村"]


def test_validation_report(camp) -> None:
    """第1期's batch before the late file: 7 files, 6 pass (王庄村.xlsx not taken), 1 sent back;
    errors 1 (J28 of 后杨村), warnings 3 (2 duplicate-return, 1 problems-in-one-row);
    not sent 3 (姚家村, 李村, 孙庄村: 后杨村 sent, so it is not 未报)."""
    rep = camp["root"] / "校验报告_第1期.xlsx"
    files = _rows(rep, "文件")
    assert (
        "共校验 7 个文件：通过 6 个，退回修改 1 个；错误 1 处，提醒 3 处；未报 3 个村"
        in files[1][0]
    )
    assert [(r[4], r[5], int(r[6]), int(r[7])) for r in files[3:]] == [
        ("大马村.xlsx", "通过", 0, 0), ("王庄村(1).xlsx", "通过", 0, 1),
        ("王庄村.xlsx", "通过（未采用）", 0, 1), ("前杨村.xlsx", "通过", 0, 0),
        ("后杨村.xlsx", "退回修改", 1, 0), ("河刘村.xlsx", "通过", 0, 1),
        ("八里湾村.xlsx", "通过", 0, 0)]  # fmt: skip
    found = [(r[3], r[-1], r[7]) for r in _rows(rep, "问题明细")[3:]]
    assert sorted(found) == sorted([
        ("王庄村(1).xlsx", "duplicate-return", ""), ("王庄村.xlsx", "duplicate-return", ""),
        ("后杨村.xlsx", "owner-missing", "J28"), ("河刘村.xlsx", "problems-in-one-row", "F18")])  # fmt: skip
    assert [r[2] for r in _rows(rep, "未报")[3:]] == ["姚家村", "李村", "孙庄村"]
    assert "│      7 │    6 │        1 │        3 │        0 │" in camp["validate1"]


@pytest.fixture(scope="module")
def county(camp, tmp_path_factory) -> dict:
    """鄢陵县's own workspace: `week` on the same returns, as they arrived."""
    root, src, out = tmp_path_factory.mktemp("yl") / "鄢陵县", camp["root"] / "returns", {}
    _run(
        "init",
        root,
        "--level",
        "县",
        "--unit",
        YL,
        "--office",
        "鄢陵县巩固办",
        "--phone",
        "0374-7111111",
    )
    (root / "名册.xlsx").write_bytes((camp["root"] / "名册.xlsx").read_bytes())
    here = Path.cwd()
    os.chdir(root)
    try:
        for n, day, names in (
            (1, "2022-03-30", "大马村 王庄村 王庄村(1) 前杨村 后杨村 河刘村"),
            (1, "2022-04-02", "姚家村"),
            (2, "2022-04-06", "王庄村 前杨村 后杨村 河刘村 李村"),
        ):
            for x in names.split():
                (root / "returns" / f"第{n}期").mkdir(parents=True, exist_ok=True)
                (root / "returns" / f"第{n}期" / f"{x}.xlsx").write_bytes(
                    (src / f"第{n}期" / f"{x}.xlsx").read_bytes()
                )
            out[day] = "".join(_run("week", "-p", n, "--as-of", day).split())  # wrapped
    finally:
        os.chdir(here)
    out["root"] = root
    return out


def test_county_week(county) -> None:
    # 鄢陵 on 03-30: 姚家 李村 not yet due (未报送), 后杨 退回待改, 4 passed; on 04-02: 李村 overdue,
    # 姚家 late; on 04-06 (第2期 due 04-07): 大马 姚家 未报送, 5 passed
    for day, counts in (("2022-03-30", (2, 0, 1, 4, 0)), ("2022-04-02", (0, 1, 1, 4, 1)),
                        ("2022-04-06", (2, 0, 0, 5, 0))):  # fmt: skip
        a, b, c, d, e = counts
        want = (
            f"各村状态：未报送{a}个，逾期未报{b}个，退回待改{c}个，已通过{d}个，已通过（迟报）{e}个"
        )
        assert want in county[day], day
    out = county["root"] / "汇总"
    chase = _rows(out / "第1期" / "催报名单.xlsx", "催报名单")[2:]
    assert [(r[2], r[4], r[5]) for r in chase] == [
        ("后杨村", "退回待改", "2022年4月2日"),  # its 退回通知's day: sent back 03-30 + 3 days
        ("李村", "逾期未报", "2022年4月5日"),  # 04-02 + 3 days
    ]
    # the county's 汇总表 ranks its townships and adds 本周新增, 本周完成整改, 变化, 排名:
    # 望田 2/3 vs 1/2 → +16.67 (new v6 #16; completed v6 #15); 陈化店 3/5 vs 1/4 → +35
    # (new v4 #25; completed v2 #10, v4 #25); 合计 5/8 vs 2/6 → +29.17
    rows = _table(out / "第2期" / f"{YL}_县级汇总表_第2期.xlsx")
    _same([r[:22] for r in rows], [YL2[1], YL2[0], YL2[2]])
    got = [tuple(pytest.approx(x) if j == 2 else x for j, x in enumerate(r[22:])) for r in rows]
    assert got == [(1, 1, 200 / 3 - 50, 1), (1, 2, 35.0, 2), (2, 3, 62.5 - 200 / 6)]
    weekly = _rows(out / "第2期" / "周报_第2期.xlsx", "周报")[3:6]
    want = [(1, "望田镇", 3, 2, 2, 0, 1, 2 / 3, 2 / 3, 3, 1, 1, 2, 2 / 3, 1 / 2, 200 / 3 - 50, 0),
            (2, "陈化店镇", 4, 3, 3, 0, 1, 3 / 4, 3 / 4, 5, 1, 2, 3, 3 / 5, 1 / 4, 35.0, 1),
            ("", "合计", *WEEKLY2[0][2:])]  # fmt: skip
    for g, w in zip(weekly, want, strict=True):
        assert g == [pytest.approx(x, abs=1e-12) if isinstance(x, float) else x for x in w]
    txt = (out / "第2期" / "周报文字稿_第2期.txt").read_text("utf-8-sig")
    assert "本县应报送整改台账的行政村7个，本期已报5个" in txt and "全市" not in txt
    assert (
        "1. 望田镇：应报3个村，已报2个（按时2个、逾期0个），退回待改0个，未报1个，按时上报率66.67%；"
        "排查问题3个，本周新增1个，本周完成整改1个，累计已整改2个，整改率66.67%（较上期提高16.67个百分点）"
        in txt
    )
    assert "陈化店镇逾期未整改1个（前杨村第7项）" in txt


# fmt: off
def test_a_tie_rounds_half_up(tmp_path, monkeypatch) -> None:
    """大马村 alone, 32 problems, 1 已整改: 1/32 = 3.125% → 3.13% (half up; half even: 3.12%)."""
    monkeypatch.chdir(tmp_path)
    ret, ros, db = _build(tmp_path), tmp_path / "名册.xlsx", tmp_path / "db.sqlite"
    ret(1, "大马村.xlsx", 1, {1: _p()} | {no: _p(result="正在整改") for no in range(2, 33)}, D(2022, 3, 30))
    _run("merge", tmp_path / "returns" / "第1期", "-r", ros, "-s", db, "-p", 1, "--as-of", "2022-03-30")
    term = _run("rollup", "-s", db, "-r", ros, "-o", tmp_path / "out", "-p", 1)
    city = json.loads(_run("rollup", "-s", db, "-r", ros, "-o", tmp_path / "out", "-p", 1, "--json"))
    assert (city["units"][2]["rate_pct"], city["units"][2]["report_rate_pct"]) == (3.13, 11.11)  # 1/9
    assert "│    1 │ 鄢陵县 │ 14.29% │     32 │      32 │      1 │  3.13% │" in term  # 1/7 = 14.285…
    txt = (tmp_path / "out" / "周报文字稿_第1期.txt").read_text("utf-8-sig")
    assert "整改率3.13%" in txt and "3.12%" not in txt
# fmt: on


def test_vanished_regressed_and_a_rejected_update(tmp_path, monkeypatch) -> None:
    """第1期: 大马 #3 正在整改, 王庄 #10 已整改, 前杨 #5 已整改 (rate 2/3). 第2期: 大马 all 否
    (its problem vanishes), 王庄's update rejected (退回待改, its 第1期 #10 carried), 前杨 #5
    back to 正在整改: 问题 2 (#10, #5), 已整改 1 → 1/2; 50 - 66.67 = -16.67; completed 0."""
    monkeypatch.chdir(tmp_path)
    ret, ros, db = _build(tmp_path), tmp_path / "名册.xlsx", tmp_path / "db.sqlite"
    for n, day, answers in (
        (1, "2022-03-30", [{3: _p(result="正在整改")}, {10: _p()}, {5: _p()}]),
        (2, "2022-04-06", [{}, {10: _p(owner=None)}, {5: _p(result="正在整改")}]),
    ):
        for v, a in enumerate(answers, 1):
            ret(n, f"{v}.xlsx", v, a, D.fromisoformat(day))
        _run("merge", tmp_path / "returns" / f"第{n}期", "-r", ros, "-s", db, "-p", n, "--as-of", day, code=n - 1)  # fmt: skip
    _run("rollup", "-s", db, "-r", ros, "-o", tmp_path / "out", "-p", 2)
    yl = _table(tmp_path / "out" / f"{YL}_县级汇总表_第2期.xlsx")[0]
    assert yl[:8] + yl[15:] == ["陈化店镇", 4, 2, 2, 0, 1, 1, 2, 2, 0, 1, 1, 0, 0.5, 0]
    week = _rows(tmp_path / "out" / "周报_第2期.xlsx", "周报")[3]
    assert week[9:16] == [2, 0, 0, 1, 0.5, pytest.approx(2 / 3), pytest.approx(50 - 200 / 3)]
    assert [r[2:5] for r in _rows(tmp_path / "out" / "周报_第2期.xlsx", "变化提醒")[2:]] == [
        ["大马村", 3, "问题消失"], ["大马村", "—", "问题数减少"], ["前杨村", 5, "整改结果倒退"]]  # fmt: skip
