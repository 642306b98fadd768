"""dapaicha rollup: the store (or returns merged into a temporary store) → the period's
frames and 疑似走过场 signals → every summary workbook and the 文字稿."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dapaicha.app import merge
from dapaicha.errors import UserError
from dapaicha.figures import perfunctory, rollup
from dapaicha.figures.rollup import Rollup
from dapaicha.store import db as store_db
from dapaicha.store import ledgers as store_ledgers
from dapaicha.store import query as store_query
from dapaicha.xlsx.summary import write_reports

if TYPE_CHECKING:
    from dapaicha.config.checklist import Checklist
    from dapaicha.config.roster import Roster


@dataclass
class RunResult:
    rollup: Rollup
    paths: list[Path]
    merged: list[merge.MergeResult] = field(default_factory=list)  # per input (no --store)


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
    """`dapaicha rollup`: the store (or returns / merged ledgers merged into a temporary
    store) → the period's frames → every summary workbook and the 文字稿."""
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
        data = _frames(Path(store_path), period)
        signals = perfunctory_signals(Path(store_path), int(data.period), cl)
    r = rollup.build(data, rollup.roster_frame(roster.villages), cl)
    return RunResult(r, write_reports(r, cl, out, templates, signals), merged_results)


def _frames(path: Path, period: int | None) -> store_query.PeriodData:
    conn = store_db.connect(path)
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
    return store_query.period_frames(path, period)


def perfunctory_signals(
    store_path: Path | str, period: int, cl: Checklist
) -> list[perfunctory.Signal]:
    """The 疑似走过场 signals of every village's ledger as it stands in `period`."""
    conn = store_db.connect(store_path)
    try:
        cur = store_ledgers.current_returns(conn, period)
        return perfunctory.stored_signals(
            cur.returns, cur.earlier, cl, lambda ids: store_ledgers.value_rows(conn, ids)
        )
    finally:
        conn.close()
