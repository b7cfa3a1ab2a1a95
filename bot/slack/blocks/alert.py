"""The channel alert for one cancel result (SPEC §4 "Channel alerts")."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.slack.blocks.case import case_blocks, case_controls, oms_link
from bot.slack.blocks.common import (
    SEPARATOR,
    SHORT_PRODUCT_MAX,
    Block,
    button,
    category_label,
    confirmation_blocks,
    context,
    field,
    header,
    marketplace_label,
    mrkdwn,
    product_text,
    quantity,
    safe,
    section,
    slack_date,
    stored_id,
    when,
    who,
)
from bot.slack.ids import ActionId, BlockId
from core.marketplace_actions import ActionState, MarketplaceAction
from core.results import CancelResult
from core.rules import acceptable


def build_alert(
    result: CancelResult,
    *,
    locale: str,
    tz: ZoneInfo,
    account_label: str | None = None,
    now: datetime | None = None,
    can_accept: bool = False,
    action: MarketplaceAction | None = None,
    oms_order_url: str | None = None,
) -> tuple[list[Block], str]:
    """Blocks and notification text of `result`'s alert, confirmed or not.

    `can_accept`: the result's account lets people accept a cancel request at the
    marketplace, so an open request offers "Accept at marketplace" first; `action` is how
    an accept went, shown as its own line.

    `account_label` replaces the account's code in the text (e.g. "쿠팡 본점");
    `now`, when given, is shown as the time the message was last rendered, so people can
    tell that a message was refreshed after the marketplace changed the claim;
    `oms_order_url` (config) adds an "Open in OMS" link for a matched result.
    Times are Slack date tokens: each viewer reads them in their own zone.
    """
    result_id = stored_id(result.id, "cancel result")
    flags = _flags(result, locale)
    category = category_label(locale, result.category)
    marketplace = marketplace_label(locale, result.marketplace)
    account = safe(account_label or result.account)

    blocks: list[Block] = [
        header(SEPARATOR.join([category, *flags]), block_id=BlockId.ALERT_HEADER)
    ]
    warnings = _warnings(result, locale)
    if warnings:
        blocks.append(section(mrkdwn("\n".join(warnings))))
    blocks.append(
        section(
            fields=[
                field(
                    t(locale, "field.marketplace"),
                    t(
                        locale,
                        "value.marketplace_account",
                        marketplace=marketplace,
                        account=account,
                    ),
                ),
                field(t(locale, "field.management_no"), _management_no(result, locale)),
                field(t(locale, "field.marketplace_order_id"), safe(result.marketplace_order_id)),
                field(
                    t(locale, "field.quantity"),
                    quantity(locale, result.cancel_qty, result.ordered_qty),
                ),
                field(t(locale, "field.shipped_at"), when(result.shipped_at, locale, tz)),
                field(t(locale, "field.claimed_at"), slack_date(result.claimed_at, tz)),
                field(
                    t(locale, "field.claim_state"),
                    t(locale, f"claim_state.{result.claim_state.value}"),
                ),
            ],
            block_id=BlockId.ALERT_FIELDS,
        )
    )
    blocks.append(
        section(
            product_text(result.product_name, result.option, locale), block_id=BlockId.ALERT_PRODUCT
        )
    )
    blocks.append(
        section(
            mrkdwn(t(locale, "alert.guidance", guidance=t(locale, _guidance(result)))),
            block_id=BlockId.ALERT_GUIDANCE,
        )
    )
    about = [
        t(locale, f"phase.{result.phase.value}"),
        t(locale, f"claim_type.{result.claim_type.value}"),
    ]
    if now is not None:
        about.append(t(locale, "alert.updated", at=slack_date(now, tz)))
    blocks.append(context(SEPARATOR.join(about)))
    if action is not None:
        blocks.append(
            context(action_line(action, locale, tz), block_id=BlockId.ALERT_MARKETPLACE_ACTION)
        )
    offer = can_accept and offers_accept(result, action)
    first = [button(t(locale, "button.accept"), ActionId.CANCEL_ACCEPT, result_id)] if offer else []
    blocks += case_blocks(
        result, done=result.confirmed, locale=locale, tz=tz, block_id=BlockId.ALERT_CASE
    )

    blocks += confirmation_blocks(
        confirmed_by=result.confirmed_by,
        confirmed_at=result.confirmed_at,
        item_id=result_id,
        confirm_action=ActionId.CANCEL_CONFIRM,
        undo_action=ActionId.CANCEL_UNCONFIRM,
        details=button(t(locale, "button.details"), ActionId.CANCEL_DETAILS, result_id),
        locale=locale,
        tz=tz,
        confirmed_block_id=BlockId.ALERT_CONFIRMED,
        actions_block_id=BlockId.ALERT_ACTIONS,
        first=first,
        extra=case_controls(
            int(result_id),
            locale=locale,
            confirmed=result.confirmed,
            oms_url=oms_link(oms_order_url, result),
        ),
    )

    text = t(
        locale,
        "alert.text",
        flags="".join(f"{flag}{SEPARATOR}" for flag in flags),
        category=category,
        marketplace=marketplace,
        # The unmatched flag already says there is no management number; the marketplace's
        # order number is what people can search for instead.
        management_no=safe(result.management_no or result.marketplace_order_id),
        product=safe(result.product_name, SHORT_PRODUCT_MAX),
    )
    return blocks, text


def _flags(result: CancelResult, locale: str) -> list[str]:
    flags = []
    if result.partial:
        flags.append(t(locale, "flag.partial"))
    if result.unmatched:
        flags.append(t(locale, "flag.unmatched"))
    if result.anomaly:
        flags.append(t(locale, "flag.anomaly"))
    return flags


def _warnings(result: CancelResult, locale: str) -> list[str]:
    warnings = []
    if result.unmatched:
        warnings.append(t(locale, "alert.unmatched_warning"))
    if result.anomaly:
        warnings.append(t(locale, "alert.anomaly_warning"))
    if result.cancel_qty is None:
        warnings.append(t(locale, "alert.qty_unknown_warning"))
    return warnings


def offers_accept(result: CancelResult, action: MarketplaceAction | None) -> bool:
    """Whether "Accept at marketplace" is offered on `result` (its account switched on):
    a cancel request on a held order, not yet accepted (again after a failure)."""
    return acceptable(result) and (action is None or action.state is ActionState.FAILED)


def action_line(action: MarketplaceAction, locale: str, tz: tzinfo) -> str:
    """How an accept at the marketplace went, with who and when (and the marketplace's own
    words when it did not take)."""
    return t(
        locale,
        f"accept.state.{action.state.value}",
        who=who(action.by),
        at=when(action.finished_at or action.at, locale, tz),
        error=safe(action.error or "-", SHORT_PRODUCT_MAX * 4),
    )


def _guidance(result: CancelResult) -> str:
    """What to do: by category, except that an unmatched result held nothing, whatever
    its category says a matched one would have done."""
    return "guidance.UNMATCHED" if result.unmatched else f"guidance.{result.category.value}"


def _management_no(result: CancelResult, locale: str) -> str:
    if result.management_no is None:
        return t(locale, "value.unmatched")
    return safe(result.management_no)
