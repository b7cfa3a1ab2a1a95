"""Status changes after a result was applied: backwards needs force; phase follows."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.tables import OutboxRow
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core import apply, confirmation, order_book, read_models
from core.claims import ClaimState
from core.order_book import StatusRegression, import_orders
from core.orders import OrderStatus, Phase
from core.outbox import OutboxKind
from core.queries import CancelFilter
from core.results import Category, TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order

NOW = datetime(2026, 11, 25, tzinfo=UTC)
EVERYTHING = CancelFilter(phase=None, confirmed=None)


def _outbox(database_url: str, kind: OutboxKind) -> list[Any]:
    from sqlalchemy import select

    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(OutboxRow).where(OutboxRow.kind == kind.value).order_by(OutboxRow.id)
        )
        out = list(rows)
    engine.dispose()
    return out


def test_backwards_status_is_refused_without_force(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    back = replace(order, status=OrderStatus.RECEIVED, shipped_at=None)

    with pytest.raises(StatusRegression, match=order.management_no):
        import_orders(make_uow, [back], NOW)
    assert (
        read_models.order_details(make_uow, order.management_no).order.status is OrderStatus.SHIPPED
    )  # type: ignore[union-attr]

    outcome = import_orders(make_uow, [back], NOW, forced=[order.management_no])
    details = read_models.order_details(make_uow, order.management_no)
    assert outcome.updated == 1
    assert details.order is not None and details.order.status is OrderStatus.RECEIVED
    assert [e.text for e in details.history] == ["주문상태 변경 (강제): 배송 → 접수"]


def test_requested_cancel_on_an_order_that_ships_anyway_is_alerted(
    make_uow: Any, database_url: str
) -> None:
    order = make_order(status=OrderStatus.INVOICED)
    order_book.import_orders(make_uow, [order], NOW)
    apply.apply_claims(make_uow, [claim_for(order, claim_state=ClaimState.REQUESTED)], NOW)
    assert _outbox(database_url, OutboxKind.POST_ALERT) == []  # before shipping: no alert

    shipped = replace(order, status=OrderStatus.SHIPPED, shipped_at=NOW)
    outcome = import_orders(make_uow, [shipped], NOW)

    [result] = read_models.list_results(make_uow, EVERYTHING).items
    assert outcome.settled == [result.id]
    assert (result.phase, result.category) == (Phase.AFTER_SHIPPING, Category.SHIPPED_CANCEL)
    assert read_models.list_results(make_uow, CancelFilter()).total == 1  # in the default view
    details = read_models.order_details(make_uow, order.management_no)
    assert details.order is not None and not details.order.on_hold  # the goods are gone
    history = [e.text for e in details.history]
    assert "주문상태 변경: 송장 → 배송" in history
    assert any("재분류: 송장-취소 → 배송-취소" in h for h in history)
    [post] = _outbox(database_url, OutboxKind.POST_ALERT)
    assert (post.target, post.target_id) == (TargetKind.RESULT.value, result.id)


def test_unchanged_reimport_reclassifies_nothing(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    apply.apply_claims(make_uow, [claim_for(order)], NOW)
    outcome = import_orders(make_uow, [replace(order)], NOW)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 1)
    assert outcome.settled == [] and outcome.matched == []


def test_order_system_events_are_queued_in_order(database_url: str) -> None:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, SEOUL, oms_events=True)

    order = make_order(status=OrderStatus.RECEIVED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    [rid] = apply.apply_claims(make_uow, [claim_for(order, cancel_qty=1)], NOW).changed_ids
    confirmation.confirm(make_uow, TargetKind.RESULT, [rid], "U1", NOW)
    confirmation.unconfirm(make_uow, TargetKind.RESULT, [rid], "U1", NOW)

    events = _outbox(database_url, OutboxKind.WEBHOOK)
    assert [json.loads(e.payload)["event"] for e in events] == [
        "order.cancelled_and_held",
        "withdrawal.recorded",
        "result.confirmed",
        "result.unconfirmed",
    ]
    assert {e.ordering_key for e in events} == {order.management_no}
    assert len({e.dedupe_key for e in events}) == 4
    assert json.loads(events[1].payload)["restore_qty"] == 1
    engine.dispose()
