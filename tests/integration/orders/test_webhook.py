"""Events reach the order system exactly once, in order, signed — through failures and a
restart of the process in the middle."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from adapters.oms.webhook import WebhookSender
from core import apply, confirmation, order_book
from core.delivery import backoff
from core.oms_delivery import deliver_oms_events
from core.orders import OrderStatus
from core.outbox import SLACK_KINDS, OutboxKind
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.factories import FixedClock, claim_for, make_order

SECRET = "webhook-signing-secret"
T0 = datetime(2026, 11, 25, tzinfo=UTC)


class Receiver:
    """Fails the first `fail` deliveries with 500; keeps accepted events by idempotency key."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.attempts = 0
        self.accepted: list[dict[str, Any]] = []
        self.keys: list[str] = []
        self.bad_signatures = 0
        self.lock = threading.Lock()

    def handle(self, headers: Any, body: bytes) -> int:
        with self.lock:
            self.attempts += 1
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Cancelbot-Signature", "")):
                self.bad_signatures += 1
                return 401
            if self.attempts <= self.fail:
                return 500
            key = headers["Idempotency-Key"]
            if key not in self.keys:  # a receiver dedupes on the key
                self.keys.append(key)
                self.accepted.append(json.loads(body))
            return 200


@contextmanager
def serving(receiver: Receiver) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(receiver.handle(self.headers, body))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/oms/events"
    finally:
        server.shutdown()
        server.server_close()


def _process(database_url: str) -> tuple[Any, Any]:
    """A fresh engine and session factory: what a restarted process would have."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    return engine, lambda: SqlAlchemyUnitOfWork(factory, SEOUL, oms_events=True)


def test_events_arrive_once_in_order_signed_across_failures_and_a_restart(
    database_url: str,
) -> None:
    engine, make_uow = _process(database_url)
    orders = [make_order(status=OrderStatus.RECEIVED, quantity=2) for _ in range(3)]
    order_book.import_orders(make_uow, orders, T0)
    ids = apply.apply_claims(make_uow, [claim_for(o, cancel_qty=1) for o in orders], T0)
    confirmation.confirm(make_uow, TargetKind.RESULT, ids.changed_ids, "U1", T0)

    receiver = Receiver(fail=3)
    now = T0
    with serving(receiver) as url:
        sender = WebhookSender(url, SECRET)
        for _ in range(3):  # three failing deliveries, then the process "dies"
            deliver_oms_events(make_uow, sender, FixedClock(now), limit=1)
            now += timedelta(minutes=1)
        sender.close()
        engine.dispose()

        engine, make_uow = _process(database_url)  # the restart
        sender = WebhookSender(url, SECRET)
        for _ in range(40):
            deliver_oms_events(make_uow, sender, FixedClock(now))
            now += timedelta(minutes=15)
        sender.close()

    assert receiver.bad_signatures == 0
    assert len(receiver.accepted) == 9  # per order: held, withdrawal, confirmed
    assert len(set(receiver.keys)) == 9
    for order in orders:
        mine = [e["event"] for e in receiver.accepted if e["management_no"] == order.management_no]
        assert mine == ["order.cancelled_and_held", "withdrawal.recorded", "result.confirmed"]
    with make_uow() as uow:
        # Every event is out; what is left is Slack's (the withdrawals' alerts, the notes).
        assert uow.outbox.pending_count([OutboxKind.WEBHOOK]) == 0
        assert uow.outbox.pending_count() == uow.outbox.pending_count(SLACK_KINDS) > 0
    engine.dispose()


def test_a_failing_event_holds_back_later_events_of_the_same_order(database_url: str) -> None:
    engine, make_uow = _process(database_url)
    order = make_order(status=OrderStatus.RECEIVED, quantity=2)
    order_book.import_orders(make_uow, [order], T0)
    apply.apply_claims(make_uow, [claim_for(order, cancel_qty=1)], T0)

    receiver = Receiver(fail=1)
    with serving(receiver) as url:
        sender = WebhookSender(url, SECRET)
        first = deliver_oms_events(make_uow, sender, FixedClock(T0))  # only the oldest is due
        assert (first.counts["sent"], first.counts["retried"]) == (0, 1)
        assert receiver.attempts == 1
        early = deliver_oms_events(make_uow, sender, FixedClock(T0 + backoff(1) / 2))
        assert early.handled == 0 and receiver.attempts == 1  # waits out its backoff
        retry_at = T0 + backoff(1) + timedelta(seconds=1)
        second = deliver_oms_events(make_uow, sender, FixedClock(retry_at))
        third = deliver_oms_events(make_uow, sender, FixedClock(retry_at))
        sender.close()
    assert (second.counts["sent"], third.counts["sent"]) == (1, 1)
    assert [e["event"] for e in receiver.accepted] == [
        "order.cancelled_and_held",
        "withdrawal.recorded",
    ]
    engine.dispose()
