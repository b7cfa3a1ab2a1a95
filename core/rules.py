"""SPEC §3 as pure functions: which claims count, how they match, phase and category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.results import CancelResult, Category


class LineIds(Protocol):
    """The ids a claim names its order line by (a Claim, or a stored CancelResult)."""

    @property
    def marketplace(self) -> str: ...

    @property
    def marketplace_order_id(self) -> str: ...

    @property
    def marketplace_item_id(self) -> str: ...


def phase_for(status: OrderStatus) -> Phase:
    """Rule 2: RECEIVED or INVOICED is before shipping, SHIPPED is after."""
    return Phase.AFTER_SHIPPING if status is OrderStatus.SHIPPED else Phase.BEFORE_SHIPPING


def category_for(claim_type: ClaimType, status: OrderStatus) -> Category:
    """Rule 7: delivery status × cancel type."""
    if status is OrderStatus.SHIPPED:
        return (
            Category.SHIPPED_RETURN if claim_type is ClaimType.RETURN else Category.SHIPPED_CANCEL
        )
    if status is OrderStatus.INVOICED:
        return Category.INVOICED_CANCEL
    return Category.RECEIVED_CANCEL


def creates_result(claim: Claim) -> bool:
    """Rule 1: a cancel counts from its request; a return only once completed. A withdrawal
    only changes a result that already exists, so it never creates one."""
    if claim.claim_state is ClaimState.WITHDRAWN:
        return False
    if claim.claim_type is ClaimType.RETURN:
        return claim.claim_state is ClaimState.COMPLETED
    return True


def next_state(current: ClaimState, reported: ClaimState) -> ClaimState:
    """States only move forward: REQUESTED → COMPLETED, either → WITHDRAWN. A stale report
    (COMPLETED seen, then REQUESTED again) changes nothing; so does anything after WITHDRAWN."""
    if current is ClaimState.WITHDRAWN:
        return current
    if current is ClaimState.COMPLETED and reported is ClaimState.REQUESTED:
        return current
    return reported


def is_anomaly(claim_type: ClaimType, status: OrderStatus) -> bool:
    """Rule 7: a return against an order that never shipped."""
    return claim_type is ClaimType.RETURN and status is not OrderStatus.SHIPPED


def acceptable(result: CancelResult) -> bool:
    """A cancel request on a matched order before shipping: what a person can accept at
    the marketplace from Slack (issue 19)."""
    return (
        result.claim_type is ClaimType.CANCEL
        and result.claim_state is ClaimState.REQUESTED
        and not result.unmatched
        and result.order_status is not OrderStatus.SHIPPED
    )


def match_order(claim: LineIds, candidates: Sequence[Order]) -> Order | None:
    """Find the claim's order line by the ids the marketplace reported (a claim, or a stored
    result that matched nothing when it arrived).

    Matches on both ids when both are reported, on the one reported otherwise; an order line
    with no item id (ESM: one line per order) matches any item of its order. Never guesses:
    several candidates leave the claim unmatched.
    """
    same_market = [o for o in candidates if o.marketplace == claim.marketplace]
    order_id, item_id = claim.marketplace_order_id, claim.marketplace_item_id
    if order_id and item_id:
        exact = [
            o
            for o in same_market
            if o.marketplace_order_id == order_id and o.marketplace_item_id == item_id
        ]
        if not exact:
            exact = [
                o
                for o in same_market
                if o.marketplace_order_id == order_id and not o.marketplace_item_id
            ]
    elif order_id:
        exact = [o for o in same_market if o.marketplace_order_id == order_id]
    elif item_id:
        exact = [o for o in same_market if o.marketplace_item_id == item_id]
    else:
        exact = []
    return exact[0] if len(exact) == 1 else None


@dataclass(frozen=True)
class Decision:
    """How a claim seen for the first time is classified, before anything is written. What
    it then does to its order (hold, withdrawal, history) is core.reconcile's."""

    order_status: OrderStatus
    phase: Phase
    category: Category
    ordered_qty: int | None
    cancel_qty: int | None
    unmatched: bool
    anomaly: bool


def decide(claim: Claim, order: Order | None) -> Decision:
    """Rules 2 and 7: phase and category from the order's status, or from the marketplace's
    own shipped flag when the order is not in the order book."""
    if order is None:
        return _decide_unmatched(claim)
    status = order.status
    return Decision(
        order_status=status,
        phase=phase_for(status),
        category=category_for(claim.claim_type, status),
        ordered_qty=order.quantity,
        # ESM reports no quantity: the whole matched order line is what was claimed.
        cancel_qty=claim.cancel_qty if claim.cancel_qty is not None else order.quantity,
        unmatched=False,
        anomaly=is_anomaly(claim.claim_type, status),
    )


def _decide_unmatched(claim: Claim) -> Decision:
    """Rule 2 fallback: no order, so trust the marketplace's shipped flag. A return with no
    flag must have shipped; an explicit "not shipped" on a return is the anomaly."""
    shipped = claim.shipped_hint
    if shipped is None:
        shipped = claim.claim_type is ClaimType.RETURN
    status = OrderStatus.SHIPPED if shipped else OrderStatus.RECEIVED
    return Decision(
        order_status=status,
        phase=phase_for(status),
        category=category_for(claim.claim_type, status),
        ordered_qty=claim.ordered_qty,
        cancel_qty=claim.cancel_qty,
        unmatched=True,
        anomaly=is_anomaly(claim.claim_type, status),
    )
