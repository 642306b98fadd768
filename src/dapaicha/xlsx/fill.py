"""Fill a generated ledger as a village would (for tests, the demo and benchmarks)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from dapaicha import layout
from dapaicha.xlsx.excel import put, save

Answer = dict[str, Any]  # column key → value, for one ledger row


def fill_ledger(
    src: Path,
    dst: Path,
    answers: dict[int, Answer | list[Answer]],
    *,
    report_date: Any = None,
    signers: dict[str, Any] | None = None,
    default: Answer | None = None,
) -> Path:
    """Write answers into a copy of a generated ledger.

    answers maps 序号 → one row's values, or a list of rows (extra problems are inserted
    below the item, with the same 序号). Items not in answers get `default` (e.g. 否).
    signers maps a signer title to the name typed beside it (None leaves it blank).
    """
    wb = load_workbook(src)
    ws = wb[layout.SHEET_LEDGER]
    col = {c.key: i + 1 for i, c in enumerate(layout.COLUMNS)}
    # Locate each item's row by its 序号 (the template order).
    rows: dict[int, int] = {}
    r = layout.ROW_FIRST_ITEM
    while isinstance(no := ws.cell(r, col["no"]).value, int | float):
        rows[int(no)] = r
        r += 1
    last_item_row = r - 1
    # Signature rows, found by their labels (before any insertion shifts them).
    sign_rows: dict[str, int] = {}
    for rr in range(last_item_row + 1, ws.max_row + 1):
        v = ws.cell(rr, 1).value
        if isinstance(v, str):
            for t in signers or {}:
                if t in v:
                    sign_rows[t] = rr
    # Insert extra rows from the bottom up so earlier row numbers stay valid.
    plan = sorted(rows.items(), key=lambda kv: -kv[1])
    if any(isinstance(a, list) and len(a) > 1 for a in answers.values()):
        _unmerge_below(ws, layout.ROW_FIRST_ITEM)
    inserted = 0
    for no, row in plan:
        ans = answers.get(no, default)
        if ans is None:
            continue
        lst = ans if isinstance(ans, list) else [ans]
        if len(lst) > 1:
            ws.insert_rows(row + 1, len(lst) - 1)
            inserted += len(lst) - 1
        for k, a in enumerate(lst):
            rr = row + k
            if k > 0:
                put(ws.cell(rr, col["no"]), no)
            for key, value in a.items():
                c = ws.cell(rr, col[key])
                put(c, value)
                if isinstance(value, dt.date):
                    c.number_format = "yyyy-mm-dd"
    if report_date is not None:
        put(ws[layout.DATE_CELL], report_date)
    name_col = _col_index(layout.SIGN_NAME_SPAN[0])
    for t, name in (signers or {}).items():
        if t in sign_rows:
            put(ws.cell(sign_rows[t] + inserted, name_col), name)
    save(wb, dst)
    return dst


def _col_index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n


def _unmerge_below(ws, row: int) -> None:
    """openpyxl's insert_rows does not move merged blocks: unmerge them (values stay top-left)."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row >= row:
            ws.unmerge_cells(str(rng))
