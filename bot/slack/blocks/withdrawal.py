"""The channel alert for one cancel withdrawal (취소철회, SPEC §3 rules 5 and 11).

An open withdrawal means goods are on hold that a customer is waiting for: the text says
so first, in plain words, before any detail. One that no longer applies (later claims, or
the order shipped) says that instead, and why, and asks for nothing.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.slack.blocks.case import case_blocks, case_controls, oms_link
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
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
)
from bot.slack.ids import ActionId, BlockId
from core.results import CancelResult, Withdrawal, WithdrawalState


def build_withdrawal_alert(
    withdrawal: Withdrawal,
    result: CancelResult | None,
    *,
    locale: str,
    tz: ZoneInfo,
    oms_order_url: str | None = None,
) -> tuple[list[Block], str]:
    """Blocks and notification text of `withdrawal`'s alert.

    `result` is the cancel result that left the withdrawal, when it can still be loaded;
    the C/S details button works from `withdrawal.result_id` either way, and so do the
    case's controls (issue 18: the withdrawal's case is its result's).
    """
    withdrawal_id = stored_id(withdrawal.id, "withdrawal")
    management_no = safe(withdrawal.management_no)
    units = t(locale, "qty.units", count=withdrawal.restore_qty)
    reason = withdrawal.reason.value
    superseded = withdrawal.state is WithdrawalState.SUPERSEDED
    why = (
        t(locale, f"superseded.{withdrawal.closed_reason.value}")
        if withdrawal.closed_reason is not None
        else ""
    )
    if superseded:
        title = t(locale, "withdrawal.superseded_header")
        body = t(locale, "withdrawal.superseded_body", why=why, management_no=management_no)
    else:
        title = t(locale, "withdrawal.header")
        body = (
            t(locale, "withdrawal.body", qty=withdrawal.restore_qty, management_no=management_no)
            + "\n"
            + t(locale, f"withdrawal_reason_detail.{reason}")
        )
    blocks: list[Block] = [
        header(title, block_id=BlockId.WITHDRAWAL_HEADER),
        section(mrkdwn(body), block_id=BlockId.WITHDRAWAL_BODY),
    ]
    fields = [
        field(t(locale, "field.management_no"), management_no),
        field(t(locale, "field.restore_qty"), units),
        field(t(locale, "field.reason"), t(locale, f"withdrawal_reason.{reason}")),
        field(t(locale, "field.created_at"), slack_date(withdrawal.created_at, tz)),
    ]
    if result is not None:
        fields += [
            field(
                t(locale, "field.marketplace"),
                t(
                    locale,
                    "value.marketplace_account",
                    marketplace=marketplace_label(locale, result.marketplace),
                    account=safe(result.account),
                ),
            ),
            field(t(locale, "field.marketplace_order_id"), safe(result.marketplace_order_id)),
            field(
                t(locale, "field.quantity"), quantity(locale, result.cancel_qty, result.ordered_qty)
            ),
            field(t(locale, "field.claimed_at"), slack_date(result.claimed_at, tz)),
        ]
    blocks.append(section(fields=fields, block_id=BlockId.WITHDRAWAL_FIELDS))
    if result is not None:
        blocks.append(
            section(
                product_text(result.product_name, result.option, locale),
                block_id=BlockId.WITHDRAWAL_PRODUCT,
            )
        )
    else:
        blocks.append(context(t(locale, "withdrawal.no_result")))

    details = button(
        t(locale, "button.details"), ActionId.CANCEL_DETAILS, str(withdrawal.result_id)
    )
    if superseded:
        # Nothing to confirm: only the way to the order's details stays.
        blocks.append(actions(details, block_id=BlockId.WITHDRAWAL_ACTIONS))
        text = t(locale, "withdrawal.superseded_text", management_no=management_no, why=why)
        return blocks, text
    blocks += case_blocks(
        result, done=withdrawal.confirmed, locale=locale, tz=tz, block_id=BlockId.WITHDRAWAL_CASE
    )
    blocks += confirmation_blocks(
        confirmed_by=withdrawal.confirmed_by,
        confirmed_at=withdrawal.confirmed_at,
        item_id=withdrawal_id,
        confirm_action=ActionId.WITHDRAWAL_CONFIRM,
        undo_action=ActionId.WITHDRAWAL_UNCONFIRM,
        details=details,
        locale=locale,
        tz=tz,
        confirmed_block_id=BlockId.WITHDRAWAL_CONFIRMED,
        actions_block_id=BlockId.WITHDRAWAL_ACTIONS,
        # Goods on hold are not snoozed: escalation ignores snoozes for them.
        extra=case_controls(
            withdrawal.result_id,
            locale=locale,
            confirmed=withdrawal.confirmed,
            oms_url=oms_link(oms_order_url, result),
            snooze=False,
        ),
    )

    text = t(locale, "withdrawal.text", management_no=management_no, qty=withdrawal.restore_qty)
    return blocks, text
