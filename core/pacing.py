"""A pace shared by every replica: calls of one kind (posts to one channel, updates of
messages) take consecutive slots `interval` seconds apart from one table, so one channel
sees at most one post per interval however many replicas post to it."""

from __future__ import annotations

from collections.abc import Callable

from core.ports import UnitOfWork
from core.transactions import in_transaction


def reserve_slot(
    make_uow: Callable[[], UnitOfWork], key: str, now: float, interval: float
) -> float:
    """The start (seconds since the epoch) of the slot taken for one `key` call."""
    return in_transaction(
        make_uow, lambda uow: uow.pace.reserve(key, now, interval), what="pace slot"
    )


def hold_slots(make_uow: Callable[[], UnitOfWork], key: str, until: float) -> None:
    """No `key` slot before `until`, for any replica (a 429's Retry-After)."""
    in_transaction(make_uow, lambda uow: uow.pace.hold(key, until), what="pace hold")
