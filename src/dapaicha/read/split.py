"""An answer column split in two, ticked: 是否存在问题 over 是 | 否 (or 有 | 无, 存在 | 不存在).

Found once per sheet at the header (`find`); when found, each row's two cells are read as
one answer written back into the grid's first sub-column (`apply`), so the reader and the
rules see 是 / 否 / blank as in the printed ledger. A ledger without a split pays nothing.

Marks: √ ✓ ✔ ☑ ○ ● 1 Y (and the sub-column's own word, 是 under 是) tick a sub-column;
× ✗ x 0 cross it out (as the campaign's 是/否 words read × as 否): never a tick. A row is
是 or 否 by its one ticked sub-column; both ticked, a mark read as neither, or only a cross
(under 是 it could say 否, or be a tick in the western way) is said, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dapaicha import layout
from dapaicha.layout import NO, YES, address
from dapaicha.normalize import parse_int, vocab, vocab_key
from dapaicha.read.book import Ranges
from dapaicha.read.header import header_key

# Sub-header words of the two sub-columns (the campaign's 是/否 words add to them).
_SUB_WORDS = {"是": YES, "有": YES, "存在": YES, "否": NO, "无": NO, "不存在": NO, "没有": NO}
TICKS = frozenset(
    ["√", "✓", "✔", "☑", "✅", "○", "●", "◎", "⭕", "■", "☆", "★", "1", "Y", "YES", "V"]
)
CROSSES = frozenset(["×", "✗", "✘", "╳", "☒", "❌", "X", "0", "N", "NO"])
_NEITHER_TAIL = "两栏都没有打勾"
_NEITHER = "“{}”“{}”" + _NEITHER_TAIL
_MARK_CHARS = 8  # longer: a sentence (a signature line's), not a mark
# Columns answered 是/否 that a clerk may split (the layout's yes/no columns).
KEYS = tuple(c.key for c in layout.COLUMNS if c.kind == "yes_no")


@dataclass(frozen=True, slots=True)
class Split:
    key: str  # the column's key (has_problem)
    subs: tuple[tuple[int, str], ...]  # (0-based column, canonical word) of each sub-column


def _sub_word(v: Any, lookup: dict[str, str]) -> str | None:
    if not isinstance(v, str) or len(v) > 10:
        return None
    k = header_key(v)
    return _SUB_WORDS.get(k) or (vocab(k, lookup).value if lookup and len(k) > 1 else None)


def find(
    grid: list[list[Any]],
    r0: int,
    cols: dict[str, int],
    merged: Ranges,
    lookup: dict[str, str],
) -> list[Split]:
    """The split answer columns of a header at row r0 (its sub-header on the row below)."""
    if r0 + 1 >= len(grid):
        return []
    head, sub = grid[r0], grid[r0 + 1]
    no_c = cols.get("no", -1)
    if 0 <= no_c < len(sub) and parse_int(sub[no_c]).value is not None:
        return []  # an item's row, not a sub-header
    named = set(cols.values())
    spans = {a: b[1] for a, b in merged if a[0] == r0 and b[0] <= r0 + 1}
    out: list[Split] = []
    for key in KEYS:
        c = cols.get(key, -1)
        if c < 0 or c + 1 >= len(sub):
            continue
        # the second sub-column: the next one, or under a header merged wider, the first
        # with a sub-header (a blank column between 是 and 否)
        end = min(spans.get((r0, c), c), len(sub) - 1)
        c2 = next((j for j in range(c + 1, end + 1) if sub[j] not in (None, "")), c + 1)
        if any(j in named for j in range(c + 1, c2 + 1)):
            continue
        over = head[c + 1] if c + 1 < len(head) else None
        if over not in (None, "", head[c]) and end <= c:
            continue  # the next column has a header of its own (not the same one again)
        words = (_sub_word(sub[c], lookup), _sub_word(sub[c2], lookup))
        if set(words) == {YES, NO}:
            out.append(Split(key, ((c, str(words[0])), (c2, str(words[1])))))
    return out


def neither(why: str) -> bool:
    """Whether an unread answer is one with neither sub-column ticked (a blank answer)."""
    return why.endswith(_NEITHER_TAIL)


def sub_columns(splits: list[Split]) -> frozenset[int]:
    """Every sub-column's 0-based column."""
    return frozenset(c for s in splits for c, _ in s.subs)


