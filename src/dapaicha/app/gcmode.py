"""The cyclic garbage collector, paused or frozen where a large batch makes it walk millions
of objects that hold no cycles (reference counting frees them)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cycle collection inside: rows, results, frames and signals are acyclic, and each
    collection would walk every one kept so far (a quarter of a file's reading time; seconds
    for a province's rollup)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def enabled() -> Iterator[None]:
    """Cycle collection on inside a paused stretch (a workbook is full of cycles)."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()


@contextmanager
def young() -> Iterator[None]:
    """No cycle collection inside, then one pass over the young generation: a workbook made
    and dropped inside (full of cycles) is collected once, young, instead of its objects
    being promoted by the collections along the way and walked again by full ones (every
    object in memory: a province's roster). Half the collector's time of a 退回修改 copy."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        if was:
            gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    """What exists now left out of cyclic collections while workbooks are written (their
    own cycles are still collected); garbage collected first, not frozen."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def settling() -> Iterator[Callable[[], None]]:
    """A settle(): garbage collected and what is left frozen at once (while waiting on
    another process), so that the collections after it (a frozen() after this block) walk
    only what came after; all unfrozen again if the block fails."""

    def settle() -> None:
        gc.collect()
        gc.freeze()

    try:
        yield settle
    except BaseException:
        gc.unfreeze()
        raise
