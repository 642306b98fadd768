"""Benchmark: roll up a province-sized period (46,000 villages, 66 items each = 3 million
ledger rows, of which the problems are kept) and write the summaries.

Run by hand:  .venv/bin/python benchmarks/bench_rollup.py [--villages 46000] [--out DIR]
              [--county-books all|N|0]
Prints wall time and peak RSS per phase. Targets: frames + city workbook under 60 s and
under 4 GB. The county workbooks (their 问题清单 sheets hold every problem: ~300,000
rows in all) are timed separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dapaicha.config import checklist
from dapaicha.figures import rollup
from dapaicha.store.write import PeriodData
from dapaicha.xlsx import summary as summary_xlsx
from dapaicha.xlsx import weekly

RNG = np.random.default_rng(20220407)
DESCRIPTIONS = [
    f"经核查，{w}存在信息不一致情况，共涉及{n}户，需逐户核实并更新系统信息。"
    for w in (
        "脱贫户家庭人口",
        "监测对象收入",
        "危房改造档案",
        "小额信贷台账",
        "低保审批材料",
        "户厕改造验收",
    )
    for n in range(1, 34)
]
MEASURES = [
    f"由驻村工作队牵头，{d}日内完成入户核实，同步更新档案和信息系统。" for d in range(3, 40)
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


class Clock:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.rows: list[tuple[str, float, float]] = []

    def lap(self, what: str) -> float:
        t = time.perf_counter()
        took, self.t0 = t - self.t0, t
        self.rows.append((what, took, peak_mb()))
        print(
            f"{what:<56} {took:7.2f} s   RSS {rss_mb():6.0f} MB, peak {peak_mb():6.0f} MB",
            flush=True,
        )
        return took


def make_roster(n: int) -> pd.DataFrame:
    """n villages in ~157 counties of ~15 townships each."""
    per_township = 19
    townships = -(-n // per_township)
    per_county = 15
    idx = np.arange(n)
    t = idx // per_township
    c = t // per_county
    county = np.array([f"第{i:03d}县" for i in range(c.max() + 1)], dtype=object)[c]
    township = np.array([f"第{i:04d}镇" for i in range(townships)], dtype=object)[t]
    village = np.array([f"第{i:05d}村" for i in range(n)], dtype=object)
    code = np.array([f"41{i:010d}" for i in range(n)], dtype=object)
    df = pd.DataFrame(
        {"village_code": code, "county": county, "township": township, "village": village}
    )
    df["key"] = df["village_code"]
    return df


def ledger_rows(n_villages: int, progress: float) -> pd.DataFrame:
    """All 66 × n rows of one period's returns (the 3 million rows), as the reader sees them."""
    n = n_villages * 66
    vi = np.repeat(np.arange(n_villages, dtype=np.int32), 66)
    no = np.tile(np.arange(1, 67, dtype=np.int16), n_villages)
    rnd = np.random.default_rng(7)  # the same problems in both periods, mostly
    has = np.where(rnd.random(n) < 0.1, "是", "否")
    kind = np.where(rnd.random(n) < 0.7, "立行立改", "纳入整改方案")
    r = RNG.random(n)
    result = np.select(
        [r < progress, r < progress + 0.2, r < 0.97], ["已整改", "正在整改", "未整改"], None
    )
    deadline = pd.Timestamp("2022-03-20") + pd.to_timedelta(rnd.integers(0, 60, n), unit="D")
    return pd.DataFrame(
        {
            "vi": vi,
            "no": no,
            "seq": np.ones(n, dtype=np.int16),
            "has_problem": pd.Categorical(has),
            "kind": pd.Categorical(kind),
            "result": pd.Categorical(result),
            "deadline": deadline,
            "desc": rnd.integers(0, len(DESCRIPTIONS), n, dtype=np.int16),
        }
    )


