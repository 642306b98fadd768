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

Then (issue 20) the CPU time of one copy of each return in --returns (default: the returns
LibreOffice wrote in /work/prov/sub2k, else tests/data/returns), the old way (openpyxl's
load_workbook, fit_rows row by row, openpyxl's writer) beside write_copy, same files, same run:

    40 returns (LibreOffice)   old 84–110 ms a copy   new 38–48 ms a copy   (2 shared cores)
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.findings import FileResult, make
from dapaicha.read import sniff
from dapaicha.xlsx import excel, feedback
from dapaicha.xlsx.excel import _width, lines_height, wrapped_lines

SUB2K = Path("/work/prov/sub2k")
TEST_RETURNS = Path(__file__).parents[1] / "tests" / "data" / "returns"


def old_anchor(ws: Worksheet, row: int, col: int) -> tuple[int, int]:
    """The lookup before issue 18: every range, for every finding."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def old_fit_rows(ws: Worksheet, rows: range) -> None:
    """excel.fit_rows before issue 20 (ws[r] for each row: every missing cell made)."""
    spans, inner = excel.merged_spans(ws)  # unchanged by issue 20
    widths: dict[int, float] = {}
    for r in rows:
        need = 0.0
        for cell in ws[r] if r <= ws.max_row else ():
            v, c = cell.value, cell.column or 1
            if not isinstance(v, str) or not v or (r, c) in inner or not cell.alignment.wrap_text:
                continue
            width = sum(_width(ws, c + k, widths) for k in range(spans.get((r, c), 1)))
            size = float(cell.font.sz or 11)
            need = max(need, lines_height(wrapped_lines(v, width, size), size))
        have = ws.row_dimensions[r].ht if r in ws.row_dimensions else None
        if need and (have is None or have < need):
            ws.row_dimensions[r].height = need  # fmt: skip


def old_copy(src: Path, fr: FileResult, out: Path) -> None:
    """write_copy before issue 20: openpyxl's reader, the old fit_rows, openpyxl's writer."""
    data = src.read_bytes()
    sn = sniff.sniff(data)
    wb, names = feedback.opened(data, sn, fr, lambda d: load_workbook(io.BytesIO(d)))
    excel.save(feedback.marked(wb, names, data, sn, fr, old_fit_rows), out)


def returns(folder: Path, n: int) -> list[tuple[Path, FileResult]]:
    """Up to n returns that open as .xlsx, each with findings on a few of its cells."""
    found = []
    for p in sorted(folder.rglob("*.xlsx")):
        if len(found) < n and sniff.sniff(p.read_bytes()).kind == "xlsx":
            fs = [
                make("owner-missing", p.name, sheet="整改台账", cell=c, item=3)
                for c in ("G12", "J20")
            ]
            found.append((p, FileResult(file=p.name, findings=fs)))  # fmt: skip
    return found


def cpu_ms(fn, items, out: Path, runs: int = 3) -> float:
    """Best of runs: CPU milliseconds a copy."""
    times = []
    for _ in range(runs):
        t = time.process_time()
        for i, (p, fr) in enumerate(items):
            fn(p, fr, out / f"{i}.xlsx")
        times.append((time.process_time() - t) / len(items) * 1000)
    return min(times)


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
    ap.add_argument("--returns", type=Path, default=SUB2K if SUB2K.is_dir() else TEST_RETURNS)
    ap.add_argument("--copies", type=int, default=40)
    args = ap.parse_args()
    sizes = args.sizes
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
    items = returns(args.returns, args.copies)
    with tempfile.TemporaryDirectory() as tmp:
        before = cpu_ms(old_copy, items, Path(tmp))
        after = cpu_ms(feedback.write_copy, items, Path(tmp))
    print(f"{len(items)} returns from {args.returns}: a copy the old way {before:.1f} ms CPU, "
          f"write_copy {after:.1f} ms CPU ({before / after:.1f}×)")  # fmt: skip


if __name__ == "__main__":
    main()
