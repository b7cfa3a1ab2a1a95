"""The seller's order book: one order per management number (관리번호)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.vocabulary import parse_code


class OrderStatus(StrEnum):
    RECEIVED = "RECEIVED"  # 접수
    INVOICED = "INVOICED"  # 송장
    SHIPPED = "SHIPPED"  # 배송

    @classmethod
    def parse(cls, text: str) -> OrderStatus:
        """Accepts the English code in any case or the OMS's Korean word."""
        korean = {"접수": cls.RECEIVED, "송장": cls.INVOICED, "배송": cls.SHIPPED}
        return parse_code(cls, text, korean, "status")

    @property
    def rank(self) -> int:
        """접수 → 송장 → 배송: an order only moves forward on its own."""
        return _RANK[self]

    @property
    def korean(self) -> str:
        """The OMS's own word, as C/S history lines say it."""
        return _KOREAN[self]


_RANK = {OrderStatus.RECEIVED: 0, OrderStatus.INVOICED: 1, OrderStatus.SHIPPED: 2}
_KOREAN = {OrderStatus.RECEIVED: "접수", OrderStatus.INVOICED: "송장", OrderStatus.SHIPPED: "배송"}


class Phase(StrEnum):
    BEFORE_SHIPPING = "BEFORE_SHIPPING"  # 배송전
    AFTER_SHIPPING = "AFTER_SHIPPING"  # 배송후


@dataclass
class Order:
    management_no: str
    marketplace: str
    marketplace_order_id: str
    marketplace_item_id: str
    product_name: str
    option: str
    quantity: int
    status: OrderStatus
    invoice_no: str = ""
    shipped_at: datetime | None = None
    # cancelbot's own, never an import's (core.reconcile derives them): whether the order
    # is cancelled and held, since when, and how many cancelled units the hold covers.
    cancelled: bool = False
    on_hold: bool = False
    held_at: datetime | None = None
    held_qty: int = 0
