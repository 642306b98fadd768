"""dapaicha merge: validated returns → the store, cross-period warnings, the merged ledger.

One merge is one transaction (BEGIN IMMEDIATE): the campaign, roster villages, periods,
submissions and rows are written, supersession recomputed, the merge's own findings
(late-return, superseded, rejected-kept-previous, problem-vanished, result-regressed,
deadline-postponed) worked out and the merged ledger written (under a temporary name); only
then COMMIT, and after it the ledger is renamed into place.
Any failure rolls the store back to what it was (a store this run created is removed).

A return's period: the period recorded in a merged ledger; else --period; else a folder
named 第3期 / 3期 / period3 in its path under the returns folder (or the returns folder's
own name); else its 填报日期; else --as-of; else the period most returns of the batch have.
On time: 填报日期 ≤ the period's deadline; without a 填报日期 on_time is NULL (unknown),
which counts as not on time and not late.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from dapaicha.app import archive, validate
from dapaicha.app import units as units_mod
from dapaicha.app.progress import Progress, silent
from dapaicha.check import crossperiod, timeliness
from dapaicha.config import checklist as cl_mod
from dapaicha.config import periods as periods_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.periods import Periods
from dapaicha.config.roster import Roster
from dapaicha.config.workspace import RESUBMIT_DAYS
from dapaicha.errors import UserError
from dapaicha.findings import C, FileResult, Finding, Report, make
from dapaicha.model import Submission
from dapaicha.normalize import parse_date
from dapaicha.read import roster as roster_mod
from dapaicha.store import query as store_query
from dapaicha.store import write as store
from dapaicha.store.status import receipts_of, stored_files
from dapaicha.xlsx import merged


@dataclass
class MergeResult:
    report: Report
    store: Path
    period: int | None  # the period of the merged ledger (None: nothing accepted yet)
    added: int = 0  # new submissions stored (accepted or rejected)
    already: int = 0  # files already in the store: nothing added
    rejected: int = 0  # of the added, rejected ones
    unstored: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    written: merged.Written | None = None
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # sha256 → merge findings
    units: list[merged.Written] = field(default_factory=list)  # the counties' ledgers written


def command(
    returns: Path,
    roster_path: Path,
    checklist_path: Path | None = None,
    *,
    store_path: Path,
    period: int | None = None,
    as_of: str | None = None,
    out: Path,
    progress: Progress = silent,
    workers: int | None = None,
    archive_root: Path | None = None,
    county: str | None = None,
    grace: int = RESUBMIT_DAYS,
    whole: bool = True,
    units: bool = False,
    all_units: bool = False,
) -> MergeResult:
    """`dapaicha merge`: validate a folder, store it, write the merged ledgers: the whole
    store's at `out` when `whole`; with `units`, the touched counties' (every county's with
    all_units) in units.FOLDER beside `out`.

    archive_root: a workspace, whose 存档 keeps every file read, once, by its sha256."""
    cl = cl_mod.load(checklist_path)
    ros = roster_mod.load(roster_path, cl.campaign, county)
    day = parse_day(as_of, cl) if as_of else None
    listed = validate.list_files(returns)  # once: counted here, validated in run
    today = validate.today_in(cl.campaign) if period is None and day is None else None
    received = day.isoformat() if day else None
    with progress(len(listed[0])) as advance:
        res = run(returns, cl, ros, store_path, period=period, as_of=day,
                  out=out if whole else None, on_file=advance, workers=workers,
                  units=Path(out).parent / units_mod.FOLDER if units else None,
                  all_units=all_units, received_at=received, by_date=False,
                  today=today, grace=grace, listed=listed)  # fmt: skip
    if archive_root is not None:
        base = returns if returns.is_dir() else returns.parent
        read = {base / fr.file: fr.sha256 for fr in res.report.files if fr.sha256}
        archive.keep(archive_root, {p: sha for p, sha in read.items() if p.is_file()})
    return res


def run(
    folder: Path,
    cl: Checklist,
    roster: Roster,
    store_path: Path,
    *,
    period: int | None = None,
    as_of: dt.date | None = None,
    out: Path | None = None,
    timeout: float = store.BUSY_TIMEOUT,
    on_file=None,
    workers: int | None = None,
    received_at: str | None = None,
    only: list[Path] | None = None,
    listed: tuple[list[Path], list[tuple[str, str]]] | None = None,
    by_date: bool = True,
    today: dt.date | None = None,
    merged_period: int | None = None,
    grace: int = RESUBMIT_DAYS,
    units: Path | None = None,
    all_units: bool = False,
) -> MergeResult:
    """Validate a folder (the same rules and report as `validate`), store it, write the ledger.
    only: validate just these files of the folder (the rest are in the store already).
    merged_period: the period a merged ledger must be of when no --period is given (rollup -p).
    listed: validate.list_files(folder), when known."""
    report, subs = validate.validate_folder(
        Path(folder), cl, roster, on_file=on_file, workers=workers, only=only, listed=listed
    )
    return merge_submissions(
        store_path, subs, cl, roster=roster, report=report, folder=Path(folder),
        period=period, as_of=as_of, out=out, timeout=timeout, received_at=received_at,
        by_date=by_date, today=today, merged_period=merged_period, units=units, grace=grace,
        all_units=all_units, workers=workers,
    )  # fmt: skip


def _base(folder: Path | None) -> Path | None:
    if folder is None:
        return None
    folder = folder.resolve()
    return folder if folder.is_dir() else folder.parent


def merge_submissions(
    store_path: Path | str,
    subs: list[Submission],
    cl: Checklist,
    *,
    roster: Roster | None = None,
    report: Report | None = None,
    folder: Path | None = None,
    period: int | None = None,
    as_of: dt.date | None = None,
    out: Path | None = None,
    timeout: float = store.BUSY_TIMEOUT,
    received_at: str | None = None,
    by_date: bool = True,
    today: dt.date | None = None,
    merged_period: int | None = None,
    grace: int = RESUBMIT_DAYS,
    units: Path | None = None,
    all_units: bool = False,
    workers: int | None = None,
) -> MergeResult:
    """Store validated Submissions; add the merge's findings to `report`; write `out` (the
    whole store's ledger) and, in `units`, the ledgers of the counties this merge stored
    returns for (every county's with all_units).

    by_date: a return with no period from -p, a folder or the as-of day goes by its 填报日期
    (replaying a campaign); False: one Chinese line asks for -p instead (the command).
    today: places returns like --as-of, but leaves the merged ledger's period to the batch.
    """
    if period is not None and period < 1:
        raise UserError(f"--period 应为 1 以上的整数，收到 {period}。")
    pers = Periods(cl.campaign)
    report = report if report is not None else _report_of(subs)
    result = MergeResult(report, Path(store_path), None)
    seen = _receipts(store_path, subs, cl, received_at, grace)
    told = period if period is not None else merged_period
    batch, pending = _plan(subs, pers, _base(folder), (period, as_of or today), seen, told)
    if not by_date:
        _ask_period([b.sub for b in batch if b.source == "填报日期"] + pending, cl)
    # most returns of the batch; on a tie the later period
    fallback = sorted(Counter(b.period for b in batch).items(), key=lambda kv: (kv[1], kv[0]))[-1:]
    used = {fr.file: fr.used for fr in report.files}
    staged = units_mod.Staged([])
    with _staged(Path(store_path), out, timeout, staged) as (conn, pending_out):  # noqa: SIM117
        with store.transaction(conn, store_path):
            cid = store.ensure_campaign(conn, cl)
            if roster is not None:
                store.add_roster(conn, roster)
            last = store_query.latest_period(conn)
            _place(pending, batch, result, pers, fallback[0][0] if fallback else None, last, seen)
            batch.sort(key=lambda b: (used.get(b.sub.file, True), b.sub.file, b.sub.sha256))
            _named(batch)
            store.ensure_periods(conn, cid, pers, max([b.period for b in batch], default=1))
            ids, new = store.insert(conn, cid, batch, seen.now)
            result.added = len(new)
            result.already = len({b.sub.sha256 for b in batch}) - len(new)
            result.rejected = sum(
                1 for b in batch if ids[b.sub.sha256] in new and not b.sub.accepted
            )
            _record_findings(conn, batch, ids, new, result, cl)
            _store_findings(conn, batch, ids, new, report, result)
            result.period = _out_period(conn, pers, period, as_of, [b.period for b in batch])
            if out is not None and result.period is not None:
                data = store_query.frames(conn, result.period, depth=0)
                sources = store_query.source_periods(conn, result.period)
                # written before COMMIT (a failure rolls the store back), shown after it
                result.written = merged.write(pending_out, data, cl, sources)
            if units is not None and result.period is not None:
                touched = None if all_units else _touched(conn, batch, ids, new, result.period)
                staged.written = units_mod.write(
                    conn, units, result.period, cl, touched, workers
                ).written
    staged.publish()
    _publish(result, pending_out, out)
    result.units = staged.written
    _attach(report, batch, result.findings)
    return result


def _named(batch: list[store.Incoming]) -> None:
    """Every accepted return has a village key (else a bug: stop before storing)."""
    for b in batch:
        if b.key is None and b.sub.accepted:
            raise UserError(f"{b.sub.file}：通过校验却没有村名，无法入库（程序错误，请报告）。")


def _plan(
    subs: list[Submission],
    pers: Periods,
    base: Path | None,
    asked: tuple[int | None, dt.date | None],
    seen: periods_mod.Receipts,
    told: int | None = None,
) -> tuple[list[store.Incoming], list[Submission]]:
    """Submissions with a period resolved (asked: --period, the as-of day), and those still
    without one; a merged ledger of another period than `told` (-p) or its folder's is
    refused (UserError)."""
    batch: list[store.Incoming] = []
    pending: list[Submission] = []
    period, as_of = asked
    for s in subs:
        rel = PurePath(base.name, s.file) if base is not None else None
        preset = s.period if s.source_kind == "merged" else None
        if preset is not None:  # the ledger's own period: a village carried has an older one
            _same_period(s.file, s.ledger_period or preset, told, rel)
        n, source = periods_mod.resolve(
            pers, forced=period, preset=preset, rel=rel, report_date=s.report_date, as_of=as_of
        )
        if n is None:
            pending.append(s)
        else:
            batch.append(_incoming(s, n, pers, seen, source))
    return batch, pending


def _receipts(
    store_path: Path | str, subs: list[Submission], cl: Checklist, at: str | None, grace: int
) -> periods_mod.Receipts:
    """When each file and each village's first return of a period was received."""
    stored = stored_files(store_path, [s.sha256 for s in subs])
    keys = sorted({s.key for s in subs if s.village_code or s.village})
    before, first = receipts_of(store_path, keys)
    return periods_mod.Receipts(cl.campaign, at or periods_mod.now(), stored, before, grace, first)


def _incoming(
    s: Submission, n: int, pers: Periods, seen: periods_mod.Receipts, source: str = ""
) -> store.Incoming:
    """On time by the receipt day for a village's own return; a merged ledger's villages as
    the tier below decided (it received them), else by their 填报日期."""
    if s.source_kind == "merged":
        on_time = s.on_time if s.on_time is not None else pers.on_time(s.report_date, n)
    elif seen.reported_on_time(s.key, n, s.sha256):  # an update of a village in time
        on_time = True
    else:
        on_time = pers.on_time(s.report_date, n, seen.judged(s.key, n, s.sha256))
    return store.Incoming(s, n, on_time, source, seen.at(s.sha256))


def _ask_period(unplaced: list[Submission], cl: Checklist) -> None:
    """Outside the campaign, without -p, a return in no 第N期 folder has no period."""
    if unplaced:
        camp = cl.campaign
        raise UserError(
            f"今天不在行动期间（{camp.start:%Y-%m-%d} 至 {camp.end:%Y-%m-%d}），无法确定"
            f"“{unplaced[0].file}”属于第几期：请用 -p 指定期次（例：dapaicha merge returns -p 2），"
            "或把文件放进“第N期”文件夹。"
        )


def _same_period(file: str, preset: int, told: int | None, rel: PurePath | None) -> None:
    """A lower tier's merged ledger is of the period the folder (第N期) or -p says, or refused."""
    folder = periods_mod.from_folder(rel) if rel is not None else None
    # week gives its folder's period as told: the folder is what the clerk sees
    n, where = (folder, "所在文件夹") if told is None or folder == told else (told, "-p 指定的")
    if n is not None and n != preset:
        raise UserError(
            f"{file}：这是第{preset}期的合并台账，{where}却是第{n}期，二者不符，不予合并；"
            "请放入对应期次的文件夹，或改正 -p。"
        )


def _place(
    pending: list[Submission],
    batch: list[store.Incoming],
    result: MergeResult,
    pers: Periods,
    fallback: int | None,
    last: int | None,
    seen: periods_mod.Receipts,
) -> None:
    """Put undated submissions in the batch's main period (or the store's latest)."""
    for s in pending:
        n = fallback if fallback is not None else last
        if n is None or (s.accepted and fallback is None):
            result.unstored.append(
                (s.file, "无法确定期次（没有填报日期），请用 --period 或 --as-of 指定")
            )
        else:
            batch.append(_incoming(s, n, pers, seen))


def _store_findings(
    conn: store.Connection,
    batch: list[store.Incoming],
    ids: dict[str, int],
    new: set[int],
    report: Report,
    result: MergeResult,
) -> None:
    """Each newly stored submission keeps its findings: validation's, then the merge's."""
    by_sha = {fr.sha256: fr.findings for fr in report.files if fr.sha256}
    found = {
        ids[b.sub.sha256]: [*by_sha.get(b.sub.sha256, []), *result.findings.get(b.sub.sha256, [])]
        for b in batch
        if ids[b.sub.sha256] in new
    }
    store.add_findings(conn, found)


def _record_findings(
    conn: store.Connection,
    batch: list[store.Incoming],
    ids: dict[str, int],
    new: set[int],
    result: MergeResult,
    cl: Checklist,
) -> None:
    """The merge's findings per submission; warning counts for the newly stored ones."""
    counts: dict[int, int] = {}
    for b in batch:
        sid = ids[b.sub.sha256]
        found = _findings(conn, b, sid, cl)
        result.findings[b.sub.sha256] = found
        if sid in new:
            counts[sid] = counts.get(sid, 0) + len(found)
    store.add_warnings(conn, counts)


def _publish(result: MergeResult, pending: Path, out: Path | None) -> None:
    """The merged ledger, written before the COMMIT, into place after it."""
    if result.written is not None and out is not None:
        try:
            pending.replace(out)
        except OSError as err:
            pending.unlink(missing_ok=True)
            raise UserError(
                f"无法写入 {out}（{err.strerror or err}），数据已入库；请换一个 -o 位置重新运行 merge。"
            ) from err
        result.written = dataclasses.replace(result.written, path=Path(out))


def _touched(
    conn: store.Connection,
    batch: list[store.Incoming],
    ids: dict[str, int],
    new: set[int],
    period: int,
) -> set[str]:
    """The counties of the returns this merge stored for `period` or before (carried on)."""
    sids = [ids[b.sub.sha256] for b in batch if b.period <= period]
    return store_query.counties_of(conn, [i for i in sids if i in new])


@contextmanager
def _staged(
    store_path: Path, out: Path | None, timeout: float, units: units_mod.Staged
) -> Iterator[tuple[store.Connection, Path]]:
    """The store's connection, and where the merged ledger waits for the COMMIT (renamed to
    out after it). On failure: the waiting ledgers are removed, and so is a store this run
    created (nothing of ours is left behind)."""
    created = not store_path.exists()
    conn = store.connect(store_path, create=True, timeout=timeout)
    name = Path(out).name if out is not None else "合并台账.xlsx"
    pending = (Path(out) if out is not None else store_path).with_name(f".~dapaicha-pending-{name}")
    try:
        yield conn, pending
    except BaseException:
        conn.close()
        pending.unlink(missing_ok=True)
        units.discard()
        if created:
            store.remove(store_path)
        raise
    conn.close()


def parse_day(text: str, cl: Checklist) -> dt.date:
    """--as-of: a date in any unambiguous form (2022-04-08, 2022年4月8日, 4月8日)."""
    r = parse_date(text, year=cl.campaign.year)
    if not r.ok or r.value is None:
        raise UserError(f"--as-of “{text}”不是日期，请写成如 2022-04-08 的形式。")
    return r.value


def _out_period(
    conn: store.Connection,
    pers: Periods,
    period: int | None,
    as_of: dt.date | None,
    merged: list[int],
) -> int | None:
    """--period; else the period most of the batch went to (on a tie the later); else
    (nothing merged) --as-of's period; else the store's latest period."""
    if period is not None:
        return period
    if merged:
        return max(Counter(merged).items(), key=lambda kv: (kv[1], kv[0]))[0]
    if as_of is not None:
        return pers.number_of(as_of)
    return store_query.latest_period(conn)


def _report_of(subs: list[Submission]) -> Report:
    """One FileResult per file (the first Submission of each names it)."""
    first: dict[str, Submission] = {}
    for s in subs:
        first.setdefault(s.file, s)
    return Report(files=[FileResult(s.file, [], s.village_code, s.county, s.township,
                                    s.village, sha256=s.sha256) for s in first.values()])  # fmt: skip


def _attach(report: Report, batch: list[store.Incoming], found: dict[str, list[Finding]]) -> None:
    """The merge's findings go to the FileResult of their return."""
    by_sha = {fr.sha256: fr for fr in report.files if fr.sha256}
    by_file = {fr.file: fr for fr in report.files}
    for b in batch:
        extra = found.get(b.sub.sha256) or []
        fr = by_sha.get(b.sub.sha256) or by_file.get(b.sub.file)
        if fr is None:
            fr = FileResult(b.sub.file, sha256=b.sub.sha256)
            report.files.append(fr)
            by_file[fr.file] = fr
        fr.findings.extend(extra)
        if any(f.code == "superseded" for f in extra) and b.sub.source_kind != "merged":
            fr.used = False


def _findings(conn: store.Connection, b: store.Incoming, sid: int, cl: Checklist) -> list[Finding]:
    """The merge's findings for one stored return.

    None for a village of a merged ledger: the tier below reported them already, with the
    village's own file and cells (here they would repeat every week for carried villages).
    """
    s = b.sub
    if s.source_kind == "merged":
        return []
    st = store.stored(conn, sid)
    out: list[Finding] = []
    if not s.accepted:
        kept = store.current_before(conn, b.key, st.period, inclusive=True) if b.key else None
        if kept is not None and st.accepted is False:
            out.append(make("rejected-kept-previous", s.file, detail=f"第{kept[2]}期“{kept[1]}”"))
        return out
    if not st.accepted:
        return out
    received = periods_mod.receipt_day(cl.campaign, periods_mod.day_of(st.received_at))
    cell = s.date_cell if s.source_kind == "ledger" else ""
    out += timeliness.findings(s.file, s.sheet, s.report_date, st.period, st.on_time, received,
                               Periods(cl.campaign), cell=cell)  # fmt: skip
    if b.period != st.period:  # the very file stored for another period: it counts there only
        out.append(make(C.SAME_FILE_OTHER_PERIOD, s.file, detail=st.period, expected=b.period))
    if st.superseded_by:
        out.append(make("superseded", s.file, detail=st.superseded_by, sheet=s.sheet))
    prev = store.current_before(conn, b.key, st.period) if b.key else None
    if prev is not None:
        out.extend(
            crossperiod.cross_period(
                store.rows_of(conn, prev[0]), list(s.rows), s.file, s.sheet, cl
            )
        )
    return out
