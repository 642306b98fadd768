"""Which village sent a return: metadata sheet, then title/填报单位 line, then file name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from dapaicha.config.roster import (
    TOWNSHIP_SUFFIXES,
    Roster,
    Village,
    county_base,
    township_base,
    village_base,
)
from dapaicha.findings import C, Finding, make
from dapaicha.normalize import squash
from dapaicha.read.reader import Return

# a roster village found by one of its names: (key, village, township base, county base)
_Entry = tuple[str, Village, str, str]


@dataclass(frozen=True)
class _Index:
    names: dict[str, list[_Entry]]  # village name or base (2+ characters) → its villages
    starts: frozenset[str]  # the first two characters of every name
    longest: int  # characters of the longest name


_CACHE: dict[int, tuple[Roster, _Index]] = {}


def _index(roster: Roster) -> _Index:
    hit = _CACHE.get(id(roster))
    if hit is not None and hit[0] is roster:
        return hit[1]
    names: dict[str, list[_Entry]] = {}
    for v in roster.villages:
        name = v.village
        entry = (v.key, v, township_base(v.township), county_base(v.county))
        if len(name) >= 2:
            names.setdefault(name, []).append(entry)
        if (base := village_base(name)) != name and len(base) >= 2:
            names.setdefault(base, []).append(entry)
    idx = _Index(names, frozenset(n[:2] for n in names), max(map(len, names), default=0))
    _CACHE.clear()
    _CACHE[id(roster)] = (roster, idx)
    return idx


_BASES: dict[tuple[object, str], str] = {}


def _base(fn: Callable[[str], str], name: str) -> str:
    k = (fn, name)
    if k not in _BASES:
        _BASES[k] = fn(name)
    return _BASES[k]


def match_text(roster: Roster, text: str) -> Village | None:
    """The one roster village whose names appear in a free text (title, file name)."""
    t = squash(text)
    if not t:
        return None
    found: dict[str, _Entry] = {}
    idx = _index(roster)
    names, starts = idx.names, idx.starts
    n, span = len(t), min(idx.longest, 12)
    for i in range(n - 1):  # every substring of 2–12 characters: a dict look-up each
        if t[i : i + 2] not in starts:
            continue  # no name starts here
        for j in range(i + 2, min(n, i + span) + 1):
            for e in names.get(t[i:j], ()):
                found[e[0]] = e
    if not found:
        return None
    cands = list(found.values())
    # Prefer candidates whose township, then county, also appear; longest village name wins ties.
    narrowed = [e for e in cands if e[2] and e[2] in t]  # the township
    cands = narrowed or cands
    narrowed = [e for e in cands if e[3] and e[3] in t]  # the county
    cands = narrowed or cands
    if len(cands) > 1:
        inside = [e[1] for e in cands if e[1].village in t]
        longest = max((len(v.village) for v in inside), default=0)
        cands = [e for e in cands if len(e[1].village) == longest and e[1].village in t] or cands
    return cands[0][1] if len(cands) == 1 else None


# the township named just before the village: what follows the last 县/区/市/旗 in the text
_TOWNSHIP_WORDS = "|".join(TOWNSHIP_SUFFIXES)
_TOWNSHIP_BEFORE = re.compile(f"(?:^|[县区市旗])([^县区市旗]{{1,10}}?(?:{_TOWNSHIP_WORDS}))$")


def _stated(v: Village, text: str, counties: set[str]) -> str:
    """The place in text before v's name when it contradicts v's township or county; else ""."""
    t = squash(text)
    at = t.find(_base(village_base, v.village))
    if at <= 0:
        return ""
    before = t[:at]
    county = _base(county_base, v.county)
    if county and county not in before and any(c in before for c in counties - {county}):
        return before
    township = _base(township_base, v.township)
    hit = _TOWNSHIP_BEFORE.search(before) if township and township not in before else None
    return before if hit and _base(township_base, hit.group(1)) != township else ""


def _counties(roster: Roster) -> set[str]:
    hit = _COUNTIES.get(id(roster))
    if hit is None or hit[0] is not roster:
        _COUNTIES.clear()
        hit = _COUNTIES[id(roster)] = (roster, {county_base(x.county) for x in roster.villages})
    return hit[1]


_COUNTIES: dict[int, tuple[Roster, set[str]]] = {}


def _contradicted(
    roster: Roster, v: Village, meta: dict[str, str], sources: list[tuple[str, Village | None, str]]
) -> tuple[str, str] | None:
    """(source, what it says) when the metadata, the title or the file name puts the village
    in another township or county than the roster village v of that name."""
    for field, base in (("county", county_base), ("township", township_base)):
        said = meta.get(field, "")
        if said and getattr(v, field) and base(said) != _base(base, getattr(v, field)):
            named = "".join(meta.get(k, "") for k in ("county", "township", "village"))
            return "台账元数据", named
    counties = _counties(roster) - {""}
    for label, _, raw in sources:
        if label != "台账元数据" and _stated(v, raw, counties):
            return label, raw
    return None


def _twins(roster: Roster, texts: list[str]) -> list[Village]:
    """Roster villages of one name that a text names without telling them apart."""
    ts = [squash(t) for t in texts if t]
    names = _index(roster).names.items()
    twins = next((es for n, es in names if len(es) > 1 and any(n in t for t in ts)), [])
    return [e[1] for e in twins]


def _named(sources: list[tuple[str, Village | None, str]], label: str) -> Village | None:
    return next((v for lb, v, _ in sources if lb == label), None)


def _reused(
    sources: list[tuple[str, Village | None, str]], chosen: Village, chosen_src: str, stem: str
) -> Village | None:
    """The village that filled another village's ledger: its 填报单位 and file name say so
    (a name only as a township's, 茨沟 in 茨沟街道办事处, does not)."""
    unit_v = _named(sources, "填报单位")
    if chosen_src != "台账元数据" or unit_v is None or not _names(stem, unit_v, chosen):
        return None
    line = next(raw for lb, _, raw in sources if lb == "填报单位")
    return unit_v if _as_village(line, unit_v) and _as_village(stem, unit_v) else None


# a name that is a township's when these follow it (茨沟街道 is not 茨沟村)
_TOWNSHIP_AFTER = re.compile(f"{_TOWNSHIP_WORDS}|街办")  # 街办: as people shorten 街道办事处


def _as_village(text: str, v: Village) -> bool:
    """Whether text names v as a village: its full name, or its base not as a township's."""
    t = squash(text)
    if v.village in t:
        return True
    base = _base(village_base, v.village)
    at = t.find(base)
    while at >= 0:
        if not _TOWNSHIP_AFTER.match(t, at + len(base)):
            return True
        at = t.find(base, at + 1)
    return False


_VILLAGE_AT_END = re.compile(
    r"(?:^|[县区市旗镇乡]|街道|办事处)([^县区市旗镇乡]{1,10}?(?:村|社区))(?:村委会|居委会|委员会)?$"
)


# words for the village itself in a 填报单位 line, not a village's name
_OWN_WORD = re.compile(r"(?:本|我|该|此|全|驻|行政|自然)(?:村|社区)")


def _near(a: str, b: str) -> bool:
    """Whether two names differ by one character changed, added or dropped (a typo)."""
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 2:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _unit_other(
    roster: Roster,
    ret: Return,
    sources: list[tuple[str, Village | None, str]],
    chosen: Village,
    stem: str,
) -> Finding | None:
    """The 填报单位 naming a village the roster cannot tell (a name two townships share, or
    none it has), not the metadata's: another village's ledger reused. When the file name
    names it too, the return is not the metadata village's at all."""
    if _named(sources, "填报单位") is not None or not ret.unit:
        return None
    shown = re.sub(r"^\s*[^:：]{0,6}[:：]\s*", "", ret.unit)  # the line without its label
    twins = _twins(roster, [shown])
    hit = None if twins else _VILLAGE_AT_END.search(squash(shown))
    name = twins[0].village if twins else (hit[1] if hit else "")
    mine = _base(village_base, chosen.village)
    if not name or any(t.key == chosen.key for t in twins) or village_base(name) == mine:
        return None
    in_stem = village_base(name) in squash(stem) and chosen.village not in squash(stem)
    near = _near(village_base(name), mine) and not in_stem  # named so twice: another village
    if not twins and (_OWN_WORD.fullmatch(name) or near):
        return None  # 本村, 驻村; 大码村 for 大马村 in this line alone: the village's own, as typed
    at, cell = ret.sheet, ret.unit_addr
    title = squash(ret.title)
    if not twins and not in_stem and not (name in title and chosen.village not in title):
        return None  # only this line names a village the roster lacks: not proof enough
    if in_stem:
        if twins:
            detail = f"（名册中有同名的村：{'、'.join(v.full_name for v in twins)}）"
            return make(C.VILLAGE_UNIDENTIFIED, ret.file, sheet=at, cell=cell, detail=detail)
        detail = f"（台账元数据显示为“{chosen.full_name}”，可能用了别村的台账模板）"
        return make(
            C.VILLAGE_NOT_IN_ROSTER, ret.file, sheet=at, cell=cell, value=shown, detail=detail
        )
    detail = f"填报单位显示为“{shown}”，台账元数据显示为“{chosen.full_name}”"
    return make(C.IDENTITY_MISMATCH, ret.file, sheet=at, value=shown, detail=detail)


def _names(stem: str, v: Village, not_v: Village) -> bool:
    """Whether a file name names village v (a name two townships share will do), not not_v."""
    t = squash(stem)
    return v.key != not_v.key and _base(village_base, v.village) in t and not_v.village not in t


def _meta_source(roster: Roster, m: dict[str, str]) -> list[tuple[str, Village | None, str]]:
    """The metadata's village as the first source, when the metadata names one."""
    if not (m.get("village_code") or m.get("village")):
        return []
    v = roster.find(code=m.get("village_code") or None) if m.get("village_code") else None
    if v is None:
        v = roster.find(
            county=m.get("county"), township=m.get("township"), village=m.get("village")
        )
    raw = "".join(m.get(k, "") for k in ("county", "township", "village"))
    return [("台账元数据", v, raw or m.get("village_code", ""))]


def identify(ret: Return, roster: Roster) -> tuple[Village | None, list[Finding]]:
    """Resolve the village from each source; disagreements are findings, codes win."""
    out: list[Finding] = []
    m = ret.meta
    sources = _meta_source(roster, m)  # (source label, village, raw text)
    line = ret.unit or ret.title
    line_cell = ret.unit_addr if ret.unit else ret.title_addr
    if line:
        sources.append(("填报单位", match_text(roster, line), line))
    stem = PurePath(ret.file).stem
    sources.append(("文件名", match_text(roster, stem), stem))
    chosen: Village | None = None
    chosen_src = ""
    for label, v, _ in sources:
        if v is not None:
            chosen, chosen_src = v, label
            break
    if chosen is None:
        named = [(label, raw) for label, _, raw in sources if label != "文件名" and raw]
        if twins := _twins(roster, [raw for _, raw in named] or [stem]):
            same = "、".join(v.full_name for v in twins)
            cell = line_cell if line else ""
            detail = f"（名册中有同名的村：{same}）"
            out.append(
                make(C.VILLAGE_UNIDENTIFIED, ret.file, sheet=ret.sheet, cell=cell, detail=detail)
            )
        elif named:
            label, raw = named[0]
            cell = line_cell if label == "填报单位" else ""
            out.append(
                make(C.VILLAGE_NOT_IN_ROSTER, ret.file, sheet=ret.sheet, cell=cell, value=raw)
            )
        else:
            out.append(make(C.VILLAGE_UNIDENTIFIED, ret.file, sheet=ret.sheet))
        return None, out
    if (sender := _reused(sources, chosen, chosen_src, stem)) is not None:
        chosen, chosen_src, m = sender, "填报单位", {}
    elif chosen_src == "台账元数据" and (f := _unit_other(roster, ret, sources, chosen, stem)):
        out.append(f)
        if f.code != C.IDENTITY_MISMATCH:
            return None, out
    if chosen_src != "台账元数据" and (said := _contradicted(roster, chosen, m, sources)):
        # the roster lacks this village; a same-named one elsewhere must not take its return
        cell = line_cell if said[0] == "填报单位" else ""
        out.append(
            make(
                C.VILLAGE_NOT_IN_ROSTER,
                ret.file,
                sheet=ret.sheet,
                cell=cell,
                value=said[1],
                detail=f"（名册中同名的“{chosen.full_name}”在另一个乡镇或县，{said[0]}与之不符）",
            )
        )
        return None, out
    for label, v, _ in sources:
        if v is not None and v.key != chosen.key:
            # The metadata and the 填报单位 line naming two villages: another village's
            # ledger was reused. Only the file name may disagree harmlessly.
            pair = {label, chosen_src}
            code = (
                C.IDENTITY_MISMATCH if pair == {"填报单位", "台账元数据"} else C.IDENTITY_CONFLICT
            )
            out.append(
                make(
                    code,
                    ret.file,
                    sheet=ret.sheet,
                    value=v.full_name,
                    detail=f"{label}显示为“{v.full_name}”，{chosen_src}显示为“{chosen.full_name}”",
                    expected=f"{chosen_src}（{chosen.full_name}）",
                )
            )
    if f := _file_names_twins(roster, ret, sources, chosen, chosen_src):
        out.append(f)
    return chosen, out


def _file_names_twins(
    roster: Roster,
    ret: Return,
    sources: list[tuple[str, Village | None, str]],
    chosen: Village,
    chosen_src: str,
) -> Finding | None:
    """identity-conflict when the file name names a village two townships share (王庄村),
    neither of them the one chosen: as for a file name naming one other village."""
    stem = PurePath(ret.file).stem
    if _named(sources, "文件名") is not None or chosen.village in squash(stem):
        return None
    twins = _twins(roster, [stem])
    if not twins or any(t.key == chosen.key for t in twins):
        return None
    named = "或".join(t.full_name for t in twins)
    return make(
        C.IDENTITY_CONFLICT,
        ret.file,
        sheet=ret.sheet,
        value=stem,
        detail=f"文件名显示为“{named}”，{chosen_src}显示为“{chosen.full_name}”",
        expected=f"{chosen_src}（{chosen.full_name}）",
    )
