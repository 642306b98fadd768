"""`dapaicha rollup`: the store (or returns merged into a temporary store) → summaries."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dapaicha.app import merge
from dapaicha.config import checklist as cl_mod
from dapaicha.config.checklist import Checklist
from dapaicha.config.roster import Roster
from dapaicha.errors import UserError
from dapaicha.figures import accountability, perfunctory, rollup
from dapaicha.figures.rollup import Rollup
from dapaicha.read import roster as roster_mod
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.store import query as store_query
from dapaicha.store import write as store
from dapaicha.xlsx import summary, weekly


@dataclass
class RunResult:
    rollup: Rollup
    paths: list[Path]
    merged: list[merge.MergeResult] = field(default_factory=list)  # per input (no --store)


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
) -> RunResult:
    """`dapaicha rollup`; on_roster sees the roster as soon as it is read."""
    cl = cl_mod.load(checklist_path)
    ros = roster_mod.load(roster_path, cl.campaign)
    if on_roster is not None:
        on_roster(ros)
    return run(
        cl, ros, out, store_path=store_path, inputs=inputs, period=period, templates=templates
    )


def run(
    cl: Checklist,
    roster: Roster,
    out: Path,
    *,
    store_path: Path | None = None,
    inputs: Sequence[Path] = (),
    period: int | None = None,
    templates: Path | None = None,
) -> RunResult:
    """The store (or returns / merged ledgers merged into a temporary store) → the period's
    frames → every summary workbook and the 文字稿."""
    if not roster.villages:
        raise UserError("村名册中没有读到任何村，无法汇总。")
    if (store_path is None) == (not inputs):
        raise UserError("请用 --store 指定数据库，或给出报送台账文件夹 / 合并台账（二者选一）。")
    with tempfile.TemporaryDirectory(prefix="dapaicha-rollup-") as tmp:
        merged_results = []
        if store_path is None:
            store_path = Path(tmp) / "store.sqlite"
            for src in inputs:
                merged_results.append(merge.run(Path(src), cl, roster, store_path))
            if not Path(store_path).exists():
                raise UserError("给出的文件夹中没有可汇总的台账。")
        n = _period(Path(store_path), period)
        # one after the other: the signals' rows are freed before the frames are read
        signals = perfunctory_signals(Path(store_path), n, cl)
        data = store.period_frames(Path(store_path), n)
    r = rollup.build(data, rollup.roster_frame(roster.villages), cl)
    return RunResult(r, write_reports(r, cl, out, templates, signals), merged_results)


def _period(path: Path, period: int | None) -> int:
    """--period, checked against the store (default: its latest)."""
    conn = store.connect(path)
    try:
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
) -> list[Path]:
    """Every output of `dapaicha rollup`: county and city summaries, 周报, 文字稿.

    signals: the period's 疑似走过场 signals (app.rollup.perfunctory_signals); None: not checked.
    """
    ctx = weekly.context(r, checklist, signals)
    md, txt = weekly.render(ctx, templates)  # template errors first
    sig = None if signals is None else accountability.signals_frame(r, signals)
    paths = [
        summary.write_county(rc, checklist, c, summary.county_path(out, c, r.period), sig)
        for c, rc in rollup.split(r)
    ]
    paths.append(summary.write_city(r, checklist, summary.city_path(out, r.period), sig))
    paths.append(weekly.write_xlsx(r, checklist, weekly.weekly_path(out, r.period)))
    paths += weekly.write_rendered(r, out, md, txt)
    return paths
