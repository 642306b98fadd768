"""`dapaicha week`: an office's weekly round in one command, inside its workspace.

New or changed returns of the period are validated and stored; 退回修改 copies are written
for each village's current rejected file only (a copy whose village has since passed goes to
已作废); the merged ledger, summaries and 周报 are rolled up; the 催报名单 and one 催报通知
per township list every village still owing. Run again with nothing new: nothing changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from dapaicha.app import archive, merge, rollup, validate
from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import Periods
from dapaicha.config.roster import Roster
from dapaicha.config.workspace import Workspace
from dapaicha.errors import UserError
from dapaicha.findings import C, FileResult, Report, Severity
from dapaicha.fsutil import atomic_write_text
from dapaicha.model import Status
from dapaicha.read import roster as roster_mod
from dapaicha.store.status import (
    PeriodStatus,
    any_accepted,
    period_status,
    rejected_updates,
    stored_files,
)
from dapaicha.xlsx import chase, feedback
from dapaicha.xlsx import report as report_xlsx
from dapaicha.xlsx.excel import cn_date

VOID = "已作废"
COPIES = ".dapaicha-copies.json"  # copy or notice → sha256 of the file it answers
SEEN = ".dapaicha-seen.json"  # files a week read and could not store (see Seen)


@dataclass
class WeekResult:
    period: int
    as_of: dt.date
    files: int  # returns in the period's folder
    new: int  # of them, not yet in the store
    status: PeriodStatus
    written: list[tuple[str, Path]] = field(default_factory=list)
    voided: list[Path] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (file, why) not stored
    elsewhere: list[tuple[str, int]] = field(default_factory=list)  # (file, period stored in)
    rolled_up: bool = True  # False: nothing accepted yet, no summaries written
    rejected: int = 0  # of the new files, stored as sent back
    ledgers: set[str] = field(default_factory=set)  # of the unread, counties' merged ledgers
    findings: tuple[int, int] = (0, 0)  # errors, warnings in the new files

    @property
    def nothing_new(self) -> bool:
        return self.new == 0


def _from_county(fr: FileResult) -> bool:
    """A county's merged ledger, or a summary sent instead of one."""
    return fr.kind == "merged" or any(f.code == C.SUMMARY_NOT_LEDGER for f in fr.findings)


def _period(cl: Checklist, period: int | None, day: dt.date) -> int:
    camp = cl.campaign
    if period is not None:
        return period
    if validate.today_in(camp, day) is not None:
        return Periods(camp).number_of(day)
    raise UserError(
        f"{day:%Y-%m-%d} 不在行动期间（{camp.start:%Y-%m-%d} 至 {camp.end:%Y-%m-%d}），"
        "请用 -p 指定第几期，例：dapaicha week -p 2"
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Seen:
    """What earlier weeks read and could not store, valid while the roster and checklist
    stay as they were (a fixed roster or checklist reads refused files again)."""

    path: Path
    inputs: str  # sha256 of the roster's and the checklist's bytes
    unread: dict[str, str]  # sha256 → file name, of files read and not stored
    valid: bool  # same inputs as when written, and the store is still there
    merged: dict[str, int]  # sha256 → period, of lower tiers' merged ledgers stored

    @classmethod
    def load(cls, ws: Workspace, store: Path) -> Seen:
        s = ws.settings
        h = hashlib.sha256()
        for p in (ws.path(s.roster) or ws.root / "名册.xlsx", ws.path(s.checklist)):
            h.update(p.read_bytes() if p is not None and p.is_file() else b"-")
        path = ws.root / SEEN
        data = json.loads(path.read_text("utf-8")) if path.exists() else {}
        ok = isinstance(data, dict) and data.get("inputs") == h.hexdigest() and store.exists()
        merged = dict(data.get("merged", {})) if isinstance(data, dict) and store.exists() else {}
        return cls(path, h.hexdigest(), dict(data.get("unread", {})) if ok else {}, ok, merged)

    def knows(self, sha: str, stored: dict[str, tuple[bool, str, int]]) -> bool:
        """Read before: stored and accepted; a merged ledger stored (its villages are, by their
        own keys); or refused with the same roster and checklist."""
        if sha in self.merged:
            return True
        if sha in stored:
            return stored[sha][0] or self.valid
        return sha in self.unread

    def save(self, unread: dict[str, str], merged: dict[str, int]) -> None:
        data = {
            "inputs": self.inputs,
            "unread": {**self.unread, **unread},
            "merged": {**self.merged, **merged},
        }
        atomic_write_text(self.path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))


