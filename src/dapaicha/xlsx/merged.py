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
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import __version__, layout
from dapaicha.check import merged as merged_check
from dapaicha.config.checklist import Checklist
from dapaicha.read import merged as read_merged
from dapaicha.store.query import PeriodData
from dapaicha.xlsx import excel

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


class _Body:
    """Body cells share one style: assign it once, then copy its style ids (openpyxl hashes
    every style object on assignment, which dominates the time of a large sheet)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.style = _cell(ws, None)._style

    def __call__(self, value: Any) -> Any:
        c = WriteOnlyCell(self.ws)
        c._style = copy(self.style)  # type: ignore[attr-defined]  # not in the stubs
        return excel.put(c, value)


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
    """Write the merged ledger of data.period. sources: village key → period of its rows."""
    sources = sources or {}
    vil, pro = data.villages, data.problems
    tier, unit = tier_of(vil["county"].tolist())
    cols = layout.merged_columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.SHEET_MERGED)
    ws.freeze_panes = f"A{_HEAD_ROW + 1}"
    for i, (_, _, width) in enumerate(cols):
        ws.column_dimensions[layout.column_letter(i)].width = width
    # A write-only sheet writes its properties with the first row: set them up before it.
    excel.print_setup(ws, f"{_HEAD_ROW}:{_HEAD_ROW}")
    excel.bound_scale(ws, [w for _, _, w in cols], title_cols="A:C")  # 县 乡 村 on each page
    title = f"{layout.title_text(unit, cl.campaign.title)}（第{data.period}期，截至{excel.cn_date(data.deadline)}）"
    spread = Alignment(horizontal="centerContinuous", vertical="center")
    keys = [k for k, _, _ in cols]
    widths = [w for _, _, w in cols]
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
    records = pro.to_dict("records")
    body = _Body(ws)
    for i, r in enumerate(records):
        r["code"] = code_of(r["village_code"])
        r["carried"] = layout.MERGED_YES if r["carried"] else ""
        r["has_problem"] = layout.MERGED_YES
        values = [_value(r.get(k)) for k in keys]
        ws.row_dimensions[_HEAD_ROW + 1 + i].height = _height(values, widths)
        ws.append([body(v) for v in values])
    last = layout.column_letter(len(cols) - 1)
    ws.auto_filter.ref = f"A{_HEAD_ROW}:{last}{_HEAD_ROW + max(len(records), 1)}"

    counts = pro.groupby("village_code").size().to_dict() if len(pro) else {}
    vs = wb.create_sheet(layout.SHEET_MERGED_VILLAGES)
    vs.sheet_state = "hidden"
    vs.append([h for _, h in layout.MERGED_VILLAGE_COLUMNS])
    for v in vil.to_dict("records"):
        src = sources.get(v["village_code"])
        on_time = v["source_on_time"] if src else None  # as the store decided it
        rec = {
            **v,
            "code": code_of(v["village_code"]),
            "period": src,
            "on_time": "" if on_time is None else (layout.YES if on_time else layout.NO),
            "carried": layout.MERGED_YES if v["carried"] else "",
            "problems": int(counts.get(v["village_code"], 0)),
            "status": v.get("status") or "",
        }
        vs.append(
            [
                excel.put(WriteOnlyCell(vs), _value(rec.get(k)))
                for k, _ in layout.MERGED_VILLAGE_COLUMNS
            ]
        )

    _meta_sheet(wb, data, cl, tier, unit, len(cols))
    excel.save(wb, Path(path), _signed)  # checksums of the rows filled in the meta sheet
    return Written(Path(path), tier, unit, len(vil), len(pro))


def _meta_sheet(
    wb: Workbook, data: PeriodData, cl: Checklist, tier: str, unit: str, n_cols: int
) -> None:
    """The very hidden sheet: format, checklist, period and counts of this merged ledger."""
    meta = wb.create_sheet(layout.SHEET_MERGED_META)
    meta.sheet_state = "veryHidden"
    for k, v in (
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
        *((k, _placeholder(k)) for k in _sum_keys(len(data.problems), n_cols)),
    ):
        meta.append([excel.put(WriteOnlyCell(meta), k), excel.put(WriteOnlyCell(meta), v)])


def _county_items(cl: Checklist) -> list[tuple[str, str]]:
    """The 序号 of a county's own items (the city leaves their rows out of its figures)."""
    nos = sorted(cl.county_nos)
    return [(read_merged.COUNTY_ITEMS, ",".join(map(str, nos)))] if nos else []


def _sum_keys(rows: int, cols: int) -> list[str]:
    chunks = -(-(rows * cols) // read_merged.SUM_CELL_CHARS)
    return [*read_merged.SUM_KEYS, *(f"cell_sums.{i + 1}" for i in range(chunks))]


def _placeholder(key: str) -> str:
    return f"~dapaicha-pending-sum:{key}~"


def _signed(wb: Workbook) -> bytes:
    """The workbook's bytes with the checksums of its rows, as they read back, in the meta
    sheet (check/merged.py refuses a ledger whose cells no longer match them)."""
    data = excel.workbook_bytes(wb)
    got = read_merged.sums(read_merged.read_bytes(data))
    return excel.replace_in_parts(
        data, {_placeholder(k).encode(): v.encode() for k, v in got.items()}
    )


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
