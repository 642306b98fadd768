"""The check_* rules over one read Return; each appends findings and never raises."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dapaicha import layout
from dapaicha.config.checklist import Checklist
from dapaicha.findings import Finding, make
from dapaicha.model import Row
from dapaicha.normalize import clean_text, parse_date, parse_int, squash, vocab
from dapaicha.read.reader import Return, TableRow

# Columns a return must have, by layout kind.
REQUIRED = {
    "ledger": (
        "no",
        "content",
        "has_problem",
        "description",
        "measure",
        "kind",
        "deadline",
        "owner",
        "result",
        "done_date",
    ),
    "notice": ("no", "description", "measure", "deadline", "owner", "result"),
}


@dataclass
class Context:
    ret: Return
    cl: Checklist
    findings: list[Finding] = field(default_factory=list)
    report_date: dt.date | None = None

    @property
    def cl_text(self) -> dict[int, str]:
        return _item_texts(self.cl)

    def add(self, code: str, *, cell: str = "", item: int | None = None, **kw) -> None:
        self.findings.append(
            make(code, self.ret.file, sheet=self.ret.sheet, cell=cell, item=item, **kw)
        )


_TEXTS: dict[str, dict[int, str]] = {}


def _item_texts(cl: Checklist) -> dict[int, str]:
    """Squashed item texts, once per checklist."""
    key = cl.content_hash
    if key not in _TEXTS:
        _TEXTS[key] = {i.no: squash(i.content) for _, i in cl.items}
    return _TEXTS[key]


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
        ctx.add("checklist-mismatch", value=theirs, expected=ours)
    ok = True
    for key in REQUIRED[ctx.ret.kind]:
        if key not in ctx.ret.columns:
            ctx.add("column-missing", value=layout.BY_KEY[key].header)
            if key == "no":
                ok = False
    return ok


REPORTING_AFTER_END = dt.timedelta(days=366)


def check_report_date(ctx: Context) -> None:
    ret, camp = ctx.ret, ctx.cl.campaign
    raw = ret.report_date
    if isinstance(raw, str) and not re.sub(r"[\s年月日号_/.\-]", "", raw):
        raw = None  # the blank form "    年  月  日"
    r = parse_date(raw, year=camp.year)
    cell = ret.report_date_addr or (layout.DATE_CELL if ret.kind == "ledger" and ret.meta else "")
    if r.status == "blank":
        ctx.add("report-date-missing", cell=cell)
    elif r.status != "ok":
        ctx.add("report-date-invalid", cell=cell, value=r.raw)
    else:
        ctx.report_date = r.value
        if r.value < camp.start:
            ctx.add(
                "report-date-out-of-campaign",
                cell=cell,
                value=r.value.isoformat(),
                detail="早于行动开始日",
                expected=camp.start.isoformat(),
            )
        elif r.value > camp.end + REPORTING_AFTER_END:
            # weekly reports go on past the end for 纳入整改方案 items, not for years
            # (a mistyped year, or =TODAY() recalculated on opening)
            ctx.add(
                "report-date-out-of-campaign",
                cell=cell,
                value=r.value.isoformat(),
                detail="晚于行动结束日一年以上，行动结束日为",
                expected=camp.end.isoformat(),
            )


def check_signers(ctx: Context) -> None:
    camp = ctx.cl.campaign
    if camp.signatures_on_paper:
        return
    for title in camp.village_signers:
        value, addr = ctx.ret.signers.get(title, (None, ""))
        if clean_text(value) is None:
            ctx.add("signer-missing", cell=addr, value=title)


_PUNCT_ONLY = re.compile(r"^[\s/／\\\-—–_.。、,，~～*×xX]*$")
_NOT_YET = ("无", "暂无", "未完成", "未整改", "正在整改", "整改中", "待定", "未定")


def _placeholder(v: object) -> bool:
    """'/', '—', '无', '未完成' typed where a date belongs: the same as blank."""
    t = clean_text(v)
    return t is not None and (_PUNCT_ONLY.match(t) is not None or t in _NOT_YET)


def _why(raw: object) -> str:
    """Why a date cell cannot be read for sure, in the village's words."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return "是数字，无法确定日期（4.3 可能是 4月3日 或 4月30日）"
    return "无法确定具体日期"


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
        _PUNCT_ONLY.match(text) is not None
        or vocab(text, ctx.cl.vocabularies.yes_no.lookup).value == "否"
        or _NOTHING_FOUND.fullmatch(_END_PUNCT.sub("", text)) is not None
    )


