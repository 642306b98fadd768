"""The check_* rules over one read Return; each appends findings and never raises."""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable

from dapaicha import layout
from dapaicha.check import ditto, totals
from dapaicha.check.context import Context, item_number, item_of_text, item_texts
from dapaicha.check.pasted import cut_second_copy
from dapaicha.check.several import numbered
from dapaicha.check.values import PUNCT_ONLY, Values, check_values, placeholder, read_values
from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import REPORTING_AFTER_END
from dapaicha.findings import C, Finding
from dapaicha.layout import NO, YES, address
from dapaicha.model import Row
from dapaicha.normalize import (
    DateResult,
    blank_date,
    clean_text,
    parse_date,
    squash,
    vocab,
)
from dapaicha.numerals import number_runs
from dapaicha.read import split
from dapaicha.read.reader import Return, TableRow

# Columns a return must have, by layout kind.
REQUIRED = {
    "ledger": ("no", "content", "has_problem", *layout.CONTENT_KEYS),
    "notice": ("no", "description", "measure", "deadline", "owner", "result"),
}


_CONTENTS: dict[str, tuple[dict[int, str], dict[int, str]]] = {}


def _contents(cl: Checklist) -> tuple[dict[int, str], dict[int, str]]:
    """Item texts as the checklist has them, and those of them that, copied as they are,
    read as unaltered (most, or all): once per checklist."""
    key = cl.content_hash
    if key not in _CONTENTS:
        every, texts = {i.no: i.content for _, i in cl.items}, item_texts(cl)
        same = {no: t for no, t in every.items() if squash(clean_text(t) or "") == texts[no]}
        _CONTENTS[key] = every, same
    return _CONTENTS[key]


def check_template(ctx: Context) -> bool:
    """Checklist id/hash of the template and required columns; False if rows can't be read."""
    m, cl = ctx.ret.meta, ctx.cl
    if m.get("checklist_id") and (
        m.get("checklist_id") != cl.id or m.get("checklist_hash") != cl.content_hash
    ):
        theirs, ours = m.get("checklist_id", ""), cl.id
        if theirs == ours:  # same name, other content (the county edited checklist.yaml)
            theirs += f"，内容版本 {(m.get('checklist_hash') or '无')[:8]}"
            ours += f"，内容版本 {cl.content_hash[:8]}"
        ctx.add(C.CHECKLIST_MISMATCH, value=theirs, expected=ours)
    required = {k: layout.BY_KEY[k].header for k in REQUIRED[ctx.ret.kind]}
    return "no" not in check_columns(ctx, required)


def check_columns(ctx: Context, required: dict[str, str]) -> list[str]:
    """column-missing for each required column (key → header) the table lacks; their keys."""
    missing = [k for k in required if k not in ctx.ret.columns]
    for key in missing:
        c, text = _in_its_place(ctx.ret, key)
        at = address(ctx.ret.header_row - 1, c) if text else ""
        ctx.add(C.COLUMN_MISSING, cell=at, value=required[key],
                detail=f"（此处表头为“{text}”，无法识别）" if text else "")  # fmt: skip
    return missing


_ORDER = [c.key for c in layout.COLUMNS]


def _in_its_place(ret: Return, key: str) -> tuple[int, str]:
    """The one header past recognition standing where a missing column belongs (between the
    columns found before and after it in the template's order); (-1, "") when not one."""
    if ret.kind != "ledger" or key not in _ORDER:
        return -1, ""  # a merged ledger's own columns: its own order
    i, cols = _ORDER.index(key), ret.columns
    left = max((cols[k] for k in _ORDER[:i] if k in cols), default=-1)
    right = min((cols[k] for k in _ORDER[i + 1 :] if k in cols), default=1 << 16)
    there = [(c, text) for c, text in ret.unread if left < c < right]
    return there[0] if len(there) == 1 else (-1, "")


