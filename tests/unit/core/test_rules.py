"""SPEC §3 rules 1–7 and 10, table-driven, applied through the real use case and storage."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from core import apply, order_book, read_models, rules
from core.claims import ClaimState, ClaimType
from core.orders import OrderStatus, Phase
from core.queries import CancelFilter
from core.results import (
    AUTO_CANCEL_AFTER_SHIPPING,
    AUTO_CANCEL_BEFORE_SHIPPING,
    Category,
    WithdrawalReason,
    WithdrawalState,
)
from tests.factories import claim_for, make_order

NOW = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
EVERYTHING = CancelFilter(phase=None, confirmed=None)


@dataclass(frozen=True)
class Case:
    name: str
    status: OrderStatus | None  # None: the order is not in the order book
    claim: dict[str, Any]
    category: Category
    phase: Phase
    cancelled_and_held: bool
    history: list[str]
    partial: bool = False
    unmatched: bool = False
    anomaly: bool = False
    withdrawal_qty: int | None = None
    quantity: int = 1


CASES = [
    Case(
        "shipped return",
        OrderStatus.SHIPPED,
        {"claim_type": ClaimType.RETURN},
        Category.SHIPPED_RETURN,
        Phase.AFTER_SHIPPING,
        False,
        [AUTO_CANCEL_AFTER_SHIPPING],
    ),
    Case(
        "shipped cancel",
        OrderStatus.SHIPPED,
        {},
        Category.SHIPPED_CANCEL,
        Phase.AFTER_SHIPPING,
        False,
        [AUTO_CANCEL_AFTER_SHIPPING],
    ),
    Case(
        "invoiced cancel",
        OrderStatus.INVOICED,
        {},
        Category.INVOICED_CANCEL,
        Phase.BEFORE_SHIPPING,
        True,
        [AUTO_CANCEL_BEFORE_SHIPPING],
    ),
    Case(
        "received cancel",
        OrderStatus.RECEIVED,
        {},
        Category.RECEIVED_CANCEL,
        Phase.BEFORE_SHIPPING,
        True,
        [AUTO_CANCEL_BEFORE_SHIPPING],
    ),
    Case(
        "return on an order that never shipped",
        OrderStatus.RECEIVED,
        {"claim_type": ClaimType.RETURN},
        Category.RECEIVED_CANCEL,
        Phase.BEFORE_SHIPPING,
        True,
        [AUTO_CANCEL_BEFORE_SHIPPING],
        anomaly=True,
    ),
    Case(
        "unmatched, marketplace says shipped",
        None,
        {"shipped_hint": True},
        Category.SHIPPED_CANCEL,
        Phase.AFTER_SHIPPING,
        False,
        [],
        unmatched=True,
    ),
    Case(
        "unmatched, marketplace says not shipped",
        None,
        {"shipped_hint": False},
        Category.RECEIVED_CANCEL,
        Phase.BEFORE_SHIPPING,
        False,
        [],
        unmatched=True,
    ),
    Case(
        "unmatched return with no hint",
        None,
        {"claim_type": ClaimType.RETURN},
        Category.SHIPPED_RETURN,
        Phase.AFTER_SHIPPING,
        False,
        [],
        unmatched=True,
    ),
    Case(
        "unmatched return marked not shipped",
        None,
        {"claim_type": ClaimType.RETURN, "shipped_hint": False},
        Category.RECEIVED_CANCEL,
        Phase.BEFORE_SHIPPING,
        False,
        [],
        unmatched=True,
        anomaly=True,
    ),
    Case(
        "partial before shipping",
        OrderStatus.RECEIVED,
        {"cancel_qty": 1},
        Category.RECEIVED_CANCEL,
        Phase.BEFORE_SHIPPING,
        True,
        [AUTO_CANCEL_BEFORE_SHIPPING],
        partial=True,
        withdrawal_qty=2,
        quantity=3,
    ),
    Case(
        "partial after shipping",
        OrderStatus.SHIPPED,
        {"cancel_qty": 1},
        Category.SHIPPED_CANCEL,
        Phase.AFTER_SHIPPING,
        False,
        [AUTO_CANCEL_AFTER_SHIPPING],
        partial=True,
        quantity=2,
    ),
    Case(
        "requested cancel before shipping",
        OrderStatus.INVOICED,
        {"claim_state": ClaimState.REQUESTED},
        Category.INVOICED_CANCEL,
        Phase.BEFORE_SHIPPING,
        True,
        [AUTO_CANCEL_BEFORE_SHIPPING],
    ),
    Case(
        "ESM claim with no quantity takes the order's",
        OrderStatus.SHIPPED,
        {"cancel_qty": None, "ordered_qty": None, "marketplace_item_id": ""},
        Category.SHIPPED_CANCEL,
        Phase.AFTER_SHIPPING,
        False,
        [AUTO_CANCEL_AFTER_SHIPPING],
        quantity=2,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_rules_table(case: Case, make_uow: Any) -> None:
    order = make_order(status=case.status or OrderStatus.SHIPPED, quantity=case.quantity)
    if case.status is not None:
        order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, **case.claim)

    stats = apply.apply_claims(make_uow, [claim], NOW)

    assert (stats.new, stats.unmatched) == (1, int(case.unmatched))
    [result] = read_models.list_results(make_uow, EVERYTHING).items
    assert result.category is case.category
    assert result.phase is case.phase
    assert result.partial is case.partial
    assert result.unmatched is case.unmatched
    assert result.anomaly is case.anomaly
    assert result.management_no == (None if case.unmatched else order.management_no)
    assert not result.confirmed
    if case.unmatched:
        return
    details = read_models.order_details(make_uow, order.management_no)
    assert details.order is not None
    assert details.order.cancelled is case.cancelled_and_held
    assert details.order.on_hold is case.cancelled_and_held
    assert [e.text for e in details.history] == case.history
    assert [w.restore_qty for w in details.withdrawals] == (
        [case.withdrawal_qty] if case.withdrawal_qty else []
    )
    if case.withdrawal_qty:
        assert details.withdrawals[0].reason is WithdrawalReason.PARTIAL
        assert details.withdrawals[0].result_id == result.id


def test_same_claim_twice_is_one_result_and_one_history_entry(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.RECEIVED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, cancel_qty=1)

    first = apply.apply_claims(make_uow, [claim], NOW)
    second = apply.apply_claims(make_uow, [claim, claim], NOW)

    assert (first.new, second.new, second.unchanged, second.updated) == (1, 0, 2, 0)
    details = read_models.order_details(make_uow, order.management_no)
    assert len(details.results) == 1
    assert [e.text for e in details.history] == [AUTO_CANCEL_BEFORE_SHIPPING]
    assert len(details.withdrawals) == 1


def test_requested_cancel_that_completes_moves_state_on_the_same_result(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    requested = claim_for(order, claim_state=ClaimState.REQUESTED)
    completed = replace(requested, claim_state=ClaimState.COMPLETED, completed_at=NOW)

    apply.apply_claims(make_uow, [requested], NOW)
    stats = apply.apply_claims(make_uow, [completed], NOW)
    stale = apply.apply_claims(make_uow, [requested], NOW)

    assert (stats.updated, stale.unchanged) == (1, 1)
    [result] = read_models.list_results(make_uow, EVERYTHING).items
    assert result.claim_state is ClaimState.COMPLETED
    assert result.completed_at == NOW
    assert stats.changed_ids == [result.id]


def test_withdrawn_cancel_records_a_withdrawal_to_release_and_ship(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.INVOICED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    requested = claim_for(order, claim_state=ClaimState.REQUESTED, cancel_qty=2)
    withdrawn = replace(requested, claim_state=ClaimState.WITHDRAWN)

    apply.apply_claims(make_uow, [requested], NOW)
    stats = apply.apply_claims(make_uow, [withdrawn], NOW)
    again = apply.apply_claims(make_uow, [withdrawn], NOW)

    assert (stats.updated, again.unchanged) == (1, 1)
    details = read_models.order_details(make_uow, order.management_no)
    assert details.results[0].claim_state is ClaimState.WITHDRAWN
    assert [(w.reason, w.restore_qty) for w in details.withdrawals] == [
        (WithdrawalReason.WITHDRAWN, 2)
    ]
    assert [e.text for e in details.history] == [
        AUTO_CANCEL_BEFORE_SHIPPING,
        apply.CANCEL_WITHDRAWN_TEXT,
    ]


def test_withdrawal_of_a_cancel_never_applied_creates_nothing(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.RECEIVED)
    order_book.import_orders(make_uow, [order], NOW)
    stats = apply.apply_claims(make_uow, [claim_for(order, claim_state=ClaimState.WITHDRAWN)], NOW)
    assert (stats.new, stats.skipped) == (0, 1)
    assert read_models.list_results(make_uow, EVERYTHING).total == 0


def test_pending_return_is_not_a_result_until_completed(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    pending = claim_for(order, claim_type=ClaimType.RETURN, claim_state=ClaimState.REQUESTED)

    assert apply.apply_claims(make_uow, [pending], NOW).skipped == 1
    done = replace(pending, claim_state=ClaimState.COMPLETED)
    assert apply.apply_claims(make_uow, [done], NOW).new == 1


def test_a_second_partial_cancel_changes_the_one_withdrawal_to_what_is_left(
    make_uow: Any,
) -> None:
    order = make_order(status=OrderStatus.RECEIVED, quantity=3)
    order_book.import_orders(make_uow, [order], NOW)
    first = claim_for(order, cancel_qty=1)
    second = claim_for(order, cancel_qty=1)

    apply.apply_claims(make_uow, [first], NOW)
    [before] = read_models.order_details(make_uow, order.management_no).withdrawals
    apply.apply_claims(make_uow, [second], NOW)

    [after] = read_models.order_details(make_uow, order.management_no).withdrawals
    assert (before.restore_qty, before.id) == (2, after.id)
    assert (after.state, after.restore_qty) == (WithdrawalState.OPEN, 1)


def test_claim_never_guesses_between_two_candidate_lines() -> None:
    a = make_order(marketplace="gmarket", marketplace_order_id="G1", marketplace_item_id="1")
    b = make_order(marketplace="gmarket", marketplace_order_id="G1", marketplace_item_id="2")
    claim = claim_for(a, marketplace_item_id="")

    assert rules.match_order(claim, [a, b]) is None
    assert rules.match_order(claim, [a]) is a
    assert rules.match_order(replace(claim, marketplace_item_id="2"), [a, b]) is b


def test_claim_with_only_an_item_id_matches_on_it() -> None:
    a = make_order(marketplace="naver", marketplace_item_id="PO-1")
    claim = claim_for(a, marketplace_order_id="")
    assert rules.match_order(claim, [a]) is a


def test_states_only_move_forward() -> None:
    R, C, W = ClaimState.REQUESTED, ClaimState.COMPLETED, ClaimState.WITHDRAWN
    assert [rules.next_state(a, b) for a, b in [(R, C), (C, R), (R, W), (C, W), (W, R)]] == [
        C,
        C,
        W,
        W,
        W,
    ]
