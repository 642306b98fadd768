"""A 退回修改 copy saved: openpyxl's writer, the same bytes, at a lower cost.

openpyxl (without lxml) serialises each cell as an element through a namespace-aware
writer, about half of a copy's save. Here a row whose cells are all plain (a number, a
text, nothing but a style) is written as the text that writer produces for it; any other
row (dates, booleans, errors, rich text, formulas) is left to openpyxl. The archive is
written uncompressed, for excel.fixed_bytes to compress once.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from typing import Any

from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.workbook import Workbook
from openpyxl.writer import excel as openpyxl_writer

from dapaicha.xlsx import excel

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})  # ElementTree's text escape
_ESCAPE_ATTRIB = str.maketrans(  # and its attribute escape
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\r": "&#13;",
        "\n": "&#10;",
        "\t": "&#09;",
    }
)


def workbook_bytes(wb: Workbook) -> bytes:
    """excel.workbook_bytes(wb), the same bytes (rows written by _SheetWriter)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
        wb.properties.creator = "dapaicha"
        _Writer(wb, archive).save()
    return excel.fixed_bytes(raw.getvalue())


def cell_text(cell: Any, style_id: int | None) -> str | None:
    """The XML openpyxl writes for a plain cell (etree_write_cell), style_id its s (None: not
    styled); None for any other cell."""
    value, kind = cell._value, cell.data_type
    if getattr(cell, "hyperlink", None) is not None:
        return None
    head = f'<c r="{cell.coordinate}"'
    if style_id is not None:
        head += f' s="{style_id}"'
    if value is None or value == "":
        if kind == "n":
            return head + ' t="n" />'
        return head + ' t="inlineStr" />' if kind == "s" else None
    if kind == "n" and type(value) in (int, float) and math.isfinite(value):
        return f'{head} t="n"><v>{value:.16g}</v></c>'
    if kind == "s" and type(value) is str:
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and value != stripped else ""
        return f'{head} t="inlineStr"><is><t{space}>{value.translate(_ESCAPE)}</t></is></c>'
    return None


class _SheetWriter(openpyxl_writer.WorksheetWriter):  # type: ignore[name-defined]
    """openpyxl's WorksheetWriter; a row of plain cells written as text (the row element too:
    its attributes are plain names, in the order openpyxl gives them)."""

    def __init__(self, ws: Any, out: Any = None) -> None:
        super().__init__(ws, out)
        self.style_ids: dict[bytes, int] = {}  # a style array's bytes → cell.style_id

    def write_row(self, xf: Any, row: list[Any], row_idx: int) -> None:
        ws: Any = self.ws
        ids = self.style_ids
        texts = []
        for cell in row:
            styled = cell.has_style
            if cell._value is None and not styled and not cell._comment:
                continue
            sid = None
            if styled:  # cell.style_id: the cell's style array's index, added when new
                key = cell._style.tobytes()
                sid = ids[key] if key in ids else ids.setdefault(key, cell.style_id)
            text = cell_text(cell, sid)
            if text is None:
                super().write_row(xf, row, row_idx)
                return
            texts.append(text)
        for cell in row:
            if cell._comment is not None:
                ws._comments.append(CommentRecord.from_cell(cell))
        attrs = {"r": f"{row_idx}"}
        attrs.update(ws.row_dimensions.get(row_idx, {}))
        tag = "".join(f' {k}="{v.translate(_ESCAPE_ATTRIB)}"' for k, v in attrs.items())
        xf._file(f"<row{tag}>{''.join(texts)}</row>")


class _Writer(openpyxl_writer.ExcelWriter):
    """openpyxl's ExcelWriter with _SheetWriter, each sheet's XML kept in memory."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())  # type: ignore[attr-defined]
        self.manifest.append(ws)
