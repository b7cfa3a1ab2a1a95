"""Row <-> core object conversion: the only place both shapes meet."""

from __future__ import annotations

from typing import Any

from core.claims import ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.results import (
    CancelResult,
    Category,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    SupersededReason,
    TargetKind,
    Withdrawal,
    WithdrawalReason,
    WithdrawalState,
)


def order_from_row(row: Any) -> Order:
    return Order(
        management_no=row.management_no,
        marketplace=row.marketplace,
        marketplace_order_id=row.marketplace_order_id,
        marketplace_item_id=row.marketplace_item_id,
        product_name=row.product_name,
        option=row.option,
        quantity=row.quantity,
        status=OrderStatus(row.status),
        invoice_no=row.invoice_no,
        shipped_at=row.shipped_at,
        cancelled=row.cancelled,
        on_hold=row.on_hold,
        held_at=row.held_at,
        held_qty=row.held_qty or 0,
    )


def order_values(order: Order) -> dict[str, Any]:
    return {
        "management_no": order.management_no,
        "marketplace": order.marketplace,
        "marketplace_order_id": order.marketplace_order_id,
        "marketplace_item_id": order.marketplace_item_id,
        "product_name": order.product_name,
        "option": order.option,
        "quantity": order.quantity,
        "status": order.status.value,
        "invoice_no": order.invoice_no,
        "shipped_at": order.shipped_at,
        "cancelled": order.cancelled,
        "on_hold": order.on_hold,
        "held_at": order.held_at,
        "held_qty": order.held_qty,
    }


def result_from_row(row: Any) -> CancelResult:
    return CancelResult(
        id=row.id,
        marketplace=row.marketplace,
        account=row.account,
        claim_id=row.claim_id,
        marketplace_order_id=row.marketplace_order_id,
        marketplace_item_id=row.marketplace_item_id,
        management_no=row.management_no,
        product_name=row.product_name,
        option=row.option,
        claim_type=ClaimType(row.claim_type),
        claim_state=ClaimState(row.claim_state),
        order_status=OrderStatus(row.order_status),
        phase=Phase(row.phase),
        category=Category(row.category),
        ordered_qty=row.ordered_qty,
        cancel_qty=row.cancel_qty,
        unmatched=row.unmatched,
        anomaly=row.anomaly,
        claimed_at=row.claimed_at,
        completed_at=row.completed_at,
        shipped_at=row.shipped_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        confirmed_by=row.confirmed_by,
        confirmed_at=row.confirmed_at,
        taken_by=row.taken_by,
        taken_at=row.taken_at,
        snoozed_until=row.snoozed_until,
        snoozed_by=row.snoozed_by,
    )


def result_values(result: CancelResult) -> dict[str, Any]:
    """Everything but the id, the confirmation and the case (who took it, its snooze),
    which have their own conditional writes."""
    return {
        "marketplace": result.marketplace,
        "account": result.account,
        "claim_id": result.claim_id,
        "marketplace_order_id": result.marketplace_order_id,
        "marketplace_item_id": result.marketplace_item_id,
        "management_no": result.management_no,
        "product_name": result.product_name,
        "option": result.option,
        "claim_type": result.claim_type.value,
        "claim_state": result.claim_state.value,
        "order_status": result.order_status.value,
        "phase": result.phase.value,
        "category": result.category.value,
        "ordered_qty": result.ordered_qty,
        "cancel_qty": result.cancel_qty,
        "partial": result.partial,
        "unmatched": result.unmatched,
        "anomaly": result.anomaly,
        "claimed_at": result.claimed_at,
        "completed_at": result.completed_at,
        "shipped_at": result.shipped_at,
        "created_at": result.created_at,
        "updated_at": result.updated_at,
    }


def withdrawal_from_row(row: Any) -> Withdrawal:
    return Withdrawal(
        id=row.id,
        management_no=row.management_no,
        result_id=row.result_id,
        reason=WithdrawalReason(row.reason),
        restore_qty=row.restore_qty,
        created_at=row.created_at,
        confirmed_by=row.confirmed_by,
        confirmed_at=row.confirmed_at,
        state=WithdrawalState(row.state),
        closed_reason=SupersededReason(row.closed_reason) if row.closed_reason else None,
        updated_at=row.updated_at,
    )


def withdrawal_values(w: Withdrawal) -> dict[str, Any]:
    """Everything but the id and the confirmation, which has its own conditional writes."""
    return {
        "management_no": w.management_no,
        "result_id": w.result_id,
        "reason": w.reason.value,
        "restore_qty": w.restore_qty,
        "created_at": w.created_at,
        "state": w.state.value,
        "closed_reason": w.closed_reason.value if w.closed_reason else None,
        "updated_at": w.updated_at,
    }


def history_from_row(row: Any) -> CsHistoryEntry:
    return CsHistoryEntry(
        management_no=row.management_no,
        at=row.at,
        text=row.text,
        actor=row.actor,
        result_id=row.result_id,
    )


def event_from_row(row: Any) -> ConfirmationEvent:
    return ConfirmationEvent(
        target=TargetKind(row.target),
        target_id=row.target_id,
        action=ConfirmAction(row.action),
        actor=row.actor,
        at=row.at,
        reason=row.reason,
    )