def read_report_date(ctx: Context, raw: object, cell: str, sheet: str | None = None) -> DateResult:
    """A 填报日期 read; report-date-invalid when written but unreadable."""
    if blank_date(raw):
        raw = None  # the blank form "    年  月  日"
    r = parse_date(raw, year=ctx.year)
    if r.status not in ("blank", "ok"):
        ctx.add(C.REPORT_DATE_INVALID, cell=cell, value=r.raw, sheet=sheet)
    return r


def report_date_cell(ret: Return) -> str:
    """The cell of a return's 填报日期: where it was read, else the generated ledger's."""
    return ret.report_date_addr or (layout.DATE_CELL if ret.kind == "ledger" and ret.meta else "")


def check_report_date(ctx: Context) -> None:
    ret, camp = ctx.ret, ctx.cl.campaign
    cell = report_date_cell(ret)
    r = read_report_date(ctx, ret.report_date, cell)
    if r.status == "blank":
        ctx.add(C.REPORT_DATE_MISSING, cell=cell)
    elif r.status == "ok" and r.value is not None:
        ctx.report_date = r.value
        if r.value < camp.start:
            ctx.add(
                C.REPORT_DATE_OUT_OF_CAMPAIGN,
                cell=cell,
                value=r.value.isoformat(),
                detail="早于行动开始日",
                expected=camp.start.isoformat(),
            )
        elif r.value > camp.end + REPORTING_AFTER_END:
            # weekly reports go on past the end for 纳入整改方案 items, not for years
            # (a mistyped year, or =TODAY() recalculated on opening)
            ctx.add(
                C.REPORT_DATE_OUT_OF_CAMPAIGN,
                cell=cell,
                value=r.value.isoformat(),
                detail="晚于行动结束日一年以上，行动结束日为",
                expected=camp.end.isoformat(),
            )


# The printed form's mark where a name is to be signed: （签字）, (签名), 手签, 盖章
_SIGN_MARK = re.compile(r"[（(]?\s*(?:签字|签名|手签|签章|盖章)\s*[)）]?")


def _no_name(value: object, titles: frozenset[str] = frozenset()) -> bool:
    """A signer's cell holding no name: blank, or only a mark or a placeholder (/, 无, ___),
    or only a signer's title (组长, 第一书记: the label typed again where the name goes)."""
    text = clean_text(value)
    if text is None:
        return True
    rest = _SIGN_MARK.sub("", text).strip()
    bare = "".join(rest.split()).strip("：:")
    return not bare or placeholder(rest) or bare in ("待", "未", "待签", "未签") or bare in titles


def check_signers(ctx: Context) -> None:
    camp = ctx.cl.campaign
    if camp.signatures_on_paper:
        return
    titles = frozenset(t for label in camp.signer_labels for t in label.split("|"))
    for title in camp.village_signers:
        value, addr = ctx.ret.signers.get(title, (None, ""))
        if _no_name(value, titles):
            ctx.add(C.SIGNER_MISSING, cell=addr, value=title)


# "Nothing found" in a village's words: 暂未发现, 该项无问题, 经排查未发现此类问题, 正常 …
_NOTHING_FOUND = re.compile(
    r"(?:经(?:排查|核查|自查|检查|核实)[，,]?)?(?:该项|此项|本项|本村|我村)?(?:暂|均|目前|尚)?"
    r"(?:未发现|没发现|没有发现|未见|无|没有|不存在)(?:此类|该类|相关|类似|此|该|上述)?"
    r"(?:问题|情况|现象|情形)?(?:存在)?|正常|无异常|情况正常"
)
_END_PUNCT = re.compile(r"[\s。.，,；;、/／!！]+$")


def _is_no_answer(text: str | None, ctx: Context) -> bool:
    """'无', '暂无', '/', '该项无问题' typed as a description: the same as blank."""
    if text is None:
        return False
    return (
        PUNCT_ONLY.match(text) is not None
        or vocab(text, ctx.cl.vocabularies.yes_no.lookup).value == NO
        or _NOTHING_FOUND.fullmatch(_END_PUNCT.sub("", text)) is not None
    )


