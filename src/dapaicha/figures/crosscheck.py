"""The inspectors' findings (督查发现问题) set against the village ledgers: pure matching.

Each finding is compared with the village's ledger as it stood on the 发现日期: the latest
accepted return (superseded ones included: they stood until replaced) whose 填报日期 is on
or before that day; a return without 填报日期 counts from its period's cut-off. Classes:
- 已自查: the ledger reports a problem (是) under the finding's item;
- 漏排: the ledger answers 否 for the item, leaves it blank or lacks it, or the village had
  not reported any ledger yet on that day;
- 无法匹配: the village is not in the roster, the item not in the checklist, or the row
  cannot be read (no village, no item, no readable 发现日期).

Ledgers come from the caller: a subclass of Ledgers that fetches rows (the app layer's
store-backed one) or SubmissionLedgers (a list of Submissions, no store).
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import Periods
from dapaicha.config.roster import Roster, Village
from dapaicha.figures.perfunctory import key_of, norm_text
from dapaicha.layout import NO, YES
from dapaicha.model import Submission
from dapaicha.read.inspectors import Inspection

SELF, MISSED, UNMATCHED = "已自查", "漏排", "无法匹配"
CLASSES = (SELF, MISSED, UNMATCHED)


@dataclass
class Match:
    """A finding with its class and the ledger it was set against."""

    finding: Inspection
    cls: str  # SELF / MISSED / UNMATCHED
    reason: str  # Chinese
    village: Village | None = None
    no: int | None = None
    topic: str = ""
    file: str = ""  # the ledger it was compared with ("" when none)
    period: int | None = None
    report_date: dt.date | None = None
    cell: str = ""  # the ledger's cell for the item
    self_reported: str = ""  # the village's own problem text(s) under the item

    @property
    def county(self) -> str:
        return self.village.county if self.village else self.finding.county

    @property
    def township(self) -> str:
        return self.village.township if self.village else self.finding.township

    @property
    def village_name(self) -> str:
        return self.village.village if self.village else self.finding.village


@dataclass
class Result:
    source: str  # the findings file
    matches: list[Match] = field(default_factory=list)

    def of(self, cls: str) -> list[Match]:
        return [m for m in self.matches if m.cls == cls]

    def summary(self) -> list[tuple[str, str, dict[str, int]]]:
        """(county, township, counts by class) in the order first seen; townships by county."""
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for m in self.matches:
            key = (m.county or "（未填县）", m.township or "（未填乡镇）")
            c = counts.setdefault(key, dict.fromkeys(CLASSES, 0))
            c[m.cls] += 1
        counties = list(dict.fromkeys(k[0] for k in counts))
        return [(k[0], k[1], counts[k]) for county in counties for k in counts if k[0] == county]

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys(CLASSES, 0)
        for m in self.matches:
            out[m.cls] += 1
        return out


# --- ledger sources ------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One accepted return of a village, placed in time."""

    ref: int  # submission id (store) or index into the Submissions
    date: dt.date  # 填报日期, else the period's cut-off
    period: int
    file: str
    report_date: dt.date | None


# item no → [(has_problem, description, cell)]
ItemRows = dict[int, list[tuple[str | None, str | None, str]]]


class Ledgers(abc.ABC):
    """Items of the checklist and every village's accepted returns."""

    def __init__(
        self, items: dict[int, tuple[str, str]], versions: dict[str, list[Version]]
    ) -> None:
        self.items = items  # no → (topic, content)
        self.versions = versions  # village key → versions by (date, period, order)
        self._norm = {n: (norm_text(t), norm_text(c)) for n, (t, c) in items.items()}

    def as_of(self, key: str, day: dt.date) -> Version | None:
        best = None
        for v in self.versions.get(key, []):
            if v.date <= day:
                best = v
        return best

    @abc.abstractmethod
    def rows(self, refs: Iterable[int]) -> dict[int, ItemRows]:
        """Each version's item rows (the store reads them; submissions hold them)."""

    def match_item(self, text: str) -> tuple[int | None, str]:
        """(item no, "") when the text names one item (topic or content substring), else (None, why)."""
        t = norm_text(text)
        if len(t) < 2:
            return None, f"排查项目“{text}”过短，无法对应清单项目，请填写项目序号"
        exact = [n for n, (topic, _) in self._norm.items() if t == topic]
        hits = exact or [
            n
            for n, (topic, content) in self._norm.items()
            if t in topic or t in content or (content and content in t)
        ]
        if len(hits) == 1:
            return hits[0], ""
        if not hits:
            return None, f"排查清单中找不到与“{text}”对应的项目，请填写项目序号"
        nos = "、".join(str(n) for n in sorted(hits)[:10])
        return None, f"“{text}”对应多个项目（第{nos}项），请填写项目序号"


