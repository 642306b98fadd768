"""Reading whole returns from the store: for crosscheck and for the 疑似走过场 signals.

- crosscheck: the checklist's items, every accepted return placed in time, the item rows of
  the returns it needs;
- perfunctory: every village's current return in a period (with its rows), the ids of its
  earlier current returns, and the values of any returns' rows (for fingerprints).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from dapaicha import layout
from dapaicha.errors import UserError
from dapaicha.model import Row, Submission

CHUNK = 500  # ids per IN (…) query

# (has_problem, description, cell) of one row, by item no
ItemRows = dict[int, list[tuple[str | None, str | None, str]]]
# (no, seq, has_problem, description, measure, kind, deadline, owner, result, done_date, note)
ValueRow = tuple[object, ...]


def campaign_start(conn: sqlite3.Connection) -> dt.date:
    row = conn.execute("SELECT start FROM campaigns").fetchone()
    if row is None:
        raise UserError("数据库中还没有任何报送数据，请先运行 dapaicha merge。")
    return dt.date.fromisoformat(row[0])


def campaign_hash(conn: sqlite3.Connection) -> str:
    """The content hash of the checklist version the stored rows are numbered by."""
    row = conn.execute("SELECT checklist_hash FROM campaigns").fetchone()
    if row is None:
        raise UserError("数据库中还没有任何报送数据，请先运行 dapaicha merge。")
    return str(row[0])


def items(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """Item no → (topic, content), as stored at the first merge."""
    return {int(n): (t, c) for n, t, c in conn.execute("SELECT no, topic, content FROM items")}


@dataclass(frozen=True)
class Dated:
    """An accepted return with its 填报日期 and its period's cut-off."""

    id: int
    key: str
    period: int
    file: str
    report_date: dt.date | None
    deadline: dt.date


def accepted_returns(conn: sqlite3.Connection) -> list[Dated]:
    """Every accepted return (superseded ones too), by (填报日期 else cut-off, period, id)."""
    q = (
        "SELECT s.id, s.village_key, s.period, s.file, s.report_date, p.deadline FROM submissions s"
        " JOIN periods p ON p.campaign_id = s.campaign_id AND p.n = s.period"
        " WHERE s.accepted = 1 AND s.village_key IS NOT NULL"
        " ORDER BY COALESCE(s.report_date, p.deadline), s.period, s.id"
    )
    return [
        Dated(int(sid), key, int(period), file, _day(rd), dt.date.fromisoformat(deadline))
        for sid, key, period, file, rd, deadline in conn.execute(q)
    ]


def item_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, ItemRows]:
    """Each return's rows as (has_problem, description, cell) by item no, in (no, seq) order."""
    ids = sorted(set(ids))
    out: dict[int, ItemRows] = {i: {} for i in ids}
    for k in range(0, len(ids), CHUNK):
        chunk = ids[k : k + CHUNK]
        q = (
            "SELECT submission_id, no, has_problem, description, cell FROM rows"
            f" WHERE submission_id IN ({','.join('?' * len(chunk))}) ORDER BY submission_id, no, seq"
        )
        for sid, no, has, desc, cell in conn.execute(q, chunk):
            out[sid].setdefault(int(no), []).append((has, desc, cell))
    return out


_SUBS_SQL = """SELECT s.id, s.village_key, s.period, s.file, s.sha256, s.report_date, s.source_kind,
  v.code, v.county, v.township, v.village
FROM submissions s JOIN villages v ON v.key = s.village_key
WHERE s.accepted = 1 AND s.superseded_by IS NULL AND s.period <= ? ORDER BY s.period, s.id"""
_ROW_COLS = """r.submission_id, r.no, r.seq, r.has_problem, r.description, r.measure, r.kind,
  r.deadline, r.owner, r.result, r.done_date, r.note, r.row, r.cell"""
# rows by their primary key, the returns' ids from a list (no sorting of the rows)
_CURRENT_ROWS_SQL = """WITH cur AS (
  SELECT village_key, MAX(period) AS p FROM submissions
  WHERE accepted = 1 AND superseded_by IS NULL AND period <= ? GROUP BY village_key
)
SELECT {cols} FROM rows r WHERE r.submission_id IN (SELECT s.id FROM cur
  JOIN submissions s ON s.village_key = cur.village_key AND s.period = cur.p
  AND s.accepted = 1 AND s.superseded_by IS NULL){lean}
ORDER BY r.submission_id, r.no, r.seq"""
# The rows the 疑似走过场 signals read: problems (a return without any: its Shape), without
# the values they do not read (整改类型, 责任人, 完成时间, 备注: None).
_LEAN = " AND r.has_problem = '是'"
_LEAN_COLS = _ROW_COLS.replace("r.kind,", "NULL,").replace("r.owner,", "NULL,")
_LEAN_COLS = _LEAN_COLS.replace("r.done_date, r.note,", "NULL, NULL,")
_SHAPE_SQL = """WITH cur AS (
  SELECT village_key, MAX(period) AS p FROM submissions
  WHERE accepted = 1 AND superseded_by IS NULL AND period <= ? GROUP BY village_key
)
SELECT r.submission_id, r.has_problem IS NOT '否', r.row FROM cur
JOIN submissions s ON s.village_key = cur.village_key AND s.period = cur.p
  AND s.accepted = 1 AND s.superseded_by IS NULL AND s.problems = 0
JOIN rows r ON r.submission_id = s.id
ORDER BY r.submission_id, r.no, r.seq"""
# A return without problems as the all-no signal reads it: (rows, rows not 否, the first and
# last row numbers by 序号 of rows that have one, how many have one).
Shape = tuple[int, int, int, int, int]


