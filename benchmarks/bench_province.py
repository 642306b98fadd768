"""A province's week: validate, validate --feedback, merge and rollup of N villages (issue 20).

Run by hand:  python benchmarks/bench_province.py [N] [--out DIR] [--sample 100] [--check 300]

N (default 46,000) villages on the real townships of 许昌市 (tests/data/xuchang-townships-2023.csv),
repeated as further cities (41xx codes) until about 20 villages a township: 46,000 villages
are 22 copies, 132 counties, 2,310 townships. Each village's return is one of 8 filled
ledgers (7 problems each, re-saved by LibreOffice when installed, as returns arrive),
stamped with the village's code, names and signers by xlsx.stamp.Template (the generator's
own zip-part stamping): 46,000 returns in about a minute. The corpus is cached in
benchmarks/out/province-N.

Each step runs the real CLI in a child process; printed: wall time and peak RSS of the
command's main process and of its largest worker. Steps: validate (report), validate again
(each file's result remembered by the first: app/memo), validate --feedback, merge of every
return into an empty store with nothing remembered (DAPAICHA_CACHE=off) and after validate
(every county's merged ledger), merge
of one county's new returns into that full store (that county's ledger), merge --all-ledgers
with nothing new (every county's ledger and the whole store's: when merge has the flag),
rollup.
First, one return validated against the whole roster: the CLI's wall time beside Python
starting with the CLI imported, and its parts in one process (--only-one: nothing else).
Then, one process, the same sample of returns: our validate_return, pandas.read_excel
(openpyxl) and a bare unzip of every part (CPU time per file, best of 3).
Last, the check: the first --check returns validated, merged and rolled up with --workers 1
(one process, everything in memory) and with the default workers: report, store and
summaries must be the same (scripts/compare_outputs.py; exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dapaicha import layout
from dapaicha.app import gcmode, generate, memo, validate
from dapaicha.config import checklist
from dapaicha.read import roster as roster_mod
from dapaicha.xlsx import fill, ledger, report, stamp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CSV = ROOT / "tests" / "data" / "xuchang-townships-2023.csv"
VARIANTS = 8
NAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武"
SUFFIX = ("庄", "营", "寨", "楼", "岗", "桥", "店", "湾", "集", "屯")
# Run a CLI command in this child and report its peak RSS (own, largest reaped worker).
WRAP = """
import atexit, json, os, resource, sys
def _rss():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["BENCH_RSS"], "w") as fh:
        json.dump([me.ru_maxrss / 1024, kids.ru_maxrss / 1024, me.ru_utime + me.ru_stime,
                   kids.ru_utime + kids.ru_stime], fh)
