"""Workbook writing helpers: fonts, borders, print setup, safe cell writes, atomic save."""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.chart.text import RichText
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.text import Font as TextFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.fsutil import atomic_write_bytes
from dapaicha.xlsx import inmemory

# Chinese office fonts, by their exact names.
BODY_FONT = "宋体"
HEAD_FONT = "黑体"
SIGN_FONT = "仿宋"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
WARN_FILL = PatternFill("solid", fgColor="FFEB9C")

FONT_TITLE = Font(name=HEAD_FONT, size=16, bold=True)
FONT_HEAD = Font(name=HEAD_FONT, size=10, bold=True)
FONT_BODY = Font(name=BODY_FONT, size=10)
FONT_SIGN = Font(name=SIGN_FONT, size=12)

# Text from returns must never become a formula (or be read as one by Excel/WPS).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32767  # Excel's limit


def cn_date(d: dt.date) -> str:
    """2022-04-30 → 2022年4月30日 (no zero padding; portable, unlike strftime's %-d)."""
    return f"{d.year}年{d.month}月{d.day}日"


def text_width(v: Any) -> int:
    """Display width in Excel character units (CJK and full-width characters count 2)."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(v))


def row_points(lines: int, line: float = 13.5, pad: float = 3, cap: float = 409.0) -> float:
    """The one row-height formula: points that show `lines` wrapped lines (LibreOffice
    and WPS do not autofit rows on opening); Excel's maximum is 409."""
    return min(line * lines + pad, cap)


def _units(ch: str, size: float) -> float:
    """Width of one character in Excel column units (the default font's '0' = 7 px)."""
    wide = unicodedata.east_asian_width(ch) in "WFA"
    return (0.19 if wide else 0.1) * size


def text_lines(text: str, width: float, size: float = 10) -> int:
    """Lines a wrapped cell of `width` column units needs for `text` at `size` pt."""
    avail = max((width - 0.5) * 0.93, 1.0)  # Excel: 7 px a unit, 5 px padding; some slack
    total = 0
    for para in str(text).split("\n"):
        lines, cur = 1, 0.0
        for ch in para:
            u = _units(ch, size)
            if cur + u > avail:
                lines += 1
                cur = u
            else:
                cur += u
        total += lines
    return total


def lines_height(lines: int, size: float = 10) -> float:
    """Points for `lines` lines of `size` pt text (room for the CJK fallback fonts' leading)."""
    return round(row_points(lines, size * 1.36, pad=5), 1)


def first_sheet(wb: Workbook) -> Worksheet:
    """The worksheet a new Workbook() comes with."""
    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


def wrapped_lines(value: Any, width: float, size: float = 10) -> int:
    """Lines a wrapped cell `width` units wide needs for value at `size` pt (text_width is
    measured at 10 pt; one unit of padding)."""
    per = max(width - 1, 1)
    return sum(max(1, math.ceil(text_width(p) * size / 10 / per)) for p in str(value).split("\n"))


class GrowingRow(RowDimension):
    """A row height shown on opening that Excel, WPS and LibreOffice still grow as text is
    typed: `ht` written without customHeight."""

    @property
    def customHeight(self) -> bool:
        return False


def growing_height(ws: Worksheet, row: int, points: float) -> None:
    ws.row_dimensions[row] = GrowingRow(ws, index=row, ht=points)


def merged_spans(ws: Worksheet) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    """A sheet's merged blocks as fit_rows reads them: (row, col) of each one-row block → its
    columns, and every cell of the blocks over several rows (no row of theirs is fitted)."""
    merged = ws.merged_cells.ranges
    spans = {
        (m.min_row, m.min_col): m.max_col - m.min_col + 1 for m in merged if m.min_row == m.max_row
    }
    inner = {
        (r, c)
        for m in merged
        if m.min_row != m.max_row
        for r in range(m.min_row, m.max_row + 1)
        for c in range(m.min_col, m.max_col + 1)
    }
    return spans, inner


