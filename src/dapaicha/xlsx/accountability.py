"""The accountability sheets of the 县级汇总表 / 市级汇总表: 逾期按责任人, 逾期按乡镇,
即将到期 and 疑似走过场 (frames from accountability.py; long lists written fast)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from openpyxl import Workbook

from dapaicha.figures import accountability, perfunctory
from dapaicha.figures.rollup import Rollup
from dapaicha.layout import BY_KEY
from dapaicha.xlsx.excel import cn_date
from dapaicha.xlsx.sheets import Sheet, list_sheet, row_heights
from dapaicha.xlsx.splice import TOKEN, Codes, Splice, register

SHEET_BY_OWNER = "逾期按责任人"
SHEET_BY_TOWNSHIP = "逾期按乡镇"
SHEET_DUE_SOON = "即将到期"
SHEET_SIGNALS = "疑似走过场"

COUNTY = ("县（市、区）", "county", 10, "center")
TOWNSHIP = ("乡（镇、街道）", "township", 12, "center")
VILLAGE = ("行政村", "village", 10, "center")
SIGNALS_NOTE = (
    "说明：本表是程序比对台账发现的疑似“走过场”线索，供督导核查时参考，不是认定结论；"
    "请逐村核实，确属应付了事的再按规定处理。"
)
Column = tuple[str, str, float, str]


def _cols(cols: Sequence[Column], with_county: bool) -> list[Column]:
    return [c for c in cols if with_county or c[1] != "county"]


def overdue_sheets(
    wb: Workbook,
    r: Rollup,
    county: str | None,
    unit: str,
    soon_days: int,
    over: pd.DataFrame | None = None,
) -> None:
    """逾期按责任人, 逾期按乡镇 and 即将到期 (after the 逾期问题 sheet); over: the 逾期问题
    sheet's rollup.problem_list(r, county, overdue_only=True), when the caller has it."""
    with_county = county is None
    b = BY_KEY
    owner_cols: list[Column] = [
        (b["owner"].header, "owner", 10, "center"),
        COUNTY,
        TOWNSHIP,
        VILLAGE,
        ("逾期问题数", "overdue", 8, "int"),
        ("最早整改期限", "earliest", 12, "date"),
    ]
    list_sheet(
        wb,
        SHEET_BY_OWNER,
        f"{unit}逾期未整改问题按责任人统计（第{r.period}期，截至{cn_date(r.deadline)}）",
        _cols(owner_cols, with_county),
        accountability.overdue_by_owner(r, county, over),
        "本期没有逾期未整改的问题。",
    )
    town_cols: list[Column] = [
        COUNTY,
        (TOWNSHIP[0], "township", 16, "center"),
        ("逾期问题数", "overdue", 10, "int"),
        ("涉及村数", "villages", 10, "int"),
    ]
    list_sheet(
        wb,
        SHEET_BY_TOWNSHIP,
        f"{unit}逾期未整改问题按乡镇统计（第{r.period}期，截至{cn_date(r.deadline)}）",
        _cols(town_cols, with_county),
        accountability.overdue_by_township(r, county, over),
        "本期没有逾期未整改的问题。",
    )
    soon_cols: list[Column] = [
        COUNTY,
        TOWNSHIP,
        VILLAGE,
        (b["no"].header, "no", 5, "int"),
        (b["topic"].header, "topic", 9, "center"),
        (b["description"].header, "description", 28, "text"),
        (b["measure"].header, "measure", 24, "text"),
        (b["deadline"].header, "deadline", 11, "date"),
        ("剩余天数", "days_left", 6, "int"),
        (b["owner"].header, "owner", 8, "center"),
        (b["result"].header, "result", 8, "center"),
    ]
    end = cn_date(accountability.until(r, soon_days))
    list_sheet(
        wb,
        SHEET_DUE_SOON,
        f"{unit}即将到期未整改问题（第{r.period}期，整改期限在{cn_date(r.deadline)}至{end}之间，按乡镇排列）",
        _cols(soon_cols, with_county),
        accountability.due_soon(r, soon_days, county),
        f"没有在{end}前到期而未整改的问题。",
    )


def signals_sheet(
    wb: Workbook, r: Rollup, unit: str, frame: pd.DataFrame | None, with_county: bool
) -> Sheet:
    """疑似走过场: title, the note that these are leads, header, one row per signal.

    frame: accountability.signals_frame (already filtered to the unit); None when the
    ledgers were not checked.
    """
    h = perfunctory.HEADERS
    cols: list[tuple[str, float, str]] = [
        (h[0], 10, "center"),
        (h[1], 12, "center"),
        (h[2], 10, "center"),
        (h[3], 14, "center"),
        (h[4], 14, "center"),
        (h[5], 48, "text"),
        (h[6], 16, "text"),
    ]
    if not with_county:
        cols = cols[1:]
    sh = Sheet(wb, SHEET_SIGNALS, [c[1] for c in cols], "A4")
    sh.line(f"{unit}疑似“走过场”线索（第{r.period}期，截至{cn_date(r.deadline)}）", "title", 30)
    sh.line(SIGNALS_NOTE, "note", 30)
    first, last = sh.header([(c[0], ()) for c in cols])
    if frame is None or not len(frame):
        empty = "本期未发现疑似“走过场”的台账。" if frame is not None else "本次汇总未检查。"
        sh.line(empty, "note", 24)
    else:
        data = [frame[c[0]].tolist() for c in cols]
        proto = sh.add([sh.cell(TOKEN, c[2]) for c in cols])
        widths = [c[1] for c in cols]
        known: list[Codes] = []
        heights = row_heights(data, widths, known)
        codes = dict(enumerate(known))
        at = wb.worksheets.index(sh.ws) + 1  # the evidence repeats: shared strings
        register(wb, Splice(at, proto, data, heights, shared=True, codes=codes))
    sh.finish(f"{first}:{last}")
    return sh
