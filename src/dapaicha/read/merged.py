"""Reading a merged ledger back (see merged.py): one Submission per reported village."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as pc

from dapaicha import layout
from dapaicha.config.checklist import Checklist
from dapaicha.findings import Finding, make
from dapaicha.model import Row, Submission
from dapaicha.normalize import parse_date, vocab
from dapaicha.read import sniff
from dapaicha.store.write import village_key
from dapaicha.xlsx.merged import YES, columns

if TYPE_CHECKING:
    from dapaicha.config.roster import Roster
    from dapaicha.read.reader import Return


@dataclass
class Parsed:
    meta: dict[str, str]
    # one per village: the keys of layout.MERGED_VILLAGE_COLUMNS, plus key and cell
    villages: list[dict[str, Any]]
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
    sniff.check_extent(data)  # its rows may pass the bounds of a village's ledger
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        meta = {
            _text(r[0]): _text(r[1])
            for r in wb.get_sheet_by_name(layout.SHEET_MERGED_META).to_python()
            if len(r) >= 2 and _text(r[0])
        }
        grid = wb.get_sheet_by_name(layout.SHEET_MERGED).to_python(skip_empty_area=False)
        vgrid = (
            wb.get_sheet_by_name(layout.SHEET_MERGED_VILLAGES).to_python(skip_empty_area=False)
            if layout.SHEET_MERGED_VILLAGES in wb.sheet_names
            else []
        )
    finally:
        wb.close()
    out = Parsed(meta, [], {})
    year = (
        dt.date.fromisoformat(meta["deadline"]).year
        if meta.get("deadline")
        else (cl.campaign.year if cl else 2000)
    )
    vocabs = (
        {"kind": cl.vocabularies.kind.lookup, "result": cl.vocabularies.result.lookup} if cl else {}
    )

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
                add(
                    "report-date-invalid",
                    layout.address(r0, vcol["report_date"]),
                    layout.SHEET_MERGED_VILLAGES,
                    value=d.raw,
                )
            rec["key"] = village_key(
                rec.get("code", ""),
                rec.get("county", ""),
                rec.get("township", ""),
                rec.get("village", ""),
            )
            rec["cell"] = layout.address(r0, vcol.get("village", 0))
            out.villages.append(rec)

    headers = {h: k for k, h, _ in columns()}
    hr = next(
        (i for i, row in enumerate(grid[:10]) if sum(_text(x) in headers for x in row) >= 5), None
    )
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
        r = Row(
            no=no,
            seq=seq,
            has_problem=YES,
            row=r0 + 1,
            cells={k: at[k] for k in at if k in layout.BY_KEY or k == "seq"},
        )
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
        key = village_key(
            _text(get("code")), _text(get("county")), _text(get("township")), _text(get("village"))
        )
        out.rows.setdefault(key, []).append(r)
        if key not in known:
            known.add(key)
            out.villages.append(
                {"key": key, "code": _text(get("code")), "county": _text(get("county")), "township": _text(get("township")),
                 "village": _text(get("village")), "period": _int(get("period")), "report_date": None, "file": "", "cell": at["village"]}
            )  # fmt: skip
    return out


def _submission(
    p: Parsed,
    v: dict[str, Any],
    name: str,
    data: bytes,
    names: tuple[str, str, str, str],
    accepted: bool,
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
        _submission(
            p,
            v,
            path.name,
            data,
            (v["key"], v["county"], v["township"], v["village"]),
            errors == 0,
            errors,
            len(p.findings) - errors,
        )
        for v in _reported(p)
    ]


def read_return(
    ret: Return, cl: Checklist, roster: Roster
) -> tuple[list[Submission], list[Finding]]:
    """validate's hook: a merged ledger → its villages' Submissions (roster spelling) and findings."""
    p = parse(ret.data, ret.file, cl)
    found = list(p.findings)
    if p.meta.get("checklist_id") != cl.id or p.meta.get("checklist_hash") != cl.content_hash:
        found.insert(
            0,
            make(
                "checklist-mismatch", ret.file, value=p.meta.get("checklist_id", ""), expected=cl.id
            ),
        )
    named: list[tuple[dict[str, Any], tuple[str, str, str, str]]] = []
    for v in _reported(p):
        hit = roster.find(
            code=v["code"] or None, county=v["county"], township=v["township"], village=v["village"]
        )
        if hit is None:
            full = v["county"] + v["township"] + v["village"]
            found.append(
                make(
                    "village-not-in-roster",
                    ret.file,
                    sheet=layout.SHEET_MERGED_VILLAGES,
                    cell=v.get("cell", ""),
                    value=full,
                )
            )
            continue
        named.append((v, (hit.code or hit.key, hit.county, hit.township, hit.village)))
    errors = sum(f.severity == "error" for f in found)
    subs = [
        _submission(p, v, ret.file, ret.data, n, errors == 0, errors, len(found) - errors)
        for v, n in named
    ]
    return subs, found
