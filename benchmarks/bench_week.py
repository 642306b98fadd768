"""`dapaicha week` on N villages (default 2,400): a full week, then the same week again.

Run by hand:  python benchmarks/bench_week.py [N]
The filled returns come from bench_validate's cached corpus (benchmarks/out/returns-N).
The second run finds nothing new: it hashes the period's files, asks the store which it
holds, and stops (no workbook opened, nothing written). Target: under 5 % of the first run.
Printed side by side with the naive alternative measured in the same run: validating the
whole folder again (what `week` did before it skipped known files).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from bench_validate import build_corpus
from openpyxl import Workbook

from dapaicha.app import init, validate, week
from dapaicha.config import checklist
from dapaicha.config import workspace as ws_mod
from dapaicha.config.roster import Roster
from dapaicha.xlsx import excel

AS_OF = dt.date(2022, 3, 30)


def write_roster(ros: Roster, path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("村名册")
    ws.append(["村名册"])
    ws.append(["序号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码",
               "村级责任组组长", "第一书记", "村支部书记"])  # fmt: skip
    for i, v in enumerate(ros.villages, 1):
        ws.append([i, v.county, v.township, v.village, v.code, *v.signers])
    excel.save(wb, path)


def workspace(root: Path, corpus: Path, ros: Roster) -> ws_mod.Workspace:
    init.run(root, ws_mod.settings("市", "许昌市"))
    write_roster(ros, root / "名册.xlsx")
    folder = root / "returns" / "第1期"
    folder.mkdir(parents=True, exist_ok=True)
    for f in sorted(corpus.glob("*.xlsx")):
        os.link(f, folder / f.name)  # same bytes, no copy
    return ws_mod.load(root / ws_mod.FILE)


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2400
    corpus, ros = build_corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        ws = workspace(Path(tmp) / "ws", corpus, ros)
        first, r1 = timed(lambda: week.run(ws, 1, AS_OF))
        again, r2 = timed(lambda: week.run(ws, 1, AS_OF))
        cl = checklist.load(ws.path(ws.settings.checklist))
        naive, _ = timed(lambda: validate.validate_folder(ws.root / "returns" / "第1期", cl, ros))
    assert r1.new == n and r2.nothing_new, (r1.new, r2.new)
    print(f"week, {n} villages, first run (validate, store, copies, rollup, 催报): {first:.1f} s")
    print(f"week again, nothing new (hash, ask the store, stop): {again:.2f} s "
          f"= {100 * again / first:.1f} % of the first run")  # fmt: skip
    print(f"naive alternative, validating the whole folder again: {naive:.1f} s "
          f"= {100 * naive / first:.1f} %")  # fmt: skip


if __name__ == "__main__":
    main()
