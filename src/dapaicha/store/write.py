"""The campaign's ledger store (SQLite): writes. Reads live in store_query (re-exported here).

Tables (see store_db for the DDL): campaigns, items (the checklist, stored at the first
merge so readers need no checklist), periods, villages, submissions, rows, schema_version.

- A village's key is its 12-digit code, or "county/township/village" when the roster has
  no code (roster.Village.key).
- submissions.sha256 is UNIQUE: merging the same file twice adds nothing. A stored rejected
  file that is now accepted (say, after the roster was fixed) is replaced; a stored accepted
  file is never replaced.
- Among the accepted returns of one village and period the newest wins (later 填报日期,
  then later merge = higher id); the others get superseded_by = the winner's id and stay.
- Rejected returns are stored with their counts but without rows: they never take part.
- received_at is when the file was first seen: the local wall-clock time of the merge that
  stored it (or the --as-of day). Inside the campaign it decides on_time (periods.on_time).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import REPORTING_AFTER_END, Periods
from dapaicha.config.revisions import Version
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.findings import Finding
from dapaicha.layout import YES
from dapaicha.model import PackedRows, Row, Submission, problem_count
from dapaicha.store.db import (
    BUSY_TIMEOUT,
    VERSION,
    Connection,
    connect,
    dump,
    remove,
    transaction,
)
from dapaicha.store.query import (
    PeriodData,
    VillageHistory,
    history,
    info,
    period_frames,
)

__all__ = [
    "BUSY_TIMEOUT",
    "VERSION",
    "Connection",
    "Incoming",
    "PeriodData",
    "VillageHistory",
    "connect",
    "dump",
    "ensure_campaign",
    "ensure_periods",
    "follow_revisions",
    "history",
    "info",
    "insert",
    "period_frames",
    "remove",
    "transaction",
]

ROW_COLUMNS = (
    "submission_id, no, seq, has_problem, description, measure, kind, deadline, owner, "
    "result, done_date, note, row, cell"
)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


_CAMPAIGN_SQL = (
    "SELECT id, checklist_id, checklist_hash, start, first_deadline, end_date, report_every_days"
    " FROM campaigns"
)


def ensure_campaign(conn: sqlite3.Connection, cl: Checklist) -> int:
    """The campaign's id; stores the campaign and its items at the first merge.

    A store holds one campaign: another checklist, or the same one with other items or
    dates, is refused (periods and figures would no longer mean the same thing).
    """
    c = cl.campaign
    want = (
        cl.id,
        cl.content_hash,
        c.start.isoformat(),
        c.first_deadline.isoformat(),
        c.end.isoformat(),
        c.report_every_days,
    )
    row = conn.execute(_CAMPAIGN_SQL).fetchone()
    if row is None:
        cur = conn.execute(
            "INSERT INTO campaigns (checklist_id, checklist_hash, title, start, first_deadline, end_date,"
            " report_every_days) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (cl.id, cl.content_hash, c.title, *want[2:]),
        )
        cid = int(cur.lastrowid or 0)
        _add_items(conn, cid, cl)
        return cid
    if row[1] != cl.id:
        raise UserError(
            f"数据库属于另一轮行动（清单 {row[1]}），本次使用的清单是 {cl.id}：请用 --store 另建一个数据库文件。"
        )
    old = _earlier(row, cl)
    if old is not None:  # stored under an earlier version
        _renumber(conn, int(row[0]), cl, old)
        return int(row[0])
    if tuple(row[1:]) != want:
        raise UserError(
            f"清单 {cl.id} 的排查项目或行动日期与数据库入库时不一致（数据库：{row[3]} 至 {row[5]}，"
            f"首次截止 {row[4]}）。行动进行中请勿修改清单；确需修改时请另建数据库文件。"
        )
    return int(row[0])


def _earlier(row: tuple[object, ...], cl: Checklist) -> Version | None:
    """The earlier version of cl a stored campaign row is numbered by (None: not one)."""
    c = cl.campaign
    dates = (c.start.isoformat(), c.first_deadline.isoformat(), c.end.isoformat())
    hit = cl.earlier.get(str(row[2]))
    if hit is None or row[1] != cl.id or tuple(row[3:6]) != dates:
        return None
    if row[6] != c.report_every_days:
        return None
    return hit[0]


def follow_revisions(conn: sqlite3.Connection, cl: Checklist, path: object = "") -> bool:
    """A store kept under an earlier version of cl moves onto the current numbering (as the
    next merge would); True when it moved. Without a move nothing is written (a read-only
    store stays readable)."""
    row = conn.execute(_CAMPAIGN_SQL).fetchone()
    if row is None or _earlier(row, cl) is None:
        return False
    with transaction(conn, str(path)):
        row = conn.execute(_CAMPAIGN_SQL).fetchone()  # again, under the write lock
        old = _earlier(row, cl) if row is not None else None
        if old is None:
            return False
        _renumber(conn, int(row[0]), cl, old)
    return True


def _add_items(conn: sqlite3.Connection, cid: int, cl: Checklist) -> None:
    """The current items, and the removed ones under -(their old 序号) (model.Row.no)."""
    codes = {c.name: c.code for c in cl.categories}
    conn.executemany(
        "INSERT INTO items (campaign_id, no, category_code, category, topic, content) VALUES (?, ?, ?, ?, ?, ?)",
        [(cid, i.no, cat.code, cat.name, i.topic, i.content) for cat, i in cl.items]
        + [(cid, -e.no, codes.get(e.category, ""), e.category, e.topic, e.content)
           for e in cl.removed.values()],
    )  # fmt: skip


_MOVING = 1 << 24  # renumbered rows pass through no + _MOVING: no clash with the key


def _renumber(conn: sqlite3.Connection, cid: int, cl: Checklist, old: Version) -> None:
    """The campaign moved to the current version: stored rows on the current numbering
    (problems of items removed since under -(the old 序号), their other rows dropped), the
    current items, the current hash."""
    subs = "submission_id IN (SELECT id FROM submissions WHERE campaign_id = ?)"
    for no, cur in old.to_current.items():
        if cur is None:
            conn.execute(
                f"UPDATE rows SET no = -no WHERE no = ? AND has_problem = ? AND {subs}",
                (no, YES, cid),
            )
            conn.execute(f"DELETE FROM rows WHERE no = ? AND {subs}", (no, cid))
        elif cur != no:
            conn.execute(
                f"UPDATE rows SET no = ? WHERE no = ? AND {subs}", (cur + _MOVING, no, cid)
            )
    conn.execute(f"UPDATE rows SET no = no - ? WHERE no >= ? AND {subs}", (_MOVING, _MOVING, cid))
    conn.execute("DELETE FROM items WHERE campaign_id = ?", (cid,))
    _add_items(conn, cid, cl)
    conn.execute("UPDATE campaigns SET checklist_hash = ? WHERE id = ?", (cl.content_hash, cid))


def ensure_periods(conn: sqlite3.Connection, cid: int, periods: Periods, upto: int) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO periods (campaign_id, n, start, deadline) VALUES (?, ?, ?, ?)",
        [
            (cid, p.n, p.start.isoformat(), p.deadline.isoformat())
            for p in (periods.get(n) for n in range(1, upto + 1))
        ],
    )


def add_roster(conn: sqlite3.Connection, roster: Roster) -> None:
    """Every roster village; the roster's names win over names seen in returns."""
    conn.executemany(
        "INSERT INTO villages (key, code, county, township, village, in_roster) VALUES (?, ?, ?, ?, ?, 1)"
        " ON CONFLICT(key) DO UPDATE SET code = excluded.code, county = excluded.county,"
        " township = excluded.township, village = excluded.village, in_roster = 1",
        [(v.key, v.code, v.county, v.township, v.village) for v in roster.villages],
    )


