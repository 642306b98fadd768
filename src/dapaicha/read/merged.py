"""Reading a merged ledger back (xlsx/merged.py writes it): its sheets as raw values.

Only reading: check/merged.py judges the values with the row rules of check/rules.py and
turns them into Submissions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from dapaicha import layout
from dapaicha.model import Cells
from dapaicha.read import book, sniff
from dapaicha.read.reader import TableRow

HEADER_SCAN_ROWS = 10
MIN_HEADERS = 5  # a header row names at least this many of the merged sheet's columns


@dataclass
class VillageLine:
    """One row of layout.SHEET_MERGED_VILLAGES."""

    values: dict[str, Any]  # keys of layout.MERGED_VILLAGE_COLUMNS → raw value
    cells: dict[str, str]  # the same keys → A1 address
    cell: str  # the village's name cell (column A when there is no 村 column)


@dataclass
class MergedLedger:
    meta: dict[str, str]
    villages: list[VillageLine] = field(default_factory=list)
    columns: dict[str, int] | None = None  # key → 0-based column; None: no header row found
    rows: list[TableRow] = field(default_factory=list)  # non-blank rows under the header
    missing: list[str] = field(default_factory=list)  # its sheets not found (renamed, deleted)


def text(v: Any) -> str:
    """A cell as stripped text (whole floats without '.0')."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def read_bytes(data: bytes) -> MergedLedger:
    """The three sheets of a merged ledger; book.Unreadable if they cannot be read."""
    # its rows may pass a village ledger's bounds: guarded by cells, not rows
    data = book.guard(data, max_rows=sniff.MAX_ROWS)
    with book.opened(data) as wb:
        names = set(wb.sheet_names)
        missing = [s for s in (layout.SHEET_MERGED_META, layout.SHEET_MERGED) if s not in names]
        meta = {
            text(r[0]): text(r[1])
            for r in _rows(wb, layout.SHEET_MERGED_META, names)
            if len(r) >= 2 and text(r[0])
        }
        grid = _rows(wb, layout.SHEET_MERGED, names)
        vgrid = _rows(wb, layout.SHEET_MERGED_VILLAGES, names)
    out = MergedLedger(meta, _villages(vgrid), missing=missing)
    _read_rows(grid, out)
    return out


def _rows(wb: Any, name: str, names: set[str]) -> list[list[Any]]:
    """A sheet's rows; none when the workbook has no such sheet."""
    return book.sheet_rows(wb, name) if name in names else []


SUM_CELL_CHARS = 32000  # characters of cell digests in one meta cell (Excel holds 32767)
SUM_KEYS = ("meta_sha256", "rows_sha256", "villages_sha256")
COUNTY_ITEMS = "county_items"  # meta: 序号 of a county's own items, "67,68"


def _h(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "backslashreplace")).hexdigest()


class _Digits(dict[str, str]):
    """A cell text → the first hex character of its _h, each text worked out once."""

    def __missing__(self, t: str) -> str:
        d = self[t] = _h([t])[0]
        return d


def cell_sums(m: MergedLedger) -> str:
    """One hex character per cell of the merged sheet (rows × columns in column order):
    where a ledger was edited, found to the cell (a change slips by 1 time in 16; the
    whole-sheet rows_sha256 still catches it)."""
    keys = sorted(m.columns or {}, key=lambda k: (m.columns or {})[k])
    return cell_sums_of([text(tr.values.get(k)) for k in keys] for tr in m.rows)


def cell_sums_of(rows: Iterable[Sequence[str]]) -> str:
    """cell_sums of rows given as the texts of their cells (text() of each value)."""
    return "".join(map(_Digits().__getitem__, chain.from_iterable(rows)))


def sums(m: MergedLedger) -> dict[str, str]:
    """The checksums merge writes into the meta sheet, computed from the cells as read:
    the meta values, the problem rows (whole, and per cell: cell_sums.N), the village lines."""
    keys = sorted(m.columns or {}, key=lambda k: (m.columns or {})[k])
    rows = [[text(tr.values.get(k)) for k in keys] for tr in m.rows]
    lines = [[(k, text(v)) for k, v in sorted(line.values.items())] for line in m.villages]
    return sums_of(m.meta, keys, rows, lines)


def sums_of(
    meta: dict[str, str],
    keys: Sequence[str],
    rows: Sequence[Sequence[str]],
    lines: Iterable[Sequence[tuple[str, str]]],
) -> dict[str, str]:
    """sums() from texts: the meta values, the problem rows' cell texts in column order
    (keys), each village line's (key, text) pairs sorted by key. The writer computes the
    checksums with it from the values it writes, as they will read back."""
    meta_lines = [f"{k}={v}" for k, v in sorted(meta.items()) if not is_sum_key(k)]
    out = {
        "meta_sha256": _h(meta_lines),
        "rows_sha256": _h([",".join(keys), *(_h(list(r)) for r in rows)]),
        "villages_sha256": _h([f"{k}={t}" for line in lines for k, t in line]),
    }
    cells = cell_sums_of(rows)
    for i in range(0, len(cells), SUM_CELL_CHARS):
        out[f"cell_sums.{i // SUM_CELL_CHARS + 1}"] = cells[i : i + SUM_CELL_CHARS]
    return out


def is_sum_key(key: str) -> bool:
    return key in SUM_KEYS or key.startswith("cell_sums.")


def _villages(vgrid: list[list[Any]]) -> list[VillageLine]:
    if not vgrid:
        return []
    keys = {h: k for k, h in layout.MERGED_VILLAGE_COLUMNS}
    vcol = {keys[text(h)]: i for i, h in enumerate(vgrid[0]) if text(h) in keys}
    out = []
    for r0, row in enumerate(vgrid[1:], start=1):
        values = {k: (row[i] if i < len(row) else None) for k, i in vcol.items()}
        if not any(text(values.get(k)) for k in ("code", "village")):
            continue
        cells = {k: layout.address(r0, i) for k, i in vcol.items()}
        out.append(VillageLine(values, cells, layout.address(r0, vcol.get("village", 0))))
    return out


def _read_rows(grid: list[list[Any]], out: MergedLedger) -> None:
    headers = {h: k for k, h, _ in layout.merged_columns()}
    hr = next(
        (
            i
            for i, row in enumerate(grid[:HEADER_SCAN_ROWS])
            if sum(text(x) in headers for x in row) >= MIN_HEADERS
        ),
        None,
    )
    if hr is None:
        return
    cols = {headers[text(h)]: i for i, h in enumerate(grid[hr]) if text(h) in headers}
    out.columns = cols
    letters = {k: layout.column_letter(i) for k, i in cols.items()}
    for r0 in range(hr + 1, len(grid)):
        row = grid[r0]
        if not any(text(x) for x in row):
            continue
        values = {k: (row[i] if i < len(row) else None) for k, i in cols.items()}
        out.rows.append(TableRow(r0 + 1, values.get("no"), values, Cells(letters, r0 + 1)))
