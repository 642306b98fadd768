"""Benchmark: placing 退回修改 marks on a sheet with many merged ranges (issue 18, case 7).

Run by hand:  .venv/bin/python benchmarks/bench_feedback.py [--sizes 1000 2000 4000]

For each size N: a sheet with N merged ranges (A{r}:B{r}) and N findings on their right-hand
cells. Prints, on the same machine, the old lookup (each finding scanned every range:
findings × ranges) beside the new one (xlsx.feedback.anchors: findings + ranges), and the
whole write_copy of such a return. Target: the new figure grows linearly with N.

Figures on the development machine (2 shared cores, seconds; noisy):

    N      write_copy before issue 18   after   (old lookup alone / new lookup)
    1000   0.77                         0.83    0.04 / 0.001
    2000   1.89                         1.27    0.21 / 0.002
    4000   7.03                         2.71    0.79 / 0.007

Before, a sheet over 3000 rows (rebuilt from its values) also paid ranges × ranges in
openpyxl's ws.merge_cells; both costs are gone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.findings import FileResult, make
from dapaicha.xlsx import excel, feedback


def old_anchor(ws: Worksheet, row: int, col: int) -> tuple[int, int]:
    """The lookup before issue 18: every range, for every finding."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def build(n: int) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    for r in range(1, n + 1):
        ws.cell(row=r, column=1, value=f"第{r}行")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    return wb


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    sizes = ap.parse_args().sizes
    print(f"{'N':>6} {'old lookup s':>13} {'new lookup s':>13} {'write_copy s':>13}")
    for n in sizes:
        wb = build(n)
        ws = wb["台账"]
        cells = [(r, 2) for r in range(1, n + 1)]
        old = best(lambda ws=ws, cells=cells: [old_anchor(ws, r, c) for r, c in cells], 1)
        new = best(lambda ws=ws, cells=cells: feedback.anchors(ws, cells))
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "in.xlsx"
            excel.save(wb, src)
            fr = FileResult(
                file="in.xlsx",
                findings=[make("has-problem-blank", "in.xlsx", sheet="台账", cell=f"B{r}", item=r)
                          for r in range(1, n + 1)],
            )  # fmt: skip
            whole = best(
                lambda src=src, fr=fr, tmp=tmp: feedback.write_copy(
                    src, fr, Path(tmp) / "out.xlsx"
                ),
                1,
            )
        print(f"{n:>6} {old:>13.3f} {new:>13.4f} {whole:>13.2f}")


if __name__ == "__main__":
    main()
