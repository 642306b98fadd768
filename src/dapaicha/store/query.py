"""Reading the store: period frames (for rollup and the merged ledger), info, history, export.

A village's state in period P is its current accepted return of the latest period ≤ P
(carried=True when that period is before P: 本期未更新). One SQL query per frame.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dapaicha.errors import UserError
from dapaicha.layout import REMOVED_NOTE
from dapaicha.model import Status, match_problems
from dapaicha.store import db as store_db

_CURRENT = """
WITH cur AS (
  SELECT village_key, MAX(period) AS p FROM submissions
  WHERE accepted = 1 AND superseded_by IS NULL AND period <= :p GROUP BY village_key
), src AS (
  SELECT s.id, s.campaign_id, s.village_key, s.period, s.report_date, s.on_time, s.file
  FROM cur JOIN submissions s ON s.village_key = cur.village_key AND s.period = cur.p
  WHERE s.accepted = 1 AND s.superseded_by IS NULL
)
"""

# Villages in key order: 12-digit codes (the official order), then name keys.
VILLAGE_SQL = (
    _CURRENT
    + """SELECT v.key AS village_code, v.county, v.township, v.village, src.period AS src_period,
  src.report_date, src.on_time, COALESCE(src.file, '') AS file,
  EXISTS (SELECT 1 FROM submissions f WHERE f.village_key = v.key AND f.period = :p
    AND f.accepted = 0) AS failed
FROM villages v LEFT JOIN src ON src.village_key = v.key ORDER BY v.key"""
)

# Names, file and category are joined in pandas (fewer values to fetch per problem row),
# and the rows sorted there (cheaper than SQLite's temporary B-tree).
PROBLEM_SQL = (
    _CURRENT
    + """SELECT src.village_key AS village_code, src.period, r.no, r.seq, r.description, r.measure,
  r.kind, r.deadline, r.owner, r.result, r.done_date, r.note, r.cell
FROM src JOIN rows r ON r.submission_id = src.id AND r.has_problem = '是'"""
)

VILLAGE_COLUMNS = [
    "village_code",
    "county",
    "township",
    "village",
    "reported",
    "on_time",
    "late",
    "report_date",
    "carried",
    "file",
    "failed",  # no accepted return this period, but one that failed validation
    "source_on_time",  # the return the figures come from: on time for its period (None: unknown)
    "status",  # model.Status at the deadline (未报送 for nothing sent)
]
PROBLEM_COLUMNS = [
    "village_code", "county", "township", "village", "period", "no", "seq", "category_code", "category",
    "topic", "description", "measure", "kind", "deadline", "owner", "result", "done_date", "note",
    "carried", "file", "cell", "removed",
]  # fmt: skip


@dataclass
class PeriodData:
    """One period as it stands in the store (see CONTRACTS.md).

    villages.village_code and problems.village_code are the village's key: its 12-digit code,
    or "county/township/village" when the roster has none. problems.period is the period of
    the return the row comes from (earlier than `period` when carried). on_time and late follow
    villages.status (model.Status.of: 已通过 / 已通过（迟报）), so reported = on_time + late;
    a return without a known 填报日期 is 已通过, on time, as `dapaicha status` says.
    """

    period: int
    start: dt.date
    deadline: dt.date
    villages: pd.DataFrame
    problems: pd.DataFrame
    previous: PeriodData | None = None


def _dates(col: pd.Series) -> list[dt.date | None]:
    cache: dict[str, dt.date] = {}
    out: list[dt.date | None] = []
    for x in col.tolist():
        if x is None or x != x or x == "":
            out.append(None)
            continue
        d = cache.get(x)
        if d is None:
            d = cache[x] = dt.date.fromisoformat(x)
        out.append(d)
    return out


# One county's villages only (the merged ledger of one unit): the same queries, narrowed.
_IN_COUNTY = "village_key IN (SELECT key FROM villages WHERE county = :c)"


def _narrowed(sql: str, county: str | None) -> str:
    if county is None:
        return sql
    sql = sql.replace("period <= :p GROUP BY", f"period <= :p AND {_IN_COUNTY} GROUP BY", 1)
    return sql.replace(
        "FROM villages v LEFT JOIN",
        "FROM (SELECT * FROM villages WHERE county = :c) v LEFT JOIN",
        1,
    )


def _query(
    conn: sqlite3.Connection, sql: str, period: int, county: str | None = None
) -> pd.DataFrame:
    cur = conn.execute(_narrowed(sql, county), {"p": period, "c": county})
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype=object)


def counties(conn: sqlite3.Connection) -> list[str]:
    """The counties of the store's villages, in key order of their first village."""
    q = "SELECT county FROM villages GROUP BY county ORDER BY MIN(key)"
    return [str(c) for (c,) in conn.execute(q)]


