"""dapaicha crosscheck: the inspectors' findings (督查发现问题) set against the village ledgers.

Each finding is compared with the village's ledger as it stood on the 发现日期: the latest
accepted return (superseded ones included: they stood until replaced) whose 填报日期 is on
or before that day; a return without 填报日期 counts from its period's cut-off. Classes:
- 已自查: the ledger reports a problem (是) under the finding's item;
- 漏排: the ledger answers 否 for the item, leaves it blank or lacks it, or the village had
  not reported any ledger yet on that day;
- 无法匹配: the village is not in the roster, the item not in the checklist, or the row
  cannot be read (no village, no item, no readable 发现日期).

Ledgers come from the SQLite store (two queries: every accepted return's date, then the
rows of the returns needed) or, for callers without a store, a list of Submissions.
"""

from __future__ import annotations

import abc
import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dapaicha.errors import UserError
from dapaicha.figures.perfunctory import norm_text
from dapaicha.read.inspectors import Inspection, read_findings
from dapaicha.store import db as store_db

if TYPE_CHECKING:
    from rich.console import Console

    from dapaicha.config.checklist import Checklist
    from dapaicha.config.roster import Roster, Village
    from dapaicha.model import Submission

SELF, MISSED, UNMATCHED = "已自查", "漏排", "无法匹配"
CLASSES = (SELF, MISSED, UNMATCHED)
SIGNER_HEADS = ("村级责任组组长", "第一书记", "村支部书记")  # roster.Village.signers order


@dataclass
class Match:
    """A finding with its class and the ledger it was set against."""

    finding: Inspection
    cls: str  # SELF / MISSED / UNMATCHED
    reason: str  # Chinese
    village: Village | None = None
    no: int | None = None
    topic: str = ""
    file: str = ""  # the ledger it was compared with ("" when none)
    period: int | None = None
    report_date: dt.date | None = None
    cell: str = ""  # the ledger's cell for the item
    self_reported: str = ""  # the village's own problem text(s) under the item

    @property
    def county(self) -> str:
        return self.village.county if self.village else self.finding.county

    @property
    def township(self) -> str:
        return self.village.township if self.village else self.finding.township

    @property
    def village_name(self) -> str:
        return self.village.village if self.village else self.finding.village


@dataclass
class Result:
    source: str  # the findings file
    matches: list[Match] = field(default_factory=list)

    def of(self, cls: str) -> list[Match]:
        return [m for m in self.matches if m.cls == cls]

    def summary(self) -> list[tuple[str, str, dict[str, int]]]:
        """(county, township, counts by class) in the order first seen; townships by county."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for m in self.matches:
            key = (m.county or "（未填县）", m.township or "（未填乡镇）")
            c = counts.setdefault(key, dict.fromkeys(CLASSES, 0))
            c[m.cls] += 1
        counties = list(dict.fromkeys(k[0] for k in counts))
        return [(k[0], k[1], counts[k]) for county in counties for k in counts if k[0] == county]

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys(CLASSES, 0)
        for m in self.matches:
            out[m.cls] += 1
        return out


# --- ledger sources ------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One accepted return of a village, placed in time."""

    ref: int  # submission id (store) or index into the Submissions
    date: dt.date  # 填报日期, else the period's cut-off
    period: int
    file: str
    report_date: dt.date | None


# item no → [(has_problem, description, cell)]
ItemRows = dict[int, list[tuple[str | None, str | None, str]]]


