"""Compare two output folders cell by cell (xlsx), line by line (text), row by row (SQLite).

Timestamps differ between runs and are ignored: cells and lines that parse as a time of
the run, SQLite columns named *_at / received*, and JSON keys named like them.
Usage: python scripts/compare_outputs.py BEFORE AFTER  (exit 1 on any difference)
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

from openpyxl import load_workbook

STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?|\d{4}年\d{1,2}月\d{1,2}日 ?\d{1,2}:\d{2}"
)


def _mask(value: object) -> object:
    if isinstance(value, str):
        return STAMP.sub("<time>", value)
    return value


def _xlsx(a: Path, b: Path) -> list[str]:
    wa, wb = load_workbook(a), load_workbook(b)
    out: list[str] = []
    if wa.sheetnames != wb.sheetnames:
        return [f"sheets {wa.sheetnames} != {wb.sheetnames}"]
    for name in wa.sheetnames:
        sa, sb = wa[name], wb[name]
        if sorted(map(str, sa.merged_cells.ranges)) != sorted(map(str, sb.merged_cells.ranges)):
            out.append(f"{name}: merged ranges differ")
        if sa.max_row != sb.max_row or sa.max_column != sb.max_column:
            out.append(f"{name}: size {sa.max_row}x{sa.max_column} != {sb.max_row}x{sb.max_column}")
        for ra, rb in zip(sa.iter_rows(), sb.iter_rows(), strict=False):
            for ca, cb in zip(ra, rb, strict=False):
                if _mask(ca.value) != _mask(cb.value):
                    out.append(f"{name}!{ca.coordinate}: {ca.value!r} != {cb.value!r}")
        for idx, dim in sa.row_dimensions.items():
            other = sb.row_dimensions[idx].height
            if dim.height != other:
                out.append(f"{name}: row {idx} height {dim.height} != {other}")
        if sa.page_setup.orientation != sb.page_setup.orientation:
            out.append(f"{name}: orientation differs")
    return out


def _text(a: Path, b: Path) -> list[str]:
    la = [_mask(x) for x in a.read_text("utf-8").splitlines()]
    lb = [_mask(x) for x in b.read_text("utf-8").splitlines()]
    return [] if la == lb else [f"text differs: {set(la) ^ set(lb)}"]


def _json(a: Path, b: Path) -> list[str]:
    def clean(x: object) -> object:
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if not re.search(r"(_at|time|when)$", k)}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return _mask(x)

    ja, jb = clean(json.loads(a.read_text("utf-8"))), clean(json.loads(b.read_text("utf-8")))
    return [] if ja == jb else ["json differs"]


def _sqlite(a: Path, b: Path) -> list[str]:
    def dump(p: Path) -> dict[str, list[tuple[object, ...]]]:
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        res = {}
        for t in tables:
            cols = [r[1] for r in con.execute(f"pragma table_info({t})")]
            keep = [c for c in cols if not re.search(r"(_at|received|created|updated)", c)]
            sel = ",".join(keep) or "1"
            res[t] = sorted(map(repr, con.execute(f"select {sel} from {t}")))
        con.close()
        return res

    da, db = dump(a), dump(b)
    return [f"table {t} differs" for t in sorted(set(da) | set(db)) if da.get(t) != db.get(t)]


def compare(before: Path, after: Path) -> list[str]:
    fa = {
        p.relative_to(before)
        for p in before.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }
    fb = {
        p.relative_to(after)
        for p in after.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }
    out = [f"only before: {p}" for p in sorted(fa - fb)] + [
        f"only after: {p}" for p in sorted(fb - fa)
    ]
    for rel in sorted(fa & fb):
        a, b = before / rel, after / rel
        suffix = rel.suffix.lower()
        if suffix in {".xlsx", ".xlsm"}:
            diffs = _xlsx(a, b)
        elif suffix in {".md", ".txt"}:
            diffs = _text(a, b)
        elif suffix == ".json":
            diffs = _json(a, b)
        elif suffix in {".sqlite", ".db"}:
            diffs = _sqlite(a, b)
        else:
            diffs = [] if a.read_bytes() == b.read_bytes() else ["bytes differ"]
        out += [f"{rel}: {d}" for d in diffs[:20]]
    return out


if __name__ == "__main__":
    problems = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    print("\n".join(problems) or "same")
    sys.exit(1 if problems else 0)
