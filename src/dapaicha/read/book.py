"""One guarded way into a workbook: type, size and zip-bomb checks before calamine runs.

Village returns (reader.py), rosters, inspectors' lists and merged ledgers all pass the
same guard; what cannot be read becomes an Unreadable with a Chinese reason (a finding
for a return, a UserError for a roster), never a traceback.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import python_calamine as pc

from dapaicha.findings import C, FindingCode
from dapaicha.read import sniff
from dapaicha.read.quiet import panic_free_stderr

MAX_FILE_BYTES = sniff.MAX_UNZIPPED  # bytes on disk we read at most
XLSX_COLS = 16384  # A … XFD: a stray cell far right is read (within max_cells)
SAVE_AS = "请在 WPS 或 Excel 中另存为 .xlsx 后重试。"
OVERFLOW_HINT = "请把设为日期或时间格式、数值却过大的单元格改为“常规”格式后重试。"

Table = list[list[Any]]
Ranges = list[tuple[tuple[int, int], tuple[int, int]]]  # merged blocks, 0-based
T = TypeVar("T")


class Unreadable(ValueError):
    """Why a workbook cannot be read: reason (Chinese), and what the user can do."""

    def __init__(self, reason: str, hint: str = SAVE_AS) -> None:
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def fill_merged_down(grid: list[list[Any]], merged: Ranges) -> frozenset[tuple[int, int]]:
    """Each block's value into every row of its first column (a ledger's grid); the cells of
    blocks over several rows."""
    down: set[tuple[int, int]] = set()
    for (r0, c0), (r1, _c1) in merged:
        if r0 >= len(grid):
            continue
        top = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0 + 1, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            if c0 < len(row):
                row[c0] = top
        down.update((r, c0) for r in range(r0, r1 + 1) if r1 > r0)
    return frozenset(down)


def is_panic(err: BaseException) -> bool:
    """A Rust panic inside python-calamine (a BaseException, not an Exception)."""
    return type(err).__name__ == "PanicException"


def parser_failure(err: BaseException) -> bool:
    """Whether err is the parser failing (an Exception or a panic), not an interrupt."""
    return isinstance(err, Exception) or is_panic(err)


def refusal(sn: sniff.Sniff) -> tuple[FindingCode, str] | None:
    """(finding code, detail) for bytes no parser may see; None when they may be parsed."""
    if sn.kind in ("empty", "corrupt"):
        return C.FILE_UNREADABLE, sn.detail
    if sn.kind == "encrypted":
        return C.FILE_ENCRYPTED, ""
    if sn.kind == "unsupported":
        return C.FILE_UNSUPPORTED, sn.detail
    if sn.kind == "bomb":
        return C.FILE_TOO_LARGE, sn.detail
    if sn.kind == "xml-attack":
        return C.FILE_UNREADABLE, f"含不安全的 XML 内容（{sn.detail}），已拒绝"
    return None


_REASON = {
    C.FILE_ENCRYPTED: "文件设有打开密码",
    C.FILE_UNSUPPORTED: "文件实际格式为{}",
    C.FILE_TOO_LARGE: "文件解压后约 {}，超过上限，疑似异常文件",
}


def guard(
    data: bytes,
    *,
    max_rows: int,
    max_cells: int = sniff.MERGED_MAX_CELLS,
    max_cols: int = sniff.MAX_COLS,
) -> bytes:
    """The bytes to hand the parser (a stored copy when there is one); Unreadable if none.

    max_rows bounds an OpenDocument sheet; an xlsx sheet past sniff's bounds is measured
    and refused past max_cells cells or max_cols columns.
    """
    sn = sniff.sniff(data, max_rows=max_rows)
    if (refused := refusal(sn)) is not None:
        code, detail = refused
        raise Unreadable(_REASON.get(code, "{}").format(detail))
    if sn.oversized_sheets:
        try:
            sniff.check_extent(data, max_cells, max_cols)
        except sniff.Unbounded as err:
            raise Unreadable(str(err)) from None
        return data
    return sn.stored if sn.stored is not None else data


def read_file(path: Path) -> bytes:
    """A file's bytes; Unreadable when it cannot be read or is too large to be a table."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Unreadable(f"文件超过 {MAX_FILE_BYTES // 2**20} MB，疑似异常文件")
        return path.read_bytes()
    except OSError as err:
        raise Unreadable(err.strerror or str(err)) from err


