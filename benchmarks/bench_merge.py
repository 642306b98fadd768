"""Benchmark: merge N synthetic Submissions (66 rows each, ~10% problems) into a fresh store.

Run by hand:  .venv/bin/python benchmarks/bench_merge.py [--sizes 3000 6000] [--province]

For each size: the merge's wall time (store + cross-period checks, no workbook; best of 3
runs, each into a fresh store), its peak
Python memory (tracemalloc, a second run into another fresh store), then period_frames and
the merged ledger workbook for that store. Target: under 30 s for 3,000, and
time(6000) ≤ 2.2 × time(3000). --province also builds a 46,000-village store and times
period_frames on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from dapaicha import layout
from dapaicha.app import merge
from dapaicha.config import checklist
from dapaicha.config.roster import Roster, Village
from dapaicha.model import Row, Submission
from dapaicha.store import query as store_query
from dapaicha.store import write as store
from dapaicha.xlsx import merged

CL = checklist.load()
ITEMS = [i.no for _, i in CL.items]
RESULTS = CL.vocabularies.result.canonical
KINDS = CL.vocabularies.kind.canonical


def villages(n: int) -> list[Village]:
    out = []
    for i in range(n):
        county, town, vil = i // 4000, (i // 40) % 100, i % 40
        code = f"41{county:02d}{town:05d}{200 + vil:03d}"
        out.append(Village(code, f"第{county + 1}县", f"第{town + 1}镇", f"第{vil + 1}村"))
    return out


def submission(v: Village, rng: random.Random, report_date: dt.date) -> Submission:
    rows = []
    for r, no in enumerate(ITEMS, start=layout.ROW_FIRST_ITEM):
        cells = {k: f"{layout.LETTER[k]}{r}" for k in ("no", *layout.FILL_KEYS)}
        if rng.random() < 0.10:
            rows.append(
                Row(no, 1, "是", f"{v.village}第{no}项发现的问题，需要整改落实", "逐户核实并更正信息", rng.choice(KINDS),
                    dt.date(2022, 4, rng.randint(10, 30)), "张三", rng.choice(RESULTS), None, None, r, cells)
            )  # fmt: skip
        else:
            rows.append(Row(no, 1, "否", row=r, cells=cells))
    sha = hashlib.sha256(f"{v.key}|{report_date}|{rng.random()}".encode()).hexdigest()
    return Submission(
        f"{v.village}.xlsx",
        sha,
        v.code,
        v.county,
        v.township,
        v.village,
        report_date,
        True,
        rows=rows,
        sheet=layout.SHEET_LEDGER,
    )


def build(n: int, seed: int = 1) -> tuple[Roster, list[Submission]]:
    rng = random.Random(seed)
    vs = villages(n)
    return Roster(vs), [submission(v, rng, dt.date(2022, 3, 30)) for v in vs]


def run_merge(tmp: Path, name: str, roster: Roster, subs: list[Submission]) -> tuple[float, Path]:
    path = tmp / f"{name}.sqlite"
    gc.collect()
    t0 = time.perf_counter()
    res = merge.merge_submissions(path, subs, CL, roster=roster)
    dt_ = time.perf_counter() - t0
    assert res.added == len(subs), res.added
    return dt_, path


def bench(n: int, tmp: Path, repeat: int = 3) -> float:
    """Best of `repeat` merges, each into a fresh store (the machine may be busy)."""
    roster, subs = build(n)
    runs = [run_merge(tmp, f"t{n}_{i}", roster, subs) for i in range(repeat)]
    secs, path = min(runs)
    tracemalloc.start()
    run_merge(tmp, f"m{n}", roster, subs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = time.perf_counter()
    data = store.period_frames(path, 1)
    t_frames = time.perf_counter() - t0
    conn = store.connect(path)
    sources = store_query.source_periods(conn, 1)
    conn.close()
    t0 = time.perf_counter()
    merged.write(tmp / f"台账{n}.xlsx", data, CL, sources)
    t_book = time.perf_counter() - t0
    size = path.stat().st_size / 2**20
    print(
        f"{n:>6} submissions ({n * len(ITEMS):,} rows, {len(data.problems):,} problems): merge {secs:6.2f} s, "
        f"peak {peak / 2**20:6.1f} MiB (tracemalloc); period_frames {t_frames:5.2f} s; "
        f"merged ledger {t_book:5.2f} s; store {size:5.1f} MiB"
    )
    return secs


def province(tmp: Path, n: int = 46_000, chunk: int = 2_000) -> None:
    """A province-sized store, merged county by county (chunks), then one period_frames."""
    path = tmp / "province.sqlite"
    vs = villages(n)
    roster = Roster(vs)
    rng = random.Random(2)
    t_merge = 0.0
    for i in range(0, n, chunk):
        subs = [submission(v, rng, dt.date(2022, 3, 30)) for v in vs[i : i + chunk]]
        t0 = time.perf_counter()
        merge.merge_submissions(path, subs, CL, roster=roster)
        t_merge += time.perf_counter() - t0
    t0 = time.perf_counter()
    data = store.period_frames(path, 1)
    t = time.perf_counter() - t0
    size = path.stat().st_size / 2**20
    print(f"province {n:,} villages ({n * len(ITEMS):,} rows) in chunks of {chunk:,}: merge {t_merge:.1f} s; "
          f"period_frames {t:.2f} s ({len(data.villages):,} villages, {len(data.problems):,} problems); store {size:.0f} MiB")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[3000, 6000])
    ap.add_argument("--province", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as d:
        tmp = Path(d)
        times = [bench(n, tmp) for n in args.sizes]
        if len(times) >= 2:
            ratio = times[-1] / times[0]
            print(f"time({args.sizes[-1]}) / time({args.sizes[0]}) = {ratio:.2f} (target ≤ 2.2)")
        if args.province:
            province(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
