"""dapaicha crosscheck: the inspectors' findings (督查发现问题) set against the village ledgers.

The pipeline: read the inspectors' list, fetch the ledgers from the store, compare
(figures.crosscheck, where the classes are explained), write the workbook
(xlsx.crosscheck).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum
from rich.markup import escape
from rich.table import Table

from dapaicha.errors import UserError
from dapaicha.figures.crosscheck import (
    CLASSES,
    MISSED,
    SELF,
    UNMATCHED,
    ItemRows,
    Ledgers,
    Match,
    Result,
    SubmissionLedgers,
    Version,
    compare,
)
from dapaicha.normalize import clean_text, parse_date, parse_int
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.xlsx.crosscheck import (
    MISSED_HEADS,
    SHEET_UNMATCHED,
    SUMMARY_HEADS,
    UNMATCHED_HEADS,
    out_path,
    write,
)

if TYPE_CHECKING:
    from rich.console import Console

    from dapaicha.config.checklist import Checklist
    from dapaicha.config.roster import Roster
    from dapaicha.model import Submission

__all__ = [
    "CLASSES",
    "MISSED",
    "MISSED_HEADS",
    "SELF",
    "SUMMARY_HEADS",
    "UNMATCHED",
    "UNMATCHED_HEADS",
    "Inspection",
    "Match",
    "Result",
    "StoreLedgers",
    "compare",
    "out_path",
    "print_result",
    "read_findings",
    "run",
    "run_submissions",
    "write",
]

HEADER_SCAN_ROWS = 10
MAX_ROWS = 100_000

# Field → header names of the inspectors' list, compared after _hkey().
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县", "县（市、区）", "县区", "县市区", "县（市区）"),
    "township": ("乡", "乡镇", "乡（镇、街道）", "乡镇（街道）", "乡（镇）"),
    "village": ("村", "行政村", "村（社区）", "村名", "行政村名称"),
    "code": ("村代码", "行政村代码", "区划代码", "统计用区划代码"),
    "item_no": ("项目序号", "排查项目序号", "清单序号", "条目序号", "对应序号"),
    "no": ("序号",),
    "item": ("排查项目", "排查内容", "项目", "排查事项", "问题类别", "对应排查项目"),
    "description": ("问题描述", "督查发现问题", "发现问题", "存在问题", "问题"),
    "date": ("发现日期", "发现时间", "督查日期", "检查日期"),
    "unit": ("发现单位", "督查单位", "督查组", "检查单位"),
}


def _hkey(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = "".join(s.split()).lower().rstrip("*:")
    return s[:-2] if s.endswith("名称") and len(s) > 2 else s


_ALIAS = {_hkey(a): f for f, names in HEADERS.items() for a in names}


@dataclass(frozen=True)
class Inspection:
    """One row of the inspectors' list, as read."""

    row: int  # 1-based row in the source sheet
    county: str = ""
    township: str = ""
    village: str = ""
    code: str = ""
    no: int | None = None
    item: str = ""  # item text when there is no 序号
    description: str = ""
    found: dt.date | None = None
    unit: str = ""
    problem: str = ""  # why the row cannot be used ("" when it can)


# --- reading the inspectors' list ------------------------------------------------------


def _fill_merged(rows: list[list[object]], ranges) -> None:
    for (r0, c0), (r1, c1) in ranges or []:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for row in rows[r0 : r1 + 1]:
            for c in range(c0, min(c1 + 1, len(row))):
                row[c] = value


