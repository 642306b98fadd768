"""Workbook writing helpers: fonts, borders, print setup, safe cell writes, atomic save."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha.fsutil import atomic_write

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


def put(cell: Cell, value: Any) -> Cell:
    """Write value; a str is always stored as text, never as a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
        value = _SURROGATE.sub(lambda m: escape_text(m.group()), value)
        if len(value) > MAX_CELL_CHARS:
            value = value[: MAX_CELL_CHARS - 1] + "…"
        cell.value = value
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
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.header = 0.25
    ws.page_margins.footer = 0.25  # leave room for the page-number footer
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = BODY_FONT


FIXED_TIME = dt.datetime(2022, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _part_order(info: zipfile.ZipInfo) -> tuple[int, str]:
    """[Content_Types].xml first (some readers want it there), then by name: stable bytes."""
    return (info.filename != "[Content_Types].xml", info.filename)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as xlsx bytes, the same bytes for the same content.

    openpyxl stamps the save time into docProps/core.xml and every zip entry; both are
    replaced by fixed values.
    """
    wb.properties.creator = "dapaicha"
    raw = io.BytesIO()
    wb.save(raw)
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=_part_order):
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = _W3CDTF.sub(rb"\g<1>2022-01-01T00:00:00Z\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
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
    bytes; to_bytes: sheets.workbook_bytes for workbooks with spliced rows."""
    data = to_bytes(wb)
    atomic_write(Path(path), lambda tmp: tmp.write_bytes(data))
