"""Every change the marketplace or the order book makes to an alerted result gets a thread
reply saying what changed (issue 18 item 7), besides the alert's update in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from core import apply, confirmation, order_book
from core.changes import CHANGED_NOTE, Change, Field, parse_changes
from core.claims import ClaimState, ClaimType
from core.orders import OrderStatus
from core.outbox import OutboxKind
from core.results import TargetKind
from tests.factories import claim_for, make_order
from tests.fakes import FakeStore

T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
RESULT = TargetKind.RESULT


def posted(make_uow: Any, rid: int) -> None:
    """As the publisher records a posted alert."""
    with make_uow() as uow:
        uow.alerts.save(RESULT, rid, "C0ALERTS1", f"{rid}.000100", T0)
        uow.commit()


def changes_said(store: FakeStore, rid: int) -> list[list[Change]]:
    return [
        parse_changes(row.item.payload["params"]["changes"])
        for _, row in sorted(store.outbox.items())
        if row.item.kind is OutboxKind.THREAD_NOTE
        and row.item.payload["text_key"] == CHANGED_NOTE
        and row.item.target_id == rid
    ]


def updates(store: FakeStore, rid: int) -> int:
    return sum(
        1
        for row in store.outbox.values()
        if row.item.kind is OutboxKind.UPDATE_ALERT and row.item.target_id == rid
    )


def test_a_claim_that_completes_says_so_under_its_alert(make_uow: Any, store: FakeStore) -> None:
    order = make_order(status=OrderStatus.SHIPPED, quantity=2)
    order_book.import_orders(make_uow, [order], T0)
    requested = claim_for(order, claim_state=ClaimState.REQUESTED, cancel_qty=1)
    [rid] = apply.apply_claims(make_uow, [requested], T0).changed_ids
    posted(make_uow, rid)

    later = T0 + timedelta(hours=1)
    apply.apply_claims(
        make_uow, [replace(requested, claim_state=ClaimState.COMPLETED, cancel_qty=2)], later
    )

    assert changes_said(store, rid) == [
        [
            Change(Field.CLAIM_STATE, "REQUESTED", "COMPLETED"),
            Change(Field.CANCEL_QTY, "1", "2"),
        ]
    ]
    assert updates(store, rid) == 1
    # Seen again unchanged: nothing more is said.
    apply.apply_claims(
        make_uow, [replace(requested, claim_state=ClaimState.COMPLETED, cancel_qty=2)], later
    )
    assert len(changes_said(store, rid)) == 1


def test_a_result_without_a_posted_alert_gets_no_thread_reply(
    make_uow: Any, store: FakeStore
) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], T0)
    requested = claim_for(order, claim_state=ClaimState.REQUESTED)
    [rid] = apply.apply_claims(make_uow, [requested], T0).changed_ids

    apply.apply_claims(make_uow, [replace(requested, claim_state=ClaimState.COMPLETED)], T0)

    assert changes_said(store, rid) == []


def test_a_held_order_that_ships_anyway_says_so_and_that_the_confirmation_is_void(
    make_uow: Any, store: FakeStore
) -> None:
    order = make_order(status=OrderStatus.INVOICED)
    order_book.import_orders(make_uow, [order], T0)
    # A return on an unshipped order: an anomaly, alerted before shipping.
    [rid] = apply.apply_claims(
        make_uow, [claim_for(order, claim_type=ClaimType.RETURN)], T0
    ).changed_ids
    posted(make_uow, rid)
    confirmation.confirm(make_uow, RESULT, [rid], "U0KIM0001", T0)

    order_book.import_orders(
        make_uow, [replace(order, status=OrderStatus.SHIPPED, shipped_at=T0)], T0
    )

    assert changes_said(store, rid) == [
        [
            Change(Field.SHIPPED, "BEFORE_SHIPPING", "AFTER_SHIPPING"),
            Change(Field.CONFIRMATION_CLEARED, "U0KIM0001", ""),
        ]
    ]


def test_an_order_that_arrives_late_updates_the_alert_of_its_claim_and_says_so(
    make_uow: Any, store: FakeStore
) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    [rid] = apply.apply_claims(make_uow, [claim_for(order)], T0).changed_ids  # unmatched
    posted(make_uow, rid)
    before = updates(store, rid)

    order_book.import_orders(make_uow, [order], T0 + timedelta(hours=1))

    assert updates(store, rid) == before + 1
    [said] = changes_said(store, rid)
    assert said[0] == Change(Field.MATCHED, "", order.management_no)


def test_changes_that_are_not_changes_are_left_out_when_read_back() -> None:
    assert parse_changes([["claim_state", "A", "B"], ["nonsense", "", ""], "x", [1, 2, 3]]) == [
        Change(Field.CLAIM_STATE, "A", "B")
    ]
    assert parse_changes(None) == []