atexit.register(_rss)
sys.argv = ["dapaicha", *sys.argv[1:]]
from dapaicha.cli import main
main()
"""


# --- the province ---------------------------------------------------------------------


def townships(n: int) -> list[tuple[str, str, str]]:
    """(township code, township, county): the real townships, as many copies as needed."""
    with CSV.open(encoding="utf-8-sig", newline="") as fh:
        real = [r for r in csv.DictReader(fh) if int(r["township_code"][6:]) < 400]
    copies = max(1, round(n / (len(real) * 20)))
    out = []
    for j in range(copies):
        for r in real:
            county = r["county"] if j == 0 else f"{r['county'][:-1]}{j + 1}{r['county'][-1]}"
            code = r["township_code"] if j == 0 else f"41{10 + j:02d}{r['township_code'][4:]}"
            out.append((code, r["township"], county))
    return out


def villages(n: int) -> list[dict[str, str]]:
    towns = townships(n)
    out = []
    for k in range(n):
        code, town, county = towns[k % len(towns)]
        i = k // len(towns)
        name = NAMES[(k * 7) % len(NAMES)] + SUFFIX[i % len(SUFFIX)] + f"{i}村"
        out.append({"code": f"{code}{200 + i:03d}", "county": county, "township": town,
                    "village": name, "signer0": f"组长{k}", "signer1": f"书记{k}",
                    "signer2": f"支书{k}"})  # fmt: skip
    return out


def write_roster(vs: list[dict[str, str]], path: Path, cl: checklist.Checklist) -> None:
    signers = list(cl.campaign.village_signers)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["县", "乡镇", "村", "村代码", *signers])
        for v in vs:
            w.writerow([v["county"], v["township"], v["village"], v["code"],
                        *(v[f"signer{i}"] for i in range(len(signers)))])  # fmt: skip


def answers(seed: int) -> dict[int, fill.Answer]:
    """7 problems of 66, some done, some still in hand (as bench_validate fills them)."""
    rnd = random.Random(seed)
    out: dict[int, fill.Answer] = {}
    for no in sorted(rnd.sample(range(1, 67), 7)):
        done = rnd.random() < 0.5
        out[no] = {"has_problem": "是", "description": f"经核查第{no}项存在问题，涉及{rnd.randint(1, 30)}户",
                   "measure": "逐户核实并更新信息", "kind": rnd.choice(["立行立改", "纳入整改方案"]),
                   "deadline": dt.date(2022, 4, rnd.randint(10, 30)), "owner": "张三",
                   "result": "已整改" if done else "正在整改",
                   "done_date": dt.date(2022, 3, 20) if done else None}  # fmt: skip
    if seed % 100 == VARIANTS - 1:  # one return in 8 is sent back: a problem without 整改措施
        out[min(out)]["measure"] = None
    return out


def variants(cl: checklist.Checklist, folder: Path, seed: int) -> list[stamp.Template]:
    """VARIANTS filled returns with tokens for the village's fields, as Templates."""
    folder.mkdir(parents=True, exist_ok=True)
    tpl_path = folder / "template.xlsx"
    tpl = generate.Stamper(cl).template(False)
    tokens = ledger.template_fields(cl).as_dict()
    tpl_path.write_bytes(tpl.render(tokens))  # the tokens themselves as the values
    signers = {t: f"@@dpc:signer{i}@@" for i, t in enumerate(cl.campaign.village_signers)}
    filled = []
    for k in range(VARIANTS):
        dst = folder / f"filled-{seed}-{k}.xlsx"
        fill.fill_ledger(tpl_path, dst, answers(seed * 100 + k), default={"has_problem": "否"},
                         report_date=dt.date(2022, 3, 30), signers=signers)  # fmt: skip
        filled.append(dst)
    return templates_of(filled, folder / f"resaved-{seed}", tokens, len(signers))


