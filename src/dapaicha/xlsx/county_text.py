"""A county's own 周报文字稿 (本县): its townships ranked, overdue and due-soon problems by
township, the county office's name, date and phone; the data its template gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from dapaicha.config.checklist import Checklist
from dapaicha.figures import accountability, rollup
from dapaicha.figures.perfunctory import Signal
from dapaicha.figures.rollup import Rollup
from dapaicha.xlsx import weekly
from dapaicha.xlsx.summary import county_name
from dapaicha.xlsx.tier import Tier

NAMED = 10  # problems named per township and kind; more are counted, “等”


def _names(pro: pd.DataFrame) -> list[str]:
    return [f"{v}第{n}项" for v, n in zip(pro["village"], pro["no"], strict=True)]


def deadline_townships(r: Rollup, soon_days: int) -> list[dict[str, Any]]:
    """Per township (roster order) with any: its overdue and due-soon problems, named."""
    over = r.problems[r.problems["overdue"]]
    soon = accountability.due_soon(r, soon_days)
    out = []
    for town in dict.fromkeys(r.villages["township"]):
        o, s = over[over["township"] == town], soon[soon["township"] == town]
        if len(o) or len(s):
            out.append({
                "township": town,
                "overdue": len(o), "overdue_names": _names(o.head(NAMED)),
                "overdue_more": len(o) > NAMED,
                "due_soon": len(s), "due_soon_names": _names(s.head(NAMED)),
                "due_soon_more": len(s) > NAMED,
            })  # fmt: skip
    return out


def _units_by_township(r: Rollup) -> list[dict[str, Any]]:
    """Per township: villages that sent nothing, whose return is 退回待改, that were late."""
    units = rollup.unreported(r, late=True)
    out = []
    for town in dict.fromkeys(r.villages["township"]):
        u = units[units["township"] == town]
        rep, bad = u["reported"].to_numpy(bool), u["failed"].to_numpy(bool)
        names = u["village"].astype(str).to_numpy()
        miss, failed, late = names[~rep & ~bad], names[~rep & bad], names[rep]
        if len(miss) or len(failed) or len(late):
            out.append({"township": town, "missing": list(miss), "failed": list(failed),
                        "late": list(late)})  # fmt: skip
    return out


def context(
    r: Rollup, checklist: Checklist, tier: Tier, signals: Sequence[Signal] | None = None
) -> dict[str, Any]:
    """The data the county's template gets (listed in its comment block)."""
    c = checklist.campaign
    w = rollup.weekly(r, "township")
    by_town = rollup.summary(r, "township", tier.name).set_index("unit")
    towns = [weekly.unit_figures(x, by_town.loc[x["unit"]]) for x in w.to_dict("records")]
    total = towns.pop()
    total["name"] = tier.name
    low = set(rollup.lowest(w)["unit"])
    by_t = _units_by_township(r)
    cats = by_town.loc[rollup.TOTAL_COUNTY, r.categories]
    return {
        **weekly.shared_context(r, checklist, tier, cats, signals),
        "title": weekly.title(r, checklist, tier),
        "rank_rule": rollup.RANK_RULE_TOWNSHIP,
        "county": tier.name,
        "total": total,
        "townships": towns,
        "lowest": [x for x in towns if x["name"] in low],
        "units_by_township": by_t,
        "missing_count": sum(len(x["missing"]) for x in by_t),
        "failed_count": sum(len(x["failed"]) for x in by_t),
        "late_count": sum(len(x["late"]) for x in by_t),
        "deadline_townships": deadline_townships(r, c.due_soon_days),
        "attachments": [f"周报_第{r.period}期.xlsx", county_name(tier.name, r.period)],
    }
