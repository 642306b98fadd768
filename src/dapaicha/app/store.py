"""dapaicha store export: the store's tables (store/) written to one workbook (xlsx/)."""

from __future__ import annotations

from pathlib import Path

from dapaicha.store import db as store_db
from dapaicha.store import query as store_query
from dapaicha.xlsx.export import write_tables


def export(store_path: Path | str, out: Path | str) -> dict[str, int]:
    """Every table to one workbook, a sheet per table; row counts by table."""
    conn = store_db.connect(store_path)
    try:
        return write_tables(store_query.tables(conn), out)
    finally:
        conn.close()
