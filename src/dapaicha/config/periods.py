"""Campaign periods (第N期): windows, cut-off dates, on time or late.

第1期 is the first submission, due campaign.first_deadline (window campaign.start ..
first_deadline); then one period every report_every_days days: 第2期 covers
first_deadline+1 .. first_deadline+7, and so on. Periods are unbounded (weekly reporting
goes on for 纳入整改方案 items past campaign.end).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from dapaicha.config.checklist import Campaign
from dapaicha.config.workspace import RESUBMIT_DAYS
from dapaicha.errors import UserError

# Folder names that name a period: 第3期, 3期, 第３期, 第三期, 第十二期, 2022年第2期,
# 第2期报送, period3, period-3. p3 is NOT accepted.
_CN = "〇零一二两三四五六七八九十"
_FOLDER = re.compile(
    r"^(?:.*?[年_\s-])?(?:第\s*([0-9０-９]+|["
    + _CN
    + r"]+)\s*期|([0-9０-９]+)\s*期|period[\s_-]*([0-9]+))"
    r"(?:[（(].*[)）]|报送|台账|返回|周报)*$",
    re.I,
)


def _cn_number(s: str) -> int | None:
    """一..九十九 (with 两/〇/零) → int; None if not a Chinese numeral."""
    d = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    if not s or any(c not in d and c != "十" for c in s):
        return None
    if "十" in s:
        tens, _, ones = s.partition("十")
        t = d.get(tens, 0) if tens else 1
        o = d.get(ones, 0) if ones else 0
        return t * 10 + o
    return int("".join(str(d[c]) for c in s))


@dataclass(frozen=True)
class Period:
    n: int
    start: dt.date  # first day of the window (inclusive)
    deadline: dt.date  # last day of the window and the cut-off (inclusive)

    @property
    def label(self) -> str:
        return f"第{self.n}期"

    def contains(self, d: dt.date) -> bool:
        return self.start <= d <= self.deadline


class Periods:
    """The periods of one campaign."""

    def __init__(self, campaign: Campaign) -> None:
        self.start = campaign.start
        self.first_deadline = campaign.first_deadline
        self.every = campaign.report_every_days

    @classmethod
    def of(cls, start: dt.date, first_deadline: dt.date, every: int) -> Periods:
        p = cls.__new__(cls)
        p.start, p.first_deadline, p.every = start, first_deadline, every
        return p

    def get(self, n: int) -> Period:
        if n < 1:
            raise UserError(f"期次应为 1 以上的整数，收到 {n}。")
        if n == 1:
            return Period(1, self.start, self.first_deadline)
        deadline = self.first_deadline + dt.timedelta(days=self.every * (n - 1))
        return Period(n, deadline - dt.timedelta(days=self.every - 1), deadline)

    def number_of(self, d: dt.date) -> int:
        """The period whose window contains d; dates before the campaign count as 第1期."""
        if d <= self.first_deadline:
            return 1
        return 2 + (d - self.first_deadline - dt.timedelta(days=1)).days // self.every

    def containing(self, d: dt.date) -> Period:
        return self.get(self.number_of(d))

    def all_until(self, d: dt.date) -> list[Period]:
        """第1期 up to and including the period that contains d."""
        return [self.get(n) for n in range(1, self.number_of(d) + 1)]

    def resubmit_by(self, as_of: dt.date | None) -> dt.date:
        """The cut-off for a corrected return: the next one after as_of (the latest 填报日期
        of the batch), never the day itself; the first cut-off when nothing is known."""
        if as_of is None:
            return self.first_deadline
        return self.containing(as_of + dt.timedelta(days=1)).deadline

    def on_time(
        self, report_date: dt.date | None, n: int, received: dt.date | None = None
    ) -> bool | None:
        """On time for period n: the day the file was received ≤ the deadline when known
        (see `receipt_day`), else the 填报日期; None when neither is known."""
        day = received if received is not None else report_date
        if day is None:
            return None
        return day <= self.get(n).deadline

    def other_period(self, report_date: dt.date | None, n: int) -> int | None:
        """The period a 填报日期 falls in when it is not period n (None when it is n, or unknown)."""
        if report_date is None:
            return None
        m = self.number_of(report_date)
        return m if m != n else None


# Weekly reports go on past the campaign's end for 纳入整改方案 items, not for years.
REPORTING_AFTER_END = dt.timedelta(days=366)
# A 填报日期 this long before the file was received is likely stale or back-dated.
BACKDATE_DAYS = 7


def live(campaign: Campaign, day: dt.date) -> bool:
    """day lies in the campaign's reporting time (start .. end + a year)."""
    return campaign.start <= day <= campaign.end + REPORTING_AFTER_END


