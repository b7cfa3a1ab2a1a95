"""One unit of work, committed, and run again when another writer raced it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from core.errors import ConcurrentUpdate
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 5


def in_transaction(
    make_uow: Callable[[], UnitOfWork],
    work: Callable[[UnitOfWork], T],
    *,
    attempts: int = ATTEMPTS,
    what: str = "work",
    before_retry: Callable[[], None] = lambda: None,
) -> T:
    """`work(uow)` in one transaction, committed.

    When another process writes the same rows at the same moment (ConcurrentUpdate), the
    whole transaction is rolled back and `work` runs again from the start, after
    `before_retry()`; the last attempt's failure is raised. Work that is safe to apply twice
    (everything in core is) needs nothing more to be safe under races."""
    for attempt in range(1, attempts + 1):
        try:
            with make_uow() as uow:
                result = work(uow)
                uow.commit()
                return result
        except ConcurrentUpdate:
            if attempt == attempts:
                raise
            log.info("%s raced another writer; running it again (attempt %d)", what, attempt)
            before_retry()
    raise AssertionError("unreachable")
