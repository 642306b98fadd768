"""A merged ledger read back (read/merged.py), checked with the village row rules.

Its rows are problems a lower tier accepted: values.check_values judges their cells with
the code that judges a village's return, without the completeness rules (complete=False).
One Submission per reported village: source_kind "merged", rows = its problems only,
period = the period its rows come from, sha256 = sha256(file bytes + village key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dapaicha import layout
from dapaicha.check import rules, values
from dapaicha.check.context import Context
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.findings import C, Finding, make
from dapaicha.model import Cells, Row, Status, Submission, village_key
from dapaicha.normalize import clean_text
from dapaicha.read import book
from dapaicha.read.merged import (
    COUNTY_ITEMS,
    MergedLedger,
    VillageLine,
    cell_sums,
    is_sum_key,
    read_bytes,
    sums,
    text,
)
from dapaicha.read.reader import Return, TableRow

MISSING = {  # a sheet of the merged ledger not found → what the clerk is told
    layout.SHEET_MERGED: "找不到“{}”表，被改名或删除",
    layout.SHEET_MERGED_META: "隐藏的元数据表“{}”被删除",
}
IDENTITY = ("county", "township", "village", "no", "seq")  # columns a merged sheet must have
_ROW_CELLS = (*layout.BY_KEY, "seq")  # the columns a Row keeps the address of


@dataclass
class Checked:
    meta: dict[str, str]
    # one per village: the keys of layout.MERGED_VILLAGE_COLUMNS, plus key and cell
    villages: list[dict[str, Any]]
    rows: dict[str, list[Row]]  # village key → its problem rows
    findings: list[Finding] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # its sheets not found


def _int(v: Any) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() and f >= 1 else None


def check(m: MergedLedger, name: str, cl: Checklist) -> Checked:
    """The villages and problem rows of a merged ledger; bad cells become findings."""
    year = dt.date.fromisoformat(m.meta["deadline"]).year if m.meta.get("deadline") else 0
    ret = Return(name, "", b"", kind="merged", sheet=layout.SHEET_MERGED, columns=m.columns or {})
    ctx = Context(ret, cl, year=year)
    out = Checked(m.meta, [_village(ctx, line) for line in m.villages], {}, missing=m.missing)
    out.findings = ctx.findings
    if m.missing:  # a sheet renamed or deleted: edited, whatever else it holds
        sheet = m.missing[-1]
        ctx.add(C.MERGED_EDITED, sheet=sheet, detail=MISSING.get(sheet, "").format(sheet))
        return out
    if m.columns is None:
        ctx.add(C.NOT_A_LEDGER)
        return out
    heads = {k: h for k, h, _ in layout.merged_columns()}
    rules.check_columns(ctx, {k: heads[k] for k in IDENTITY})
    if ctx.findings:
        return out
    known = {v["key"] for v in out.villages}
    county = _county_nos(m.meta, cl)
    letters = {k: layout.column_letter(i) for k, i in m.columns.items() if k in _ROW_CELLS}
    for tr in m.rows:
        if _int(tr.no_raw) in county:
            continue  # a county's own item: not among the city's figures
        gone = _removed_no(ctx, tr)
        no = gone or rules.check_item_no(ctx, tr)
        if no is None:
            continue
        row = _row(ctx, tr, no, Cells(letters, tr.row))
        if gone:  # a removed item's problem: stored again under -(its old 序号)
            row.no, row.note = -gone, (row.note or "").removeprefix(layout.REMOVED_NOTE) or None
        v = {k: text(tr.values.get(k)) for k in ("code", "county", "township", "village")}
        key = village_key(v["code"], v["county"], v["township"], v["village"])
        out.rows.setdefault(key, []).append(row)
        if key not in known:
            known.add(key)
            period = _int(tr.values.get("period"))
            cell = tr.addrs["village"]
            out.villages.append(
                {"key": key, **v, "period": period, "report_date": None, "file": "", "cell": cell}
            )
    _verify(ctx, m)
    return out


def _county_nos(meta: dict[str, str], cl: Checklist) -> set[int]:
    """The county's own items of a county's merged ledger that cl does not have."""
    raw = meta.get(COUNTY_ITEMS, "")
    got = {_int(x) for x in raw.split(",") if x.strip()}
    return {n for n in got if n is not None and n not in cl.by_no}


def _removed_no(ctx: Context, tr: TableRow) -> int | None:
    """The old 序号 of a row the merged ledger lists under an item a revision removed."""
    if not (clean_text(tr.values.get("note")) or "").startswith(layout.REMOVED_NOTE):
        return None
    n = _int(tr.no_raw)
    return n if n in ctx.cl.removed else None


def _verify(ctx: Context, m: MergedLedger) -> None:
    """The checksums merge wrote: none (an older dapaicha) is a warning; a mismatch is an
    error naming the first changed cell that can be found."""
    if "rows_sha256" not in m.meta:
        ctx.add(C.MERGED_UNSIGNED)
        return
    got = sums(m)
    if all(m.meta.get(k) == v for k, v in got.items()) and len(got) == sum(
        is_sum_key(k) for k in m.meta
    ):
        return
    sheet, cell = _first_change(m, got)
    where = "首处不符即此单元格" if cell else "首处不符在此表"  # the place leads the message
    ctx.add(C.MERGED_EDITED, sheet=sheet, cell=cell, detail=where)


def _first_change(m: MergedLedger, got: dict[str, str]) -> tuple[str, str]:
    if m.meta.get("meta_sha256") != got["meta_sha256"]:
        return layout.SHEET_MERGED_META, ""
    if m.meta.get("villages_sha256") != got["villages_sha256"]:
        return layout.SHEET_MERGED_VILLAGES, ""
    chunks = sorted((k for k in m.meta if k.startswith("cell_sums.")), key=_chunk)
    stored = "".join(m.meta[k] for k in chunks)
    mine = cell_sums(m)
    keys = sorted(m.columns or {}, key=lambda k: (m.columns or {})[k])
    at = next((i for i, (a, b) in enumerate(zip(stored, mine, strict=False)) if a != b), None)
    if at is None and len(stored) != len(mine) and keys:
        at = min(len(stored), len(mine))  # rows added or taken away
    if at is None or not keys or at // len(keys) >= len(m.rows):
        return layout.SHEET_MERGED, ""
    tr = m.rows[at // len(keys)]
    return layout.SHEET_MERGED, tr.addrs[keys[at % len(keys)]]


def _chunk(key: str) -> int:
    return int(key.rsplit(".", 1)[1])


def _village(ctx: Context, line: VillageLine) -> dict[str, Any]:
    cells = line.cells
    rec = {k: text(v) if k != "report_date" else v for k, v in line.values.items()}
    rec["period"] = _int(rec.get("period"))
    d = rules.read_report_date(
        ctx, rec.get("report_date"), cells.get("report_date", ""), layout.SHEET_MERGED_VILLAGES
    )
    rec["report_date"] = d.value if d.status == "ok" else None
    rec["key"] = village_key(
        rec.get("code", ""), rec.get("county", ""), rec.get("township", ""), rec.get("village", "")
    )
    rec["cell"] = line.cell
    return rec


def _row(ctx: Context, tr: TableRow, no: int, cells: Cells) -> Row:
    """A problem row of the merged sheet, its cells judged by the village rules."""
    seq = _int(tr.values.get("seq")) or 1
    row = Row(no=no, seq=seq, has_problem=layout.MERGED_YES, row=tr.row, cells=cells)
    v = tr.values
    row.description, row.measure = clean_text(v.get("description")), clean_text(v.get("measure"))
    row.owner, row.note = clean_text(v.get("owner")), clean_text(v.get("note"))
    vals = values.read_values(ctx, tr)
    vals.apply(row)
    values.check_values(ctx, row, tr, vals, complete=False)
    return row


def _submission(
    p: Checked,
    v: dict[str, Any],
    name: str,
    data: bytes,
    names: tuple[str, str, str, str],
    errors: int,
    warnings: int,
) -> Submission:
    code, county, township, village = names
    return Submission(
        file=name,
        sha256=hashlib.sha256(data + v["key"].encode()).hexdigest(),
        village_code=code,
        county=county,
        township=township,
        village=village,
        report_date=v.get("report_date"),
        accepted=errors == 0,
        errors=errors,
        warnings=warnings,
        rows=sorted(p.rows.get(v["key"], []), key=lambda r: (r.no, r.seq)),
        source_kind="merged",
        period=v.get("period") or _int(p.meta.get("period")),
        sheet=layout.SHEET_MERGED,
        on_time={layout.YES: True, layout.NO: False}.get(str(v.get("on_time") or "").strip()),
        ledger_period=_int(p.meta.get("period")),
    )


def _returned(
    p: Checked, v: dict[str, Any], name: str, data: bytes, names: tuple[str, str, str, str]
) -> Submission:
    """A village the lower tier holds as 退回待改 this period: a refused return here too, so
    every tier tells its status alike (its figures still come from its last accepted one)."""
    code, county, township, village = names
    return Submission(
        file=name,
        sha256=hashlib.sha256(data + v["key"].encode() + b"|returned").hexdigest(),
        village_code=code,
        county=county,
        township=township,
        village=village,
        report_date=None,
        accepted=False,
        errors=1,
        source_kind="merged",
        period=_int(p.meta.get("period")),
        sheet=layout.SHEET_MERGED,
        ledger_period=_int(p.meta.get("period")),
    )


def _is_returned(v: dict[str, Any]) -> bool:
    return str(v.get("status") or "").strip() == Status.RETURNED.value


def _reported(p: Checked) -> list[dict[str, Any]]:
    """Villages with rows behind them: a source period (or problem rows)."""
    return [v for v in p.villages if v.get("period") or p.rows.get(v["key"])]


def read(path: Path | str, cl: Checklist) -> list[Submission]:
    """One Submission per reported village of a merged ledger (names as written in it)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        p = check(read_bytes(data), path.name, cl)
    except book.Unreadable as err:
        raise UserError(f"合并台账 {path.name} 无法读取（{err.reason}）：{err.hint}") from None
    errors = sum(f.severity == "error" for f in p.findings)
    warnings = len(p.findings) - errors
    subs = []
    for v in _reported(p):
        names = (v["key"], v["county"], v["township"], v["village"])
        subs.append(_submission(p, v, path.name, data, names, errors, warnings))
    for v in filter(_is_returned, p.villages):
        names = (v["key"], v["county"], v["township"], v["village"])
        subs.append(_returned(p, v, path.name, data, names))
    return subs


