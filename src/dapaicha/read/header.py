"""Finding a ledger's header row by its column names (with aliases and one-edit typos)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from dapaicha import layout

HEADER_SCAN_ROWS = 30


def header_key(s: str) -> str:
    """Comparison form of a header: NFKC, no spaces, brackets or marks."""
    s = unicodedata.normalize("NFKC", s)
    bare = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", s)  # 是否存在问题（是/否）
    s = bare if bare.strip() else s
    return re.sub(r"[\s*＊:：()（）\[\]【】\"“”]", "", s)


_HEADER_INDEX: dict[str, str] = {header_key(n): c.key for c in layout.COLUMNS for n in c.names}


def _distance1(a: str, b: str) -> bool:
    """True if a and b differ by exactly one edit."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


@lru_cache(maxsize=4096)
def match_header(text: str) -> tuple[str | None, bool]:
    """Header text → (column key, exact?)."""
    k = header_key(text)
    if not k:
        return None, True
    if k in _HEADER_INDEX:
        return _HEADER_INDEX[k], True
    for c in layout.COLUMNS:
        h = header_key(c.header)
        if len(h) >= 3 and _distance1(k, h):
            return c.key, False
    return None, True


def find_header(
    grid: list[list[Any]], need_no: bool = True
) -> tuple[int, dict[str, int], list[tuple[int, str, str]]]:
    """(row0, key→col0, renamed[(col0, found, key)]) of the best header row, or (-1, {}, []).
    need_no=False: a header whose 序号 column was deleted counts too (to say so)."""
    best: tuple[int, dict[str, int], list[tuple[int, str, str]]] = (-1, {}, [])
    best_score = 0
    for r0, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        renamed: list[tuple[int, str, str]] = []
        for c0, v in enumerate(row):
            if not isinstance(v, str) or len(v) > 20:
                continue
            key, exact = match_header(v)
            if key and key not in cols:
                cols[key] = c0
                if not exact:
                    renamed.append((c0, v, key))
        score = len(cols)
        if ("no" in cols or not need_no) and score >= 3 and score > best_score:
            best, best_score = (r0, cols, renamed), score
            if score == len(layout.COLUMNS):
                break  # every column found: no later row can do better
    return best


def sub_header(
    grid: list[list[Any]], r0: int, cols: dict[str, int], split: frozenset[int] = frozenset()
) -> int:
    """The header's last row: r0, or the row under it when that one holds sub-headers
    (整改情况 over 整改结果 · 完成时间; most of its words a header's, at least three, when
    some are not; split: the columns of 是 | 否 under a split answer column, read.split).
    Columns found there join cols."""
    if r0 + 1 >= len(grid):
        return r0
    row = grid[r0 + 1]
    found: list[tuple[int, str | None]] = []
    for c0, v in enumerate(row):
        if isinstance(v, str) and v.strip() and c0 not in split:
            found.append((c0, match_header(v)[0] if len(v) <= 20 else None))
    if split and not found:
        return r0 + 1  # only 是 | 否
    known = [(c0, key) for c0, key in found if key is not None]
    no = row[cols["no"]] if cols.get("no", len(row)) < len(row) else None
    if no is not None and no != "" and not (isinstance(no, str) and match_header(no)[0]):
        return r0  # an item's row (its 序号)
    if not found or (len(known) < len(found) and (len(known) < 3 or 2 * len(known) <= len(found))):
        return r0  # a data row (or one with other text): not a sub-header
    claimed = {c0 for c0, _ in known}
    for key in [k for k, c in cols.items() if c in claimed]:
        del cols[key]  # a group's name over sub-headers (整改情况 over 措施 … 结果)
    for c0, key in known:
        cols[str(key)] = c0  # the sub-header is the more precise name of its column
    return r0 + 1


def lacks_no(grid: list[list[Any]]) -> int:
    """The 0-based row of a ledger's header whose 序号 column was deleted (the item's text
    and 是否存在问题 or the problem's description still there); -1 when none."""
    r0, cols, _ = find_header(grid, need_no=False)
    keyed = "content" in cols and ("has_problem" in cols or "description" in cols)
    return r0 if r0 >= 0 and "no" not in cols and keyed else -1


_COLUMN_NO = re.compile(r"^\s*[（(]?\s*(\d{1,2})\s*[)）]?\s*$")


def column_numbers(grid: list[list[Any]], r: int) -> bool:
    """Whether row r (0-based) numbers the columns (1 2 3 … or （1）（2）…, a form's 栏次 row
    under its header): five or more cells, each the one before plus 1, nothing else."""
    if r >= len(grid):
        return False
    nos = []
    for v in grid[r]:
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer():
            nos.append(int(v))
        elif isinstance(v, str) and (m := _COLUMN_NO.match(v)):
            nos.append(int(m.group(1)))
        else:
            return False
    return len(nos) >= 5 and nos == list(range(nos[0], nos[0] + len(nos)))
