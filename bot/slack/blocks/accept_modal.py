"""The step before accepting a buyer's cancel at the marketplace (issue 19): a modal that
states what will happen there — its scope, the order's shipping state, that a refund cannot
be undone — and, after the submission, how it went."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import has_text, t
from bot.slack.blocks.alert import action_line
from bot.slack.blocks.common import (
    clip,
    context,
    marketplace_label,
    mrkdwn,
    plain,
    product_text,
    quantity,
    safe,
    section,
)
from bot.slack.ids import BlockId, CallbackId
from core.marketplace_actions import MarketplaceAction
from core.orders import Order
from core.results import CancelResult

MODAL_TEXT_MAX = 24  # title, submit and close of a modal


def build_accept_modal(result: CancelResult, order: Order | None, *, locale: str) -> dict[str, Any]:
    """The confirmation step; its submission carries the result id in private_metadata."""
    status = order.status if order is not None else result.order_status
    held = t(locale, "accept.held" if order is not None and order.on_hold else "accept.not_held")
    body = t(
        locale,
        "accept.modal_body",
        marketplace=marketplace_label(locale, result.marketplace),
        order_id=safe(result.marketplace_order_id),
        management_no=safe(result.management_no or "-"),
        status=t(locale, f"order_status.{status.value}") + " · " + held,
        qty=quantity(locale, result.cancel_qty, result.ordered_qty),
    )
    scope_key = f"accept.scope.{result.marketplace}"
    scope = t(locale, scope_key) if has_text(scope_key) else t(locale, "accept.scope.other")
    return {
        **_frame(locale, submit=True),
        "private_metadata": str(result.id),
        "blocks": [
            section(mrkdwn(body), block_id=BlockId.ACCEPT_ORDER),
            section(product_text(result.product_name, result.option, locale)),
            section(mrkdwn(scope), block_id=BlockId.ACCEPT_SCOPE),
            context(t(locale, "accept.irreversible")),
        ],
    }


def build_accept_notice(text: str, *, locale: str) -> dict[str, Any]:
    """The modal replaced by a message: why it was refused, or that it is under way."""
    return {**_frame(locale, submit=False), "blocks": [section(mrkdwn(text))]}


def build_accept_outcome(action: MarketplaceAction, *, locale: str, tz: ZoneInfo) -> dict[str, Any]:
    """The modal once the marketplace answered: the same line the alert shows."""
    line = action_line(action, locale, tz)
    return {
        **_frame(locale, submit=False),
        "blocks": [section(mrkdwn(line), block_id=BlockId.ACCEPT_OUTCOME)],
    }


def _frame(locale: str, *, submit: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": CallbackId.CANCEL_ACCEPT_MODAL.value,
        "title": plain(clip(t(locale, "accept.modal_title"), MODAL_TEXT_MAX)),
        "close": plain(clip(t(locale, "accept.modal_close"), MODAL_TEXT_MAX)),
    }
    if submit:
        view["submit"] = plain(clip(t(locale, "accept.modal_submit"), MODAL_TEXT_MAX))
    return view
