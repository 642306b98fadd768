"""Warnings of a return against the village's previous accepted one (merge's cross-period
findings): problems paired by model.match_problems, never by row position."""

from __future__ import annotations

from dapaicha.config.checklist import Checklist
from dapaicha.findings import Finding, make
from dapaicha.model import ProblemText, Row, match_problems


def cross_period(
    prev_rows: list[Row], cur_rows: list[Row], file: str, sheet: str, cl: Checklist
) -> list[Finding]:
    """Warnings against the previous period's rows, problems paired by model.match_problems.

    problem-vanished: a problem not yet 已整改 that is no longer reported; result-regressed:
    a result moving backwards in the checklist's order (已整改 > 正在整改 > 未整改);
    deadline-postponed: a later deadline with 备注 empty.
    """
    order = cl.vocabularies.result.canonical
    done = order[0]
    rank = {v: len(order) - i for i, v in enumerate(order)}
    before = [r for r in prev_rows if r.is_problem]
    now = [r for r in cur_rows if r.is_problem]
    got = match_problems(_texts(before), _texts(now))
    match = {i: now[j] for j, i in enumerate(got) if i >= 0}
    every = {(r.no, r.seq): r for r in cur_rows}
    out: list[Finding] = []
    for i, p in sorted(enumerate(before), key=lambda x: (x[1].no, x[1].seq)):
        c = match.get(i)
        if c is None:
            if p.result != done and p.no > 0:  # a removed item's (model.Row.no) cannot return
                anchor = every.get((p.no, p.seq)) or every.get((p.no, 1))
                cell = anchor.cells.get("has_problem", "") if anchor else ""
                what = p.description or f"第{p.no}项第{p.seq}个问题"
                out.append(
                    make("problem-vanished", file, sheet=sheet, cell=cell, item=p.no, value=what)
                )
            continue
        if p.result in rank and c.result in rank and rank[c.result] < rank[p.result]:
            out.append(
                make(
                    "result-regressed",
                    file,
                    sheet=sheet,
                    cell=c.cells.get("result", ""),
                    item=p.no,
                    value=p.result,
                    expected=c.result,
                )
            )
        if p.deadline and c.deadline and c.deadline > p.deadline and not (c.note or "").strip():
            out.append(
                make("deadline-postponed", file, sheet=sheet, cell=c.cells.get("deadline", ""), item=p.no,
                     value=p.deadline.isoformat(), expected=c.deadline.isoformat())
            )  # fmt: skip
    return out


def _texts(rows: list[Row]) -> list[ProblemText]:
    return [(r.no, r.description, r.measure) for r in rows]