def check_rows(ctx: Context) -> list[Row]:
    """Map table rows to checklist items, normalise them, apply the row rules."""
    cut_second_copy(ctx)  # the table pasted twice: the first copy read
    ret, cl = ctx.ret, ctx.cl
    rows: list[Row] = []
    seen: dict[int, int] = {}
    plain = _plain_no(ctx)
    by_no = cl.by_no
    above: TableRow | None = None
    for tr in ret.rows:
        x = tr.no_raw
        if not (x.__class__ is float and x.is_integer() and (no := int(x)) in by_no):
            if above is not None and ditto.is_ditto(x):
                tr.no_raw = above.no_raw  # 同上 for the 序号: a further problem of the item
            if totals.is_total(tr) or (got := check_item_no(ctx, tr)) is None:
                continue  # (the usual 序号 aside)
            no = got
        elif not tr.values.get("no") and totals.is_total(tr):
            continue  # a 合计 line: its 序号 blank, the item above's taken
        tr_above, above = above, tr
        seq = seen[no] = seen.get(no, 0) + 1
        row = plain(tr, no, seq) if plain is not None else None
        if row is None:
            ditto.resolve(tr, tr_above)
            row = _check_row(ctx, tr, no, seq, rows)
        rows.append(row)
    _check_missing(ctx, [item.no for _, item in cl.items if item.no not in seen])
    _check_repeated(ctx, rows)
    return rows


MISSING_ONE_BY_ONE = 3  # more items missing than this: said once, as runs (1—2、4—6)


def _check_missing(ctx: Context, missing: list[int]) -> None:
    """item-missing per item, or once for many (only the 是 rows kept: not 64 lines)."""
    total = len(ctx.cl.items)
    if len(missing) <= MISSING_ONE_BY_ONE:
        for no in missing:
            ctx.add(C.ITEM_MISSING, item=no, value=no, detail=f"第 {no} 项", expected=total)
        return
    runs = number_runs(missing)  # in the detail: a value is cut at 60 characters
    detail = f"第 {runs} 项（共{len(missing)}项；没有问题的项也须逐行填“否”）"
    ctx.add(C.ITEM_MISSING, value=runs, detail=detail, expected=total)


def _check_repeated(ctx: Context, rows: list[Row]) -> None:
    """A problem row alike in every column to one above it (pasted twice): both count."""
    seen: dict[tuple[object, ...], Row] = {}
    for r in rows:
        if r.is_problem and r.description:
            v = r.stored()
            first = seen.setdefault((v[0], *v[2:11]), r)  # but seq and where it stands
            if first is not r:
                ctx.add(C.PROBLEM_REPEATED, cell=r.source_cell, item=r.no, expected=first.row)


def check_item_no(ctx: Context, tr: TableRow) -> int | None:
    """The checklist item of a row's 序号; None, with item-unknown, when there is none."""
    no = item_number(tr.no_raw)
    if no is None or no not in ctx.cl.by_no:
        ctx.add(C.ITEM_UNKNOWN, cell=tr.addrs.get("no", ""), value=clean_text(tr.no_raw))
        return None
    return no


_FILL_REST = ("description", "measure", "kind", "deadline", "owner", "result", "done_date", "note")
_REST_OF = operator.itemgetter(*_FILL_REST)
_Plain = Callable[[TableRow, int, int], "Row | None"]


