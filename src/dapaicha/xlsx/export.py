"""The store export: every table to one workbook, a sheet per table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dapaicha.xlsx import excel

MAX_SHEET_ROWS = 1_048_575  # Excel's limit, minus the header


def write_tables(
    tables: Iterable[tuple[str, list[str], Iterable[tuple[object, ...]]]], out: Path | str
) -> dict[str, int]:
    """Each (name, columns, rows) to its sheet (split when over Excel's row limit); row counts."""
    counts: dict[str, int] = {}
    wb = Workbook(write_only=True)
    for table, names, recs in tables:
        n, part, ws = 0, 0, None
        for rec in recs:
            if ws is None or n % MAX_SHEET_ROWS == 0:
                part += 1
                ws = wb.create_sheet(table if part == 1 else f"{table}_{part}")
                ws.freeze_panes = "A2"
                ws.append([excel.put(WriteOnlyCell(ws), c) for c in names])
            ws.append(
                [
                    excel.put(WriteOnlyCell(ws), x) if isinstance(x, str) and _risky(x) else x
                    for x in rec
                ]
            )
            n += 1
        if ws is None:
            ws = wb.create_sheet(table)
            ws.append(names)
        counts[table] = n
    excel.save(wb, Path(out))
    return counts


def _risky(s: str) -> bool:
    return s[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") or len(s) > 32000
