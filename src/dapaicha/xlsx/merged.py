"""The merged ledger workbook: written from one period's frames, read back as Submissions.

Sheets: layout.SHEET_MERGED (one row per problem of every village, as it stands in the
period: this period's return, else the last one carried forward, 本期未更新 = 是);
layout.SHEET_MERGED_META (very hidden, key/value rows: checklist, period, tier) and
layout.SHEET_MERGED_VILLAGES (hidden: every village covered, with or without problems).

A merged ledger is itself a return at the next tier: `read()` / `read_return()` give one
Submission per reported village (source_kind "merged", rows = its problems only, period =
the period its rows come from, sha256 = sha256(file bytes + village key)). A village with no
problems has no rows: every item of it reads as 否.
"""

from __future__ import annotations

import datetime as dt
from copy import copy
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import __version__, layout
from dapaicha.check import merged as merged_check
from dapaicha.config.checklist import Checklist
from dapaicha.read import merged as read_merged
from dapaicha.xlsx import excel, splice

if TYPE_CHECKING:  # a name for the annotations: validate reads merged ledgers without pandas
    from dapaicha.store.query import PeriodData

FORMAT_VERSION = "1"
_TITLE_ROW, _HEAD_ROW = 1, 2


def code_of(key: str) -> str:
    """The 12-digit code inside a village key ("" for a name key county/township/village)."""
    return "" if "/" in key else key


def tier_of(counties: list[str]) -> tuple[str, str]:
    """(tier, unit): 县 with the county's name when one county is covered, else 市 / 全市."""
    distinct = list(dict.fromkeys(c for c in counties if c))
    return ("县", distinct[0]) if len(distinct) == 1 else ("市", "全市")


def _cell(
    ws: Worksheet, value: Any, font=excel.FONT_BODY, border=excel.BORDER, align=excel.WRAP
) -> Any:
    c = excel.put(WriteOnlyCell(ws), value)
    c.font, c.border, c.alignment = font, border, align
    return c


@dataclass
class Written:
    path: Path
    tier: str
    unit: str
    villages: int
    problems: int


def write(
    path: Path | str, data: PeriodData, cl: Checklist, sources: dict[str, int] | None = None
) -> Written:
    """Write the merged ledger of data.period. sources: village key → period of its rows.

    The rows of both long sheets are spliced in as sheet XML (xlsx/splice.py); the
    checksums in the meta sheet are computed from the values written, as they read back.
    """
    sources = sources or {}
    vil, pro = data.villages, data.problems
    tier, unit = tier_of(vil["county"].tolist())
    cols = layout.merged_columns()
    keys = [k for k, _, _ in cols]
    rows, texts = _prepared(_problem_columns(pro, keys))
    lines, vtexts = _prepared(_village_columns(vil, pro, sources))
    wb = Workbook(write_only=True)
    _problem_sheet(wb, data, cl, unit, cols, rows)
    _village_sheet(wb, lines)
    vkeys = [k for k, _ in layout.MERGED_VILLAGE_COLUMNS]
    order = sorted(range(len(vkeys)), key=lambda j: vkeys[j])
    meta = _meta(data, cl, tier, unit)
    got = read_merged.sums_of(
        dict(meta),
        keys,
        list(zip(*texts, strict=True)) if texts and texts[0] else [],
        (
            [(vkeys[j], line[j]) for j in order]
            for line in zip(*vtexts, strict=True)
            if line[vkeys.index("code")] or line[vkeys.index("village")]
        ),
    )
    _meta_sheet(wb, [*meta, *got.items()])
    excel.save(wb, Path(path), splice.workbook_bytes)
    return Written(Path(path), tier, unit, len(vil), len(pro))


