"""Write-only sheets for the summary workbooks: styles, title/header/notes/sign-off rows,
and long lists from frames, written fast (spliced in at save: xlsx/splice.py).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from copy import copy
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dapaicha.config.checklist import Campaign
from dapaicha.xlsx import excel, rowxml, splice
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
        proto = sh.add([sh.cell(splice.TOKEN, c[3]) for c in columns])
        wrap = [j for j, c in enumerate(columns) if c[3] in ("text", "center")]
        widths = [columns[j][2] for j in wrap]
        known: list[splice.Codes] = []
        heights = row_heights([data[j] for j in wrap], widths, known)
        at = wb.worksheets.index(sh.ws) + 1
        splice.register(
            wb, splice.Splice(at, proto, data, heights, codes=dict(zip(wrap, known, strict=True)))
        )
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


def row_heights(
    columns: Sequence[Sequence[Any]],
    widths: Sequence[float],
    known: list[splice.Codes] | None = None,
) -> list[float | None]:
    """[row_height(row, widths) for row in zip(*columns)], column by column: each distinct
    text of a column is measured once; known: gets each column's splice.codes_of."""
    if not columns:
        return []
    lines = np.ones(len(columns[0]), np.int64)
    for values, w in zip(columns, widths, strict=True):
        codes, uniq = splice.codes_of(values)
        if known is not None:
            known.append((codes, uniq))
        per = np.fromiter((_lines(u, w) for u in uniq), np.int64, len(uniq))
        lines = np.maximum(lines, np.append(per, 1)[codes])
    points = {k: excel.row_points(k, LINE_HEIGHT) for k in np.unique(lines).tolist() if k > 1}
    return [points.get(k) for k in lines.tolist()]
