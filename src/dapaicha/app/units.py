"""The merged ledgers of a store's units: one per county, per period.

A merge rewrites only the ledgers of the counties it stored returns for (and any not yet
written); `--all-ledgers` rewrites every county's and the whole store's. A county's ledger
is the same file whichever way it was written: its frames come from the store narrowed to
the county (store.query.frames(county=…)). Files: FOLDER/第N期/<县>问题整改台账_第N期.xlsx,
written under a temporary name before the merge's COMMIT and renamed into place after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dapaicha import fsutil
from dapaicha.app import pool
from dapaicha.config.checklist import Checklist
from dapaicha.store import query as store_query
from dapaicha.store import write as store
from dapaicha.xlsx import merged

FOLDER = "合并台账"  # beside the whole-store ledger (merge -o)


def path_of(folder: Path, county: str, period: int) -> Path:
    """Where the merged ledger of one county in one period goes."""
    name = fsutil.safe_component(county)[:60]
    return folder / f"第{period}期" / f"{name}问题整改台账_第{period}期.xlsx"


PENDING = ".~dapaicha-pending-"


def pending_of(path: Path) -> Path:
    return path.with_name(f"{PENDING}{path.name}")


@dataclass
class Staged:
    """Unit ledgers written under their temporary names, waiting for the COMMIT."""

    written: list[merged.Written]

    def publish(self) -> None:
        """Rename each into place (after the COMMIT)."""
        for w in self.written:
            pending_of(w.path).replace(w.path)

    def discard(self) -> None:
        for w in self.written:
            pending_of(w.path).unlink(missing_ok=True)


def write(
    conn: store.Connection,
    folder: Path,
    period: int,
    cl: Checklist,
    touched: set[str] | None,
    workers: int | None = None,
) -> Staged:
    """The ledgers of the counties in `touched` and of those whose file is missing (every
    county when touched is None), each under its temporary name; many are written on
    `workers` processes (default: every core)."""
    staged = Staged([])
    due = [
        c
        for c in store_query.counties(conn)
        if touched is None or c in touched or not path_of(folder, c, period).exists()
    ]
    jobs = (
        (pending_of(path_of(folder, c, period)), data, cl, sources)
        for c, data, sources in _county_frames(conn, period, due)
    )
    try:
        for county in due:
            path_of(folder, county, period).parent.mkdir(parents=True, exist_ok=True)
        _collect(staged, pool.side_by_side(_write_job, jobs, len(due), workers))
    except BaseException:
        for county in due:  # what a worker wrote before another failed, too
            pending_of(path_of(folder, county, period)).unlink(missing_ok=True)
        raise
    return staged


def _write_job(
    job: tuple[Path, store_query.PeriodData, Checklist, dict[str, int]],
) -> merged.Written:
    return merged.write(*job)


def _collect(staged: Staged, done: Iterable[merged.Written]) -> None:
    """Each written ledger under its final name (the pending file is renamed after COMMIT)."""
    for w in done:
        final = w.path.with_name(w.path.name.removeprefix(PENDING))
        staged.written.append(merged.Written(final, w.tier, w.unit, w.villages, w.problems))


WHOLE_FROM = 8  # this many counties or more: one query of the whole store, cut by county


def _county_frames(
    conn: store.Connection, period: int, counties: list[str]
) -> Iterator[tuple[str, store_query.PeriodData, dict[str, int]]]:
    """(county, its frames, its villages' source periods) for each county: a few counties
    by their own narrowed queries; many from the whole store's frames, cut (the same rows:
    a county's query is the whole one narrowed to its villages)."""
    if len(counties) < WHOLE_FROM:
        for c in counties:
            yield (
                c,
                store_query.frames(conn, period, depth=0, county=c),
                (store_query.source_periods(conn, period, c)),
            )
        return
    whole = store_query.frames(conn, period, depth=0)
    sources = store_query.source_periods(conn, period)
    vil = dict(iter(whole.villages.groupby("county", sort=False)))
    pro = dict(iter(whole.problems.groupby("county", sort=False)))
    empty = whole.problems.iloc[0:0]
    for c in counties:
        v = vil[c].reset_index(drop=True)
        p = pro.get(c, empty).reset_index(drop=True)
        data = store_query.PeriodData(period, whole.start, whole.deadline, v, p)
        yield c, data, {k: sources[k] for k in v["village_code"].tolist() if k in sources}
