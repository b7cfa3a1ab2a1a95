"""App Home: what needs attention, and each account's sync health."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import AccountHealth, HomeCounts, build_home
from bot.listeners.context import ListenerContext
from bot.listeners.errors import guarded
from core import dashboard


def register(app: App, ctx: ListenerContext) -> None:
    app.event("app_home_opened")(guarded(ctx, home_handler(ctx)))


def home_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        client.views_publish(user_id=event["user"], view=home_view(ctx))

    return handle


def home_view(ctx: ListenerContext) -> dict[str, Any]:
    counts = dashboard.attention(ctx.make_uow)
    statuses = {s.state.account: s for s in dashboard.account_statuses(ctx.make_uow)}
    accounts = []
    for account in ctx.config.accounts:
        status = statuses.get(account.name)
        state = status.state if status else None
        accounts.append(
            AccountHealth(
                name=account.name,
                marketplace=account.marketplace,
                last_success_at=state.last_success_at if state else None,
                last_error=state.last_error if state else None,
                has_orders=bool(status and status.order_count > 0),
                last_claim_at=state.last_claim_at if state else None,
            )
        )
    return build_home(
        HomeCounts(
            unconfirmed_by_category=counts.by_category,
            unconfirmed_by_marketplace=counts.by_marketplace,
            partial=counts.partial,
            unmatched=counts.unmatched,
            unconfirmed_withdrawals=counts.withdrawals,
        ),
        accounts,
        locale=ctx.locale,
        tz=ctx.tz,
        now=ctx.clock.now(),
    )
