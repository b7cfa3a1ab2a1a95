"""The daily digest: what has been waiting for a person for more than a day (SPEC §4)."""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from bot.i18n import format_datetime, t
from bot.slack.blocks.common import (
    SHORT_PRODUCT_MAX,
    Block,
    button,
    category_label,
    context,
    divider,
    header,
    marketplace_label,
    mrkdwn,
    quantity,
    safe,
    section,
    stored_id,
)
from bot.slack.ids import ActionId, BlockId
from core.results import CancelResult, Withdrawal

# One line per item with its own details button; more than this is a list nobody reads
# in a channel, so the rest is left to /cancels.
MAX_ITEMS: Final = 20


def build_digest(
    results: list[CancelResult],
    withdrawals: list[Withdrawal],
    *,
    locale: str,
    tz: ZoneInfo,
    total_results: int,
    total_withdrawals: int,
) -> tuple[list[Block], str]:
    """Blocks and notification text of the digest.

    The caller picks the items (unconfirmed AFTER_SHIPPING results and unconfirmed
    withdrawals older than 24 h, oldest first) and may pass only the first ones;
    `total_results` / `total_withdrawals` are the full counts.
    """
    total_results = max(total_results, len(results))
    total_withdrawals = max(total_withdrawals, len(withdrawals))
    blocks: list[Block] = [
        header(t(locale, "digest.header")),
        section(
            mrkdwn(
                t(locale, "digest.summary", results=total_results, withdrawals=total_withdrawals)
                if total_results or total_withdrawals
                else t(locale, "digest.empty")
            ),
            block_id=BlockId.DIGEST_SUMMARY,
        ),
    ]
    # Withdrawals first: goods on hold keep a customer waiting.
    items = [_withdrawal_item(w, locale, tz) for w in withdrawals[:MAX_ITEMS]]
    items += [_result_item(r, locale, tz) for r in results[: MAX_ITEMS - len(items)]]
    if items:
        blocks.append(divider())
        blocks += items
    more = total_results + total_withdrawals - len(items)
    if more > 0:
        blocks.append(context(t(locale, "digest.more", count=more)))
    text = t(locale, "digest.text", results=total_results, withdrawals=total_withdrawals)
    return blocks, text


def _result_item(result: CancelResult, locale: str, tz: ZoneInfo) -> Block:
    management_no = (
        safe(result.management_no)
        if result.management_no is not None
        else t(locale, "value.unmatched")
    )
    line = t(
        locale,
        "digest.result_line",
        category=category_label(locale, result.category),
        marketplace=marketplace_label(locale, result.marketplace),
        management_no=management_no,
        order_id=safe(result.marketplace_order_id),
        qty=quantity(locale, result.cancel_qty, result.ordered_qty),
        product=safe(result.product_name, SHORT_PRODUCT_MAX),
        claimed_at=format_datetime(result.claimed_at, tz),
    )
    details = button(
        t(locale, "button.details"),
        ActionId.CANCEL_DETAILS,
        stored_id(result.id, "cancel result"),
    )
    return section(mrkdwn(line), accessory=details)


def _withdrawal_item(withdrawal: Withdrawal, locale: str, tz: ZoneInfo) -> Block:
    line = t(
        locale,
        "digest.withdrawal_line",
        management_no=safe(withdrawal.management_no),
        qty=withdrawal.restore_qty,
        reason=t(locale, f"withdrawal_reason.{withdrawal.reason.value}"),
        at=format_datetime(withdrawal.created_at, tz),
    )
    details = button(
        t(locale, "button.details"), ActionId.CANCEL_DETAILS, str(withdrawal.result_id)
    )
    return section(mrkdwn(line), accessory=details)