class Ledgers(abc.ABC):
    """Items of the checklist and every village's accepted returns."""

    def __init__(
        self, items: dict[int, tuple[str, str]], versions: dict[str, list[Version]]
    ) -> None:
        self.items = items  # no → (topic, content)
        self.versions = versions  # village key → versions by (date, period, order)
        self._norm = {n: (norm_text(t), norm_text(c)) for n, (t, c) in items.items()}

    def as_of(self, key: str, day: dt.date) -> Version | None:
        best = None
        for v in self.versions.get(key, []):
            if v.date <= day:
                best = v
        return best

    @abc.abstractmethod
    def rows(self, refs: Iterable[object]) -> dict[object, ItemRows]:
        """Each version's item rows (the store reads them; submissions hold them)."""

    def match_item(self, text: str) -> tuple[int | None, str]:
        """(item no, "") when the text names one item (topic or content substring), else (None, why)."""
        t = norm_text(text)
        if len(t) < 2:
            return None, f"排查项目“{text}”过短，无法对应清单项目，请填写项目序号"
        exact = [n for n, (topic, _) in self._norm.items() if t == topic]
        hits = exact or [
            n
            for n, (topic, content) in self._norm.items()
            if t in topic or t in content or (content and content in t)
        ]
        if len(hits) == 1:
            return hits[0], ""
        if not hits:
            return None, f"排查清单中找不到与“{text}”对应的项目，请填写项目序号"
        nos = "、".join(str(n) for n in sorted(hits)[:10])
        return None, f"“{text}”对应多个项目（第{nos}项），请填写项目序号"


class StoreLedgers(Ledgers):
    def __init__(self, conn: sqlite3.Connection) -> None:
        items = {int(n): (t, c) for n, t, c in conn.execute("SELECT no, topic, content FROM items")}
        versions: dict[str, list[Version]] = {}
        q = (
            "SELECT s.id, s.village_key, s.period, s.file, s.report_date, p.deadline FROM submissions s"
            " JOIN periods p ON p.campaign_id = s.campaign_id AND p.n = s.period"
            " WHERE s.accepted = 1 AND s.village_key IS NOT NULL"
            " ORDER BY COALESCE(s.report_date, p.deadline), s.period, s.id"
        )
        for sid, key, period, file, rd, deadline in conn.execute(q):
            rdate = dt.date.fromisoformat(rd) if rd else None
            date = rdate or dt.date.fromisoformat(deadline)
            versions.setdefault(key, []).append(Version(sid, date, int(period), file, rdate))
        super().__init__(items, versions)
        self.conn = conn

    def rows(self, refs: Iterable[object]) -> dict[object, ItemRows]:
        ids = sorted({int(r) for r in refs})  # type: ignore[call-overload]
        out: dict[object, ItemRows] = {i: {} for i in ids}
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            q = (
                "SELECT submission_id, no, has_problem, description, cell FROM rows"
                f" WHERE submission_id IN ({','.join('?' * len(chunk))}) ORDER BY submission_id, no, seq"
            )
            for sid, no, has, desc, cell in self.conn.execute(q, chunk):
                out[sid].setdefault(int(no), []).append((has, desc, cell))
        return out


class SubmissionLedgers(Ledgers):
    """Ledgers from Submissions (no store): items from the checklist; ref = index in subs."""

    def __init__(self, subs: Sequence[Submission], cl: Checklist) -> None:
        from dapaicha.config.periods import Periods
        from dapaicha.figures.perfunctory import key_of

        pers = Periods(cl.campaign)
        self.subs = list(subs)
        placed: dict[str, list[tuple[dt.date, int, int, Version]]] = {}
        for i, s in enumerate(self.subs):
            period = s.period or (pers.number_of(s.report_date) if s.report_date else None)
            if not s.accepted or period is None:
                continue
            date = s.report_date or pers.get(period).deadline
            placed.setdefault(key_of(s), []).append(
                (date, period, i, Version(i, date, period, s.file, s.report_date))
            )
        versions = {k: [x[3] for x in sorted(v, key=lambda x: x[:3])] for k, v in placed.items()}
        super().__init__({i.no: (i.topic, i.content) for _, i in cl.items}, versions)

    def rows(self, refs: Iterable[object]) -> dict[object, ItemRows]:
        out: dict[object, ItemRows] = {}
        for i in set(refs):
            d: ItemRows = {}
            for r in self.subs[i].rows:  # type: ignore[index]
                cell = (
                    r.cells.get("description")
                    or r.cells.get("no")
                    or (f"A{r.row}" if r.row else "")
                )
                d.setdefault(r.no, []).append((r.has_problem, r.description, cell))
            out[i] = d
        return out


# --- the comparison -------------------------------------------------------------------


