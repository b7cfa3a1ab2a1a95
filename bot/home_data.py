"""core.dashboard figures in the shape the App Home builder takes."""

from __future__ import annotations

from bot.blocks.home import AccountHealth, HomeCounts
from core.dashboard import AccountStatus, AttentionCounts


def home_counts(counts: AttentionCounts) -> HomeCounts:
    return HomeCounts(
        unconfirmed_by_category=counts.by_category,
        unconfirmed_by_marketplace=counts.by_marketplace,
        partial=counts.partial,
        unmatched=counts.unmatched,
        unconfirmed_withdrawals=counts.withdrawals,
    )


def account_health(statuses: list[AccountStatus]) -> list[AccountHealth]:
    return [
        AccountHealth(
            name=s.state.account,
            marketplace=s.state.marketplace,
            last_success_at=s.state.last_success_at,
            last_error=s.state.last_error,
            has_orders=s.order_count > 0,
            last_claim_at=s.state.last_claim_at,
        )
        for s in statuses
    ]
