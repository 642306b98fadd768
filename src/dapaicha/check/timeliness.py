"""Timeliness findings of one stored return: late, a doubtful 填报日期, another period's date.

On time is decided once, at merge (periods.on_time): by the day the file was first received
when that lies in the campaign, else by the 填报日期. These findings say why, in words.
"""

from __future__ import annotations

import datetime as dt

from dapaicha import layout
from dapaicha.config.periods import Periods, date_doubt
from dapaicha.findings import C, Finding, make


def findings(
    file: str,
    sheet: str,
    report_date: dt.date | None,
    period: int,
    on_time: bool | None,
    received: dt.date | None,
    pers: Periods,
    *,
    cell: str = layout.DATE_CELL,
) -> list[Finding]:
    """received: the receipt day timeliness was judged by (None: by the 填报日期)."""
    p = pers.get(period)
    out: list[Finding] = []
    if on_time is False and received is not None:
        out.append(make(C.RECEIVED_LATE, file, value=received, expected=p.deadline,
                        detail=p.n, sheet=sheet))  # fmt: skip
    elif on_time is False:
        out.append(make(C.LATE_RETURN, file, cell=cell, value=report_date, expected=p.deadline,
                        detail=p.n, sheet=sheet))  # fmt: skip
    doubt = date_doubt(report_date, received)
    if doubt is not None:
        out.append(make(C.REPORT_DATE_DOUBTFUL, file, cell=cell, value=report_date,
                        detail=doubt, expected=received, sheet=sheet))  # fmt: skip
    late_by_date = on_time is False and received is None
    found = other_period(file, sheet, report_date, period, pers, cell=cell)
    later = report_date is not None and pers.number_of(report_date) > period
    if found is not None and not (late_by_date and later):
        out.append(found)  # (a later period's date is already said by late-return)
    return out


def other_period(
    file: str, sheet: str, report_date: dt.date | None, period: int, pers: Periods, *, cell: str
) -> Finding | None:
    """A 填报日期 in another period than the one the return is taken for: a warning, never
    another period."""
    other = pers.other_period(report_date, period)
    if other is None:
        return None
    return make(C.REPORT_DATE_OTHER_PERIOD, file, cell=cell, value=report_date, detail=other,
                expected=period, sheet=sheet)  # fmt: skip
