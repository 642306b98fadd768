"""The merged ledger workbook: written from one period's frames, read back as Submissions.

Sheets: layout.SHEET_MERGED (one row per problem of every village, as it stands in the
period: this period's return, else the last one carried forward, 本期未更新 = 是);
layout.SHEET_MERGED_META (very hidden, key/value rows: checklist, period, tier) and
layout.SHEET_MERGED_VILLAGES (hidden: every village covered, with or without problems).

A merged ledger is itself a return at the next tier: `read()` / `read_return()` give one
Submission per reported village (source_kind "merged", rows = its problems only, period =
the period its rows come from, sha256 = sha256(file bytes + village key)). A village with no
problems has no rows: every item of it reads as 否.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from dapaicha import __version__, excel, layout
from dapaicha.checklist import Checklist
from dapaicha.model import Row, Submission
from dapaicha.periods import Periods

if TYPE_CHECKING:
    from dapaicha.findings import Finding
    from dapaicha.reader import Return
    from dapaicha.roster import Roster
    from dapaicha.store_query import PeriodData

YES = "是"  # the merged ledger only lists rows whose 是否存在问题 is 是 (as model.Row.is_problem)
FORMAT_VERSION = "1"
_TITLE_ROW, _HEAD_ROW = 1, 2


def columns() -> list[tuple[str, str, float]]:
    """(key, header, width) of the merged sheet, left to right."""
    mid = [(k, layout.BY_KEY[k].header, layout.BY_KEY[k].width) for k in ("category", "no", "topic")]
    fill = [(c.key, c.header, c.width) for c in layout.COLUMNS if c.fill]
    return [*layout.MERGED_LEAD, *mid, layout.MERGED_SEQ, *fill, *layout.MERGED_TAIL]


def code_of(key: str) -> str:
    """The 12-digit code inside a village key ("" for a name key county/township/village)."""
    return "" if "/" in key else key


def tier_of(counties: list[str]) -> tuple[str, str]:
    """(tier, unit): 县 with the county's name when one county is covered, else 市 / 全市."""
    distinct = list(dict.fromkeys(c for c in counties if c))
    return ("县", distinct[0]) if len(distinct) == 1 else ("市", "全市")


def _zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _cell(ws: Worksheet, value: Any, font=excel.FONT_BODY, border=excel.BORDER, align=excel.WRAP) -> Any:
    c = excel.put(WriteOnlyCell(ws), value)
    c.font, c.border, c.alignment = font, border, align
    return c


@dataclass
class Written:
    path: Path
    tier: str
    unit: str
    villages: int
    problems: int


def write(path: Path | str, data: PeriodData, cl: Checklist, sources: dict[str, int] | None = None) -> Written:
    """Write the merged ledger of data.period. sources: village key → period of its rows."""
    sources = sources or {}
    periods = Periods(cl.campaign)
    vil, pro = data.villages, data.problems
    tier, unit = tier_of(vil["county"].tolist())
    cols = columns()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.SHEET_MERGED)
    ws.freeze_panes = f"A{_HEAD_ROW + 1}"
    for i, (_, _, width) in enumerate(cols):
        ws.column_dimensions[layout.column_letter(i)].width = width
    # A write-only sheet writes its properties with the first row: set them up before it.
    if not hasattr(ws, "PAPERSIZE_A4"):  # and it lacks the constant print_setup uses
        ws.PAPERSIZE_A4 = Worksheet.PAPERSIZE_A4  # type: ignore[attr-defined]
    excel.print_setup(ws, f"{_HEAD_ROW}:{_HEAD_ROW}")
    title = f"{layout.title_text(unit, cl.campaign.title)}（第{data.period}期，截至{_zh(data.deadline)}）"
    spread = Alignment(horizontal="centerContinuous", vertical="center")
    keys = [k for k, _, _ in cols]
    widths = [w for _, _, w in cols]
    ws.row_dimensions[_TITLE_ROW].height = 26
    ws.row_dimensions[_HEAD_ROW].height = _height([h for _, h, _ in cols], widths)
    ws.append([_cell(ws, title, excel.FONT_TITLE, excel.Border(), spread)] + [_cell(ws, None, excel.FONT_TITLE, excel.Border(), spread) for _ in cols[1:]])
    head = []
    for _, h, _ in cols:
        c = _cell(ws, h, excel.FONT_HEAD, excel.BORDER, excel.CENTER)
        c.fill = excel.HEAD_FILL
        head.append(c)
    ws.append(head)
    records = pro.to_dict("records")
    for i, r in enumerate(records):
        r["code"] = code_of(r["village_code"])
        r["carried"] = YES if r["carried"] else ""
        r["has_problem"] = YES
        values = [_value(r.get(k)) for k in keys]
        ws.row_dimensions[_HEAD_ROW + 1 + i].height = _height(values, widths)
        ws.append([_cell(ws, v) for v in values])
    last = layout.column_letter(len(cols) - 1)
    ws.auto_filter.ref = f"A{_HEAD_ROW}:{last}{_HEAD_ROW + max(len(records), 1)}"

    counts = pro.groupby("village_code").size().to_dict() if len(pro) else {}
    vs = wb.create_sheet(layout.SHEET_MERGED_VILLAGES)
    vs.sheet_state = "hidden"
    vs.append([h for _, h in layout.MERGED_VILLAGE_COLUMNS])
    for v in vil.to_dict("records"):
        src = sources.get(v["village_code"])
        on_time = periods.on_time(v["report_date"], src) if src else None
        rec = {
            **v,
            "code": code_of(v["village_code"]),
            "period": src,
            "on_time": "" if on_time is None else ("是" if on_time else "否"),
            "carried": YES if v["carried"] else "",
            "problems": int(counts.get(v["village_code"], 0)),
        }
        vs.append([excel.put(WriteOnlyCell(vs), _value(rec.get(k))) for k, _ in layout.MERGED_VILLAGE_COLUMNS])

    meta = wb.create_sheet(layout.SHEET_MERGED_META)
    meta.sheet_state = "veryHidden"
    for k, v in (
        ("format_version", FORMAT_VERSION),
        ("checklist_id", cl.id),
        ("checklist_hash", cl.content_hash),
        ("period", str(data.period)),
        ("period_start", data.start.isoformat()),
        ("deadline", data.deadline.isoformat()),
        ("tier", tier),
        ("unit", unit),
        ("villages", str(len(vil))),
        ("problems", str(len(pro))),
        ("tool_version", __version__),
    ):
        meta.append([excel.put(WriteOnlyCell(meta), k), excel.put(WriteOnlyCell(meta), v)])
    excel.save(wb, Path(path))
    return Written(Path(path), tier, unit, len(vil), len(pro))


