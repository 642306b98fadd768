"""Long list sheets, written fast.

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
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from dapaicha import excel
from dapaicha.fsutil import atomic_write_bytes

Kind = Literal["text", "int", "date"]
TOKEN = "@@dpc-proto@@"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_EPOCH = dt.date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHUNK = 5000


@dataclass
class Splice:
    sheet: int  # 1-based position among the worksheets → xl/worksheets/sheet{n}.xml
    row: int  # the prototype row
    kinds: Sequence[Kind]
    columns: Sequence[Sequence[Any]]  # values, column by column
    heights: Sequence[float | None]


def register(wb: Workbook, splice: Splice) -> None:
    wb.__dict__.setdefault("_dpc_splices", []).append(splice)


def text_xml(v: str) -> str:
    if len(v) > excel.MAX_CELL_CHARS:
        v = v[: excel.MAX_CELL_CHARS - 1] + "…"
    v = _ILLEGAL.sub("", v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return v


def _cell(ref: str, style: bytes, kind: Kind, v: Any) -> str:
    s = style.decode()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f'<c r="{ref}" s="{s}"/>'
    if isinstance(v, str):
        return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{text_xml(v)}</t></is></c>'
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return f'<c r="{ref}" s="{s}"><v>{(v - _EPOCH).days}</v></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" s="{s}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f'<c r="{ref}" s="{s}"><v>{v}</v></c>'
    return _cell(ref, style, kind, str(v))


def _rows(sp: Splice, styles: list[bytes]) -> Iterator[str]:
    letters = [get_column_letter(j + 1) for j in range(len(sp.columns))]
    out: list[str] = []
    for i, values in enumerate(zip(*sp.columns, strict=True)):
        r = sp.row + i
        h = sp.heights[i]
        attrs = f' ht="{h:g}" customHeight="1"' if h else ""
        cells = "".join(
            _cell(f"{letters[j]}{r}", styles[j], sp.kinds[j], v) for j, v in enumerate(values)
        )
        out.append(f'<row r="{r}"{attrs}>{cells}</row>')
        if len(out) >= _CHUNK:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


def _splice_part(body: bytes, sp: Splice) -> tuple[bytes, Iterator[str], bytes]:
    m = re.search(rb'<row r="%d"[^>]*>(.*?)</row>' % sp.row, body, re.S)
    if m is None or TOKEN.encode() not in m.group(1):
        raise RuntimeError(f"prototype row {sp.row} not found in sheet {sp.sheet}")
    styles = re.findall(rb'<c r="[A-Z]+%d" s="(\d+)"' % sp.row, m.group(1))
    if len(styles) != len(sp.columns):
        raise RuntimeError("prototype row has a cell without style")
    last = sp.row + len(sp.heights) - 1
    head = re.sub(
        rb'<dimension ref="[^"]*"/>',
        b'<dimension ref="A1:%s%d"/>' % (get_column_letter(len(sp.columns)).encode(), last),
        body[: m.start()],
    )
    return head, _rows(sp, styles), body[m.end() :]


def workbook_bytes(wb: Workbook) -> bytes:
    """excel.workbook_bytes with every registered Splice applied (same fixed zip times)."""
    data = excel.workbook_bytes(wb)
    splices = {f"xl/worksheets/sheet{s.sheet}.xml": s for s in wb.__dict__.get("_dpc_splices", [])}
    if not splices:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # already in excel's stable order
            body = src.read(info)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            sp = splices.get(info.filename)
            if sp is None:
                dst.writestr(zi, body)
                continue
            head, rows, tail = _splice_part(body, sp)
            with dst.open(zi, "w") as f:
                f.write(head)
                for chunk in rows:
                    f.write(chunk.encode("utf-8"))
                f.write(tail)
    return out.getvalue()


def save(wb: Workbook, path: Path) -> None:
    """Save atomically; the same content gives the same bytes."""
    atomic_write_bytes(Path(path), workbook_bytes(wb))
