"""Run the rules over a folder of returns: a Report, and the Submissions merge stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from dapaicha import fsutil, layout
from dapaicha.app import gcmode, pool
from dapaicha.app import memo as memo_mod
from dapaicha.app.listing import list_files
from dapaicha.app.progress import Progress, silent
from dapaicha.check import duplicates, identity, rules, timeliness, versions
from dapaicha.config import checklist as cl_mod
from dapaicha.config import periods
from dapaicha.config.checklist import Campaign, Checklist
from dapaicha.config.roster import Roster, Village
from dapaicha.config.workspace import RESUBMIT_DAYS
from dapaicha.errors import UserError
from dapaicha.findings import C, FileResult, Finding, Report, make
from dapaicha.model import PackedRows, Submission
from dapaicha.normalize import parse_date
from dapaicha.read import reader, sniff
from dapaicha.store import memo as store_memo
from dapaicha.xlsx import feedback as feedback_xlsx
from dapaicha.xlsx import merged
from dapaicha.xlsx import report as report_xlsx
from dapaicha.xlsx.excel import cn_date


def validate_return(
    path: Path, name: str, cl: Checklist, roster: Roster, data: bytes | None = None
) -> tuple[FileResult, list[Submission]]:
    """One file → its FileResult and its Submissions (one, or one per village of a merged ledger)."""
    shown = fsutil.shown_name(name)
    if shown != name:  # not UTF-8: not read, nothing stored under a name no file can hold
        return FileResult(file=shown, findings=[make("file-name-invalid", shown)]), []
    with gcmode.paused():
        return _validate_return(path, name, cl, roster, data)


def _validate_return(
    path: Path, name: str, cl: Checklist, roster: Roster, data: bytes | None = None
) -> tuple[FileResult, list[Submission]]:
    yes_no = cl.vocabularies.yes_no.lookup
    ret, found = reader.read(path, name, cl.campaign.signer_labels, data, yes_no)
    fr = FileResult(file=name, findings=found, kind=ret.kind if ret is not None else "")
    if ret is None:
        # unreadable: the file name may still say whose it is (whom to send it back to,
        # and the village is then not 未报)
        v = identity.match_text(roster, PurePath(name).stem)
        if v is not None:
            _place(fr, v)
        return fr, []
    fr.sha256 = ret.sha256
    if ret.kind == "merged":
        try:
            subs, more = merged.read_return(ret, cl, roster)
        except BaseException as err:  # calamine may panic (a BaseException)
            if not (isinstance(err, Exception) or reader.is_panic(err)):
                raise
            why = str(err) if isinstance(err, sniff.Unbounded) else type(err).__name__
            fr.findings.append(make("file-unreadable", name, detail=f"合并台账无法读取：{why}"))
            return fr, []
        fr.findings.extend(more)
        return fr, subs
    village, idf = identity.identify(ret, roster)
    fr.findings.extend(idf)
    rows, rf, report_date = versions.run(ret, cl)
    fr.findings.extend(rf)
    if village is not None:
        _place(fr, village)
    fr.report_date = report_date.isoformat() if report_date else ""
    fr.sheet, fr.date_cell = ret.sheet, rules.report_date_cell(ret)
    fr.findings.sort(key=_order)
    if village is None:
        return fr, []
    sub = Submission(
        file=name,
        sha256=ret.sha256,
        village_code=village.code or village.key,
        county=village.county,
        township=village.township,
        village=village.village,
        report_date=report_date,
        accepted=fr.accepted,
        errors=fr.errors,
        warnings=fr.warnings,
        rows=rows,
        source_kind=ret.kind,  # type: ignore[arg-type]
        sheet=ret.sheet,
        date_cell=fr.date_cell,
    )
    return fr, [sub]


def _place(fr: FileResult, v: Village) -> None:
    fr.village_code, fr.county, fr.township, fr.village = v.code, v.county, v.township, v.village


def _cell_key(cell: str) -> tuple[int, str]:
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters) :]
    return (int(digits) if digits else 0, letters.rjust(3))


def _order(f: Finding) -> tuple:
    return (f.item is not None, f.item or 0, _cell_key(f.cell), f.code)


MEMO_BATCH = 512  # results written to the memo file in one transaction
PARALLEL_MIN_FILES = 64  # below this, starting worker processes costs more than it saves

_WORKER: dict[str, object] = {}


WATCH_PARENT_SECONDS = 0.5


@dataclass(frozen=True)
class Batch:
    """What is done with each file besides validating it, where it is validated."""

    base: Path  # the folder the files' names are relative to
    rows: bool = True  # False: only the report is wanted (no rows, see _one)
    stage: Path | None = None  # make each file's 退回修改 copy here (feedback.stage_copy)
    memo: Path | None = None  # results remembered between runs (app/memo), with workers
    context: bytes = b""  # memo.context_of the checklist and roster


Done = tuple[FileResult, list[Submission], feedback_xlsx.Staged | None]


def _one(i: int, path: Path, name: str, cl: Checklist, roster: Roster, batch: Batch) -> Done:
    fr, subs = validate_return(path, name, cl, roster)
    return _kept(i, fr, subs, batch)


def _kept(i: int, fr: FileResult, subs: list[Submission], batch: Batch) -> Done:
    """What the run keeps of one file's result: its rows (batch.rows), its 退回修改 copy."""
    if not batch.rows:  # a small result: no rows leave the worker; a return's FileResult
        # names its village, a merged ledger's villages come as Submissions without rows
        subs = [dataclasses.replace(s, rows=[]) for s in subs if s.source_kind == "merged"]
    staged = None
    if batch.stage is not None:
        with gcmode.young():  # a workbook is full of cycles: collected as it is dropped
            staged = feedback_xlsx.stage_copy(batch.base / fr.file, fr, batch.stage / f"{i}.xlsx")
    return fr, subs, staged


