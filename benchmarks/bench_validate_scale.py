"""validate at a province's scale (issue 20): the report, the 退回修改 copies, the memory.

Run by hand:  python benchmarks/bench_validate_scale.py [N] [--files F] [--workers W] [--only …]

A roster of N villages (default 46,000; bench_validate.synthetic_roster) and the returns of
the first F of them (default N), stamped from 8 filled variants (xlsx.stamp.Template, as
generate stamps: seconds, not hours), 2 of the 8 with errors, so a quarter of the returns get
a 退回修改 copy. Cached in benchmarks/out/scale-N-F.
Each figure comes from a fresh child process (peak RSS of its main process and of its largest
worker); every pair is measured in the same run, the way before issue 20 beside the way now:

- one return against the N-village roster: the report written as before (openpyxl, a styled
  cell object per cell) beside now (write-only, rows spliced in: xlsx.sheets);
- validate N returns: every row kept in the main process until the end (validate_folder, as
  the command did) beside the command now (rows stay in the workers) — report written by both;
- validate --feedback: the copies made one by one in the main process after the batch
  (feedback.write_all) beside the command now (copies made in the workers).

Figures on the development machine (2 cores shared with other work, load 1.3–6: wall times
are noisy, CPU times and RSS are not), 3 December 2026:

    46,000-village roster, one return     before                     now
      report (CPU)                        10.4–11.2 s                0.54–0.59 s
      whole step (wall; CPU incl. imports) 11.1–17.7 s; 11.9–12.8 s  1.1–2.0 s; 1.9–2.1 s
      validate.command (wall)             —                          1.25–1.49 s (roster 0.5 s)
      peak RSS                            260 MB                     173 MB
    46,000 returns, report written       before                     now
      main process peak RSS               1,015 MB (3,036,000 rows)  324–327 MB (no rows)
      wall; CPU (all processes)           278 s; 233 s               217 s; 220 s
    2,000 returns --feedback (500 copies) before                     now
      wall; CPU                           85–196 s; 61–75 s          73–119 s; 59–75 s
      validate alone, wall; CPU           12.5–13.5 s; 9.5–9.8 s     (the same)
      largest worker                      74 MB                      82 MB

A copy is an openpyxl load and save of the return (about 100–150 ms CPU against about 5 ms to
validate it): with a quarter of the returns sent back, the copies are 5–6× the work of
validating, wherever they are made. In the workers they are spread over the cores instead of
following the batch on one; < 2× validate alone would need a copy made without openpyxl.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_province import templates_of
from bench_validate import synthetic_roster
from openpyxl import Workbook

from dapaicha import layout
from dapaicha.app import generate, validate
from dapaicha.config import checklist
from dapaicha.findings import Report
from dapaicha.read import roster as roster_mod
from dapaicha.xlsx import excel, feedback, fill, ledger, stamp
from dapaicha.xlsx import report as report_xlsx

HERE = Path(__file__).resolve().parent
VARIANTS = 8
WITH_ERRORS = (3, 7)  # variants whose returns are sent back
DAY = dt.date(2022, 3, 31)


# --- the corpus -------------------------------------------------------------------------


def _answers(k: int) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for j, no in enumerate(range(5 + k, 66, 9)):  # 7 problems, some done, some in hand
        done = j % 2 == 0
        out[no] = {"has_problem": "是", "description": f"经核查第{no}项存在问题，涉及{j + 3}户",
                   "measure": "逐户核实并更新信息", "kind": "立行立改",
                   "deadline": dt.date(2022, 4, 10 + j), "owner": "张三",
                   "result": "已整改" if done else "正在整改",
                   "done_date": dt.date(2022, 3, 20) if done else None}  # fmt: skip
    if k in WITH_ERRORS:
        out[2] = {"has_problem": "是"}  # nothing else filled in: six errors
    return out


def _templates(cl: checklist.Checklist, folder: Path) -> list[stamp.Template]:
    tpl = generate.Stamper(cl).template(False)
    tokens = ledger.template_fields(cl).as_dict()
    blank = folder / "template.xlsx"
    blank.write_bytes(tpl.render(tokens))  # the tokens themselves as the values
    signers = {t: f"@@dpc:signer{i}@@" for i, t in enumerate(cl.campaign.village_signers)}
    filled = []
    for k in range(VARIANTS):
        dst = folder / f"filled-{k}.xlsx"
        fill.fill_ledger(blank, dst, _answers(k), default={"has_problem": "否"},
                         report_date=dt.date(2022, 3, 30), signers=signers)  # fmt: skip
        filled.append(dst)
    return templates_of(filled, folder / "resaved", tokens, len(signers))


def build(n: int, files: int) -> tuple[Path, Path, Path]:
    """(roster CSV, folder of the first `files` villages' returns, folder of one), built once."""
    base = HERE / "out" / f"scale-{n}-{files}"
    roster, returns, one = base / "名册.csv", base / "returns", base / "one"
    if (base / "done").exists():
        return roster, returns, one
    shutil.rmtree(base, ignore_errors=True)
    (base / "tpl").mkdir(parents=True)
    cl = checklist.load()
    vs = synthetic_roster(n).villages
    with roster.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["县", "乡镇", "村", "村代码", *cl.campaign.village_signers])
        for v in vs:
            w.writerow([v.county, v.township, v.village, v.code, *v.signers])
    t = time.perf_counter()
    tpls = _templates(cl, base / "tpl")
    for k, v in enumerate(vs[:files]):
        path = returns / v.county / v.township / layout.file_name(v.village)
        path.parent.mkdir(parents=True, exist_ok=True)
        values = {"code": v.code, "county": v.county, "township": v.township,
                  "village": v.village, "generated_at": "2022-03-01T00:00:00",
                  **{f"signer{i}": s for i, s in enumerate(v.signers)}}  # fmt: skip
        path.write_bytes(tpls[k % VARIANTS].render(values))
    one.mkdir()
    shutil.copy(path, one / path.name)
    print(f"corpus: {files:,} returns stamped in {time.perf_counter() - t:.0f} s")
    (base / "done").write_text("ok")
    return roster, returns, one