def compare(found: list[Inspection], roster: Roster, ledgers: Ledgers, source: str = "") -> Result:
    """Classify every finding (see the module doc)."""
    result = Result(source)
    pending: list[tuple[Match, Version]] = []
    for f in found:
        if f.problem:
            result.matches.append(Match(f, UNMATCHED, f"第{f.row}行：{f.problem}"))
            continue
        v = roster.find(
            code=f.code or None,
            county=f.county or None,
            township=f.township or None,
            village=f.village or None,
        )
        if v is None:
            name = f"{f.county}{f.township}{f.village}" or f.code
            result.matches.append(
                Match(f, UNMATCHED, f"村名册中找不到“{name}”（或有同名村，请填写村代码）")
            )
            continue
        no, why = (f.no, "") if f.no is not None else ledgers.match_item(f.item)
        if no is not None and no not in ledgers.items:
            no, why = None, f"排查清单中没有第{no}项"
        if no is None:
            result.matches.append(Match(f, UNMATCHED, why, village=v))
            continue
        topic = ledgers.items[no][0]
        m = Match(f, MISSED, "", village=v, no=no, topic=topic)
        result.matches.append(m)
        ver = ledgers.as_of(v.key, f.found)  # type: ignore[arg-type]
        if ver is None:
            first = ledgers.versions.get(v.key)
            later = f"（首次报送：{first[0].date.isoformat()}，{first[0].file}）" if first else ""
            m.reason = f"发现时该村尚未报送台账{later}"
            continue
        m.file, m.period, m.report_date = ver.file, ver.period, ver.report_date
        pending.append((m, ver))
    rows = ledgers.rows(v.ref for _, v in pending)
    for m, ver in pending:
        got = rows.get(ver.ref, {}).get(m.no, [])  # type: ignore[arg-type]
        problems = [(d or "", c) for has, d, c in got if has == "是"]
        if problems:
            m.cls = SELF
            m.self_reported = "；".join(d for d, _ in problems if d)
            m.cell = problems[0][1]
            m.reason = f"台账第{m.no}项已自查出问题"
        elif any(has == "否" for has, _, _ in got):
            m.cell = got[0][2]
            m.reason = f"台账第{m.no}项填“否”"
        else:
            m.cell = got[0][2] if got else ""
            m.reason = f"台账第{m.no}项未填写是否存在问题" if got else f"台账中没有第{m.no}项"
    return result


def _year_of(ledgers_conn: sqlite3.Connection) -> int:
    row = ledgers_conn.execute("SELECT start FROM campaigns").fetchone()
    if row is None:
        raise UserError("数据库中还没有任何报送数据，请先运行 dapaicha merge。")
    return dt.date.fromisoformat(row[0]).year


def run(findings: Path, roster: Roster, store_path: Path | str) -> Result:
    """Read the inspectors' list and compare it with the store."""
    conn = store_db.connect(store_path)
    try:
        found = read_findings(findings, year=_year_of(conn))
        return compare(found, roster, StoreLedgers(conn), source=Path(findings).name)
    finally:
        conn.close()


def run_submissions(
    findings: Path, roster: Roster, subs: Sequence[Submission], cl: Checklist
) -> Result:
    """The same without a store: ledgers from Submissions, items from the checklist."""
    found = read_findings(findings, year=cl.campaign.start.year)
    return compare(found, roster, SubmissionLedgers(subs, cl), source=Path(findings).name)


# --- output ---------------------------------------------------------------------------

SHEET_SUMMARY, SHEET_MISSED, SHEET_UNMATCHED = "汇总", "漏排明细", "无法匹配"
SUMMARY_HEADS = ("县（市、区）", "乡（镇、街道）", "督查发现问题", SELF, MISSED, UNMATCHED)
MISSED_HEADS = (
    "县（市、区）", "乡（镇、街道）", "行政村", "村代码", "项目序号", "排查项目", "督查发现问题",
    "发现日期", "发现单位", "台账情况", "对照台账", "期次", "填报日期", "台账单元格",
    *SIGNER_HEADS, "联乡帮村干部", "清单行号",
)  # fmt: skip
UNMATCHED_HEADS = (
    "清单行号", "县（市、区）", "乡（镇、街道）", "行政村", "村代码", "项目序号", "排查项目",
    "督查发现问题", "发现日期", "发现单位", "原因",
)  # fmt: skip


