"""Checklist revisions: the model, the earlier versions rebuilt by undoing them, their diff.

A revision describes the change from one version to the next: items renumbered
({old 序号: new 序号}), reworded (new 序号, the old text), added (new 序号; the text is
in the next version) and removed (old 序号 with its category, topic and text). The
current items are the last version; each earlier one is rebuilt from the next by undoing
a revision. Plain data here; config/checklist.py turns a version into a Checklist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

FIRST_LABEL = "初版"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reworded(_Model):
    no: int = Field(ge=1)
    was: str


class Added(_Model):
    no: int = Field(ge=1)


class Removed(_Model):
    no: int = Field(ge=1)
    category: str
    topic: str = ""
    content: str


class Revision(_Model):
    label: str = Field(min_length=1)
    date: dt.date | None = None
    reworded: list[Reworded] = Field(default_factory=list)
    added: list[Added] = Field(default_factory=list)
    removed: list[Removed] = Field(default_factory=list)
    renumbered: dict[int, int] = Field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One item of one version; current: its 序号 now (None: removed since)."""

    no: int
    category: str
    topic: str
    content: str
    current: int | None
    ident: str = ""  # the same item in every version: "c<current>", or "r<revision>:<no>"


def content_hash(entries: list[tuple[int, str, str, str]]) -> str:
    """Hash of (序号, category, topic, text) in order: a return's template carries it."""
    payload = [list(e) for e in entries]
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Version:
    index: int  # 1 = the first
    label: str
    date: dt.date | None
    entries: tuple[Entry, ...]  # in 序号 order (the current one: in file order)
    content_hash: str

    @property
    def to_current(self) -> dict[int, int | None]:
        return {e.no: e.current for e in self.entries}

    @property
    def by_no(self) -> dict[int, Entry]:
        return {e.no: e for e in self.entries}


@dataclass
class Rebuilt:
    versions: list[Version]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, message)


def _undo(
    items: dict[int, Entry],
    rev: Revision,
    k: int,
    names: dict[str, str],
    problems: list[tuple[str, str]],
) -> dict[int, Entry]:
    """The version before rev, from the version after it."""
    where = f"修订“{rev.label}”"
    out = dict(items)
    for a in rev.added:
        if out.pop(a.no, None) is None:
            problems.append((where, f"新增的第 {a.no} 项在修订后的清单中不存在"))
    for r in rev.reworded:
        e = out.get(r.no)
        if e is None:
            problems.append((where, f"改写的第 {r.no} 项在修订后的清单中不存在"))
        else:
            out[r.no] = Entry(e.no, e.category, e.topic, r.was, e.current, e.ident)
    back = {new: old for old, new in rev.renumbered.items()}
    for new in back:
        if new not in out:
            problems.append((where, f"重新编号的第 {new} 项在修订后的清单中不存在"))
    before: dict[int, Entry] = {}
    for no, e in out.items():
        old = back.get(no, no)
        if old in before:
            problems.append((where, f"重新编号后序号 {old} 重复"))
        before[old] = Entry(old, e.category, e.topic, e.content, e.current, e.ident)
    for rm in rev.removed:
        if rm.no in before:
            problems.append((where, f"删除的第 {rm.no} 项与修订前的第 {rm.no} 项序号重复"))
        cat = names.get(rm.category, rm.category)  # a category's code or its name
        before[rm.no] = Entry(rm.no, cat, rm.topic, rm.content, None, f"r{k}:{rm.no}")
    return dict(sorted(before.items()))


def rebuild(
    current: list[Entry], revisions: list[Revision], first_date: dt.date, names: dict[str, str]
) -> Rebuilt:
    """Every version, first to current; problems where a revision names a missing item."""
    problems: list[tuple[str, str]] = []
    last_label = revisions[-1].label if revisions else FIRST_LABEL
    last_date = revisions[-1].date if revisions else first_date
    chain = [(last_label, last_date, {e.no: e for e in current})]
    for k in range(len(revisions) - 1, -1, -1):
        items = _undo(chain[-1][2], revisions[k], k, names, problems)
        label, date = (
            (revisions[k - 1].label, revisions[k - 1].date) if k else (FIRST_LABEL, first_date)
        )
        chain.append((label, date, items))
    chain.reverse()
    versions = []
    for i, (label, date, items) in enumerate(chain, start=1):
        entries = (
            tuple(items.values()) if i == len(chain) else tuple(items[n] for n in sorted(items))
        )
        h = content_hash([(e.no, e.category, e.topic, e.content) for e in entries])
        versions.append(Version(i, label, date, entries, h))
    return Rebuilt(versions, problems)


def diff(a: Version, b: Version) -> list[str]:
    """What changed from version a to version b, one Chinese line each."""
    out: list[str] = []
    in_a = {e.ident: e for e in a.entries}
    in_b = {e.ident: e for e in b.entries}
    for ident, ea in in_a.items():
        eb = in_b.get(ident)
        if eb is None:
            out.append(f"删除：第 {ea.no} 项（{ea.content}）")
            continue
        if ea.no != eb.no:
            out.append(f"序号变更：第 {ea.no} 项 → 第 {eb.no} 项")
        if ea.content != eb.content:
            out.append(f"改写：第 {eb.no} 项，原文“{ea.content}”，现为“{eb.content}”")
    for ident, eb in in_b.items():
        if ident not in in_a:
            out.append(f"新增：第 {eb.no} 项（{eb.category}：{eb.content}）")
    return out
