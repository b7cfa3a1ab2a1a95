"""The App Home's figures, read through core and shaped for the builder (the listener and
the demo both use this)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.runtime.config import Config
from bot.slack.blocks.home import AccountHealth, HomeCounts, MyCases, OmsLink, build_home
from core import cases, dashboard
from core.ports import UnitOfWork


def home_view(
    make_uow: Callable[[], UnitOfWork],
    config: Config,
    *,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    user: str | None = None,
) -> dict[str, Any]:
    """The Home tab; for `user` (its viewer) their own cases come first (issue 18)."""
    mine = None
    if user:
        own = cases.personal(make_uow, user)
        mine = MyCases(own.taken, own.taken_total, own.snoozed, own.snoozed_total)
    counts = dashboard.attention(make_uow)
    health = dashboard.health(make_uow)
    accounts = []
    for account in config.accounts:  # configured ones, synced or not yet
        status = health.account(account.name)
        state = status.state if status else None
        accounts.append(
            AccountHealth(
                name=account.name,
                marketplace=account.marketplace,
                last_success_at=state.last_success_at if state else None,
                last_error=state.last_error if state else None,
                has_orders=bool(status and status.order_count > 0),
                last_claim_at=state.last_claim_at if state else None,
                quarantined=health.quarantined.get(account.name, 0),
            )
        )
    oms = None
    if config.oms_webhook_url:
        oms = OmsLink(health.oms_webhook.pending, health.oms_webhook.last_error)
    return build_home(
        HomeCounts(
            unconfirmed_by_category=counts.by_category,
            unconfirmed_by_marketplace=counts.by_marketplace,
            partial=counts.partial,
            unmatched=counts.unmatched,
            unconfirmed_withdrawals=counts.withdrawals,
        ),
        accounts,
        locale=locale,
        tz=tz,
        now=now,
        oms=oms,
        mine=mine,
    )