def _plain_no(ctx: Context) -> _Plain | None:
    """Fast path for the common row of a ledger (否 and nothing else filled): a function
    (row, item, seq) → its Row, or None for a row the full rules must read."""
    if ctx.ret.kind != "ledger":
        return None
    content = _contents(ctx.cl)[0]
    texts, yes_no = ctx.cl_text, ctx.cl.vocabularies.yes_no.lookup

    def plain(tr: TableRow, no: int, seq: int) -> Row | None:
        v = tr.values
        hp = v.get("has_problem")
        if hp.__class__ is not str:
            return None
        try:
            rest = _REST_OF(v)
        except KeyError:  # a column the table lacks: blank
            rest = tuple(map(v.get, _FILL_REST))
        if rest.count(None) + rest.count("") != len(rest):
            return None
        if hp != NO and vocab(hp, yes_no).value != "否":
            return None
        if "content" in v and (got := v["content"]) != content[no]:
            if seq == 1 and squash(clean_text(got) or "") != texts[no]:
                return None
            if seq > 1 and got not in (None, ""):  # another item's text: its 序号 changed?
                return None
        return Row(no, seq, NO, row=tr.row, cells=tr.addrs)

    return plain


def _check_row(ctx: Context, tr: TableRow, no: int, seq: int, done: list[Row]) -> Row:
    row = Row(no=no, seq=seq, row=tr.row, cells=tr.addrs)
    if ctx.ret.kind == "ledger":
        _check_item_text(ctx, tr, no, moved_only=seq > 1)
    texts = {k: clean_text(tr.values.get(k)) for k in _TEXT_KEYS}
    if _is_no_answer(texts["description"], ctx):
        texts["description"] = None
    _set_texts(row, texts)
    row.has_problem = _has_problem(ctx, tr, no, seq, texts, done)
    vals = read_values(ctx, tr)
    vals.apply(row)
    if row.has_problem == NO:
        _check_no_problem_filled(ctx, tr, no, texts, vals)
    elif row.has_problem == YES:
        for key, code in _REQUIRED_TEXTS:  # a column the table lacks: column-missing says it
            if key in ctx.ret.columns and (not texts[key] or placeholder(texts[key])):
                ctx.add(code, cell=tr.addrs.get(key, ""), item=no)
        if texts["description"] and (n := numbered(texts["description"])):
            cell = tr.addrs.get("description", "")
            ctx.add(C.PROBLEMS_IN_ONE_ROW, cell=cell, item=no, value=n)
        check_values(ctx, row, tr, vals, complete=True)
    return row


_TEXT_KEYS = ("description", "measure", "owner", "note")
_REQUIRED_TEXTS = (
    ("description", C.DESCRIPTION_MISSING),
    ("measure", C.MEASURE_MISSING),
    ("owner", C.OWNER_MISSING),
)


# One name of two or three characters spaced out to line up: 张 三, 张\u3000三, 欧阳 明
_NAME = re.compile(r"[\u4e00-\u9fff]{2,3}")


def _set_texts(row: Row, texts: dict[str, str | None]) -> None:
    row.description, row.measure = texts["description"], texts["measure"]
    owner = texts["owner"]
    if owner is not None and _NAME.fullmatch(name := "".join(owner.split())):
        owner = name
    row.owner, row.note = owner, texts["note"]


def _check_item_text(ctx: Context, tr: TableRow, no: int, moved_only: bool = False) -> None:
    """The item's 排查内容 as the village's copy shows it, against the checklist; on a
    further row of an item (moved_only), only another item's text: its 序号 was changed."""
    if "content" not in tr.values or tr.values["content"] == _contents(ctx.cl)[1].get(no):
        return
    got = clean_text(tr.values["content"])
    if got is not None and (text := squash(got)) != (want := ctx.cl_text[no]):
        if text.rstrip(_LAST_STOP) == want.rstrip(_LAST_STOP):
            return  # only its last full stop deleted or retyped
        other = item_of_text(ctx.cl).get(text)  # another item's text: the 序号 was moved
        if moved_only and not other:
            return
        why = _MOVED.format(other, no) if other else "，请恢复原文（不得修改排查内容）。"
        ctx.add(C.ITEM_TEXT_ALTERED, cell=tr.addrs["content"], item=no, value=got, detail=why)


_LAST_STOP = "。.；;，,、"
_MOVED = (
    "：这是第{}项的排查内容，序号却填为{}，请改回原来的序号"
    "（同一项有多个问题时，插入行并填写相同序号，不要拖动填充或合并序号单元格）。"
)


