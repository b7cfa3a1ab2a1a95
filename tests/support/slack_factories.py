"""Small factories for the Slack builders' tests: sensible defaults, keyword overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.blocks.home import AccountHealth, HomeCounts
from core.claims import ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.results import (
    AUTO_CANCEL_AFTER_SHIPPING,
    CancelResult,
    Category,
    CsHistoryEntry,
    Withdrawal,
    WithdrawalReason,
    WithdrawalState,
)

SEOUL = ZoneInfo("Asia/Seoul")
# 05:03 UTC is 14:03 in Seoul: a test that finds "14:03 KST" knows the zone was applied.
CLAIMED_AT = datetime(2024, 5, 20, 5, 3, tzinfo=UTC)
CLAIMED_AT_SEOUL = "2024-05-20 14:03 KST"
SHIPPED_AT = datetime(2024, 5, 18, 23, 30, tzinfo=UTC)
SHIPPED_AT_SEOUL = "2024-05-19 08:30 KST"
CONFIRMED_AT = datetime(2024, 5, 20, 6, 0, tzinfo=UTC)
CONFIRMED_AT_SEOUL = "2024-05-20 15:00 KST"
NOW = datetime(2024, 5, 21, 0, 0, tzinfo=UTC)
AGENT = "U0AGENT01"
LONG_NAME = "초특가 무선 이어폰 " * 200  # 2,000 characters
INJECTION_NAME = "<!channel> *특가* & <https://evil.example|클릭> _세일_"


def make_result(**overrides: Any) -> CancelResult:
    """An unconfirmed, matched, full after-shipping return (what an alert usually shows)."""
    result = CancelResult(
        marketplace="coupang",
        account="main",
        claim_id="CLM-1",
        marketplace_order_id="100200300",
        marketplace_item_id="V-1",
        management_no="M-1001",
        product_name="무선 이어폰",
        option="블랙",
        claim_type=ClaimType.RETURN,
        claim_state=ClaimState.COMPLETED,
        order_status=OrderStatus.SHIPPED,
        phase=Phase.AFTER_SHIPPING,
        category=Category.SHIPPED_RETURN,
        ordered_qty=1,
        cancel_qty=1,
        unmatched=False,
        anomaly=False,
        claimed_at=CLAIMED_AT,
        completed_at=CLAIMED_AT + timedelta(hours=1),
        shipped_at=SHIPPED_AT,
        created_at=CLAIMED_AT,
        updated_at=CLAIMED_AT,
        id=42,
    )
    return replace(result, **overrides)


def make_confirmed(**overrides: Any) -> CancelResult:
    return replace(make_result(confirmed_by=AGENT, confirmed_at=CONFIRMED_AT), **overrides)


def make_partial(**overrides: Any) -> CancelResult:
    """1 of 2 units cancelled before shipping: the case that leaves a withdrawal."""
    return replace(
        make_result(
            claim_type=ClaimType.CANCEL,
            order_status=OrderStatus.INVOICED,
            phase=Phase.BEFORE_SHIPPING,
            category=Category.INVOICED_CANCEL,
            ordered_qty=2,
            cancel_qty=1,
            shipped_at=None,
        ),
        **overrides,
    )


def make_unmatched(**overrides: Any) -> CancelResult:
    """No order in the order book, and a marketplace that does not report quantities."""
    return replace(
        make_result(
            marketplace="gmarket",
            claim_type=ClaimType.CANCEL,
            category=Category.SHIPPED_CANCEL,
            management_no=None,
            ordered_qty=None,
            cancel_qty=None,
            unmatched=True,
        ),
        **overrides,
    )


def make_anomaly(**overrides: Any) -> CancelResult:
    """A completed return on an order that never shipped."""
    return replace(
        make_result(
            order_status=OrderStatus.INVOICED,
            phase=Phase.BEFORE_SHIPPING,
            category=Category.INVOICED_CANCEL,
            shipped_at=None,
            anomaly=True,
        ),
        **overrides,
    )


def scenarios() -> dict[str, CancelResult]:
    """Every case the builders must render within Slack's limits."""
    return {
        "unconfirmed": make_result(),
        "confirmed": make_confirmed(),
        "confirmed_from_cli": make_result(confirmed_by="kim <b>&", confirmed_at=CONFIRMED_AT),
        "partial": make_partial(),
        "unmatched": make_unmatched(),
        "anomaly": make_anomaly(),
        "long_names": make_result(
            product_name=LONG_NAME,
            option=LONG_NAME,
            marketplace_order_id="9" * 2000,
            account="a" * 2000,
        ),
        "injection": make_result(
            product_name=INJECTION_NAME,
            option=INJECTION_NAME,
            marketplace_order_id="<!here>&1",
            account="<@U999>",
            taken_by="<!channel>",
            taken_at=CLAIMED_AT,
        ),
        # Issue 18: somebody is on it, and it is snoozed.
        "taken_and_snoozed": make_result(
            taken_by=AGENT,
            taken_at=CLAIMED_AT,
            snoozed_until=NOW,
            snoozed_by=AGENT,
        ),
    }


def make_withdrawal(**overrides: Any) -> Withdrawal:
    """An open withdrawal; a confirmed one when `confirmed_by` is given (state follows)."""
    withdrawal = Withdrawal(
        management_no="M-1001",
        result_id=42,
        reason=WithdrawalReason.PARTIAL,
        restore_qty=1,
        created_at=CLAIMED_AT,
        id=7,
    )
    if overrides.get("confirmed_by") and "state" not in overrides:
        overrides["state"] = WithdrawalState.CONFIRMED
    return replace(withdrawal, **overrides)


def make_order(**overrides: Any) -> Order:
    order = Order(
        management_no="M-1001",
        marketplace="coupang",
        marketplace_order_id="100200300",
        marketplace_item_id="V-1",
        product_name="무선 이어폰",
        option="블랙",
        quantity=2,
        status=OrderStatus.SHIPPED,
        invoice_no="6012345678",
        shipped_at=SHIPPED_AT,
    )
    return replace(order, **overrides)


def make_history(count: int = 1, *, text: str = AUTO_CANCEL_AFTER_SHIPPING) -> list[CsHistoryEntry]:
    return [
        CsHistoryEntry(
            management_no="M-1001",
            at=CLAIMED_AT + timedelta(minutes=i),
            text=text,
            result_id=42,
        )
        for i in range(count)
    ]


def make_account(**overrides: Any) -> AccountHealth:
    account = AccountHealth(
        name="main",
        marketplace="coupang",
        last_success_at=NOW - timedelta(minutes=5),
        last_error=None,
        has_orders=True,
        last_claim_at=NOW - timedelta(days=2),
    )
    return replace(account, **overrides)


def make_counts(**overrides: Any) -> HomeCounts:
    counts = HomeCounts(
        unconfirmed_by_category={Category.SHIPPED_RETURN: 3, Category.SHIPPED_CANCEL: 1},
        unconfirmed_by_marketplace={"coupang": 3, "naver": 1},
        partial=1,
        unmatched=1,
        unconfirmed_withdrawals=2,
    )
    return replace(counts, **overrides)
