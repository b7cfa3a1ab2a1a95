"""Events for the seller's order system: what cancelbot did to an order, so the warehouse
hears about a hold that only cancelbot knows. Queued in the outbox, in the same transaction
as the change, and delivered in order per management number."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from core.outbox import OutboxItem, OutboxKind


class OmsEvent(StrEnum):
    ORDER_CANCELLED_AND_HELD = "order.cancelled_and_held"
    ORDER_HOLD_RELEASED = "order.hold_released"
    WITHDRAWAL_RECORDED = "withdrawal.recorded"
    WITHDRAWAL_UPDATED = "withdrawal.updated"
    WITHDRAWAL_SUPERSEDED = "withdrawal.superseded"
    RESULT_CONFIRMED = "result.confirmed"
    RESULT_UNCONFIRMED = "result.unconfirmed"
    WITHDRAWAL_CONFIRMED = "withdrawal.confirmed"
    WITHDRAWAL_UNCONFIRMED = "withdrawal.unconfirmed"
    ORDER_STATUS_CHANGED = "order.status_changed"


def oms_event(
    event: OmsEvent,
    management_no: str,
    result_id: int | None,
    at: datetime,
    *,
    subject: str,
    **details: Any,
) -> OutboxItem:
    """`subject` makes the idempotency key unique per happening (e.g. the withdrawal id)."""
    occurred = at.isoformat()
    key = f"oms:{event.value}:{management_no}:{subject}:{occurred}"
    payload = {
        "event": event.value,
        "management_no": management_no,
        "result_id": result_id,
        "occurred_at": occurred,
        **details,
    }
    return OutboxItem(OutboxKind.WEBHOOK, None, None, key, payload, ordering_key=management_no)