class SubmissionLedgers(Ledgers):
    """Ledgers from Submissions (no store): items from the checklist; ref = index in subs."""

    def __init__(self, subs: Sequence[Submission], cl: Checklist) -> None:
        pers = Periods(cl.campaign)
        self.subs = list(subs)
        placed: dict[str, list[tuple[dt.date, int, int, Version]]] = {}
        for i, s in enumerate(self.subs):
            period = s.period or (pers.number_of(s.report_date) if s.report_date else None)
            if not s.accepted or period is None:
                continue
            date = s.report_date or pers.get(period).deadline
            placed.setdefault(key_of(s), []).append(
                (date, period, i, Version(i, date, period, s.file, s.report_date))
            )
        versions = {k: [x[3] for x in sorted(v, key=lambda x: x[:3])] for k, v in placed.items()}
        super().__init__({i.no: (i.topic, i.content) for _, i in cl.items}, versions)

    def rows(self, refs: Iterable[int]) -> dict[int, ItemRows]:
        out: dict[int, ItemRows] = {}
        for i in set(refs):
            d: ItemRows = {}
            for r in self.subs[i].rows:
                d.setdefault(r.no, []).append((r.has_problem, r.description, r.source_cell))
            out[i] = d
        return out


# --- the comparison -------------------------------------------------------------------


def compare(
    found: Sequence[Inspection], roster: Roster, ledgers: Ledgers, source: str = ""
) -> Result:
    """Classify every finding (see the module doc)."""
    result = Result(source)
    pending: list[tuple[Match, Version]] = []
    for f in found:
        if f.problem:
            result.matches.append(Match(f, UNMATCHED, f"第{f.row}行：{f.problem}"))
            continue
        v = roster.find(
            code=f.code or None,
            county=f.county or None,
            township=f.township or None,
            village=f.village or None,
        )
        if v is None:
            name = f"{f.county}{f.township}{f.village}" or f.code
            result.matches.append(
                Match(f, UNMATCHED, f"村名册中找不到“{name}”（或有同名村，请填写村代码）")
            )
            continue
        no, why = (f.no, "") if f.no is not None else ledgers.match_item(f.item)
        if no is not None and no not in ledgers.items:
            no, why = None, f"排查清单中没有第{no}项"
        if no is None:
            result.matches.append(Match(f, UNMATCHED, why, village=v))
            continue
        topic = ledgers.items[no][0]
        m = Match(f, MISSED, "", village=v, no=no, topic=topic)
        result.matches.append(m)
        assert f.found is not None  # a row without a readable 发现日期 has a problem
        ver = ledgers.as_of(v.key, f.found)
        if ver is None:
            first = ledgers.versions.get(v.key)
            later = f"（首次报送：{first[0].date.isoformat()}，{first[0].file}）" if first else ""
            m.reason = f"发现时该村尚未报送台账{later}"
            continue
        m.file, m.period, m.report_date = ver.file, ver.period, ver.report_date
        pending.append((m, ver))
    _classify(pending, ledgers.rows(v.ref for _, v in pending))
    return result


def _classify(pending: list[tuple[Match, Version]], rows: dict[int, ItemRows]) -> None:
    """已自查 or 漏排 of the findings set against a ledger, with the reason and the cell."""
    for m, ver in pending:
        got = rows.get(ver.ref, {}).get(m.no, []) if m.no is not None else []
        problems = [(d or "", c) for has, d, c in got if has == YES]
        if problems:
            m.cls = SELF
            m.self_reported = "；".join(d for d, _ in problems if d)
            m.cell = problems[0][1]
            m.reason = f"台账第{m.no}项已自查出问题"
        elif any(has == NO for has, _, _ in got):
            m.cell = got[0][2]
            m.reason = f"台账第{m.no}项填“否”"
        else:
            m.cell = got[0][2] if got else ""
            m.reason = f"台账第{m.no}项未填写是否存在问题" if got else f"台账中没有第{m.no}项"
