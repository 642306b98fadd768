"""Any returned workbook → a Return: header fields, table rows, cell addresses. Reads with python-calamine (fast); finds the table by its header names, not positions;
fills merged cells down; bounds what it reads. Problems of reading are findings, never
exceptions: `read()` returns (Return | None, findings).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from dapaicha import layout
from dapaicha.findings import C, Finding, make
from dapaicha.layout import address
from dapaicha.model import Cells
from dapaicha.normalize import blank_date, parse_int, vocab
from dapaicha.read import book, formulas, sniff, split
from dapaicha.read.choose import best_sheet, merged_shape, no_ledger, other_ledgers
from dapaicha.read.header import column_numbers, match_header, sub_header
from dapaicha.read.labels import (
    end_line_rx,
    first_dated,
    label_value,
    lone_date,
    read_signers,
    report_date,
    signature_line,
)
from dapaicha.read.quiet import panic_free_stderr
from dapaicha.read.sheets import grid_of, ods_merges, sheet_parts
from dapaicha.read.ticks import Ticks, tick_columns, ticked

MAX_CELL_CHARS = 5000


@dataclass(slots=True)
class TableRow:
    row: int  # Excel row, 1-based
    no_raw: Any
    values: dict[str, Any]  # column key → raw value (merged cells filled down)
    addrs: Cells  # column key → A1 address


@dataclass
class Return:
    file: str
    sha256: str
    data: bytes = field(repr=False)
    kind: str = "ledger"  # ledger | notice | merged
    sheet: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    title: str = ""
    title_addr: str = ""
    unit: str = ""  # text of the 填报单位 line
    unit_addr: str = ""  # the cell it was read from
    report_date: Any = None
    report_date_addr: str = ""
    signers: dict[str, tuple[Any, str]] = field(default_factory=dict)  # title → (value, addr)
    columns: dict[str, int] = field(default_factory=dict)  # key → 0-based column
    header_row: int = 0  # Excel row of the header
    unread: tuple[tuple[int, str], ...] = ()  # (0-based column, text) of headers not known
    rows: list[TableRow] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)
    ods: bool = False  # read from an OpenDocument file (its 1900 dates count differently)
    spans: dict[tuple[int, int], int] = field(
        default_factory=dict, repr=False
    )  # merged: top-left → last col
    # (row, col), 0-based, of every cell of a block merged over several rows: the block's
    # value is the table's (one 责任人 for all items), not typed on each row
    merged_down: frozenset[tuple[int, int]] = frozenset()
    yes_no: dict[str, str] = field(default_factory=dict, repr=False)  # vocab lookup of 是/否
    # (Excel row, key) → (cell, why) of a 是 | 否 split column's ticks read as no answer
    unticked: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict, repr=False)
    ticks: Ticks = field(default_factory=dict)  # 整改类型, 整改结果 split (read.ticks)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def _open(
    data: bytes, sn: sniff.Sniff, cut: dict[str, str] | None = None
) -> tuple[pc.CalamineWorkbook, bytes]:
    """The workbook as the parser reads it, and the bytes it reads (bounded or stored)."""
    if sn.oversized_sheets:
        data = sniff.bounded_copy(data, sn.oversized_sheets, cut)
    elif sn.stored is not None:
        data = sn.stored  # the same parts, already inflated and checked
    return pc.CalamineWorkbook.from_filelike(io.BytesIO(data)), data


def read(
    path: Path,
    display_name: str | None = None,
    signer_titles: tuple[str, ...] = (),
    data: bytes | None = None,
    yes_no: dict[str, str] | None = None,
) -> tuple[Return | None, list[Finding]]:
    """Read one returned file (data: its bytes, when already read; yes_no: the campaign's
    是/否 words, vocab's lookup). Never raises for a bad file."""
    name = display_name or path.name
    try:
        data = path.read_bytes() if data is None else data
    except OSError as err:
        return None, [make(C.FILE_UNREADABLE, name, detail=err.strerror or str(err))]
    return read_bytes(data, name, signer_titles, yes_no)


def read_bytes(
    data: bytes,
    name: str,
    signer_titles: tuple[str, ...] = (),
    yes_no: dict[str, str] | None = None,
) -> tuple[Return | None, list[Finding]]:
    """read() of bytes; Rust's panic report (a hostile cell) stays off stderr."""
    with panic_free_stderr():
        return _read_bytes(data, name, signer_titles, yes_no)


def _read_bytes(
    data: bytes, name: str, signer_titles: tuple[str, ...], yes_no: dict[str, str] | None
) -> tuple[Return | None, list[Finding]]:
    sha = hashlib.sha256(data).hexdigest()
    sn = sniff.sniff(data)
    if (refused := book.refusal(sn)) is not None:
        code, detail = refused
        return None, [make(code, name, detail=detail)]
    try:
        cut: dict[str, str] = {}  # sheet part → first cell of a value cut off
        wb, parsed = _open(data, sn, cut)
        metas = wb.sheets_metadata
    except pc.PasswordError:
        return None, [make(C.FILE_ENCRYPTED, name)]
    except sniff.Unbounded as err:
        return None, [make(C.FILE_UNREADABLE, name, detail=str(err))]
    except BaseException as err:
        if not book.parser_failure(err):
            raise  # KeyboardInterrupt, SystemExit
        return None, [make(C.FILE_UNREADABLE, name, detail=type(err).__name__)]
    ret = Return(file=name, sha256=sha, data=data, sheet_names=[m.name for m in metas])
    ret.ods = sn.kind == "ods"
    ret.yes_no = yes_no or {}
    findings: list[Finding] = []
    try:
        return _read_workbook(wb, metas, ret, findings, sn, signer_titles, cut, parsed)
    except BaseException as err:
        if not book.parser_failure(err):
            raise  # KeyboardInterrupt, SystemExit
        why = str(err) if isinstance(err, ValueError) and _has_cjk(str(err)) else ""
        return None, [
            *findings,
            make(C.FILE_UNREADABLE, name, detail=why or f"{type(err).__name__}: {err}"[:200]),
        ]
    finally:
        wb.close()


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


is_panic = book.is_panic


def _kv_sheet(wb: pc.CalamineWorkbook, name: str, data: bytes | None = None) -> dict[str, str]:
    grid, _ = grid_of(wb, name, data)
    out = {}
    for row in grid[:200]:
        if len(row) >= 2 and row[0] not in (None, ""):
            out[_text(row[0]).strip()] = _text(row[1]).strip()
    return out


def _read_workbook(
    wb: pc.CalamineWorkbook,
    metas: list[pc.SheetMetadata],
    ret: Return,
    findings: list[Finding],
    sn: sniff.Sniff,
    signer_titles: tuple[str, ...],
    cut: dict[str, str],
    parsed: bytes,
) -> tuple[Return | None, list[Finding]]:
    names = [m.name for m in metas]
    if merged_shape(wb, names, parsed):
        ret.kind = "merged"  # its hidden sheets deleted: still a merged ledger, edited
        if layout.SHEET_MERGED_META in names:
            ret.meta = _kv_sheet(wb, layout.SHEET_MERGED_META, parsed)
        return ret, findings
    if any(set(marks) <= set(names) for marks in layout.SUMMARY_MARKS):
        findings.append(make(C.SUMMARY_NOT_LEDGER, ret.file))
        return None, findings
    if layout.SHEET_META in names:
        ret.meta = _kv_sheet(wb, layout.SHEET_META, parsed)
    # Candidate sheets: the ledger's own name first, then visible sheets, then hidden ones.
    order = sorted((m for m in metas if m.typ == pc.SheetTypeEnum.WorkSheet
                    and not m.name.startswith("_dapaicha") and m.name != layout.SHEET_FINDINGS),
                   key=lambda m: (m.name != layout.SHEET_LEDGER,
                                  m.visible != pc.SheetVisibleEnum.Visible))  # fmt: skip
    best = best_sheet(wb, order, parsed)
    if best is None:
        findings.append(no_ledger(wb, order, ret.file, parsed))
        return None, findings
    m, grid, merged, r0, cols, renamed = best
    if ret.ods and not merged:
        merged = ods_merges(ret.data, m.name)
    splits = split.find(grid, r0, cols, merged, ret.yes_no)
    last = sub_header(grid, r0, cols, split.sub_columns(splits))
    ret.ticks = tick_columns(grid, r0, cols) if last == r0 else {}
    last += bool(ret.ticks)  # the 立行立改 | 纳入整改方案 row under the header
    last += column_numbers(grid, last + 1)  # a 栏次 row: 1 2 3 …
    ret.sheet = m.name
    if m.visible != pc.SheetVisibleEnum.Visible:
        findings.append(make(C.LEDGER_SHEET_HIDDEN, ret.file, sheet=m.name))
    for other in other_ledgers(wb, order, m.name, parsed):
        findings.append(make(C.OTHER_LEDGER_SHEET, ret.file, sheet=other, expected=m.name))
    _bounds_findings(ret, m.name, len(grid), sn, cut, findings)
    ret.merged_down = book.fill_merged_down(grid, merged)
    typed: dict[tuple[int, int], Any] = {}
    if splits:  # 是 | 否 ticked: each row's answer read once, into the first sub-column
        last = max(last, r0 + 1)
        typed = split.kept(grid, last + 1, splits)
        ret.unticked = split.apply(grid, last + 1, splits, ret.yes_no)
    ret.spans = {(a[0], a[1]): b[1] for a, b in merged}
    findings += [make(C.COLUMN_RENAMED, ret.file, sheet=m.name, cell=address(r0, c0), value=found,
                      expected=layout.BY_KEY[key].header) for c0, found, key in renamed]  # fmt: skip
    ret.header_row = r0 + 1
    if "content" not in cols and "has_problem" not in cols and "topic" in cols:
        ret.kind = "notice"
        cols["content"] = cols.pop("topic")
    ret.columns = cols
    taken = set(cols.values()) | {c for c, _, _ in renamed} | split.sub_columns(splits)
    ret.unread = tuple((c, v.strip()) for c, v in enumerate(grid[r0]) if c not in taken
                       and isinstance(v, str) and v.strip() and len(v) <= 20)  # fmt: skip
    _read_top(grid, r0, ret)
    end = _read_rows(grid, last, ret, findings, signer_titles)
    if sn.formula_parts:  # a formula without a value reads as blank: say so
        cells = formulas.of_sheet(parsed, m.name, sn.formula_parts)
        findings += formulas.findings(ret.file, m.name, ret.rows, cells) if cells else []
    first_end = end
    if (again := _header_again(grid, end, cols)) >= 0:  # the whole sheet pasted below: its
        end = _read_rows(grid, sub_header(grid, again, dict(cols)), ret, findings, signer_titles)
    _row_below(grid, end, ret, findings)  # rows join the table's; check.pasted says it
    after = min(ret.rows[-1].row, first_end) if ret.rows else first_end  # past the items
    split.restore(grid, typed, after)  # the signatures as typed
    ret.signers = read_signers(grid, range(after, len(grid)), ret.spans, signer_titles)
    if not any(at for _, at in ret.signers.values()):  # the signature rows moved to the top
        ret.signers = read_signers(grid, range(r0), ret.spans, signer_titles)
    _read_date(grid, after, ret)
    return ret, findings


def _bounds_findings(
    ret: Return, sheet: str, n_rows: int, sn: sniff.Sniff, cut: dict[str, str], out: list[Finding]
) -> None:
    """content-truncated (a value beyond the bounds was cut) or rows-truncated (a sheet
    read only in part, not bounded here); empty or styled rows cut off are no loss."""
    part = (sheet_parts(ret.data) if sn.oversized_sheets else {}).get(sheet, "")
    bounds = f"{sniff.MAX_ROWS} 行、{sniff.MAX_COLS} 列"
    if (lost := cut.get(part)) is not None:
        out.append(make(C.CONTENT_TRUNCATED, ret.file, sheet=sheet, cell=lost, expected=bounds))
    elif n_rows >= sniff.MAX_ROWS and part not in sn.oversized_sheets:
        out.append(make(C.ROWS_TRUNCATED, ret.file, sheet=sheet, expected=bounds))


def _read_top(grid: list[list[Any]], header_r0: int, ret: Return) -> None:
    for r0, row in enumerate(grid[:header_r0]):
        for c0, v in enumerate(row):
            if isinstance(v, str) and v.strip():
                if not ret.title and layout.UNIT_LABEL not in v and layout.DATE_LABEL not in v:
                    ret.title, ret.title_addr = v.strip(), address(r0, c0)
                break
    for label in layout.UNIT_LABELS:
        unit, unit_addr = label_value(grid, label, range(0, header_r0), ret.spans)
        if unit_addr:
            break
    ret.unit = _text(unit).strip()
    ret.unit_addr = unit_addr if ret.unit else ""
    top = first_dated(grid, layout.DATE_LABELS, range(header_r0), ret.spans)
    ret.report_date, ret.report_date_addr = top


def _read_date(grid: list[list[Any]], end: int, ret: Return) -> None:
    """The 填报日期 at the top, or typed under the table when left blank there."""
    top = (ret.report_date, ret.report_date_addr)
    v, ret.report_date_addr = report_date(grid, layout.DATE_LABELS, ret.spans, top, end)
    if blank_date(v) and (lone := lone_date(grid, range(ret.header_row - 1)))[1]:
        v, ret.report_date_addr = lone  # no label with a date: the one date above the table
    if isinstance(v, str):  # "（填报日期：2022年3月30日）" in a title
        v = v.rstrip("）)】] ")
    ret.report_date = _unformat(v, ret.ods)


_EPOCH = dt.datetime(1899, 12, 30)


def _unformat(v: Any, ods: bool = False) -> Any:
    if v == "" or v.__class__ is str or v.__class__ is float:
        return v
    return _undate(v, ods)


def _undate(v: Any, ods: bool = False) -> Any:
    """A small number in a date-formatted cell arrives as a 1900 date: give the number back.
    `4.30` typed into a 整改期限 cell is the number 4.3, which calamine shows as 1900-01-03
    07:12; the rules must see 4.3 (ambiguous), not a date of 1900."""
    if isinstance(v, dt.datetime | dt.date) and v.year < 1910:
        d = v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
        # Excel's fictitious 1900-02-29: serials below 60 count from 1899-12-31 (not in ods).
        early = not ods and d < dt.datetime(1900, 3, 1)
        epoch = dt.datetime(1899, 12, 31) if early else _EPOCH
        x = (d - epoch).total_seconds() / 86400
        return int(x) if x.is_integer() else round(x, 6)
    return v


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


_PLAIN_TYPES = (str, float, int, bool, type(None))
_PLAIN_SET = frozenset(_PLAIN_TYPES)
_LENGTH = operator.length_hint  # of a text; 0 for a number, a bool or None


def _has_fill(fills: tuple[Any, ...], n_fill: int) -> bool:
    """Whether any of a row's village-filled cells holds something."""
    if fills.count("") + fills.count(None) == n_fill:
        return False
    return any(v is not None and v != "" and (v.__class__ is not str or v.strip()) for v in fills)


def _read_rows(
    grid: list[list[Any]],
    r0: int,
    ret: Return,
    findings: list[Finding],
    signer_titles: tuple[str, ...] = (),
) -> int:
    """Collect table rows below the header; returns the 0-based row where the table ended."""
    cols = ret.columns
    keys = tuple(cols)
    width = max(cols.values()) + 1
    fill_cols = [c for k, c in cols.items() if layout.BY_KEY[k].fill]
    n_fill = len(fill_cols)
    pick, pick_fill = _picker(list(cols.values())), _picker(fill_cols)
    letters = {k: layout.column_letter(c) for k, c in cols.items()}
    no_c, ticks = cols["no"], ret.ticks
    fill_set = set(fill_cols)
    label_cols = [c for c in range(8) if c not in fill_set]
    end_line = end_line_rx(tuple(signer_titles)).match
    ods = ret.ods
    last_no: Any = None
    r = r0 + 1
    blank_run = 0
    rows_out = ret.rows
    for r in range(r0 + 1, len(grid)):
        row = grid[r]
        n = len(row)
        if n < width:
            row = row + [None] * (width - n)
        no_raw = row[no_c]
        no_cls = no_raw.__class__
        if no_cls is int or (no_cls is float and no_raw.is_integer()):
            blank_run = 0  # the common row: a whole 序号 (none of the checks below apply)
        else:
            if no_cls not in _PLAIN_TYPES:
                no_raw = _undate(no_raw, ods)
                no_cls = no_raw.__class__
            if no_cls is str and len(no_raw) <= 20 and match_header(no_raw)[0] == "no":
                continue  # the header again: a table pasted page by page, a sub-header row
            if (
                no_cls is not int
                and not (no_cls is float and no_raw.is_integer())
                and signature_line(row, n, no_raw, label_cols, end_line)
            ):
                if layout.NOTE_TEXT in row[:4]:  # the printed 注 line: rows with a 序号
                    last_no = None  # under it are problems inserted above the signatures
                    continue
                break  # the signature block, written in label columns: never an answer
            has_fill = _has_fill(pick_fill(row), n_fill)
            if no_cls is not int and no_cls is not float and _blank(no_raw):
                if not has_fill:
                    blank_run += 1
                    if blank_run > 50:
                        break
                    continue
                if last_no is None:
                    continue
                no_raw = last_no  # an inserted row without its 序号: a further problem above
            blank_run = 0
            if no_raw.__class__ is str and parse_int(no_raw).value is None and not has_fill:
                continue  # a sub-header or a 合计 line
        last_no = no_raw
        got = pick(row)
        vals = dict(zip(keys, got, strict=False))  # as long: pick gives a value per key
        if ticks:
            ticked(vals, row, ticks)
        if not (
            _PLAIN_SET.issuperset(map(type, got)) and max(map(_LENGTH, got)) <= MAX_CELL_CHARS
        ):  # rare: a date cell or a very long text
            _fix_cells(vals, r, ret, findings, ods)
        rows_out.append(TableRow(r + 1, no_raw, vals, Cells(letters, r + 1)))
    return r


def _header_again(grid: list[list[Any]], end: int, cols: dict[str, int]) -> int:
    """The 0-based row below the table's end holding its header again, column for column
    (a copy of the whole sheet pasted under the signatures); -1 when none."""
    for r in range(end + 1, len(grid)):
        row = grid[r]
        if all(c < len(row) and _header_of(row[c]) == k for k, c in cols.items()):
            return r
    return -1


def _header_of(v: Any) -> str | None:
    return match_header(v)[0] if v.__class__ is str and len(v) <= 20 else None


def _row_below(grid: list[list[Any]], end: int, ret: Return, findings: list[Finding]) -> None:
    """The first row below the table's end (the signatures, or 50 blank rows) with an item's
    序号 (1–999: not a phone number or a date typed beside a signature) and an answer or a
    description: a problem typed there is read by nobody, so it is said."""
    no_c = ret.columns["no"]
    said = [c for k, c in ret.columns.items() if k in ("has_problem", "description")]
    yes_c, desc_c = ret.columns.get("has_problem", -1), ret.columns.get("description", -1)
    for r in range(end + 1, len(grid)):
        row = grid[r]
        no = parse_int(row[no_c] if no_c < len(row) else None).value
        if (
            no is not None
            and 0 < no < 1000
            and any(c < len(row) and not _blank(row[c]) for c in said)
        ):
            cell = address(r, no_c)
            findings.append(make(C.ROW_BELOW_TABLE, ret.file, sheet=ret.sheet, cell=cell, item=no))
            return
        if (  # no 序号, but 是 and the problem: as plainly a problem row
            no is None
            and 0 <= yes_c < len(row)
            and _means_yes(row[yes_c], ret.yes_no)
            and 0 <= desc_c < len(row)
            and not _blank(row[desc_c])
        ):
            cell = address(r, desc_c)
            findings.append(make(C.ROW_BELOW_TABLE, ret.file, sheet=ret.sheet, cell=cell))
            return


def _means_yes(v: Any, yes_no: dict[str, str]) -> bool:
    """是, or a word the campaign reads as 是 (有, 存在, √ …)."""
    return _text(v).strip() == layout.YES or (bool(yes_no) and vocab(v, yes_no).value == layout.YES)


def _fix_cells(
    vals: dict[str, Any], r: int, ret: Return, findings: list[Finding], ods: bool
) -> None:
    """Dates of 1900 back to numbers; texts past MAX_CELL_CHARS cut, with a finding."""
    for k, v in vals.items():
        if v.__class__ is str:
            if len(v) > MAX_CELL_CHARS:
                findings.append(
                    make(
                        C.CELL_TOO_LONG,
                        ret.file,
                        sheet=ret.sheet,
                        cell=address(r, ret.columns[k]),
                        detail=len(v),
                        expected=MAX_CELL_CHARS,
                    )
                )
                vals[k] = v[:MAX_CELL_CHARS]
        elif v.__class__ not in _PLAIN_TYPES:
            vals[k] = _undate(v, ods)


def _picker(idx: list[int]) -> Any:
    """A C-speed getter of the cells at idx, always a tuple."""
    if len(idx) > 1:
        return operator.itemgetter(*idx)
    if idx:
        i = idx[0]
        return lambda row: (row[i],)
    return lambda _row: ()
