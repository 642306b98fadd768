"""A 合计 / 总计 / 小计 line typed into the table: counts, not a problem of the item above."""

from __future__ import annotations

import re

from dapaicha.read.reader import TableRow

_TOTAL = re.compile(r"\s*(?:合|总|小)\s*计")
_LABELS = ("no", "category", "topic", "content")


def is_total(tr: TableRow) -> bool:
    """A row whose 序号 is blank or a word and whose label columns begin with 合计 …"""
    v = tr.values
    no = v.get("no")
    if no is not None and no.__class__ is not str:
        return False
    return any(isinstance(x := v.get(k), str) and _TOTAL.match(x) for k in _LABELS)