def _add_villages(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO villages (key, code, county, township, village) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


@dataclass
class Incoming:
    """A submission with what merge decided: its period and whether it was on time."""

    sub: Submission
    period: int
    on_time: bool | None
    source: str = ""  # what told the period: 汇总台账, --period, 文件夹, --as-of, 填报日期
    received_at: str = ""  # when first seen, if before this merge (a rejected file kept)

    @property
    def key(self) -> str | None:
        s = self.sub
        if not (s.village_code or s.village):
            return None
        return s.key


def _row_tuples(sid: int, rows: Sequence[Row]) -> list[tuple[object, ...]]:
    """Rows as stored (Row.stored): dates ISO; cell = the row's Row.source_cell."""
    if isinstance(rows, PackedRows):  # a worker's: kept as stored, no Rows made
        return [(sid, *t) for t in rows.stored()]
    return [(sid, *r.stored()) for r in rows]


def _existing(conn: sqlite3.Connection, shas: Sequence[str]) -> dict[str, tuple[int, bool]]:
    out: dict[str, tuple[int, bool]] = {}
    for i in range(0, len(shas), 500):
        chunk = shas[i : i + 500]
        q = f"SELECT sha256, id, accepted FROM submissions WHERE sha256 IN ({','.join('?' * len(chunk))})"
        for sha, sid, acc in conn.execute(q, chunk):
            out[sha] = (sid, bool(acc))
    return out


def insert(
    conn: sqlite3.Connection, cid: int, batch: Sequence[Incoming], received_at: str
) -> tuple[dict[str, int], set[int]]:
    """Store a batch (inside a transaction): sha256 → submission id for every item, and new ids.

    Already-stored files are skipped; the batch is inserted in its given order (later wins
    a tie of 填报日期).
    """
    known = _existing(conn, [b.sub.sha256 for b in batch])
    ids = {sha: sid for sha, (sid, _) in known.items()}
    replace = [
        known[b.sub.sha256][0]
        for b in batch
        if b.sub.accepted and b.sub.sha256 in known and not known[b.sub.sha256][1]
    ]
    if replace:
        conn.executemany("DELETE FROM submissions WHERE id = ?", [(i,) for i in replace])
        for sha in [s for s, (i, _) in known.items() if i in set(replace)]:
            del ids[sha]
    todo: list[Incoming] = []
    seen: set[str] = set()
    for b in batch:
        if b.sub.sha256 not in ids and b.sub.sha256 not in seen:
            seen.add(b.sub.sha256)
            todo.append(b)
    if not todo:
        return ids, set()
    known_keys = {r[0] for r in conn.execute("SELECT key FROM villages")}
    _add_villages(
        conn,
        [
            (
                b.key,
                "" if "/" in b.sub.village_code else b.sub.village_code,
                b.sub.county,
                b.sub.township,
                b.sub.village,
            )
            for b in todo
            if b.sub.accepted and b.key
        ],
    )
    known_keys.update(b.key for b in todo if b.sub.accepted and b.key)
    next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions").fetchone()[0]
    subs, stored, touched = [], [], set()
    for b in todo:
        s = b.sub
        sid = next_id
        next_id += 1
        ids[s.sha256] = sid
        key = b.key if b.key in known_keys else None
        subs.append(_submission_tuple(sid, cid, b, key, b.received_at or received_at))
        if s.accepted:
            stored.append((sid, s))
            touched.add((key, b.period))
    # rows made as SQLite takes them: a province's 3 million never all in memory at once
    rows = (t for sid, s in stored for t in _row_tuples(sid, s.rows))
    conn.executemany(
        "INSERT INTO submissions (id, campaign_id, period, village_key, county, township, village, file, sha256,"
        " source_kind, report_date, on_time, received_at, accepted, errors, warnings, problems)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        subs,
    )
    try:
        _insert_rows(conn, rows)
    except sqlite3.IntegrityError as err:
        bad = _duplicate_row(todo)
        raise UserError(
            f"{bad or '某个文件'} 中同一序号的问题编号重复，无法入库，本次合并未作任何改动。"
        ) from err
    _resupersede(conn, touched)
    return ids, {ids[b.sub.sha256] for b in todo}


ROWS_PER_INSERT = 64  # rows bound to one INSERT: a third of the time of one row each (issue 20)


def _insert_rows(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    """INSERT rows, in their order, ROWS_PER_INSERT to a statement (896 parameters: under
    the 999 of the oldest SQLite), the rest one by one."""
    one = f"({','.join('?' * 14)})"
    head = f"INSERT INTO rows ({ROW_COLUMNS}) VALUES "
    rest: list[tuple[object, ...]] = []

    def chunks(it: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
        while len(chunk := list(islice(it, ROWS_PER_INSERT))) == ROWS_PER_INSERT:
            yield tuple(chain.from_iterable(chunk))
        rest.extend(chunk)

    conn.executemany(head + ",".join([one] * ROWS_PER_INSERT), chunks(iter(rows)))
    conn.executemany(head + one, rest)


def _submission_tuple(
    sid: int, cid: int, b: Incoming, key: str | None, received_at: str
) -> tuple[object, ...]:
    """A submissions row (columns as in insert's INSERT)."""
    s = b.sub
    return (
        sid,
        cid,
        b.period,
        key,
        s.county,
        s.township,
        s.village,
        s.file,
        s.sha256,
        s.source_kind,
        _iso(s.report_date),
        None if b.on_time is None else int(b.on_time),
        received_at,
        int(s.accepted),
        s.errors,
        s.warnings,
        problem_count(s.rows),
    )


def _duplicate_row(todo: Sequence[Incoming]) -> str:
    for b in todo:
        keys = [(r.no, r.seq) for r in b.sub.rows]
        if len(keys) != len(set(keys)):
            return b.sub.file
    return ""


def _resupersede(conn: sqlite3.Connection, touched: set[tuple[str | None, int]]) -> None:
    """Within each touched (village, period), the newest accepted return wins."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS touched (village_key TEXT NOT NULL, period INTEGER NOT NULL,"
        " PRIMARY KEY (village_key, period))"
    )
    conn.execute("DELETE FROM temp.touched")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.touched VALUES (?, ?)", [t for t in touched if t[0]]
    )
    # a 填报日期 outside the campaign (a year typed wrong) is no newer (check.duplicates)
    conn.execute(
        "UPDATE submissions SET superseded_by = NULLIF((SELECT w.id FROM submissions w"
        " JOIN campaigns c ON c.id = w.campaign_id"
        " WHERE w.accepted = 1 AND w.village_key = submissions.village_key AND w.period = submissions.period"
        " ORDER BY COALESCE(w.report_date < c.start OR w.report_date > date(c.end_date, ?), 0),"
        " w.report_date DESC, w.id DESC LIMIT 1), submissions.id)"
        " WHERE accepted = 1 AND (village_key, period) IN (SELECT village_key, period FROM temp.touched)",
        (f"+{REPORTING_AFTER_END.days} days",),
    )
    conn.execute("DELETE FROM temp.touched")


def current_before(
    conn: sqlite3.Connection, key: str, period: int, inclusive: bool = False
) -> tuple[int, str, int] | None:
    """(id, file, period) of the village's current accepted return before (or at) period."""
    op = "<=" if inclusive else "<"
    row = conn.execute(
        f"SELECT id, file, period FROM submissions WHERE village_key = ? AND period {op} ?"
        " AND accepted = 1 AND superseded_by IS NULL ORDER BY period DESC LIMIT 1",
        (key, period),
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), int(row[2]))


def rows_of(conn: sqlite3.Connection, sid: int) -> list[Row]:
    out = []
    for r in conn.execute(
        "SELECT no, seq, has_problem, description, measure, kind, deadline, owner, result, done_date, note, row, cell"
        " FROM rows WHERE submission_id = ? ORDER BY no, seq",
        (sid,),
    ):
        out.append(
            Row(
                no=r[0],
                seq=r[1],
                has_problem=r[2],
                description=r[3],
                measure=r[4],
                kind=r[5],
                deadline=dt.date.fromisoformat(r[6]) if r[6] else None,
                owner=r[7],
                result=r[8],
                done_date=dt.date.fromisoformat(r[9]) if r[9] else None,
                note=r[10],
                row=r[11],
                cells={"description": r[12]} if r[12] else {},
            )
        )
    return out


@dataclass
class Stored:
    """A submission as the store has it after a merge."""

    id: int
    period: int
    accepted: bool
    on_time: bool | None
    superseded_by: str | None  # file of the newer return
    received_at: str = ""  # when the file was first seen (ISO)


def stored(conn: sqlite3.Connection, sid: int) -> Stored:
    period, acc, on_time, by, received = conn.execute(
        "SELECT s.period, s.accepted, s.on_time, w.file, s.received_at FROM submissions s"
        " LEFT JOIN submissions w ON w.id = s.superseded_by WHERE s.id = ?",
        (sid,),
    ).fetchone()
    on = None if on_time is None else bool(on_time)
    return Stored(sid, period, bool(acc), on, by, received)


def add_findings(conn: sqlite3.Connection, found: dict[int, list[Finding]]) -> None:
    """Store each new submission's findings (its validation's, then the merge's own)."""
    conn.executemany(
        "INSERT OR IGNORE INTO findings (submission_id, seq, code, severity, sheet, cell, item,"
        " message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (sid, i, f.code, str(f.severity), f.sheet, f.cell, f.item, f.message)
            for sid, fs in found.items()
            for i, f in enumerate(fs, 1)
        ],
    )


def add_warnings(conn: sqlite3.Connection, counts: dict[int, int]) -> None:
    conn.executemany(
        "UPDATE submissions SET warnings = warnings + ? WHERE id = ?",
        [(n, i) for i, n in counts.items() if n],
    )
