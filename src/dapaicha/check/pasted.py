"""The whole table pasted a second time under the last item: the 序号 start again at the
first item and run through the items again. Only the first copy is read."""

from __future__ import annotations

from dapaicha.check.context import Context, item_number
from dapaicha.findings import C
from dapaicha.normalize import clean_text, squash
from dapaicha.read.reader import TableRow


def _shows(ctx: Context, tr: TableRow, no: int) -> bool:
    """A row of a copy of the table: it shows its item's text (rows typed under the table
    with their item's 序号 are further problems, not a copy)."""
    text = clean_text(tr.values.get("content")) if "content" in tr.values else None
    return "content" not in tr.values or (text is not None and squash(text) == ctx.cl_text[no])


def second_copy(ctx: Context) -> int:
    """The index in ret.rows where a second copy of the table starts; len(rows) if none.
    A second copy: after the last item's row, the first item's again, and from there at
    least half the items once more."""
    rows, nos = ctx.ret.rows, [item.no for _, item in ctx.cl.items]
    first, last = min(nos), max(nos)
    reached = False
    for i, tr in enumerate(rows):
        no = item_number(tr.no_raw)
        if no == last:
            reached = True
        elif reached and no == first:
            again = {
                n
                for t in rows[i:]
                if (n := item_number(t.no_raw)) in ctx.cl_text and _shows(ctx, t, n)
            }
            if len(again & set(nos)) * 2 >= len(nos):
                return i
    return len(rows)


def _answers(rows: list[TableRow]) -> list[tuple[object, ...]]:
    return [(r.no_raw, *r.values.values()) for r in rows]


def cut_second_copy(ctx: Context) -> None:
    """Drop a second copy of the table from ret.rows, said at its first row: a warning when
    it repeats the first copy exactly, an error when its answers differ (which is meant?)."""
    rows = ctx.ret.rows
    at = second_copy(ctx)
    if at == len(rows):
        return
    tr = rows[at]
    cell, first = tr.addrs.get("no", ""), item_number(tr.no_raw)
    same = _answers(rows[:at]) == _answers(rows[at:])
    code = C.TABLE_REPEATED if same else C.TABLE_REPEATED_CHANGED
    ctx.add(code, cell=cell, value=tr.row, expected=first)
    del rows[at:]
