"""Validate a city's worth of returns (3,000) and compare with pandas.read_excel(openpyxl).

Run by hand:  python benchmarks/bench_validate.py [N]
The filled returns are cached in benchmarks/out/returns-N (building them takes a while).
Prints per-file time and peak memory of `validate_folder`, and of pandas.read_excel with
openpyxl over a sample of the same files, on this machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dapaicha import checklist, fill, generate, validate
from dapaicha.roster import Roster, Village

HERE = Path(__file__).resolve().parent
CSV = HERE.parent.parent / "shared" / "data" / "xuchang-townships-2023.csv"


def synthetic_roster(n: int) -> Roster:
    towns = []
    if CSV.exists():
        with CSV.open(encoding="utf-8") as fh:
            towns = [(r["county"], r["township"], r["township_code"]) for r in csv.DictReader(fh)]
    towns = towns or [("某县", f"第{i}镇", f"4110{i:05d}") for i in range(100)]
    vs = []
    for i in range(n):
        county, town, code = towns[i % len(towns)]
        k = i // len(towns)
        vs.append(
            Village(
                f"{code}{200 + k:03d}",
                county,
                town,
                f"试点{k}村",
                ("组长", "书记一", "书记二"),
                row=i + 2,
            )
        )
    return Roster(villages=vs, problems=[], source="synthetic")


def _fill(args: tuple[str, str, int]) -> None:
    src, dst, seed = args
    rnd = random.Random(seed)
    answers = {}
    for no in rnd.sample(range(1, 67), 7):
        answers[no] = {
            "has_problem": "是",
            "description": f"问题{no}",
            "measure": "整改",
            "kind": "立行立改",
            "deadline": dt.date(2022, 4, rnd.randint(10, 30)),
            "owner": "张三",
            "result": rnd.choice(["已整改", "正在整改"]),
            "done_date": dt.date(2022, 3, 20),
        }
        if answers[no]["result"] != "已整改":
            answers[no]["done_date"] = None
    signers = {"村级责任组组长": "甲", "第一书记": "乙", "村支部书记": "丙"}
    fill.fill_ledger(
        Path(src),
        Path(dst),
        answers,
        default={"has_problem": "否"},
        report_date=dt.date(2022, 3, 30),
        signers=signers,
    )


def build_corpus(n: int) -> tuple[Path, Roster]:
    cl = checklist.load()
    ros = synthetic_roster(n)
    base = HERE / "out" / f"returns-{n}"
    blank = HERE / "out" / f"blank-{n}"
    if not base.exists() or len(list(base.glob("*.xlsx"))) < n:
        res = generate.generate(cl, ros.villages, blank, generated_at="2022-03-01T00:00:00")
        srcs = sorted(blank.rglob("*.xlsx"))
        base.mkdir(parents=True, exist_ok=True)
        jobs = [(str(s), str(base / f"{i:05d}.xlsx"), i) for i, s in enumerate(srcs)]
        t = time.perf_counter()
        with ProcessPoolExecutor() as ex:
            list(ex.map(_fill, jobs, chunksize=20))
        print(
            f"corpus: {len(res.written) + len(res.unchanged)} ledgers filled in {time.perf_counter() - t:.1f} s"
        )
    return base, ros


def peak_mb() -> float:
    """Peak RSS of this process or of its largest worker, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    folder, ros = build_corpus(n)
    cl = checklist.load()
    m0 = peak_mb()
    t = time.perf_counter()
    rep, subs = validate.validate_folder(folder, cl, ros)
    dur = time.perf_counter() - t
    acc = sum(f.accepted for f in rep.files)
    serial = sorted(folder.glob("*.xlsx"))[:100]
    t = time.perf_counter()
    for p in serial:
        validate.validate_return(p, p.name, cl, ros)
    one = (time.perf_counter() - t) / len(serial)
    print(f"dapaicha validate, one process: {one * 1000:.2f} ms/file")
    print(
        f"dapaicha validate: {len(rep.files)} files in {dur:.2f} s = {dur / len(rep.files) * 1000:.2f} ms/file; "
        f"accepted {acc}; peak RSS {peak_mb():.0f} MB (before {m0:.0f} MB)"
    )
    import pandas as pd

    sample = sorted(folder.glob("*.xlsx"))[:100]
    t = time.perf_counter()
    for p in sample:
        pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None)
    pdur = (time.perf_counter() - t) / len(sample)
    print(
        f"pandas.read_excel(openpyxl), read only, {len(sample)} files: {pdur * 1000:.2f} ms/file "
        f"(≈ {pdur * len(rep.files):.1f} s for {len(rep.files)}); speed-up {pdur / (dur / len(rep.files)):.1f}× "
        f"(one process: {pdur / one:.1f}×)"
    )


if __name__ == "__main__":
    main()
