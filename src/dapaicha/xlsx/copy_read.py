"""A returned .xlsx opened for its 退回修改 copy: openpyxl's load_workbook, the same workbook,
at less than half the cost.

Three parts of openpyxl's reader dominate a return's load and are done here the cheap way,
to the same result: the shared strings (openpyxl builds an object tree for each), the merged
ranges (each cell of each range re-styled, one style lookup after another) and the parsing
of XML holding no "!" (so no DTD: the standard library's C parser, not defusedxml's pure
Python one). The rest is openpyxl's own reader, step by step (ExcelReader.read_worksheets,
WorkSheetParser.parse, WorksheetReader.bind_all). tests/test_feedback_same.py holds the two
readers to the same workbook, byte for byte once saved.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree.ElementTree import iterparse as std_iterparse

from openpyxl.cell import Cell, MergedCell
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList, get_dependents, get_rels_path
from openpyxl.pivot.table import TableDefinition
from openpyxl.reader import excel as openpyxl_reader
from openpyxl.reader.drawings import find_images
from openpyxl.styles.borders import Border
from openpyxl.styles.cell_style import StyleArray
from openpyxl.workbook import Workbook
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidationList
from openpyxl.worksheet.dimensions import SheetFormatProperties
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.header_footer import HeaderFooter
from openpyxl.worksheet.hyperlink import HyperlinkList
from openpyxl.worksheet.merge import MergeCells, MergedCellRange
from openpyxl.worksheet.page import PageMargins, PrintOptions, PrintPageSetup
from openpyxl.worksheet.properties import WorksheetProperties
from openpyxl.worksheet.scenario import ScenarioList
from openpyxl.worksheet.table import Table, TablePartList
from openpyxl.worksheet.views import SheetViewList
from openpyxl.xml.constants import COMMENTS_NS, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring, iterparse

_SI = f"{{{SHEET_MAIN_NS}}}si"
_DRAWING: str = SpreadsheetDrawing._rel_type  # type: ignore[attr-defined]
_SIDES = ("top", "left", "right", "bottom")
_COMMENT_WARNING = (
    "Cell '{0}':{1} is part of a merged range but has a comment which will be removed "
    "because merged cells cannot contain any data."
)


def load(data: bytes) -> Workbook:
    """load_workbook(BytesIO(data), keep_vba=False), cheaper."""
    reader = _Reader(io.BytesIO(data), keep_vba=False)
    reader.read()
    return reader.wb


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def string_table(body: bytes) -> list[str]:
    """openpyxl's read_string_table without its object per string: each <si>'s text is its
    <t> then its runs' <t> (the last of each, as openpyxl takes it), phonetic runs left out.

    Without a "!" the part holds no DTD (nor CDATA, comment), so the standard library's C
    parser reads it; otherwise defusedxml's, as openpyxl does.
    """
    parse = std_iterparse if b"!" not in body else iterparse
    out: list[str] = []
    for _, node in parse(io.BytesIO(body)):
        if node.tag != _SI:
            continue
        plain: str | None = None
        runs: list[str] = []
        for el in node:
            tag = _local(el.tag)
            if tag == "t":
                plain = el.text
            elif tag == "r":
                t = None
                for sub in el:
                    if _local(sub.tag) == "t":
                        t = sub.text
                if t is not None:
                    runs.append(t)
        text = "".join(([plain] if plain is not None else []) + runs)
        out.append(text.replace("x005F_", ""))
        node.clear()
    return out


def bind_merged(ws: Any, refs: list[str]) -> None:
    """What WorksheetReader.bind_merged_cells does (MergedCellRange: the top-left cell takes
    the bottom-right one's right and bottom border; _clean_merge_range and format: the other
    cells become MergedCells, the edges take the top-left cell's borders, every cell its
    protection), each style combination computed once instead of once a cell."""
    wb = ws.parent
    borders, protections = wb._borders, wb._protections
    added: dict[tuple[int, int, str], int] = {}  # (cell's border, top-left's, side) → border

    def add(have: int, start: int, side: str) -> int:
        key = (have, start, side)
        if key not in added:
            if side == "end":  # the top-left cell takes the bottom-right one's right, bottom
                end = borders[start]
                extra = Border(right=end.right, bottom=end.bottom)
            else:
                extra = Border(**{side: getattr(borders[start], side)})
            added[key] = borders.add(borders[have] + extra)
        return added[key]

    ranges = []
    for ref in refs:
        mcr = MergedCellRange.__new__(MergedCellRange)
        super(MergedCellRange, mcr).__init__(ref)  # CellRange's: no borders touched yet
        mcr.ws = ws
        start = ws._cells.get((mcr.min_row, mcr.min_col)) or ws.cell(mcr.min_row, mcr.min_col)
        mcr.start_cell = start
        if not start._style:  # as openpyxl's style descriptors do on first use
            start._style = StyleArray()
        end = ws._cells.get((mcr.max_row, mcr.max_col))
        if end is not None:
            start._style.borderId = add(start._style.borderId, end._style.borderId, "end")
        cells = mcr.cells
        next(cells)
        for row, col in cells:
            merged: Any = MergedCell(ws, row, col)
            merged._style = StyleArray()
            ws._cells[row, col] = merged
        _format(mcr, start, add)
        protection = protections.add(protections[start._style.protectionId])
        for coord in mcr.cells:
            ws._cells[coord]._style.protectionId = protection
        ranges.append(mcr)
    ws.merged_cells = MultiCellRange(ranges)


def _format(mcr: Any, start: Any, add: Callable[[int, int, str], int]) -> None:
    """MergedCellRange.format's borders: each side the top-left cell has goes to the cells
    on that edge (the top-left cell included)."""
    ws = mcr.ws
    for side in _SIDES:
        sid = start._style.borderId
        have = getattr(ws.parent._borders[sid], side)
        if have and have.style is None:  # openpyxl's test: a missing side is still added
            continue
        for coord in getattr(mcr, side):
            cell = ws._cells[coord]
            cell._style.borderId = add(cell._style.borderId, sid, side)


class _Reader(openpyxl_reader.ExcelReader):
    """openpyxl's ExcelReader with string_table and bind_merged (never read-only)."""

    def read_strings(self) -> None:
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            self.shared_strings = string_table(self.archive.read(ct.PartName[1:]))

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)  # type: ignore[arg-type]
                continue
            rels_path = get_rels_path(rel.target)
            rels = RelationshipList()
            if rels_path in self.valid_files:
                rels = get_dependents(self.archive, rels_path)
            ws = self.wb.create_sheet(sheet.name)
            ws._rels = rels
            tables = self._bind(ws, self.archive.read(rel.target))
            self._parts(ws, rels, tables)
            ws.sheet_state = sheet.state

    def _bind(self, ws: Any, body: bytes) -> list[str]:
        """WorksheetReader.bind_all, with bind_merged for its bind_merged_cells (and the
        standard library's parser for defusedxml's when the part holds no "!")."""
        reader = openpyxl_reader.WorksheetReader(  # type: ignore[attr-defined]
            ws, io.BytesIO(body), self.shared_strings, self.data_only, self.rich_text
        )
        _bind_cells(ws, reader.parser, b"!" in body)
        merged = reader.parser.merged_cells
        if merged:
            bind_merged(ws, [cr.ref for cr in merged.mergeCell])
        reader.bind_hyperlinks()
        reader.bind_formatting()
        reader.bind_col_dimensions()
        reader.bind_row_dimensions()
        reader.bind_tables()
        reader.bind_properties()
        return list(reader.tables)

    def _tree(self, part: str) -> Any:
        return fromstring(self.archive.read(part))

    def _parts(self, ws: Any, rels: RelationshipList, tables: list[str]) -> None:
        """The rest of ExcelReader.read_worksheets: comments, tables, drawings, pivots."""
        for r in rels.find(COMMENTS_NS):
            comment_sheet: Any = CommentSheet.from_tree(self._tree(r.target))
            for ref, comment in comment_sheet.comments:
                try:
                    ws[ref].comment = comment
                except AttributeError:
                    c = ws[ref]
                    if isinstance(c, MergedCell):
                        warnings.warn(_COMMENT_WARNING.format(ws.title, c.coordinate), stacklevel=2)
                        continue
        if self.wb.vba_archive and ws.legacy_drawing:
            ws.legacy_drawing = rels.get(ws.legacy_drawing).target
        else:
            ws.legacy_drawing = None
        for t in tables:
            ws.add_table(Table.from_tree(self._tree(t)))
        for rel in rels.find(_DRAWING):
            charts, images = find_images(self.archive, rel.target)
            for c in charts:
                ws.add_chart(c, c.anchor)
            for im in images:
                ws.add_image(im, im.anchor)
        pivot_caches = self.parser.pivot_caches
        for r in rels.find(TableDefinition.rel_type):
            pivot: Any = TableDefinition.from_tree(self._tree(r.Target))
            pivot.cache = pivot_caches[pivot.cacheId]
            ws.add_pivot(pivot)