def _init_worker(cl: Checklist, roster: Roster, batch: Batch) -> None:
    _WORKER["cl"], _WORKER["roster"], _WORKER["batch"] = cl, roster, batch
    if batch.memo is not None:
        _WORKER["memo"] = store_memo.Memo(batch.memo, write=False)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    gc.freeze()  # the checklist and roster live as long as the worker: never scan them


def _watch_parent(parent: int) -> None:
    """Exit when the parent is gone (killed with -9, it cannot stop its workers itself)."""
    while True:
        time.sleep(WATCH_PARENT_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


# A worker's answer: the file's Done, and its result to remember (key, value) when new.
Worked = tuple[Done, tuple[bytes, bytes] | None]


def _work(job: tuple[int, Path, str]) -> Worked:
    i, path, name = job
    cl, roster, batch = _WORKER["cl"], _WORKER["roster"], _WORKER["batch"]
    assert isinstance(batch, Batch)
    memo, key, value, data = _WORKER.get("memo"), None, None, None
    if isinstance(memo, store_memo.Memo):
        data = memo_mod.bytes_of(path)  # validated from these very bytes (not read again)
        key = memo_mod.key_of(batch.context, data, name) if data is not None else None
        value = memo.get(key) if key else None
    got = memo_mod.unpack(value) if value else None
    new = None
    if got is None:
        got = validate_return(path, name, cl, roster, data)  # type: ignore[arg-type]
        for s in got[1] if key or batch.rows else ():  # sent compressed: the main
            if s.rows:  # process keeps them until the store's insert
                s.rows = PackedRows.of(s.rows)
        new = (key, memo_mod.pack(got)) if key else None
    return _kept(i, *got, batch), new


def iter_validate(
    files: list[Path], cl: Checklist, roster: Roster, batch: Batch, workers: int | None = None
) -> Iterator[Done]:
    """Validate files in order, as they are done; large batches on every core (same results,
    same order), remembering each file's result (app/memo) for the next run on it."""
    folder = batch.base
    jobs = [
        (i, p, p.relative_to(folder).as_posix() if p != folder else p.name)
        for i, p in enumerate(files)
    ]
    n = pool.cores(workers)
    if n <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        for job in jobs:
            yield _one(*job, cl, roster, batch)
        return
    where = memo_mod.location()
    context = memo_mod.context_of(cl, roster) if where is not None else None
    if where is not None and context is not None:
        batch = dataclasses.replace(batch, memo=where, context=context)
    else:
        where = None
    with ProcessPoolExecutor(
        n, mp_context=pool.context(), initializer=_init_worker, initargs=(cl, roster, batch)
    ) as ex:
        yield from _remembering(ex.map(_work, jobs, chunksize=16), where)


def _remembering(results: Iterator[Worked], where: Path | None) -> Iterator[Done]:
    """The Done of each result; new results written to the memo file, MEMO_BATCH at a time
    (the file opened with the first batch: the workers have started by then)."""
    if where is None:
        yield from (done for done, _ in results)
        return
    memo: store_memo.Memo | None = None
    new: list[tuple[bytes, bytes]] = []
    try:
        for done, kept in results:
            if kept is not None:
                new.append(kept)
            if len(new) >= MEMO_BATCH:
                memo = memo or store_memo.Memo(where, write=True, remake=memo_mod.owned(where))
                memo.put(new)
                new = []
            yield done
        if new or memo:
            memo = memo or store_memo.Memo(where, write=True, remake=memo_mod.owned(where))
            memo.put(new)
            memo.prune()
    finally:
        if memo is not None:
            memo.close()


def validate_folder(
    folder: Path,
    cl: Checklist,
    roster: Roster,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    workers: int | None = None,
    only: list[Path] | None = None,
    listed: tuple[list[Path], list[tuple[str, str]]] | None = None,
) -> tuple[Report, list[Submission]]:
    """Validate every return under folder; roster villages without a return are 未报.

    workers: processes to use (default: every core for large folders; 1 = in this process).
    only: validate just these files under folder (the others were validated before).
    listed: list_files(folder), when known.
    """
    if only is not None:
        files, skipped = listed or list_files(Path(folder))
        wanted = set(only)
        listed = ([f for f in files if f in wanted], skipped)
    report, subs, _ = run_folder(
        folder, cl, roster, on_file=on_file, workers=workers, listed=listed
    )
    return report, subs


def run_folder(
    folder: Path,
    cl: Checklist,
    roster: Roster,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    workers: int | None = None,
    rows: bool = True,
    stage: Path | None = None,
    listed: tuple[list[Path], list[tuple[str, str]]] | None = None,
) -> tuple[Report, list[Submission], dict[str, feedback_xlsx.Staged]]:
    """validate_folder, streamed: each file's small result kept as it comes (rows=False: no
    rows reach this process, only merged ledgers' Submissions, without rows), its 退回修改
    copy made where it was validated (stage). listed: list_files(folder), when known."""
    folder = Path(folder)
    files, skipped = listed or list_files(folder)
    report = Report(skipped=skipped)
    subs: list[Submission] = []
    staged: dict[str, feedback_xlsx.Staged] = {}
    batch = Batch(folder if folder.is_dir() else folder.parent, rows, stage)
    with gcmode.paused():
        for fr, s, st in iter_validate(files, cl, roster, batch, workers):
            report.files.append(fr)
            subs.extend(s)
            if st is not None:
                staged[fr.file] = st
            if on_file:
                on_file(fr)
    subs = _refuse_misplaced_merged(report.files, subs)
    duplicates.resolve(report.files)
    duplicates.merged_twice(report.files, subs)
    seen = {s.village_code for s in subs}
    seen |= {fr.key for fr in report.files if fr.village_code or fr.village}
    with gcmode.paused():  # up to a province's villages, no cycles: never walk them
        for v in roster.villages:
            if (v.code or v.key) not in seen:
                report.missing.append(
                    {
                        "county": v.county,
                        "township": v.township,
                        "village": v.village,
                        "village_code": v.code,
                    }
                )
    return report, subs, staged


def _refuse_misplaced_merged(files: list[FileResult], subs: list[Submission]) -> list[Submission]:
    """A merged ledger among village returns (forged, or dropped there by mistake) is refused
    with one finding and overrides nothing: merged ledgers go in a folder of their own."""
    if not any(fr.kind == "ledger" for fr in files):
        return subs
    refused = {fr.file for fr in files if fr.kind == "merged"}
    for fr in files:
        if fr.file in refused:
            fr.findings = [make(C.MERGED_AMONG_RETURNS, fr.file)]
            fr.village_code = fr.county = fr.township = fr.village = ""
    return [s for s in subs if not (s.source_kind == "merged" and s.file in refused)]


@dataclass
class Validated:
    """What `dapaicha validate` did: the report, and the files it wrote."""

    report: Report
    report_path: Path | None  # None: not asked for, none written
    feedback: list[Path] | None  # 退回修改 copies and notices (None: not asked for)


def command(
    returns: Path,
    roster_path: Path,
    checklist_path: Path | None = None,
    *,
    report_path: Path | None,
    feedback_dir: Path | None = None,
    deadline: str | dt.date | None = None,
    as_of: str | dt.date | None = None,
    resubmit_days: int = RESUBMIT_DAYS,
    title: str | None = None,
    progress: Progress = silent,
    workers: int | None = None,
    county: str | None = None,
) -> Validated:
    """`dapaicha validate`: validate a folder, write the report (only where asked) and the
    退回修改 copies."""
    cl = cl_mod.load(checklist_path)
    due = typed_date("--deadline", deadline, cl.campaign.year) if deadline else None
    day = typed_date("--as-of", as_of, cl.campaign.year) if as_of else today_in(cl.campaign)
    if due is not None and day is not None and due < day:
        raise UserError(
            f"--deadline {cn_date(due)} 早于 {cn_date(day)}，重新报送期限不能在此之前。"
        )
    with gcmode.paused():  # a province's 46,000 villages hold no cycles: never walk them
        ros = memo_mod.load_roster(roster_path, cl.campaign, county)  # read once
    files, skipped = list_files(returns)
    if not files:  # the wrong folder, most likely: say so rather than "all passed"
        also = f"，另有 {len(skipped)} 个其他文件已跳过" if skipped else ""
        raise UserError(
            f"“{returns}”中没有找到台账文件（.xlsx、.xlsm、.xls、.ods）{also}，请检查文件夹是否选对。"
        )
    with _staging(feedback_dir) as stage:
        with progress(len(files)) as advance:
            rep, _subs, staged = run_folder(returns, cl, ros, on_file=advance, workers=workers,
                                            rows=False, stage=stage, listed=(files, skipped))  # fmt: skip
        warn_other_period(rep, cl, returns, day)
        if report_path is not None:
            title = title or f"{cl.campaign.title}台账校验报告"
            with gcmode.paused():  # one write-only workbook: few cycles, collected later
                report_xlsx.write(rep, report_path, title=title)
        paths = None
        if feedback_dir is not None:
            paths = feedback_xlsx.write_all(
                rep,
                returns if returns.is_dir() else returns.parent,
                feedback_dir,
                campaign_title=cl.campaign.title,
                deadline=cn_date(
                    due or resubmit_due(rep, cl.campaign, returns, day, resubmit_days)
                ),
                office=cl.campaign.office,
                phone=cl.campaign.phone,
                issued=day,
                staged=staged,
            )
    return Validated(rep, report_path, paths)


@contextmanager
def _staging(feedback_dir: Path | None) -> Iterator[Path | None]:
    """A hidden folder in feedback_dir for the copies made while validating; removed after."""
    if feedback_dir is None:
        yield None
        return
    folder = Path(feedback_dir)
    new = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".~dapaicha-copies-", dir=folder))
    except OSError as err:
        raise UserError(f"无法写入目录 {folder}：{err.strerror or err}。") from err
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if new and not any(folder.iterdir()):  # nothing sent back: no folder, as before
            folder.rmdir()


