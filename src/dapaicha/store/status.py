"""Each roster village's status in one period, derived from the submissions in one query.

已通过 when the period has an accepted, current return (迟报 when late); else 退回待改 when it
has a rejected one; else 未报送, or 逾期未报 once the as-of date is past the deadline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dapaicha.config.periods import BEIJING, REPORTING_AFTER_END
from dapaicha.errors import UserError
from dapaicha.model import Status
from dapaicha.store import db as store_db

# each village's latest accepted (current) and latest rejected submission of period :p
_LATEST = """
WITH acc AS (
  SELECT village_key, MAX(id) AS id FROM submissions
  WHERE period = :p AND accepted = 1 AND superseded_by IS NULL GROUP BY village_key
), rej AS (
  SELECT village_key, MAX(id) AS id FROM submissions
  WHERE period = :p AND accepted = 0 AND village_key IS NOT NULL GROUP BY village_key
)
"""
_SQL = (
    _LATEST
    + """SELECT v.key, v.code, v.county, v.township, v.village,
  a.file, a.report_date, a.received_at, a.on_time, a.errors, a.warnings, a.sha256,
  r.file, r.report_date, r.received_at, r.errors, r.warnings, r.sha256
FROM villages v
LEFT JOIN acc ON acc.village_key = v.key LEFT JOIN submissions a ON a.id = acc.id
LEFT JOIN rej ON rej.village_key = v.key LEFT JOIN submissions r ON r.id = rej.id
WHERE v.in_roster = 1 AND (:k IS NULL OR v.key = :k)
ORDER BY v.key
"""
)


@dataclass(frozen=True)
class VillageStatus:
    key: str
    code: str
    county: str
    township: str
    village: str
    status: Status
    file: str = ""  # the file the status rests on ("" when nothing was sent)
    report_date: str = ""  # its 填报日期 (ISO)
    received_at: str = ""  # when the store first saw it
    errors: int = 0
    warnings: int = 0
    sha256: str = ""  # of that file
    findings: tuple[dict[str, Any], ...] = ()  # a 退回待改 file's findings, as stored

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": str(self.status)}


def statuses(
    conn: sqlite3.Connection, period: int, as_of: dt.date, key: str | None = None
) -> list[VillageStatus]:
    """Every roster village's status in `period` as of `as_of` (roster villages, key order);
    key: only that village."""
    row = conn.execute("SELECT deadline FROM periods WHERE n = ?", (period,)).fetchone()
    deadline = dt.date.fromisoformat(row[0]) if row else None
    late_now = deadline is not None and as_of > deadline
    out = []
    for r in conn.execute(_SQL, {"p": period, "k": key}):
        names = (r[0], r[1], r[2], r[3], r[4])
        status = Status.of(r[5] is not None, r[8], bool(r[6]), r[12] is not None, late_now)
        if r[5] is not None:
            sent = (r[5], r[6] or "", r[7], r[9], r[10], r[11])
        elif r[12] is not None:
            sent = (r[12], r[13] or "", r[14], r[15], r[16], r[17])
        else:
            sent = ("", "", "", 0, 0, "")
        out.append(VillageStatus(*names, status, *sent))
    found = _findings(conn, [v.sha256 for v in out if v.status is Status.RETURNED])
    return [
        dataclasses.replace(v, findings=found[v.sha256]) if v.sha256 in found else v for v in out
    ]


def _findings(conn: sqlite3.Connection, shas: list[str]) -> dict[str, tuple[dict[str, Any], ...]]:
    """sha256 → the stored findings of that submission, in their order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(shas), 500):
        chunk = shas[i : i + 500]
        sql = (
            "SELECT s.sha256, f.code, f.severity, f.cell, f.item, f.message FROM findings f"
            " JOIN submissions s ON s.id = f.submission_id"
            f" WHERE s.sha256 IN ({','.join('?' * len(chunk))}) ORDER BY s.sha256, f.seq"
        )
        for sha, code, sev, cell, item, msg in conn.execute(sql, chunk):
            out.setdefault(sha, []).append(
                {"code": code, "severity": sev, "cell": cell, "item": item, "message": msg}
            )
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class PeriodStatus:
    period: int
    deadline: dt.date
    as_of: dt.date
    villages: list[VillageStatus]


def _default_period(conn: sqlite3.Connection, as_of: dt.date) -> int:
    """The period holding as_of inside the campaign; else the latest period with a return."""
    camp = conn.execute("SELECT start, end_date FROM campaigns").fetchone()
    if camp is None:
        raise UserError("数据库中还没有任何报送数据，请先运行 dapaicha merge。")
    if dt.date.fromisoformat(camp[0]) <= as_of <= dt.date.fromisoformat(camp[1]):
        return store_db.periods_of(conn).number_of(as_of)
    row = conn.execute("SELECT MAX(period) FROM submissions").fetchone()
    if row is None or row[0] is None:
        raise UserError("数据库中还没有任何报送，请先运行 dapaicha merge，或用 -p 指定期次。")
    return int(row[0])


def period_status(
    store_path: Path | str, period: int | None, as_of: dt.date | None = None
) -> PeriodStatus:
    """The store's villages in `period` (default: see _default_period) as of `as_of` (today)."""
    day = as_of or dt.date.today()
    conn = store_db.connect(store_path)
    try:
        n = period if period is not None else _default_period(conn, day)
        deadline = store_db.periods_of(conn).get(n).deadline
        return PeriodStatus(n, deadline, day, statuses(conn, n, day))
    finally:
        conn.close()


