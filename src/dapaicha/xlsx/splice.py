"""Long lists written fast: openpyxl (without lxml) serialises about 10,000 cells a second,
so a long list is written by openpyxl as its title, header and ONE prototype row whose cells
carry each column's style; at save time the prototype row is replaced by the real rows,
generated here as sheet XML (inline strings, so text can never be a formula; dates as
serials with the column's date style). Everything else in the workbook (styles, merges,
print setup, defined names) is openpyxl's own output.

No pandas here: 校验报告 (validate) and the merged ledger splice their lists too, and a
command that needs no frame does not pay for importing pandas (issue 20).
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dapaicha.xlsx import excel, rowxml, shared

Codes = tuple[np.ndarray, np.ndarray]  # codes_of a column


def codes_of(values: Sequence[Any]) -> Codes:
    """(code of each value, the distinct values in the order first met): equal values share
    a code; None → -1."""
    index: dict[Any, int] = {}
    add = index.setdefault
    codes = [-1 if v is None else add(v, len(index)) for v in values]
    return np.array(codes, np.intp), np.fromiter(index, dtype=object, count=len(index))


def new_book() -> Workbook:
    """A write-only workbook (its long lists spliced in at save)."""
    return Workbook(write_only=True)


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
    codes: dict[int, Codes] = field(default_factory=dict)  # column → its codes_of, when known


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
    if v is None or (t is float and math.isnan(v)):
        return head + "/>"
    if t is int or t is float:
        return f"{head}><v>{v}</v></c>"
    if isinstance(v, dt.date):
        if v != v:  # pandas' NaT: a datetime unequal to itself
            return head + "/>"
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
    codes, uniq = known or codes_of(values)
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