@contextmanager
def opened(data: bytes) -> Iterator[pc.CalamineWorkbook]:
    """The workbook of guarded bytes; Unreadable if the parser fails on it. Rust's panic
    report stays off stderr while it is open."""
    with panic_free_stderr():
        try:
            wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        except pc.PasswordError:
            raise Unreadable("文件设有打开密码") from None
        except BaseException as err:
            if not parser_failure(err):
                raise
            raise Unreadable(_failure(err)) from None
        try:
            yield wb
        finally:
            wb.close()


def _failure(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}"[:200] if text else type(err).__name__


def sheet_rows(wb: pc.CalamineWorkbook, name: str, nrows: int | None = None) -> Table:
    """The rows of a sheet from A1; Unreadable when calamine overflows or panics on a cell
    (a huge number in a `[h]:mm` cell) or fails otherwise."""
    try:
        sheet = wb.get_sheet_by_name(name)
        return sheet.to_python(skip_empty_area=False, nrows=nrows)
    except BaseException as err:
        if not parser_failure(err):
            raise
        if isinstance(err, OverflowError) or is_panic(err):
            raise Unreadable(f"工作表“{name}”中有超出范围的日期或时间", OVERFLOW_HINT) from None
        raise Unreadable(f"工作表“{name}”：{_failure(err)}") from None


def merged_ranges(wb: pc.CalamineWorkbook, name: str) -> Ranges:
    try:
        return wb.get_sheet_by_name(name).merged_cell_ranges or []
    except BaseException as err:
        if not parser_failure(err):
            raise
        return []


def worksheets(wb: pc.CalamineWorkbook) -> list[str]:
    """Names of the worksheets, visible ones first."""
    metas = [m for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
    metas.sort(key=lambda m: m.visible != pc.SheetVisibleEnum.Visible)
    return [m.name for m in metas]


def fill_merged(rows: Table, ranges: Ranges) -> None:
    """Give every cell of a merged range its top-left value (merged 县/乡 cells are common)."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for row in rows[r0 : r1 + 1]:
            for c in range(c0, min(c1 + 1, len(row))):
                row[c] = value


def first_table(path: Path, accept: Callable[[Table], T | None], *, max_rows: int) -> T | None:
    """accept() of each worksheet's rows (visible sheets first, merged cells filled in, at
    most max_rows + 1 rows) until it gives something; None if no sheet is accepted."""
    data = guard(read_file(path), max_rows=max_rows + 1, max_cols=XLSX_COLS)
    with opened(data) as wb:
        for name in worksheets(wb):
            table = sheet_rows(wb, name, max_rows + 1)
            fill_merged(table, merged_ranges(wb, name))
            if (got := accept(table)) is not None:
                return got
    return None


@dataclass
class Sheet:
    """A worksheet's values as calamine reads them (for rebuilding a workbook)."""

    name: str
    state: str  # visible | hidden | veryHidden (openpyxl's sheet_state)
    rows: Table
    merged: Ranges


_STATES = ((pc.SheetVisibleEnum.Hidden, "hidden"), (pc.SheetVisibleEnum.VeryHidden, "veryHidden"))


def all_sheets(data: bytes, sn: sniff.Sniff, skip: str = "") -> list[Sheet]:
    """Every worksheet but skip, in workbook order, bounded as sniff found the bytes.

    Parser failures (and panics) propagate: the caller names them.
    """
    if sn.oversized_sheets:
        data = sniff.bounded_copy(data, sn.oversized_sheets)
    with panic_free_stderr():
        return _sheets(data, skip)


def _sheets(data: bytes, skip: str) -> list[Sheet]:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        out = []
        for m in wb.sheets_metadata:
            if m.typ != pc.SheetTypeEnum.WorkSheet or m.name == skip:
                continue
            sh = wb.get_sheet_by_name(m.name)
            rows = sh.to_python(skip_empty_area=False, nrows=sniff.MAX_ROWS)
            out.append(
                Sheet(
                    m.name,
                    next((s for v, s in _STATES if m.visible == v), "visible"),
                    rows,
                    sh.merged_cell_ranges or [],
                )
            )
        return out
    finally:
        wb.close()
