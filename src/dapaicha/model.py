"""Plain data passed between validate, merge and rollup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, overload

from dapaicha.layout import YES

SourceKind = Literal["ledger", "notice", "merged"]


class Status(StrEnum):
    """Where a village stands in a period: one fact, kept in the store, repeated everywhere."""

    UNREPORTED = "未报送"  # sent nothing, the period's deadline not yet passed
    OVERDUE = "逾期未报"  # sent nothing, the deadline passed
    RETURNED = "退回待改"  # sent, nothing accepted: to be corrected and sent again
    PASSED = "已通过"  # an accepted return, on time (or its 填报日期 unknown)
    PASSED_LATE = "已通过（迟报）"  # an accepted return after the deadline


class Cells(Mapping[str, str]):
    """Column key → A1 address of one table row, made on demand.

    Every row of a sheet shares one letters map; a row holds only its number, so reading
    a ledger builds no address strings until a finding needs one.
    """

    __slots__ = ("_letters", "_row")

    def __init__(self, letters: Mapping[str, str], row: int) -> None:
        self._letters = letters
        self._row = row

    def __getitem__(self, key: str) -> str:
        return f"{self._letters[key]}{self._row}"

    @overload  # type: ignore[override]
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    def get(self, key: str, default: str | None = None) -> str | None:
        letter = self._letters.get(key)
        return default if letter is None else f"{letter}{self._row}"

    def __contains__(self, key: object) -> bool:
        return key in self._letters

    def __iter__(self) -> Iterator[str]:
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[type[Cells], tuple[Mapping[str, str], int]]:
        return Cells, (self._letters, self._row)


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
    cells: Mapping[str, str] = field(default_factory=dict)  # column key → source A1 address

    @property
    def is_problem(self) -> bool:
        return self.has_problem == YES

    def __reduce__(self) -> tuple[type[Row], tuple[object, ...]]:
        # positional, no field names: validate's workers send thousands of rows a second
        return Row, (
            self.no, self.seq, self.has_problem, self.description, self.measure, self.kind,
            self.deadline, self.owner, self.result, self.done_date, self.note, self.row,
            self.cells,
        )  # fmt: skip


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

    @property
    def key(self) -> str:
        return village_key(self.village_code, self.county, self.township, self.village)


def village_key(code: str, county: str, township: str, village: str) -> str:
    """A village's key: its 12-digit code, else county/township/village as written."""
    return code if code else f"{county}/{township}/{village}"