def _header(table: list[list[object]]) -> tuple[dict[str, int], int] | None:
    for i, row in enumerate(table[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for j, cell in enumerate(row):
            f = _ALIAS.get(_hkey(cell))
            if f and f not in cols:
                cols[f] = j
        if "item_no" in cols:
            cols["no"] = cols.pop("item_no")
        elif "no" in cols and "item" in cols and _counter(table[i + 1 :], cols["no"]):
            del cols["no"]  # a plain 序号 counting the rows 1, 2, 3 …: items go by their text
        if ("village" in cols or "code" in cols) and ("no" in cols or "item" in cols):
            return cols, i + 1
    return None


def _counter(rows: list[list[object]], j: int) -> bool:
    """Whether column j numbers the rows 1, 2, 3 … (at least 3 of them)."""
    nums = [parse_int(r[j]) for r in rows if j < len(r) and r[j] not in (None, "")]
    vals = [n.value for n in nums]
    return len(vals) >= 3 and vals == list(range(1, len(vals) + 1))


def read_findings(path: Path | str, *, year: int) -> list[Inspection]:
    """Every non-blank row of the first sheet with a header; bad rows carry a `problem`.

    year: the campaign year, for dates written without one (4月5日).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到督查发现问题清单：{path}。")
    try:
        with CalamineWorkbook.from_path(path) as wb:
            metas = [m for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
            metas.sort(key=lambda m: m.visible != SheetVisibleEnum.Visible)
            for meta in metas:
                sheet = wb.get_sheet_by_name(meta.name)
                table = sheet.to_python(skip_empty_area=False, nrows=MAX_ROWS + 1)
                _fill_merged(table, sheet.merged_cell_ranges)
                if (found := _header(table)) is not None:
                    return _rows(table, *found, year=year)
    except (CalamineError, OSError, ValueError) as err:
        raise UserError(
            f"督查发现问题清单 {path.name} 无法读取（{err}）：请在 WPS 或 Excel 中另存为 .xlsx 后重试。"
        ) from err
    raise UserError(
        f"督查发现问题清单 {path.name} 的前 {HEADER_SCAN_ROWS} 行中没有找到表头：应有“村”（或“村代码”）列，"
        "以及“项目序号”（或“排查项目”）列。"
    )


def _text(v: object) -> str:
    return clean_text(v) or ""


def _rows(
    table: list[list[object]], cols: dict[str, int], start: int, *, year: int
) -> list[Inspection]:
    out: list[Inspection] = []
    for i in range(start, min(len(table), MAX_ROWS)):
        raw = table[i]
        v = {f: (raw[j] if j < len(raw) else None) for f, j in cols.items()}
        t = {f: _text(x) for f, x in v.items()}
        if not any(t.values()):
            continue
        problems: list[str] = []
        if not (t.get("village") or t.get("code")):
            problems.append("缺少村名")
        no = parse_int(v.get("no"))
        if not no.ok:
            problems.append(f"项目序号“{t.get('no')}”无法识别")
        elif no.value is None and not t.get("item"):
            problems.append("缺少项目序号（或排查项目）")
        d = parse_date(v.get("date"), year=year)
        if d.status == "blank":
            problems.append("缺少发现日期")
        elif not d.ok:
            problems.append(f"发现日期“{d.raw}”无法识别")
        code = "".join(t.get("code", "").split()).lstrip("'")
        out.append(
            Inspection(
                row=i + 1, county=t.get("county", ""), township=t.get("township", ""),
                village=t.get("village", ""), code=code, no=no.value, item=t.get("item", ""),
                description=t.get("description", ""), found=d.value, unit=t.get("unit", ""),
                problem="；".join(problems),
            )
        )  # fmt: skip
    return out


# --- the pipeline -----------------------------------------------------------------------


class StoreLedgers(Ledgers):
    """Ledgers from the store: items and accepted returns read at once, rows on demand."""

    def __init__(self, conn: store_db.Connection) -> None:
        versions: dict[str, list[Version]] = {}
        for r in store_ledgers.accepted_returns(conn):
            versions.setdefault(r.key, []).append(
                Version(r.id, r.report_date or r.deadline, r.period, r.file, r.report_date)
            )
        super().__init__(store_ledgers.items(conn), versions)
        self.conn = conn

    def rows(self, refs: Iterable[int]) -> dict[int, ItemRows]:
        return store_ledgers.item_rows(self.conn, list(refs))


def run(findings: Path, roster: Roster, store_path: Path | str) -> Result:
    """Read the inspectors' list and compare it with the store."""
    conn = store_db.connect(store_path)
    try:
        found = read_findings(findings, year=store_ledgers.campaign_start(conn).year)
        return compare(found, roster, StoreLedgers(conn), source=Path(findings).name)
    finally:
        conn.close()


def run_submissions(
    findings: Path, roster: Roster, subs: Sequence[Submission], cl: Checklist
) -> Result:
    """The same without a store: ledgers from Submissions, items from the checklist."""
    found = read_findings(findings, year=cl.campaign.start.year)
    return compare(found, roster, SubmissionLedgers(subs, cl), source=Path(findings).name)


def print_result(result: Result, con: Console, path: Path | None = None) -> None:
    table = Table(title=f"督查发现问题比对：{escape(result.source)}")
    for h in SUMMARY_HEADS:
        table.add_column(h, justify="left" if h in SUMMARY_HEADS[:2] else "right")
    prev = None
    for county, township, c in result.summary():
        first = escape(county) if county != prev else ""
        prev = county
        table.add_row(first, escape(township), str(sum(c.values())), *(str(c[k]) for k in CLASSES))
    tot = result.totals()
    table.add_row(
        "[bold]合计[/]", "", f"[bold]{sum(tot.values())}[/]", *(str(tot[k]) for k in CLASSES)
    )
    con.print(table)
    unmatched = result.of(UNMATCHED)
    for m in unmatched[:50]:
        where = m.finding.village or m.finding.code or ""
        con.print(f"[yellow]无法匹配[/] 第{m.finding.row}行 {escape(where)}：{escape(m.reason)}")
    if len(unmatched) > 50:
        con.print(f"……另有 {len(unmatched) - 50} 条无法匹配，见工作簿“{SHEET_UNMATCHED}”表。")
    con.print(f"已自查 {tot[SELF]} 条，漏排 {tot[MISSED]} 条，无法匹配 {tot[UNMATCHED]} 条。")
    if path is not None:
        con.print(f"已写出：{escape(str(path))}")