def receipt_day(campaign: Campaign, received: dt.date | None) -> dt.date | None:
    """The receipt day timeliness is judged by: when the file was first seen, if that lies in
    the campaign; None when an old campaign is replayed (the 填报日期 decides, as before)."""
    return received if received is not None and live(campaign, received) else None


BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def now() -> str:
    """This moment in Beijing time (the campaign's clock, whatever the machine's zone)."""
    return dt.datetime.now(BEIJING).isoformat(timespec="seconds")


def day_of(received_at: str) -> dt.date | None:
    """The Beijing day of a stored receipt time (ISO date, or date-time with or without an
    offset); None if unreadable."""
    try:
        t = dt.datetime.fromisoformat(received_at)
    except ValueError:
        return None
    return (t.astimezone(BEIJING) if t.tzinfo else t).date()


@dataclass
class Receipts:
    """When each file was first seen: an earlier merge's record, else now (this merge)."""

    campaign: Campaign
    now: str
    stored: dict[str, tuple[bool, str, int]]  # sha256 → (accepted, received_at, period)
    before: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (village, n) → all
    grace: int = RESUBMIT_DAYS  # days a village has to send a corrected return (its notice)
    # (village, n) → when its first return accepted as on time was received
    reported: dict[tuple[str, int], str] = field(default_factory=dict)

    def at(self, sha: str) -> str:
        return self.stored[sha][1] if sha in self.stored else self.now

    def day(self, sha: str) -> dt.date | None:
        """The receipt day timeliness goes by (None outside the campaign)."""
        return receipt_day(self.campaign, day_of(self.at(sha)))

    def reported_on_time(self, village: str, n: int, sha: str) -> bool:
        """Whether the village had a return of period n accepted as on time before this one
        (an update after the deadline does not make a village that reported in time late)."""
        first = self.reported.get((village, n))
        return first is not None and first < self.at(sha)

    def judged(self, village: str, n: int, sha: str) -> dt.date | None:
        """The day this return's timeliness goes by: its receipt; a correction sent within
        `grace` days of the village's previous return of the period (whose notice gave those
        days) goes by the day that one went by, down the chain to the first: a village that
        sent on time and corrected each time in time is not late."""
        this = self.day(sha)
        if this is None:
            return None
        seen = {receipt_day(self.campaign, day_of(at)) for at in self.before.get((village, n), [])}
        grace = dt.timedelta(days=self.grace)
        judged: dt.date | None = None
        last: dt.date | None = None
        for d in sorted(x for x in seen if x is not None and x < this):
            judged = judged if last is not None and d <= last + grace else d
            last = d
        if judged is not None and last is not None and this <= last + grace:
            return judged
        return this


def date_doubt(report_date: dt.date | None, received: dt.date | None) -> str | None:
    """Why a 填报日期 looks wrong against the receipt day: later than it, or more than
    BACKDATE_DAYS before it (stale or back-dated); None when it fits or cannot be told."""
    if report_date is None or received is None:
        return None
    if report_date > received:
        return "晚于收到日期"
    if (received - report_date).days > BACKDATE_DAYS:
        return f"早于收到日期{BACKDATE_DAYS}天以上"
    return None


def from_folder(rel: PurePath | str) -> int | None:
    """Period named by a folder in rel (a path relative to the returns folder), deepest first.

    Only folder components count, not the file name itself.
    """
    parts = PurePath(rel).parts[:-1]
    for part in reversed(parts):
        n = folder_number(part)
        if n is not None:
            return n
    return None


def folder_number(name: str) -> int | None:
    m = _FOLDER.match(name.strip())
    if not m:
        return None
    digits = next(g for g in m.groups() if g)
    if digits[0] in _CN:
        n = _cn_number(digits)
    else:
        n = int(digits.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    return n if n is not None and n >= 1 else None


def resolve(
    periods: Periods,
    *,
    forced: int | None = None,
    preset: int | None = None,
    rel: PurePath | str | None = None,
    report_date: dt.date | None = None,
    as_of: dt.date | None = None,
) -> tuple[int | None, str]:
    """A return's period and where it came from.

    Order: the period recorded in a merged ledger (preset), --period (forced), a folder name,
    the as-of day (--as-of, or today inside the campaign), and only without one the 填报日期
    (replaying a finished campaign). Returns (None, "") when nothing tells.
    """
    if preset is not None:
        return preset, "汇总台账"
    if forced is not None:
        return forced, "--period"
    if rel is not None:
        n = from_folder(rel)
        if n is not None:
            return n, "文件夹"
    if as_of is not None:
        return periods.number_of(as_of), "--as-of"
    if report_date is not None:
        return periods.number_of(report_date), "填报日期"
    return None, ""
