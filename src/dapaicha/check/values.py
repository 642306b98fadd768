"""A row's 整改类型, 整改期限, 整改结果 and 完成时间: read, then judged."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dapaicha.check.context import Context
from dapaicha.findings import C
from dapaicha.layout import DONE, IMMEDIATE, PLAN
from dapaicha.model import Row
from dapaicha.normalize import DateResult, VocabResult, clean_text, parse_date, vocab
from dapaicha.read.reader import TableRow

PUNCT_ONLY = re.compile(r"^[\s/／\\\-—–_.。、,，~～*×xX]*$")
_NOT_YET = ("无", "暂无", "未完成", "未整改", "正在整改", "整改中", "待定", "未定")


def placeholder(v: object) -> bool:
    """'/', '—', '无', '待定' typed where a date, a measure or a person belongs: blank."""
    t = clean_text(v)
    return t is not None and (PUNCT_ONLY.match(t) is not None or t in _NOT_YET)


def _why(raw: object) -> str:
    """Why a date cell cannot be read for sure, in the village's words."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return "是数字，无法确定日期（4.3 可能是 4月3日 或 4月30日）"
    return "无法确定具体日期"


@dataclass(slots=True)
class Values:
    """The vocabulary and date cells of one row, read (not yet judged)."""

    kind: VocabResult | None  # None: the table has no 整改类型 column
    result: VocabResult
    deadline: DateResult
    done_date: DateResult | None  # None: the table has no 完成时间 column

    def apply(self, row: Row) -> None:
        """Put the values that read into the row."""
        if self.kind is not None and self.kind.ok:
            row.kind = self.kind.value
        if self.result.ok:
            row.result = self.result.value
        if self.deadline.status == "ok":
            row.deadline = self.deadline.value
        if self.done_date is not None and self.done_date.status == "ok":
            row.done_date = self.done_date.value


def read_values(ctx: Context, tr: TableRow) -> Values:
    v, cols, voc, year = tr.values, ctx.ret.columns, ctx.cl.vocabularies, ctx.year
    dl = parse_date(None if placeholder(v.get("deadline")) else v.get("deadline"), year=year)
    dd_raw = None if placeholder(v.get("done_date")) else v.get("done_date")
    return Values(
        kind=vocab(v.get("kind"), voc.kind.lookup) if "kind" in cols else None,
        result=vocab(v.get("result"), voc.result.lookup),
        deadline=dl,
        done_date=parse_date(dd_raw, year=year) if "done_date" in cols else None,
    )


def check_values(ctx: Context, row: Row, tr: TableRow, vals: Values, *, complete: bool) -> None:
    """The rules on a problem row's 整改类型, 整改期限, 整改结果 and 完成时间.

    complete: a village's return, where blanks and implausible dates are findings too; a
    merged ledger (rows a lower tier accepted) is only checked for cells that cannot be read.
    """
    _check_kind(ctx, row, tr, vals.kind, complete)
    _check_deadline(ctx, row, tr, vals.deadline, complete)
    res, cell = vals.result, tr.addrs.get("result", "")
    if res.raw is None:
        if complete and "result" in ctx.ret.columns:  # no column: column-missing says it
            ctx.add(C.RESULT_MISSING, cell=cell, item=row.no)
    elif not res.ok:
        ctx.add(C.RESULT_INVALID, cell=cell, item=row.no, value=res.raw)
    if vals.done_date is not None:
        _check_done_date(ctx, row, tr, vals.done_date, complete)


def _check_kind(
    ctx: Context, row: Row, tr: TableRow, kind: VocabResult | None, complete: bool
) -> None:
    if ctx.ret.kind == "notice":
        row.kind = IMMEDIATE
    elif kind is not None and kind.raw is None:
        if complete:
            ctx.add(C.KIND_MISSING, cell=tr.addrs.get("kind", ""), item=row.no)
    elif kind is not None and not kind.ok:
        ctx.add(C.KIND_INVALID, cell=tr.addrs["kind"], item=row.no, value=kind.raw)


