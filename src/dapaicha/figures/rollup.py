"""Period data → summary frames (pure pandas: frames in, frames out, no I/O).

Counts per township or county (one function, parametrised by the level), per checklist
item, the weekly comparison with the previous period, and the lists of overdue problems
and of villages that did not report or reported late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from dapaicha.config.checklist import Checklist
from dapaicha.figures.numbers import half_up as half_up
from dapaicha.figures.numbers import pct_text as pct_text
from dapaicha.figures.numbers import pp_value as pp_value
from dapaicha.layout import DOING, DONE, IMMEDIATE, NOT_DONE, PLAN, REMOVED_NOTE
from dapaicha.model import ProblemText, match_problems

Level = Literal["county", "township"]

# Canonical vocabulary words the figures are counted by (see checklist.yaml vocabularies).

OVERDUE = "逾期"
DUE_SOON = "即将到期"

TOTAL_COUNTY = "合计"  # last row of a county's table (rows = townships)
TOTAL_CITY = "全市合计"  # last row of the city's table (rows = counties)

ST_MISSING = "未报送"
ST_CARRIED = "未报送（沿用前期台账）"
ST_LATE = "逾期报送"
ST_FAILED = "报送未通过（退回待改）"
ST_FAILED_CARRIED = "报送未通过（退回待改，沿用前期台账）"

# Count columns of a summary frame, in order; the category columns go after "problems".
# reported = on_time + late (an accepted return); returned: 退回待改 (sent, none accepted);
# missing: sent nothing; expected = reported + returned + missing.
HEAD_COUNTS = ("expected", "reported", "on_time", "late", "returned", "missing", "problems")
TAIL_COUNTS = ("immediate", "plan", "done", "doing", "not_done")
VILLAGE_COLUMNS = ("village_code", "county", "township", "village")
PROBLEM_COLUMNS = (
    *VILLAGE_COLUMNS,
    *("no", "seq", "category", "topic", "description", "measure", "kind", "deadline"),
    *("owner", "result", "done_date", "note", "carried", "file", "cell", "removed"),
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
        return (
            "整改率口径：整改率 = 已整改问题数 ÷ 排查问题数（纳入整改方案的问题计入分子和分母）。"
        )
    return "整改率口径：整改率 = 立行立改问题中已整改的数量 ÷ 立行立改问题数（纳入整改方案的问题不计入）。"


def deadline_status(
    problems: pd.DataFrame, as_of: dt.date, soon_days: int | None = None
) -> pd.Series:
    """逾期 (deadline before as_of, not 已整改) / 即将到期 (within soon_days) / "".

    The one place where overdue is decided: summaries, lists and reminders use it.
    """
    dl = pd.to_datetime(problems["deadline"], errors="coerce")
    open_ = (problems["result"].fillna("").astype(str) != DONE).to_numpy(bool)
    ts = pd.Timestamp(as_of)
    out = np.full(len(problems), "", dtype=object)  # marked as arrays: a Series' mask costs
    out[open_ & (dl < ts).to_numpy(bool)] = OVERDUE
    if soon_days is not None:
        soon = (dl >= ts) & (dl <= ts + pd.Timedelta(days=soon_days))
        out[open_ & soon.to_numpy(bool)] = DUE_SOON
    return pd.Series(out, index=problems.index, dtype=object)


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


def _names(df: pd.DataFrame) -> pd.Series:
    return _text(df["county"]) + "/" + _text(df["township"]) + "/" + _text(df["village"])


def _attach(df: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    """Roster key of every data row (by code, else by names); NaN when unknown."""
    with_code = roster[roster["village_code"] != ""]
    by_code = pd.Series(with_code["key"].to_numpy(), index=with_code["village_code"].to_numpy())
    by_code = by_code[~by_code.index.duplicated()]
    key = _text(df["village_code"]).map(by_code).astype(object)
    miss = key.isna().to_numpy()
    if miss.any():
        by_name = pd.Series(roster["key"].to_numpy(), index=_names(roster).to_numpy())
        by_name = by_name[~by_name.index.duplicated()]
        key[miss] = _names(df[miss]).map(by_name).to_numpy()
    return key


def build(data: PeriodLike, roster: pd.DataFrame, checklist: Checklist) -> Rollup:
    """Join one period (and its previous one, recursively once) to the roster.

    With a previous period, problems["prev_i"] is the position of each problem in
    previous.problems (-1: new), by model.match_problems.
    """
    r = _build_one(data, roster, checklist)
    prev = getattr(data, "previous", None)
    if prev is not None:
        r.previous = _build_one(prev, roster, checklist)
        r.problems["prev_i"] = previous_index(r.problems, r.previous.problems)
    return r


def _build_one(data: PeriodLike, roster: pd.DataFrame, checklist: Checklist) -> Rollup:
    dv = data.villages.copy()
    dv["key"] = _attach(dv, roster)
    outside = dv[dv["key"].isna()].drop(columns="key").reset_index(drop=True)
    dv = dv[dv["key"].notna()].drop_duplicates("key").set_index("key")
    vil = roster.copy()
    vil["order"] = np.arange(len(vil))
    for col in ("reported", "on_time", "late", "carried", "failed"):
        src = dv[col] if col in dv else pd.Series(dtype=bool)
        vil[col] = vil["key"].map(src).eq(True).to_numpy(bool)
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
    # a removed item's problem (removed: its old 序号) takes the removed item's names
    gone = pro["removed"].eq(True)
    pro["removed"] = gone.to_numpy(bool)
    old = checklist.removed
    no_cat = {i.no: c.name for c, i in checklist.items}
    cat = pro["no"].map(no_cat).where(~gone, pro["no"].map({n: e.category for n, e in old.items()}))
    pro["cat"] = cat.fillna(pro["category"]).fillna("")
    topic, no_topic = _text(pro["topic"]), {i.no: i.topic for _, i in checklist.items}
    pro["topic"] = topic.where((topic != "") | gone, pro["no"].map(no_topic).fillna(""))
    res = _text(pro["result"])
    pro["state"] = res.where(res.isin([DONE, DOING]), NOT_DONE)
    kind = _text(pro["kind"])
    # flags and codes the summaries count with (computed once, not per table)
    pro["is_done"] = (pro["state"] == DONE).to_numpy(bool)
    pro["is_doing"] = (pro["state"] == DOING).to_numpy(bool)
    pro["is_immediate"] = (kind == IMMEDIATE).to_numpy(bool)
    pro["is_plan"] = (kind == PLAN).to_numpy(bool)
    cat_index = {c.name: i for i, c in enumerate(checklist.categories)}
    pro["cat_i"] = pro["cat"].map(cat_index).fillna(-1).astype(np.int64)
    pro["overdue"] = (deadline_status(pro, data.deadline) == OVERDUE).to_numpy(bool)
    pro["order"] = pro["order"].astype(np.int64)
    pro["pkey"] = _problem_key(pro)
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


def city_only(r: Rollup, checklist: Checklist) -> Rollup:
    """The city's figures of a rollup made with a county's checklist: without the county's
    own items (their problems and their 类别); r itself when there are none."""
    nos = checklist.county_nos
    if not nos:
        return r
    pro = r.problems
    keep = ~(pro["no"].isin(list(nos)).to_numpy(bool) & ~pro["removed"].to_numpy(bool))
    pro = pro[keep].reset_index(drop=True)
    prev = city_only(r.previous, checklist) if r.previous is not None else None
    if prev is not None:
        pro["prev_i"] = previous_index(pro, prev.problems)
    cats = [c.name for c in checklist.city.categories]  # a county's 类别 is the last
    return replace(r, problems=pro, categories=cats, previous=prev)


def _problem_key(pro: pd.DataFrame) -> np.ndarray:
    """village (roster order) + no + seq as one int64: a problem's id within a period."""
    no = pro["no"].to_numpy(np.int64)
    seq = pro["seq"].to_numpy(np.int64)
    if len(pro) and (no.max() >= 1 << 12 or seq.max() >= 1 << 20):
        raise ValueError("序号或问题序号超出范围")
    gone = pro["removed"].to_numpy(np.int64)  # a removed item's old 序号 may be a current one
    key: np.ndarray = (pro["order"].to_numpy(np.int64) << 33) | (gone << 32) | (no << 20) | seq
    return key


