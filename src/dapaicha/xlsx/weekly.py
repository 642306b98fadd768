"""The 周报: progress workbook (with a bar chart of 整改率) and the 文字稿 from a template."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import (
    AxDataSource,
    NumData,
    NumVal,
    StrData,
    StrRef,
    StrVal,
)
from openpyxl.chart.label import DataLabelList

from dapaicha import resources
from dapaicha.config.checklist import Checklist
from dapaicha.errors import UserError
from dapaicha.figures import accountability, rollup
from dapaicha.figures.perfunctory import Signal
from dapaicha.figures.rollup import Rollup
from dapaicha.fsutil import atomic_write_text, inside
from dapaicha.xlsx import changes as changes_xlsx
from dapaicha.xlsx import excel, splice
from dapaicha.xlsx.excel import cn_date
from dapaicha.xlsx.sheets import DASH, Sheet, list_sheet, rate_cell
from dapaicha.xlsx.splice import new_book
from dapaicha.xlsx.summary import MISSING_COLUMNS, UNIT_HEAD
from dapaicha.xlsx.summary import notes as summary_notes
from dapaicha.xlsx.tier import CITY_TIER, Tier

TEMPLATE = "周报文字稿.md.j2"
TEMPLATE_COUNTY = "周报文字稿_县级.md.j2"  # a county's own (本县) 文字稿
SHEET_WEEKLY = "周报"
SHEET_UNITS = "未报及逾期报送"
SHEET_CHART = "整改率图"

# (header, column, width, style) of the 周报 table.
WEEKLY_COLUMNS: list[tuple[str, str, float, str]] = [
    ("排名", "rank", 5, "int"),
    (UNIT_HEAD["county"], "unit", 12, "center"),
    ("应报村数", "expected", 7, "int"),
    ("已报村数", "reported", 7, "int"),
    ("按时上报村数", "on_time", 7, "int"),
    ("退回待改村数", "returned", 7, "int"),
    ("未报村数", "missing", 7, "int"),
    ("上报率", "report_rate", 9, "pct"),
    ("按时上报率", "on_time_rate", 9, "pct"),
    ("排查问题总数", "problems", 8, "int"),
    ("本周新增", "new", 7, "int"),
    ("本周完成整改", "completed", 8, "int"),
    ("累计已整改", "done", 8, "int"),
    ("整改率", "rate", 9, "pct"),
    ("上期整改率", "prev_rate", 9, "pct"),
    ("整改率变化（百分点）", "change_pp", 10, "pp"),
    ("逾期未整改", "overdue", 8, "int"),
]


def title(r: Rollup, checklist: Checklist, tier: Tier = CITY_TIER) -> str:
    unit = tier.name if tier.is_county else ""
    return (
        f"第{r.period}期（截至{cn_date(r.deadline)}）{unit}{checklist.campaign.title}整改进展周报"
    )


def subtitle(r: Rollup, checklist: Checklist, tier: Tier = CITY_TIER) -> str:
    c = checklist.campaign
    office = tier.office_of(c)
    return f"{office}　依据：{c.document_number}　本期：{cn_date(r.start)}—{cn_date(r.deadline)}"


def columns(tier: Tier = CITY_TIER) -> list[tuple[str, str, float, str]]:
    """WEEKLY_COLUMNS; in a county's view the units are its townships."""
    if not tier.is_county:
        return WEEKLY_COLUMNS
    return [(UNIT_HEAD["township"], *c[1:]) if c[1] == "unit" else c for c in WEEKLY_COLUMNS]


def weekly_notes(r: Rollup, tier: Tier = CITY_TIER) -> list[str]:
    rule = rollup.RANK_RULE_TOWNSHIP if tier.is_county else rollup.RANK_RULE
    return summary_notes(
        r,
        [
            "本周新增：本期有、上期没有的问题（按村、序号和问题描述比对，描述改动的再按整改措施比对）；"
            "本周完成整改：本期为“已整改”、上期不是“已整改”（或上期没有）的问题。",
            "整改率变化（百分点）= 本期整改率 − 上期整改率；任一期没有问题（整改率无法计算）的显示“—”。",
            "上报率 = 已报村数 ÷ 应报村数；按时上报率 = 按时上报村数 ÷ 应报村数。",
            rule,
        ],
        county=tier.name if tier.is_county else None,
    )