def _problem_sheet(
    wb: Workbook,
    data: PeriodData,
    cl: Checklist,
    unit: str,
    cols: list[tuple[str, str, float]],
    rows: list[list[Any]],
) -> None:
    """Title, header (repeated on every page) and one row per problem, spliced."""
    ws = wb.create_sheet(layout.SHEET_MERGED)
    ws.freeze_panes = f"A{_HEAD_ROW + 1}"
    widths = [w for _, _, w in cols]
    for i, width in enumerate(widths):
        ws.column_dimensions[layout.column_letter(i)].width = width
    # A write-only sheet writes its properties with the first row: set them up before it.
    excel.print_setup(ws, f"{_HEAD_ROW}:{_HEAD_ROW}")
    excel.bound_scale(ws, widths, title_cols="A:C")  # 县 乡 村 on each page
    title = f"{layout.title_text(unit, cl.campaign.title)}（第{data.period}期，截至{excel.cn_date(data.deadline)}）"
    spread = Alignment(horizontal="centerContinuous", vertical="center")
    ws.row_dimensions[_TITLE_ROW].height = 26
    ws.row_dimensions[_HEAD_ROW].height = _height([h for _, h, _ in cols], widths)
    ws.append(
        [_cell(ws, title, excel.FONT_TITLE, excel.Border(), spread)]
        + [_cell(ws, None, excel.FONT_TITLE, excel.Border(), spread) for _ in cols[1:]]
    )
    head = []
    for _, h, _ in cols:
        c = _cell(ws, h, excel.FONT_HEAD, excel.BORDER, excel.CENTER)
        c.fill = excel.HEAD_FILL
        head.append(c)
    ws.append(head)
    n = len(rows[0]) if rows else 0
    if n:
        body = _cell(ws, splice.TOKEN)
        dated = _cell(ws, splice.TOKEN)
        dated.number_format = "yyyy-mm-dd"
        ws.append([copy(body) for _ in cols] + [dated])
        heights = _heights(rows, widths)
        splice.register(wb, splice.Splice(1, _HEAD_ROW + 1, rows, heights, extra=1))
    last = layout.column_letter(len(cols) - 1)
    ws.auto_filter.ref = f"A{_HEAD_ROW}:{last}{_HEAD_ROW + max(n, 1)}"


def _village_sheet(wb: Workbook, lines: list[list[Any]]) -> None:
    """The hidden sheet of every village covered: a header, one line per village, spliced."""
    vs = wb.create_sheet(layout.SHEET_MERGED_VILLAGES)
    vs.sheet_state = "hidden"
    vs.append([h for _, h in layout.MERGED_VILLAGE_COLUMNS])
    n = len(lines[0]) if lines else 0
    if n:
        cells = [excel.put(WriteOnlyCell(vs), splice.TOKEN) for _ in range(len(lines) + 1)]
        for c in cells:
            c.font = excel.FONT_BODY  # a style of its own: the splice takes each cell's
        cells[-1].number_format = "yyyy-mm-dd"
        vs.append(cells)
        splice.register(wb, splice.Splice(2, 2, lines, [None] * n, extra=1))


def _problem_columns(pro: Any, keys: list[str]) -> list[list[Any]]:
    """The problem rows' values, column by column."""
    n = len(pro)
    derived = {
        "code": [code_of(c) for c in pro["village_code"].tolist()] if n else [],
        "carried": [layout.MERGED_YES if c else "" for c in pro["carried"].tolist()] if n else [],
        "has_problem": [layout.MERGED_YES] * n,
    }
    out = []
    for k in keys:
        vals = derived[k] if k in derived else (pro[k].tolist() if k in pro else [None] * n)
        out.append(vals)
    return out


def _village_columns(vil: Any, pro: Any, sources: dict[str, int]) -> list[list[Any]]:
    """The village lines' values, column by column."""
    counts = pro.groupby("village_code").size().to_dict() if len(pro) else {}
    recs = []
    for v in vil.to_dict("records"):
        src = sources.get(v["village_code"])
        on_time = v["source_on_time"] if src else None  # as the store decided it
        recs.append(
            {
                **v,
                "code": code_of(v["village_code"]),
                "period": src,
                "on_time": "" if on_time is None else (layout.YES if on_time else layout.NO),
                "carried": layout.MERGED_YES if v["carried"] else "",
                "problems": int(counts.get(v["village_code"], 0)),
                "status": v.get("status") or "",
            }
        )
    return [[r.get(k) for r in recs] for k, _ in layout.MERGED_VILLAGE_COLUMNS]


