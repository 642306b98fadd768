"""A file of remembered results: key (bytes) → value (bytes), for a run that repeats work.

What validate finds in a return depends only on the return's bytes, its name, the
checklist, the roster and this code: the caller makes the key of all of them, so a result
is only ever found for the very same question. The file is a cache: anything wrong with
it (missing, locked, damaged, on a full disk) makes it be left alone, never an error, and
every answer is then worked out again. Entries older than KEEP_DAYS are dropped and their
space given back. A file that is not one of ours is never written to nor deleted.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

KEEP_DAYS = 10  # a week's returns are asked about again within days, rarely after weeks
WRITE_WAIT = 2.0  # seconds a writer waits for another run's write, then goes on without
READ_WAIT = 0.5  # seconds a question waits for another run's write, then is a miss
MAX_BUSY = 3  # misses for another run's writing after which a reader stops asking
APP_ID = 0x64706D6F  # "dpmo": PRAGMA application_id of a memo file
VERSION = 1  # PRAGMA user_version: the layout below

_SCHEMA = (
    "CREATE TABLE memo (key BLOB NOT NULL PRIMARY KEY, made INTEGER NOT NULL, value BLOB NOT NULL)"
)


class NotOurs(Exception):
    """The file is another program's: left alone."""


class Outdated(sqlite3.DatabaseError):
    """A memo file of another layout: made again, as a damaged one."""


class Memo:
    """One memo file, opened by one process (each worker opens its own, to read).

    remake: a damaged file may be deleted and made again (a file of ours by its name)."""

    def __init__(self, path: Path, *, write: bool, remake: bool = False) -> None:
        self.path = path
        self._busy = 0
        self._conn: sqlite3.Connection | None = None
        for attempt in (1, 2):
            try:
                self._conn = _open(path, write)
                return
            except sqlite3.DatabaseError as err:  # not a database, or damaged
                if not (write and remake) or attempt == 2 or _busy(err):
                    return
                with contextlib.suppress(OSError):
                    path.unlink()
            except (sqlite3.Error, OSError, NotOurs):
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
                    "INSERT OR REPLACE INTO memo (key, made, value) VALUES (?, ?, ?)",
                    ((k, now, v) for k, v in items),
                )
        except sqlite3.Error as err:
            self._failed(err)

    def prune(self, days: int = KEEP_DAYS) -> None:
        """Drop entries older than `days` and give their space back to the disk."""
        if self._conn is None:
            return
        try:
            self._conn.execute(
                "DELETE FROM memo WHERE made < ?", (int(time.time()) - days * 86400,)
            )
            self._conn.execute("PRAGMA incremental_vacuum")
        except sqlite3.Error as err:
            self._failed(err)

    def _failed(self, err: sqlite3.Error) -> None:
        """Another run writing (busy): this one answer is missed, MAX_BUSY of them at most.
        Anything else: the file is left alone for the rest of the run."""
        if _busy(err):
            self._busy += 1
            if self._busy < MAX_BUSY:
                return
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
        return sqlite3.connect(path, timeout=READ_WAIT) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=WRITE_WAIT, isolation_level=None)
    try:
        _ready(conn)
    except (sqlite3.Error, NotOurs):
        conn.close()
        raise
    return conn


def _ready(conn: sqlite3.Connection) -> None:
    """A memo file of this layout: made here when new and empty; NotOurs otherwise."""
    app, version = _pragma(conn, "application_id"), _pragma(conn, "user_version")
    if app == 0 and version == 0:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise NotOurs  # another program's database
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # before any table
        conn.execute("PRAGMA journal_mode = DELETE")  # no WAL: safe on any drive
        conn.execute(_SCHEMA)
        conn.execute(f"PRAGMA application_id = {APP_ID}")
        conn.execute(f"PRAGMA user_version = {VERSION}")
    elif app != APP_ID:
        raise NotOurs
    elif version != VERSION:
        raise Outdated(f"memo layout {version}")
    conn.execute("PRAGMA synchronous = OFF")  # a cache: a lost write is only a miss


def _pragma(conn: sqlite3.Connection, name: str) -> int:
    return int(conn.execute(f"PRAGMA {name}").fetchone()[0])
