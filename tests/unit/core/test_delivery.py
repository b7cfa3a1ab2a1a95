"""The one outbox worker (core.delivery) and the order-system handler on it, against the
dict-backed unit of work: done, retried with backoff, given up, handed back on a stop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.delivery import Attempt, OutboxWorker, backoff
from core.errors import DeliveryError
from core.oms_delivery import deliver_oms_events
from core.oms_events import OmsEvent, oms_event
from core.outbox import OutboxItem, OutboxKind, post_alert
from core.results import TargetKind
from tests.fakes import FakeClock, FakeStore, fake_uow_factory

LEASE = timedelta(minutes=5)


def queued(store: FakeStore, clock: FakeClock, *items: OutboxItem) -> None:
    make_uow = fake_uow_factory(store)
    with make_uow() as uow:
        uow.outbox.enqueue(items, clock.now())
        uow.commit()


def posts(n: int) -> list[OutboxItem]:
    return [post_alert(TargetKind.RESULT, i) for i in range(1, n + 1)]


def test_backoff_doubles_from_five_seconds_and_stops_at_ten_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(50) == timedelta(minutes=10)


def test_done_items_are_not_delivered_again() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(3))
    worker = OutboxWorker(fake_uow_factory(store), clock)
    seen: list[int] = []

    def handle(item: OutboxItem) -> Attempt:
        seen.append(item.target_id or 0)
        return Attempt.done("posted")

    run = worker.deliver([OutboxKind.POST_ALERT], handle, limit=10, lease=LEASE)
    assert seen == [1, 2, 3] and run.counts["posted"] == 3 and run.handled == 3
    again = worker.deliver([OutboxKind.POST_ALERT], handle, limit=10, lease=LEASE)
    assert again.handled == 0 and seen == [1, 2, 3]


def test_a_failure_waits_out_its_backoff_then_is_tried_again() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(1))
    worker = OutboxWorker(fake_uow_factory(store), clock)
    answers = iter([Attempt.retry("chat.postMessage: fatal_error (HTTP 500)"), Attempt.done("ok")])
    run = worker.deliver([OutboxKind.POST_ALERT], lambda _: next(answers), limit=5, lease=LEASE)
    assert run.counts["retried"] == 1 and run.errors == ["chat.postMessage: fatal_error (HTTP 500)"]

    clock.advance(seconds=backoff(1).total_seconds() - 1)
    early = worker.deliver([OutboxKind.POST_ALERT], lambda _: next(answers), limit=5, lease=LEASE)
    assert early.handled == 0
    clock.advance(seconds=2)
    late = worker.deliver([OutboxKind.POST_ALERT], lambda _: next(answers), limit=5, lease=LEASE)
    assert late.counts["ok"] == 1


def test_a_peer_that_says_when_is_believed_over_the_backoff() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(1))
    worker = OutboxWorker(fake_uow_factory(store), clock)
    wait = Attempt.retry("ratelimited", after=timedelta(seconds=30))
    worker.deliver([OutboxKind.POST_ALERT], lambda _: wait, limit=5, lease=LEASE)
    clock.advance(seconds=29)
    done = Attempt.done("ok")
    assert (
        worker.deliver([OutboxKind.POST_ALERT], lambda _: done, limit=5, lease=LEASE).handled == 0
    )
    clock.advance(seconds=2)
    assert (
        worker.deliver([OutboxKind.POST_ALERT], lambda _: done, limit=5, lease=LEASE).handled == 1
    )


def test_a_refusal_for_good_is_not_tried_again() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(1))
    worker = OutboxWorker(fake_uow_factory(store), clock)
    run = worker.deliver(
        [OutboxKind.POST_ALERT], lambda _: Attempt.give_up("invalid_blocks"), limit=5, lease=LEASE
    )
    assert run.counts["dropped"] == 1
    clock.advance(hours=1)
    calls: list[Any] = []
    worker.deliver([OutboxKind.POST_ALERT], calls.append, limit=5, lease=LEASE)  # type: ignore[arg-type]
    assert calls == []


def test_a_handler_that_crashes_is_retried_and_the_others_go_on() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(2))
    worker = OutboxWorker(fake_uow_factory(store), clock)

    def handle(item: OutboxItem) -> Attempt:
        if item.target_id == 1:
            raise KeyError("a bug")
        return Attempt.done("posted")

    run = worker.deliver([OutboxKind.POST_ALERT], handle, limit=5, lease=LEASE)
    assert run.counts == {"retried": 1, "posted": 1}
    assert run.errors == ["post_alert: KeyError"]


def test_a_stop_hands_the_rest_back_due_at_once() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(3))
    stopping = [False]
    worker = OutboxWorker(fake_uow_factory(store), clock, should_stop=lambda: stopping[0])

    def stop_meanwhile(item: OutboxItem) -> Attempt:
        stopping[0] = True  # the stop comes while the first item is handled
        return Attempt.done("posted")

    run = worker.deliver([OutboxKind.POST_ALERT], stop_meanwhile, limit=5, lease=LEASE)
    assert run.counts == {"posted": 1, "released": 2} and run.handled == 1
    stopping[0] = False
    rest = worker.deliver(
        [OutboxKind.POST_ALERT], lambda _: Attempt.done("posted"), limit=5, lease=LEASE
    )
    assert rest.counts["posted"] == 2  # due at once: no backoff for what was never tried


def test_a_batch_stops_before_its_lease_runs_out() -> None:
    store, clock = FakeStore(), FakeClock()
    queued(store, clock, *posts(3))
    seconds = [0.0]
    worker = OutboxWorker(fake_uow_factory(store), clock, monotonic=lambda: seconds[0])
    lease = timedelta(seconds=100)

    def slow(item: OutboxItem) -> Attempt:
        seconds[0] += 40  # the second item ends past lease − margin (70 s)
        return Attempt.done("posted")

    run = worker.deliver([OutboxKind.POST_ALERT], slow, limit=5, lease=lease)
    assert run.counts == {"posted": 2, "released": 1}


def test_order_system_events_go_out_in_order_per_order() -> None:
    store, clock = FakeStore(), FakeClock()
    now = clock.now()
    first = oms_event(OmsEvent.ORDER_CANCELLED_AND_HELD, "M1", 1, now, subject="1")
    second = oms_event(OmsEvent.WITHDRAWAL_RECORDED, "M1", 1, now, subject="w1")
    other = oms_event(OmsEvent.ORDER_CANCELLED_AND_HELD, "M2", 2, now, subject="2")
    queued(store, clock, first, second, other)

    class Sender:
        def __init__(self) -> None:
            self.sent: list[str] = []
            self.fail = {first.dedupe_key}

        def send(self, idempotency_key: str, payload: dict[str, Any]) -> None:
            if idempotency_key in self.fail:
                self.fail.discard(idempotency_key)
                raise DeliveryError("HTTP 503")
            self.sent.append(payload["event"] + ":" + payload["management_no"])

    sender = Sender()
    make_uow = fake_uow_factory(store)
    run = deliver_oms_events(make_uow, sender, clock)
    # M1's first event failed: its second waits behind it; M2 is not held up.
    assert run.counts == {"retried": 1, "sent": 1}
    assert sender.sent == ["order.cancelled_and_held:M2"]
    clock.advance(seconds=backoff(1).total_seconds() + 1)
    deliver_oms_events(make_uow, sender, clock)
    deliver_oms_events(make_uow, sender, clock)
    assert sender.sent == [
        "order.cancelled_and_held:M2",
        "order.cancelled_and_held:M1",
        "withdrawal.recorded:M1",
    ]