def templates_of(
    filled: list[Path], out: Path, tokens: dict[str, str], signers: int
) -> list[stamp.Template]:
    """Filled ledgers holding the tokens, re-saved by LibreOffice when installed (as returns
    arrive: shared strings, its styles) into out, as stamp templates (signers too)."""
    soffice = shutil.which("soffice")
    if soffice:
        with tempfile.TemporaryDirectory() as prof:
            subprocess.run([soffice, f"-env:UserInstallation=file://{prof}", "--headless",
                            "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                            *map(str, filled)], capture_output=True, timeout=600, check=True)  # fmt: skip
        filled = [out / p.name for p in filled]
    tokens = {f: t for f, t in tokens.items() if f != "liaison"}
    tokens.update({f"signer{i}": f"@@dpc:signer{i}@@" for i in range(signers)})
    return [stamp.Template(p.read_bytes(), tokens) for p in filled]


_JOB: list[stamp.Template] = []


def _write(args: tuple[Path, list[dict[str, str]], int]) -> int:
    out, vs, start = args
    for k, v in enumerate(vs, start):
        path = out / v["county"] / v["township"] / layout.file_name(v["village"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_JOB[k % len(_JOB)].render({**v, "generated_at": "2022-03-01T00:00:00"}))
    return len(vs)


def stamp_returns(tpls: list[stamp.Template], vs: list[dict[str, str]], out: Path) -> None:
    _JOB[:] = tpls  # inherited by the forked workers
    chunks = [(out, vs[i : i + 500], i) for i in range(0, len(vs), 500)]
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(_write, chunks))


def build(n: int, base: Path) -> dict[str, Path]:
    cl = checklist.load()
    paths = {"roster": base / "名册.csv", "returns": base / "returns", "county": base / "county2"}
    if (base / "done").exists():
        return paths
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    vs = villages(n)
    write_roster(vs, paths["roster"], cl)
    t = time.perf_counter()
    stamp_returns(variants(cl, base / "tpl", 1), vs, paths["returns"])
    first = vs[0]["county"]  # the county merged again, into the full store: new returns
    stamp_returns(variants(cl, base / "tpl", 2), [v for v in vs if v["county"] == first],
                  paths["county"])  # fmt: skip
    print(f"corpus: {n:,} returns (+ one county again) stamped in {time.perf_counter() - t:.1f} s")
    (base / "done").write_text("ok")
    return paths


# --- the steps ------------------------------------------------------------------------


def run_step(label: str, args: list[object], log: Path) -> tuple[float, float, float]:
    """One CLI command in a child: (wall s, main MB, largest worker MB). Also printed: the
    CPU time of the main process and of its workers (the machine may be shared: CPU time
    is the steadier figure) and the load average at the end."""
    rss = log.with_suffix(".rss.json")
    env = {**os.environ, "BENCH_RSS": str(rss), "COLUMNS": "200"}
    t = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh:
        p = subprocess.run([sys.executable, "-c", WRAP, *map(str, args)], stdout=fh,
                           stderr=subprocess.STDOUT, env=env, check=False, cwd=log.parent)  # fmt: skip
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise SystemExit(f"{label}: exit {p.returncode}, see {log}")
    own, kids, cpu, kcpu = json.loads(rss.read_text())
    load = os.getloadavg()[0]
    print(f"{label:<44} {wall:7.1f} s wall  CPU {cpu:6.1f} + {kcpu:6.1f} s  "
          f"RSS main {own:5.0f} MB, worker {kids:5.0f} MB  (load {load:.1f})", flush=True)  # fmt: skip
    return wall, own, kids


def merge_flags() -> list[str]:
    """--all-ledgers when this version of merge has it (the whole-store ledger too)."""
    p = subprocess.run([sys.executable, "-m", "dapaicha.cli", "merge", "--help"],
                       capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    return ["--all-ledgers"] if "--all-ledgers" in p.stdout else []


def steps(paths: dict[str, Path], work: Path, n: int, skip: list[str]) -> dict[str, float]:
    ros, ret = paths["roster"], paths["returns"]
    s = work / "s.sqlite"
    got = {}
    got["validate"] = run_step(f"validate {n:,}", ["validate", ret, "-r", ros, "--report",
                               work / "校验报告.xlsx"], work / "validate.log")[0]  # fmt: skip
    run_step(f"validate {n:,} again (nothing new)", ["validate", ret, "-r", ros, "--report",
             work / "校验报告-again.xlsx"], work / "validate-again.log")  # fmt: skip
    if "feedback" not in skip:  # nothing remembered: the copies' cost beside validate's
        os.environ["DAPAICHA_CACHE"] = "off"
        got["feedback"] = run_step(f"validate --feedback {n:,}", ["validate", ret, "-r", ros,
                                   "--report", work / "校验报告2.xlsx", "--feedback",
                                   work / "退回修改"], work / "feedback.log")[0]  # fmt: skip
        os.environ["DAPAICHA_CACHE"] = str(work / "memo.sqlite")
    if "cold" not in skip:  # the same merge, validate's results not remembered
        os.environ["DAPAICHA_CACHE"] = "off"
        run_step(f"merge {n:,}, nothing remembered", ["merge", ret, "-r", ros, "-s",
                 work / "cold.sqlite", "-p", 1], work / "merge-cold.log")  # fmt: skip
        os.environ["DAPAICHA_CACHE"] = str(work / "memo.sqlite")
    got["merge"] = run_step(f"merge {n:,} into an empty store", ["merge", ret, "-r", ros,
                            "-s", s, "-p", 1], work / "merge.log")[0]  # fmt: skip
    files = len(validate.list_files(paths["county"])[0])
    got["county"] = run_step(f"merge one county ({files:,}) into the store", ["merge",
                             paths["county"], "-r", ros, "-s", s, "-p", 1],
                             work / "merge-county.log")[0]  # fmt: skip
    if "all" not in skip and (
        flags := merge_flags()
    ):  # nothing new: every county's ledger and the whole store's
        got["all"] = run_step("merge --all-ledgers (nothing new)", ["merge", paths["county"],
                              "-r", ros, "-s", s, "-p", 1, "-o", work / "全省问题整改台账.xlsx",
                              *flags], work / "merge-all.log")[0]  # fmt: skip
    got["rollup"] = run_step(f"rollup {n:,}", ["rollup", "-s", s, "-r", ros, "-o", work / "汇总",
                             "-p", 1], work / "rollup.log")[0]  # fmt: skip
    return got


# --- one file against the whole roster -------------------------------------------------


def _child(cmd: list[object]) -> tuple[float, float]:
    """(wall s, CPU s) of one child process."""
    r0, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(list(map(str, cmd)), stdout=subprocess.DEVNULL, check=False)
    wall, r1 = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def one_file(paths: dict[str, Path], work: Path, n: int, runs: int = 5) -> None:
    """One return validated against the whole roster (issue 20: under 1 s on 2 cores), best
    of `runs` (the first reads the roster, the others find it kept): the CLI beside its
    floor (Python starting with the CLI imported), then its parts in one process (the
    roster parsed or rebuilt, validating, writing 校验报告 with every village 未报)."""
    one = work / "one"
    one.mkdir()
    first = validate.list_files(paths["returns"])[0][0]
    shutil.copyfile(first, one / first.name)
    cli = [sys.executable, "-m", "dapaicha.cli"]
    cmds = {
        "python -c 'import dapaicha.cli'": [sys.executable, "-c", "import dapaicha.cli"],
        f"validate 1 file, roster of {n:,} (--report)": [*cli, "validate", one, "-r",
                                                         paths["roster"], "--report",
                                                         work / "one.xlsx"],
    }  # fmt: skip
    for label, cmd in cmds.items():
        got = [_child(cmd) for _ in range(runs)]
        print(f"{label:<44} {min(w for w, _ in got):7.2f} s wall  CPU {min(c for _, c in got):5.2f} s "
              f"(best of {runs}, load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    cl = checklist.load()
    parts = {
        "read the roster (parsed)": lambda: roster_mod.load(paths["roster"], cl.campaign),
        "read the roster (kept: app/memo)": lambda: memo.load_roster(paths["roster"], cl.campaign),
        "validate the file": lambda: validate.run_folder(one, cl, ros, rows=False),
        "write 校验报告": lambda: report.write(rep, work / "one-again.xlsx"),
    }  # fmt: skip
    ros = roster_mod.load(paths["roster"], cl.campaign)
    rep = validate.run_folder(one, cl, ros, rows=False)[0]
    for label, fn in parts.items():
        best = float("inf")
        for _ in range(runs):
            with gcmode.paused():  # as validate.command reads and writes
                t = time.process_time()
                fn()
                best = min(best, time.process_time() - t)
        print(f"  {label:<42} {best:7.2f} s CPU (best of {runs}, no cycle collection)")


# --- per file, side by side -----------------------------------------------------------


def _unzip(p: Path) -> None:
    with zipfile.ZipFile(p) as zf:
        for name in zf.namelist():
            zf.read(name)


def per_file(paths: dict[str, Path], sample: int) -> None:
    import pandas as pd

    cl = checklist.load()
    ros = roster_mod.load(paths["roster"], cl.campaign)
    files = validate.list_files(paths["returns"])[0][:sample]
    ways = {
        "dapaicha validate_return": lambda p: validate.validate_return(p, p.name, cl, ros),
        "pandas.read_excel(openpyxl)": lambda p: pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None),
        "bare unzip of every part": _unzip,
    }  # fmt: skip
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(3):
        for name, fn in ways.items():
            t = time.process_time()
            for p in files:
                fn(p)
            best[name] = min(best[name], (time.process_time() - t) / len(files))
    ours = best["dapaicha validate_return"]
    for name, x in best.items():
        print(f"  {name:<30} {x * 1000:7.2f} ms/file (CPU, best of 3, {len(files)} files)")
    print(f"  pandas / validate = {best['pandas.read_excel(openpyxl)'] / ours:.1f}×; "
          f"validate / unzip = {ours / best['bare unzip of every part']:.1f}×")  # fmt: skip


# --- the check: streamed (workers) against one process --------------------------------


def check(paths: dict[str, Path], work: Path, k: int) -> bool:
    sys.path.insert(0, str(ROOT / "scripts"))
    import compare_outputs

    sub = work / "subset"
    for p in validate.list_files(paths["returns"])[0][:k]:
        dst = sub / p.relative_to(paths["returns"])
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    outs = []
    for name, w in (("one-process", ["--workers", "1"]), ("workers", [])):
        o = work / name
        o.mkdir()
        ros = paths["roster"]
        run_step(f"check: validate {k} ({name})", ["validate", sub, "-r", ros, "--report",
                 o / "校验报告.xlsx", "--feedback", o / "退回修改", *w], work / f"{name}-v.log")  # fmt: skip
        run_step(f"check: merge {k} ({name})", ["merge", sub, "-r", ros, "-s", o / "s.sqlite",
                 "-p", 1, "-o", o / "台账.xlsx", *w, *merge_flags()], work / f"{name}-m.log")  # fmt: skip
        run_step(f"check: rollup ({name})", ["rollup", "-s", o / "s.sqlite", "-r", ros, "-o",
                 o / "汇总", "-p", 1], work / f"{name}-r.log")  # fmt: skip
        outs.append(o)
    diffs = compare_outputs.compare(*outs)
    print(f"check on {k} returns: " + ("same report, store and summaries" if not diffs else
          f"{len(diffs)} differences, e.g. {diffs[:5]}"))  # fmt: skip
    return not diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("villages", type=int, nargs="?", default=46_000)
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    ap.add_argument("--sample", type=int, default=100, help="files timed side by side")
    ap.add_argument(
        "--check", type=int, default=300, help="returns in the streamed/in-memory check"
    )
    ap.add_argument("--skip", nargs="*", default=[], choices=["feedback", "all", "cold"],
                    help="steps left out: validate --feedback, merge --all-ledgers, merge "
                         "with nothing remembered")  # fmt: skip
    ap.add_argument("--only-one", action="store_true",
                    help="only one file validated against the whole roster")  # fmt: skip
    a = ap.parse_args()
    n = a.villages
    paths = build(n, HERE / "out" / f"province-{n}")
    work = (a.out or Path(tempfile.mkdtemp(prefix="bench-province-"))).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"{n:,} villages, {os.cpu_count()} cores, work folder {work}")
    # validate's results remembered for merge (app/memo) in this run's folder: a cold start
    os.environ["DAPAICHA_CACHE"] = str(work / "memo.sqlite")
    one_file(paths, work, n)
    if a.only_one:
        return 0
    got = steps(paths, work, n, a.skip)
    total = got["validate"] + got["merge"] + got["rollup"]
    print(f"validate + merge + rollup: {total:.1f} s")
    per_file(paths, a.sample)
    ok = check(paths, work, min(a.check, n))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"this script's own peak RSS {peak:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
