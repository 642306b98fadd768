"""The context of the rules over one return: the return, the checklist, the findings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from dapaicha.config.checklist import Checklist
from dapaicha.findings import Finding, FindingCode, make
from dapaicha.normalize import parse_int, squash
from dapaicha.read.reader import Return


@dataclass
class Context:
    ret: Return
    cl: Checklist
    findings: list[Finding] = field(default_factory=list)
    report_date: dt.date | None = None
    year: int = 0  # for dates written without one; the campaign's year unless set

    def __post_init__(self) -> None:
        self.year = self.year or self.cl.campaign.year

    @property
    def cl_text(self) -> dict[int, str]:
        return item_texts(self.cl)

    def add(
        self,
        code: FindingCode,
        *,
        cell: str = "",
        item: int | None = None,
        sheet: str | None = None,
        **kw: Any,
    ) -> None:
        at = self.ret.sheet if sheet is None else sheet
        self.findings.append(make(code, self.ret.file, sheet=at, cell=cell, item=item, **kw))


_TEXTS: dict[str, dict[int, str]] = {}


def item_texts(cl: Checklist) -> dict[int, str]:
    """Squashed item texts, once per checklist."""
    key = cl.content_hash
    if key not in _TEXTS:
        _TEXTS[key] = {i.no: squash(i.content) for _, i in cl.items}
    return _TEXTS[key]


def item_of_text(cl: Checklist) -> dict[str, int]:
    """Squashed item text → its 序号 (a text two items share: neither), once per checklist."""
    key = cl.content_hash
    if key not in _BY_TEXT:
        texts = item_texts(cl)
        shared = {t for t in texts.values() if list(texts.values()).count(t) > 1}
        _BY_TEXT[key] = {t: no for no, t in texts.items() if t not in shared}
    return _BY_TEXT[key]


_BY_TEXT: dict[str, dict[str, int]] = {}


def item_number(x: object) -> int | None:
    """The item a 序号 cell names (None when it names none): a whole number read as it is,
    the common cell, without parsing; anything else by parse_int."""
    if x.__class__ is float and x.is_integer():
        return int(x)
    if x.__class__ is int:
        return x
    n = parse_int(x)
    return n.value if n.ok else None
