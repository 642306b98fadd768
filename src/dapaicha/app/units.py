"""The merged ledgers of a store's units: one per county, per period.

A merge rewrites only the ledgers of the counties it stored returns for (and any not yet
written); `--all-ledgers` rewrites every county's and the whole store's. A county's ledger
is the same file whichever way it was written: its frames come from the store narrowed to
the county (store.query.frames(county=…)). Files: FOLDER/第N期/<县>问题整改台账_第N期.xlsx,
written under a temporary name before the merge's COMMIT and renamed into place after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dapaicha import fsutil
from dapaicha.config.checklist import Checklist
from dapaicha.store import query as store_query
from dapaicha.store import write as store
from dapaicha.xlsx import merged

FOLDER = "合并台账"  # beside the whole-store ledger (merge -o)


def path_of(folder: Path, county: str, period: int) -> Path:
    """Where the merged ledger of one county in one period goes."""
    name = fsutil.safe_component(county)[:60]
    return folder / f"第{period}期" / f"{name}问题整改台账_第{period}期.xlsx"


def pending_of(path: Path) -> Path:
    return path.with_name(f".~dapaicha-pending-{path.name}")


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
) -> Staged:
    """The ledgers of the counties in `touched` and of those whose file is missing (every
    county when touched is None), each under its temporary name."""
    staged = Staged([])
    try:
        for county in store_query.counties(conn):
            final = path_of(folder, county, period)
            if touched is not None and county not in touched and final.exists():
                continue
            data = store_query.frames(conn, period, depth=0, county=county)
            sources = store_query.source_periods(conn, period, county)
            final.parent.mkdir(parents=True, exist_ok=True)
            w = merged.write(pending_of(final), data, cl, sources)
            staged.written.append(merged.Written(final, w.tier, w.unit, w.villages, w.problems))
    except BaseException:
        staged.discard()
        raise
    return staged
