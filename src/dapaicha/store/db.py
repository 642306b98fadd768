"""The store's SQLite file: opening, schema migrations, transactions.

A store is one SQLite file for one campaign. `schema_version` holds one row; MIGRATIONS
are applied in order (migration i brings the schema from version i to i+1). A store whose
version is newer than this code knows is refused and never modified: its version is read
through a read-only connection before anything else touches the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dapaicha.config.periods import Periods
from dapaicha.errors import UserError
from dapaicha.store import journal

BUSY_TIMEOUT = 10.0  # seconds a second writer waits before giving up

# For type hints outside store/ (which must not import sqlite3).
Connection = sqlite3.Connection

_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  checklist_id TEXT NOT NULL UNIQUE,
  checklist_hash TEXT NOT NULL,
  title TEXT NOT NULL,
  start TEXT NOT NULL,
  first_deadline TEXT NOT NULL,
  end_date TEXT NOT NULL,
  report_every_days INTEGER NOT NULL
);
CREATE TABLE items (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  no INTEGER NOT NULL,
  category_code TEXT NOT NULL,
  category TEXT NOT NULL,
  topic TEXT NOT NULL,
  content TEXT NOT NULL,
  PRIMARY KEY (campaign_id, no)
);
CREATE TABLE periods (
  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  n INTEGER NOT NULL CHECK (n >= 1),
  start TEXT NOT NULL,
  deadline TEXT NOT NULL,
  PRIMARY KEY (campaign_id, n)
);
CREATE TABLE villages (
  key TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  county TEXT NOT NULL,
  township TEXT NOT NULL,
  village TEXT NOT NULL,
  in_roster INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE submissions (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER NOT NULL,
  period INTEGER NOT NULL,
  village_key TEXT REFERENCES villages(key),
  county TEXT NOT NULL,
  township TEXT NOT NULL,
  village TEXT NOT NULL,
  file TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  source_kind TEXT NOT NULL,
  report_date TEXT,
  on_time INTEGER,
  received_at TEXT NOT NULL,
  accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
  errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL,
  problems INTEGER NOT NULL,
  superseded_by INTEGER REFERENCES submissions(id),
  FOREIGN KEY (campaign_id, period) REFERENCES periods(campaign_id, n),
  CHECK (accepted = 0 OR village_key IS NOT NULL)
);
CREATE INDEX submissions_period_village ON submissions(period, village_key);
CREATE INDEX submissions_village_period ON submissions(village_key, period);
CREATE TABLE rows (
  submission_id INTEGER NOT NULL REFERENCES submissions(id),
  no INTEGER NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  has_problem TEXT,
  description TEXT,
  measure TEXT,
  kind TEXT,
  deadline TEXT,
  owner TEXT,
  result TEXT,
  done_date TEXT,
  note TEXT,
  row INTEGER NOT NULL,
  cell TEXT NOT NULL,
  PRIMARY KEY (submission_id, no, seq)
) WITHOUT ROWID;
INSERT INTO schema_version (version) VALUES (0);
"""


def _m1_initial(conn: sqlite3.Connection) -> None:
    for stmt in _V1.split(";"):
        if stmt.strip():
            conn.execute(stmt)


# Applied in order; never edit a released migration, append a new one.
def _m2_findings(conn: sqlite3.Connection) -> None:
    """Each stored submission's findings, so a status (退回待改) traces to what was wrong."""
    conn.execute(
        "CREATE TABLE findings (submission_id INTEGER NOT NULL REFERENCES submissions(id),"
        " seq INTEGER NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL, sheet TEXT NOT NULL,"
        " cell TEXT NOT NULL, item INTEGER, message TEXT NOT NULL,"
        " PRIMARY KEY (submission_id, seq)) WITHOUT ROWID"
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_findings]
VERSION = len(MIGRATIONS)

TABLES = (
    "schema_version", "campaigns", "items", "periods", "villages", "submissions", "rows",
    "findings",
)  # fmt: skip


def _not_a_store(path: Path) -> UserError:
    return UserError(f"{path} 不是 dapaicha 数据库文件，请检查 --store 参数。")


_OPENED: list[Path] = []  # the stores this process opened, for explain()
_UNCHANGED = "本次未作改动"


