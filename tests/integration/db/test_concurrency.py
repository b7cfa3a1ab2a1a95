"""Two writers at the same moment: one result, one history entry, one confirmation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core import apply, confirmation, order_book, read_models
from core.orders import OrderStatus
from core.queries import CancelFilter
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order

NOW = datetime(2026, 11, 25, tzinfo=UTC)
ROUNDS = 15
T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    if not database_url.startswith("sqlite"):
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    return database_url


def _uow_factories(url: str, n: int) -> list[Callable[[], Any]]:
    """Separate engines, as separate processes would have."""
    out = []
    for _ in range(n):
        factory = make_session_factory(make_engine(url))
        out.append(lambda f=factory: SqlAlchemyUnitOfWork(f, SEOUL))
    return out


def _at_once(calls: list[Callable[[], T]]) -> list[T]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_writers_apply_the_same_claim_at_once(url: str) -> None:
    a, b = _uow_factories(url, 2)
    orders = [make_order(status=OrderStatus.RECEIVED, quantity=2) for _ in range(ROUNDS)]
    order_book.import_orders(a, orders, NOW)

    for order in orders:
        claim = claim_for(order, cancel_qty=1)
        stats = _at_once(
            [
                lambda claim=claim: apply.apply_claims(a, [claim], NOW),
                lambda claim=claim: apply.apply_claims(b, [claim], NOW),
            ]
        )
        assert sorted(s.new for s in stats) == [0, 1]
        details = read_models.order_details(a, order.management_no)
        assert len(details.results) == 1
        assert len(details.history) == 1
        assert len(details.withdrawals) == 1


def test_two_people_confirm_the_same_result_at_once(url: str) -> None:
    a, b = _uow_factories(url, 2)
    orders = [make_order(status=OrderStatus.SHIPPED) for _ in range(ROUNDS)]
    order_book.import_orders(a, orders, NOW)
    ids = apply.apply_claims(a, [claim_for(o) for o in orders], NOW).changed_ids

    for rid in ids:
        outcomes = _at_once(
            [
                lambda rid=rid: confirmation.confirm(a, TargetKind.RESULT, [rid], "kim", NOW)[0],
                lambda rid=rid: confirmation.confirm(b, TargetKind.RESULT, [rid], "lee", NOW)[0],
            ]
        )
        kinds = sorted(o.outcome.value for o in outcomes)
        assert kinds == ["already_confirmed", "confirmed"]
        winner = next(o for o in outcomes if o.outcome is confirmation.Outcome.CONFIRMED)
        loser = next(o for o in outcomes if o.outcome is not confirmation.Outcome.CONFIRMED)
        assert loser.by == winner.by
        assert len(confirmation.confirmation_log(a, TargetKind.RESULT, rid)) == 1
    assert read_models.list_results(a, CancelFilter(confirmed=True)).total == ROUNDS


def test_a_read_does_not_wait_for_a_writer_holding_the_lock(url: str) -> None:
    reader, writer = _uow_factories(url, 2)
    shipped = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(writer, [shipped], NOW)
    apply.apply_claims(writer, [claim_for(shipped)], NOW)
    holding, release = threading.Event(), threading.Event()

    def write_slowly() -> None:
        # A writer that holds its transaction (on SQLite: the database's write lock) open.
        with writer() as uow:
            uow.orders.insert([make_order(status=OrderStatus.SHIPPED)], NOW)
            holding.set()
            release.wait(10)
            uow.commit()

    thread = threading.Thread(target=write_slowly)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        page = read_models.list_results(reader, CancelFilter())
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert page.total == 1
    assert waited < 1.0, f"the read waited {waited:.1f}s for the writer"


def test_a_read_only_unit_of_work_cannot_commit(url: str) -> None:
    [make_uow] = _uow_factories(url, 1)
    with make_uow().read_only() as uow, pytest.raises(RuntimeError, match="read-only"):
        uow.commit()
