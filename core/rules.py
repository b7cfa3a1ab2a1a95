"""SPEC §3 as pure functions: which claims count, how they match, phase and category."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.results import (
    AUTO_CANCEL_AFTER_SHIPPING,
    AUTO_CANCEL_BEFORE_SHIPPING,
    Category,
)


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


def match_order(claim: Claim, candidates: Sequence[Order]) -> Order | None:
    """Find the claim's order line by the ids the marketplace reported.

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
    """What applying a new claim means, before anything is written."""

    order_status: OrderStatus
    phase: Phase
    category: Category
    ordered_qty: int | None
    cancel_qty: int | None
    unmatched: bool
    anomaly: bool
    auto_cancel: bool  # rule 3: cancel and hold the order
    history_text: str | None  # the C/S history line, None when there is no order
    restore_qty: int  # rule 5: units to restore and ship (0: no withdrawal)


def decide(claim: Claim, order: Order | None, other_cancelled_qty: int = 0) -> Decision:
    """Rules 2–7 for a claim seen for the first time.

    `other_cancelled_qty` is what other live cancels already took off the same order, so a
    second partial cancel does not restore units the first one cancelled.
    """
    if order is None:
        return _decide_unmatched(claim)
    status = order.status
    phase = phase_for(status)
    ordered = order.quantity
    # ESM reports no quantity: the whole matched order line is what was claimed.
    cancel_qty = claim.cancel_qty if claim.cancel_qty is not None else ordered
    before = phase is Phase.BEFORE_SHIPPING
    restore = max(ordered - other_cancelled_qty - cancel_qty, 0) if before else 0
    return Decision(
        order_status=status,
        phase=phase,
        category=category_for(claim.claim_type, status),
        ordered_qty=ordered,
        cancel_qty=cancel_qty,
        unmatched=False,
        anomaly=claim.claim_type is ClaimType.RETURN and before,
        auto_cancel=before,
        history_text=AUTO_CANCEL_BEFORE_SHIPPING if before else AUTO_CANCEL_AFTER_SHIPPING,
        restore_qty=restore,
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
        anomaly=claim.claim_type is ClaimType.RETURN and not shipped,
        auto_cancel=False,
        history_text=None,
        restore_qty=0,
    )
