"""同上 / 〃 typed for the value of the row above (a further problem under an item)."""

from __future__ import annotations

from dapaicha import layout
from dapaicha.read.reader import TableRow

# the words and marks, with spaces and a closing 。 or . taken off
DITTO = frozenset({"同上", "〃", "同前", "如上", "同上行", "同上一行"})
_FILL = frozenset(layout.FILL_KEYS)


def is_ditto(v: object) -> bool:
    """同上, 〃 … (spaces and a closing 。 aside)."""
    return isinstance(v, str) and len(v) <= 8 and "".join(v.split()).rstrip("。.") in DITTO


def resolve(tr: TableRow, above: TableRow | None) -> None:
    """Each fill-in cell of tr saying 同上 takes the same column's value in the row above
    (itself resolved already); blank when there is no row above."""
    for k, v in tr.values.items():
        if k in _FILL and is_ditto(v):
            tr.values[k] = None if above is None else above.values.get(k)
