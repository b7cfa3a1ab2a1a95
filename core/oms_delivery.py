"""Deliver queued order-system events: retried with backoff until a 2xx, in order per
management number, never lost across restarts (they live in the outbox table)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from core.errors import DeliveryError
from core.outbox import OutboxKind
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(minutes=10)


class EventSender(Protocol):
    def send(self, idempotency_key: str, payload: dict[str, Any]) -> None:
        """Deliver one event or raise DeliveryError."""
        ...


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at ten minutes."""
    return min(timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)


def deliver_oms_events(
    make_uow: Callable[[], UnitOfWork], sender: EventSender, now: datetime, *, limit: int = 50
) -> DeliveryRun:
    run = DeliveryRun()
    with make_uow() as uow:
        items = uow.outbox.claim_due([OutboxKind.WEBHOOK], now, limit, LEASE)
        uow.commit()
    for item in items:
        assert item.id is not None
        try:
            sender.send(item.dedupe_key, item.payload)
        except DeliveryError as exc:
            run.failed += 1
            log.warning("order-system event not delivered (attempt %d): %s", item.attempts, exc)
            with make_uow() as uow:
                uow.outbox.mark_retry(item.id, str(exc), now + backoff(item.attempts))
                uow.commit()
            continue
        run.sent += 1
        with make_uow() as uow:
            uow.outbox.mark_done(item.id, now)
            uow.commit()
    return run
