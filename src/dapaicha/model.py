"""Plain data passed between validate, merge and rollup."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import re
import unicodedata
import zlib
from collections import deque
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, cast, overload

from dapaicha.layout import YES

SourceKind = Literal["ledger", "notice", "merged"]


class Status(StrEnum):
    """Where a village stands in a period: one fact, kept in the store, repeated everywhere."""

    UNREPORTED = "未报送"  # sent nothing, the period's deadline not yet passed
    OVERDUE = "逾期未报"  # sent nothing, the deadline passed
    RETURNED = "退回待改"  # sent, nothing accepted: to be corrected and sent again
    PASSED = "已通过"  # an accepted return, on time (or its 填报日期 unknown)
    PASSED_LATE = "已通过（迟报）"  # an accepted return after the deadline

    @staticmethod
    def of(accepted: bool, on_time: int | None, dated: bool, rejected: bool, past: bool) -> Status:
        """The rule, in one place (store.status and store.query use it): an accepted current
        return of the period → 已通过 (迟报 when on_time is 0 and it has a 填报日期); else a
        rejected one → 退回待改; else 未报送, 逾期未报 when `past` the period's deadline."""
        if accepted:
            return Status.PASSED_LATE if on_time == 0 and dated else Status.PASSED
        if rejected:
            return Status.RETURNED
        return Status.OVERDUE if past else Status.UNREPORTED


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

    no: int  # 序号 of the checklist item; -序号: a problem under an item a revision removed
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

    @property
    def source_cell(self) -> str:
        """The cell a row is cited by: its 自查问题描述, else its 序号 (else column A)."""
        c = self.cells
        return c.get("description") or c.get("no") or (f"A{self.row}" if self.row else "")

    def stored(self) -> tuple[object, ...]:
        """The store's values of the row (store.write.ROW_COLUMNS but the submission id):
        dates in ISO form."""
        d, f = self.deadline, self.done_date
        return (
            self.no, self.seq, self.has_problem, self.description, self.measure, self.kind,
            d.isoformat() if d else None, self.owner, self.result, f.isoformat() if f else None,
            self.note, self.row, self.source_cell,
        )  # fmt: skip

    def __reduce__(self) -> tuple[type[Row], tuple[object, ...]]:
        # positional, no field names: validate's workers send thousands of rows a second
        return Row, (
            self.no, self.seq, self.has_problem, self.description, self.measure, self.kind,
            self.deadline, self.owner, self.result, self.done_date, self.note, self.row,
            self.cells,
        )  # fmt: skip


# The only classes a pickle of ours may name: results kept in a file (app/memo) are read
# back without running anything else a tampered file could ask for.
OURS = frozenset({
    ("dapaicha.codes", "Severity"), ("dapaicha.findings", "FileResult"),
    ("dapaicha.findings", "Finding"), ("dapaicha.model", "Cells"),
    ("dapaicha.model", "PackedRows"), ("dapaicha.model", "Row"),
    ("dapaicha.model", "Submission"), ("datetime", "date"), ("datetime", "datetime"),
})  # fmt: skip


class _Ours(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in OURS:
            raise pickle.UnpicklingError(f"{module}.{name}")
        return super().find_class(module, name)


def loads_ours(data: bytes) -> object:
    """pickle.loads, naming only OURS (anything else: pickle.UnpicklingError)."""
    return _Ours(io.BytesIO(data)).load()


class PackedRows(Sequence[Row]):
    """A return's rows kept compressed until read: what a worker sends the main process of a
    large merge, so 46,000 returns' rows do not sit there as objects.

    Kept as plain values (zlib'd pickle): each row's stored values (`Row.stored`, the store's
    columns but the submission id) and the letters map its cells come from, so the store's
    insert takes them as they are, and Rows are made again only when asked for. Rows that
    cannot be kept so (dates with a time, cells not of one sheet row) are pickled whole.
    len() and `problems` need no unpacking."""

    __slots__ = ("data", "problems", "size")

    def __init__(self, data: bytes, size: int, problems: int) -> None:
        self.data, self.size, self.problems = data, size, problems

    @classmethod
    def of(cls, rows: Sequence[Row]) -> PackedRows:
        rows = list(rows)
        kept: object = _flat(rows)
        if kept is None:
            kept = rows
        data = zlib.compress(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), 1)
        return cls(data, len(rows), sum(r.is_problem for r in rows))

    def _kept(self) -> list[Row] | _Flat:
        got = loads_ours(zlib.decompress(self.data))  # a worker's, or the memo's
        if isinstance(got, list) or (isinstance(got, tuple) and len(got) == 3):
            return cast("list[Row] | _Flat", got)
        raise pickle.UnpicklingError("not rows")

    def unpack(self) -> list[Row]:
        got = self._kept()
        if isinstance(got, list):
            return got
        return _rows_of(got)

    def stored(self) -> list[tuple[object, ...]]:
        """Each row's `Row.stored` values, without making Rows when kept flat."""
        got = self._kept()
        if isinstance(got, list):
            return [r.stored() for r in got]
        return got[2]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.unpack())

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        return self.unpack()[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.unpack() == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[PackedRows], tuple[bytes, int, int]]:
        return PackedRows, (self.data, self.size, self.problems)


