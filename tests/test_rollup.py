"""rollup: a hand-computed two-county, twelve-village, two-period campaign.

Every expected figure below was worked out on paper from FIXTURE (not by the code):
see the comments by each problem (p1…p16) for what it counts as in 第2期.
The same fixture is built twice: as PeriodData by hand, and as real Submissions stored
in a real SQLite store read back with store.period_frames(); both must give the figures.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from dapaicha.app import rollup as rollup_app
from dapaicha.cli import app
from dapaicha.config import checklist
from dapaicha.config.periods import Periods
from dapaicha.config.roster import Roster, Village
from dapaicha.errors import UserError
from dapaicha.figures import rollup
from dapaicha.model import Row, Submission
from dapaicha.store import write as store
from dapaicha.store.write import PeriodData
from dapaicha.xlsx import splice, weekly

D = dt.date
YL, XC = "鄢陵县", "襄城县"
IM, P = "立行立改", "纳入整改方案"
DONE, DOING, NOT = "已整改", "正在整改", "未整改"

# code, county, township, village  (c1…c12)
ROSTER = [
    ("411024100201", YL, "陈化店镇", "大马村"),
    ("411024100202", YL, "陈化店镇", "小马村"),
    ("411024100203", YL, "陈化店镇", "东村"),
    ("411024101201", YL, "马栏镇", "西村"),
    ("411024101202", YL, "马栏镇", "南村"),
    ("411024101203", YL, "马栏镇", "北村"),
    ("411025001201", XC, "城关街道", "一村"),
    ("411025001202", XC, "城关街道", "二村"),
    ("411025200201", XC, "茨沟乡", "三村"),
    ("411025200202", XC, "茨沟乡", "四村"),
    ("411025101201", XC, "麦岭镇", "五村"),
    ("411025101202", XC, "麦岭镇", "六村"),
]
OUTSIDE = ("411024100299", YL, "陈化店镇", "外村")  # not in the roster: must not count

ON1, LATE1 = D(2022, 3, 30), D(2022, 4, 2)  # 第1期 2022-03-01..03-31
ON2, LATE2 = D(2022, 4, 6), D(2022, 4, 9)  # 第2期 2022-04-01..04-07
# village (1-based) → (report date, [(no, seq, kind, deadline, result)])
P1 = {
    1: (
        ON1,
        [
            (1, 1, IM, "2022-04-05", DOING),
            (1, 2, IM, "2022-04-05", DOING),
            (26, 1, P, "2022-12-31", DOING),
        ],
    ),
    2: (ON1, [(7, 1, IM, "2022-04-01", NOT), (33, 1, P, "2022-06-30", NOT)]),
    3: (ON1, [(13, 1, IM, "2022-03-25", DOING)]),
    4: (LATE1, [(47, 1, IM, "2022-04-30", DONE)]),
    7: (ON1, [(5, 1, IM, "2022-04-06", NOT), (44, 1, IM, "2022-04-20", DONE)]),
    8: (ON1, [(5, 1, None, None, DOING)]),
    9: (ON1, [(60, 1, IM, "2022-03-20", NOT)]),
    12: (ON1, [(26, 1, IM, "2022-04-03", NOT)]),
}
P2 = {
    1: (
        ON2,
        [
            (1, 1, IM, "2022-04-05", DONE),  # p1 completed this week
            (1, 2, IM, "2022-04-05", DOING),  # p2 overdue
            (26, 1, P, "2022-12-31", DOING),  # p3
            (58, 1, IM, "2022-04-10", DONE),  # p4 new, completed
        ],
    ),
    2: (
        LATE2,
        [(7, 1, IM, "2022-04-01", None), (33, 1, P, "2022-06-30", NOT)],
    ),  # p5 blank→未整改, overdue; p6
    # 3: no return → p7 (13, 立行立改, 03-25, 正在整改) carried from 第1期, overdue
    4: (
        ON2,
        [(47, 1, IM, "2022-04-30", DONE), (62, 1, IM, "2022-04-07", NOT)],
    ),  # p8; p9 new, due on 截至 day: not overdue
    5: (ON2, [(20, 1, P, "2022-03-31", DOING)]),  # p10 new, overdue (plan items too)
    7: (
        ON2,
        [(5, 1, IM, "2022-04-06", DONE), (44, 1, IM, "2022-04-20", DONE)],
    ),  # p11 completed; p12
    8: (LATE2, [(5, 1, None, None, DOING)]),  # p13 no kind, no deadline
    9: (ON2, []),  # 第1期's no.60 problem is gone
    10: (
        ON2,
        [(64, 1, P, "2022-05-31", NOT), (5, 1, IM, "2022-04-02", DONE)],
    ),  # p14 new; p15 new, completed
    12: (ON2, [(26, 1, IM, "2022-04-03", NOT)]),  # p16 overdue
}
OUTSIDE_P2 = (ON2, [(1, 1, IM, "2022-04-05", NOT)])

CATS = [
    "基础工作方面",
    "动态监测方面",
    "帮扶支持方面",
    "“三保障”方面",
    "兜底保障方面",
    "人居环境方面",
    "工作方面",
]
# unit, expected, reported, on_time, late, returned, missing, problems, 7 categories, 立行立改, 纳入整改方案,
# 已整改, 正在整改, 未整改, 整改率, 逾期未整改
YL_TABLE = [
    ("陈化店镇", 3, 2, 1, 1, 0, 1, 7, 2, 1, 1, 2, 0, 1, 0, 5, 2, 2, 3, 2, 2 / 7, 3),
    ("马栏镇", 3, 2, 2, 0, 0, 1, 3, 0, 0, 1, 0, 1, 0, 1, 2, 1, 1, 1, 1, 1 / 3, 1),
    ("合计", 6, 4, 3, 1, 0, 2, 10, 2, 1, 2, 2, 1, 1, 1, 7, 3, 3, 4, 3, 0.3, 4),
]
XC_TABLE = [
    ("城关街道", 2, 2, 1, 1, 0, 0, 3, 2, 0, 0, 1, 0, 0, 0, 2, 0, 2, 1, 0, 2 / 3, 0),
    ("茨沟乡", 2, 2, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0.5, 0),
    ("麦岭镇", 2, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0.0, 1),
    ("合计", 6, 5, 4, 1, 0, 1, 6, 3, 0, 0, 2, 0, 0, 1, 4, 1, 3, 1, 2, 0.5, 1),
]
CITY_TABLE = [
    (YL, *YL_TABLE[-1][1:]),
    (XC, *XC_TABLE[-1][1:]),
    ("全市合计", 12, 9, 7, 2, 0, 3, 16, 5, 1, 2, 4, 1, 1, 2, 11, 4, 6, 5, 5, 0.375, 5),
]
# 整改率 when 纳入整改方案 is left out: 已整改(立行立改) / 立行立改
YL_RATES_IMMEDIATE = [2 / 5, 1 / 2, 3 / 7]
XC_RATES_IMMEDIATE = [1.0, 1.0, 0.0, 3 / 4]
CITY_RATES_IMMEDIATE = [3 / 7, 3 / 4, 6 / 11]
# no, problems, villages, done, rate — the rows of 按排查项目 with problems, then the first empty one
ITEMS_TOP = [
    (5, 3, 3, 2, 2 / 3),
    (1, 2, 1, 1, 0.5),
    (26, 2, 2, 0, 0.0),
    (7, 1, 1, 0, 0.0),
    (13, 1, 1, 0, 0.0),
    (20, 1, 1, 0, 0.0),
    (33, 1, 1, 0, 0.0),
    (44, 1, 1, 1, 1.0),
    (47, 1, 1, 1, 1.0),
    (58, 1, 1, 1, 1.0),
    (62, 1, 1, 0, 0.0),
    (64, 1, 1, 0, 0.0),
    (2, 0, 0, 0, None),
]
# unit, expected, reported, on_time, late, report_rate, on_time_rate, problems, new, completed,
# done, rate, prev_rate, change_pp, overdue, rank — 第1期 rates: 鄢陵 1/7, 襄城 1/5, city 2/12
WEEKLY = [
    (XC, 6, 5, 4, 1, 5 / 6, 4 / 6, 6, 2, 2, 3, 0.5, 0.2, 30.0, 1, 1),
    (YL, 6, 4, 3, 1, 4 / 6, 3 / 6, 10, 3, 2, 3, 0.3, 1 / 7, 100 * (0.3 - 1 / 7), 4, 2),
    (
        "全市合计",
        12,
        9,
        7,
        2,
        9 / 12,
        7 / 12,
        16,
        5,
        4,
        6,
        0.375,
        2 / 12,
        100 * (0.375 - 2 / 12),
        5,
        None,
    ),
]
LATE_OR_MISSING = [
    (YL, "陈化店镇", "小马村", "逾期报送"),
    (YL, "陈化店镇", "东村", "未报送（沿用前期台账）"),
    (YL, "马栏镇", "北村", "未报送"),
    (XC, "城关街道", "二村", "逾期报送"),
    (XC, "麦岭镇", "五村", "未报送"),
]
# township, village, no, seq, days overdue on 2022-04-07
YL_OVERDUE = [
    ("陈化店镇", "大马村", 1, 2, 2),
    ("陈化店镇", "小马村", 7, 1, 6),
    ("陈化店镇", "东村", 13, 1, 13),
    ("马栏镇", "南村", 20, 1, 7),
]


# --- building the fixture ------------------------------------------------------


def _desc(village: str, no: int, seq: int) -> str:
    if (village, no, seq) == ("大马村", 1, 1):
        return "=大马村<第1项>&问题"  # markup and a formula start: must stay text
    return f"{village}第{no}项问题{seq}"


def _date(s: str | None) -> dt.date | None:
    return dt.date.fromisoformat(s) if s else None


def _roster() -> Roster:
    vs = [
        Village(code=c, county=a, township=t, village=v, signers=("甲", "乙", "丙"), row=i + 2)
        for i, (c, a, t, v) in enumerate(ROSTER)
    ]
    return Roster(villages=vs, problems=[], source="test")


def _problem_rows(
    v: tuple, period: int, probs: list, carried: bool, code: str | None = None
) -> list[dict]:
    c, a, t, name = v
    return [
        {
            "village_code": c if code is None else code,
            "county": a,
            "township": t,
            "village": name,
            "period": period,
            "no": no,
            "seq": seq,
            "category_code": "",
            "category": "",
            "topic": "",
            "description": _desc(name, no, seq),
            "measure": "=整改措施",  # must stay text, never a formula
            "kind": kind,
            "deadline": _date(dl),
            "owner": "张三",
            "result": res,
            "done_date": D(2022, 4, 3) if res == DONE else None,
            "note": None,
            "carried": carried,
            "file": f"{name}.xlsx",
            "cell": "F4",
        }
        for no, seq, kind, dl, res in probs
    ]


def _hand_period(
    n: int,
    spec: dict,
    prev_spec: dict | None,
    start: dt.date,
    deadline: dt.date,
    extra: tuple | None = None,
) -> PeriodData:
    """PeriodData built by hand; 二村's rows carry no code (matched to the roster by names)."""
    villages, problems = [], []
    for i, v in enumerate(ROSTER, 1):
        code = "" if i == 8 else v[0]
        if i == 11:
            continue  # never heard of by the store
        if i in spec:
            rd, probs = spec[i]
            on = rd <= deadline
            villages.append((code, *v[1:], True, on, not on, rd, False, f"{v[3]}.xlsx"))
            problems += _problem_rows(v, n, probs, False, code)
        elif prev_spec and i in prev_spec:
            villages.append(
                (code, *v[1:], False, False, False, prev_spec[i][0], True, f"{v[3]}.xlsx")
            )
            problems += _problem_rows(v, n - 1, prev_spec[i][1], True, code)
        else:
            villages.append((code, *v[1:], False, False, False, None, False, ""))
    if extra:
        villages.append((*OUTSIDE, True, True, False, extra[0], False, "外村.xlsx"))
        problems += _problem_rows(OUTSIDE, n, extra[1], False)
    vcols = [
        "village_code",
        "county",
        "township",
        "village",
        "reported",
        "on_time",
        "late",
        "report_date",
        "carried",
        "file",
    ]
    return PeriodData(
        n, start, deadline, pd.DataFrame(villages, columns=vcols), pd.DataFrame(problems), None
    )


