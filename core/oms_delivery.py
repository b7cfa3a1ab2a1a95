"""Deliver queued order-system events through the outbox worker: retried with backoff until
a 2xx, in order per management number (the outbox's ordering key), never lost across
restarts (they live in the outbox table)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from core.delivery import Attempt, DeliveryRun, OutboxWorker
from core.errors import DeliveryError
from core.outbox import OutboxItem, OutboxKind
from core.ports import Clock, EventSender, UnitOfWork

LEASE = timedelta(seconds=30)  # renewed by the worker's heartbeat while it sends
BATCH = 50


def deliver_oms_events(
    make_uow: Callable[[], UnitOfWork],
    sender: EventSender,
    clock: Clock,
    *,
    limit: int = BATCH,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryRun:
    def send(item: OutboxItem) -> Attempt:
        try:
            sender.send(item.dedupe_key, item.payload)
        except DeliveryError as exc:
            return Attempt.retry(str(exc))
        return Attempt.done("sent")

    worker = OutboxWorker(make_uow, clock, should_stop=should_stop)
    return worker.deliver([OutboxKind.WEBHOOK], send, limit=limit, lease=LEASE)
