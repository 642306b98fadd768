"""变化提醒 in the 周报: the sheet, and the lines the 文字稿 template gets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from openpyxl import Workbook

from dapaicha.figures import changes as changes_fig
from dapaicha.figures.rollup import Rollup
from dapaicha.xlsx.excel import cn_date
from dapaicha.xlsx.sheets import DASH, list_sheet
from dapaicha.xlsx.summary import UNIT_HEAD, VILLAGE_HEAD

SHEET_CHANGES = "变化提醒"
NONE = "无"

COLUMNS: list[tuple[str, str, float, str]] = [
    (UNIT_HEAD["county"], "county", 12, "center"),
    (UNIT_HEAD["township"], "township", 14, "center"),
    (VILLAGE_HEAD, "village", 14, "center"),
    ("序号", "no", 6, "center"),
    ("变化", "kind", 13, "center"),
    ("上次", "before", 30, "text"),
    ("本次", "after", 30, "text"),
]


def _text(v: Any) -> str:
    return cn_date(v) if isinstance(v, dt.date) else str(v)


def frame(r: Rollup) -> pd.DataFrame:
    """changes_fig.changes with every value as the reader sees it (dates, 序号 “—”)."""
    f = changes_fig.changes(r)
    f["no"] = [DASH if x is None else x for x in f["no"]]
    f["before"] = [_text(v) for v in f["before"]]
    f["after"] = [_text(v) for v in f["after"]]
    return f


def line(x: dict[str, Any]) -> str:
    """One change as a sentence: “县乡镇村第N项整改结果倒退：已整改 → 正在整改”."""
    item = "" if x["no"] == DASH else f"第{x['no']}项"
    where = f"{x['county']}{x['township']}{x['village']}"
    return f"{where}{item}{x['kind']}：{x['before']} → {x['after']}"


def write_sheet(wb: Workbook, r: Rollup, f: pd.DataFrame | None = None) -> None:
    """The 变化提醒 sheet: one row per change; “无” when there is none."""
    title = f"变化提醒（第{r.period}期，与各村上次通过审核的台账相比）"
    list_sheet(wb, SHEET_CHANGES, title, COLUMNS, frame(r) if f is None else f, NONE)


def context(r: Rollup) -> dict[str, Any]:
    """changes[] {county, township, village, no, kind, before, after, line}, changes_count."""
    recs = frame(r).to_dict("records")
    for x in recs:
        x["line"] = line(x)
    return {"changes": recs, "changes_count": len(recs)}