def hand_data() -> PeriodData:
    p1 = _hand_period(1, P1, None, D(2022, 3, 1), D(2022, 3, 31))
    p2 = _hand_period(2, P2, P1, D(2022, 4, 1), D(2022, 4, 7), OUTSIDE_P2)
    p2.previous = p1
    return p2


def _submission(v: tuple, rd: dt.date, probs: list, n: int, cl: checklist.Checklist) -> Submission:
    answered = {no for no, *_ in probs}
    rows = [
        Row(no=no, seq=1, has_problem="否", row=3 + no)
        for _, no_item in cl.items
        if (no := no_item.no) not in answered
    ]
    rows += [
        Row(no=no, seq=seq, has_problem="是", description=_desc(v[3], no, seq), measure="=整改措施",
            kind=kind, deadline=_date(dl), owner="张三", result=res,
            done_date=D(2022, 4, 3) if res == DONE else None, row=3 + no, cells={"description": f"F{3 + no}"})
        for no, seq, kind, dl, res in probs
    ]  # fmt: skip
    return Submission(
        file=f"第{n}期/{v[3]}.xlsx", sha256=f"{n}-{v[0]}", village_code=v[0], county=v[1], township=v[2],
        village=v[3], report_date=rd, accepted=True, rows=rows, period=n,
    )  # fmt: skip


