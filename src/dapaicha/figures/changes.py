"""变化提醒: what changed in a village's ledger since its previous accepted return.

A village that reported this period is compared with the return the previous period
stands on (its own, or carried from an earlier period). Problems are paired by
model.match_problems (序号 + description, then measure), never by row position.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from dapaicha.figures.rollup import Rollup, previous_index
from dapaicha.layout import DONE

VANISHED = "问题消失"  # gone without being 已整改
REGRESSED = "整改结果倒退"  # 已整改 → 正在整改 / 未整改
POSTPONED = "整改期限推后"
FEWER = "问题数减少"
KINDS = (VANISHED, REGRESSED, POSTPONED, FEWER)
GONE = "本次台账中没有"  # the "after" of a vanished problem
BLANK = "未填写"

COLUMNS = ["county", "township", "village", "no", "kind", "before", "after"]


def changes(r: Rollup) -> pd.DataFrame:
    """One row per change (COLUMNS), in roster order, then 序号, then KINDS order.

    no is None for FEWER; before/after are texts, or dates for POSTPONED. Empty without
    a previous period.
    """
    if r.previous is None:
        return pd.DataFrame(columns=COLUMNS)
    had = r.previous.villages
    had = set(had.loc[had["reported"] | had["carried"], "key"])
    vil = r.villages[r.villages["reported"] & r.villages["key"].isin(had)]
    cur = r.problems[r.problems["key"].isin(vil["key"])].reset_index(drop=True)
    old = r.previous.problems
    old = old[old["key"].isin(vil["key"])].reset_index(drop=True)
    got = previous_index(cur, old)
    out: list[tuple[Any, ...]] = []
    for j in np.flatnonzero(got >= 0):
        a, b = old.iloc[got[j]], cur.iloc[j]
        out += _item_changes(a, b)
    gone = np.setdiff1d(np.arange(len(old)), got[got >= 0])
    for i in gone:
        a = old.iloc[i]
        if _s(a["result"]) != DONE:
            what = _s(a["description"]) or f"第{a['no']}项问题"
            out.append((a["key"], a["no"], VANISHED, f"{what}（{_s(a['result']) or BLANK}）", GONE))
    n_cur, n_old = cur.groupby("key").size(), old.groupby("key").size()
    for key in vil["key"]:
        a, b = int(n_old.get(key, 0)), int(n_cur.get(key, 0))
        if b < a:
            out.append((key, None, FEWER, f"{a} 个问题", f"{b} 个问题"))
    return _frame(out, r.villages)


def _item_changes(a: pd.Series, b: pd.Series) -> list[tuple[Any, ...]]:
    """REGRESSED and POSTPONED lines of one problem present in both returns."""
    out: list[tuple[Any, ...]] = []
    if _s(a["result"]) == DONE and _s(b["result"]) != DONE:
        out.append((b["key"], b["no"], REGRESSED, DONE, _s(b["result"]) or BLANK))
    da, db = a["deadline"], b["deadline"]
    if isinstance(da, dt.date) and isinstance(db, dt.date) and db > da:
        out.append((b["key"], b["no"], POSTPONED, da, db))
    return out


def _s(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


def _frame(lines: list[tuple[Any, ...]], villages: pd.DataFrame) -> pd.DataFrame:
    f = pd.DataFrame(lines, columns=["key", "no", "kind", "before", "after"], dtype=object)
    place = villages.set_index("key")
    for c in ("county", "township", "village", "order"):
        f[c] = f["key"].map(place[c])
    f["_no"] = pd.to_numeric(f["no"]).fillna(1 << 30)
    f["_kind"] = f["kind"].map({k: i for i, k in enumerate(KINDS)})
    f = f.sort_values(["order", "_no", "_kind"], kind="stable")
    f["no"] = pd.Series([None if x is None else int(x) for x in f["no"]], f.index, object)
    return f[COLUMNS].reset_index(drop=True)