@dataclass
class Current:
    """Every village's current return in a period, and the ids of its earlier ones."""

    returns: dict[str, Submission]  # village key → its return, rows loaded
    earlier: dict[str, list[tuple[int, int]]]  # village key → [(period, id)], newest first
    ids: dict[str, int] = dataclasses.field(default_factory=dict)  # village key → its id
    shapes: dict[str, Shape] = dataclasses.field(default_factory=dict)  # lean: no problems


def current_returns(conn: sqlite3.Connection, period: int, *, lean: bool = False) -> Current:
    """The returns of every village as they stand in `period` (carried ones too).

    Cells other than 自查问题描述 come from the generated ledger's layout (the store keeps
    one cell per row). lean: only the problem rows and their values the 疑似走过场 signals
    read (a tenth of a province's rows), and the Shape of each return without problems.
    """
    current: dict[str, Submission] = {}
    cur_sid: dict[str, int] = {}
    earlier: dict[str, list[tuple[int, int]]] = {}
    for sid, key, n, file, sha, rd, kind, code, county, township, village in conn.execute(
        _SUBS_SQL, (period,)
    ):
        if key in cur_sid:
            earlier.setdefault(key, []).insert(0, (current[key].period or 0, cur_sid[key]))
        cur_sid[key] = sid
        current[key] = Submission(
            file, sha, code, county, township, village, _day(rd), True,
            source_kind=kind, period=n,
        )  # fmt: skip
    by_sid = {sid: current[key] for key, sid in cur_sid.items()}
    rows_sql = _CURRENT_ROWS_SQL.format(
        cols=_LEAN_COLS if lean else _ROW_COLS, lean=_LEAN if lean else ""
    )
    day = _Days()
    for sid, recs in itertools.groupby(conn.execute(rows_sql, (period,)), key=itemgetter(0)):
        sub = by_sid[sid]
        kind = sub.source_kind
        sub.rows = [
            Row(r[1], r[2], r[3], r[4], r[5], r[6], day[r[7]], r[8], r[9], day[r[10]], r[11],
                r[12], _stored_cell(r[13], kind))
            for r in recs
        ]  # fmt: skip
    shapes = _shapes(conn, period, {sid: key for key, sid in cur_sid.items()}) if lean else {}
    return Current(current, earlier, cur_sid, shapes)


def _shapes(conn: sqlite3.Connection, period: int, keys: dict[int, str]) -> dict[str, Shape]:
    """The Shape of every current return without problems, its rows streamed."""
    out: dict[str, Shape] = {}
    for sid, recs in itertools.groupby(conn.execute(_SHAPE_SQL, (period,)), key=lambda r: r[0]):
        n = others = with_row = first = last = 0
        for _, other, row in recs:
            n += 1
            others += int(other)
            if row:
                first, last, with_row = first or row, row, with_row + 1
        out[keys[sid]] = (n, others, first, last, with_row)
    return out


def value_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[ValueRow]]:
    """Each return's rows as ValueRow (dates as ISO text), in (no, seq) order; returns
    without rows are left out."""
    out: dict[int, list[ValueRow]] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        q = (
            f"SELECT {_ROW_COLS} FROM rows r WHERE r.submission_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY r.submission_id, r.no, r.seq"
        )
        for sid, recs in itertools.groupby(conn.execute(q, chunk), key=lambda r: r[0]):
            out[sid] = [tuple(r[1:12]) for r in recs]
    return out


def _day(x: str | None) -> dt.date | None:
    return dt.date.fromisoformat(x) if x else None


class _Days(dict[str | None, dt.date | None]):
    """_day of each text, worked out once per distinct text."""

    def __missing__(self, x: str | None) -> dt.date | None:
        got = self[x] = _day(x)
        return got


def _stored_cell(cell: str | None, kind: str) -> dict[str, str]:
    """The store keeps one cell per row: the 自查问题描述 cell, else the 序号 cell, else A{row}.

    For a generated ledger only a cell in the 自查问题描述 column is kept (the others come
    from the layout); for other sources the stored cell is the best there is.
    """
    if not cell:
        return {}
    if kind == "ledger" and cell.rstrip("0123456789") != layout.LETTER["description"]:
        return {}
    return {"description": cell}