def explain(err: BaseException, path: Path | str | None = None) -> UserError | None:
    """One Chinese line for a SQLite error that is not a bug (a damaged store, a full disk,
    a folder we may not write); None for any other error. path: the store (default: the
    one this process opened last)."""
    if not isinstance(err, sqlite3.Error):
        return None
    where = path if path is not None else (_OPENED[-1] if _OPENED else "（--store）")
    name = getattr(err, "sqlite_errorname", "") or ""
    text = str(err).lower()
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "locked" in text:
        return _locked(where)
    if (
        name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
        or "malformed" in text
        or "could not decode" in text  # only damaged bytes: we store Python str
        or (("no such" in text or "mismatch" in text) and _damaged(where))
    ):
        return UserError(
            f"{where} 不是 dapaicha 数据库文件，或已损坏（{err}），{_UNCHANGED}："
            "若它原是数据库，请用备份的副本替换它；否则请检查 --store 参数。"
        )
    if name == "SQLITE_FULL" or name.startswith("SQLITE_IOERR") or "disk" in text:
        return UserError(
            f"写入数据库 {where} 失败（{err}），{_UNCHANGED}："
            "请腾出磁盘空间（或检查磁盘、U 盘是否可用）后再试。"
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or "readonly" in text:
        return UserError(
            f"无法写入数据库 {where}（{err}），{_UNCHANGED}："
            "请把数据库放在可写的文件夹里（或用 --store 指定一个可写的位置）。"
        )
    return None


def _damaged(path: Path | str) -> bool:
    """Does SQLite's own check find the store damaged? (An error that is a bug otherwise.)"""
    try:
        conn = sqlite3.connect(_ro_uri(Path(path)), uri=True)
        try:
            return bool(conn.execute("PRAGMA quick_check").fetchone() != ("ok",))
        finally:
            conn.close()
    except (sqlite3.Error, OSError, ValueError):
        return True


def _raise_known(err: sqlite3.Error, path: Path | str | None) -> None:
    """Raise explain()'s UserError for err, if it has one (the caller re-raises err if not)."""
    if (known := explain(err, path)) is not None:
        raise known from err


def file_uri(posix: str) -> str:
    """A file: URI SQLite reads on every system, from a path in / form: 'Z:/x' and UNC
    '//server/share/x' keep their drive or share (Path.resolve().as_uri() turns a mapped drive
    into a UNC authority SQLite refuses); '#', '%', '&', '?' and spaces are escaped."""
    path = posix if posix.startswith("/") else "/" + posix
    return "file://" + urllib.parse.quote(path, safe="/:")


def _ro_uri(path: Path) -> str:
    """A read-only URI that creates no file: immutable unless a -wal shows a writer."""
    uri = file_uri(path.absolute().as_posix())
    wal = path.with_name(path.name + "-wal")
    return uri + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")


def read_version(path: Path) -> int:
    """The store's schema version through a read-only connection; 0 for an empty file."""
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as err:
        raise explain(err, path) or UserError(f"无法打开数据库 {path}：{err}。") from err
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return 0
        if "schema_version" not in names:
            raise _not_a_store(path)
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    except sqlite3.DatabaseError as err:
        raise explain(err, path) or _not_a_store(path) from err
    finally:
        conn.close()


def _refuse_newer(path: Path, version: int) -> None:
    if version > VERSION:
        raise UserError(
            f"数据库版本较新（{path} 为第 {version} 版，本程序只支持到第 {VERSION} 版），"
            "为免损坏数据未作任何改动，请升级 dapaicha 后再使用。"
        )


def connect(
    path: Path | str, *, create: bool = False, timeout: float = BUSY_TIMEOUT
) -> sqlite3.Connection:
    """Open (or create) a store: foreign keys on, WAL on a local disk (journal.py), migrated.

    The connection is in autocommit mode; write through `transaction()`.
    """
    path = Path(path)
    _OPENED.append(path)
    version = 0
    if path.exists():
        if path.is_dir():
            raise UserError(f"{path} 是文件夹，--store 应为数据库文件，如 dapaicha.sqlite。")
        version = read_version(path)
        _refuse_newer(path, version)
    elif not create:
        raise UserError(
            f"找不到数据库 {path}，请先运行 dapaicha merge，或用 --store 指定数据库文件。"
        )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UserError(f"无法创建目录 {path.parent}：{err.strerror or err}。") from err
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA journal_mode = {journal.mode_for(path).upper()}")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")  # up to 64 MiB: a big merge does not spill
    except sqlite3.Error as err:
        raise explain(err, path) or UserError(f"无法打开数据库 {path}：{err}。") from err
    if version < VERSION:
        try:
            _migrate(conn, path)
        except sqlite3.Error as err:
            conn.close()
            _raise_known(err, path)
            raise
        except BaseException:
            conn.close()
            raise
    return conn


def remove(path: Path) -> None:
    """Delete a store and its -wal/-shm/-journal (one this process created and could not fill)."""
    for p in (path, *(path.with_name(path.name + x) for x in ("-wal", "-shm", "-journal"))):
        p.unlink(missing_ok=True)


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with transaction(conn, path):
        has = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        version = (
            conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] if has else 0
        )
        _refuse_newer(path, version)
        for i in range(version, VERSION):
            MIGRATIONS[i](conn)
            conn.execute("UPDATE schema_version SET version = ?", (i + 1,))


def _is_busy(err: sqlite3.OperationalError) -> bool:
    s = str(err).lower()
    return "locked" in s or "busy" in s


def _locked(path: Path | str) -> UserError:
    return UserError(
        f"数据库 {path} 正被另一个 dapaicha 程序写入，等待后仍未结束，本次未作改动，请稍后再试。"
    )


@contextmanager
def transaction(conn: sqlite3.Connection, path: Path | str = "") -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT; any exception rolls everything back."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as err:
        _raise_known(err, path or None)
        raise
    try:
        yield conn
    except sqlite3.Error as err:
        _rollback(conn)
        _raise_known(err, path or None)
        raise
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as err:
        _rollback(conn)
        _raise_known(err, path or None)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """ROLLBACK, unless SQLite already rolled back (after a full disk or an I/O error)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def periods_of(conn: sqlite3.Connection) -> Periods:
    """The periods of the campaign the store holds (status needs no frames: no pandas)."""
    row = conn.execute("SELECT start, first_deadline, report_every_days FROM campaigns").fetchone()
    if row is None:
        raise UserError("数据库中还没有任何报送数据，请先运行 dapaicha merge。")
    return Periods.of(dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1]), int(row[2]))


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted: for export and for tests (same store ⇔ same dump)."""
    return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
