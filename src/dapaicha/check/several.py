"""Several problems numbered in one 自查问题描述 cell (1.… 2.…, 一是… 二是…): counted as one."""

from __future__ import annotations

import re

# (1) ① anywhere; 1. 1、 at the start of the text or after a space, a line break, a stop
# or a colon (存在问题：1.…)
# (not 1.5, a number; not 2022.4.20, a date; not 共3、4户, inside a sentence)
# The same in Chinese numerals, as 公文 enumerate: （一）, and 一是… 二是… or 一、… 二、…
_CN = "一二三四五六七八九"
_SEP = r"(?:^|(?<=[\s；;。，,：:…]))"
_MARK = re.compile(
    rf"[(（]([1-9])[)）]|([①-⑨])|{_SEP}([1-9])[.、．](?!\d)"
    rf"|[(（]([{_CN}])[)）]|{_SEP}([{_CN}])(?:是|、)"
)


def numbered(text: str) -> int:
    """How many problems a text numbers 1, 2, 3 … in order (at least 2), else 0."""
    n = 0
    for m in _MARK.finditer(text):
        if cn := m[4] or m[5]:
            k = _CN.index(cn) + 1
        else:
            k = ord(m[2]) - ord("①") + 1 if m[2] else int(m[1] or m[3])
        if k == n + 1:
            n = k
    return n if n >= 2 else 0
