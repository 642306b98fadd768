"""Plain data passed between validate, merge and rollup."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["ledger", "notice", "merged"]


@dataclass(slots=True)
class Row:
    """One normalised ledger row: an item's answer, or one problem under an item.

    Values are canonical: vocabularies as their canonical words (是/否, 立行立改/纳入整改方案,
    已整改/正在整改/未整改), dates as dates, texts stripped; None where blank or unreadable.
    """

    no: int  # 序号 of the checklist item
    seq: int = 1  # problem number under the item (inserted rows: 2, 3, …)
    has_problem: str | None = None
    description: str | None = None
    measure: str | None = None
    kind: str | None = None
    deadline: dt.date | None = None
    owner: str | None = None
    result: str | None = None
    done_date: dt.date | None = None
    note: str | None = None
    row: int = 0  # Excel row in the source sheet (1-based)
    cells: dict[str, str] = field(default_factory=dict)  # column key → source A1 address

    @property
    def is_problem(self) -> bool:
        return self.has_problem == "是"


@dataclass
class Submission:
    """One village's return for one period, as validated: what merge stores."""

    file: str  # file name as received
    sha256: str  # of the file's bytes (for a merged ledger: of the file + village code)
    village_code: str
    county: str
    township: str
    village: str
    report_date: dt.date | None
    accepted: bool
    errors: int = 0
    warnings: int = 0
    rows: list[Row] = field(default_factory=list)
    source_kind: SourceKind = "ledger"
    period: int | None = None  # set by merge from --period, the folder name or 填报日期
    sheet: str = ""
