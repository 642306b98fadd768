"""变化提醒: what changed in a village's ledger since its previous accepted return.

A village that reported this period is compared with the return the previous period
stands on (its own, or carried from an earlier period). Problems are paired by
model.match_problems (序号 + description, then measure), never by row position.
"""

from __future__ import annotations

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
    cur = r.problems[r.problems["key"].isin(vil["key"])]
    old = r.previous.problems  # got: positions in it
    got = cur["prev_i"].to_numpy(np.int64) if "prev_i" in cur else previous_index(cur, old)
    out = _item_changes(old, cur, got)
    mine = np.flatnonzero(old["key"].isin(vil["key"]).to_numpy(bool))
    gone = np.setdiff1d(mine, got[got >= 0])
    res = _texts(old["result"])
    for i in gone[res[gone] != DONE]:
        a = old.iloc[i]
        what = _s(a["description"]) or f"第{a['no']}项问题"
        out.append((a["key"], a["no"], VANISHED, f"{what}（{res[i] or BLANK}）", GONE))
    n_old = (
        vil["key"].map(old.iloc[mine].groupby("key").size()).fillna(0).astype(np.int64).to_numpy()
    )
    n_cur = vil["key"].map(cur.groupby("key").size()).fillna(0).astype(np.int64).to_numpy()
    keys = vil["key"].to_numpy(object)
    for k in np.flatnonzero(n_cur < n_old):
        out.append((keys[k], None, FEWER, f"{n_old[k]}个问题", f"{n_cur[k]}个问题"))
    return _frame(out, r.villages)


def _item_changes(old: pd.DataFrame, cur: pd.DataFrame, got: np.ndarray) -> list[tuple[Any, ...]]:
    """REGRESSED and POSTPONED lines of the problems present in both returns."""
    j = np.flatnonzero(got >= 0)
    i = got[j]
    ra, rb = _texts(old["result"])[i], _texts(cur["result"])[j]
    da, db = _days(old["deadline"])[i], _days(cur["deadline"])[j]
    regressed = (ra == DONE) & (rb != DONE)
    later = db > da  # NaT compares False
    keys, nos = cur["key"].to_numpy(object)[j], cur["no"].to_numpy()[j]
    old_dl, cur_dl = old["deadline"].to_numpy(object)[i], cur["deadline"].to_numpy(object)[j]
    out: list[tuple[Any, ...]] = []
    for k in np.flatnonzero(regressed | later):
        if regressed[k]:
            out.append((keys[k], int(nos[k]), REGRESSED, DONE, rb[k] or BLANK))
        if later[k]:
            out.append((keys[k], int(nos[k]), POSTPONED, old_dl[k], cur_dl[k]))
    return out


def _texts(col: pd.Series) -> np.ndarray:
    """Stripped strings; "" for anything else (None, NaN)."""
    return np.array([_s(v) for v in col.tolist()], dtype=object)


def _days(col: pd.Series) -> np.ndarray:
    """Dates as datetime64 (NaT when missing), comparable in one vector operation."""
    got: np.ndarray = pd.to_datetime(col, errors="coerce").to_numpy("datetime64[ns]")
    return got


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
