"""A return of an earlier version of the checklist: recognised, checked by its own items, mapped.

The version is known by the content hash in the ledger's metadata; a return without
metadata, or with a hash no version has, is matched by its item texts. Its rows are checked against the items the
village saw (so findings keep the village's 序号), then moved onto the current numbering;
items added since are listed as not seen; problems under removed items are kept under
-(the old 序号) (model.Row.no) and reported.
"""

from __future__ import annotations

import datetime as dt

from dapaicha.check import rules
from dapaicha.config.checklist import Checklist
from dapaicha.config.revisions import Version
from dapaicha.findings import C, Finding, make
from dapaicha.model import Row
from dapaicha.normalize import clean_text, parse_int, squash
from dapaicha.read.reader import Return


def _texts(ret: Return) -> dict[int, str]:
    """序号 → the item text as the return shows it (first row of each item)."""
    out: dict[int, str] = {}
    for tr in ret.rows:
        n = parse_int(tr.no_raw)
        text = clean_text(tr.values.get("content"))
        if n.ok and n.value is not None and text and n.value not in out:
            out[n.value] = squash(text)
    return out


def _fits(texts: dict[int, str], cl: Checklist) -> bool:
    mine = {i.no: squash(i.content) for _, i in cl.items}
    return all(mine.get(no) == t for no, t in texts.items())


def recognise(ret: Return, cl: Checklist) -> tuple[Version, Checklist] | None:
    """The earlier version a return was made from; None for the current one (or unknown)."""
    if not cl.revisions:
        return None
    m = ret.meta
    if m.get("checklist_id"):
        if m["checklist_id"] != cl.id:
            return None
        hit = cl.earlier.get(m.get("checklist_hash", ""))
        if hit is not None or m.get("checklist_hash") == cl.content_hash:
            return hit
    # no metadata, or a hash no version has (an original not in 序号 order): the texts
    texts = _texts(ret)
    if not texts or _fits(texts, cl):
        return None
    return next((hit for hit in reversed(cl.earlier.values()) if _fits(texts, hit[1])), None)


def run(ret: Return, cl: Checklist) -> tuple[list[Row], list[Finding], dt.date | None]:
    """rules.run, for a return of any known version: rows on the current numbering."""
    hit = recognise(ret, cl)
    if hit is None:
        return rules.run(ret, cl)
    version, old = hit
    rows, found, report_date = rules.run(ret, old)
    # recognised by its hash, or by its texts (which then stand for the template)
    found = [f for f in found if f.code != C.CHECKLIST_MISMATCH]
    return remap(ret, cl, version, rows, found), found, report_date


def remap(
    ret: Return, cl: Checklist, version: Version, rows: list[Row], found: list[Finding]
) -> list[Row]:
    """The rows on the current numbering; the version, unseen and removed items as warnings."""
    to_current = version.to_current

    def add(code: C, item: int | None = None, **kw: str) -> None:
        found.append(make(code, ret.file, sheet=ret.sheet, item=item, **kw))

    moved = [f"原第 {o} 项现为第 {n} 项" for o, n in to_current.items() if n is not None and n != o]
    detail = "，".join(moved) or "各项序号未变"
    add(C.CHECKLIST_EARLIER_VERSION, value=version.label, expected=cl.version_label, detail=detail)
    out: list[Row] = []
    for row in rows:
        cur = to_current[row.no]
        if cur is None:  # a problem stays, under -(its old 序号): see model.Row.no
            if row.is_problem:
                add(C.ITEM_REMOVED, item=row.no, value=row.description or "")
                row.no = -row.no
                out.append(row)
            continue
        row.no = cur
        out.append(row)
    seen = set(to_current.values())
    for cat, item in cl.items:
        if item.no not in seen:
            add(C.ITEM_NOT_SEEN, item=item.no, value=f"{cat.name}：{item.content}")
    out.sort(key=lambda r: (r.no, r.seq))
    return out