def _check_deadline(ctx: Context, row: Row, tr: TableRow, dl: DateResult, complete: bool) -> None:
    cell, no, camp = tr.addrs.get("deadline", ""), row.no, ctx.cl.campaign
    if dl.status == "blank":
        if complete and "deadline" in ctx.ret.columns:
            ctx.add(C.DEADLINE_MISSING, cell=cell, item=no)
    elif dl.status == "ambiguous":
        why = _why(tr.values.get("deadline"))
        ctx.add(C.DEADLINE_AMBIGUOUS, cell=cell, item=no, value=dl.raw, detail=why)
    elif dl.status == "open":
        if ctx.ret.kind == "notice":  # 长期/持续 in the notice's table: a long-term plan
            row.kind = PLAN
            end = camp.end.isoformat()
            ctx.add(C.DEADLINE_READ_AS_PLAN, cell=cell, item=no, value=dl.raw, expected=end)
        elif row.kind != PLAN:  # 长期 of a 立行立改: past the end, as any later date
            code = C.DEADLINE_AFTER_CAMPAIGN if row.kind == IMMEDIATE else C.DEADLINE_INVALID
            ctx.add(code, cell=cell, item=no, value=dl.raw, expected=camp.end.isoformat())
    elif dl.status == "invalid":
        ctx.add(C.DEADLINE_INVALID, cell=cell, item=no, value=dl.raw)
    elif row.deadline is not None and complete:
        _check_deadline_span(ctx, row, cell)


def _check_deadline_span(ctx: Context, row: Row, cell: str) -> None:
    """A readable 整改期限 within the campaign (立行立改 by its end)."""
    camp, no = ctx.cl.campaign, row.no
    assert row.deadline is not None
    value = row.deadline.isoformat()
    if row.deadline < camp.start:
        start = camp.start.isoformat()
        ctx.add(C.DEADLINE_BEFORE_START, cell=cell, item=no, value=value, expected=start)
    elif row.deadline > camp.end and row.kind == IMMEDIATE:
        end = camp.end.isoformat()
        if ctx.ret.kind == "notice":
            row.kind = PLAN
            ctx.add(C.DEADLINE_READ_AS_PLAN, cell=cell, item=no, value=value, expected=end)
        else:
            ctx.add(C.DEADLINE_AFTER_CAMPAIGN, cell=cell, item=no, value=value, expected=end)


def _check_done_date(ctx: Context, row: Row, tr: TableRow, dd: DateResult, complete: bool) -> None:
    cell, no = tr.addrs.get("done_date", ""), row.no
    if dd.status == "ambiguous":
        why = _why(tr.values.get("done_date"))
        ctx.add(C.DONE_DATE_AMBIGUOUS, cell=cell, item=no, value=dd.raw, detail=why)
    elif dd.status in ("invalid", "open"):
        ctx.add(C.DONE_DATE_INVALID, cell=cell, item=no, value=dd.raw)
    elif not complete:
        return
    elif row.result == DONE and dd.status == "blank":
        ctx.add(C.DONE_DATE_MISSING, cell=cell, item=no)
    elif row.done_date is not None:
        done = row.done_date.isoformat()
        if row.result not in (None, DONE):
            ctx.add(C.DONE_DATE_NOT_DONE, cell=cell, item=no, value=done)
        if ctx.report_date and row.done_date > ctx.report_date:
            report = ctx.report_date.isoformat()
            ctx.add(C.DONE_DATE_AFTER_REPORT, cell=cell, item=no, value=done, expected=report)
        elif row.done_date < (start := ctx.cl.campaign.start):  # a year typed wrong: 2021
            ctx.add(C.DONE_DATE_BEFORE_START, cell=cell, item=no, value=done, expected=str(start))
