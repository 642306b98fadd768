"""Write-only sheets for the summary workbooks: styles, title/header/notes/sign-off rows,
and long lists written fast.

openpyxl (without lxml) serialises about 10,000 cells a second: a province's problem list
would take minutes. So a long list is written by openpyxl as its title, header and ONE
prototype row whose cells carry each column's style; at save time the prototype row is
replaced by the real rows, generated here as sheet XML (inline strings, so text can never
be a formula; dates as serials with the column's date style). Everything else in the
workbook (styles, merges, print setup, defined names) is openpyxl's own output.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import queue
import re
import sys
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import copy
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dapaicha.config.checklist import Campaign
from dapaicha.xlsx import excel, rowxml, shared
from dapaicha.xlsx.excel import cn_date

DASH = "—"  # a rate with no base
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_BOLD = Font(name=excel.BODY_FONT, size=10, bold=True)
_B = excel.BORDER
_CENTER = {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B}
STYLES: dict[str, dict[str, Any]] = {
    "title": {"font": excel.FONT_TITLE, "alignment": excel.CENTER},
    "subtitle": {"font": excel.FONT_BODY, "alignment": excel.CENTER},
    "head": {**_CENTER, "font": excel.FONT_HEAD, "fill": excel.HEAD_FILL},
    "text": {"font": excel.FONT_BODY, "alignment": excel.WRAP, "border": _B},
    "center": {**_CENTER},
    "int": {**_CENTER, "number_format": "0"},
    "pct": {**_CENTER, "number_format": "0.00%"},
    "pp": {**_CENTER, "number_format": "+0.00;-0.00;0.00"},
    "date": {**_CENTER, "number_format": "yyyy-mm-dd"},
    "note": {"font": excel.FONT_BODY, "alignment": _LEFT},
    "sign": {"font": excel.FONT_SIGN, "alignment": _LEFT},
    "sign_right": {"font": excel.FONT_SIGN, "alignment": _RIGHT},
}
for _k in ("center", "int", "pct", "pp"):
    STYLES[f"{_k}_total"] = {**STYLES[_k], "font": _BOLD}


def py(v: Any) -> Any:
    """A pandas/numpy value as a plain Python value for openpyxl (NaN/NaT → None)."""
    if v is None or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v


class Sheet:
    """A write-only sheet written row by row, with cached cell styles."""

    def __init__(
        self, wb: Workbook, title: str, widths: Sequence[float], freeze: str | None = None
    ) -> None:
        # write-only: sheet properties, views and columns go out with the first row
        self.ws = wb.create_sheet(title)
        excel.print_setup(self.ws)
        excel.bound_scale(self.ws, widths, title_cols="A:A")  # 9 pt or more on paper
        if freeze:
            self.ws.freeze_panes = freeze
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ncols = len(widths)
        self.row = 0
        self._styles: dict[str, Cell] = {}
        self.rows: list[str] = []  # sheet XML (rowxml), put in at save time (workbook_bytes)
        wb.__dict__.setdefault("_dpc_sheets", []).append(self)

    def cell(self, value: Any, style: str = "center") -> Cell:
        proto = self._styles.get(style)
        if proto is None:
            proto = Cell(self.ws, row=1, column=1)
            for k, v in STYLES[style].items():
                setattr(proto, k, v)
            self._styles[style] = proto
        ids = copy(proto._style)  # type: ignore[attr-defined]  # style ids: not in the stubs
        c = Cell(self.ws, row=1, column=1, style_array=ids)
        value = py(value)
        if isinstance(value, float) and style.startswith("int"):
            value = int(value)
        return excel.put(c, value)

    def add(self, cells: Iterable[Any], height: float | None = None) -> int:
        self.row += 1
        self.rows.append(rowxml.row(self.ws, self.row, cells, height))
        return self.row

    def line(
        self,
        text: str,
        style: str,
        height: float | None = None,
        span: tuple[int, int] | None = None,
    ) -> int:
        """A row holding one text merged across the sheet (or across span, 1-based)."""
        a, b = span or (1, self.ncols)
        row = self.add([None] * (a - 1) + [self.cell(text, style)], height)
        self.merge(row, a, row, b)
        return row

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.ws.merged_cells.add(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")

    def header(self, groups: Sequence[tuple[str, Sequence[str]]]) -> tuple[int, int]:
        """One or two header rows: (group, [leaves]); a group with no leaves spans both rows."""
        two = any(leaves for _, leaves in groups)
        top: list[Any] = []
        low: list[Any] = []
        merges: list[tuple[int, int, int, int]] = []
        col = 1
        for name, leaves in groups:
            if leaves:
                top += [self.cell(name, "head")] + [self.cell(None, "head") for _ in leaves[1:]]
                low += [self.cell(x, "head") for x in leaves]
                merges.append((0, col, 0, col + len(leaves) - 1))
                col += len(leaves)
            else:
                top.append(self.cell(name, "head"))
                low.append(self.cell(None, "head"))
                merges.append((0, col, 1, col) if two else (0, col, 0, col))
                col += 1
        first = self.add(top, 30 if two else 36)
        if two:
            self.add(low, 42)
        for r1, c1, r2, c2 in merges:
            self.merge(first + r1, c1, first + r2, c2)
        return first, self.row

    def signoff(self, campaign: Campaign, as_of: dt.date, phone: str = "") -> None:
        """The sign-off lines the notice requires, then 填报日期 (the 截至 date)."""
        labels = []
        for s in campaign.summary_signoff:
            plain = "电话" in s or s.startswith("填报")
            value = phone if "电话" in s else ""
            labels.append(f"{s}：{value}" if plain else f"{s}（签字）：")
        self.add([])
        half = max(1, self.ncols // 2)
        for i in range(0, len(labels), 2):
            pair = labels[i : i + 2]
            row = self.add(
                [self.cell(pair[0], "sign")]
                + [None] * (half - 1)
                + ([self.cell(pair[1], "sign")] if len(pair) > 1 else []),
                24,
            )
            self.merge(row, 1, row, half)
            if len(pair) > 1:
                self.merge(row, half + 1, row, self.ncols)
        self.line(f"填报日期：{cn_date(as_of)}", "sign_right", 24)

    def finish(self, title_rows: str) -> None:
        self.ws.print_title_rows = title_rows


def new_book() -> Workbook:
    return Workbook(write_only=True)


def rate_cell(sh: Sheet, value: float, total: bool = False) -> Cell:
    sfx = "_total" if total else ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return sh.cell(DASH, "center" + sfx)
    return sh.cell(float(value), "pct" + sfx)


def list_sheet(
    wb: Workbook,
    name: str,
    title: str,
    columns: Sequence[tuple[str, str, float, str]],
    frame: pd.DataFrame,
    empty: str,
) -> Sheet:
    """A long list: title, one header row (repeated on every page), one row per record."""
    sh = Sheet(wb, name, [c[2] for c in columns], "A3")
    sh.line(title, "title", 30)
    first, last = sh.header([(c[0], ()) for c in columns])
    if not len(frame):
        sh.line(empty, "note", 24)
    data = []
    for _, key, _, style in columns:
        col = frame[key] if key in frame else pd.Series([None] * len(frame))
        if key == "carried":
            col = col.fillna(False).astype(bool).map({True: "是", False: ""})
        vals = col.tolist()
        if style == "int":
            vals = [int(v) if isinstance(v, float) and v == v else v for v in vals]
        data.append(vals)
    if len(frame):  # one prototype row, replaced by every row at save time
        proto = sh.add([sh.cell(TOKEN, c[3]) for c in columns])
        wrap = [j for j, c in enumerate(columns) if c[3] in ("text", "center")]
        widths = [columns[j][2] for j in wrap]
        known: list[Codes] = []
        heights = row_heights([data[j] for j in wrap], widths, known)
        at = wb.worksheets.index(sh.ws) + 1
        register(wb, Splice(at, proto, data, heights, codes=dict(zip(wrap, known, strict=True))))
    sh.finish(f"{first}:{last}")
    return sh


LINE_HEIGHT = 13.5  # points per line of 10-point 宋体


def row_height(values: Sequence[Any], widths: Sequence[float]) -> float | None:
    """Height that shows every wrapped text in full (LibreOffice does not autofit rows
    on opening); None when one line is enough."""
    lines = 1
    for v, w in zip(values, widths, strict=True):
        if isinstance(v, str) and len(v) * 1.5 > w - 1:
            # display width in column units, measured in LibreOffice: a CJK character
            # (3 bytes in UTF-8) about 1.4, an ASCII one about 0.8
            cjk = (len(v.encode("utf-8")) - len(v)) / 2
            units = cjk * 1.6 + (len(v) - cjk) * 0.8
            lines = max(lines, math.ceil(units / max(1.0, w - 1)) + v.count("\n"))
    return None if lines == 1 else excel.row_points(lines, LINE_HEIGHT)


def _lines(v: Any, w: float) -> int:
    """Wrapped lines of one value in a column w wide (row_height's measure)."""
    if isinstance(v, str) and len(v) * 1.5 > w - 1:
        cjk = (len(v.encode("utf-8")) - len(v)) / 2
        units = cjk * 1.6 + (len(v) - cjk) * 0.8
        return math.ceil(units / max(1.0, w - 1)) + v.count("\n")
    return 1


Codes = tuple[np.ndarray, np.ndarray]  # _codes of a column


def _codes(values: Sequence[Any]) -> Codes:
    """(code of each value, the distinct values): equal values share a code; None → -1."""
    codes, uniq = pd.factorize(np.fromiter(values, dtype=object, count=len(values)))
    return codes, np.asarray(uniq, dtype=object)


def row_heights(
    columns: Sequence[Sequence[Any]], widths: Sequence[float], known: list[Codes] | None = None
) -> list[float | None]:
    """[row_height(row, widths) for row in zip(*columns)], column by column: each distinct
    text of a column is measured once; known: gets each column's _codes."""
    if not columns:
        return []
    lines = np.ones(len(columns[0]), np.int64)
    for values, w in zip(columns, widths, strict=True):
        codes, uniq = _codes(values)
        if known is not None:
            known.append((codes, uniq))
        per = np.fromiter((_lines(u, w) for u in uniq), np.int64, len(uniq))
        lines = np.maximum(lines, np.append(per, 1)[codes])
    points = {k: excel.row_points(k, LINE_HEIGHT) for k in np.unique(lines).tolist() if k > 1}
    return [points.get(k) for k in lines.tolist()]


TOKEN = "@@dpc-proto@@"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_EPOCH = dt.date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHUNK = 2000  # rows generated (and handed to the zip thread) at a time


@dataclass
class Splice:
    sheet: int  # 1-based position among the worksheets → xl/worksheets/sheet{n}.xml
    row: int  # the prototype row
    columns: Sequence[Sequence[Any]]  # values, column by column
    heights: Sequence[float | None]
    extra: int = 0  # prototype cells after the columns: styles a Marked value may take
    shared: bool = False  # texts as shared strings (xlsx/shared.py): long repeated texts
    codes: dict[int, Codes] = field(default_factory=dict)  # column → its _codes, when known


@dataclass(frozen=True)
class Marked:
    """A spliced value in the style of the prototype row's extra cell `style` (0-based)."""

    value: Any
    style: int


def register(wb: Workbook, splice: Splice) -> None:
    wb.__dict__.setdefault("_dpc_splices", []).append(splice)


_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_xml(v: str) -> str:
    """Text as the inside of <t>: escaped, without the characters XML cannot hold."""
    if len(v) > excel.MAX_CELL_CHARS:
        v = v[: excel.MAX_CELL_CHARS - 1] + "…"
    if _SPECIAL.search(v):
        v = _ILLEGAL.sub("", v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return v


def _inner(v: Any, style: str, extra: Sequence[str]) -> str:
    """One cell after its reference: ` s="…"` and its value (the <c> element's rest)."""
    t = type(v)
    if t is Marked:
        style = extra[v.style]
        v = v.value
        t = type(v)
    head = f' s="{style}"'
    if t is str:
        return f'{head} t="inlineStr"><is><t xml:space="preserve">{text_xml(v)}</t></is></c>'
    if v is None or v is pd.NaT or (t is float and math.isnan(v)):
        return head + "/>"
    if t is int or t is float:
        return f"{head}><v>{v}</v></c>"
    if isinstance(v, dt.date):
        d = v.date() if isinstance(v, dt.datetime) else v
        return f"{head}><v>{(d - _EPOCH).days}</v></c>"
    if t is bool or isinstance(v, np.bool_):
        return f'{head} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, np.integer | np.floating):
        return f"{head}><v>{v.item()}</v></c>"
    return f'{head} t="inlineStr"><is><t xml:space="preserve">{text_xml(str(v))}</t></is></c>'


# value types written alike when equal: a column holding one of them (and blanks) is
# written value by distinct value (not 1.0 == 1 == True, nor -0.0 == 0.0)
_ALIKE = {str, int, bool, dt.date}
_NONE = type(None)


def _column(
    style: str,
    values: Sequence[Any],
    extra: Sequence[str],
    sst: shared.Table | None = None,
    known: Codes | None = None,
    tail: str = "",
) -> Callable[[int, int], list[str]]:
    """Every cell of one column after its reference, rows a to b, each as `"` + its rest +
    tail (what follows it in the row): a column of one _ALIKE type is escaped and formatted
    once per distinct value; sst: its texts (but "") shared."""
    types = set(map(type, values)) - {_NONE}
    if len(types) > 1 or not types <= _ALIKE:
        return lambda a, b: [f'"{_inner(v, style, extra)}{tail}' for v in values[a:b]]
    codes, uniq = known or _codes(values)
    one = _inner if sst is None or types != {str} else sst.or_inline(_inner)
    cells = np.array(
        [*(f'"{one(u, style, extra)}{tail}' for u in uniq), f'"{_inner(None, style, extra)}{tail}'],
        dtype=object,
    )
    return lambda a, b: cells[codes[a:b]].tolist()  # -1 (None): the last


def _height(h: float | None) -> str:
    return f' ht="{h:g}" customHeight="1"' if h else ""


def _rows(sp: Splice, styles: list[bytes], sst: shared.Table | None) -> Iterator[str]:
    n, k = len(sp.heights), len(sp.columns)
    extra = [s.decode() for s in styles[k:]]
    # a row is its pieces joined by its number: <row r="|5|" ht…><c r="A|5|" s…</c><c r="B|…
    # |5|" s…</c></row> (str.join of each row's pieces: no formatting per cell)
    tails = [f'<c r="{get_column_letter(j + 2)}' for j in range(k - 1)] + ["</row>"]
    sst = sst if sp.shared else None
    got = sp.codes.get
    cols = [
        _column(styles[j].decode(), v, extra, sst, got(j), tails[j])
        for j, v in enumerate(sp.columns)
    ]
    attrs = {h: f'"{_height(h)}><c r="A' for h in set(sp.heights)}
    for a in range(0, n, _CHUNK):
        b = min(n, a + _CHUNK)
        hs = [attrs[h] if h in attrs else f'"{_height(h)}><c r="A' for h in sp.heights[a:b]]
        rows = zip(['<row r="'] * (b - a), hs, *(c(a, b) for c in cols), strict=True)
        yield "".join(map(str.join, map(str, range(sp.row + a, sp.row + b)), rows))


def _splice_part(
    body: bytes, sp: Splice, sst: shared.Table | None = None
) -> tuple[bytes, Iterator[str], bytes]:
    m = re.search(rb'<row r="%d"[^>]*>(.*?)</row>' % sp.row, body, re.S)
    if m is None or TOKEN.encode() not in m.group(1):
        raise RuntimeError(f"prototype row {sp.row} not found in sheet {sp.sheet}")
    styles = re.findall(rb'<c r="[A-Z]+%d" s="(\d+)"' % sp.row, m.group(1))
    if len(styles) != len(sp.columns) + sp.extra:
        raise RuntimeError("prototype row has a cell without style")
    last = sp.row + len(sp.heights) - 1
    dim = b'<dimension ref="A1:%s%d"/>' % (get_column_letter(len(sp.columns)).encode(), last)
    head = re.sub(rb"<dimension [^>]*/>", b"", body[: m.start()])  # write-only omits it
    head = re.sub(
        rb"(</sheetPr>|<sheetPr[^>]*/>)|(?=<sheetViews)",
        lambda x: (x.group(1) or b"") + dim,
        head,
        count=1,
    )
    return head, _rows(sp, styles, sst), body[m.end() :]


def workbook_bytes(wb: Workbook) -> bytes:
    """excel.workbook_bytes with every registered Splice applied (same fixed zip times)."""
    data = excel.saved(wb)
    splices = {f"xl/worksheets/sheet{s.sheet}.xml": s for s in wb.__dict__.get("_dpc_splices", [])}
    own = {_part(wb, s.ws): s.rows for s in wb.__dict__.get("_dpc_sheets", []) if s.rows}
    if not splices and not own:
        return excel.fixed_bytes(data)
    out = io.BytesIO()
    sst = shared.Table() if any(s.shared for s in splices.values()) else None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in excel.fixed_parts(data):  # in excel's stable order, zipped once
            if name in own:
                body = rowxml.filled(body, own[name])
            zi = _entry(name)
            sp = splices.get(name)
            if sp is None:
                dst.writestr(zi, body if sst is None else shared.declared(name, body))
                continue
            head, rows, tail = _splice_part(body, sp, sst)
            _fast(zi)
            with dst.open(zi, "w") as f:
                f.write(head)
                _pump(f, (chunk.encode("utf-8") for chunk in rows))
                f.write(tail)
        if sst is not None:  # last: its texts are known once the sheets are written
            dst.writestr(_entry(shared.PART), sst.xml(text_xml))
    return out.getvalue()


def _part(wb: Workbook, ws: Any) -> str:
    return f"xl/worksheets/sheet{wb.worksheets.index(ws) + 1}.xml"


def _entry(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi.external_attr = 0o600 << 16
    return zi


SPLICE_LEVEL = 1  # zlib level of spliced sheets: 3 times faster than 6, a fifth larger


def _fast(zi: zipfile.ZipInfo) -> None:
    if sys.version_info >= (3, 13):
        zi.compress_level = SPLICE_LEVEL
    else:
        zi._compresslevel = SPLICE_LEVEL  # type: ignore[attr-defined]  # public from 3.13


def _pump(f: IO[bytes], chunks: Iterator[bytes]) -> None:
    """f.write(chunk) for every chunk, from a second thread: zlib compresses (without the
    GIL) while the next chunk is generated."""
    q: queue.Queue[bytes | None] = queue.Queue(maxsize=1)
    failed: list[BaseException] = []

    def write() -> None:
        while (chunk := q.get()) is not None:
            if not failed:
                try:
                    f.write(chunk)
                except BaseException as e:  # raised in the caller's thread, after join
                    failed.append(e)

    t = threading.Thread(target=write, name="dapaicha-zip")
    t.start()
    try:
        for chunk in chunks:
            if failed:
                break
            q.put(chunk)
    finally:
        q.put(None)
        t.join()
    if failed:
        raise failed[0]