def counties_of(conn: sqlite3.Connection, ids: Sequence[int]) -> set[str]:
    """The counties of these submissions' villages."""
    out: set[str] = set()
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        q = ("SELECT DISTINCT v.county FROM submissions s JOIN villages v ON v.key = s.village_key"
             f" WHERE s.id IN ({','.join('?' * len(chunk))})")  # fmt: skip
        out.update(str(c) for (c,) in conn.execute(q, chunk))
    return out


def frames(
    conn: sqlite3.Connection, period: int, depth: int = 1, county: str | None = None
) -> PeriodData:
    """PeriodData of `period` from an open connection (sees the caller's transaction);
    with `county`, that county's villages only."""
    p = store_db.periods_of(conn).get(period)
    v = _query(conn, VILLAGE_SQL, period, county)
    src = pd.to_numeric(v["src_period"]).to_numpy(dtype=float, na_value=0.0)
    on_time = pd.to_numeric(v["on_time"]).to_numpy(dtype=float, na_value=-1.0)
    reported = src == period
    rejected = pd.to_numeric(v["failed"]).to_numpy(dtype=int) == 1
    dated = v["report_date"].notna().to_numpy() & (v["report_date"] != "").to_numpy()
    status = [  # the one rule (model.Status.of), as `dapaicha status` tells it at the deadline
        Status.of(bool(a), None if t < 0 else int(t), bool(d), bool(b), False)
        for a, t, d, b in zip(reported, on_time, dated, rejected, strict=True)
    ]
    st = pd.Series(status, dtype=object).astype(str).to_numpy()
    villages = pd.DataFrame(
        {
            "village_code": v["village_code"],
            "county": v["county"],
            "township": v["township"],
            "village": v["village"],
            "reported": reported,
            "on_time": st == Status.PASSED,
            "late": st == Status.PASSED_LATE,
            "report_date": pd.Series(_dates(v["report_date"]), dtype=object),
            "carried": (src > 0) & (src < period),
            "file": v["file"],
            "failed": st == Status.RETURNED,
            "status": st,
            "source_on_time": pd.Series(
                [None if x is None or x != x else bool(x) for x in v["on_time"].tolist()],
                dtype=object,
            ),
        },
        columns=VILLAGE_COLUMNS,
    )
    q = _query(conn, PROBLEM_SQL, period, county)
    q = q.sort_values(["village_code", "no", "seq"], kind="stable", ignore_index=True)
    place = villages.set_index("village_code")
    items = {
        r[0]: r[1:] for r in conn.execute("SELECT no, category_code, category, topic FROM items")
    }
    problems = pd.DataFrame(index=q.index, columns=PROBLEM_COLUMNS, dtype=object)
    problems["village_code"] = q["village_code"]
    for c in ("county", "township", "village", "file"):
        problems[c] = q["village_code"].map(place[c]).astype(object)
    for c in ("period", "no", "seq"):
        problems[c] = q[c].astype("int64")
    for i, c in enumerate(("category_code", "category", "topic")):
        vals = [items.get(no, ("", "", ""))[i] for no in problems["no"].tolist()]
        problems[c] = pd.Series(vals, dtype=object, index=q.index)
    for c in ("description", "measure", "kind", "owner", "result", "note", "cell"):
        problems[c] = q[c]
    problems["deadline"] = pd.Series(_dates(q["deadline"]), dtype=object, index=q.index)
    problems["done_date"] = pd.Series(_dates(q["done_date"]), dtype=object, index=q.index)
    problems["carried"] = (problems["period"] < period).astype(bool)
    problems = _removed_items(problems)
    prev = frames(conn, period - 1, depth - 1, county) if depth > 0 and period > 1 else None
    return PeriodData(period, p.start, p.deadline, villages, problems, prev)