def run(ws: Workspace, period: int | None = None, as_of: dt.date | None = None) -> WeekResult:
    """The week: validate and store what is new, copies, rollup, 催报."""
    s, f = ws.settings, ws.settings.folders
    cl = cl_mod.load(ws.path(s.checklist))
    day = as_of or dt.date.today()
    n = _period(cl, period, day)
    folder = ws.root / f.returns / f"第{n}期"
    if not folder.is_dir():
        raise UserError(
            f"没有找到本期报送文件夹 {folder}：请把各村报送的台账放进这个文件夹后再运行。"
        )
    store = ws.path(s.store) or ws.root / "dapaicha.sqlite"
    listed = validate.list_files(folder)
    files = listed[0]
    shas = {p: _sha(p) for p in files}
    seen = Seen.load(ws, store)
    stored = stored_files(store, list(shas.values()))
    fresh = [p for p in files if not seen.knows(shas[p], stored)]
    before = {sha: at[2] for sha, at in stored.items()} | seen.merged  # sha → period stored in
    elsewhere = [(p.name, before[shas[p]]) for p in files if before.get(shas[p], n) != n]
    if not fresh and store.exists():
        week = WeekResult(n, day, len(files), 0, period_status(store, n, day), elsewhere=elsewhere)
        _chase(ws, week, cl)  # the same day: the same bytes, nothing rewritten
        return week
    ros = _scoped(roster_mod.load(ws.path(s.roster) or ws.root / "名册.xlsx", cl.campaign), ws)
    summary = ws.root / f.summary / f"第{n}期"
    result = merge.run(
        folder, cl, ros, store, period=n, out=summary / _ledger_name(ws, n),
        received_at=day.isoformat() if as_of else None, only=fresh, grace=s.resubmit_days,
        listed=listed,
    )  # fmt: skip
    ps = period_status(store, n, day)
    week = WeekResult(n, day, len(files), len(fresh), ps, elsewhere=elsewhere)
    archive.keep(ws.root, {p: shas[p] for p in fresh})
    now = set(stored_files(store, [shas[p] for p in fresh]))
    ups = {fr.sha256: n for fr in result.report.files if fr.kind == "merged" and fr.accepted}
    week.unread = [(fr.file, _why(fr)) for fr in result.report.files
                   if fr.sha256 not in now and fr.sha256 not in ups]  # fmt: skip
    seen.save({shas[p]: p.name for p in fresh if shas[p] not in now and shas[p] not in ups}, ups)
    # files, as `files` and `unread` count them (a merged ledger's villages are not files)
    week.rejected = sum(fr.sha256 in now and not fr.accepted for fr in result.report.files)
    week.ledgers = {fr.file for fr in result.report.files if _from_county(fr)}
    week.findings = (sum(fr.errors for fr in result.report.files),
                     sum(fr.warnings for fr in result.report.files))  # fmt: skip
    week.written.append(("校验报告", _report(ws, week, result.report, cl)))
    if result.written is not None:
        week.written.append(("合并台账", result.written.path))
    _copies(ws, week, result.report, folder, cl, store)
    week.rolled_up = any_accepted(store)
    if week.rolled_up:
        made = rollup.run(cl, ros, summary, store_path=store, period=n, tier=rollup.tier_of(s))
        week.written += [("汇总", p) for p in made.paths]
    _chase(ws, week, cl)
    return week