def store_data(path: Path, cl: checklist.Checklist, outside: bool = True) -> PeriodData:
    """The same fixture as real Submissions in a real SQLite store."""
    periods = Periods(cl.campaign)
    conn = store.connect(path, create=True)
    with store.transaction(conn, path):
        cid = store.ensure_campaign(conn, cl)
        store.ensure_periods(conn, cid, periods, 2)
        store.add_roster(conn, _roster())
        for n, spec in ((1, P1), (2, P2)):
            batch = [
                store.Incoming(
                    _submission(ROSTER[i - 1], rd, probs, n, cl), n, periods.on_time(rd, n)
                )
                for i, (rd, probs) in spec.items()
            ]
            if n == 2 and outside:
                batch.append(store.Incoming(_submission(OUTSIDE, *OUTSIDE_P2, 2, cl), 2, True))
            store.insert(conn, cid, batch, "2022-04-08T00:00:00")
    conn.close()
    return store.period_frames(path, 2)


@pytest.fixture(scope="module")
def cl() -> checklist.Checklist:
    return checklist.load()


@pytest.fixture(scope="module")
def roster_df() -> pd.DataFrame:
    return rollup.roster_frame(_roster().villages)


@pytest.fixture(scope="module", params=["hand", "store"])
def r(request, cl, roster_df, tmp_path_factory) -> rollup.Rollup:
    if request.param == "hand":
        data = hand_data()
    else:
        data = store_data(tmp_path_factory.mktemp("store") / "store.sqlite", cl)
    return rollup.build(data, roster_df, cl)


def _no_plan(cl: checklist.Checklist) -> checklist.Checklist:
    return cl.model_copy(
        update={"campaign": cl.campaign.model_copy(update={"rate_includes_plan": False})}
    )


# --- frames ----------------------------------------------------------------------

COLS = ["unit", *rollup.HEAD_COUNTS, *CATS, *rollup.TAIL_COUNTS, "rate", "overdue"]


def _rows(frame: pd.DataFrame, cols: list[str]) -> list[tuple]:
    out = []
    for rec in frame[cols].to_dict("records"):
        out.append(
            tuple(
                None if (isinstance(v, float) and v != v) or v is pd.NA else v for v in rec.values()
            )
        )
    return out