def warn_other_period(rep: Report, cl: Checklist, returns: Path, day: dt.date | None) -> None:
    """A 填报日期 outside the period the batch is for (its 第N期 folder, else the as-of day's)."""
    pers = periods.Periods(cl.campaign)
    base = returns.resolve() if returns.is_dir() else returns.resolve().parent
    default = pers.number_of(day) if day is not None else None
    for fr in rep.files:
        n = periods.from_folder(PurePath(base.name, fr.file)) or default
        if n is None or not fr.report_date or fr.kind != "ledger":
            continue
        found = timeliness.other_period(
            fr.file, fr.sheet or layout.SHEET_LEDGER, dt.date.fromisoformat(fr.report_date), n,
            pers, cell=fr.date_cell,
        )  # fmt: skip
        if found is not None:
            fr.findings.append(found)


def typed_date(option: str, typed: str | dt.date, year: int) -> dt.date:
    """A date typed on the command line (any unambiguous form)."""
    if isinstance(typed, dt.date):
        return typed
    r = parse_date(typed, year=year)
    if r.status != "ok" or r.value is None:
        raise UserError(f"{option} 无法识别为日期：“{typed}”，请写成如 2022-04-08。")
    return r.value


def today_in(campaign: Campaign, today: dt.date | None = None) -> dt.date | None:
    """Today, when it lies in the campaign (start to end + the reporting window); None when
    an old campaign is replayed (the deadline then follows the batch's dates, as before)."""
    d = today or dt.date.today()
    return d if periods.live(campaign, d) else None


def resubmit_due(
    rep: Report, campaign: Campaign, returns: Path, as_of: dt.date | None, days: int
) -> dt.date:
    """A notice's 重新报送期限: as_of + days (never before as_of); without an as-of date the
    next cut-off after the batch's 填报日期."""
    if as_of is not None:
        return as_of + dt.timedelta(days=days)
    return resubmit_by(rep, campaign, returns)


def resubmit_by(rep: Report, campaign: Campaign, returns: Path) -> dt.date:
    """The next cut-off after the batch's 填报日期 (the middle one of those inside the
    campaign, so one mistyped year does not move it), never before the folder's period."""
    last = campaign.end + periods.REPORTING_AFTER_END
    dates = [dt.date.fromisoformat(f.report_date) for f in rep.files if f.report_date]
    dates = [d for d in dates if campaign.start <= d <= last]
    p = periods.Periods(campaign)
    folder = returns if returns.is_dir() else returns.parent
    ns = [periods.folder_number(folder.name)] + [periods.from_folder(f.file) for f in rep.files]
    floors = [p.get(n).start - dt.timedelta(days=1) for n in ns if n]
    as_of = [statistics.median_high(dates)] if dates else []
    return p.resubmit_by(max(as_of + floors, default=None))