def village_periods(
    store_path: Path | str, key: str, as_of: dt.date | None = None
) -> list[tuple[int, Status]]:
    """One village's status in every period the store knows, as of `as_of` (today)."""
    day = as_of or dt.date.today()
    conn = store_db.connect(store_path)
    try:
        row = conn.execute("SELECT MAX(n) FROM periods").fetchone()
        last = int(row[0]) if row and row[0] else 0
        out = []
        for n in range(1, last + 1):
            found = statuses(conn, n, day, key)
            if found:
                out.append((n, found[0].status))
        return out
    finally:
        conn.close()


def any_accepted(store_path: Path | str) -> bool:
    """The store holds at least one accepted return (something to roll up)."""
    conn = store_db.connect(store_path)
    try:
        return (
            conn.execute("SELECT 1 FROM submissions WHERE accepted = 1 LIMIT 1").fetchone()
            is not None
        )
    finally:
        conn.close()


def stored_files(store_path: Path | str, shas: list[str]) -> dict[str, tuple[bool, str, int]]:
    """sha256 → (accepted, received_at, period) of the files the store holds among these."""
    if not Path(store_path).exists() or not shas:
        return {}
    conn = store_db.connect(store_path)
    out: dict[str, tuple[bool, str, int]] = {}
    try:
        for i in range(0, len(shas), 500):
            chunk = shas[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT sha256, accepted, received_at, period FROM submissions"
                f" WHERE sha256 IN ({marks})"
            )
            out |= {r[0]: (bool(r[1]), r[2], int(r[3])) for r in conn.execute(sql, chunk)}
        return out
    finally:
        conn.close()


_NEWER_REJECTED = (
    _LATEST
    + """SELECT r.sha256 FROM rej JOIN acc ON acc.village_key = rej.village_key
JOIN submissions r ON r.id = rej.id WHERE rej.id > acc.id
"""
)


def rejected_updates(store_path: Path | str, period: int) -> set[str]:
    """sha256 of each village's latest rejected file of `period` stored after the accepted
    one its status rests on (an update sent back: the earlier file still counts)."""
    if not Path(store_path).exists():
        return set()
    conn = store_db.connect(store_path)
    try:
        return {r[0] for r in conn.execute(_NEWER_REJECTED, {"p": period})}
    finally:
        conn.close()


# --- a lower tier's merged ledgers: when each county's arrived -------------------------------


_ARRIVALS = """
SELECT s.county, s.file, MIN(s.received_at) FROM submissions s
WHERE s.period = :p AND s.source_kind = 'merged' AND s.accepted = 1 GROUP BY s.county
"""


@dataclass(frozen=True)
class Arrival:
    """A county's merged ledger of one period: the first accepted one the store received."""

    county: str
    file: str
    received_at: str  # ISO, as stored
    received_on: dt.date  # its day in Beijing time
    received_local: str  # its moment in Beijing time, as shown: 2022-03-31 18:00
    on_time: bool | None  # received_on ≤ the deadline; None: received outside the campaign


def arrivals(store_path: Path | str, period: int) -> list[Arrival]:
    """Each county whose merged ledger of `period` is stored, by county name. Judged by the
    receipt when it lies inside the campaign; a replay (outside it) is not judged (None)."""
    conn = store_db.connect(store_path)
    try:
        camp = conn.execute("SELECT start, end_date FROM campaigns").fetchone()
        row = conn.execute("SELECT deadline FROM periods WHERE n = ?", (period,)).fetchone()
        if camp is None or row is None:
            return []
        start, end = dt.date.fromisoformat(camp[0]), dt.date.fromisoformat(camp[1])
        deadline = dt.date.fromisoformat(row[0])
        out = []
        for county, file, at in conn.execute(_ARRIVALS, {"p": period}).fetchall():
            moment = dt.datetime.fromisoformat(at)
            day = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(BEIJING)
            on = day.date()
            judged = on <= deadline if start <= on <= end + REPORTING_AFTER_END else None
            out.append(Arrival(county, file, at, on, f"{day:%Y-%m-%d %H:%M}", judged))
        return sorted(out, key=lambda a: a.county)
    finally:
        conn.close()


def receipts_of(
    store_path: Path | str, keys: list[str]
) -> tuple[dict[tuple[str, int], list[str]], dict[tuple[str, int], str]]:
    """(village key, period) → when the store received each return of that village for that
    period (accepted or not), as stored; and → when it first received one it accepted as
    on time (the village has reported: its later updates keep it on time)."""
    out: dict[tuple[str, int], list[str]] = {}
    first: dict[tuple[str, int], str] = {}
    if not Path(store_path).exists() or not keys:
        return out, first
    conn = store_db.connect(store_path)
    try:
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            sql = (
                "SELECT village_key, period, received_at, accepted, on_time FROM submissions"
                f" WHERE village_key IN ({','.join('?' * len(chunk))})"
            )
            for k, n, at, accepted, on_time in conn.execute(sql, chunk):
                key = (k, int(n))
                out.setdefault(key, []).append(at)
                if accepted and on_time and (key not in first or at < first[key]):
                    first[key] = at
        return out, first
    finally:
        conn.close()