def fit_rows(ws: Worksheet, rows: range) -> None:
    """Rows of a sheet we fill, tall enough for their wrapped text at its font size (no
    program fits rows when a file is opened); a taller row stays as it is.

    One pass over the cells there are (ws[r] would make every missing one, and ask for the
    sheet's size each row); a text is measured only when the row may be too short for it,
    each (text, width, size) once a process (a checklist's texts recur in every return)."""
    spans, inner = merged_spans(ws)
    texts: dict[int, list[Any]] = {}
    cells: dict[tuple[int, int], Any] = ws._cells  # openpyxl's, with each cell's _value
    for (r, c), cell in cells.items():
        v = cell._value
        if isinstance(v, str) and v and r in rows and (r, c) not in inner:
            texts.setdefault(r, []).append(cell)
    wb: Any = ws.parent  # its _alignments and _fonts: the style of each index
    widths: dict[int, float] = {}
    for r in sorted(texts):
        have = ws.row_dimensions[r].ht if r in ws.row_dimensions else None
        need = 0.0
        for cell in texts[r]:
            style = cell._style or StyleArray()
            if not wb._alignments[style.alignmentId].wrap_text:
                continue
            width = 0.0
            for k in range(spans.get((r, cell.column), 1)):
                width += _width(ws, cell.column + k, widths)
            size = float(wb._fonts[style.fontId].sz or 11)
            if (
                have is not None
                and lines_height(_most_lines(cell._value, width, size), size) <= have
            ):
                continue  # tall enough whatever the characters
            need = max(need, lines_height(_wrapped_lines(cell._value, width, size), size))
        if need and (have is None or have < need):
            ws.row_dimensions[r].height = need


def _most_lines(value: str, width: float, size: float) -> int:
    """wrapped_lines' bound when every character is wide (text_width <= 2 a character)."""
    per = max(width - 1, 1)
    return sum(max(1, math.ceil(2 * len(p) * size / 10 / per)) for p in value.split("\n"))


_wrapped_lines = functools.lru_cache(maxsize=4096)(wrapped_lines)


def _width(ws: Worksheet, col: int, cache: dict[int, float]) -> float:
    if col not in cache:
        cache[col] = 8.43  # Excel's default column width
        for dim in ws.column_dimensions.values():
            lo = dim.min or column_index_from_string(dim.index)
            if lo <= col <= (dim.max or lo) and dim.width:
                cache[col] = float(dim.width)
    return cache[col]


_SURROGATE = re.compile("[\ud800-\udfff]")  # bytes of a non-UTF-8 file name (surrogateescape)


def escape_text(value: str) -> str:
    """Characters xlsx cannot hold (control characters, lone surrogates) as visible \\xNN."""

    def esc(m: re.Match[str]) -> str:
        code = ord(m.group())
        if 0xDC80 <= code <= 0xDCFF:
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _SURROGATE.sub(esc, ILLEGAL_CHARACTERS_RE.sub(esc, value))


def needs_escape(value: str) -> bool:
    """Does value hold a character that xlsx cannot store?"""
    return bool(ILLEGAL_CHARACTERS_RE.search(value) or _SURROGATE.search(value))


def clean_text(value: str) -> str:
    """Text as a cell holds it: control characters dropped, lone surrogates escaped, cut to
    Excel's limit."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
    value = _SURROGATE.sub(lambda m: escape_text(m.group()), value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - 1] + "…"
    return value


def put(cell: Cell | MergedCell, value: Any) -> Cell:
    """Write value; a str is always stored as text, never as a formula."""
    if isinstance(cell, MergedCell):  # openpyxl refuses it too, less clearly
        raise TypeError(f"{cell.coordinate} lies inside a merged range: write its top-left cell")
    if isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"  # openpyxl would make '=…' a formula
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value
    return cell


def write(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> Cell:
    """Write a value at (row, col), 1-based, with optional font/border/alignment/fill."""
    cell = put(ws.cell(row=row, column=col), value)
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def print_setup(ws: Worksheet, title_rows: str | None = None, landscape: bool = True) -> None:
    """A4 landscape, one page wide, repeated header rows, page numbers in the footer."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # also for write-only sheets
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    setup = ws.sheet_properties.pageSetUpPr
    assert setup is not None  # every sheet openpyxl creates has one
    setup.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.header = 0.25
    ws.page_margins.footer = 0.25  # leave room for the page-number footer
    if title_rows:
        ws.print_title_rows = title_rows
    footer = ws.oddFooter
    assert footer is not None  # created with the sheet
    footer.center.text = "第 &P 页，共 &N 页"
    footer.center.font = BODY_FONT


MIN_PRINT_PT = 9.0  # the smallest text on paper
PAPER_WIDTH_PT = 842 - 2 * 0.4 * 72  # A4 landscape less print_setup's side margins
LO_UNIT_PT = 7.0  # LibreOffice prints a column-width unit as 7 pt (Excel ~5.5): the wider