def check_rows(ctx: Context) -> list[Row]:
    """Map table rows to checklist items, normalise them, apply the row rules."""
    ret, cl = ctx.ret, ctx.cl
    rows: list[Row] = []
    seen: dict[int, int] = {}
    for tr in ret.rows:
        x = tr.no_raw
        if x.__class__ is float and x.is_integer():
            no: int | None = int(x)
        elif x.__class__ is int:
            no = x
        else:
            n = parse_int(x)
            no = n.value if n.ok else None
        if no is None or no not in cl.by_no:
            ctx.add("item-unknown", cell=tr.addrs.get("no", ""), value=clean_text(tr.no_raw))
            continue
        seen[no] = seen.get(no, 0) + 1
        row = _check_row(ctx, tr, no, seen[no], rows)
        if row is not None:
            rows.append(row)
    for _, item in cl.items:
        if item.no not in seen:
            ctx.add("item-missing", item=item.no)
    return rows


_FILL_REST = ("description", "measure", "kind", "deadline", "owner", "result", "done_date", "note")
_N_REST = len(_FILL_REST)


def _plain_no(ctx: Context, tr: TableRow, no: int, seq: int) -> Row | None:
    """Fast path for the common row: 否 and nothing else filled."""
    v = tr.values
    hp = v.get("has_problem")
    if ctx.ret.kind != "ledger" or hp.__class__ is not str:
        return None
    rest = [v.get(k) for k in _FILL_REST]
    if rest.count(None) + rest.count("") != _N_REST:
        return None
    if hp != "否" and vocab(hp, ctx.cl.vocabularies.yes_no.lookup).value != "否":
        return None
    if seq == 1 and "content" in v:
        got = v["content"]
        if got != ctx.cl.by_no[no][1].content and squash(clean_text(got) or "") != ctx.cl_text[no]:
            return None
    return Row(no=no, seq=seq, has_problem="否", row=tr.row, cells=tr.addrs)


