"""`dapaicha history`: one village's submissions, period by period, and what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from dapaicha.read import roster as roster_mod
from dapaicha.store import query as store_query
from dapaicha.store import status as store_status
from dapaicha.store.query import VillageHistory


def command(
    village: str, store_path: Path, roster_path: Path | None = None, as_of: dt.date | None = None
) -> VillageHistory:
    """The village by code or name; the roster (optional) finds it by its roster entry.
    Each period's status comes from the one place every output takes it from."""
    key = None
    if roster_path is not None:
        ros = roster_mod.load(roster_path)
        hit = ros.find(code=village) or ros.find(village=village)
        key = hit.key if hit else None
    h = store_query.history(store_path, village, key=key)
    return dataclasses.replace(h, statuses=store_status.village_periods(store_path, h.key, as_of))