def write_xlsx(r: Rollup, checklist: Checklist, path: Path, tier: Tier = CITY_TIER) -> Path:
    """DIR/周报_第N期.xlsx: 周报 (table, notes, sign-off, chart), 未报及逾期报送; in a
    county's view (tier) the table ranks its townships."""
    w = rollup.weekly(r, "township" if tier.is_county else "county")
    cols = columns(tier)
    wb = new_book()
    sh = Sheet(wb, SHEET_WEEKLY, [c[2] for c in cols], "C4")
    sh.line(title(r, checklist, tier), "title", 36)
    sh.line(subtitle(r, checklist, tier), "subtitle", 20)
    first, last = sh.header([(c[0], ()) for c in cols])
    n = len(w)
    for i, rec in enumerate(w.to_dict("records")):
        total = i == n - 1
        sfx = "_total" if total else ""
        cells = []
        for _, key, _, style in cols:
            v = rec[key]
            if style == "pct":
                cells.append(rate_cell(sh, v, total))
            elif style == "pp" and is_nan(v):
                cells.append(sh.cell(DASH, "center" + sfx))
            else:
                cells.append(sh.cell(None if is_nan(v) else v, style + sfx))
        sh.add(cells, 20)
    data_first, data_last = last + 1, last + n - 1
    sh.add([])
    for k, text in enumerate(weekly_notes(r, tier)):
        sh.line(("说明：" if k == 0 else "　　　") + text, "note", 18)
    sh.signoff(checklist.campaign, r.deadline, tier.phone_of(checklist.campaign))
    sh.finish(f"{first}:{last}")
    if n > 1:
        _chart(
            wb,
            sh,
            data_first,
            data_last,
            "各乡（镇、街道）" if tier.is_county else "各县（市、区）",
        )
        _chart_cache(wb, w.to_dict("records")[: n - 1])
    units = rollup.unreported(r, late=True)
    cols = [
        *MISSING_COLUMNS[:3],
        ("状态", "status", 24, "center"),
        ("报送日期", "report_date", 13, "date"),
    ]
    list_sheet(
        wb,
        SHEET_UNITS,
        f"未报送及逾期报送的单位（第{r.period}期）",
        cols,
        units,
        "本期所有村均按时报送。",
    )
    changes_xlsx.write_sheet(wb, r)
    excel.save(wb, path, splice.workbook_bytes)
    return path


def _chart(wb: Any, sh: Sheet, first: int, last: int, units: str) -> None:
    """Bar chart of 整改率 by county on its own sheet (one printed page), referencing the
    numeric 整改率 cells of the 周报 sheet."""
    col = [c[1] for c in WEEKLY_COLUMNS].index("rate") + 1
    unit = [c[1] for c in WEEKLY_COLUMNS].index("unit") + 1
    ch = BarChart()
    ch.type = "col"
    ch.title = f"{units}整改率"
    ch.y_axis.title = "整改率"
    ch.y_axis.numFmt = "0%"
    ch.y_axis.scaling.min = 0
    ch.y_axis.scaling.max = 1
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ch.legend = None
    ch.add_data(
        Reference(sh.ws, min_col=col, min_row=first - 1, max_row=last), titles_from_data=True
    )
    ch.set_categories(Reference(sh.ws, min_col=unit, min_row=first, max_row=last))
    ch.dataLabels = DataLabelList(
        showVal=True, showSerName=False, showCatName=False, showLegendKey=False
    )
    ch.dataLabels.numFmt = "0.00%"
    for part in (ch.x_axis, ch.y_axis, ch.dataLabels):  # 11 pt on paper, in every program
        part.txPr = excel.chart_text()
    excel.size_title(ch.title, excel.CHART_TITLE_PT)
    excel.size_title(ch.y_axis.title, excel.CHART_PT)
    ch.width = 25  # cm: within A4 landscape's margins, so it prints at 100 %
    ch.height = 15
    page = Sheet(wb, SHEET_CHART, [8])
    page.ws.page_setup.fitToHeight = 1
    page.ws.add_chart(ch, "A1")