def _prepared(columns: list[list[Any]]) -> tuple[list[list[Any]], list[list[str]]]:
    """Each column's values as written and as they read back (read_merged.text()). A
    column of clean texts (the usual case) is taken whole; any other value by value."""
    written, texts = [], []
    for vals in columns:
        kinds = set(map(type, vals))
        strs = [v for v in vals if v] if kinds <= {str, type(None)} else None
        joined = "\n".join(strs) if strs is not None else ""
        if (
            strs is not None
            and "\r" not in joined
            and not excel.needs_escape(joined)
            and (max(map(len, strs), default=0) <= excel.MAX_CELL_CHARS)
        ):
            written.append([v or None for v in vals])
            texts.append([v.strip() if v else "" for v in vals])
        elif kinds == {int}:
            written.append(vals)
            texts.append([str(v) for v in vals])
        else:
            col = [_written(v) for v in vals]
            written.append(col)
            texts.append([_read_text(v) for v in col])
    return written, texts


def _written(v: Any) -> Any:
    """A frame value as the splice writes it: plain Python, text cleaned as excel.put
    cleans it, a date marked for the date style."""
    v = _value(v)
    if isinstance(v, Enum):
        v = v.value
    if isinstance(v, str):
        return excel.clean_text(v) or None  # an empty text: an empty cell, as openpyxl writes it
    if isinstance(v, dt.datetime):
        return splice.Marked(v.date(), 0)
    if isinstance(v, dt.date):
        return splice.Marked(v, 0)
    return v


def _read_text(v: Any) -> str:
    """read_merged.text() of a written value as calamine reads it back: line ends as
    "\n" (XML), whole numbers without ".0", dates as dates."""
    if isinstance(v, splice.Marked):
        v = v.value
    if isinstance(v, str):
        return read_merged.text(v.replace("\r\n", "\n").replace("\r", "\n"))
    return read_merged.text(v)


def _heights(columns: list[list[Any]], widths: list[float]) -> list[float]:
    """Each row's height (points): the most wrapped lines of its texts at the body font."""
    cache: dict[tuple[str, float], int] = {}
    lines = [1] * len(columns[0])
    for col, w in zip(columns, widths, strict=True):
        for i, v in enumerate(col):
            if type(v) is str and v:
                got = cache.get((v, w))
                if got is None:
                    got = cache[(v, w)] = excel.wrapped_lines(v, w)
                if got > lines[i]:
                    lines[i] = got
    return [excel.lines_height(n) for n in lines]


def _meta(data: PeriodData, cl: Checklist, tier: str, unit: str) -> list[tuple[str, str]]:
    """Format, checklist, period and counts of this merged ledger (the checksums follow)."""
    return [
        ("format_version", FORMAT_VERSION),
        ("checklist_id", cl.id),
        ("checklist_hash", cl.city.content_hash),  # the tier above knows the city's items
        *_county_items(cl),
        ("period", str(data.period)),
        ("period_start", data.start.isoformat()),
        ("deadline", data.deadline.isoformat()),
        ("tier", tier),
        ("unit", unit),
        ("villages", str(len(data.villages))),
        ("problems", str(len(data.problems))),
        ("tool_version", __version__),
    ]


def _meta_sheet(wb: Workbook, items: list[tuple[str, str]]) -> None:
    """The very hidden sheet: one key/value row each."""
    meta = wb.create_sheet(layout.SHEET_MERGED_META)
    meta.sheet_state = "veryHidden"
    for k, v in items:
        meta.append([excel.put(WriteOnlyCell(meta), k), excel.put(WriteOnlyCell(meta), v)])


def _county_items(cl: Checklist) -> list[tuple[str, str]]:
    """The 序号 of a county's own items (the city leaves their rows out of its figures)."""
    nos = sorted(cl.county_nos)
    return [(read_merged.COUNTY_ITEMS, ",".join(map(str, nos)))] if nos else []


def _height(values: list[Any], widths: list[float]) -> float:
    """Row height (points) that shows every wrapped text at the body font."""
    pairs = zip(values, widths, strict=True)
    lines = [excel.wrapped_lines(v, w) for v, w in pairs if isinstance(v, str) and v]
    return excel.lines_height(max(lines, default=1))


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, dt.date)):  # numpy scalar
        return v.item()
    return v


# --- reading: check/merged.py (read back, checked by the village row rules) -------------

read = merged_check.read
read_return = merged_check.read_return
