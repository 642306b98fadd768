"""Period data → summary frames (pure pandas: frames in, frames out, no I/O).

Counts per township or county (one function, parametrised by the level), per checklist
item, the weekly comparison with the previous period, and the lists of overdue problems
and of villages that did not report or reported late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from dapaicha.checklist import Checklist

Level = Literal["county", "township"]

# Canonical vocabulary words the figures are counted by (see checklist.yaml vocabularies).
IMMEDIATE = "立行立改"
PLAN = "纳入整改方案"
DONE = "已整改"
DOING = "正在整改"
NOT_DONE = "未整改"

OVERDUE = "逾期"
DUE_SOON = "即将到期"

TOTAL_COUNTY = "合计"  # last row of a county's table (rows = townships)
TOTAL_CITY = "全市合计"  # last row of the city's table (rows = counties)

ST_MISSING = "未报送"
ST_CARRIED = "未报送（沿用前期台账）"
ST_LATE = "逾期报送"

# Count columns of a summary frame, in order; the category columns go after "problems".
HEAD_COUNTS = ("expected", "reported", "on_time", "late", "missing", "problems")
TAIL_COUNTS = ("immediate", "plan", "done", "doing", "not_done")
VILLAGE_COLUMNS = ("village_code", "county", "township", "village")
PROBLEM_COLUMNS = (
    *VILLAGE_COLUMNS,
    *("no", "seq", "category", "topic", "description", "measure", "kind", "deadline"),
    *("owner", "result", "done_date", "note", "carried", "file", "cell"),
)


class PeriodLike(Protocol):
    """The shape of store.PeriodData (see .dev/CONTRACTS.md)."""

    period: int
    start: dt.date
    deadline: dt.date
    villages: pd.DataFrame
    problems: pd.DataFrame
    previous: Any


@dataclass
class Rollup:
    """One period's data joined to the roster, ready to be summed."""

    period: int
    start: dt.date
    deadline: dt.date  # the 截至 date
    villages: pd.DataFrame  # one row per roster village (roster order), with report status
    problems: pd.DataFrame  # problems of roster villages, with cat, state, overdue
    outside: pd.DataFrame  # villages in the data that the roster does not know
    categories: list[str]  # checklist category names, in order
    includes_plan: bool  # campaign.rate_includes_plan
    previous: Rollup | None = None


def rate(done: float, base: float) -> float:
    """done / base, NaN when base is 0 (shown as "—")."""
    return float(done) / float(base) if base else float("nan")


def rate_rule(includes_plan: bool) -> str:
    """The sentence stating how 整改率 is computed."""
    if includes_plan:
        return "整改率口径：整改率 = 已整改问题数 ÷ 排查问题数（纳入整改方案的问题计入分子和分母）。"
    return "整改率口径：整改率 = 立行立改问题中已整改的数量 ÷ 立行立改问题数（纳入整改方案的问题不计入）。"


def deadline_status(
    problems: pd.DataFrame, as_of: dt.date, soon_days: int | None = None
) -> pd.Series:
    """逾期 (deadline before as_of, not 已整改) / 即将到期 (within soon_days) / "".

    The one place where overdue is decided: summaries, lists and reminders use it.
    """
    dl = pd.to_datetime(problems["deadline"], errors="coerce")
    open_ = problems["result"].fillna("").astype(str) != DONE
    ts = pd.Timestamp(as_of)
    out = pd.Series("", index=problems.index, dtype=object)
    out[open_ & (dl < ts)] = OVERDUE
    if soon_days is not None:
        soon = open_ & (dl >= ts) & (dl <= ts + pd.Timedelta(days=soon_days))
        out[soon] = DUE_SOON
    return out


def roster_frame(villages: Iterable[Any]) -> pd.DataFrame:
    """Roster villages (objects with code, county, township, village) → a frame with key."""
    rows = [(v.code or "", v.county, v.township, v.village) for v in villages]
    df = pd.DataFrame(rows, columns=list(VILLAGE_COLUMNS), dtype=object)
    df["key"] = _keys(df)
    return df.drop_duplicates("key").reset_index(drop=True)


def _text(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str)


def _keys(df: pd.DataFrame) -> pd.Series:
    code = _text(df["village_code"])
    names = _text(df["county"]) + "/" + _text(df["township"]) + "/" + _text(df["village"])
    return code.where(code != "", names)