def _chart_cache(wb: Any, recs: list[dict[str, Any]]) -> None:
    """Cached values and text categories in the chart, so WPS, Excel and LibreOffice draw
    its bars on opening, without recalculating (openpyxl writes references only)."""
    ser = wb[SHEET_CHART]._charts[0].series[0]
    head = next(c[0] for c in WEEKLY_COLUMNS if c[1] == "rate")
    ser.tx.strRef.strCache = StrData(ptCount=1, pt=[StrVal(idx=0, v=head)])
    units = [str(rec["unit"]) for rec in recs]
    ser.cat = AxDataSource(
        strRef=StrRef(
            f=ser.cat.numRef.f,
            strCache=StrData(
                ptCount=len(units), pt=[StrVal(idx=i, v=u) for i, u in enumerate(units)]
            ),
        )
    )
    rates = [(i, float(rec["rate"])) for i, rec in enumerate(recs) if not is_nan(rec["rate"])]
    ser.val.numRef.numCache = NumData(
        formatCode="0.00%", ptCount=len(recs), pt=[NumVal(idx=i, v=v) for i, v in rates]
    )


def is_nan(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def pct(v: Any) -> str:
    """A rate as the workbooks show it (0.00%, rounded half up)."""
    return DASH if is_nan(v) else rollup.pct_text(float(v), empty=DASH)


def change(v: Any) -> str:
    """A change in percentage points as words (rounded half up, as the workbooks)."""
    v = None if is_nan(v) else rollup.pp_value(float(v))
    if v is None:
        return DASH
    if v > 0:
        return f"提高{v:.2f}个百分点"
    if v < 0:
        return f"下降{-v:.2f}个百分点"
    return "持平"


_COUNTS = (
    "expected",
    "reported",
    "on_time",
    "late",
    "problems",
    "new",
    "completed",
    "done",
    "overdue",
)
_SUMS = ("doing", "not_done", "immediate", "plan")
_RATES = ("report_rate", "on_time_rate", "rate", "prev_rate")


def unit_figures(rec: dict[str, Any], sums: pd.Series) -> dict[str, Any]:
    """One county's (or the city's) figures for the template."""
    d: dict[str, Any] = {
        "name": rec["unit"],
        "rank": None if is_nan(rec["rank"]) else int(rec["rank"]),
    }
    d.update({k: int(rec[k]) for k in _COUNTS})
    d.update({k: int(sums[k]) for k in _SUMS})
    d["missing"] = int(sums["missing"]) + int(sums["returned"])  # unsent + failed, as documented
    d["failed"], d["unsent"] = int(sums["returned"]), int(sums["missing"])
    d.update({k: pct(rec[k]) for k in _RATES})
    d["change_pp"] = None if is_nan(rec["change_pp"]) else rollup.pp_value(rec["change_pp"])
    d["change"] = change(rec["change_pp"])
    return d


def context(
    r: Rollup,
    checklist: Checklist,
    signals: Sequence[Signal] | None = None,
    tier: Tier = CITY_TIER,
    frame: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The data the 文字稿 template gets (each listed in the template's comment block).

    title, subtitle, period, start, deadline, as_of (dates as “2022年4月7日”), has_previous,
    includes_plan, rate_rule, rank_rule, campaign {title, office, document_number, end, phone},
    total and each of counties[] (rank order): name, rank, expected, reported, on_time,
    late, missing, report_rate, on_time_rate, problems, new, completed, done, doing,
    not_done, immediate, plan, rate, prev_rate, change (“提高x个百分点”/“下降…”/“持平”/“—”),
    change_pp, overdue (rates as “85.71%” or “—”); lowest[] (bottom third of counties);
    categories[] {name, problems}; top_items[] {no, category, topic, problems, villages,
    done, rate} (the five items with most problems); units_by_county[] {county, missing[],
    late[]} (village names “乡镇村”); missing_count, late_count.
    From `signals` (疑似走过场, app.rollup.perfunctory_signals; None: not checked):
    perfunctory_checked, perfunctory_villages (villages with any signal), perfunctory[]
    {kind, label, villages, names[] (the first five “县乡镇村”), more}. Due soon (problems
    not 已整改 with a deadline from as_of to campaign.due_soon_days days later):
    due_soon_days, due_soon_until (date), due_soon_count, due_soon_townships[] {county,
    township, problems, villages}. 变化提醒 (xlsx.changes.context): changes[] {county,
    township, village, no, kind, before, after, line}, changes_count.
    """
    w = rollup.weekly(r)
    by_county = rollup.summary(r, "county").set_index("unit")
    recs = w.to_dict("records")
    counties = [unit_figures(x, by_county.loc[x["unit"]]) for x in recs]
    total = counties.pop()
    total["name"] = "全市"
    low_names = set(rollup.lowest(w)["unit"])
    units = rollup.unreported(r, late=True)
    by_c = _units_by_county(r, units)
    failed = _count_failed(units, counties, total)
    cats = by_county.loc[rollup.TOTAL_CITY, r.categories]
    return {
        **shared_context(r, checklist, tier, cats, signals, frame),
        "title": title(r, checklist),
        "rank_rule": rollup.RANK_RULE,
        "total": total,
        "counties": counties,
        "lowest": [x for x in counties if x["name"] in low_names],
        "units_by_county": by_c,
        "attachments": [f"周报_第{r.period}期.xlsx", f"市级汇总表_第{r.period}期.xlsx"],
        "missing_count": int((~units["reported"] & ~failed).sum()),
        "failed_count": int(failed.sum()),
        "late_count": int(units["reported"].sum()),
    }


def shared_context(
    r: Rollup,
    checklist: Checklist,
    tier: Tier,
    cats: pd.Series,
    signals: Sequence[Signal] | None,
    frame: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """What the city's and a county's 文字稿 both get: dates, the campaign's office and phone,
    categories, top items, the accountability figures and 变化提醒; frame: the signals'
    accountability.signals_frame, when the caller has it."""
    c = checklist.campaign
    acc = accountability.text_context(r, c.due_soon_days, signals, frame=frame)
    acc["due_soon_until"] = cn_date(acc["due_soon_until"])
    return {
        "subtitle": subtitle(r, checklist, tier),
        "period": r.period,
        "start": cn_date(r.start),
        "deadline": cn_date(r.deadline),
        "as_of": cn_date(r.deadline),
        "has_previous": r.previous is not None,
        "includes_plan": r.includes_plan,
        "rate_rule": rollup.rate_rule(r.includes_plan),
        "campaign": {
            "title": c.title,
            "office": tier.office_of(c),
            "document_number": c.document_number,
            "end": cn_date(c.end),
            "phone": tier.phone_of(c),
        },
        "categories": [
            {"name": k, "problems": int(v)}
            for k, v in cats.sort_values(ascending=False, kind="stable").items()
        ],
        "top_items": top_items(r, checklist),
        **acc,
        **changes_xlsx.context(r),
    }


def top_items(r: Rollup, checklist: Checklist) -> list[dict[str, Any]]:
    """The five items with most problems."""
    items = rollup.by_item(r, checklist)
    items = items[items["problems"] > 0].head(5)
    return [
        {
            "no": int(x["no"]),
            "category": x["category"],
            "topic": x["topic"],
            "problems": int(x["problems"]),
            "villages": int(x["villages"]),
            "done": int(x["done"]),
            "rate": pct(x["rate"]),
        }
        for x in items.to_dict("records")
    ]


def _count_failed(
    units: pd.DataFrame, counties: list[dict[str, Any]], total: dict[str, Any]
) -> pd.Series:
    """failed (return failed validation) and unsent (nothing sent) into each unit; the mask."""
    failed = units["failed"] & ~units["reported"]
    per = units[failed].groupby("county").size()
    for x in counties:
        x["failed"] = int(per.get(x["name"], 0))
    total["failed"] = int(failed.sum())
    for x in [*counties, total]:
        x["unsent"] = x["missing"] - x["failed"]
    return failed


def _units_by_county(r: Rollup, units: pd.DataFrame) -> list[dict[str, Any]]:
    """Per county: villages that sent nothing (missing), whose return failed validation
    (failed: 报送未通过/退回待改, never called 未报送) and that reported late."""
    out = []
    by = dict(tuple(units.groupby("county", sort=False)))  # one pass, not one filter a county
    for county in rollup.counties(r):
        u = by.get(county, units.iloc[:0])
        names = (u["township"] + u["village"]).tolist()
        rows = list(zip(names, u["reported"], u["failed"], strict=True))
        miss = [n for n, rep, bad in rows if not rep and not bad]
        bad = [n for n, rep, failed in rows if not rep and failed]
        late = [n for n, rep, _ in rows if rep]
        if miss or bad or late:
            out.append({"county": county, "missing": miss, "failed": bad, "late": late})
    return out


def render(
    ctx: dict[str, Any], templates: Path | None = None, name: str = TEMPLATE
) -> tuple[str, str]:
    """(markdown, plain text) of the 文字稿 from template `name` (the city's, or
    TEMPLATE_COUNTY); templates: a folder with an edited copy."""
    dirs = [str(templates)] if templates else []
    dirs.append(str(resources.templates_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    try:
        tpl = env.get_template(name)
        md = tpl.render(**ctx)
    except jinja2.TemplateNotFound as err:
        raise UserError(f"找不到周报文字稿模板 {name}（查找位置：{'；'.join(dirs)}）。") from err
    except jinja2.TemplateSyntaxError as err:
        raise UserError(
            f"模板 {err.filename or name} 第 {err.lineno} 行有语法错误：{err.message}"
        ) from err
    except jinja2.UndefinedError as err:
        raise UserError(
            f"模板 {name} 用到了不存在的数据：{err.message}。可用的数据见模板开头的说明。"
        ) from err
    except UnicodeDecodeError as err:
        raise UserError(f"模板 {name} 不是 UTF-8 编码，请另存为 UTF-8。") from err
    md = re.sub(r"\n{3,}", "\n\n", md).strip() + "\n"
    return md, strip_markdown(md)


_RULES = [
    (re.compile(r"^\s{0,3}#{1,6}\s*"), ""),  # headings
    (re.compile(r"\s+#+\s*$"), ""),  # closing hashes
    (re.compile(r"^\s{0,3}>\s?"), ""),  # quotes
    (re.compile(r"^(\s*)[-*+]\s+"), r"\1"),  # bullets
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links, images
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),  # italics
    (re.compile(r"`+([^`]*)`+"), r"\1"),  # code
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])"), r"\1"),  # escapes
    (re.compile(r"\s{2,}$|\\$"), ""),  # hard breaks
]
_HR = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def strip_markdown(md: str) -> str:
    """Markdown → plain text for pasting into an official document: no marks left."""
    out: list[str] = []
    for line in md.splitlines():
        if _HR.match(line) or re.match(r"^\s*\|?\s*:?-{3,}", line):
            continue
        for pat, rep in _RULES:
            line = pat.sub(rep, line)
        if line.startswith("|"):
            line = "　".join(x.strip() for x in line.strip("|").split("|"))
        out.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def write_text(
    r: Rollup,
    checklist: Checklist,
    out: Path,
    templates: Path | None = None,
    signals: Sequence[Signal] | None = None,
) -> list[Path]:
    """DIR/周报文字稿_第N期.md and .txt (UTF-8 with BOM and CRLF, for Notepad and WPS)."""
    md, txt = render(context(r, checklist, signals), templates)
    return write_rendered(r, out, md, txt)


def write_rendered(r: Rollup, out: Path, md: str, txt: str) -> list[Path]:
    p_md = inside(out, f"周报文字稿_第{r.period}期.md")
    p_txt = inside(out, f"周报文字稿_第{r.period}期.txt")
    atomic_write_text(p_md, md)
    atomic_write_text(p_txt, "\ufeff" + txt.replace("\n", "\r\n"))
    return [p_md, p_txt]


def weekly_path(out: Path, period: int) -> Path:
    return inside(out, f"周报_第{period}期.xlsx")
