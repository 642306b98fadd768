"""Work spread over the machine's cores: one process per core, the same results in order."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")

MAX_WORKERS = 8
SIDE_BY_SIDE_FROM = 8  # fewer jobs: starting processes costs more than it saves


def context() -> BaseContext:
    """fork where there is one (workers share the parent's memory), spawn on Windows."""
    return mp.get_context("spawn" if os.name == "nt" else "fork")


def cores(workers: int | None) -> int:
    """--workers, else every core (at most MAX_WORKERS)."""
    return workers if workers is not None else min(os.cpu_count() or 1, MAX_WORKERS)


def side_by_side(
    fn: Callable[[J], R], jobs: Iterable[J], count: int, workers: int | None = None
) -> Iterator[R]:
    """fn over jobs, in order: on `workers` processes when there are many jobs, else here.
    fn must be a module-level function (it is sent to the workers by name)."""
    with started(fn, jobs, count, workers) as results:
        yield from results


@contextmanager
def started(
    fn: Callable[[J], R], jobs: Iterable[J], count: int, workers: int | None = None
) -> Iterator[Iterator[R]]:
    """side_by_side, begun at once: many jobs are all handed to the workers on entry (the
    caller goes on with other work meanwhile); their results come in order as iterated."""
    n = min(cores(workers), count)
    if n <= 1 or count < SIDE_BY_SIDE_FROM:
        yield map(fn, jobs)  # here, as the results are asked for
        return
    with ProcessPoolExecutor(n, mp_context=context()) as ex:
        yield ex.map(fn, jobs)


@contextmanager
def aside(fn: Callable[..., R], *args: object, side: bool = True) -> Iterator[Callable[[], R]]:
    """fn(*args) on a process of its own while the caller goes on; the function given to
    the caller waits for its result. Not side (or one core): fn runs here, at once, before
    the caller's work. fn must be a module-level function (sent to the process by name)."""
    if not side or cores(None) < 2:
        got = fn(*args)
        yield lambda: got
        return
    with ProcessPoolExecutor(1, mp_context=context()) as ex:
        yield ex.submit(fn, *args).result