# --- before issue 20, kept here to be measured beside what replaced it -------------------


def report_before(report: Report, path: Path, title: str) -> None:
    """report_xlsx.write as it was: every sheet a styled openpyxl sheet (table_sheet)."""
    files = report_xlsx.ordered_files(report.files)
    wb = Workbook()
    sheets = [
        ("文件", title, report_xlsx.FILE_COLS,
         [(f.county, f.township, f.village, f.village_code, f.file, f.status, f.errors,
           f.warnings, f.report_date) for f in files]),
        ("问题明细", f"{title}：问题明细", report_xlsx.FINDING_COLS,
         [(f.county, f.township, f.village, x.file, x.severity.value, x.code, x.sheet, x.cell,
           x.item, x.value, x.message, x.code) for f in files for x in f.findings]),
        ("未报", f"{title}：未报送的村", report_xlsx.MISSING_COLS,
         [tuple(m.values()) for m in report.missing]),
        ("跳过", f"{title}：未能校验的文件", report_xlsx.SKIPPED_COLS, sorted(report.skipped)),
    ]  # fmt: skip
    for i, (name, head, cols, rows) in enumerate(sheets):
        ws = excel.first_sheet(wb) if i == 0 else wb.create_sheet(name)
        ws.title = name
        report_xlsx.table_sheet(ws, head, f"共 {len(rows)} 行。", cols, rows)
    excel.save(wb, path)


# --- the steps, each in a child ----------------------------------------------------------


def _step(name: str, n: int, files: int, workers: int | None, out: Path) -> dict[str, Any]:
    roster, returns, one = build(n, files)
    cl = checklist.load()
    title = f"{cl.campaign.title}台账校验报告"
    res: dict[str, Any] = {}
    t = time.perf_counter()
    if name in ("one-before", "one-now"):
        c = time.process_time()
        ros = roster_mod.load(roster, cl.campaign)
        res["roster s"] = time.process_time() - c
        rep, _ = validate.validate_folder(one, cl, ros, workers=1)
        c = time.process_time()
        if name == "one-before":
            report_before(rep, out / "报告.xlsx", title)
        else:
            report_xlsx.write(rep, out / "报告.xlsx", title=title)
        res["report s"] = time.process_time() - c
    elif name == "one-command":
        validate.command(one, roster, report_path=out / "报告.xlsx")
    elif name in ("all-before", "feedback-before"):
        rep, subs = validate.validate_folder(returns, cl, roster_mod.load(roster, cl.campaign),
                                             workers=workers)  # fmt: skip
        res["rows held"] = sum(len(s.rows) for s in subs)
        report_xlsx.write(rep, out / "报告.xlsx", title=title)
        if name == "feedback-before":
            c = time.perf_counter()
            made = feedback.write_all(rep, returns, out / "fb", campaign_title=cl.campaign.title,
                                      deadline="2022年4月3日", issued=DAY)  # fmt: skip
            res["copies"] = sum(p.suffix == ".xlsx" for p in made)
            res["copies s"] = time.perf_counter() - c
    elif name in ("all-now", "feedback-now"):
        fb = out / "fb" if name == "feedback-now" else None
        got = validate.command(returns, roster, report_path=out / "报告.xlsx", feedback_dir=fb,
                               as_of=DAY, workers=workers)  # fmt: skip
        res["copies"] = sum(p.suffix == ".xlsx" for p in got.feedback or [])
    res["wall s"] = time.perf_counter() - t
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    res["CPU s"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime  # whole process
    res.update({"main MB": me.ru_maxrss / 1024, "worker MB": kids.ru_maxrss / 1024})
    return res


STEPS = ("one-before", "one-now", "one-command", "all-before", "all-now", "feedback-before",
         "feedback-now")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=46_000)
    ap.add_argument("--files", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--step", choices=STEPS)
    ap.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    a = ap.parse_args()
    files = a.files or a.n
    if a.step:
        with tempfile.TemporaryDirectory(dir=HERE / "out") as tmp:
            print(json.dumps(_step(a.step, a.n, files, a.workers, Path(tmp))))
        return
    build(a.n, files)
    print(f"roster {a.n:,} villages, {files:,} returns, {os.cpu_count()} cores, "
          f"workers {a.workers or 'default'}")  # fmt: skip
    for step in a.only:
        args = [sys.executable, __file__, str(a.n), "--files", str(files), "--step", step]
        args += ["--workers", str(a.workers)] if a.workers else []
        p = subprocess.run(args, capture_output=True, text=True, check=True)
        res = json.loads(p.stdout.strip().splitlines()[-1])
        shown = "  ".join(f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v:,}"
                          for k, v in res.items())  # fmt: skip
        print(f"{step:16s} {shown}")


if __name__ == "__main__":
    main()
