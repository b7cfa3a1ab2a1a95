"""Row <-> core object conversion: the only place both shapes meet."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

from core.claims import ClaimKey, ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.results import (
    CancelResult,
    Category,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    ResultStamp,
    SupersededReason,
    TargetKind,
    Withdrawal,
    WithdrawalReason,
    WithdrawalState,
)

E = TypeVar("E", bound=Enum)


def _by_value(kind: type[E]) -> dict[Any, E]:
    return {member.value: member for member in kind}


# Stored text to enum members by a dict lookup: calling Enum(value) for each of a row's
# five enums was a tenth of reading a batch of results back (issue 17).
_STATUS = _by_value(OrderStatus)
_CLAIM_TYPE = _by_value(ClaimType)
_CLAIM_STATE = _by_value(ClaimState)
_PHASE = _by_value(Phase)
_CATEGORY = _by_value(Category)


def _member(members: dict[Any, E], kind: type[E], value: Any) -> E:
    """The member stored as `value`; an unknown value fails as Enum(value) does."""
    found = members.get(value)
    return found if found is not None else kind(value)


# Reading a SQLAlchemy Row by attribute costs ~1 µs a column (by position: ~0.05), so the
# hot reads select these columns in this order and unpack each row.
ORDER_COLUMNS = (
    "management_no",
    "marketplace",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "option",
    "quantity",
    "status",
    "invoice_no",
    "shipped_at",
    "cancelled",
    "on_hold",
    "held_at",
    "held_qty",
)


def order_from_values(values: Sequence[Any]) -> Order:
    """An order from ORDER_COLUMNS' values, in that order."""
    (no, market, order_id, item_id, name, option, qty, status, invoice, shipped_at) = values[:10]
    cancelled, on_hold, held_at, held_qty = values[10:]
    return Order(
        management_no=no,
        marketplace=market,
        marketplace_order_id=order_id,
        marketplace_item_id=item_id,
        product_name=name,
        option=option,
        quantity=qty,
        status=_member(_STATUS, OrderStatus, status),
        invoice_no=invoice,
        shipped_at=shipped_at,
        cancelled=cancelled,
        on_hold=on_hold,
        held_at=held_at,
        held_qty=held_qty or 0,
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
        status=_member(_STATUS, OrderStatus, row.status),
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
        claim_type=_member(_CLAIM_TYPE, ClaimType, row.claim_type),
        claim_state=_member(_CLAIM_STATE, ClaimState, row.claim_state),
        order_status=_member(_STATUS, OrderStatus, row.order_status),
        phase=_member(_PHASE, Phase, row.phase),
        category=_member(_CATEGORY, Category, row.category),
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


RESULT_COLUMNS = (
    "id",
    "marketplace",
    "account",
    "claim_id",
    "marketplace_order_id",
    "marketplace_item_id",
    "management_no",
    "product_name",
    "option",
    "claim_type",
    "claim_state",
    "order_status",
    "phase",
    "category",
    "ordered_qty",
    "cancel_qty",
    "unmatched",
    "anomaly",
    "claimed_at",
    "completed_at",
    "shipped_at",
    "created_at",
    "updated_at",
    "confirmed_by",
    "confirmed_at",
    "taken_by",
    "taken_at",
    "snoozed_until",
    "snoozed_by",
)


def result_from_values(values: Sequence[Any]) -> CancelResult:
    """A result from RESULT_COLUMNS' values, in that order."""
    (id_, market, account, claim_id, order_id, item_id, no, name, option) = values[:9]
    (claim_type, claim_state, order_status, phase, category) = values[9:14]
    (ordered, cancelled, unmatched, anomaly, claimed, completed, shipped) = values[14:21]
    (created, updated, confirmed_by, confirmed_at, taken_by, taken_at) = values[21:27]
    snoozed_until, snoozed_by = values[27:]
    return CancelResult(
        id=id_,
        marketplace=market,
        account=account,
        claim_id=claim_id,
        marketplace_order_id=order_id,
        marketplace_item_id=item_id,
        management_no=no,
        product_name=name,
        option=option,
        claim_type=_member(_CLAIM_TYPE, ClaimType, claim_type),
        claim_state=_member(_CLAIM_STATE, ClaimState, claim_state),
        order_status=_member(_STATUS, OrderStatus, order_status),
        phase=_member(_PHASE, Phase, phase),
        category=_member(_CATEGORY, Category, category),
        ordered_qty=ordered,
        cancel_qty=cancelled,
        unmatched=unmatched,
        anomaly=anomaly,
        claimed_at=claimed,
        completed_at=completed,
        shipped_at=shipped,
        created_at=created,
        updated_at=updated,
        confirmed_by=confirmed_by,
        confirmed_at=confirmed_at,
        taken_by=taken_by,
        taken_at=taken_at,
        snoozed_until=snoozed_until,
        snoozed_by=snoozed_by,
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


WITHDRAWAL_COLUMNS = (
    "id",
    "management_no",
    "result_id",
    "reason",
    "restore_qty",
    "created_at",
    "confirmed_by",
    "confirmed_at",
    "state",
    "closed_reason",
    "updated_at",
)


# A stored result's claim key, then what a claim seen again is compared with.
STAMP_COLUMNS = (
    "marketplace",
    "account",
    "claim_id",
    "marketplace_item_id",
    "id",
    "claim_state",
    "completed_at",
    "cancel_qty",
    "ordered_qty",
    "unmatched",
    "product_name",
)


def stamp_from_values(values: Sequence[Any]) -> tuple[ClaimKey, ResultStamp]:
    """A result's claim key and stamp from STAMP_COLUMNS' values, in that order (the key's
    fields, then the stamp's)."""
    id_, state, *rest = values[4:]
    return ClaimKey(*values[:4]), ResultStamp(id_, _member(_CLAIM_STATE, ClaimState, state), *rest)


def withdrawal_from_values(values: Sequence[Any]) -> Withdrawal:
    """A withdrawal from WITHDRAWAL_COLUMNS' values, in that order."""
    (id_, no, result_id, reason, restore_qty, created, by, at, state, closed, updated) = values
    return Withdrawal(
        id=id_,
        management_no=no,
        result_id=result_id,
        reason=WithdrawalReason(reason),
        restore_qty=restore_qty,
        created_at=created,
        confirmed_by=by,
        confirmed_at=at,
        state=WithdrawalState(state),
        closed_reason=SupersededReason(closed) if closed else None,
        updated_at=updated,
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