def period(
    n: int, roster: pd.DataFrame, progress: float, start: dt.date, deadline: dt.date, drop: float
) -> PeriodData:
    rows = ledger_rows(len(roster), progress)
    p = rows[(rows["has_problem"] == "是").to_numpy()]
    keep = RNG.random(len(p)) >= drop
    p = p[keep]
    del rows
    vi = p["vi"].to_numpy()
    problems = pd.DataFrame(
        {
            "village_code": roster["village_code"].to_numpy()[vi],
            "county": roster["county"].to_numpy()[vi],
            "township": roster["township"].to_numpy()[vi],
            "village": roster["village"].to_numpy()[vi],
            "period": n,
            "no": p["no"].to_numpy().astype(np.int64),
            "seq": p["seq"].to_numpy().astype(np.int64),
            "category_code": "",
            "category": "",
            "topic": "",
            "description": np.array(DESCRIPTIONS, dtype=object)[p["desc"].to_numpy()],
            "measure": np.array(MEASURES, dtype=object)[p["desc"].to_numpy() % len(MEASURES)],
            "kind": p["kind"].astype(object).to_numpy(),
            "deadline": pd.Series(p["deadline"].dt.date.to_numpy(), dtype=object).to_numpy(),
            "owner": "张三",
            "result": p["result"].astype(object).to_numpy(),
            "done_date": None,
            "note": None,
            "carried": False,
            "file": "",
            "cell": "F4",
        }
    )
    nv = len(roster)
    rep = RNG.random(nv)
    reported = rep < 0.95
    late = reported & (rep > 0.90)
    villages = pd.DataFrame(
        {
            "village_code": roster["village_code"],
            "county": roster["county"],
            "township": roster["township"],
            "village": roster["village"],
            "reported": reported,
            "on_time": reported & ~late,
            "late": late,
            "report_date": [deadline] * nv,
            "carried": ~reported,
            "file": "",
        }
    )
    return PeriodData(n, start, deadline, villages, problems, None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--villages", type=int, default=46_000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--county-books", default="all", help="all, 0, or how many county workbooks to write"
    )
    a = ap.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="bench-rollup-"))
    cl = checklist.load()
    clock = Clock()
    print(f"{a.villages:,} villages → {out}")

    roster = make_roster(a.villages)
    prev = period(1, roster, 0.3, dt.date(2022, 3, 1), dt.date(2022, 3, 31), drop=0.05)
    cur = period(2, roster, 0.5, dt.date(2022, 4, 1), dt.date(2022, 4, 7), drop=0.0)
    cur.previous = prev
    clock.lap(f"generate 2 × {a.villages * 66:,} ledger rows → problems")
    print(f"  problems this period: {len(cur.problems):,}; previous: {len(prev.problems):,}")

    t_frames = 0.0
    r = rollup.build(cur, roster, cl)
    t_frames += clock.lap("rollup.build (join to roster, both periods)")
    city = rollup.summary(r, "county")
    for c, rc in rollup.split(r):
        rollup.summary(rc, "township", c)
    rollup.by_item(r, cl)
    w = rollup.weekly(r)
    over = rollup.problem_list(r, overdue_only=True)
    miss = rollup.unreported(r, late=True)
    t_frames += clock.lap(f"summary frames ({len(city) - 1} counties, items, weekly)")
    tot = city.iloc[-1]
    print(
        f"  全市: problems {tot['problems']:,}, 整改率 {tot['rate']:.4f}; new {w.iloc[-1]['new']:,}"
    )
    print(f"  city lists: 逾期问题 {len(over):,} rows, 未报/逾期报送 {len(miss):,} rows")

    summary_xlsx.write_city(r, cl, summary_xlsx.city_path(out, r.period))
    t_city = clock.lap("write 市级汇总表 (汇总, 按排查项目, 逾期问题, 未报村)")
    weekly.write_xlsx(r, cl, weekly.weekly_path(out, r.period))
    weekly.write_text(r, cl, out)
    t_weekly = clock.lap("write 周报 workbook + 文字稿")
    total = t_frames + t_city + t_weekly
    print(
        f"frames + city workbook + 周报: {total:.2f} s (target < 60 s); peak RSS {peak_mb():.0f} MB (target < 4096 MB)"
    )

    counties = rollup.counties(r)
    k = len(counties) if a.county_books == "all" else int(a.county_books)
    if k:
        n_rows = int((r.problems["county"].isin(counties[:k])).sum())
        t0 = time.perf_counter()
        for c, rc in list(rollup.split(r))[:k]:
            summary_xlsx.write_county(rc, cl, c, summary_xlsx.county_path(out, c, r.period))
        dt_c = time.perf_counter() - t0
        clock.lap(f"write {k} 县级汇总表 ({n_rows:,} 问题清单 rows)")
        print(
            f"  county workbooks: {dt_c / max(1, n_rows) * 1e6:.1f} µs per problem row (openpyxl + spliced row XML)"
        )
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"output: {len(list(out.iterdir()))} files, {size:.1f} MB in {out}")


if __name__ == "__main__":
    sys.exit(main())