def _report(ws: Workspace, week: WeekResult, report: Report, cl: Checklist) -> Path:
    """The new files' 校验报告 (a new file each run: _2, _3 … on the same day); its 未报 are
    the villages the store says still owe a return, not those without a new file."""
    owing = (Status.UNREPORTED, Status.OVERDUE)
    report.missing = [
        {"county": v.county, "township": v.township, "village": v.village, "village_code": v.code}
        for v in week.status.villages
        if v.status in owing
    ]
    stem = (
        ws.root / ws.settings.folders.reports / f"校验报告_第{week.period}期_{week.as_of:%Y-%m-%d}"
    )
    path, k = stem.with_suffix(".xlsx"), 1
    while path.exists():
        k += 1
        path = stem.with_name(f"{stem.name}_{k}.xlsx")
    title = f"{cl.campaign.title}第{week.period}期新收到台账校验报告"
    report_xlsx.write(report, path, title=title)
    return path


def _ledger_name(ws: Workspace, n: int) -> str:
    """The period's merged ledger: a county's carries its name (it is sent up as it is)."""
    unit = ws.settings.unit
    own = unit.name if unit.level == "县" else ""
    return f"{own}问题整改台账_第{n}期.xlsx"


def _scoped(ros: Roster, ws: Workspace) -> Roster:
    """A county's workspace sees its own villages only, even on a city-wide roster."""
    tier = rollup.tier_of(ws.settings)
    if not tier.is_county:
        return ros
    return roster_mod.scoped(ros, tier.name)


def _why(fr: FileResult) -> str:
    """Why a file of the week was not stored: its first error, in words."""
    errors = [f for f in fr.findings if f.severity is Severity.ERROR] or fr.findings
    return errors[0].message if errors else "无法读取"


def _copies(
    ws: Workspace, week: WeekResult, report: Report, folder: Path, cl: Checklist, store: Path
) -> None:
    """退回修改 for each 退回待改 village's current file, and for an update sent back while the
    village's earlier file still counts (rejected_updates); copies of older files → 已作废."""
    out = ws.root / ws.settings.folders.rejected / f"第{week.period}期"
    current = {v.sha256 for v in week.status.villages if v.status is Status.RETURNED}
    current |= rejected_updates(store, week.period)
    due = week.as_of + dt.timedelta(days=ws.settings.resubmit_days)
    index_path = out / COPIES
    index: dict[str, str] = json.loads(index_path.read_text("utf-8")) if index_path.exists() else {}
    made: list[Path] = []
    for fr in report.files:
        if fr.sha256 not in current:
            continue
        paths = feedback.write_all(
            Report(files=[fr]), folder, out, campaign_title=cl.campaign.title,
            deadline=cn_date(due), office=ws.settings.office or cl.campaign.office,
            phone=ws.settings.phone or cl.campaign.phone, issued=week.as_of,
        )  # fmt: skip
        index.update({p.relative_to(out).as_posix(): fr.sha256 for p in paths})
        made += paths
    for rel, sha in sorted(index.items()):
        if sha not in current and (out / rel).exists():
            dest = out / VOID / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(out / rel, dest)
            week.voided.append(dest)
    index = {k: v for k, v in index.items() if v in current}
    atomic_write_text(index_path, json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True))
    week.written += [("退回修改", p) for p in made]


def _chase(ws: Workspace, week: WeekResult, cl: Checklist) -> None:
    """催报名单.xlsx and a 催报通知 per township, in the period's 汇总 folder."""
    s = ws.settings
    out = ws.root / s.folders.summary / f"第{week.period}期"
    due = chase.Due(week.as_of, s.resubmit_days, week.status.deadline)
    vs = week.status.villages
    title = f"{cl.campaign.title}第{week.period}期催报名单"
    path = chase.write_list(vs, out / chase.LIST_NAME, title, due)
    week.written.append(("催报名单", path))
    notices = chase.write_notices(
        vs, out / "催报通知", period=week.period, due=due,
        office=s.office or cl.campaign.office, phone=s.phone or cl.campaign.phone,
    )  # fmt: skip
    week.written += [("催报通知", p) for p in notices]