def _same(got: list[tuple], want: list[tuple]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for a, b in zip(g, w, strict=True):
            if isinstance(b, float):
                assert a == pytest.approx(b, abs=1e-12), (g, w)
            else:
                assert a == b, (g, w)


def test_categories_are_the_checklist(cl):
    assert [c.name for c in cl.categories] == CATS


def test_county_tables(r):
    _same(_rows(rollup.summary(r, "township", YL), COLS), YL_TABLE)
    _same(_rows(rollup.summary(r, "township", XC), COLS), XC_TABLE)


def test_city_table(r):
    _same(_rows(rollup.summary(r, "county"), COLS), CITY_TABLE)


def test_outside_roster_is_set_aside(r):
    assert r.outside["village"].tolist() == ["外村"]
    assert "外村" not in set(r.problems["village"])


def test_rate_without_plan(cl, roster_df):
    r2 = rollup.build(hand_data(), roster_df, _no_plan(cl))
    assert rollup.summary(r2, "township", YL)["rate"].tolist() == pytest.approx(YL_RATES_IMMEDIATE)
    assert rollup.summary(r2, "township", XC)["rate"].tolist() == pytest.approx(XC_RATES_IMMEDIATE)
    assert rollup.summary(r2, "county")["rate"].tolist() == pytest.approx(CITY_RATES_IMMEDIATE)
    items = rollup.by_item(r2, _no_plan(cl)).set_index("no")["rate"]
    assert items[5] == 1.0 and items[1] == 0.5 and items[26] == 0.0
    assert pd.isna(items[33]) and pd.isna(items[64]) and pd.isna(items[20])
    assert "立行立改问题中已整改" in rollup.rate_rule(False)


def test_by_item(r, cl):
    f = rollup.by_item(r, cl)
    assert len(f) == 66 and sorted(f["no"]) == list(range(1, 67))
    _same(_rows(f.head(13), ["no", "problems", "villages", "done", "rate"]), ITEMS_TOP)
    assert f.iloc[0]["category"] == "基础工作方面" and f.iloc[2]["category"] == "“三保障”方面"
    assert f.iloc[12:]["no"].tolist() == sorted(f.iloc[12:]["no"])  # zero rows by 序号


def test_weekly(r):
    cols = [
        "unit",
        "expected",
        "reported",
        "on_time",
        "late",
        "report_rate",
        "on_time_rate",
        "problems",
        "new",
    ]
    cols += ["completed", "done", "rate", "prev_rate", "change_pp", "overdue", "rank"]
    _same(_rows(rollup.weekly(r), cols), WEEKLY)


def test_weekly_first_period(cl, roster_df):
    p1 = hand_data().previous
    w = rollup.weekly(rollup.build(p1, roster_df, cl)).set_index("unit")
    assert w.loc[YL, "new"] == 7 and w.loc[YL, "completed"] == 1  # no previous: all new
    assert w.loc[XC, "new"] == 5 and w.loc[XC, "completed"] == 1
    assert w["change_pp"].isna().all() and w["prev_rate"].isna().all()
    assert w.loc[YL, "rate"] == pytest.approx(1 / 7) and w.loc[XC, "overdue"] == 1


def test_late_and_missing(r):
    got = rollup.unreported(r, late=True)
    assert _rows(got, ["county", "township", "village", "status"]) == LATE_OR_MISSING
    assert rollup.unreported(r, YL)["village"].tolist() == ["东村", "北村"]


def test_overdue(r):
    got = rollup.problem_list(r, YL, overdue_only=True)
    assert _rows(got, ["township", "village", "no", "seq", "days_overdue"]) == YL_OVERDUE
    xc = rollup.problem_list(r, XC, overdue_only=True)
    assert _rows(xc, ["village", "no", "days_overdue"]) == [("六村", 26, 4)]


def test_deadline_status_is_one_rule():
    f = pd.DataFrame(
        {
            "deadline": [
                D(2022, 4, 6),
                D(2022, 4, 7),
                D(2022, 4, 14),
                D(2022, 4, 15),
                None,
                D(2022, 4, 1),
            ],
            "result": [NOT, None, DOING, NOT, NOT, DONE],
        }
    )
    assert rollup.deadline_status(f, D(2022, 4, 7)).tolist() == [rollup.OVERDUE, "", "", "", "", ""]
    soon = rollup.deadline_status(f, D(2022, 4, 7), soon_days=7).tolist()
    assert soon == [rollup.OVERDUE, rollup.DUE_SOON, rollup.DUE_SOON, "", "", ""]


def test_rank_rule():
    f = pd.DataFrame(
        {
            "unit": ["丁县", "乙县", "甲县", "丙县", "戊县", "己县"],
            "rate": [0.5, 0.5, 0.5, 0.9, float("nan"), float("nan")],
            "report_rate": [0.8, 0.9, 0.8, 0.1, 0.5, 1.0],
        }
    )
    got = rollup.rank(f)
    # 丙 (0.9); then 0.5 with 乙 (0.9 上报率), then 丁/甲 by name; no problems: 己 (1.0) then 戊
    assert got.to_dict() == {"丙县": 1, "乙县": 2, "丁县": 3, "甲县": 4, "己县": 5, "戊县": 6}


# --- workbooks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory, cl, roster_df) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("out")
    r = rollup.build(hand_data(), roster_df, cl)
    return out, rollup_app.write_reports(r, cl, out)


def test_weekly_chart_carries_its_values(written):
    """WPS and Excel draw a chart from the cache in its XML until they recalculate: the
    counties (text) and their 整改率 must be there (hand-counted: 0.5 and 0.3)."""
    out, _ = written
    with zipfile.ZipFile(out / "周报_第2期.xlsx") as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    ns = r"(?:c:)?"
    chart = re.search(rf"<{ns}ser>(.*?)</{ns}ser>", chart, re.S).group(1)
    cat = re.search(rf"<{ns}cat>(.*?)</{ns}cat>", chart, re.S).group(1)
    val = re.search(rf"<{ns}val>(.*?)</{ns}val>", chart, re.S).group(1)
    tx = re.search(rf"<{ns}tx>(.*?)</{ns}tx>", chart, re.S).group(1)
    point = rf"<{ns}pt idx=\"(\d+)\">\s*<{ns}v>([^<]*)</{ns}v>"
    assert "strRef" in cat and "strCache" in cat and "numRef" not in cat
    assert [(int(i), v) for i, v in re.findall(point, cat)] == [
        (0, WEEKLY[0][0]),
        (1, WEEKLY[1][0]),
    ]
    assert "numCache" in val and re.search(rf"<{ns}ptCount val=\"2\"", val)
    assert [(int(i), float(v)) for i, v in re.findall(point, val)] == [(0, 0.5), (1, 0.3)]
    assert [v for _, v in re.findall(point, tx)] == ["整改率"]


def _table(ws, first_data: int, ncols: int) -> tuple[list[str], list[tuple]]:
    """(leaf headers, data rows up to the total row) of a summary sheet read back."""
    top = [ws.cell(first_data - 2, c).value for c in range(1, ncols + 1)]
    low = [ws.cell(first_data - 1, c).value for c in range(1, ncols + 1)]
    heads = [lo if lo is not None else t for t, lo in zip(top, low, strict=True)]
    rows = []
    for r in range(first_data, ws.max_row + 1):
        vals = tuple(ws.cell(r, c).value for c in range(1, ncols + 1))
        if vals[0] is None:
            break
        rows.append(vals)
    return heads, rows


# after 汇总 and 问题清单 (county) / 按排查项目 (city)
ACCOUNTABILITY_SHEETS = [
    "逾期问题",
    "逾期按责任人",
    "逾期按乡镇",
    "即将到期",
    "未报村",
    "疑似走过场",
]
HEADS = [
    "乡（镇、街道）",
    "应报村数",
    "已报",
    "按时",
    "逾期",
    "退回待改村数",
    "未报村数",
    "排查问题数",
]
HEADS += CATS
HEADS += ["立行立改", "纳入整改方案", "已整改", "正在整改", "未整改", "整改率", "逾期未整改"]


def _check_sums(heads: list[str], rows: list[tuple], skip: set[str]) -> None:
    """Every count column: the total row equals the sum of the rows above it."""
    body, total = rows[:-1], rows[-1]
    for j, h in enumerate(heads):
        if h in skip or j == 0:
            continue
        assert total[j] == sum(x[j] for x in body), h


def test_file_names(written):
    out, paths = written
    names = sorted(p.name for p in paths)
    assert names == sorted(
        [
            "鄢陵县_县级汇总表_第2期.xlsx",
            "襄城县_县级汇总表_第2期.xlsx",
            "市级汇总表_第2期.xlsx",
            "周报_第2期.xlsx",
            "周报文字稿_第2期.md",
            "周报文字稿_第2期.txt",
        ]
    )
    assert not [p for p in out.iterdir() if p.name.startswith(".~")]


@pytest.mark.parametrize(("county", "want"), [(YL, YL_TABLE), (XC, XC_TABLE)])
def test_county_workbook(written, county, want):
    out, _ = written
    wb = openpyxl.load_workbook(out / f"{county}_县级汇总表_第2期.xlsx")
    assert wb.sheetnames == ["汇总", "问题清单", *ACCOUNTABILITY_SHEETS]
    ws = wb["汇总"]
    heads, rows = _table(ws, 5, len(HEADS))
    assert heads == HEADS
    got = [tuple(None if v == "—" else v for v in row) for row in rows]
    _same(got, [tuple(x) for x in want])
    _check_sums(heads, rows, {"整改率"})
    rate_col = HEADS.index("整改率") + 1
    assert ws.cell(5, rate_col).number_format == "0.00%"
    assert ws["A1"].value == f"{county}巩固脱贫成果“大排查大起底”行动汇总表（第2期）"
    assert (
        "许巩固脱贫组办〔2022〕3号" in ws["A2"].value
        and "2022年4月1日—2022年4月7日" in ws["A2"].value
    )
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("说明：整改率口径：") for t in texts)
    assert any("整改结果未填写的问题按“未整改”统计" in t for t in texts)
    for s in (
        "党委分管负责同志（签字）：",
        "政府分管负责同志（签字）：",
        "填报人：",
        "联系电话：",
        "填报日期：2022年4月7日",
    ):
        assert s in texts
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    # too wide for one page at 9 pt: 90 %, pages across, the unit column on each (issue 17)
    assert ws.page_setup.scale == 90 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_cols == "$A:$A"
    assert ws.print_title_rows == "$3:$4"
    assert ws["A1"].font.name == "黑体" and ws.cell(5, 2).font.name == "宋体"
    assert ws.cell(5, 2).border.left.style == "thin"
    assert ws.column_dimensions["A"].width == 14


