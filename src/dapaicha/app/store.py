"""`dapaicha store info` and `dapaicha store export`."""

from __future__ import annotations

from pathlib import Path

from dapaicha.store import query as store_query
from dapaicha.store.query import StoreInfo


def info(store_path: Path) -> StoreInfo:
    """Periods, submissions and villages in the store."""
    return store_query.info(store_path)


def export(store_path: Path, out: Path) -> dict[str, int]:
    """Every table of the store into one workbook; rows per table."""
    return store_query.export(store_path, out)
