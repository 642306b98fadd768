"""The store export: every table to one workbook, a sheet per table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dapaicha.xlsx import excel

MAX_SHEET_ROWS = 1_048_575  # Excel's limit, minus the header


def write_tables(
    tables: Iterable[tuple[str, list[str], Iterable[tuple[object, ...]]]],
    out: Path | str,
    escaped: dict[str, int] | None = None,
) -> dict[str, int]:
    """Each (name, columns, rows) to its sheet (split when over Excel's row limit); row counts.

    Text with characters xlsx cannot hold is written escaped (\\xNN); escaped counts
    such cells per table.
    """
    counts: dict[str, int] = {}
    escaped = {} if escaped is None else escaped
    wb = Workbook(write_only=True)
    for table, names, recs in tables:
        n, part, ws = 0, 0, None
        for rec in recs:
            if ws is None or n % MAX_SHEET_ROWS == 0:
                part += 1
                ws = wb.create_sheet(table if part == 1 else f"{table}_{part}")
                ws.freeze_panes = "A2"
                ws.append([excel.put(WriteOnlyCell(ws), c) for c in names])
            ws.append([_cell(ws, x, table, escaped) for x in rec])
            n += 1
        if ws is None:
            ws = wb.create_sheet(table)
            ws.append(names)
        counts[table] = n
    excel.save(wb, Path(out))
    return counts


def _cell(ws: Any, x: object, table: str, escaped: dict[str, int]) -> object:
    if not isinstance(x, str):
        return x
    if excel.needs_escape(x):
        escaped[table] = escaped.get(table, 0) + 1
        x = excel.escape_text(x)
    return excel.put(WriteOnlyCell(ws), x) if _risky(x) else x


def _risky(s: str) -> bool:
    return s[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") or len(s) > 32000