def _bind_cells(ws: Any, parser: Any, defused: bool) -> None:
    """WorksheetReader.bind_cells, reading the rows from _rows (or parser.parse)."""
    styles = ws.parent._cell_styles
    for _, row in parser.parse() if defused else _rows(parser):
        for cell in row:
            c: Any = Cell(
                ws, row=cell["row"], column=cell["column"], style_array=styles[cell["style_id"]]
            )
            c._value = cell["value"]
            c.data_type = cell["data_type"]
            ws._cells[(cell["row"], cell["column"])] = c
    if ws._cells:
        ws._current_row = ws.max_row


# WorkSheetParser.parse's: the tag of each part of a sheet kept as an object, and of each
# part parsed by one of the parser's methods
_PROPERTIES: dict[str, tuple[str, Any]] = {
    "printOptions": ("print_options", PrintOptions),
    "pageMargins": ("page_margins", PageMargins),
    "pageSetup": ("page_setup", PrintPageSetup),
    "headerFooter": ("HeaderFooter", HeaderFooter),
    "autoFilter": ("auto_filter", AutoFilter),
    "dataValidations": ("data_validations", DataValidationList),
    "sheetPr": ("sheet_properties", WorksheetProperties),
    "sheetViews": ("views", SheetViewList),
    "sheetFormatPr": ("sheet_format", SheetFormatProperties),
    "scenarios": ("scenarios", ScenarioList),
    "tableParts": ("tables", TablePartList),
    "hyperlinks": ("hyperlinks", HyperlinkList),
    "mergeCells": ("merged_cells", MergeCells),
}
_HANDLERS = {
    "col": "parse_column_dimensions",
    "sheetProtection": "parse_sheet_protection",
    "extLst": "parse_extensions",
    "conditionalFormatting": "parse_formatting",
    "legacyDrawing": "parse_legacy",
    "rowBreaks": "parse_row_breaks",
    "colBreaks": "parse_col_breaks",
    "customSheetViews": "parse_custom_views",
}
_NS = f"{{{SHEET_MAIN_NS}}}"
_ROW = f"{_NS}row"


def _rows(parser: Any) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """WorkSheetParser.parse, the XML read by the standard library's parser."""
    dispatcher = {_NS + tag: getattr(parser, name) for tag, name in _HANDLERS.items()}
    properties = {_NS + tag: prop for tag, prop in _PROPERTIES.items()}
    for _, element in std_iterparse(parser.source):
        tag = element.tag
        if tag in dispatcher:
            dispatcher[tag](element)
            element.clear()
        elif tag in properties:
            name, kind = properties[tag]
            setattr(parser, name, kind.from_tree(element))
            element.clear()
        elif tag == _ROW:
            row = parser.parse_row(element)
            element.clear()
            yield row