# (letters maps, the map of each row, each row's Row.stored values): plain values only
_Flat = tuple[list[dict[str, str]], bytes, list[tuple[object, ...]]]


def _flat(rows: list[Row]) -> _Flat | None:
    """rows as plain values, or None when Rows made from them would differ (see PackedRows)."""
    maps: list[dict[str, str]] = []
    seen: dict[int, int] = {}
    which = bytearray()
    for r in rows:
        c = r.cells
        if type(c) is not Cells or c._row != r.row:  # a subclass or a dict: kept whole
            return None
        if (r.deadline is not None and r.deadline.__class__ is not dt.date) or (
            r.done_date is not None and r.done_date.__class__ is not dt.date
        ):
            return None
        letters = c._letters
        i = seen.get(id(letters))
        if i is None:
            if len(maps) == 255:
                return None
            i = seen[id(letters)] = len(maps)
            maps.append(dict(letters))
        which.append(i)
    return maps, bytes(which), [r.stored() for r in rows]


def _date(iso: object) -> dt.date | None:
    return dt.date.fromisoformat(iso) if isinstance(iso, str) else None


def _rows_of(flat: _Flat) -> list[Row]:
    maps, which, values = flat
    out = []
    for i, v in zip(which, values, strict=True):
        no, seq, hp, desc, meas, kind, dl, owner, res, done, note, row = v[:12]
        out.append(
            Row(no, seq, hp, desc, meas, kind, _date(dl), owner, res, _date(done), note,  # type: ignore[arg-type]
                row, Cells(maps[i], row))  # type: ignore[arg-type]
        )  # fmt: skip
    return out


def problem_count(rows: Sequence[Row]) -> int:
    """Rows that are problems (是), without unpacking PackedRows."""
    if isinstance(rows, PackedRows):
        return rows.problems
    return sum(r.is_problem for r in rows)


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
    rows: Sequence[Row] = field(default_factory=list)  # PackedRows from a merge's workers
    source_kind: SourceKind = "ledger"
    period: int | None = None  # set by merge from --period, the folder name or 填报日期
    sheet: str = ""
    date_cell: str = ""  # where its 填报日期 was read (a village's ledger)
    on_time: bool | None = None  # a merged ledger's 按时报送, as the tier below decided it
    ledger_period: int | None = None  # a merged ledger's own period (villages carried: older)

    @property
    def key(self) -> str:
        return village_key(self.village_code, self.county, self.township, self.village)


def village_key(code: str, county: str, township: str, village: str) -> str:
    """A village's key: its 12-digit code, else county/township/village as written."""
    return code if code else f"{county}/{township}/{village}"


# --- problems across periods ---------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")

# (group, description, measure) of a problem: group is what must be equal for a match
# (the item's 序号, or (village key, 序号)); the texts are compared normalised.
ProblemText = tuple[Hashable, str | None, str | None]


def problem_text(s: str | None) -> str:
    """A problem's text for matching: NFKC, no whitespace or punctuation, case-folded."""
    if not s:
        return ""
    t = _NOT_WORD.sub("", s)  # first: most full-width marks go here, cheaply
    if not unicodedata.is_normalized("NFKC", t):
        t = _NOT_WORD.sub("", unicodedata.normalize("NFKC", t))
    return t.casefold()


def match_problems(old: Sequence[ProblemText], new: Sequence[ProblemText]) -> list[int]:
    """For each new problem, the index of the same problem in `old`, or -1 (a new one).

    The one rule pairing problems between periods: same group (序号), then the same
    description, then, for those left, the same measure; equal texts pair in row order.
    Never by position, so a row inserted under an item changes no pairing. Old problems
    no new one points at are gone.
    """
    out = [-1] * len(new)
    used = [False] * len(old)
    seen: dict[str | None, str] = {}  # the same text in both periods: normalised once

    def norm(s: str | None) -> str:
        t = seen.get(s)
        if t is None:
            t = seen[s] = problem_text(s)
        return t

    for k in (1, 2):
        pool: dict[tuple[Hashable, str], deque[int]] = {}
        for i, p in enumerate(old):
            t = "" if used[i] else norm(p[k])  # type: ignore[arg-type]
            if t:
                pool.setdefault((p[0], t), deque()).append(i)
        for j, p in enumerate(new):
            t = "" if out[j] >= 0 else norm(p[k])  # type: ignore[arg-type]
            q = pool.get((p[0], t)) if t else None
            if q:
                out[j] = i = q.popleft()
                used[i] = True
    return out