def _mark(v: Any, own: str, lookup: dict[str, str]) -> str:
    """One sub-column cell: "" blank, "tick", "cross", "?" (a mark read as neither), or
    "text" (a sentence: not an answer, the row left as it is)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "tick" if v else "cross"
    if isinstance(v, int | float):
        return "tick" if v == 1 else "cross" if v == 0 else "?"
    text = vocab_key(str(v)).replace("\ufe0f", "")  # ✔️: the emoji form
    if not text:
        return ""
    if text in TICKS:
        return "tick"
    if text in CROSSES:
        return "cross"
    if len(text) > _MARK_CHARS:
        return "text"
    word = _SUB_WORDS.get(text) or (vocab(text, lookup).value if lookup else None)
    return "tick" if word == own else "?"


def _answer(row: list[Any], s: Split, lookup: dict[str, str]) -> tuple[str | None, str | None, int]:
    """(是 / 否 / None, why it could not be read: "" when it could, None for no answer at
    all, the cell's column)."""
    marks = [(c, w, _mark(row[c] if c < len(row) else None, w, lookup)) for c, w in s.subs]
    if any(m == "text" for _, _, m in marks):
        return None, None, 0
    odd = [(c, w) for c, w, m in marks if m == "?"]
    if odd:
        c, w = odd[0]
        return None, f"“{w}”栏填了“{str(row[c]).strip()}”，不是勾选符号", c
    ticked = [(c, w) for c, w, m in marks if m == "tick"]
    if len(ticked) == 1:
        return ticked[0][1], "", ticked[0][0]
    first = s.subs[0][0]
    if ticked:
        return None, "".join(f"“{w}”" for _, w in s.subs) + "两栏都打了勾", first
    crossed = [(c, w) for c, w, m in marks if m == "cross"]
    if crossed:
        c, w = crossed[0]
        return None, f"只在“{w}”栏填了“{str(row[c]).strip()}”，看不出选的是哪一栏", c
    return None, "", first


def apply(
    grid: list[list[Any]], start: int, splits: list[Split], lookup: dict[str, str]
) -> dict[tuple[int, str], tuple[str, str]]:
    """Each row's answer from start on into its split column's first sub-column (是, 否 or
    blank); (Excel row, key) → (cell, why) of the answers that could not be read."""
    unread: dict[tuple[int, str], tuple[str, str]] = {}
    for s in splits:
        c0 = s.subs[0][0]
        last = max(c for c, _ in s.subs)
        for r in range(start, len(grid)):
            row = grid[r]
            if len(row) <= c0 or all(v is None or v == "" for v in row[c0 : last + 1]):
                # neither ticked: said so on an item's row (the rules ask only there)
                unread[(r + 1, s.key)] = (address(r, c0), _NEITHER.format(*(w for _, w in s.subs)))
                continue
            value, why, c = _answer(row, s, lookup)
            if why is None:
                continue  # a sentence in a sub-column: not an answer (the signatures)
            row[c0] = value
            for c1, _ in s.subs[1:]:
                if c1 < len(row):
                    row[c1] = None
            if why:
                unread[(r + 1, s.key)] = (address(r, c), why)
    return unread


def kept(grid: list[list[Any]], start: int, splits: list[Split]) -> dict[tuple[int, int], Any]:
    """The sub-columns' cells from start on, as typed (apply rewrites them), for `restore`."""
    cols = sub_columns(splits)
    return {
        (r, c): row[c] for r in range(start, len(grid)) if (row := grid[r]) for c in cols
        if c < len(row) and row[c] is not None
    }  # fmt: skip


def restore(grid: list[list[Any]], cells: dict[tuple[int, int], Any], start: int) -> None:
    """Put back the cells as typed from row start on (below the table: a signer's name or a
    date typed in a sub-column is no answer)."""
    for (r, c), v in cells.items():
        if r >= start:
            grid[r][c] = v