def _height(values: list[Any], widths: list[float]) -> float:
    """Row height (points) that shows every wrapped text: a CJK character is two units wide."""
    lines = 1
    for v, w in zip(values, widths, strict=True):
        if isinstance(v, str) and v:
            units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in v)
            lines = max(lines, -(-units // max(int(w) - 1, 1)) + v.count("\n"))
    return min(13.5 * lines + 3, 409)


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, dt.date)):  # numpy scalar
        return v.item()
    return v


# --- reading ------------------------------------------------------------------


@dataclass
class Parsed:
    meta: dict[str, str]
    villages: list[dict[str, Any]]  # one per village, keys of layout.MERGED_VILLAGE_COLUMNS + key, cell
    rows: dict[str, list[Row]]  # village key → its problem rows
    findings: list[Finding] = field(default_factory=list)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _int(v: Any) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() and f >= 1 else None


def parse(data: bytes, name: str, cl: Checklist | None = None) -> Parsed:
    """The three sheets of a merged ledger; bad cells become findings (errors)."""
    from dapaicha.findings import make
    from dapaicha.normalize import parse_date, vocab
    from dapaicha.store import village_key

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        meta = {_text(r[0]): _text(r[1]) for r in wb.get_sheet_by_name(layout.SHEET_MERGED_META).to_python() if len(r) >= 2 and _text(r[0])}
        grid = wb.get_sheet_by_name(layout.SHEET_MERGED).to_python(skip_empty_area=False)
        vgrid = wb.get_sheet_by_name(layout.SHEET_MERGED_VILLAGES).to_python(skip_empty_area=False) if layout.SHEET_MERGED_VILLAGES in wb.sheet_names else []
    finally:
        wb.close()
    out = Parsed(meta, [], {})
    year = dt.date.fromisoformat(meta["deadline"]).year if meta.get("deadline") else (cl.campaign.year if cl else 2000)
    vocabs = {"kind": cl.vocabularies.kind.lookup, "result": cl.vocabularies.result.lookup} if cl else {}

    def add(code: str, cell: str, sheet: str = layout.SHEET_MERGED, **kw: Any) -> None:
        out.findings.append(make(code, name, sheet=sheet, cell=cell, **kw))

    vkeys = {h: k for k, h in layout.MERGED_VILLAGE_COLUMNS}
    if vgrid:
        vcol = {vkeys[_text(h)]: i for i, h in enumerate(vgrid[0]) if _text(h) in vkeys}
        for r0, row in enumerate(vgrid[1:], start=1):
            rec = {k: (row[i] if i < len(row) else None) for k, i in vcol.items()}
            if not any(_text(rec.get(k)) for k in ("code", "village")):
                continue
            rec = {k: _text(v) if k not in ("report_date",) else v for k, v in rec.items()}
            rec["period"] = _int(rec.get("period"))
            d = parse_date(rec.get("report_date"), year=year)
            rec["report_date"] = d.value
            if not d.ok and d.status != "blank":
                add("report-date-invalid", layout.address(r0, vcol["report_date"]), layout.SHEET_MERGED_VILLAGES, value=d.raw)
            rec["key"] = village_key(rec.get("code", ""), rec.get("county", ""), rec.get("township", ""), rec.get("village", ""))
            rec["cell"] = layout.address(r0, vcol.get("village", 0))
            out.villages.append(rec)

    headers = {h: k for k, h, _ in columns()}
    hr = next((i for i, row in enumerate(grid[:10]) if sum(_text(x) in headers for x in row) >= 5), None)
    if hr is None:
        add("not-a-ledger", "")
        return out
    col = {headers[_text(h)]: i for i, h in enumerate(grid[hr]) if _text(h) in headers}
    for key in ("county", "township", "village", "no", "seq"):
        if key not in col:
            add("column-missing", "", value=dict((k, h) for k, h, _ in columns())[key])
    if out.findings:
        return out
    known = {v["key"] for v in out.villages}
    for r0 in range(hr + 1, len(grid)):
        row = grid[r0]

        def get(k: str, row: list = row) -> Any:
            i = col.get(k)
            return row[i] if i is not None and i < len(row) else None

        if not any(_text(x) for x in row):
            continue
        at = {k: layout.address(r0, i) for k, i in col.items()}
        no, seq = _int(get("no")), _int(get("seq")) or 1
        if no is None or (cl is not None and no not in cl.by_no):
            add("item-unknown", at["no"], value=_text(get("no")))
            continue
        r = Row(no=no, seq=seq, has_problem=YES, row=r0 + 1, cells={k: at[k] for k in at if k in layout.BY_KEY or k == "seq"})
        for k in ("description", "measure", "owner", "note", "kind", "result"):
            setattr(r, k, _text(get(k)) or None)
        for k in ("kind", "result"):
            if k in vocabs and getattr(r, k) is not None:
                v = vocab(getattr(r, k), vocabs[k])
                if not v.ok:
                    add(f"{k}-invalid", at[k], item=no, value=v.raw)
                setattr(r, k, v.value)
        for k, code in (("deadline", "deadline-invalid"), ("done_date", "done-date-invalid")):
            d = parse_date(get(k), year=year)
            if not d.ok and d.status != "blank":
                add(code, at.get(k, ""), item=no, value=d.raw)
            setattr(r, k, d.value)
        key = village_key(_text(get("code")), _text(get("county")), _text(get("township")), _text(get("village")))
        out.rows.setdefault(key, []).append(r)
        if key not in known:
            known.add(key)
            out.villages.append(
                {"key": key, "code": _text(get("code")), "county": _text(get("county")), "township": _text(get("township")),
                 "village": _text(get("village")), "period": _int(get("period")), "report_date": None, "file": "", "cell": at["village"]}
            )  # fmt: skip
    return out


