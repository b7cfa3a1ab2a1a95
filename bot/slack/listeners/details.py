"""C/S details: a modal with the order, its C/S history, results, withdrawals and links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.blocks import build_details_modal
from bot.slack.ids import ActionId
from bot.slack.listeners.context import ListenerContext, target_id
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded
from core import cases, read_models
from core.errors import InvalidInput


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    app.action(ActionId.CANCEL_DETAILS.value)(
        **defer(Kind.ACTION, guarded(ctx, details_handler(ctx)))
    )


def details_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            raise InvalidInput("the click carries no trigger_id to open a modal with")
        # views.open must follow the click within 3 s: one query, then the call.
        view = details_view(ctx, target_id(action.get("value")))
        client.views_open(trigger_id=trigger_id, view=view)

    return handle


def details_view(ctx: ListenerContext, result_id: int) -> dict[str, Any]:
    """The modal for the result `result_id` (button value): its whole order, or the result
    alone when it matched no order."""
    details = read_models.result_details(ctx.make_uow, result_id)
    # Issue 18: who took, let go, took over or snoozed these results, and notes written
    # while a result had no order (kept by the result, not in an order's history).
    log = cases.case_log(ctx.make_uow, [r.id for r in details.results if r.id is not None])
    history = sorted([*details.history, *log.notes], key=lambda entry: entry.at)
    return build_details_modal(
        details.order,
        history,
        details.results,
        details.withdrawals,
        locale=ctx.locale,
        tz=ctx.tz,
        oms_order_url=ctx.config.oms_order_url,
        seller_page_urls=ctx.config.seller_page_urls,
        actions=details.actions,
        accept_accounts=ctx.accept_accounts,
        case_events=log.events,
    )
