"""The one outbox worker: claim the items that are due, hand each to its handler, and record
what happened — done, retried with backoff, or given up. The Slack publisher and the order
system's webhook are handlers; this loop is all they share.

Items are claimed under a short lease (other workers and replicas skip them until it
ends), renewed by a heartbeat while the worker works them: a worker that dies stops
renewing, and its items are due again for the others within one lease. A worker whose
renewals fail stops a little before its lease may have run out, handing the rest back, so
no item is ever worked by two workers at once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from core.heartbeat import Heartbeat
from core.outbox import OutboxItem, OutboxKind, post_alert
from core.ports import Clock, UnitOfWork
from core.results import TargetKind

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=10)
LEASE_MARGIN = 30.0  # seconds (at most a third of the lease): stop this long before it ends
RECORD_CHUNK = 500  # outcomes per transaction: a 10,000-alert summary never holds the lock long


def backoff(attempts: int) -> timedelta:
    """After the `attempts`-th failed attempt: 5 s, 10 s, 20 s, … capped at 10 minutes."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(BACKOFF_BASE * (1 << exponent), BACKOFF_CAP)


class Verdict(StrEnum):
    DONE = "done"  # delivered, or nothing left to deliver
    RETRY = "retry"  # try again later
    GIVE_UP = "give_up"  # the peer refused it for good: done, with the error kept
    RELEASE = "release"  # not attempted (shutdown): due again at once


@dataclass(frozen=True)
class Attempt:
    """What a handler did with one item."""

    verdict: Verdict
    note: str = ""  # counted in the run's report: "posted", "skipped", "sent", …
    error: str = ""  # safe to log and store: no secret, no customer data
    retry_after: timedelta | None = None  # the peer said when (a 429); None: backoff

    @classmethod
    def done(cls, note: str) -> Attempt:
        return cls(Verdict.DONE, note)

    @classmethod
    def retry(cls, error: str, after: timedelta | None = None) -> Attempt:
        return cls(Verdict.RETRY, "retried", error, after)

    @classmethod
    def give_up(cls, error: str) -> Attempt:
        return cls(Verdict.GIVE_UP, "dropped", error)

    @classmethod
    def release(cls, reason: str) -> Attempt:
        return cls(Verdict.RELEASE, "released", reason)


@dataclass
class DeliveryRun:
    """What one pass delivered: `counts` by note, and the errors met."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        """Items taken off the due list in this pass (released ones are still due)."""
        return sum(n for note, n in self.counts.items() if note != "released")

    def __iadd__(self, other: DeliveryRun) -> DeliveryRun:
        self.counts += other.counts
        self.errors += other.errors
        return self


Handler = Callable[[OutboxItem], Attempt]


class OutboxWorker:
    def __init__(
        self,
        make_uow: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.make_uow = make_uow
        self.clock = clock
        self.should_stop = should_stop
        self.monotonic = monotonic

    def deliver(
        self, kinds: Collection[OutboxKind], handle: Handler, *, limit: int, lease: timedelta
    ) -> DeliveryRun:
        """One batch of the due items of `kinds`, each through `handle`."""
        run = DeliveryRun()
        self.work(self.claim(kinds, limit, lease), handle, lease, run)
        return run

    def claim(
        self, kinds: Collection[OutboxKind], limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        with self.make_uow() as uow:
            items = uow.outbox.claim_due(kinds, self.clock.now(), limit, lease)
            uow.commit()
        return items

    def work(
        self, items: Sequence[OutboxItem], handle: Handler, lease: timedelta, run: DeliveryRun
    ) -> None:
        """Each item through `handle`, the lease of those not done yet renewed meanwhile,
        until a stop is asked for or the lease may run out (renewals failing): then the
        rest is handed back, due at once, for this or another worker."""
        held = {_item_id(item) for item in items}
        with self.holding(held, lease) as beat:
            for index, item in enumerate(items):
                if self.should_stop() or beat.lost:
                    self.record_all(items[index:], Attempt.release("delivery interrupted"), run)
                    return
                self.record(item, self._attempt(item, handle), run)
                held.discard(_item_id(item))

    def holding(self, held: set[int], lease: timedelta) -> Heartbeat:
        """`with worker.holding(ids, lease):` renews the lease of the items in `held` (a set
        the caller may shrink as items are done) every third of it until the block ends."""
        ttl = lease.total_seconds()

        def renew() -> bool:
            with self.make_uow() as uow:
                uow.outbox.renew(sorted(held), self.clock.now() + lease)
                uow.commit()
            return True

        return Heartbeat(
            renew,
            ttl=ttl,
            margin=min(LEASE_MARGIN, ttl / 3),
            name="outbox-lease",
            monotonic=self.monotonic,
        )

    def _attempt(self, item: OutboxItem, handle: Handler) -> Attempt:
        try:
            return handle(item)
        except Exception as exc:
            # One broken item (a bug, a lost connection) must not stop the others: it is
            # retried with backoff, and its error shows in /healthz.
            log.exception("outbox item %s failed", item.dedupe_key)
            return Attempt.retry(f"{item.kind}: {exc.__class__.__name__}")

    def record(self, item: OutboxItem, attempt: Attempt, run: DeliveryRun) -> None:
        self.record_all([item], attempt, run)

    def record_all(self, items: Sequence[OutboxItem], attempt: Attempt, run: DeliveryRun) -> None:
        """One outcome for several items (a backlog summary answers for all it folds in)."""
        if not items:
            return
        for start in range(0, len(items), RECORD_CHUNK):
            self._record_chunk(items[start : start + RECORD_CHUNK], attempt)
        run.counts[attempt.note] += len(items)
        if attempt.verdict in (Verdict.RETRY, Verdict.GIVE_UP):
            run.errors.append(attempt.error)

    def _record_chunk(self, items: Sequence[OutboxItem], attempt: Attempt) -> None:
        now = self.clock.now()
        with self.make_uow() as uow:
            for item in items:
                item_id = _item_id(item)
                if attempt.verdict is Verdict.DONE:
                    uow.outbox.mark_done(item_id, now)
                elif attempt.verdict is Verdict.GIVE_UP:
                    log.error("%s refused for good: %s", item.dedupe_key, attempt.error)
                    uow.outbox.mark_done(item_id, now)
                elif attempt.verdict is Verdict.RELEASE:
                    uow.outbox.mark_retry(item_id, attempt.error, now)
                else:
                    delay = attempt.retry_after or backoff(item.attempts)
                    log.warning(
                        "delivering %s failed (attempt %d), retrying in %ds: %s",
                        item.dedupe_key,
                        item.attempts,
                        delay.total_seconds(),
                        attempt.error,
                    )
                    uow.outbox.mark_retry(item_id, attempt.error, now + delay)
            uow.commit()


def record_alert_message(
    make_uow: Callable[[], UnitOfWork],
    target: TargetKind,
    target_id: int,
    message: tuple[str, str],
    now: datetime,
) -> None:
    """Where an alert was posted (channel, ts), so updates and its buttons find it later."""
    with make_uow() as uow:
        uow.alerts.save(target, target_id, message[0], message[1], now)
        uow.commit()


def queue_alert_post(
    make_uow: Callable[[], UnitOfWork], target: TargetKind, target_id: int, now: datetime
) -> None:
    """(Re)queue the target's first post; a no-op when one is queued or was ever delivered."""
    with make_uow() as uow:
        uow.outbox.enqueue([post_alert(target, target_id)], now)
        uow.commit()


def _item_id(item: OutboxItem) -> int:
    if item.id is None:
        raise ValueError(f"outbox item {item.dedupe_key} was not stored")
    return item.id