def read_return(
    ret: Return, cl: Checklist, roster: Roster
) -> tuple[list[Submission], list[Finding]]:
    """validate's hook: a merged ledger → its villages' Submissions (roster spelling) and findings."""
    try:
        p = check(read_bytes(ret.data), ret.file, cl)
    except book.Unreadable as err:
        return [], [make(C.FILE_UNREADABLE, ret.file, detail=f"合并台账无法读取：{err.reason}")]
    found = list(p.findings)
    theirs = (p.meta.get("checklist_id"), p.meta.get("checklist_hash"))
    if not p.missing and theirs != (cl.id, cl.city.content_hash):  # (missing: not known)
        mismatch = make(
            C.CHECKLIST_MISMATCH, ret.file, value=p.meta.get("checklist_id", ""), expected=cl.id
        )
        found.insert(0, mismatch)
    named: list[tuple[dict[str, Any], tuple[str, str, str, str]]] = []
    listed = _reported(p)
    listed += [v for v in p.villages if _is_returned(v) and v not in listed]
    for v in listed:
        hit = roster.find(
            code=v["code"] or None, county=v["county"], township=v["township"], village=v["village"]
        )
        if hit is None:
            full = v["county"] + v["township"] + v["village"]
            found.append(
                make(
                    C.VILLAGE_NOT_IN_ROSTER,
                    ret.file,
                    sheet=layout.SHEET_MERGED_VILLAGES,
                    cell=v.get("cell", ""),
                    value=full,
                )
            )
            continue
        named.append((v, (hit.key, hit.county, hit.township, hit.village)))
    errors = sum(f.severity == "error" for f in found)
    subs = [_submission(p, v, ret.file, ret.data, n, errors, len(found) - errors)
            for v, n in named if v.get("period") or p.rows.get(v["key"])]  # fmt: skip
    subs += [_returned(p, v, ret.file, ret.data, n) for v, n in named if _is_returned(v)]
    return subs, found
