"""`dapaicha rollup`: the store (or returns merged into a temporary store) → summaries."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dapaicha.app import gcmode, merge, pool
from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.config.workspace import Settings
from dapaicha.errors import UserError
from dapaicha.figures import accountability, perfunctory, rollup
from dapaicha.figures.rollup import Level, Rollup
from dapaicha.read import roster as roster_mod
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.store import query as store_query
from dapaicha.store import status as store_status
from dapaicha.store import write as store
from dapaicha.store.query import PeriodData
from dapaicha.xlsx import county_text, summary, weekly
from dapaicha.xlsx.tier import CITY, CITY_TIER, Tier

ASIDE_FROM = 2000  # roster villages from which the signals are found on a process of their own


@dataclass
class RunResult:
    rollup: Rollup
    paths: list[Path]
    merged: list[merge.MergeResult] = field(default_factory=list)  # per input (no --store)
    tier: Tier = CITY_TIER  # whose view was written (a 县 tier names its county)
    arrivals: list[store_status.Arrival] = field(default_factory=list)  # counties' ledgers

    @property
    def level(self) -> Level:
        """The units of the 周报 table: counties (a city's view) or townships (a county's)."""
        return "township" if self.tier.is_county else "county"


def tier_of(s: Settings | None) -> Tier:
    """The workspace's unit as a Tier (a city's view outside a workspace)."""
    if s is None:
        return CITY_TIER
    return Tier(s.unit.level or CITY, s.unit.name, s.office, s.phone)


def county_of(tier: Tier, roster: Roster) -> str:
    """The county a 县 view speaks for, as the roster spells it; one Chinese line if unclear."""
    return roster_mod.county_in(roster, tier.name)


def command(
    roster_path: Path,
    out: Path,
    *,
    checklist_path: Path | None = None,
    store_path: Path | None = None,
    inputs: Sequence[Path] = (),
    period: int | None = None,
    templates: Path | None = None,
    on_roster: Callable[[Roster], None] | None = None,
    tier: Tier = CITY_TIER,
    by_period: bool = False,
) -> RunResult:
    """`dapaicha rollup`; on_roster sees the roster as soon as it is read."""
    cl = cl_mod.load(checklist_path)
    ros = roster_mod.load(roster_path, cl.campaign)
    if on_roster is not None:
        on_roster(ros)
    return run(
        cl, ros, out, store_path=store_path, inputs=inputs, period=period, templates=templates,
        tier=tier, by_period=by_period,
    )  # fmt: skip


def run(
    cl: Checklist,
    roster: Roster,
    out: Path,
    *,
    store_path: Path | None = None,
    inputs: Sequence[Path] = (),
    period: int | None = None,
    templates: Path | None = None,
    tier: Tier = CITY_TIER,
    by_period: bool = False,
) -> RunResult:
    """The store (or returns / merged ledgers merged into a temporary store) → the period's
    frames → every summary workbook and the 文字稿; a 县 tier: its county's own (本县).
    by_period: into out/第N期 (a workspace's 汇总 folder, as `week` writes it)."""
    if not roster.villages:
        raise UserError("村名册中没有读到任何村，无法汇总。")
    if (store_path is None) == (not inputs):
        raise UserError("请用 --store 指定数据库，或给出报送台账文件夹 / 合并台账（二者选一）。")
    with tempfile.TemporaryDirectory(prefix="dapaicha-rollup-") as tmp:
        merged_results = []
        if store_path is None:
            store_path = Path(tmp) / "store.sqlite"
            for src in inputs:
                merged_results.append(
                    merge.run(Path(src), cl, roster, store_path, merged_period=period)
                )
            if not Path(store_path).exists():
                raise UserError("给出的文件夹中没有可汇总的台账。")
        n = _period(Path(store_path), period, cl)
        side = len(roster.villages) >= ASIDE_FROM
        # a large store: the signals found on a process of their own while the frames are
        # read and the rollup built here; else one after the other (the signals' rows freed
        # before the frames are read). A city's: as its sheets show them (signals_of the
        # roster's villages), not as hundreds of thousands of objects to send back.
        vil = None if tier.is_county else rollup.roster_frame(roster.villages)
        job: tuple[Any, ...] = (
            (_signals_job, store_path, n, cl)
            if vil is None
            else (_frame_job, store_path, n, cl, vil.assign(order=range(len(vil))))
        )
        with gcmode.paused(), pool.aside(*job, side=side) as sigs, gcmode.settling() as settle:
            data = store.period_frames(Path(store_path), n)
            arrivals = store_status.arrivals(Path(store_path), n)
            if vil is None:
                tier = dataclasses.replace(tier, name=county_of(tier, roster))
                r = _county_rollup(data, roster, cl, tier.name)
            else:
                r = rollup.build(data, vil, cl)
            del data  # r holds what the reports need: the frames are freed before they are written
            settle()  # while the signals are still being found
            found = sigs()
    target = out / f"第{n}期" if by_period else out
    with gcmode.frozen():
        if vil is None:
            paths = write_reports(r, cl, target, templates, found, tier, arrivals)
        else:
            paths = write_reports(r, cl, target, templates, (), tier, arrivals, frame=found)
    return RunResult(r, paths, merged_results, tier, [] if tier.is_county else arrivals)


def _county_rollup(data: PeriodData, roster: Roster, cl: Checklist, county: str) -> Rollup:
    """The county's villages only; data of the roster's other counties is not "outside"."""
    r = rollup.build(
        data, rollup.roster_frame(v for v in roster.villages if v.county == county), cl
    )
    others = {v.county for v in roster.villages} - {county}
    if len(r.outside):
        r.outside = r.outside[~r.outside["county"].isin(others)].reset_index(drop=True)
    return r


def _period(path: Path, period: int | None, cl: Checklist) -> int:
    """--period, checked against the store (default: its latest); a store kept under an
    earlier version of the checklist moves to the current numbering first, as the next merge
    would move it."""
    conn = store.connect(path)
    try:
        store.follow_revisions(conn, cl, path)
        latest = store_query.latest_period(conn)
    finally:
        conn.close()
    if latest is None:
        raise UserError(f"数据库 {path} 中还没有通过校验的台账，无法汇总。")
    if period is None:
        period = latest
    if period < 1 or period > latest:
        raise UserError(
            f"--period 应在 1 到 {latest} 之间（数据库中最新为第{latest}期），收到 {period}。"
        )
    return period


def _signals_job(store_path: Path | str, period: int, cl: Checklist) -> list[perfunctory.Signal]:
    """perfunctory_signals on a process of its own (no cycle collection there either)."""
    with gcmode.paused():
        return perfunctory_signals(store_path, period, cl)


def _frame_job(
    store_path: Path | str, period: int, cl: Checklist, villages: pd.DataFrame
) -> pd.DataFrame:
    """_signals_job as accountability.signals_of(villages) gives them."""
    with gcmode.paused():
        return accountability.signals_of(villages, perfunctory_signals(store_path, period, cl))


def perfunctory_signals(
    store_path: Path | str, period: int, cl: Checklist
) -> list[perfunctory.Signal]:
    """The 疑似走过场 signals of every village's ledger as it stands in `period`."""
    conn = store_db.connect(store_path)
    try:
        cur = store_ledgers.current_returns(conn, period, lean=True)
        return perfunctory.stored_signals(
            cur.returns, cur.earlier, cl, lambda ids: store_ledgers.value_rows(conn, ids),
            cur.ids, cur.shapes,
        )  # fmt: skip
    finally:
        conn.close()


def write_reports(
    r: Rollup,
    checklist: Checklist,
    out: Path,
    templates: Path | None = None,
    signals: Sequence[perfunctory.Signal] | None = None,
    tier: Tier = CITY_TIER,
    arrivals: Sequence[store_status.Arrival] = (),
    workers: int | None = None,
    frame: pd.DataFrame | None = None,
) -> list[Path]:
    """Every output of `dapaicha rollup`: county and city summaries, 周报, 文字稿.

    signals: the period's 疑似走过场 signals (app.rollup.perfunctory_signals); None: not checked.
    frame: the signals as accountability.signals_frame(r, signals) gives them, when the
    caller has them so (signals then only say they were checked).
    A 县 tier (r holding its county only): that county's 县级汇总表, 周报 and 文字稿, 本县.
    arrivals: the counties' merged ledgers of the period, shown in the city's 汇总.
    """
    if tier.is_county:
        return _county_reports(r, checklist, out, templates, signals, tier)
    # the city's workbooks count the city's items only; a county's own show in its own
    city, city_cl = rollup.city_only(r, checklist), checklist.city
    sig = (
        frame if frame is not None or signals is None else accountability.signals_frame(r, signals)
    )
    ctx = weekly.context(city, city_cl, signals, tier, sig)  # the city's office and phone
    md, txt = weekly.render(ctx, templates)  # template errors first
    mine = {} if sig is None else accountability.signals_by_county(sig)
    counties = list(rollup.split(r))
    jobs: list[CountyJob] = [
        (rc, checklist, c, summary.county_path(out, c, r.period),
         None if sig is None else mine.get(c, sig.iloc[:0]))
        for c, rc in counties
    ]  # fmt: skip
    # forked workers find the jobs in memory: only their numbers are sent
    _FORKED[:] = jobs if pool.context().get_start_method() == "fork" else []
    sent: list[Any] = list(range(len(jobs))) if _FORKED else jobs
    try:
        # the counties' workbooks on the workers while the city's are written here
        with pool.started(_county_job, sent, len(counties), workers) as county_paths:
            city_path = summary.city_path(out, r.period)
            own = [summary.write_city(city, city_cl, city_path, sig, arrivals, tier)]
            own.append(weekly.write_xlsx(city, city_cl, weekly.weekly_path(out, r.period), tier))
            own += weekly.write_rendered(city, out, md, txt)
            return list(county_paths) + own
    finally:
        _FORKED.clear()


CountyJob = tuple[Rollup, Checklist, str, Path, Any]
_FORKED: list[CountyJob] = []  # write_reports' county jobs, as a forked worker inherits them


def _county_job(job: int | CountyJob) -> Path:
    """One county's 县级汇总表 (on a worker when there are many): the job, or its number
    in _FORKED."""
    return summary.write_county(*(_FORKED[job] if isinstance(job, int) else job))


def _county_reports(
    r: Rollup,
    checklist: Checklist,
    out: Path,
    templates: Path | None,
    signals: Sequence[perfunctory.Signal] | None,
    tier: Tier,
) -> list[Path]:
    ctx = county_text.context(r, checklist, tier, signals)
    md, txt = weekly.render(ctx, templates, weekly.TEMPLATE_COUNTY)  # template errors first
    sig = None if signals is None else accountability.signals_frame(r, signals)
    path = summary.county_path(out, tier.name, r.period)
    paths = [summary.write_county(r, checklist, tier.name, path, sig, tier)]
    paths.append(weekly.write_xlsx(r, checklist, weekly.weekly_path(out, r.period), tier))
    return paths + weekly.write_rendered(r, out, md, txt)