def out_path(out_dir: Path, findings: Path | str) -> Path:
    from dapaicha.fsutil import inside

    return inside(Path(out_dir), f"督查比对_{Path(findings).stem}.xlsx")


def _missed_row(m: Match) -> list[object]:
    f, v = m.finding, m.village
    signers = v.signers if v else ("", "", "")
    return [
        m.county, m.township, m.village_name, v.code if v else f.code, m.no, m.topic, f.description,
        f.found, f.unit, m.reason, m.file, f"第{m.period}期" if m.period else "", m.report_date, m.cell,
        *signers, v.liaison if v else "", f.row,
    ]  # fmt: skip


def _unmatched_row(m: Match) -> list[object]:
    f = m.finding
    return [
        f.row,
        f.county,
        f.township,
        f.village,
        f.code,
        f.no,
        f.item,
        f.description,
        f.found,
        f.unit,
        m.reason,
    ]


def write(result: Result, path: Path, title: str = "督查发现问题与村级台账比对") -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from dapaicha.xlsx import excel

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_SUMMARY
    n = len(SUMMARY_HEADS)
    excel.write(ws, 1, 1, title, font=excel.FONT_TITLE, alignment=excel.CENTER)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    excel.write(ws, 2, 1, f"督查清单：{result.source}", font=excel.FONT_BODY)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    rows: list[list[object]] = []
    prev = None
    summary = result.summary()
    for i, (county, township, c) in enumerate(summary):
        rows.append(
            [county if county != prev else "", township, sum(c.values()), *(c[k] for k in CLASSES)]
        )
        prev = county
        if i + 1 == len(summary) or summary[i + 1][0] != county:
            sub = [sum(x[2][k] for x in summary if x[0] == county) for k in CLASSES]
            rows.append(["", "小计", sum(sub), *sub])
    tot = result.totals()
    rows.append(["合计", "", sum(tot.values()), *(tot[k] for k in CLASSES)])
    _table(ws, 3, SUMMARY_HEADS, rows, (14, 16, 12, 10, 10, 10))
    excel.print_setup(ws, title_rows="3:3")
    for name, heads, body, widths in (
        (SHEET_MISSED, MISSED_HEADS, [_missed_row(m) for m in result.of(MISSED)],
         (10, 12, 12, 14, 6, 10, 30, 11, 12, 18, 24, 6, 11, 8, 10, 10, 10, 10, 6)),
        (SHEET_UNMATCHED, UNMATCHED_HEADS, [_unmatched_row(m) for m in result.of(UNMATCHED)],
         (6, 10, 12, 12, 14, 6, 14, 30, 11, 12, 36)),
    ):  # fmt: skip
        ws = wb.create_sheet(name)
        _table(ws, 1, heads, body, widths)
        ws.freeze_panes = "A2"
        excel.print_setup(ws, title_rows="1:1")
        ws.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{max(1, len(body) + 1)}"
    excel.save(wb, path)
    return path


def _table(
    ws, top: int, heads: Sequence[str], rows: list[list[object]], widths: Sequence[float]
) -> None:
    from openpyxl.utils import get_column_letter

    from dapaicha.xlsx import excel

    for j, h in enumerate(heads, 1):
        excel.write(
            ws,
            top,
            j,
            h,
            font=excel.FONT_HEAD,
            alignment=excel.CENTER,
            border=excel.BORDER,
            fill=excel.HEAD_FILL,
        )
    for i, row in enumerate(rows, top + 1):
        for j, x in enumerate(row, 1):
            excel.write(
                ws, i, j, x, font=excel.FONT_BODY, alignment=excel.WRAP, border=excel.BORDER
            )
    for j, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = w


def print_result(result: Result, con: Console, path: Path | None = None) -> None:
    from rich.markup import escape
    from rich.table import Table

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