def _has_problem(
    ctx: Context,
    tr: TableRow,
    no: int,
    seq: int,
    texts: dict[str, str | None],
    done: list[Row],
) -> str | None:
    """是否存在问题 as a canonical word (a notice: 是 when a problem is described)."""
    if ctx.ret.kind == "notice" or "has_problem" not in ctx.ret.columns:  # (column-missing)
        return YES if texts["description"] else NO
    a = tr.addrs
    hp = vocab(tr.values.get("has_problem"), ctx.cl.vocabularies.yes_no.lookup)
    first = next((r for r in done if r.no == no), None) if seq > 1 else None
    if hp.raw is None:
        unticked = ctx.ret.unticked.get((tr.row, "has_problem"))
        if unticked is not None and not split.neither(unticked[1]):
            ctx.add(C.HAS_PROBLEM_TICKS, cell=unticked[0], item=no, detail=unticked[1])
            return None  # both ticked, or a mark that is no tick: never guessed
        filled = any(texts[k] for k in ("description", "measure"))
        if filled and first is not None and first.is_problem:
            return YES  # an inserted row under a problem item (split: neither ticked too)
        if unticked is not None:  # neither ticked
            ctx.add(C.HAS_PROBLEM_TICKS, cell=unticked[0], item=no, detail=unticked[1])
            return None
        ctx.add(C.HAS_PROBLEM_BLANK, cell=a.get("has_problem", ""), item=no)
        return None
    if not hp.ok:
        ctx.add(C.HAS_PROBLEM_INVALID, cell=a["has_problem"], item=no, value=hp.raw)
        return None
    if hp.value == YES and first is not None and not first.is_problem and not tr.values.get("no"):
        ctx.add(C.ITEM_NO_BLANK, cell=a.get("no", ""), value=no)  # 插入行 above the next item
    return hp.value


_TABLE_WIDE = frozenset({"owner", "kind", "deadline", "result", "done_date"})


def _check_no_problem_filled(
    ctx: Context, tr: TableRow, no: int, texts: dict[str, str | None], vals: Values
) -> None:
    """A row answered 否 with other cells filled ("无" or "/" across it is blank). A 责任人,
    整改类型, 期限, 结果 or 完成时间 merged over several rows (one 责任人 for the whole table)
    is the table's, not the row's; a description or a measure is always the row's."""
    down, cols, r0 = ctx.ret.merged_down, ctx.ret.columns, tr.row - 1
    own = {k for k in _FILL_REST if k not in _TABLE_WIDE or (r0, cols.get(k, -1)) not in down}
    filled = [
        layout.BY_KEY[k].header
        for k in ("description", "measure", "owner")
        if k in own and texts[k] and not _is_no_answer(texts[k], ctx)
    ]
    filled += [
        layout.BY_KEY[k].header
        for k, r in (("kind", vals.kind), ("result", vals.result))
        if k in own
        and r is not None
        and r.raw is not None
        and not _is_no_answer(clean_text(r.raw), ctx)
    ]
    filled += [
        layout.BY_KEY[k].header
        for k, r in (("deadline", vals.deadline), ("done_date", vals.done_date))
        if k in own and r is not None and r.status != "blank"
    ]
    if filled:
        a = tr.addrs
        ctx.add(
            C.NO_PROBLEM_FILLED,
            cell=a.get("has_problem", a["no"]),
            item=no,
            detail="“" + "”“".join(filled) + "”",
        )


def run(ret: Return, cl: Checklist) -> tuple[list[Row], list[Finding], dt.date | None]:
    """All rules over one return: (normalised rows, findings, 填报日期)."""
    ctx = Context(ret, cl)
    check_report_date(ctx)
    check_signers(ctx)
    rows = check_rows(ctx) if check_template(ctx) else []
    return rows, ctx.findings, ctx.report_date
