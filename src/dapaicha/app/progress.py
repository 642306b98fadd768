"""How an app function reports progress: the caller passes a factory of progress contexts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[..., None]
Progress = Callable[[int], AbstractContextManager[Advance]]  # total → context yielding advance()


@contextmanager
def silent(_total: int) -> Iterator[Advance]:
    """No progress shown."""
    yield lambda *_: None