def _check_row(ctx: Context, tr: TableRow, no: int, seq: int, done: list[Row]) -> Row | None:
    fast = _plain_no(ctx, tr, no, seq)
    if fast is not None:
        return fast
    ret, cl, camp = ctx.ret, ctx.cl, ctx.cl.campaign
    voc = cl.vocabularies
    v, a = tr.values, tr.addrs
    row = Row(no=no, seq=seq, row=tr.row, cells=a)

    if ret.kind == "ledger" and "content" in v and seq == 1:
        got = clean_text(v["content"])
        if got is not None and squash(got) != ctx.cl_text[no]:
            ctx.add("item-text-altered", cell=a["content"], item=no, value=got)

    texts = {k: clean_text(v.get(k)) for k in ("description", "measure", "owner", "note")}
    if _is_no_answer(texts["description"], ctx):
        texts["description"] = None
    row.description, row.measure, row.owner, row.note = (
        texts["description"],
        texts["measure"],
        texts["owner"],
        texts["note"],
    )

    # 是否存在问题
    if ret.kind == "notice":
        row.has_problem = "是" if row.description else "否"
    else:
        hp = vocab(v.get("has_problem"), voc.yes_no.lookup)
        if hp.raw is None:
            first = next((r for r in done if r.no == no), None)
            filled = any(texts[k] for k in ("description", "measure"))
            if seq > 1 and filled and first is not None and first.is_problem:
                row.has_problem = "是"  # an inserted row under a problem item
            else:
                ctx.add("has-problem-blank", cell=a.get("has_problem", ""), item=no)
        elif not hp.ok:
            ctx.add("has-problem-invalid", cell=a["has_problem"], item=no, value=hp.raw)
        else:
            row.has_problem = hp.value

    kind = vocab(v.get("kind"), voc.kind.lookup) if "kind" in ret.columns else None
    if kind is not None and kind.ok:
        row.kind = kind.value
    res = vocab(v.get("result"), voc.result.lookup)
    if res.ok:
        row.result = res.value
    dl = parse_date(None if _placeholder(v.get("deadline")) else v.get("deadline"), year=camp.year)
    if dl.status == "ok":
        row.deadline = dl.value
    dd_raw = None if _placeholder(v.get("done_date")) else v.get("done_date")
    dd = parse_date(dd_raw, year=camp.year) if "done_date" in ret.columns else None
    if dd is not None and dd.status == "ok":
        row.done_date = dd.value

    if row.has_problem == "否":
        # "无" or "/" typed across a row without a problem is how many fill the form: blank
        filled = [
            layout.BY_KEY[k].header
            for k in ("description", "measure", "owner")
            if texts[k] and not _is_no_answer(texts[k], ctx)
        ]
        filled += [
            layout.BY_KEY[k].header
            for k, r in (("kind", kind), ("result", res))
            if r is not None and r.raw is not None and not _is_no_answer(clean_text(r.raw), ctx)
        ]
        filled += [
            layout.BY_KEY[k].header
            for k, r in (("deadline", dl), ("done_date", dd))
            if r is not None and r.status != "blank"
        ]
        if filled:
            ctx.add(
                "no-problem-filled",
                cell=a.get("has_problem", a["no"]),
                item=no,
                detail="“" + "”“".join(filled) + "”",
            )
        return row
    if row.has_problem != "是":
        return row

    for key, code in (
        ("description", "description-missing"),
        ("measure", "measure-missing"),
        ("owner", "owner-missing"),
    ):
        if not texts[key]:
            ctx.add(code, cell=a.get(key, ""), item=no)
    # 整改类型
    if ret.kind == "notice":
        row.kind = "立行立改"
    elif kind is not None and kind.raw is None:
        ctx.add("kind-missing", cell=a.get("kind", ""), item=no)
    elif kind is not None and not kind.ok:
        ctx.add("kind-invalid", cell=a["kind"], item=no, value=kind.raw)
    # 整改期限
    cell = a.get("deadline", "")
    if dl.status == "blank":
        ctx.add("deadline-missing", cell=cell, item=no)
    elif dl.status == "ambiguous":
        ctx.add(
            "deadline-ambiguous", cell=cell, item=no, value=dl.raw, detail=_why(v.get("deadline"))
        )
    elif dl.status == "open":
        if ret.kind == "notice":  # 长期/持续 in the notice's table: a long-term plan
            row.kind = "纳入整改方案"
            ctx.add(
                "deadline-read-as-plan",
                cell=cell,
                item=no,
                value=dl.raw,
                expected=camp.end.isoformat(),
            )
        elif row.kind != "纳入整改方案":
            ctx.add("deadline-invalid", cell=cell, item=no, value=dl.raw)
    elif dl.status == "invalid":
        ctx.add("deadline-invalid", cell=cell, item=no, value=dl.raw)
    elif row.deadline is not None:
        if row.deadline < camp.start:
            ctx.add(
                "deadline-before-start",
                cell=cell,
                item=no,
                value=row.deadline.isoformat(),
                expected=camp.start.isoformat(),
            )
        elif row.deadline > camp.end and row.kind == "立行立改":
            if ret.kind == "notice":
                row.kind = "纳入整改方案"
                ctx.add(
                    "deadline-read-as-plan",
                    cell=cell,
                    item=no,
                    value=row.deadline.isoformat(),
                    expected=camp.end.isoformat(),
                )
            else:
                ctx.add(
                    "deadline-after-campaign",
                    cell=cell,
                    item=no,
                    value=row.deadline.isoformat(),
                    expected=camp.end.isoformat(),
                )
    # 整改结果
    cell = a.get("result", "")
    if res.raw is None:
        ctx.add("result-missing", cell=cell, item=no)
    elif not res.ok:
        ctx.add("result-invalid", cell=cell, item=no, value=res.raw)
    # 完成时间
    if dd is not None:
        cell = a.get("done_date", "")
        if dd.status == "ambiguous":
            ctx.add(
                "done-date-ambiguous",
                cell=cell,
                item=no,
                value=dd.raw,
                detail=_why(v.get("done_date")),
            )
        elif dd.status in ("invalid", "open"):
            ctx.add("done-date-invalid", cell=cell, item=no, value=dd.raw)
        elif row.result == "已整改" and dd.status == "blank":
            ctx.add("done-date-missing", cell=cell, item=no)
        elif row.done_date is not None:
            if row.result not in (None, "已整改"):
                ctx.add("done-date-not-done", cell=cell, item=no, value=row.done_date.isoformat())
            if ctx.report_date and row.done_date > ctx.report_date:
                ctx.add(
                    "done-date-after-report",
                    cell=cell,
                    item=no,
                    value=row.done_date.isoformat(),
                    expected=ctx.report_date.isoformat(),
                )
    return row


def run(ret: Return, cl: Checklist) -> tuple[list[Row], list[Finding], dt.date | None]:
    """All rules over one return: (normalised rows, findings, 填报日期)."""
    ctx = Context(ret, cl)
    check_report_date(ctx)
    check_signers(ctx)
    rows = check_rows(ctx) if check_template(ctx) else []
    return rows, ctx.findings, ctx.report_date
