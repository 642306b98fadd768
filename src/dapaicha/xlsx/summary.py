"""The 县级汇总表 and 市级汇总表 workbooks (openpyxl write-only: detail sheets get big).

Every figure is a value computed by rollup.py (never a formula); every text from a
return goes through excel.put().
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from dapaicha.config.checklist import Campaign, Checklist
from dapaicha.figures import accountability, rollup
from dapaicha.figures.rollup import Level, Rollup
from dapaicha.fsutil import inside
from dapaicha.layout import BY_KEY, DOING, DONE, IMMEDIATE, NOT_DONE, PLAN
from dapaicha.store.status import Arrival
from dapaicha.xlsx import accountability as accountability_xlsx
from dapaicha.xlsx import excel, splice
from dapaicha.xlsx.excel import cn_date
from dapaicha.xlsx.sheets import DASH, Sheet, list_sheet, rate_cell, row_height
from dapaicha.xlsx.splice import new_book
from dapaicha.xlsx.tier import CITY_TIER, Tier

UNIT_HEAD: dict[str, str] = {"county": "县（市、区）", "township": "乡（镇、街道）"}
VILLAGE_HEAD = "行政村"
HEAD: dict[str, str] = {
    "expected": "应报村数",
    "reported": "已报",
    "on_time": "按时",
    "late": "逾期",
    "returned": "退回待改村数",
    "missing": "未报村数",
    "problems": "排查问题数",
    "immediate": IMMEDIATE,
    "plan": PLAN,
    "done": DONE,
    "doing": DOING,
    "not_done": NOT_DONE,
    "rate": "整改率",
    "overdue": "逾期未整改",
}
SHEET_SUMMARY = "汇总"
SHEET_PROBLEMS = "问题清单"
SHEET_OVERDUE = "逾期问题"
SHEET_MISSING = "未报村"
SHEET_ITEMS = "按排查项目"
# a county's own 汇总 (its 本县 view): after 逾期未整改, the week per township and its rank
Extra = tuple[tuple[str, str, int, str], ...]  # (header, frame column, width, style)
WEEK_COLUMNS: Extra = (
    *(("本周新增", "new", 7, "int"), ("本周完成整改", "completed", 8, "int")),
    *(("整改率变化（百分点）", "change_pp", 10, "pp"), ("排名", "rank", 5, "int")),
)
# a city's 汇总 of county ledgers: each county's villages' rate and its own timeliness
ARRIVAL_COLUMNS: Extra = (
    ("上报率", "report_rate", 9, "pct"),
    ("县级台账收到时间", "ledger_received", 16, "center"),
    ("县级台账报送", "ledger_status", 12, "center"),
)
ARRIVAL_NOTE = (
    "县级台账收到时间：本市首次收到该县本期合并台账的时间（北京时间）；不晚于本期截止日期为“按时”，"
    "晚于为“逾期”；“未收到”：本期没有收到该县的合并台账；收到时间不在行动期内（补录、回放）的不判断，显示“—”。"
)
WEEK_NOTE = (
    "本周新增：本期有、上期没有的问题；本周完成整改：本期为“已整改”、上期不是“已整改”的问题；"
    "整改率变化（百分点）= 本期整改率 − 上期整改率（任一期无法计算时显示“—”）。"
)


def notes(r: Rollup, extra: Sequence[str] = (), county: str | None = None) -> list[str]:
    """The note rows under a summary table."""
    out = [
        rollup.rate_rule(r.includes_plan),
        "整改结果未填写的问题按“未整改”统计；整改类型未填写的问题不计入“立行立改”“纳入整改方案”两列。",
        f"逾期未整改：整改期限早于截至日期（{cn_date(r.deadline)}）且整改结果不是“已整改”的问题。",
        "已报村数中“按时”“逾期”按报送日期与本期截止日期比较确定；未报送的村，其问题按最近一次报送的台账计入。",
        "已报：有通过校验的台账的村；退回待改：报送了但没有通过校验、退回修改待重报的村；"
        "未报：一个文件也没有报送的村；应报村数 = 已报 + 退回待改 + 未报。",
        *extra,
    ]
    o = r.outside if county is None else r.outside[r.outside["county"] == county]
    if len(o):
        names = "、".join(
            (o["county"].fillna("") + o["township"].fillna("") + o["village"].fillna("")).head(10)
        )
        out.append(
            f"另有名册中没有的 {len(o)} 个村的数据未计入本表：{names}{'等' if len(o) > 10 else ''}。"
        )
    return out


def title_lines(r: Rollup, campaign: Campaign, unit: str, what: str) -> tuple[str, str]:
    title = f"{unit}{campaign.title}{what}（第{r.period}期）"
    sub = (
        f"依据：{campaign.document_number}　"
        f"本期：{cn_date(r.start)}—{cn_date(r.deadline)}　截至：{cn_date(r.deadline)}"
    )
    return title, sub


def summary_sheet(
    wb: Workbook,
    r: Rollup,
    campaign: Campaign,
    level: Level,
    frame: pd.DataFrame,
    unit: str,
    phone: str = "",
    week: bool = False,
    extra: Extra = (),
) -> Sheet:
    """The 汇总 sheet: a row per unit, the total row, notes, sign-off; week: frame carries
    WEEK_COLUMNS (rollup.weekly's, rows in rank order), shown after 逾期未整改; extra: more
    columns of frame, shown last (ARRIVAL_COLUMNS)."""
    more = (*(WEEK_COLUMNS if week else ()), *extra)
    cats = r.categories
    widths = [14, 7, 6, 6, 6, 7, 7, 8, *[9] * len(cats), 7, 8, 7, 7, 7, 9, 8]
    widths += [x[2] for x in more]
    sh = Sheet(wb, SHEET_SUMMARY, widths, "B5")
    t, sub = title_lines(r, campaign, unit, "汇总表")
    sh.line(t, "title", 36)
    sh.line(sub, "subtitle", 20)
    h = HEAD
    groups: list[tuple[str, Sequence[str]]] = [
        (UNIT_HEAD[level], ()),
        (h["expected"], ()),
        ("已报村数", (h["reported"], h["on_time"], h["late"])),
        (h["returned"], ()),
        (h["missing"], ()),
        (h["problems"], ()),
        ("按类别分", cats),
        ("按整改类型分", (h["immediate"], h["plan"])),
        ("整改进展", (h["done"], h["doing"], h["not_done"])),
        (h["rate"], ()),
        (h["overdue"], ()),
        *[(x[0], ()) for x in more],
    ]
    first, last = sh.header(groups)
    keys = [
        "expected",
        "reported",
        "on_time",
        "late",
        "returned",
        "missing",
        "problems",
        *cats,
        "immediate",
        "plan",
        "done",
        "doing",
        "not_done",
    ]
    n = len(frame)
    for i, rec in enumerate(frame.to_dict("records")):
        total = i == n - 1
        sfx = "_total" if total else ""
        cells = [sh.cell(rec["unit"], "center" + sfx)]
        cells += [sh.cell(rec[k], "int" + sfx) for k in keys]
        cells += [rate_cell(sh, rec["rate"], total), sh.cell(rec["overdue"], "int" + sfx)]
        cells += _more_cells(sh, rec, sfx, more)
        sh.add(cells, 20)
    sh.add([])
    said = [WEEK_NOTE, rollup.RANK_RULE_TOWNSHIP] if week else []
    said += [ARRIVAL_NOTE] if extra else []
    for k, text in enumerate(notes(r, said, county=unit if level == "township" else None)):
        sh.line(("说明：" if k == 0 else "　　　") + text, "note", 18)
    sh.signoff(campaign, r.deadline, phone)
    sh.finish(f"{first}:{last}")
    return sh


def _more_cells(sh: Sheet, rec: dict[str, Any], sfx: str, more: Extra) -> list[Any]:
    out: list[Any] = []
    for _, key, _, style in more:
        v = rec[key]
        if v is None or v is pd.NA or v != v:
            out.append(sh.cell(DASH if style in ("pp", "pct") else None, "center" + sfx))
        else:
            out.append(sh.cell(v, style + sfx))
    return out


def ranked(r: Rollup, county: str) -> pd.DataFrame:
    """The county's township table in rank order, with WEEK_COLUMNS (rollup.weekly)."""
    frame = rollup.summary(r, "township", county)
    w = rollup.weekly(r, "township").set_index("unit")[[x[1] for x in WEEK_COLUMNS]]
    return frame.set_index("unit").loc[w.index].join(w).reset_index()


def problem_columns(with_county: bool, overdue: bool) -> list[tuple[str, str, float, str]]:
    """(header, frame column, width, style) of a problem list."""
    cols: list[tuple[str, str, float, str]] = (
        [(UNIT_HEAD["county"], "county", 10, "center")] if with_county else []
    )
    cols += [
        (UNIT_HEAD["township"], "township", 12, "center"),
        (VILLAGE_HEAD, "village", 10, "center"),
    ]
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


MISSING_COLUMNS = [
    (UNIT_HEAD["county"], "county", 12, "center"),
    (UNIT_HEAD["township"], "township", 14, "center"),
    (VILLAGE_HEAD, "village", 14, "center"),
    ("村代码", "village_code", 15, "center"),
    ("状态", "status", 24, "center"),
    ("最近报送日期", "report_date", 13, "date"),
]


def _county_sheets(
    wb: Workbook,
    r: Rollup,
    checklist: Checklist,
    county: str | None,
    unit: str,
    signals: pd.DataFrame | None,
) -> None:
    """逾期问题, 逾期按责任人, 逾期按乡镇, 即将到期, 未报村, 疑似走过场."""
    with_county = county is None
    cols = problem_columns(with_county, overdue=True)
    over = rollup.problem_list(r, county, overdue_only=True)
    list_sheet(
        wb,
        SHEET_OVERDUE,
        f"{unit}逾期未整改问题（第{r.period}期，截至{cn_date(r.deadline)}）",
        cols,
        over,
        "本期没有逾期未整改的问题。",
    )
    soon = checklist.campaign.due_soon_days
    accountability_xlsx.overdue_sheets(wb, r, county, unit, soon, over)
    miss = rollup.unreported(r, county)
    mcols = MISSING_COLUMNS if with_county else MISSING_COLUMNS[1:]
    list_sheet(
        wb,
        SHEET_MISSING,
        f"{unit}本期未报送或退回待改的村（第{r.period}期）",
        mcols,
        miss,
        "本期所有村均已报送。",
    )
    accountability_xlsx.signals_sheet(wb, r, unit, signals, with_county)


def write_county(
    r: Rollup,
    checklist: Checklist,
    county: str,
    path: Path,
    signals: pd.DataFrame | None = None,
    tier: Tier = CITY_TIER,
) -> Path:
    """DIR/<县>_县级汇总表_第N期.xlsx: 汇总, 问题清单, then _county_sheets'.

    signals: accountability.signals_frame (of the city is fine: filtered here). In the
    county's own view (tier), its townships ranked, with the week, and its phone.
    """
    if signals is not None:
        signals = accountability.county_signals(signals, county)
    wb = new_book()
    c = checklist.campaign
    if tier.is_county:
        frame = ranked(r, county)
        summary_sheet(wb, r, c, "township", frame, county, tier.phone_of(c), week=True)
    else:
        summary_sheet(wb, r, c, "township", rollup.summary(r, "township", county), county)
    cols = problem_columns(with_county=False, overdue=False)
    list_sheet(
        wb,
        SHEET_PROBLEMS,
        f"{county}问题整改台账（第{r.period}期，截至{cn_date(r.deadline)}）",
        cols,
        rollup.problem_list(r, county),
        "本期没有排查出问题。",
    )
    _county_sheets(wb, r, checklist, county, county, signals)
    excel.save(wb, path, splice.workbook_bytes)
    return path


def items_sheet(wb: Workbook, r: Rollup, checklist: Checklist) -> Sheet:
    """按排查项目: every checklist item, by 问题数 descending, ties by 序号."""
    f = rollup.by_item(r, checklist)
    cols = [
        ("类别", 14),
        ("序号", 5),
        ("排查项目", 10),
        ("排查内容", 60),
        ("问题数", 7),
        ("涉及村数", 7),
        (DONE, 7),
        ("整改率", 9),
    ]
    sh = Sheet(wb, SHEET_ITEMS, [w for _, w in cols], "A4")
    sh.line(f"{checklist.campaign.title}问题分布（按排查项目，第{r.period}期）", "title", 30)
    sh.line(
        f"截至{cn_date(r.deadline)}，按问题数从多到少排列，问题数相同的按序号排列", "subtitle", 20
    )
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


def with_arrivals(frame: pd.DataFrame, arrivals: Sequence[Arrival]) -> pd.DataFrame:
    """The county table with ARRIVAL_COLUMNS: its villages' 上报率, its ledger's receipt."""
    got = {a.county: a for a in arrivals}
    out = frame.copy()
    out["report_rate"] = [
        rollup.rate(a, b) for a, b in zip(out["reported"], out["expected"], strict=True)
    ]
    body = out["unit"].iloc[:-1]
    shown = [_received(got.get(u)) for u in body]
    out["ledger_received"] = [*(x for x, _ in shown), None]
    out["ledger_status"] = [*(y for _, y in shown), None]
    return out


def _received(a: Arrival | None) -> tuple[str | None, str]:
    if a is None:
        return None, "未收到"
    status = DASH if a.on_time is None else ("按时" if a.on_time else "逾期")
    return a.received_local, status


def write_city(
    r: Rollup,
    checklist: Checklist,
    path: Path,
    signals: pd.DataFrame | None = None,
    arrivals: Sequence[Arrival] | None = None,
    tier: Tier = CITY_TIER,
) -> Path:
    """DIR/市级汇总表_第N期.xlsx: 汇总, 按排查项目, then _county_sheets'. arrivals: the
    counties' merged ledgers of the period (store.status.arrivals); shown when any. tier:
    the city's phone (the workspace's, else the campaign's)."""
    wb = new_book()
    c = checklist.campaign
    frame = rollup.summary(r, "county")
    if arrivals:
        frame = with_arrivals(frame, arrivals)
        summary_sheet(wb, r, c, "county", frame, "全市", tier.phone_of(c), extra=ARRIVAL_COLUMNS)
    else:
        summary_sheet(wb, r, c, "county", frame, "全市", phone=tier.phone_of(c))
    items_sheet(wb, r, checklist)
    _county_sheets(wb, r, checklist, None, "全市", signals)
    excel.save(wb, path, splice.workbook_bytes)
    return path


def county_name(county: str, period: int) -> str:
    return f"{county}_县级汇总表_第{period}期.xlsx"


def county_path(out: Path, county: str, period: int) -> Path:
    return inside(out, county_name(county, period))


def city_path(out: Path, period: int) -> Path:
    return inside(out, f"市级汇总表_第{period}期.xlsx")