def _removed_items(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems of items a revision removed (stored under -序号): their old 序号, removed
    True, layout.REMOVED_NOTE before their 备注."""
    no = problems["no"].to_numpy(np.int64)
    gone = no < 0
    problems["removed"] = gone
    if gone.any():
        problems["no"] = np.abs(no)
        note = problems.loc[gone, "note"].fillna("").astype(str)
        problems.loc[gone, "note"] = REMOVED_NOTE + note
        by = ["village_code", "no", "seq"]
        problems = problems.sort_values(by, kind="stable", ignore_index=True)
    return problems


def period_frames(store_path: Path | str, period: int, depth: int = 1) -> PeriodData:
    """The contract for rollup: villages and problems of `period`; `previous` goes `depth` back."""
    conn = store_db.connect(store_path)
    try:
        return frames(conn, period, depth)
    finally:
        conn.close()


def source_periods(
    conn: sqlite3.Connection, period: int, county: str | None = None
) -> dict[str, int]:
    """Village key → the period its current rows in `period` come from (in `county`)."""
    sql = _narrowed(_CURRENT + "SELECT village_key, period FROM src", county)
    return dict(conn.execute(sql, {"p": period, "c": county}).fetchall())


def latest_period(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(period) FROM submissions WHERE accepted = 1").fetchone()
    return int(row[0]) if row and row[0] is not None else None


# --- store info ---------------------------------------------------------------


@dataclass
class PeriodInfo:
    n: int
    start: str
    deadline: str
    accepted: int
    rejected: int
    superseded: int
    villages: int  # villages with an accepted return in the period
    on_time: int  # of those villages, reported on time (current return)


@dataclass
class StoreInfo:
    path: str
    version: int
    checklist_id: str
    title: str
    villages: int
    in_roster: int
    never_reported: int
    periods: list[PeriodInfo] = field(default_factory=list)


def info(store_path: Path | str) -> StoreInfo:
    conn = store_db.connect(store_path)
    try:
        camp = conn.execute("SELECT checklist_id, title FROM campaigns").fetchone() or ("", "")
        nv, nr = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(in_roster), 0) FROM villages"
        ).fetchone()
        never = conn.execute(
            "SELECT COUNT(*) FROM villages v WHERE NOT EXISTS"
            " (SELECT 1 FROM submissions s WHERE s.village_key = v.key AND s.accepted = 1)"
        ).fetchone()[0]
        out = StoreInfo(str(store_path), store_db.VERSION, camp[0], camp[1], nv, nr, never)
        for n, start, deadline in conn.execute(
            "SELECT n, start, deadline FROM periods ORDER BY n"
        ).fetchall():
            a, r, s, v, t = conn.execute(
                "SELECT COALESCE(SUM(accepted), 0), COALESCE(SUM(1 - accepted), 0),"
                " COALESCE(SUM(superseded_by IS NOT NULL), 0),"
                " COUNT(DISTINCT CASE WHEN accepted = 1 THEN village_key END),"
                " COALESCE(SUM(accepted = 1 AND superseded_by IS NULL AND on_time = 1), 0)"
                " FROM submissions WHERE period = ?",
                (n,),
            ).fetchone()
            out.periods.append(PeriodInfo(n, start, deadline, a, r, s, v, t))
        return out
    finally:
        conn.close()


# --- history ------------------------------------------------------------------


@dataclass
class HistoryEntry:
    id: int
    period: int
    file: str
    report_date: str | None
    on_time: bool | None
    accepted: bool
    errors: int
    warnings: int
    problems: int
    superseded_by: str | None  # file of the newer return
    received_at: str


@dataclass
class Change:
    no: int
    seq: int
    what: str  # 新增问题 / 问题消失 / 整改结果变化 / 整改期限变化
    old: str
    new: str


@dataclass
class VillageHistory:
    key: str
    code: str
    county: str
    township: str
    village: str
    entries: list[HistoryEntry]
    changes: list[
        tuple[int, int, list[Change]]
    ]  # (from id, to id, changes) of consecutive accepted
    statuses: list[tuple[int, Status]] = field(default_factory=list)  # (period, status)


_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")


def _base(name: str) -> str:
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s):
            return name[: -len(s)]
    return name


def find_villages(conn: sqlite3.Connection, query: str) -> list[tuple[str, str, str, str, str]]:
    """Villages known to the store matching a code, key, full name or village name."""
    q = query.strip()
    if not q:
        return []
    rows = conn.execute(
        "SELECT key, code, county, township, village FROM villages ORDER BY key"
    ).fetchall()
    exact = [r for r in rows if q in (r[0], r[1]) or q in (r[2] + r[3] + r[4], r[3] + r[4])]
    if exact:
        return exact
    return [r for r in rows if r[4] == q or _base(r[4]) == _base(q)]


# (no, seq, description, result, deadline, measure) of a problem row
ProblemRow = tuple[int, int, str | None, str | None, str | None, str | None]


def _changes(old: Sequence[ProblemRow], new: Sequence[ProblemRow]) -> list[Change]:
    """Changes between two returns, problems paired by model.match_problems (序号 + text)."""
    got = match_problems([(r[0], r[2], r[5]) for r in old], [(r[0], r[2], r[5]) for r in new])
    pairs: list[tuple[ProblemRow | None, ProblemRow | None]] = [
        (old[i] if i >= 0 else None, rb) for i, rb in zip(got, new, strict=True)
    ]
    kept = set(got)
    pairs += [(ra, None) for i, ra in enumerate(old) if i not in kept]
    out: list[Change] = []
    for ra, rb in sorted(pairs, key=lambda p: (p[1] or p[0] or (0, 0))[:2]):
        if ra is None:
            if rb is not None:  # always: one side is set
                out.append(Change(rb[0], rb[1], "新增问题", "", rb[2] or ""))
        elif rb is None:
            out.append(Change(ra[0], ra[1], "问题消失", ra[2] or "", ""))
        else:
            if (ra[3] or "") != (rb[3] or ""):
                out.append(Change(rb[0], rb[1], "整改结果变化", ra[3] or "", rb[3] or ""))
            if (ra[4] or "") != (rb[4] or ""):
                out.append(Change(rb[0], rb[1], "整改期限变化", ra[4] or "", rb[4] or ""))
    return out


def history(store_path: Path | str, query: str, key: str | None = None) -> VillageHistory:
    """All returns of one village by period, and what changed between consecutive accepted ones."""
    conn = store_db.connect(store_path)
    try:
        if key is not None:
            found = conn.execute(
                "SELECT key, code, county, township, village FROM villages WHERE key = ?", (key,)
            ).fetchall()
        else:
            found = find_villages(conn, query)
        if not found:
            raise UserError(f"数据库中没有找到村“{query}”，请输入村代码或村名（如 大马村）。")
        if len(found) > 1:
            names = "、".join(f"{r[2]}{r[3]}{r[4]}（{r[1] or r[0]}）" for r in found[:10])
            raise UserError(f"“{query}”对应多个村：{names}。请输入村代码或带县乡名称的全称。")
        k, code, county, township, village = found[0]
        subs = conn.execute(
            "SELECT s.id, s.period, s.file, s.report_date, s.on_time, s.accepted, s.errors, s.warnings,"
            " s.problems, w.file, s.received_at FROM submissions s LEFT JOIN submissions w ON w.id = s.superseded_by"
            " WHERE s.village_key = ? ORDER BY s.period, s.accepted DESC, s.report_date, s.id",
            (k,),
        ).fetchall()
        entries = [
            HistoryEntry(
                r[0], r[1], r[2], r[3], None if r[4] is None else bool(r[4]), bool(r[5]), *r[6:]
            )
            for r in subs
        ]
        acc = [e.id for e in entries if e.accepted]
        problems = {
            sid: conn.execute(
                "SELECT no, seq, description, result, deadline, measure FROM rows"
                " WHERE submission_id = ?"
                " AND has_problem = '是' ORDER BY no, seq",
                (sid,),
            ).fetchall()
            for sid in acc
        }
        changes = [(a, b, _changes(problems[a], problems[b])) for a, b in itertools.pairwise(acc)]
        return VillageHistory(k, code, county, township, village, entries, changes)
    finally:
        conn.close()


# --- export -------------------------------------------------------------------


def tables(
    conn: sqlite3.Connection,
) -> Iterator[tuple[str, list[str], Iterator[tuple[object, ...]]]]:
    """(name, column names, rows by the first column) of every table, for the export."""
    for table in store_db.TABLES:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY 1")
        yield table, [d[0] for d in cur.description], cur