def test_county_lists(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / f"{YL}_县级汇总表_第2期.xlsx")
    pl = wb["问题清单"]
    head = [c.value for c in pl[2]]
    assert head[:5] == ["乡（镇、街道）", "行政村", "类别", "序号", "排查项目"]
    rows = list(pl.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 10  # 鄢陵's ten problems, 外村 left out
    assert [(x[1], x[3]) for x in rows[:4]] == [
        ("大马村", 1),
        ("大马村", 1),
        ("大马村", 26),
        ("大马村", 58),
    ]
    m = head.index("整改措施")
    assert all(x[m] == "=整改措施" for x in rows)
    assert (
        rows[0][head.index("自查问题描述")] == "=大马村<第1项>&问题"
    )  # text; control char dropped
    cells = [c for row in pl.iter_rows(min_row=3) for c in row]
    assert all(c.data_type != "f" for c in cells)
    ro = openpyxl.load_workbook(out / f"{YL}_县级汇总表_第2期.xlsx", read_only=True)
    assert ro["问题清单"].calculate_dimension() == "A1:N12"  # title, header, ten problems
    carried = head.index("本期未更新")
    assert [x[1] for x in rows if x[carried] == "是"] == ["东村"]
    ov = wb["逾期问题"]
    oh = [c.value for c in ov[2]]
    got = [
        (x[0], x[1], x[oh.index("序号")], x[oh.index("逾期天数")])
        for x in ov.iter_rows(min_row=3, values_only=True)
    ]
    assert got == [(a, b, no, days) for a, b, no, _, days in YL_OVERDUE]
    miss = [(*x[:2], x[3]) for x in wb["未报村"].iter_rows(min_row=3, values_only=True)]
    assert miss == [("陈化店镇", "东村", "未报送（沿用前期台账）"), ("马栏镇", "北村", "未报送")]


def test_city_workbook(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / "市级汇总表_第2期.xlsx")
    assert wb.sheetnames == ["汇总", "按排查项目", *ACCOUNTABILITY_SHEETS]
    heads, rows = _table(wb["汇总"], 5, len(HEADS))
    assert heads == ["县（市、区）", *HEADS[1:]]
    _same([tuple(None if v == "—" else v for v in x) for x in rows], CITY_TABLE)
    _check_sums(heads, rows, {"整改率"})
    texts = [c.value for row in wb["汇总"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "联系电话：2965220" in texts
    assert any("名册中没有的 1 个村" in t for t in texts)
    items = wb["按排查项目"]
    assert [c.value for c in items[3]] == [
        "类别",
        "序号",
        "排查项目",
        "排查内容",
        "问题数",
        "涉及村数",
        "已整改",
        "整改率",
    ]
    got = [
        (x[1], x[4], x[5], x[6], None if x[7] == "—" else x[7])
        for x in items.iter_rows(min_row=4, max_row=16, values_only=True)
    ]
    _same(got, ITEMS_TOP)
    assert items.cell(4, 8).number_format == "0.00%" and items.cell(16, 8).value == "—"
    assert items.cell(69, 2).value is not None and items.cell(70, 2).value is None  # all 66 items
    assert len(list(wb["逾期问题"].iter_rows(min_row=3))) == 5
    miss = [x[2] for x in wb["未报村"].iter_rows(min_row=3, values_only=True)]
    assert miss == ["东村", "北村", "五村"]


def test_weekly_workbook(written):
    out, _ = written
    path = out / "周报_第2期.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["周报", "整改率图", "未报及逾期报送", "变化提醒"]
    ws = wb["周报"]
    assert ws["A1"].value == "第2期（截至2022年4月7日）巩固脱贫成果“大排查大起底”行动整改进展周报"
    assert "2022年4月1日—2022年4月7日" in ws["A2"].value
    heads = [c.value for c in ws[3]]
    assert heads[:2] == ["排名", "县（市、区）"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=4, max_row=6)]
    order = [
        "unit",
        "expected",
        "reported",
        "on_time",
        "late",
        "report_rate",
        "on_time_rate",
        "problems",
        "new",
    ]
    order += ["completed", "done", "rate", "prev_rate", "change_pp", "overdue", "rank"]
    col = {k: [c[1] for c in weekly.WEEKLY_COLUMNS].index(k) for k in order if k != "late"}
    for row, want in zip(rows, WEEKLY, strict=True):
        exp = dict(zip(order, want, strict=True))
        for k, j in col.items():
            if isinstance(exp[k], float):
                assert row[j] == pytest.approx(exp[k]), k
            else:
                assert row[j] == exp[k], k
    _check_sums(
        heads[1:],
        [x[1:] for x in rows],
        {"上报率", "按时上报率", "整改率", "上期整改率", "整改率变化（百分点）"},
    )
    assert ws.cell(4, col["change_pp"] + 1).number_format == "+0.00;-0.00;0.00"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("　　　排名规则：") for t in texts)
    assert "填报日期：2022年4月7日" in texts
    units = [x[:4] for x in wb["未报及逾期报送"].iter_rows(min_row=3, values_only=True)]
    assert units == LATE_OR_MISSING
    with zipfile.ZipFile(path) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    rate_letter = openpyxl.utils.get_column_letter(col["rate"] + 1)
    assert f"'周报'!${rate_letter}$4:${rate_letter}$5" in chart  # the two counties' rates
    assert "<f>" not in sheet  # values, never formulas


def test_no_formulas_anywhere(written):
    _, paths = written
    for p in paths:
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    if name.startswith("xl/worksheets/"):
                        assert "<f>" not in z.read(name).decode(), (p.name, name)


# --- the 文字稿 -------------------------------------------------------------------


CL_OFFICE = "许昌市巩固拓展脱贫攻坚成果领导小组办公室"


def test_text(written):
    out, _ = written
    md = (out / "周报文字稿_第2期.md").read_text(encoding="utf-8")
    raw = (out / "周报文字稿_第2期.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    txt = raw.decode("utf-8-sig").replace("\r\n", "\n")
    for s in ("一、总体进展", "二、各县进展", "三、存在问题", "四、下步工作"):
        assert f"## {s}" in md and f"\n{s}\n" in txt
    assert md.startswith("# 第2期（截至2022年4月7日）")
    assert "整改率口径：整改率 = 已整改问题数 ÷ 排查问题数" in txt
    assert "累计排查问题16个，本周新增5个" in txt
    assert "整改率37.50%，较上期提高20.83个百分点" in txt
    assert "**襄城县**" in md and "1. 襄城县：" in txt and "2. 鄢陵县：" in txt
    assert "较上期提高30.00个百分点" in txt and "较上期提高15.71个百分点" in txt
    assert "鄢陵县（整改率30.00%，排名第2位）整改进度排名靠后" in txt  # the lowest-ranked
    assert "未报送的村3个、逾期报送的村2个" in txt
    assert "鄢陵县未报送的有陈化店镇东村、马栏镇北村，逾期报送的有陈化店镇小马村；" in txt
    assert "襄城县未报送的有麦岭镇五村，逾期报送的有城关街道二村。\n\n变化提醒。" in txt
    assert "2. 襄城县茨沟乡三村问题数减少：1个问题 → 0个问题。\n\n四、下步工作" in txt
    assert not re.search(r"[#*`]|^\s*[-+>] ", txt, re.M)
    assert "{{" not in txt and "{#" not in txt
    # 公文 habits: no space between Chinese and numbers; 附件, office, date, phone at the end
    assert not re.search(r"[\u4e00-\u9fff，。；、（）] +\d|\d[%]? +[\u4e00-\u9fff（]", txt)
    assert txt.endswith(
        "附件：1.周报_第2期.xlsx\n　　　2.市级汇总表_第2期.xlsx\n\n"
        f"{CL_OFFICE}\n2022年4月7日\n（联系电话：2965220）\n"
    )
    assert "未报送1个，报送未通过" not in txt  # hand data: no return failed


def test_edited_template(tmp_path, cl, roster_df):
    r = rollup.build(hand_data(), roster_df, cl)
    d = tmp_path / "tpl"
    d.mkdir()
    (d / weekly.TEMPLATE).write_text(
        "# 自定义 {{ period }}\n\n**{{ total.rate }}** `{{ counties[0].name }}`\n", encoding="utf-8"
    )
    md, txt = weekly.render(weekly.context(r, cl), d)
    assert md == "# 自定义 2\n\n**37.50%** `襄城县`\n"
    assert txt == "自定义 2\n\n37.50% 襄城县\n"
    (d / weekly.TEMPLATE).write_text("{{ no_such_thing }}", encoding="utf-8")
    with pytest.raises(UserError, match="no_such_thing"):
        weekly.render(weekly.context(r, cl), d)
    (d / weekly.TEMPLATE).write_text("{% if %}", encoding="utf-8")
    with pytest.raises(UserError, match="第 1 行"):
        weekly.render(weekly.context(r, cl), d)


def test_template_documents_every_variable(cl, roster_df):
    """The comment block at the top of the shipped template names every context key."""
    from dapaicha import resources

    text = (resources.templates_dir() / weekly.TEMPLATE).read_text(encoding="utf-8")
    head = text.split("-#}", 1)[0]
    ctx = weekly.context(rollup.build(hand_data(), roster_df, cl), cl)
    for k in ctx:
        assert re.search(rf"\b{k}\b", head), k
    for k in ctx["counties"][0]:
        assert re.search(rf"\b{k}\b", head), k
    for k in (
        *ctx["campaign"],
        *ctx["top_items"][0],
        *ctx["units_by_county"][0],
        *ctx["categories"][0],
    ):
        assert re.search(rf"\b{k}\b", head), k


def test_sheet_text_is_escaped():
    assert splice.text_xml("a<b>&c\x07\x0bd\ufffe") == "a&lt;b&gt;&amp;cd"
    assert splice.text_xml("x" * 40000).endswith("…") and len(splice.text_xml("x" * 40000)) == 32767


def test_strip_markdown():
    md = "# 标题\n\n## 一、总体\n\n- 第一项 **加粗** 与 *斜体*\n> 引用\n\n---\n\n1. [链接](http://x) `代码` 3\\*4\n"
    assert (
        weekly.strip_markdown(md)
        == "标题\n\n一、总体\n\n第一项 加粗 与 斜体\n引用\n\n1. 链接 代码 3*4\n"
    )


def test_rate_rule_in_text_without_plan(cl, roster_df):
    r2 = rollup.build(hand_data(), roster_df, _no_plan(cl))
    _, txt = weekly.render(weekly.context(r2, _no_plan(cl)))
    assert "纳入整改方案的问题不计入" in txt
    assert f"整改率{6 / 11 * 100:.2f}%" in txt


# --- the command ------------------------------------------------------------------


def _roster_csv(path: Path) -> Path:
    lines = ["县,乡镇,村,村代码"] + [f"{a},{t},{v},{c}" for c, a, t, v in ROSTER]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_rollup(tmp_path, cl):
    db = tmp_path / "store.sqlite"
    store_data(db, cl)
    ros = _roster_csv(tmp_path / "roster.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["rollup", "--store", str(db), "--roster", str(ros), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert (out / "市级汇总表_第2期.xlsx").exists() and (out / "周报文字稿_第2期.txt").exists()
    res = CliRunner().invoke(
        app, ["rollup", "--store", str(db), "-r", str(ros), "--period", "1", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(out / "市级汇总表_第1期.xlsx")["汇总"]
    assert [ws.cell(r, 8).value for r in (5, 6, 7)] == [7, 5, 12]  # 第1期 problems
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / weekly.TEMPLATE).write_text("# 第{{ period }}期 {{ total.rate }}\n", encoding="utf-8")
    args = ["rollup", "-s", str(db), "-r", str(ros), "-o", str(out), "--templates", str(tpl)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert (out / "周报文字稿_第2期.md").read_text(encoding="utf-8") == "# 第2期 37.50%\n"
    bad = CliRunner().invoke(
        app, ["rollup", "--store", str(tmp_path / "none.sqlite"), "-r", str(ros), "--out", str(out)]
    )
    assert bad.exit_code != 0


def test_nothing_reported_yet(tmp_path, cl, roster_df):
    """No returns, no problems: every rate is “—”, every village 未报送, and all still writes."""
    vcols = ["village_code", "county", "township", "village", "reported", "on_time", "late"]
    data = PeriodData(
        1, D(2022, 3, 1), D(2022, 3, 31), pd.DataFrame(columns=vcols), pd.DataFrame(), None
    )
    r = rollup.build(data, roster_df, cl)
    city = rollup.summary(r, "county")
    assert city["expected"].tolist() == [6, 6, 12] and city["problems"].tolist() == [0, 0, 0]
    assert city["rate"].isna().all()
    w = rollup.weekly(r)
    assert w["unit"].tolist() == [XC, YL, "全市合计"]  # no problems: by 上报率 (0), then name
    paths = rollup_app.write_reports(r, cl, tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "市级汇总表_第1期.xlsx")["汇总"]
    assert ws.cell(7, HEADS.index("整改率") + 1).value == "—"
    txt = (tmp_path / "周报文字稿_第1期.txt").read_text(encoding="utf-8-sig")
    assert "整改率—" in txt and "未报送的村12个" in txt
    assert len(paths) == 6


def test_cli_rollup_from_merged_ledger(tmp_path, cl):
    """Without --store: a merged ledger (the tier below's output) is merged into a
    temporary store and rolled up; 第2期 as it stands gives the same city table."""
    from dapaicha.store import query as store_query
    from dapaicha.xlsx import merged

    db = tmp_path / "county.sqlite"
    store_data(db, cl, outside=False)
    conn = store.connect(db)
    data, src = store_query.frames(conn, 2, depth=0), store_query.source_periods(conn, 2)
    conn.close()
    (tmp_path / "in").mkdir()
    merged.write(tmp_path / "in" / "全市问题整改台账.xlsx", data, cl, src)
    ros = _roster_csv(tmp_path / "roster.csv")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["rollup", str(tmp_path / "in"), "-r", str(ros), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "已校验并合并" in res.output
    _, rows = _table(openpyxl.load_workbook(out / "市级汇总表_第2期.xlsx")["汇总"], 5, len(HEADS))
    _same([tuple(None if v == "—" else v for v in x) for x in rows], CITY_TABLE)
    assert not list(tmp_path.glob("*.sqlite-*"))  # nothing left beside the inputs
    both = CliRunner().invoke(
        app, ["rollup", str(tmp_path / "in"), "-s", str(db), "-r", str(ros), "-o", str(out)]
    )
    assert isinstance(both.exception, UserError) and "二者选一" in str(both.exception)


def test_cli_rerun_is_identical(tmp_path, cl):
    db = tmp_path / "store.sqlite"
    store_data(db, cl)
    ros = _roster_csv(tmp_path / "roster.csv")
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        res = CliRunner().invoke(
            app, ["rollup", "--store", str(db), "-r", str(ros), "--out", str(out)]
        )
        assert res.exit_code == 0, res.output
    for p in a.iterdir():
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name


# --- LibreOffice ------------------------------------------------------------------

SOFFICE = shutil.which("soffice")


@pytest.mark.soffice
@pytest.mark.skipif(SOFFICE is None, reason="需要 LibreOffice (soffice)")
def test_libreoffice_prints_a4_landscape(written, tmp_path):
    _, paths = written
    books = [p for p in paths if p.suffix == ".xlsx"]
    cmd = [
        SOFFICE,
        "--headless",
        "-env:UserInstallation=file:///tmp/lo-profile-rollup",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
    ]
    subprocess.run([*cmd, *map(str, books)], check=True, capture_output=True, timeout=240)
    # 8 sheets; a sheet too wide for one page at 9 pt runs onto a second page across
    # (issue 17): county 8 to 16; city 8 + the 66 items' full texts; 周报: table, chart,
    # list, 变化提醒
    want = {
        "鄢陵县_县级汇总表_第2期": (8, 16),
        "襄城县_县级汇总表_第2期": (8, 16),
        "市级汇总表_第2期": (9, 26),
        "周报_第2期": (4, 8),
    }
    for stem, pages in want.items():
        pdf = (tmp_path / f"{stem}.pdf").read_bytes()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        assert boxes, stem
        for w, h in boxes:
            assert abs(float(w) - 842) < 3 and abs(float(h) - 595) < 3, (stem, w, h)
        n = len(re.findall(rb"/Type\s*/Page\b", pdf))
        lo, hi = pages if isinstance(pages, tuple) else (pages, pages)
        assert lo <= n <= hi, (stem, n)


def test_text_says_no_change_where_there_is_no_previous_rate(cl, roster_df):
    """A county without a rate last week (no problems then): its line says no "较上期—";
    the others still say their change."""
    ctx = weekly.context(rollup.build(hand_data(), roster_df, cl), cl)
    assert ctx["has_previous"]
    first = ctx["counties"][0]
    first["change_pp"], first["change"] = None, weekly.change(float("nan"))
    md, _ = weekly.render(ctx)
    line = next(x for x in md.splitlines() if f"**{first['name']}**" in x)
    assert "较上期" not in line and "整改率" in line
    assert "较上期—" not in md and md.count("较上期") == len(ctx["counties"])  # total + others
