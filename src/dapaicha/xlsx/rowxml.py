"""The rows of a write-only sheet as sheet XML, the very bytes openpyxl's own writer gives
them (its etree writer costs about 30 µs a cell: a county's summary rows were a fifth of its
workbook's time). sheets.Sheet keeps its rows here; splice.workbook_bytes puts them into
the sheet's empty <sheetData> at save time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

EMPTY = b"<sheetData></sheetData>"  # openpyxl's sheet without rows


def row(ws: Any, r: int, cells: Iterable[Any], height: float | None = None) -> str:
    """Row r (1-based) of sheet ws: cells (openpyxl Cells or plain values; None: no cell),
    its height in points (None: the default)."""
    head = f' ht="{safe_string(float(height))}" customHeight="1"' if height else ""
    out = [f'<row r="{r}"{head}>']
    for j, c in enumerate(cells, 1):
        if c is None:
            continue
        if not isinstance(c, Cell):
            c = Cell(
                ws, row=r, column=j, value=c
            )  # as openpyxl's append takes a plain value: no style
        out.append(cell(c, f"{get_column_letter(j)}{r}"))
    out.append("</row>")
    return "".join(out)


def cell(c: Cell, ref: str) -> str:
    """One cell as openpyxl.cell._writer.etree_write_cell writes it."""
    v: Any = c._value  # type: ignore[attr-defined]  # the value as bound (value's own)
    if v is None and not c.has_style:
        return ""
    head = f'<c r="{ref}" s="{c.style_id}"' if c.has_style else f'<c r="{ref}"'
    t = c.data_type
    if t == "d":
        book = c.parent.parent if c.parent is not None else None
        t, v = "n", to_excel(v) if book is None else to_excel(v, book.epoch)
    if t not in ("s", "n", "b"):
        raise TypeError(f"{ref}: cells of type {t!r} are not written here")
    if t == "s":
        head += ' t="inlineStr"'
    else:
        head += f' t="{t}"'
    if v is None or v == "":
        return head + " />"
    if t != "s":
        text = safe_string(v)
        return f"{head}><v>{text}</v></c>" if text else f"{head}><v /></c>"
    stripped = v.strip()
    space = ' xml:space="preserve"' if stripped and v != stripped else ""
    return f"{head}><is><t{space}>{_escape(v)}</t></is></c>"


def _escape(text: str) -> str:
    """ElementTree's escaping of text."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def filled(body: bytes, rows: list[str]) -> bytes:
    """A sheet part written by openpyxl without rows, with rows in its sheetData."""
    if EMPTY not in body:
        raise RuntimeError("the sheet was written with rows of its own")
    return body.replace(EMPTY, b"<sheetData>" + "".join(rows).encode("utf-8") + b"</sheetData>", 1)
