"""A choice column split into one sub-column per answer under its header (整改类型 over
立行立改 | 纳入整改方案, 整改结果 over 已整改 | 正在整改 | 未整改), a mark such as √ under the
answer chosen: read as the answer's word. 是否存在问题 over 是 | 否 is read.split's (it says
which ticks it cannot read)."""

from __future__ import annotations

from typing import Any

from dapaicha import layout

# the words under the header → the answer they stand for
_WORDS: dict[str, dict[str, str]] = {
    "kind": {layout.IMMEDIATE: layout.IMMEDIATE, layout.PLAN: layout.PLAN, "纳入方案": layout.PLAN},
    "result": {
        layout.DONE: layout.DONE,
        layout.DOING: layout.DOING,
        layout.NOT_DONE: layout.NOT_DONE,
        "已完成": layout.DONE,
        "整改中": layout.DOING,
        "未完成": layout.NOT_DONE,
    },
}
_NOT_TICKED = frozenset(("×", "✗", "✘", "X", "x", "/", "／", "否", "无", "0"))

Ticks = dict[str, tuple[tuple[int, str], ...]]  # key → ((0-based column, answer), …)


def _word(row: list[Any], c: int) -> str | None:
    v = row[c] if c < len(row) else None
    return v.strip() if isinstance(v, str) else None


def tick_columns(grid: list[list[Any]], r0: int, cols: dict[str, int]) -> Ticks:
    """The split choice columns of a header at row r0, from the row under it; {} if none."""
    if r0 + 1 >= len(grid):
        return {}
    row, taken, out = grid[r0 + 1], set(cols.values()), {}
    no = cols.get("no", -1)
    if 0 <= no < len(row) and row[no] is not None and str(row[no]).strip():
        return {}  # an item's row (its 序号): answers, not sub-headers
    for key, words in _WORDS.items():
        c = cols.get(key, -1)
        found: list[tuple[int, str]] = []
        while c >= 0 and (not found or c not in taken) and (w := _word(row, c)) in words:
            found.append((c, words[str(w)]))
            c += 1
        if len(found) >= 2:
            out[key] = tuple(found)
    return out


def ticked(vals: dict[str, Any], row: list[Any], ticks: Ticks) -> None:
    """A row's split choices as the answers ticked: one word, several joined by 、 (said as
    invalid), None when none is ticked."""
    for key, options in ticks.items():
        chosen = []
        for c, answer in options:
            v = row[c] if c < len(row) else None
            text = "" if v is None else str(v).strip()
            if text and text not in _NOT_TICKED:
                chosen.append(answer)
        vals[key] = "、".join(chosen) or None
