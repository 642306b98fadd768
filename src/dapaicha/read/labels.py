"""The lines around a returned table: labelled values (填报单位：…) and the signature block."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from dapaicha.layout import address
from dapaicha.normalize import blank_date, parse_date, parse_int

_TABLE_END_RX = re.compile("签字|填报人|注：|注:|审核人")
_LABEL = re.compile(r"^\s*[\u4e00-\u9fff（）()]{2,8}\s*[:：]")
# A line under the table that starts with a label, in any column: "第一书记：刘晓峰",
# "填报日期：…", or a signer's title alone in its cell
_END_LABELS = ("填报人", "填报日期", "填报时间", "报送日期", "审核人", "审核", "联系电话")


@lru_cache(maxsize=64)
def end_line_rx(titles: tuple[str, ...]) -> re.Pattern[str]:
    """A line under the table: a signer's title (not its other names: 书记：王五 is a 责任人)."""
    names = "|".join(map(re.escape, (*(t.split("|", 1)[0] for t in titles), *_END_LABELS)))
    return re.compile(rf"^\s*(?:{names})\s*(?:[（(]签字[)）])?\s*(?:[:：]|$)")


_SIGN_CUT = re.compile(r"[（(]签字[)）]|[:：]|\s{2,}|\u3000|签字日期")


def label_value(
    grid: list[list[Any]],
    label: str,
    rows: range,
    spans: dict[tuple[int, int], int] | None = None,
    stops: tuple[str, ...] = (),
    *,
    at_start: bool = False,
) -> tuple[Any, str]:
    """Find a cell containing label; its value is the text after a colon, or the next cell.

    The next cell is the first one right of the label's merged block; a further label
    (text ending in a colon, like 签字日期：) ends the search. With stops (the other
    signers' titles), text after the label is cut where the next label begins, so
    "组长（签字）：张三  第一书记（签字）：" gives 第一书记 no name.
    """
    for r0 in rows:
        if r0 >= len(grid):
            break
        row = grid[r0]
        for c0, v in enumerate(row):
            if not isinstance(v, str) or label not in v:
                continue
            if at_start and not v.lstrip().startswith(label):
                continue  # (under a table: a label begins its cell)
            tail = re.sub(r"^\s*[（(]签字[)）]", "", v.split(label, 1)[1])
            tail = tail.strip(" :：_\u3000\t\n")
            if stops:
                tail = _SIGN_CUT.split(tail, maxsplit=1)[0]
                for t in stops:
                    tail = tail.split(t, 1)[0]
                tail = tail.strip(" :：_\u3000\t\n")
            if tail:
                return tail, address(r0, c0)
            first = (spans or {}).get((r0, c0), c0) + 1
            for c1 in range(first, len(row)):
                w = row[c1]
                if isinstance(w, str) and (w.strip().endswith((":", "：")) or _LABEL.match(w)):
                    break  # another label ("填报日期：…") is not this one's value
                if w not in (None, "") and not (isinstance(w, str) and not w.strip()):
                    return w, address(r0, c1)
            return None, address(r0, first)
    return None, ""


def _filled(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def read_signers(
    grid: list[list[Any]],
    rows: range,
    spans: dict[tuple[int, int], int],
    signers: tuple[str, ...],
) -> dict[str, tuple[Any, str]]:
    """Each signer's (name, cell) by its title; else by one of its other names (an entry is
    “title|other name|…”) where no other signer's name was found (书记 finds 第一书记's too):
    in rows (below the last item read), other names beginning a cell (a 责任人 “村支书” signs
    for nobody)."""
    names = [s.split("|") for s in signers]
    every = sorted({x for ns in names for x in ns}, key=len, reverse=True)  # longest cut first

    def one(label: str, where: range, at_start: bool = False) -> tuple[Any, str]:
        stops = tuple(x for x in every if x != label)
        return label_value(grid, label, where, spans, stops, at_start=at_start)

    out = {ns[0]: one(ns[0], rows) for ns in names}
    taken = {(a, v) for v, a in out.values() if _filled(v)}
    for ns in names:
        for other in ns[1:] if not _filled(out[ns[0]][0]) else ():
            v, a = one(other, rows, at_start=True)
            if _filled(v) and (a, v) not in taken:
                out[ns[0]] = (v, a)
                taken.add((a, v))
                break
    return out


def first_dated(
    grid: list[list[Any]], labels: tuple[str, ...], rows: range, spans: dict[tuple[int, int], int]
) -> tuple[Any, str]:
    """The first of labels with a date typed in rows; else the first found blank, its cell."""
    found: tuple[Any, str] = (None, "")
    for label in labels:
        v, at = label_value(grid, label, rows, spans)
        if at and not blank_date(v):
            return v, at
        found = found if found[1] or not at else (v, at)
    return found


def _is_date(v: Any) -> bool:
    """A date typed as a date, or as a text with its year (2022.3.30 stays text)."""
    return isinstance(v, dt.date) or (
        isinstance(v, str) and len(v) < 30 and parse_date(v, year=0).status == "ok"
    )


def lone_date(grid: list[list[Any]], rows: range) -> tuple[Any, str]:
    """The one cell holding a date in rows (a 填报日期 whose label was cleared or retyped
    as 日期：); (None, "") when there is none or more than one."""
    found = [(v, address(r0, c0)) for r0 in rows if r0 < len(grid)
             for c0, v in enumerate(grid[r0]) if _is_date(v)]  # fmt: skip
    return found[0] if len(found) == 1 else (None, "")


def report_date(
    grid: list[list[Any]],
    labels: tuple[str, ...],
    spans: dict[tuple[int, int], int],
    top: tuple[Any, str],
    end: int,
) -> tuple[Any, str]:
    """填报日期 left blank at the top (top: its value and cell) and typed under the table:
    the first of labels with a date from `end` down (the row after the last item read: a
    description naming 报送时间 is none); else top as it is."""
    if not blank_date(top[0]):
        return top
    v, at = first_dated(grid, labels, range(max(end, 0), len(grid)), spans)
    return (v, at) if at and not blank_date(v) else top


def signature_line(
    row: list[Any], n: int, no_raw: Any, label_cols: list[int], end_line: Any
) -> bool:
    """Whether a row without a 序号 is the signature block under the table."""
    return parse_int(no_raw).value is None and (
        any(
            isinstance(row[c], str) and row[c] and len(row[c]) < 40 and _TABLE_END_RX.search(row[c])
            for c in label_cols
            if c < n
        )
        or any(isinstance(v, str) and v and len(v) < 60 and end_line(v) for v in row)
    )
