"""Cells of a sheet whose formula has no value to read: never computed (no cached value,
as some programs save) or an error (#NAME? when text typed with a leading “=” became a
formula). calamine reads both as blank; the village sees something in the cell."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from dapaicha import layout
from dapaicha.findings import C, Finding, make
from dapaicha.read.sheets import sheet_parts
from dapaicha.read.sniff import _CELL_BLOCK, _NS, _R_ATTR

_F = re.compile(rb"<" + _NS + rb"f[\s/>]")
_V = re.compile(rb"<" + _NS + rb"v(?=[\s/>])([^>]*)>([^<]*)")
_ERROR = re.compile(rb"""(?:^|\s)t\s*=\s*["']e["']""")


def unread(body: bytes) -> dict[str, str]:
    """A1 address → what the cell shows ("#NAME?"; "" when never computed), for each formula
    cell without a value and each error cell of a sheet part."""
    out: dict[str, str] = {}
    for m in _CELL_BLOCK.finditer(body):
        block, attrs = m.group(0), m.group(1)
        error = _ERROR.search(attrs) is not None
        if not error and _F.search(block) is None:
            continue
        v = _V.search(block)
        r = _R_ATTR.search(attrs)
        if r is None:
            continue
        kept = v is not None and not v.group(1).rstrip().endswith(b"/")  # not <v/>, <v />
        shown = v.group(2).decode("utf-8", "replace").strip() if v and kept else None
        if error:
            out[r.group(1).decode("ascii", "replace").upper()] = shown or "#VALUE!"
        elif shown is None:  # a formula never computed (an empty result is a value)
            out[r.group(1).decode("ascii", "replace").upper()] = ""
    return out


def of_sheet(data: bytes, sheet: str, parts: tuple[str, ...]) -> dict[str, str]:
    """unread() of the named sheet of an xlsx, when its part is among `parts` (Sniff's
    formula_parts); {} otherwise or when the part cannot be read."""
    part = sheet_parts(data).get(sheet)
    if part not in parts:
        return {}
    try:
        body = zipfile.ZipFile(io.BytesIO(data)).read(part)
    except (KeyError, OSError, ValueError, zipfile.BadZipFile):
        return {}
    return unread(body)


def findings(file: str, sheet: str, rows: Iterable[Any], cells: dict[str, str]) -> list[Finding]:
    """formula-unread for each village-filled cell of the table rows (`.values`, `.addrs`)
    that is such a formula and was read as blank."""
    out = []
    for tr in rows:
        for key, addr in tr.addrs.items():
            if addr in cells and layout.BY_KEY[key].fill and _blank(tr.values.get(key)):
                shown = f"显示为“{cells[addr]}”" if cells[addr] else "没有保存计算结果"
                out.append(make(C.FORMULA_UNREAD, file, sheet=sheet, cell=addr, value=shown))
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())
