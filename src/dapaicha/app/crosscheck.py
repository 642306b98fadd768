"""dapaicha crosscheck: the inspectors' findings (督查发现问题) set against the village ledgers.

The pipeline: read the inspectors' list, fetch the ledgers from the store, compare
(figures.crosscheck, where the classes are explained), write the workbook
(xlsx.crosscheck).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
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
from dapaicha.model import Submission
from dapaicha.read.inspectors import Inspection, read_findings
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.xlsx.crosscheck import (
    SHEET_UNMATCHED,
    SUMMARY_HEADS,
    UNMATCHED_HEADS,
    missed_heads,
    out_path,
    write,
)

__all__ = [
    "CLASSES",
    "MISSED",
    "SELF",
    "SUMMARY_HEADS",
    "UNMATCHED",
    "UNMATCHED_HEADS",
    "Inspection",
    "Match",
    "Result",
    "StoreLedgers",
    "compare",
    "missed_heads",
    "out_path",
    "print_result",
    "read_findings",
    "run",
    "run_submissions",
    "write",
]

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
