"""Builders for domain objects with keyword overrides and unique ids."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus

_seq = itertools.count(1)
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FixedClock:
    """core.ports.Clock that always says the same time."""

    at: datetime

    def now(self) -> datetime:
        return self.at


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq):06d}"


def make_order(**overrides: Any) -> Order:
    n = next(_seq)
    values: dict[str, Any] = {
        "management_no": f"M{n:06d}",
        "marketplace": "coupang",
        "marketplace_order_id": f"O{n:06d}",
        "marketplace_item_id": f"I{n:06d}",
        "product_name": f"상품 {n}",
        "option": "기본",
        "quantity": 1,
        "status": OrderStatus.SHIPPED,
        "invoice_no": "",
        "shipped_at": None,
    }
    values.update(overrides)
    if values["status"] is OrderStatus.SHIPPED and values["shipped_at"] is None:
        values["shipped_at"] = T0
    return Order(**values)


def claim_for(order: Order | None = None, **overrides: Any) -> Claim:
    values: dict[str, Any] = {
        "marketplace": order.marketplace if order else "coupang",
        "account": "main",
        "claim_id": unique("C"),
        "claim_type": ClaimType.CANCEL,
        "claim_state": ClaimState.COMPLETED,
        "marketplace_order_id": order.marketplace_order_id if order else unique("X"),
        "marketplace_item_id": order.marketplace_item_id if order else unique("Y"),
        "cancel_qty": order.quantity if order else 1,
        "ordered_qty": order.quantity if order else 1,
        "claimed_at": T0 + timedelta(hours=1),
    }
    values.update(overrides)
    return Claim(**values)
