"""C/S details: a modal with the order, its C/S history, results, withdrawals and links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import build_details_modal
from bot.ids import ActionId
from bot.listeners.context import ListenerContext, target_id
from bot.listeners.errors import guarded
from core import services
from core.errors import InvalidInput, NotFound


def register(app: App, ctx: ListenerContext) -> None:
    app.action(ActionId.CANCEL_DETAILS.value)(guarded(ctx, details_handler(ctx)))


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
    """The modal for the result `result_id` (button value), or for its whole order."""
    config = ctx.config
    with ctx.make_uow() as uow:
        result = uow.results.get(result_id)
        if result is None:
            raise NotFound(f"no result with id {result_id}")
        withdrawals = uow.withdrawals.for_results([result_id])
    if result.management_no is None:
        # Unmatched: no order to gather around, so just this result.
        return build_details_modal(
            None,
            [],
            [result],
            withdrawals,
            locale=ctx.locale,
            tz=ctx.tz,
            oms_order_url=config.oms_order_url,
            seller_page_urls=config.seller_page_urls,
        )
    details = services.order_details(ctx.make_uow, result.management_no)
    return build_details_modal(
        details.order,
        details.history,
        details.results,
        details.withdrawals,
        locale=ctx.locale,
        tz=ctx.tz,
        oms_order_url=config.oms_order_url,
        seller_page_urls=config.seller_page_urls,
    )