def bound_scale(
    ws: Worksheet, widths: Sequence[float], font_pt: float = 10, title_cols: str | None = None
) -> None:
    """After print_setup: one page wide only while text stays >= MIN_PRINT_PT on paper; a
    wider table prints at the scale that keeps it so, pages running across (left to right,
    then down) with title_cols repeated on each."""
    scale = PAPER_WIDTH_PT / max(sum(widths) * LO_UNIT_PT, 1)
    if scale * font_pt >= MIN_PRINT_PT:
        return
    setup = ws.sheet_properties.pageSetUpPr
    if setup is not None:
        setup.fitToPage = False
    ws.page_setup.fitToWidth = None
    ws.page_setup.fitToHeight = None
    ws.page_setup.scale = math.ceil(100 * MIN_PRINT_PT / font_pt)
    ws.page_setup.pageOrder = "overThenDown"
    if title_cols:
        ws.print_title_cols = title_cols


CHART_PT = 11.0  # chart labels on paper (a chart within the page prints at 100 %)
CHART_TITLE_PT = 16.0
PRINT_HEIGHT_PT = 595 - (0.6 + 0.7) * 72  # A4 landscape less print_setup's top and bottom


def chart_font(pt: float = CHART_PT, bold: bool = False) -> CharacterProperties:
    """Chart text at pt points (sz is in hundredths), in the body font."""
    face = TextFont(typeface=BODY_FONT)
    return CharacterProperties(sz=round(pt * 100), b=bold, latin=face, ea=face)


def chart_text(pt: float = CHART_PT, bold: bool = False) -> RichText:
    """Text properties (txPr) of a chart axis or its data labels: without them each program
    picks its own size."""
    cp = chart_font(pt, bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def size_title(title: Title | None, pt: float, bold: bool = True) -> None:
    """A chart or axis title made from a string, at pt points."""
    rich = title.tx.rich if title is not None and title.tx is not None else None
    for para in rich.p if rich is not None else ():
        para.pPr = ParagraphProperties(defRPr=chart_font(pt, bold))
        for run in para.r or ():
            run.rPr = chart_font(pt, bold)


FIXED_TIME = dt.datetime(2022, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _part_order(info: zipfile.ZipInfo) -> tuple[int, str]:
    """[Content_Types].xml first (some readers want it there), then by name: stable bytes."""
    return (info.filename != "[Content_Types].xml", info.filename)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as xlsx bytes, the same bytes for the same content.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
    replaced by fixed values. A workbook with sheets.Sheet rows (sheet XML kept aside) is
    splice.workbook_bytes' to save: here its rows would be lost.
    """
    if any(s.rows for s in wb.__dict__.get("_dpc_sheets", ())):
        raise RuntimeError("sheets.Sheet rows: save with splice.workbook_bytes")
    return fixed_bytes(saved(wb))


def saved(wb: Workbook) -> bytes:
    """The workbook as openpyxl writes it (times of the save in it: see fixed_parts)."""
    wb.properties.creator = "dapaicha"
    raw = io.BytesIO()
    inmemory.save(wb, raw)
    return raw.getvalue()


def fixed_parts(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The parts of an xlsx written by openpyxl, in a stable order, without its save time."""
    src = zipfile.ZipFile(io.BytesIO(data))
    for info in sorted(src.infolist(), key=_part_order):
        body = src.read(info)
        if info.filename == "docProps/core.xml":
            body = _W3CDTF.sub(rb"\g<1>2022-01-01T00:00:00Z\g<2>", body)
        yield info.filename, body


def fixed_bytes(data: bytes) -> bytes:
    """An xlsx as written by openpyxl, with workbook_bytes' fixed times and part order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in fixed_parts(data):
            zi = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def replace_in_parts(data: bytes, subs: dict[bytes, bytes]) -> bytes:
    """An xlsx with byte strings replaced in its XML parts (placeholders filled after the
    workbook was written); the same fixed entry times as workbook_bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith(".xml"):
                for old, new in subs.items():
                    body = body.replace(old, new)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def save(wb: Workbook, path: Path, to_bytes: Callable[[Workbook], bytes] = workbook_bytes) -> None:
    """The one atomic save of a workbook: fixed document times, so reruns give the same
    bytes; to_bytes: splice.workbook_bytes for workbooks with spliced rows."""
    atomic_write_bytes(Path(path), to_bytes(wb))
