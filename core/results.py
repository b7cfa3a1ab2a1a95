"""Cancel results, withdrawals, the C/S history and the confirmation audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from core.claims import ClaimKey, ClaimState, ClaimType
from core.orders import OrderStatus, Phase


class Category(StrEnum):
    """Delivery status × cancel type (SPEC §3 rule 7)."""

    SHIPPED_RETURN = "SHIPPED_RETURN"  # 배송-반품
    SHIPPED_CANCEL = "SHIPPED_CANCEL"  # 배송-취소
    INVOICED_CANCEL = "INVOICED_CANCEL"  # 송장-취소
    RECEIVED_CANCEL = "RECEIVED_CANCEL"  # 접수-취소

    @property
    def korean(self) -> str:
        """The OMS's own words, as C/S history lines say them."""
        return _CATEGORY_KOREAN[self]


_CATEGORY_KOREAN = {
    Category.SHIPPED_RETURN: "배송-반품",
    Category.SHIPPED_CANCEL: "배송-취소",
    Category.INVOICED_CANCEL: "송장-취소",
    Category.RECEIVED_CANCEL: "접수-취소",
}


class WithdrawalReason(StrEnum):
    PARTIAL = "PARTIAL"  # remainder of a partial cancel before shipping
    WITHDRAWN = "WITHDRAWN"  # the customer withdrew / the marketplace rejected the cancel


class WithdrawalState(StrEnum):
    """OPEN: goods on hold to release and ship now. CONFIRMED: a person released them.
    SUPERSEDED: no longer true (later claims, or the goods shipped); kept for the audit."""

    OPEN = "OPEN"
    CONFIRMED = "CONFIRMED"
    SUPERSEDED = "SUPERSEDED"


class SupersededReason(StrEnum):
    """Why a withdrawal no longer applies."""

    NOTHING_TO_RELEASE = "nothing_to_release"  # every unit is cancelled or released
    SHIPPED = "shipped"  # the order shipped: the goods are gone
    MERGED = "merged"  # another open withdrawal of the order states the number now

    @property
    def korean(self) -> str:
        return _SUPERSEDED_KOREAN[self]


_SUPERSEDED_KOREAN = {
    SupersededReason.NOTHING_TO_RELEASE: "출고할 수량 없음(모두 취소 또는 이미 해제)",
    SupersededReason.SHIPPED: "주문이 배송됨",
    SupersededReason.MERGED: "다른 취소철회로 합쳐짐",
}


class ConfirmAction(StrEnum):
    CONFIRM = "CONFIRM"
    UNCONFIRM = "UNCONFIRM"
    # A person's hands on a result (issue 18): audit events like a confirmation.
    TAKE = "TAKE"  # "I'm on it"
    RELEASE = "RELEASE"  # let it go again
    TAKE_OVER = "TAKE_OVER"  # took it from whoever held it
    SNOOZE = "SNOOZE"  # out of the lists until a time
    WAKE = "WAKE"  # the snooze ended (by cancelbot)


class TargetKind(StrEnum):
    RESULT = "result"
    WITHDRAWAL = "withdrawal"


# C/S history texts are the OMS's own words, so people recognise them.
AUTO_CANCEL_BEFORE_SHIPPING = "Client 자동취소(배송전)"
AUTO_CANCEL_AFTER_SHIPPING = "Client 자동취소(배송후)"


@dataclass
class CancelResult:
    """One completed (or requested, for cancels) claim line as cancelbot stores it."""

    marketplace: str
    account: str
    claim_id: str
    marketplace_order_id: str
    marketplace_item_id: str
    management_no: str | None  # None when unmatched
    product_name: str
    option: str
    claim_type: ClaimType
    claim_state: ClaimState
    order_status: OrderStatus  # the order's status (or the marketplace's hint) when applied
    phase: Phase
    category: Category
    ordered_qty: int | None
    cancel_qty: int | None  # None: the marketplace did not say and no order tells us
    unmatched: bool
    anomaly: bool
    claimed_at: datetime
    completed_at: datetime | None
    shipped_at: datetime | None
    created_at: datetime
    updated_at: datetime
    id: int | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    # Who took the case and since when, and a snooze (issue 18). Like the confirmation,
    # these have their own conditional writes (core.cases), never a claim's update.
    taken_by: str | None = None
    taken_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None

    @property
    def key(self) -> ClaimKey:
        return ClaimKey(self.marketplace, self.account, self.claim_id, self.marketplace_item_id)

    @property
    def partial(self) -> bool:
        return (
            self.cancel_qty is not None
            and self.ordered_qty is not None
            and self.cancel_qty < self.ordered_qty
        )

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None

    @property
    def snoozed(self) -> bool:
        """Out of the default view and the digest until `snoozed_until` (then woken)."""
        return self.snoozed_until is not None


class ResultStamp(NamedTuple):
    """What a claim seen again is compared with (rule 10): enough to tell that it changes
    nothing, the common case on every sync, without reading the whole stored result."""

    id: int
    claim_state: ClaimState
    completed_at: datetime | None
    cancel_qty: int | None
    ordered_qty: int | None
    unmatched: bool
    product_name: str

    @classmethod
    def of(cls, result: CancelResult) -> ResultStamp:
        if result.id is None:
            raise ValueError("a result is stamped once stored")
        return cls(
            result.id,
            result.claim_state,
            result.completed_at,
            result.cancel_qty,
            result.ordered_qty,
            result.unmatched,
            result.product_name,
        )


@dataclass
class Withdrawal:
    """Units on hold that must ship after all (취소철회). An order has at most one OPEN
    withdrawal, and it states exactly what is left to release (SPEC rule 11)."""

    management_no: str
    result_id: int  # the result the withdrawal points at (its C/S details)
    reason: WithdrawalReason
    restore_qty: int
    created_at: datetime
    id: int | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    state: WithdrawalState = WithdrawalState.OPEN
    closed_reason: SupersededReason | None = None  # why it was superseded
    updated_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None


@dataclass(frozen=True)
class CsHistoryEntry:
    """One line of an order's append-only C/S history (C/S 이력)."""

    management_no: str
    at: datetime
    text: str
    actor: str = "cancelbot"
    result_id: int | None = None


@dataclass(frozen=True)
class ConfirmationEvent:
    """One confirm or unconfirm, kept forever: an unconfirm is an event, not a deletion.
    `reason` says why cancelbot itself cleared one (e.g. "shipped_while_held")."""

    target: TargetKind
    target_id: int
    action: ConfirmAction
    actor: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class SummaryRow:
    """Unconfirmed results grouped by what App Home counts."""

    category: Category
    marketplace: str
    partial: bool
    unmatched: bool
    anomaly: bool
    after_shipping: bool
    count: int
