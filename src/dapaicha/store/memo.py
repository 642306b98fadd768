"""A file of remembered results: key (bytes) → value (bytes), for a run that repeats work.

What validate finds in a return depends only on the return's bytes, its name, the
checklist, the roster and this code: the caller makes the key of all of them, so a result
is only ever found for the very same question. The file is a cache: anything wrong with
it (missing, locked, damaged, on a full disk) makes it be left alone, never an error, and
every answer is then worked out again. Entries older than KEEP_DAYS are dropped.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

KEEP_DAYS = 21  # a week's returns are asked about again within days, rarely after weeks
BUSY_SECONDS = 2.0  # another run writing: wait this long, then go on without it

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS memo "
    "(key BLOB PRIMARY KEY, made INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID"
)


class Memo:
    """One memo file, opened by one process (each worker opens its own, to read)."""

    def __init__(self, path: Path, *, write: bool) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        for attempt in (1, 2):
            try:
                self._conn = _open(path, write)
                return
            except sqlite3.DatabaseError as err:  # not a database: made again when writing
                if not write or attempt == 2 or _busy(err):
                    return
                with contextlib.suppress(OSError):
                    path.unlink()
            except (sqlite3.Error, OSError):
                return

    @property
    def usable(self) -> bool:
        return self._conn is not None

    def get(self, key: bytes) -> bytes | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute("SELECT value FROM memo WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as err:
            self._failed(err)
            return None
        return bytes(row[0]) if row is not None else None

    def put(self, items: Iterable[tuple[bytes, bytes]]) -> None:
        """Remember values in one transaction (nothing, if the file cannot take them)."""
        if self._conn is None:
            return
        now = int(time.time())
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT OR REPLACE INTO memo VALUES (?, ?, ?)",
                    ((k, now, v) for k, v in items),
                )
        except sqlite3.Error as err:
            self._failed(err)

    def prune(self, days: int = KEEP_DAYS) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(
                "DELETE FROM memo WHERE made < ?", (int(time.time()) - days * 86400,)
            )
        except sqlite3.Error as err:
            self._failed(err)

    def _failed(self, err: sqlite3.Error) -> None:
        """Another run writing (busy): this one answer is missed. Anything else: the file
        is left alone for the rest of the run."""
        if not _busy(err):
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None


def _busy(err: sqlite3.Error) -> bool:
    return isinstance(err, sqlite3.OperationalError) and (
        "locked" in str(err) or "busy" in str(err)
    )


def _open(path: Path, write: bool) -> sqlite3.Connection | None:
    """A connection; a reader's touches nothing until its first question (another run may
    be writing: that question waits, then is a miss)."""
    if not write:
        return sqlite3.connect(path, timeout=BUSY_SECONDS) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")  # no WAL: safe on any drive
        conn.execute("PRAGMA synchronous=OFF")  # a cache: a lost write is only a miss
        conn.execute(_SCHEMA)
        conn.execute("SELECT 1 FROM memo LIMIT 1").fetchall()
    except sqlite3.Error:
        conn.close()
        raise
    return conn
