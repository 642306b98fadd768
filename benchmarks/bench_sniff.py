"""Benchmark: sniff() on returned files, and its used-range check on each sheet part.

Run by hand:  .venv/bin/python benchmarks/bench_sniff.py [--returns DIR] [-n 60]

sniff() runs on every returned file before calamine reads it. Prints the CPU microseconds of
one sniff() per file and of one _out_of_bounds() per sheet part (the used-range check; the
usual part is decided by read.inbounds' scans, the rest walked tag by tag).

Figures on the development machine (2 shared cores, µs, best of 5; noisy), returns of
benchmarks/out/province-46000/returns (LibreOffice), before and after read.inbounds, same run:

    sniff(), the first 60 returns, a file                old 766–773   new 674–686
    sniff(), 谭岗4村 (39 kB ledger sheet)                 old 724–736   new 647–662
    _out_of_bounds, its ledger sheet                     old 233–236   new 169–170
"""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from dapaicha.read import sniff

PROVINCE = Path(__file__).parent / "out" / "province-46000" / "returns"
TEST_RETURNS = Path(__file__).parents[1] / "tests" / "data" / "returns"


def best_us(fn: Callable[[bytes], object], items: list[bytes], runs: int = 5) -> float:
    """Best of runs: CPU microseconds an item."""
    best = float("inf")
    for _ in range(runs):
        t = time.process_time()
        for item in items:
            fn(item)
        best = min(best, time.process_time() - t)
    return best / max(len(items), 1) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--returns", type=Path, default=PROVINCE if PROVINCE.is_dir() else None)
    ap.add_argument("-n", type=int, default=60)
    args = ap.parse_args()
    folder = args.returns or TEST_RETURNS
    files = [p.read_bytes() for p in sorted(folder.rglob("*.xlsx"))]
    files = [d for d in files if sniff.sniff(d).kind == "xlsx"][: args.n]
    sheets = []
    for data in files:
        zf = zipfile.ZipFile(io.BytesIO(data))
        sheets += [b for n in zf.namelist() if b"sheetData" in (b := zf.read(n))]
    print(f"{len(files)} returns from {folder}, {len(sheets)} sheet parts")
    print(f"sniff() a file            {best_us(sniff.sniff, files):8.0f} µs")
    print(f"_out_of_bounds a sheet    {best_us(sniff._out_of_bounds, sheets):8.0f} µs")


if __name__ == "__main__":
    main()
