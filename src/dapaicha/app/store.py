"""`dapaicha store info` and `dapaicha store export`."""

from __future__ import annotations

from pathlib import Path

from dapaicha.store import db as store_db
from dapaicha.store import query as store_query
from dapaicha.store.query import StoreInfo
from dapaicha.xlsx.export import write_tables


def info(store_path: Path) -> StoreInfo:
    """Periods, submissions and villages in the store."""
    return store_query.info(store_path)


def export(store_path: Path, out: Path, escaped: dict[str, int] | None = None) -> dict[str, int]:
    """Every table of the store into one workbook (xlsx.export); rows per table.

    escaped (if given) receives, per table, the cells whose control characters were escaped.
    """
    conn = store_db.connect(store_path)
    try:
        return write_tables(store_query.tables(conn), out, escaped)
    finally:
        conn.close()
