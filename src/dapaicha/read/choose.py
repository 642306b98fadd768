"""Which sheet of a workbook is the ledger: the best header, other ledger sheets, and why
none is (not a ledger, or a ledger whose 序号 column was deleted)."""

from __future__ import annotations

from typing import Any

import python_calamine as pc

from dapaicha import layout
from dapaicha.findings import C, Finding, make
from dapaicha.layout import address
from dapaicha.read import book
from dapaicha.read.header import find_header, lacks_no
from dapaicha.read.sheets import grid_of

# (sheet, grid, merged blocks, header row, columns, renamed columns)
_Best = tuple[
    pc.SheetMetadata,
    list[list[Any]],
    book.Ranges,
    int,
    dict[str, int],
    list[tuple[int, str, str]],
]


def best_sheet(
    wb: pc.CalamineWorkbook, order: list[pc.SheetMetadata], parsed: bytes
) -> _Best | None:
    """(meta, grid, merged, header row, columns, renamed) of the ledger's own sheet, else of
    the sheet whose header names the most columns (a notes sheet with 序号 and 备注 put
    first must not win over the renamed ledger); None when no sheet has a header. The own
    sheet left blank gives way to a copy of it that holds the answers (a copy filled in)."""
    best: _Best | None = None
    for m in order:
        if m.name == layout.SHEET_GUIDE:
            continue
        grid, merged = grid_of(wb, m.name, parsed)
        r0, cols, renamed = find_header(grid)
        if r0 < 0:
            continue
        if best is not None and best[0].name == layout.SHEET_LEDGER:  # the own one is blank
            if len(cols) >= len(best[4]) and _answered(grid, r0, cols):
                return (m, grid, merged, r0, cols, renamed)
            continue
        if best is None or len(cols) > len(best[4]):
            best = (m, grid, merged, r0, cols, renamed)
        if m.name == layout.SHEET_LEDGER:
            if _answered(grid, r0, cols):
                break
        elif len(cols) == len(layout.COLUMNS):
            break
    return best


def _answered(grid: list[list[Any]], r0: int, cols: dict[str, int]) -> bool:
    """Whether any row under the header has a 是否存在问题 or a 自查问题描述."""
    idx = [cols[k] for k in ("has_problem", "description") if k in cols]
    for row in grid[r0 + 1 :]:
        for c0 in idx:
            v = row[c0] if c0 < len(row) else None
            if v is not None and v != "" and (not isinstance(v, str) or v.strip()):
                return True
    return False


def no_ledger(
    wb: pc.CalamineWorkbook, order: list[pc.SheetMetadata], file: str, parsed: bytes
) -> Finding:
    """not-a-ledger; column-missing 序号 for a ledger whose 序号 column was deleted."""
    for m in order:
        if (r0 := lacks_no(grid_of(wb, m.name, parsed)[0])) >= 0:
            header = layout.BY_KEY["no"].header
            cell = address(r0, 0)
            return make(C.COLUMN_MISSING, file, sheet=m.name, cell=cell, value=header)
    return make(C.NOT_A_LEDGER, file)


def other_ledgers(
    wb: pc.CalamineWorkbook, order: list[pc.SheetMetadata], chosen: str, parsed: bytes
) -> list[str]:
    """Sheets besides the one read whose header is a ledger's (序号, the item's text, 是否存在问题
    or 自查问题描述; a notes sheet of 序号 · 自查问题描述 · 备注 is none):
    a township's villages in one workbook, or a copy filled in while the ledger stays blank."""
    out = []
    for m in order:
        if m.name in (chosen, layout.SHEET_GUIDE):
            continue
        try:
            cols = find_header(grid_of(wb, m.name, parsed)[0])[1]
        except BaseException as err:  # calamine may panic on a sheet nobody reads
            if not book.parser_failure(err):
                raise
            continue
        if {"content", "topic"} & cols.keys() and {"has_problem", "description"} & cols.keys():
            out.append(m.name)
    return out


MERGED_MARKS = {h for _, h, _ in layout.MERGED_TAIL} | {layout.MERGED_SEQ[1]}


def merged_shape(wb: pc.CalamineWorkbook, names: list[str], parsed: bytes) -> bool:
    """A merged ledger: one of its hidden sheets, or its data sheet with its own headers
    (问题序号, 来源文件 …) when a clerk deleted both hidden sheets."""
    if layout.SHEET_MERGED_META in names or layout.SHEET_MERGED_VILLAGES in names:
        return True
    if layout.SHEET_MERGED not in names:
        return False
    grid = grid_of(wb, layout.SHEET_MERGED, parsed)[0]
    return any(
        {str(x).strip() if x is not None else "" for x in row} >= MERGED_MARKS for row in grid[:10]
    )