def _village_status(vil: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=vil.index, dtype=object)
    out[~vil["reported"]] = ST_MISSING
    out[~vil["reported"] & vil["carried"]] = ST_CARRIED
    out[vil["reported"] & vil["late"]] = ST_LATE
    out[~vil["reported"] & vil["failed"]] = ST_FAILED
    out[~vil["reported"] & vil["failed"] & vil["carried"]] = ST_FAILED_CARRIED
    return out


def _scope(r: Rollup, county: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if county is None:
        return r.villages, r.problems
    return r.villages[r.villages["county"] == county], r.problems[r.problems["county"] == county]


def counties(r: Rollup) -> list[str]:
    return list(dict.fromkeys(r.villages["county"]))


def split(r: Rollup) -> Iterator[tuple[str, Rollup]]:
    """(county, the county's own Rollup) in roster order: one pass, not one filter per county."""
    probs = dict(tuple(r.problems.groupby("county", sort=False)))
    empty = r.problems.iloc[:0]
    for county, vil in r.villages.groupby("county", sort=False):
        pro = probs.get(county, empty)
        out = r.outside[r.outside["county"] == county] if len(r.outside) else r.outside
        yield str(county), replace(r, villages=vil, problems=pro, outside=out, previous=None)


def summary(r: Rollup, level: Level, county: str | None = None) -> pd.DataFrame:
    """Rows per township (of one county) or per county, then a total row.

    Columns: unit, expected, reported, on_time, late, returned, missing, problems, <categories>,
    immediate, plan, done, doing, not_done, rate, overdue, done_immediate.
    The total row sums the count rows; its rate is recomputed from the sums.
    """
    if level == "township" and county is None:
        raise ValueError("a township table needs its county")
    vil, pro = _scope(r, county)
    units = list(dict.fromkeys(vil[level].tolist()))
    n, idx = len(units), {u: i for i, u in enumerate(units)}
    vc = np.fromiter((idx[u] for u in vil[level].tolist()), np.int64, len(vil))
    pc = np.fromiter((idx.get(u, -1) for u in pro[level].tolist()), np.int64, len(pro))
    keep = pc >= 0
    pc = pc[keep]

    def count(codes: np.ndarray, mask: Any = None) -> np.ndarray:
        return np.bincount(codes if mask is None else codes[mask], minlength=n)

    def flag(name: str) -> np.ndarray:
        got: np.ndarray = pro[name].to_numpy(bool)[keep]
        return got

    rep = vil["reported"].to_numpy(bool)
    cols: dict[str, np.ndarray] = {
        "expected": count(vc),
        "reported": count(vc, rep),
        "on_time": count(vc, rep & vil["on_time"].to_numpy(bool)),
        "late": count(vc, rep & vil["late"].to_numpy(bool)),
    }
    cols["returned"] = count(vc, ~rep & vil["failed"].to_numpy(bool))
    cols["missing"] = cols["expected"] - cols["reported"] - cols["returned"]
    cols["problems"] = count(pc)
    ci = pro["cat_i"].to_numpy(np.int64)[keep]
    k = len(r.categories)
    known = ci >= 0
    by_cat = np.bincount(pc[known] * k + ci[known], minlength=n * k).reshape(n, k)
    for j, c in enumerate(r.categories):
        cols[c] = by_cat[:, j]
    done, doing, imm = flag("is_done"), flag("is_doing"), flag("is_immediate")
    cols["immediate"] = count(pc, imm)
    cols["plan"] = count(pc, flag("is_plan"))
    cols["done"] = count(pc, done)
    cols["doing"] = count(pc, doing)
    cols["not_done"] = count(pc, ~done & ~doing)
    cols["overdue"] = count(pc, flag("overdue"))
    cols["done_immediate"] = count(pc, done & imm)
    mat = np.column_stack(list(cols.values())).astype(np.int64).reshape(n, len(cols))
    mat = np.vstack([mat, mat.sum(axis=0)])
    f = pd.DataFrame(mat, columns=list(cols))
    f.insert(0, "unit", [*units, TOTAL_COUNTY if level == "township" else TOTAL_CITY])
    f["rate"] = _rates(f, r.includes_plan)
    return f[
        ["unit", *HEAD_COUNTS, *r.categories, *TAIL_COUNTS, "rate", "overdue", "done_immediate"]
    ]


def _rates(f: pd.DataFrame, includes_plan: bool) -> pd.Series:
    num, den = ("done", "problems") if includes_plan else ("done_immediate", "immediate")
    return pd.Series([rate(a, b) for a, b in zip(f[num], f[den], strict=True)], index=f.index)


def by_item(r: Rollup, checklist: Checklist) -> pd.DataFrame:
    """All checklist items: category, no, topic, content, problems, villages, done, rate,
    removed; then the items a revision removed that still have problems (old 序号, removed
    True, layout.REMOVED_NOTE before the content).

    Sorted by problems descending, ties by no.
    """
    pro = r.problems
    gone = [
        (e.category, n, e.topic, REMOVED_NOTE + e.content) for n, e in checklist.removed.items()
    ]
    out = pd.DataFrame(
        [(c.name, i.no, i.topic, i.content) for c, i in checklist.items] + gone,
        columns=["category", "no", "topic", "content"],
    )
    out["removed"] = np.arange(len(out)) >= len(checklist.items)
    top = int(max(out["no"].max(), pro["no"].max() if len(pro) else 0)) + 1
    # a removed item's old 序号 counts apart from a current item of the same 序号
    no = pro["no"].to_numpy(np.int64) + top * pro["removed"].to_numpy(np.int64)
    done, imm = pro["is_done"].to_numpy(bool), pro["is_immediate"].to_numpy(bool)
    first = ~pd.DataFrame({"k": pro["order"], "no": no}).duplicated().to_numpy()  # a village once
    at = out["no"].to_numpy(np.int64) + top * out["removed"].to_numpy(np.int64)

    def count(mask: Any = None) -> np.ndarray:
        got: np.ndarray = np.bincount(no if mask is None else no[mask], minlength=2 * top)
        picked: np.ndarray = got[at]
        return picked

    out["problems"], out["villages"], out["done"] = count(), count(first), count(done)
    out["immediate"], out["done_immediate"] = count(imm), count(done & imm)
    out["rate"] = _rates(out, r.includes_plan)
    out = out[~out["removed"] | (out["problems"] > 0)]
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
    """Villages that did not report (and, with late=True, those that reported late); the
    退回待改 ones (sent, none accepted) apart, after the others, in roster order."""
    vil, _ = _scope(r, county)
    mask = ~vil["reported"]
    if late:
        mask = mask | (vil["reported"] & vil["late"])
    got = vil[mask]
    apart = (~got["reported"] & got["failed"]).to_numpy(bool)
    return pd.concat([got[~apart], got[apart]]).reset_index(drop=True)


def _matched(cur: pd.DataFrame, prev: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """(new, completed) flags of the current problems against the previous period."""
    done = pd.Series(cur["is_done"].to_numpy(bool), index=cur.index)
    if prev is None or not len(prev):
        return pd.Series(True, index=cur.index), done
    got = cur["prev_i"].to_numpy(np.int64) if "prev_i" in cur else previous_index(cur, prev)
    old = got >= 0
    was_done = np.zeros(len(cur), bool)
    was_done[old] = prev["is_done"].to_numpy(bool)[got[old]]
    return pd.Series(~old, index=cur.index), done & ~was_done


def previous_index(cur: pd.DataFrame, prev: pd.DataFrame) -> np.ndarray:
    """Position in `prev` of each current problem (-1: new), by model.match_problems."""
    got = match_problems(_problem_texts(prev), _problem_texts(cur))
    return np.asarray(got, dtype=np.int64).reshape(len(cur))


def _problem_texts(pro: pd.DataFrame) -> list[ProblemText]:
    # a removed item's problem (its old 序号) pairs only with a removed item's
    no = pro["no"].to_numpy(np.int64) * np.where(pro["removed"].to_numpy(bool), -1, 1)
    groups = zip(pro["key"].tolist(), no.tolist(), strict=True)
    return list(zip(groups, pro["description"].tolist(), pro["measure"].tolist(), strict=True))


def weekly(r: Rollup, level: Level = "county") -> pd.DataFrame:
    """Per county (in rank order) then 全市合计: this period against the previous one;
    level "township": per township of r's one county (its 本县 view), then 合计.

    Columns: unit, expected, reported, on_time, late, report_rate, on_time_rate, problems,
    new, completed, done, rate, prev_rate, change_pp, overdue, rank, returned, missing.
    new: problems the previous period did not have (model.match_problems); completed:
    已整改 now and not 已整改 before (a new problem already 已整改 counts). Without a
    previous period every problem is new and every 已整改 one completed.
    """
    one = counties(r)[0] if level == "township" and len(r.villages) else None
    cur = summary(r, level, one)
    prev = summary(r.previous, level, one) if r.previous is not None else None
    new, completed = _matched(r.problems, r.previous.problems if r.previous else None)
    county = r.problems[level]
    units = cur["unit"].iloc[:-1]
    keep = ["unit", "expected", "reported", "on_time", "late", "returned", "missing"]
    keep += ["problems", "done", "rate"]
    out = cur[[*keep, "overdue"]].copy()
    out["new"] = out["unit"].map(new.groupby(county).sum()).fillna(0).astype(np.int64)
    out["completed"] = out["unit"].map(completed.groupby(county).sum()).fillna(0).astype(np.int64)
    total = out.index[-1]
    out.loc[total, ["new", "completed"]] = [out["new"][:-1].sum(), out["completed"][:-1].sum()]
    if prev is not None:
        out["prev_rate"] = out["unit"].map(prev.set_index("unit")["rate"]).astype(float)
    else:
        out["prev_rate"] = float("nan")
    out["change_pp"] = (out["rate"] - out["prev_rate"]) * 100.0
    out["report_rate"] = [rate(a, b) for a, b in zip(out["reported"], out["expected"], strict=True)]
    out["on_time_rate"] = [rate(a, b) for a, b in zip(out["on_time"], out["expected"], strict=True)]
    ranks = rank(out.iloc[:-1], "on_time_rate" if level == "township" else "report_rate")
    out["rank"] = out["unit"].map(ranks).astype("Int64")
    body = out.iloc[:-1].assign(_r=ranks.reindex(units).to_numpy()).sort_values("_r")
    out = pd.concat([body.drop(columns="_r"), out.iloc[-1:]], ignore_index=True)
    return out[WEEKLY_FIELDS]


WEEKLY_FIELDS = [
    *("unit", "expected", "reported", "on_time", "late", "report_rate", "on_time_rate"),
    *("problems", "new", "completed", "done", "rate", "prev_rate", "change_pp", "overdue", "rank"),
    *("returned", "missing"),
]
RANK_RULE = (
    "排名规则：按整改率从高到低排名，整改率相同的按上报率从高到低，再相同的按县名排序；"
    "没有排查问题（整改率无法计算）的县排在其后，按上报率从高到低、再按县名排序。"
)
RANK_RULE_TOWNSHIP = (  # a county's townships (weekly(r, "township"))
    "排名规则：按整改率从高到低排名，整改率相同的按按时上报率从高到低，再相同的按乡镇名排序；"
    "没有排查问题（整改率无法计算）的乡镇排在其后，按按时上报率从高到低、再按乡镇名排序。"
)


def rank(f: pd.DataFrame, tie: str = "report_rate") -> pd.Series:
    """Rank (1 = best) of each unit; see RANK_RULE (tie: on_time_rate for townships)."""
    has = f["rate"].notna()
    a = f[has].sort_values(["rate", tie, "unit"], ascending=[False, False, True])
    b = f[~has].sort_values([tie, "unit"], ascending=[False, True])
    order = [*a["unit"], *b["unit"]]
    return pd.Series(range(1, len(order) + 1), index=order, dtype=np.int64)


def lowest(w: pd.DataFrame) -> pd.DataFrame:
    """The bottom third of the ranked counties (at least one), worst last."""
    body = w.iloc[:-1]
    n = max(1, len(body) // 3) if len(body) else 0
    return body.tail(n)