def _attach(df: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    """Roster key of every data row (by code, else by names); NaN when unknown."""
    with_code = roster[roster["village_code"] != ""]
    by_code = pd.Series(with_code["key"].to_numpy(), index=with_code["village_code"].to_numpy())
    by_code = by_code[~by_code.index.duplicated()]
    names = roster["county"] + "/" + roster["township"] + "/" + roster["village"]
    by_name = pd.Series(roster["key"].to_numpy(), index=names.to_numpy())
    by_name = by_name[~by_name.index.duplicated()]
    key = _text(df["village_code"]).map(by_code)
    dnames = _text(df["county"]) + "/" + _text(df["township"]) + "/" + _text(df["village"])
    return key.fillna(dnames.map(by_name))


def build(data: PeriodLike, roster: pd.DataFrame, checklist: Checklist) -> Rollup:
    """Join one period (and its previous one, recursively once) to the roster."""
    r = _build_one(data, roster, checklist)
    prev = getattr(data, "previous", None)
    if prev is not None:
        r.previous = _build_one(prev, roster, checklist)
    return r


def _build_one(data: PeriodLike, roster: pd.DataFrame, checklist: Checklist) -> Rollup:
    dv = data.villages.copy()
    dv["key"] = _attach(dv, roster)
    outside = dv[dv["key"].isna()].drop(columns="key").reset_index(drop=True)
    dv = dv[dv["key"].notna()].drop_duplicates("key").set_index("key")
    vil = roster.copy()
    vil["order"] = np.arange(len(vil))
    for col, default in (("reported", False), ("on_time", False), ("late", False), ("carried", False)):
        src = dv[col] if col in dv else pd.Series(dtype=bool)
        vil[col] = vil["key"].map(src).fillna(default).astype(bool)
    for col in ("report_date", "file"):
        src = dv[col] if col in dv else pd.Series(dtype=object)
        vil[col] = vil["key"].map(src).astype(object)
    vil["status"] = _village_status(vil)

    pro = data.problems.copy()
    for col in PROBLEM_COLUMNS:
        if col not in pro:
            pro[col] = pd.Series(None, index=pro.index, dtype=object)
    pro["key"] = _attach(pro, roster)
    pro = pro[pro["key"].notna()]
    place = vil.set_index("key")
    for col in ("village_code", "county", "township", "village", "order"):
        pro[col] = pro["key"].map(place[col])  # roster spelling wins
    no_cat = {i.no: c.name for c, i in checklist.items}
    cat = pro["no"].map(no_cat)
    if "category" in pro:
        cat = cat.fillna(pro["category"])
    pro["cat"] = cat.fillna("")
    topic = _text(pro["topic"])
    pro["topic"] = topic.where(topic != "", pro["no"].map({i.no: i.topic for _, i in checklist.items}).fillna(""))
    res = _text(pro["result"]) if "result" in pro else pd.Series("", index=pro.index)
    pro["state"] = res.where(res.isin([DONE, DOING]), NOT_DONE)
    pro["overdue"] = deadline_status(pro, data.deadline) == OVERDUE
    pro = pro.sort_values(["order", "no", "seq"], kind="stable").reset_index(drop=True)
    return Rollup(
        period=int(data.period),
        start=data.start,
        deadline=data.deadline,
        villages=vil,
        problems=pro,
        outside=outside,
        categories=[c.name for c in checklist.categories],
        includes_plan=checklist.campaign.rate_includes_plan,
    )


def _village_status(vil: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=vil.index, dtype=object)
    out[~vil["reported"]] = ST_MISSING
    out[~vil["reported"] & vil["carried"]] = ST_CARRIED
    out[vil["reported"] & vil["late"]] = ST_LATE
    return out


def count_columns(r: Rollup) -> list[str]:
    """Every count column of a summary frame (what a 合计 row sums)."""
    return [*HEAD_COUNTS, *r.categories, *TAIL_COUNTS, "overdue"]


def _scope(r: Rollup, county: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if county is None:
        return r.villages, r.problems
    return r.villages[r.villages["county"] == county], r.problems[r.problems["county"] == county]


def counties(r: Rollup) -> list[str]:
    return list(dict.fromkeys(r.villages["county"]))


def summary(r: Rollup, level: Level, county: str | None = None) -> pd.DataFrame:
    """Rows per township (of one county) or per county, then a total row.

    Columns: unit, expected, reported, on_time, late, missing, problems, <category names>,
    immediate, plan, done, doing, not_done, rate, overdue, done_immediate.
    The total row sums the count rows; its rate is recomputed from the sums.
    """
    if level == "township" and county is None:
        raise ValueError("a township table needs its county")
    vil, pro = _scope(r, county)
    units = list(dict.fromkeys(vil[level]))
    g = vil.groupby(level, sort=False)
    f = pd.DataFrame(index=pd.Index(units, name="unit"))
    f["expected"] = g.size()
    f["reported"] = g["reported"].sum()
    f["on_time"] = (vil["on_time"] & vil["reported"]).groupby(vil[level]).sum()
    f["late"] = (vil["late"] & vil["reported"]).groupby(vil[level]).sum()
    f["missing"] = f["expected"] - f["reported"]
    pg = pro.groupby(level, sort=False)
    f["problems"] = pg.size()
    cats = pd.crosstab(pro[level], pro["cat"]) if len(pro) else pd.DataFrame()
    for c in r.categories:
        f[c] = cats[c] if c in cats else 0
    kind = _text(pro["kind"]) if "kind" in pro else pd.Series("", index=pro.index)
    f["immediate"] = (kind == IMMEDIATE).groupby(pro[level]).sum()
    f["plan"] = (kind == PLAN).groupby(pro[level]).sum()
    f["done"] = (pro["state"] == DONE).groupby(pro[level]).sum()
    f["doing"] = (pro["state"] == DOING).groupby(pro[level]).sum()
    f["not_done"] = (pro["state"] == NOT_DONE).groupby(pro[level]).sum()
    f["overdue"] = pro["overdue"].groupby(pro[level]).sum()
    f["done_immediate"] = ((pro["state"] == DONE) & (kind == IMMEDIATE)).groupby(pro[level]).sum()
    ints = [*count_columns(r), "done_immediate"]
    f[ints] = f[ints].fillna(0).astype(np.int64)
    total = f[ints].sum()
    f.loc[TOTAL_COUNTY if level == "township" else TOTAL_CITY, ints] = total
    f[ints] = f[ints].astype(np.int64)
    f["rate"] = _rates(f, r.includes_plan)
    f = f.reset_index()
    return f[["unit", *HEAD_COUNTS, *r.categories, *TAIL_COUNTS, "rate", "overdue", "done_immediate"]]


def _rates(f: pd.DataFrame, includes_plan: bool) -> pd.Series:
    num, den = ("done", "problems") if includes_plan else ("done_immediate", "immediate")
    return pd.Series([rate(a, b) for a, b in zip(f[num], f[den], strict=True)], index=f.index)


def by_item(r: Rollup, checklist: Checklist) -> pd.DataFrame:
    """All checklist items: category, no, topic, content, problems, villages, done, rate.

    Sorted by problems descending, ties by no.
    """
    pro = r.problems
    items = pd.DataFrame(
        [(c.name, i.no, i.topic, i.content) for c, i in checklist.items],
        columns=["category", "no", "topic", "content"],
    )
    g = pro.groupby("no")
    kind = _text(pro["kind"]) if "kind" in pro else pd.Series("", index=pro.index)
    done = pro["state"] == DONE
    stats = pd.DataFrame(
        {
            "problems": g.size(),
            "villages": g["key"].nunique(),
            "done": done.groupby(pro["no"]).sum(),
            "immediate": (kind == IMMEDIATE).groupby(pro["no"]).sum(),
            "done_immediate": (done & (kind == IMMEDIATE)).groupby(pro["no"]).sum(),
        }
    )
    stats.index = stats.index.astype(np.int64) if len(stats) else stats.index
    out = items.join(stats, on="no")
    cols = ["problems", "villages", "done", "immediate", "done_immediate"]
    out[cols] = out[cols].fillna(0).astype(np.int64)
    out["rate"] = _rates(out, r.includes_plan)
    out = out.sort_values(["problems", "no"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def problem_list(r: Rollup, county: str | None = None, overdue_only: bool = False) -> pd.DataFrame:
    """The problems (a county's ledger), in roster order; overdue ones with days overdue."""
    _, pro = _scope(r, county)
    if overdue_only:
        pro = pro[pro["overdue"]].copy()
        dl = pd.to_datetime(pro["deadline"], errors="coerce")
        pro["days_overdue"] = (pd.Timestamp(r.deadline) - dl).dt.days.astype(np.int64)
    return pro.reset_index(drop=True)


def unreported(r: Rollup, county: str | None = None, late: bool = False) -> pd.DataFrame:
    """Villages that did not report (and, with late=True, those that reported late)."""
    vil, _ = _scope(r, county)
    mask = ~vil["reported"]
    if late:
        mask = mask | (vil["reported"] & vil["late"])
    return vil[mask].reset_index(drop=True)


def _matched(cur: pd.DataFrame, prev: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """(new, completed) flags of the current problems against the previous period."""
    if prev is None or not len(prev):
        return pd.Series(True, index=cur.index), cur["state"] == DONE
    idx = pd.MultiIndex.from_frame(cur[["key", "no", "seq"]].astype({"no": "int64", "seq": "int64"}))
    pidx = pd.MultiIndex.from_frame(prev[["key", "no", "seq"]].astype({"no": "int64", "seq": "int64"}))
    pdone = pd.Series((prev["state"] == DONE).to_numpy(), index=pidx)
    pdone = pdone[~pdone.index.duplicated()]
    was_done = pd.Series(pdone.reindex(idx).fillna(False).astype(bool).to_numpy(), index=cur.index)
    new = pd.Series(~idx.isin(pidx), index=cur.index)
    return new, (cur["state"] == DONE) & ~was_done


def weekly(r: Rollup) -> pd.DataFrame:
    """Per county (in rank order) then 全市合计: this period against the previous one.

    Columns: unit, expected, reported, on_time, late, report_rate, on_time_rate, problems,
    new, completed, done, rate, prev_rate, change_pp, overdue, rank.
    new: problems whose village+no+seq the previous period did not have; completed:
    已整改 now and not 已整改 before (a new problem already 已整改 counts). Without a
    previous period every problem is new and every 已整改 one completed.
    """
    cur = summary(r, "county")
    prev = summary(r.previous, "county") if r.previous is not None else None
    new, completed = _matched(r.problems, r.previous.problems if r.previous else None)
    county = r.problems["county"]
    units = cur["unit"].iloc[:-1]
    out = cur[["unit", "expected", "reported", "on_time", "late", "problems", "done", "rate", "overdue"]].copy()
    out["new"] = out["unit"].map(new.groupby(county).sum()).fillna(0).astype(np.int64)
    out["completed"] = out["unit"].map(completed.groupby(county).sum()).fillna(0).astype(np.int64)
    out.loc[out.index[-1], ["new", "completed"]] = [out["new"][:-1].sum(), out["completed"][:-1].sum()]
    if prev is not None:
        out["prev_rate"] = out["unit"].map(prev.set_index("unit")["rate"]).astype(float)
    else:
        out["prev_rate"] = float("nan")
    out["change_pp"] = (out["rate"] - out["prev_rate"]) * 100.0
    out["report_rate"] = [rate(a, b) for a, b in zip(out["reported"], out["expected"], strict=True)]
    out["on_time_rate"] = [rate(a, b) for a, b in zip(out["on_time"], out["expected"], strict=True)]
    ranks = rank(out.iloc[:-1])
    out["rank"] = out["unit"].map(ranks).astype("Int64")
    body = out.iloc[:-1].assign(_r=ranks.reindex(units).to_numpy()).sort_values("_r")
    out = pd.concat([body.drop(columns="_r"), out.iloc[-1:]], ignore_index=True)
    cols = ["unit", "expected", "reported", "on_time", "late", "report_rate", "on_time_rate"]
    cols += ["problems", "new", "completed", "done", "rate", "prev_rate", "change_pp", "overdue", "rank"]
    return out[cols]


RANK_RULE = (
    "排名规则：按整改率从高到低排名，整改率相同的按上报率从高到低，再相同的按县名排序；"
    "没有排查问题（整改率无法计算）的县排在其后，按上报率从高到低、再按县名排序。"
)


def rank(f: pd.DataFrame) -> pd.Series:
    """Rank (1 = best) of each unit; see RANK_RULE."""
    has = f["rate"].notna()
    a = f[has].sort_values(["rate", "report_rate", "unit"], ascending=[False, False, True])
    b = f[~has].sort_values(["report_rate", "unit"], ascending=[False, True])
    order = [*a["unit"], *b["unit"]]
    return pd.Series(range(1, len(order) + 1), index=order, dtype=np.int64)


def lowest(w: pd.DataFrame) -> pd.DataFrame:
    """The bottom third of the ranked counties (at least one), worst last."""
    body = w.iloc[:-1]
    n = max(1, len(body) // 3) if len(body) else 0
    return body.tail(n)
