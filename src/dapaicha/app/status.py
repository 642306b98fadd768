"""`dapaicha status`: every roster village's status in a period, from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dapaicha.config import checklist as cl_mod
from dapaicha.store.status import PeriodStatus, period_status
from dapaicha.xlsx import status as status_xlsx


def command(
    store_path: Path,
    period: int | None = None,
    as_of: dt.date | None = None,
    out: Path | None = None,
    checklist_path: Path | None = None,
) -> tuple[PeriodStatus, Path | None]:
    """The period's statuses; the workbook written when out is given."""
    ps = period_status(store_path, period, as_of)
    if out is None:
        return ps, None
    title = cl_mod.load(checklist_path).campaign.title
    return ps, status_xlsx.write(ps, out, title)
