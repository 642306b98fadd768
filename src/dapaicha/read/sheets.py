"""A sheet as a grid of values (calamine, openpyxl where calamine overflows), its merged
blocks in an .ods, and the part name of each xlsx sheet."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from html import unescape
from typing import Any

import openpyxl
import python_calamine as pc
from defusedxml.ElementTree import fromstring

from dapaicha.read import book, sniff


def grid_of(
    wb: pc.CalamineWorkbook, name: str, data: bytes | None = None
) -> tuple[list[list[Any]], book.Ranges]:
    sh = wb.get_sheet_by_name(name)
    merged = sh.merged_cell_ranges or []
    try:
        grid = sh.to_python(skip_empty_area=False, nrows=sniff.MAX_ROWS)
    except BaseException as err:
        # calamine fails (OverflowError) or panics on a number too large for the date or
        # duration format of its cell (1e15 in a [h]:mm cell); openpyxl reads that cell
        if not book.parser_failure(err):
            raise
        if data is None or not data.startswith(b"PK") or b"mimetype" in data[:100]:
            raise ValueError("表格中有超出范围的日期或时间，无法读取") from None
        grid = _grid_openpyxl(data, name)
    return grid, merged


def _grid_openpyxl(data: bytes, name: str) -> list[list[Any]]:
    with warnings.catch_warnings():  # "marked as a date but … outside the limits"
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            ws = wb[name]
            rows = ws.iter_rows(max_row=sniff.MAX_ROWS, max_col=sniff.MAX_COLS, values_only=True)
            return [["" if v is None else v for v in row] for row in rows]
        finally:
            wb.close()


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def ods_merges(data: bytes, sheet: str) -> book.Ranges:
    """Merged blocks of an .ods sheet (calamine reports none for OpenDocument)."""
    t = f"{{{_TABLE_NS}}}"
    try:
        root = fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"), forbid_dtd=True)
    except Exception:
        return []
    out = []
    for table in root.iter(t + "table"):
        if table.get(t + "name") != sheet:
            continue
        r = 0
        for row in table.iter(t + "table-row"):
            if r >= sniff.MAX_ROWS:
                break
            c = 0
            for cell in row:
                if cell.tag not in (t + "table-cell", t + "covered-table-cell"):
                    continue
                rs = int(cell.get(t + "number-rows-spanned", "1"))
                cs = int(cell.get(t + "number-columns-spanned", "1"))
                if rs > 1 or cs > 1:
                    out.append(((r, c), (r + rs - 1, c + cs - 1)))
                c += int(cell.get(t + "number-columns-repeated", "1"))
                if c > sniff.MAX_COLS:
                    break
            r += int(row.get(t + "number-rows-repeated", "1"))
        break
    return out


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def sheet_parts(data: bytes) -> dict[str, str]:
    """xlsx sheet name → its part name (to tell which sheet was oversized)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        wbx = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except Exception:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        a = dict(_ATTR.findall(tag))
        tgt = a.get(b"Target", b"").decode()
        targets[a.get(b"Id", b"").decode()] = (
            tgt.lstrip("/") if tgt.startswith("/") else "xl/" + tgt
        )
    out = {}
    for tag in _SHEET_TAG.findall(wbx):
        a = {k.split(b":")[-1] if k != b"r:id" else k: v for k, v in _ATTR.findall(tag)}
        rid = next((v for k, v in a.items() if k.endswith(b"id") and k != b"sheetId"), b"")
        out[unescape(a.get(b"name", b"").decode())] = targets.get(rid.decode(), "")
    return out
