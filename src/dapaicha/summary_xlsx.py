"""The 县级汇总表 and 市级汇总表 workbooks (openpyxl write-only: detail sheets get big).

Every figure is a value computed by rollup.py (never a formula); every text from a
return goes through excel.put().
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import bigsheet, excel, rollup
from dapaicha.checklist import Campaign, Checklist
from dapaicha.fsutil import inside
from dapaicha.layout import BY_KEY
from dapaicha.rollup import Level, Rollup

DASH = "—"  # a rate with no base
UNIT_HEAD: dict[str, str] = {"county": "县（市、区）", "township": "乡（镇、街道）"}
VILLAGE_HEAD = "行政村"
HEAD: dict[str, str] = {
    "expected": "应报村数",
    "reported": "已报",
    "on_time": "按时",
    "late": "逾期",
    "missing": "未报村数",
    "problems": "排查问题数",
    "immediate": "立行立改",
    "plan": "纳入整改方案",
    "done": "已整改",
    "doing": "正在整改",
    "not_done": "未整改",
    "rate": "整改率",
    "overdue": "逾期未整改",
}
SHEET_SUMMARY = "汇总"
SHEET_PROBLEMS = "问题清单"
SHEET_OVERDUE = "逾期问题"
SHEET_MISSING = "未报村"
SHEET_ITEMS = "按排查项目"

_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_BOLD = Font(name=excel.BODY_FONT, size=10, bold=True)
_B = excel.BORDER
STYLES: dict[str, dict[str, Any]] = {
    "title": {"font": excel.FONT_TITLE, "alignment": excel.CENTER},
    "subtitle": {"font": excel.FONT_BODY, "alignment": excel.CENTER},
    "head": {"font": excel.FONT_HEAD, "alignment": excel.CENTER, "border": _B, "fill": excel.HEAD_FILL},
    "text": {"font": excel.FONT_BODY, "alignment": excel.WRAP, "border": _B},
    "center": {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B},
    "int": {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B, "number_format": "0"},
    "pct": {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B, "number_format": "0.00%"},
    "pp": {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B, "number_format": "+0.00;-0.00;0.00"},
    "date": {"font": excel.FONT_BODY, "alignment": excel.CENTER, "border": _B, "number_format": "yyyy-mm-dd"},
    "note": {"font": excel.FONT_BODY, "alignment": _LEFT},
    "sign": {"font": excel.FONT_SIGN, "alignment": _LEFT},
    "sign_right": {"font": excel.FONT_SIGN, "alignment": _RIGHT},
}
for _k in ("center", "int", "pct", "pp"):
    STYLES[f"{_k}_total"] = {**STYLES[_k], "font": _BOLD}


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


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

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float], freeze: str | None = None) -> None:
        # write-only: sheet properties, views and columns go out with the first row
        self.ws = wb.create_sheet(title)
        self.ws.PAPERSIZE_A4 = Worksheet.PAPERSIZE_A4  # excel.print_setup reads it
        excel.print_setup(self.ws)
        if freeze:
            self.ws.freeze_panes = freeze
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w
        self.ncols = len(widths)
        self.row = 0
        self._styles: dict[str, Cell] = {}

    def cell(self, value: Any, style: str = "center") -> Cell:
        proto = self._styles.get(style)
        if proto is None:
            proto = Cell(self.ws, row=1, column=1)
            for k, v in STYLES[style].items():
                setattr(proto, k, v)
            self._styles[style] = proto
        c = Cell(self.ws, row=1, column=1, style_array=copy(proto._style))
        value = py(value)
        if isinstance(value, float) and style.startswith("int"):
            value = int(value)
        return excel.put(c, value)

    def add(self, cells: Iterable[Any], height: float | None = None) -> int:
        self.row += 1
        if height:
            self.ws.row_dimensions[self.row].height = height
        self.ws.append(list(cells))
        if height:  # written with the row: keep memory flat on long lists
            del self.ws.row_dimensions[self.row]
        return self.row

    def line(self, text: str, style: str, height: float | None = None, span: tuple[int, int] | None = None) -> int:
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


def notes(r: Rollup, extra: Sequence[str] = (), county: str | None = None) -> list[str]:
    """The note rows under a summary table."""
    out = [
        rollup.rate_rule(r.includes_plan),
        "整改结果未填写的问题按“未整改”统计；整改类型未填写的问题不计入“立行立改”“纳入整改方案”两列。",
        f"逾期未整改：整改期限早于截至日期（{cn_date(r.deadline)}）且整改结果不是“已整改”的问题。",
        "已报村数中“按时”“逾期”按报送日期与本期截止日期比较确定；未报送的村，其问题按最近一次报送的台账计入。",
        *extra,
    ]
    o = r.outside if county is None else r.outside[r.outside["county"] == county]
    if len(o):
        names = "、".join((o["county"].fillna("") + o["township"].fillna("") + o["village"].fillna("")).head(10))
        out.append(f"另有名册中没有的 {len(o)} 个村的数据未计入本表：{names}{'等' if len(o) > 10 else ''}。")
    return out


def title_lines(r: Rollup, campaign: Campaign, unit: str, what: str) -> tuple[str, str]:
    title = f"{unit}{campaign.title}{what}（第{r.period}期）"
    sub = (
        f"依据：{campaign.document_number}　"
        f"本期：{cn_date(r.start)}—{cn_date(r.deadline)}　截至：{cn_date(r.deadline)}"
    )
    return title, sub


def summary_sheet(
    wb: Workbook, r: Rollup, campaign: Campaign, level: Level, frame: pd.DataFrame, unit: str, phone: str = ""
) -> Sheet:
    """The 汇总 sheet: a row per unit, the total row, notes, sign-off."""
    cats = r.categories
    widths = [14, 7, 6, 6, 6, 7, 8, *[9] * len(cats), 7, 8, 7, 7, 7, 9, 8]
    sh = Sheet(wb, SHEET_SUMMARY, widths, "B5")
    t, sub = title_lines(r, campaign, unit, "汇总表")
    sh.line(t, "title", 36)
    sh.line(sub, "subtitle", 20)
    h = HEAD
    groups: list[tuple[str, Sequence[str]]] = [
        (UNIT_HEAD[level], ()),
        (h["expected"], ()),
        ("已报村数", (h["reported"], h["on_time"], h["late"])),
        (h["missing"], ()),
        (h["problems"], ()),
        ("按类别分", cats),
        ("按整改类型分", (h["immediate"], h["plan"])),
        ("整改进展", (h["done"], h["doing"], h["not_done"])),
        (h["rate"], ()),
        (h["overdue"], ()),
    ]
    first, last = sh.header(groups)
    keys = ["expected", "reported", "on_time", "late", "missing", "problems", *cats, "immediate", "plan", "done", "doing", "not_done"]
    n = len(frame)
    for i, rec in enumerate(frame.to_dict("records")):
        total = i == n - 1
        sfx = "_total" if total else ""
        cells = [sh.cell(rec["unit"], "center" + sfx)]
        cells += [sh.cell(rec[k], "int" + sfx) for k in keys]
        cells += [rate_cell(sh, rec["rate"], total), sh.cell(rec["overdue"], "int" + sfx)]
        sh.add(cells, 20)
    sh.add([])
    for k, text in enumerate(notes(r, county=unit if level == "township" else None)):
        sh.line(("说明：" if k == 0 else "　　　") + text, "note", 18)
    sh.signoff(campaign, r.deadline, phone)
    sh.finish(f"{first}:{last}")
    return sh


def problem_columns(with_county: bool, overdue: bool) -> list[tuple[str, str, float, str]]:
    """(header, frame column, width, style) of a problem list."""
    cols = [(UNIT_HEAD["county"], "county", 10, "center")] if with_county else []
    cols += [(UNIT_HEAD["township"], "township", 12, "center"), (VILLAGE_HEAD, "village", 10, "center")]
    b = BY_KEY
    cols += [
        (b["category"].header, "cat", 13, "center"),
        (b["no"].header, "no", 5, "int"),
        (b["topic"].header, "topic", 9, "center"),
        (b["description"].header, "description", 28, "text"),
        (b["measure"].header, "measure", 28, "text"),
        (b["kind"].header, "kind", 12, "center"),
        (b["deadline"].header, "deadline", 11, "date"),
        (b["owner"].header, "owner", 8, "center"),
        (b["result"].header, "result", 8, "center"),
        (b["done_date"].header, "done_date", 11, "date"),
        (b["note"].header, "note", 12, "text"),
        ("本期未更新", "carried", 6, "center"),
    ]
    if overdue:
        cols.append(("逾期天数", "days_overdue", 6, "int"))
    return cols


def list_sheet(
    wb: Workbook, name: str, title: str, columns: Sequence[tuple[str, str, float, str]], frame: pd.DataFrame, empty: str
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
        vals = [py(v) for v in col.tolist()]
        if style == "int":
            vals = [int(v) if isinstance(v, float) else v for v in vals]
        data.append(vals)
    if len(frame):  # one prototype row, replaced by every row at save time (bigsheet)
        proto = sh.add([sh.cell(bigsheet.TOKEN, c[3]) for c in columns])
        widths = [c[2] for c in columns]
        heights = [row_height(values, widths) for values in zip(*data, strict=True)]
        kinds = ["date" if c[3] == "date" else "int" if c[3] == "int" else "text" for c in columns]
        bigsheet.register(wb, bigsheet.Splice(wb.worksheets.index(sh.ws) + 1, proto, kinds, data, heights))
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
    return None if lines == 1 else min(409.0, lines * LINE_HEIGHT + 3)


MISSING_COLUMNS = [
    (UNIT_HEAD["county"], "county", 12, "center"),
    (UNIT_HEAD["township"], "township", 14, "center"),
    (VILLAGE_HEAD, "village", 14, "center"),
    ("村代码", "village_code", 15, "center"),
    ("状态", "status", 24, "center"),
    ("最近报送日期", "report_date", 13, "date"),
]


def _county_sheets(wb: Workbook, r: Rollup, county: str | None, unit: str) -> None:
    with_county = county is None
    cols = problem_columns(with_county, overdue=True)
    over = rollup.problem_list(r, county, overdue_only=True)
    list_sheet(wb, SHEET_OVERDUE, f"{unit}逾期未整改问题（第{r.period}期，截至{cn_date(r.deadline)}）", cols, over, "本期没有逾期未整改的问题。")
    miss = rollup.unreported(r, county)
    mcols = MISSING_COLUMNS if with_county else MISSING_COLUMNS[1:]
    list_sheet(wb, SHEET_MISSING, f"{unit}本期未报送台账的村（第{r.period}期）", mcols, miss, "本期所有村均已报送。")


def write_county(r: Rollup, checklist: Checklist, county: str, path: Path) -> Path:
    """DIR/<县>_县级汇总表_第N期.xlsx: 汇总, 问题清单, 逾期问题, 未报村."""
    wb = new_book()
    frame = rollup.summary(r, "township", county)
    summary_sheet(wb, r, checklist.campaign, "township", frame, county)
    cols = problem_columns(with_county=False, overdue=False)
    list_sheet(wb, SHEET_PROBLEMS, f"{county}问题整改台账（第{r.period}期，截至{cn_date(r.deadline)}）", cols, rollup.problem_list(r, county), "本期没有排查出问题。")
    _county_sheets(wb, r, county, county)
    bigsheet.save(wb, path)
    return path


def items_sheet(wb: Workbook, r: Rollup, checklist: Checklist) -> Sheet:
    """按排查项目: every checklist item, by 问题数 descending, ties by 序号."""
    f = rollup.by_item(r, checklist)
    cols = [("类别", 14), ("序号", 5), ("排查项目", 10), ("排查内容", 60), ("问题数", 7), ("涉及村数", 7), ("已整改", 7), ("整改率", 9)]
    sh = Sheet(wb, SHEET_ITEMS, [w for _, w in cols], "A4")
    sh.line(f"{checklist.campaign.title}问题分布（按排查项目，第{r.period}期）", "title", 30)
    sh.line(f"截至{cn_date(r.deadline)}，按问题数从多到少排列，问题数相同的按序号排列", "subtitle", 20)
    first, last = sh.header([(c, ()) for c, _ in cols])
    widths = [w for _, w in cols]
    for rec in f.to_dict("records"):
        texts = [rec["category"], None, rec["topic"], rec["content"], None, None, None, None]
        sh.add(
            [
                sh.cell(rec["category"], "center"),
                sh.cell(rec["no"], "int"),
                sh.cell(rec["topic"], "center"),
                sh.cell(rec["content"], "text"),
                sh.cell(rec["problems"], "int"),
                sh.cell(rec["villages"], "int"),
                sh.cell(rec["done"], "int"),
                rate_cell(sh, rec["rate"]),
            ],
            row_height(texts, widths),
        )
    sh.add([])
    sh.line("说明：" + rollup.rate_rule(r.includes_plan), "note", 30)
    sh.finish(f"{first}:{last}")
    return sh


def write_city(r: Rollup, checklist: Checklist, path: Path) -> Path:
    """DIR/市级汇总表_第N期.xlsx: 汇总, 按排查项目, 逾期问题, 未报村."""
    wb = new_book()
    c = checklist.campaign
    frame = rollup.summary(r, "county")
    summary_sheet(wb, r, c, "county", frame, "全市", phone=c.phone)
    items_sheet(wb, r, checklist)
    _county_sheets(wb, r, None, "全市")
    bigsheet.save(wb, path)
    return path


def county_path(out: Path, county: str, period: int) -> Path:
    return inside(out, f"{county}_县级汇总表_第{period}期.xlsx")


def city_path(out: Path, period: int) -> Path:
    return inside(out, f"市级汇总表_第{period}期.xlsx")
