"""Validate a city's worth of returns (3,000) and compare with pandas.read_excel(openpyxl).

Run by hand:  python benchmarks/bench_validate.py [N] [ROUNDS]
The filled returns are cached in benchmarks/out/returns-N (building them takes a while).
Returns reach the county saved by a spreadsheet program (the village types into WPS or
Excel), not as our filler writes them: where LibreOffice is installed, every filled return
is re-saved by it once (benchmarks/out/resaved-N, about 0.1 s a file on each core), and
that corpus is the one measured first.
Prints the wall time and peak memory of `validate_folder` over all N files, then the CPU
time per file of dapaicha and of pandas.read_excel with openpyxl over the same 100 files,
interleaved for ROUNDS rounds (best of each), on this machine.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from dapaicha.app import generate, validate
from dapaicha.config import checklist
from dapaicha.config.roster import Roster, Village
from dapaicha.xlsx import fill

HERE = Path(__file__).resolve().parent
CSV = HERE.parent / "tests" / "data" / "xuchang-townships-2023.csv"


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


def _soffice_worker(soffice: str, profile: str, chunks: list[list[Path]], out: Path) -> None:
    for chunk in chunks:  # one instance for a few hundred files at most (it stops past that)
        args = [soffice, f"-env:UserInstallation=file://{profile}", "--headless"]
        args += ["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out)]
        subprocess.run([*args, *map(str, chunk)], capture_output=True, timeout=1800, check=False)


def resave(src: Path, n: int) -> Path | None:
    """The returns re-saved by LibreOffice (shared strings, its styles): as they arrive."""
    soffice = shutil.which("soffice")
    out = HERE / "out" / f"resaved-{n}"
    files = sorted(src.glob("*.xlsx"))
    todo = [f for f in files if not (out / f.name).exists()]
    if not todo:
        return out
    if soffice is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    cores = os.cpu_count() or 1
    chunks = [todo[i : i + 100] for i in range(0, len(todo), 100)]
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(cores) as ex:
        jobs = [
            ex.submit(_soffice_worker, soffice, f"{tmp}/p{i}", chunks[i::cores], out)
            for i in range(cores)
        ]
        for j in jobs:
            j.result()
    missing = [f.name for f in files if not (out / f.name).exists()]
    print(f"corpus: {len(todo)} returns re-saved by LibreOffice in {time.perf_counter() - t:.0f} s")
    if missing:
        raise SystemExit(f"LibreOffice did not re-save {len(missing)} files, e.g. {missing[:3]}")
    return out


def peak_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest worker, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, kids / 1024


def _ours(files: list[Path], cl: checklist.Checklist, ros: Roster) -> None:
    for p in files:
        validate.validate_return(p, p.name, cl, ros)


def _pandas(files: list[Path]) -> None:
    import pandas as pd

    for p in files:
        pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None)


def compare(files: list[Path], cl: checklist.Checklist, ros: Roster, rounds: int) -> None:
    """Interleave both methods on the same files; CPU time, best round of each.

    The machine is shared, so wall time swings; the best of several interleaved rounds
    of process CPU time is the fairest single figure for each side.
    """
    import pandas  # noqa: F401  (import cost outside the timing)

    best = {"dapaicha": float("inf"), "pandas": float("inf")}
    runs = {"dapaicha": lambda: _ours(files, cl, ros), "pandas": lambda: _pandas(files)}
    for r in range(rounds):
        for name, fn in runs.items():
            t = time.process_time()
            fn()
            per = (time.process_time() - t) / len(files)
            best[name] = min(best[name], per)
            print(f"  round {r + 1} {name:9s} {per * 1000:7.2f} ms/file (CPU)")
    ours, theirs = best["dapaicha"], best["pandas"]
    print(
        f"one process, best of {rounds}, {len(files)} files: dapaicha validate {ours * 1000:.2f} ms/file; "
        f"pandas.read_excel(openpyxl), reading only, {theirs * 1000:.2f} ms/file; "
        f"speed-up {theirs / ours:.1f}×"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 5
    if "--build" in sys.argv:
        resave(build_corpus(n)[0], n)
        return
    if "--measure" not in sys.argv:
        # build, then measure, each in a fresh process: the measuring process's children
        # (whose peak RSS it prints) are then validate's workers only, not LibreOffice
        for step in ("--build", "--measure"):
            subprocess.run([sys.executable, __file__, str(n), str(rounds), step], check=True)
        return
    filled, ros = build_corpus(n)
    resaved = resave(filled, n)
    cl = checklist.load()
    corpora = [("re-saved by LibreOffice", resaved)] if resaved else []
    corpora.append(("as our filler (openpyxl) writes them", filled))
    folder = corpora[0][1]
    t = time.perf_counter()
    rep, _subs = validate.validate_folder(folder, cl, ros)
    dur = time.perf_counter() - t
    acc = sum(f.accepted for f in rep.files)
    own, kids = peak_mb()
    print(
        f"dapaicha validate, {len(rep.files)} files ({corpora[0][0]}) on {os.cpu_count()} cores: "
        f"{dur:.2f} s wall = {dur / len(rep.files) * 1000:.2f} ms/file; accepted {acc}; "
        f"peak RSS main {own:.0f} MB, largest worker {kids:.0f} MB"
    )
    for label, path in corpora:
        print(f"returns {label}:")
        compare(sorted(path.glob("*.xlsx"))[:100], cl, ros, rounds)


if __name__ == "__main__":
    main()
