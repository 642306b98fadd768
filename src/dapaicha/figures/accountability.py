"""Accountability frames of the rollup (pure pandas, no I/O).

Overdue problems grouped by 责任人 and by township, problems due soon (the one rule:
rollup.deadline_status with soon_days), the 疑似走过场 signals matched to the roster, and
the figures the 文字稿 gets from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dapaicha.figures import perfunctory, rollup
from dapaicha.figures.perfunctory import Signal
from dapaicha.figures.rollup import Rollup
from dapaicha.model import village_key

NO_OWNER = "（未填写）"  # a blank 责任人 is itself worth chasing
NAMED = 5  # villages named per signal kind in the 文字稿
SIG_COUNTY, SIG_TOWNSHIP, SIG_VILLAGE = perfunctory.HEADERS[:3]


def _dates(s: pd.Series) -> list[dt.date | None]:
    return [None if pd.isna(x) else x.date() for x in pd.to_datetime(s, errors="coerce")]


def overdue_by_owner(
    r: Rollup, county: str | None = None, over: pd.DataFrame | None = None
) -> pd.DataFrame:
    """逾期按责任人: owner, county, township, village, overdue, earliest.

    One row per 责任人 of a village (the same name in two villages is two people); sorted
    by overdue count descending, then earliest deadline, then roster order. over: the
    caller's rollup.problem_list(r, county, overdue_only=True), when it has it.
    """
    if over is None:
        over = rollup.problem_list(r, county, overdue_only=True)
    cols = ["owner", "county", "township", "village", "overdue", "earliest"]
    if not len(over):
        return pd.DataFrame(columns=cols)
    owner = over["owner"].fillna("").astype(str).str.strip()
    g = over.assign(
        owner=owner.where(owner != "", NO_OWNER),
        dl=pd.to_datetime(over["deadline"], errors="coerce"),
    )
    out = (
        g.groupby(["order", "owner"], sort=False)
        .agg(
            county=("county", "first"),
            township=("township", "first"),
            village=("village", "first"),
            overdue=("pkey", "size"),
            earliest=("dl", "min"),
        )
        .reset_index()
        .sort_values(["overdue", "earliest", "order", "owner"], ascending=[False, True, True, True])
    )
    out["overdue"] = out["overdue"].astype(np.int64)
    out["earliest"] = _dates(out["earliest"])
    return out[cols].reset_index(drop=True)


def overdue_by_township(
    r: Rollup, county: str | None = None, over: pd.DataFrame | None = None
) -> pd.DataFrame:
    """逾期按乡镇: county, township, overdue, villages; townships with overdue problems only,
    by overdue count descending, ties in roster order (over: as overdue_by_owner's)."""
    if over is None:
        over = rollup.problem_list(r, county, overdue_only=True)
    cols = ["county", "township", "overdue", "villages"]
    if not len(over):
        return pd.DataFrame(columns=cols)
    out = (
        over.groupby(["county", "township"], sort=False)
        .agg(overdue=("pkey", "size"), villages=("order", "nunique"))
        .reset_index()
        .sort_values("overdue", ascending=False, kind="stable")
    )
    out[["overdue", "villages"]] = out[["overdue", "villages"]].astype(np.int64)
    return out[cols].reset_index(drop=True)


def due_soon(r: Rollup, soon_days: int, county: str | None = None) -> pd.DataFrame:
    """即将到期: problems not 已整改 whose deadline is from the 截至 date to soon_days after.

    The problem columns plus days_left; by township (roster order), then deadline, then
    village (roster order), 序号, 问题序号.
    """
    _, pro = _scope(r, county)
    st = rollup.deadline_status(pro, r.deadline, soon_days)
    out = pro[(st == rollup.DUE_SOON).to_numpy()].copy()
    dl = pd.to_datetime(out["deadline"], errors="coerce")
    out["days_left"] = (dl - pd.Timestamp(r.deadline)).dt.days.astype(np.int64)
    out["deadline"] = _dates(out["deadline"])
    out["_dl"] = dl
    if not len(out):  # nothing due soon (often): no order to work out
        return out.drop(columns="_dl").reset_index(drop=True)
    towns = r.villages.groupby(["county", "township"], sort=False)["order"].min()
    out["_town"] = [
        towns.get((a, t), -1) for a, t in zip(out["county"], out["township"], strict=True)
    ]
    out = out.sort_values(["_town", "_dl", "order", "no", "seq"], kind="stable")
    return out.drop(columns=["_town", "_dl"]).reset_index(drop=True)


def until(r: Rollup, soon_days: int) -> dt.date:
    """The last day of the 即将到期 window."""
    return r.deadline + dt.timedelta(days=soon_days)


def _scope(r: Rollup, county: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if county is None:
        return r.villages, r.problems
    return r.villages[r.villages["county"] == county], r.problems[r.problems["county"] == county]


def signals_frame(r: Rollup, sigs: Sequence[Signal]) -> pd.DataFrame:
    """perfunctory.to_frame of the signals of the rollup's roster villages (others left
    out, as in every other table), roster spelling, in roster order."""
    return signals_of(r.villages, sigs)


def signals_of(vil: pd.DataFrame, sigs: Sequence[Signal]) -> pd.DataFrame:
    """signals_frame of villages vil (a Rollup's villages, or rollup.roster_frame with its
    order: its positions)."""
    trio = zip(vil["county"], vil["township"], vil["village"], strict=True)
    names = [village_key("", *n) for n in trio]
    codes = vil["village_code"].fillna("").astype(str).tolist()
    pos = dict(zip(names, range(len(vil)), strict=True))
    pos.update({c: i for i, c in enumerate(codes) if c})
    keep: list[Signal] = []
    where: list[int] = []
    last: tuple[str | None, int | None] = (None, None)  # a village's signals come together
    for s in sigs:
        if s.village_code == last[0]:
            i = last[1]
        else:
            i = pos.get(s.village_code)
            if i is None:
                i = pos.get(village_key("", s.county, s.township, s.village))
            last = (s.village_code, i)
        if i is not None:
            keep.append(s)
            where.append(i)
    f = perfunctory.to_frame(keep if len(keep) < len(sigs) else list(sigs))
    if not len(f):
        return f
    take = vil[["county", "township", "village", "order"]].iloc[where]
    f[SIG_COUNTY] = take["county"].to_numpy()
    f[SIG_TOWNSHIP] = take["township"].to_numpy()
    f[SIG_VILLAGE] = take["village"].to_numpy()
    o = take["order"].to_numpy()
    if len(o) > 1 and (o[1:] < o[:-1]).any():  # else in roster order already
        f = f.iloc[np.argsort(o, kind="stable")]
    return f.reset_index(drop=True)


def county_signals(f: pd.DataFrame, county: str) -> pd.DataFrame:
    return f[f[SIG_COUNTY] == county].reset_index(drop=True) if len(f) else f


def signals_by_county(f: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """county_signals of every county at once (one pass, not one filter per county)."""
    if not len(f):
        return {}
    return {str(c): g.reset_index(drop=True) for c, g in f.groupby(SIG_COUNTY, sort=False)}


def _places(f: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each signal's village as a code of its name county+township+village, and the names
    in order of appearance: each name made once per run of a village's rows (signals come
    in roster order), not once per signal."""
    cols = [f[c].to_numpy(object) for c in (SIG_COUNTY, SIG_TOWNSHIP, SIG_VILLAGE)]
    start = np.ones(len(f), bool)
    for a in cols:
        start[1:] |= a[1:] != a[:-1]
    joined = [a + b + c for a, b, c in zip(*(x[start] for x in cols), strict=True)]
    code, names = pd.factorize(np.asarray(joined, dtype=object))  # equal names: one place
    return code[np.cumsum(start) - 1], list(names)


def text_context(
    r: Rollup,
    soon_days: int,
    sigs: Sequence[Signal] | None,
    named: int = NAMED,
    frame: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The 文字稿's accountability figures (see weekly.context); frame: signals_frame(r,
    sigs) when the caller has it."""
    f = signals_frame(r, sigs or []) if frame is None or sigs is None else frame
    kinds = []
    n_villages = 0
    if len(f):
        place, names = _places(f)
        n_villages = len(names)
        kcode, kuniq = pd.factorize(f[perfunctory.HEADERS[4]])
        at = {k: i for i, k in enumerate(kuniq.tolist())}
        for kind, zh in perfunctory.KINDS.items():
            got = pd.unique(place[kcode == at[zh]]) if zh in at else []
            villages = [names[i] for i in got]
            if villages:
                kinds.append(
                    {
                        "kind": kind,
                        "label": zh,
                        "villages": len(villages),
                        "names": villages[:named],
                        "more": len(villages) > named,
                    }
                )
    soon = due_soon(r, soon_days)
    towns = (
        soon.groupby(["county", "township"], sort=False)
        .agg(problems=("pkey", "size"), villages=("order", "nunique"))
        .reset_index()
    )
    return {
        "perfunctory_checked": sigs is not None,
        "perfunctory": kinds,
        "perfunctory_villages": n_villages,
        "due_soon_days": soon_days,
        "due_soon_until": until(r, soon_days),
        "due_soon_count": len(soon),
        "due_soon_townships": [
            {
                "county": x["county"],
                "township": x["township"],
                "problems": int(x["problems"]),
                "villages": int(x["villages"]),
            }
            for x in towns.to_dict("records")
        ],
    }