def _submission(p: Parsed, v: dict[str, Any], name: str, data: bytes, names: tuple[str, str, str, str], accepted: bool, errors: int, warnings: int) -> Submission:
    code, county, township, village = names
    return Submission(
        file=name,
        sha256=hashlib.sha256(data + v["key"].encode()).hexdigest(),
        village_code=code,
        county=county,
        township=township,
        village=village,
        report_date=v.get("report_date"),
        accepted=accepted,
        errors=errors,
        warnings=warnings,
        rows=sorted(p.rows.get(v["key"], []), key=lambda r: (r.no, r.seq)),
        source_kind="merged",
        period=v.get("period") or _int(p.meta.get("period")),
        sheet=layout.SHEET_MERGED,
    )


def _reported(p: Parsed) -> list[dict[str, Any]]:
    """Villages with rows behind them: a source period (or problem rows)."""
    return [v for v in p.villages if v.get("period") or p.rows.get(v["key"])]


def read(path: Path | str, cl: Checklist | None = None) -> list[Submission]:
    """One Submission per reported village of a merged ledger (names as written in it)."""
    path = Path(path)
    data = path.read_bytes()
    p = parse(data, path.name, cl)
    errors = sum(f.severity == "error" for f in p.findings)
    return [
        _submission(p, v, path.name, data, (v["key"], v["county"], v["township"], v["village"]), errors == 0, errors, len(p.findings) - errors)
        for v in _reported(p)
    ]


def read_return(ret: Return, cl: Checklist, roster: Roster) -> tuple[list[Submission], list[Finding]]:
    """validate's hook: a merged ledger → its villages' Submissions (roster spelling) and findings."""
    from dapaicha.findings import make

    p = parse(ret.data, ret.file, cl)
    found = list(p.findings)
    if p.meta.get("checklist_id") != cl.id or p.meta.get("checklist_hash") != cl.content_hash:
        found.insert(0, make("checklist-mismatch", ret.file, value=p.meta.get("checklist_id", ""), expected=cl.id))
    named: list[tuple[dict[str, Any], tuple[str, str, str, str]]] = []
    for v in _reported(p):
        hit = roster.find(code=v["code"] or None, county=v["county"], township=v["township"], village=v["village"])
        if hit is None:
            full = v["county"] + v["township"] + v["village"]
            found.append(make("village-not-in-roster", ret.file, sheet=layout.SHEET_MERGED_VILLAGES, cell=v.get("cell", ""), value=full))
            continue
        named.append((v, (hit.code or hit.key, hit.county, hit.township, hit.village)))
    errors = sum(f.severity == "error" for f in found)
    subs = [_submission(p, v, ret.file, ret.data, n, errors == 0, errors, len(found) - errors) for v, n in named]
    return subs, found
