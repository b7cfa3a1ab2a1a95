"""`/cancels withdrawals` (the OMS's 취소철회조회): held goods to release and ship, each with
Confirm (or Undo) and C/S details, paged like the results.

Each row's actions block has the block_id `cancels_withdrawal:<id>:<page state>`: the
Confirm click then says which list it came from, so the list can be re-rendered in place.
Slack returns the block_id of the clicked element even for ephemeral messages, whose
payload carries no copy of the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.i18n import format_datetime, t
from bot.slack.blocks.cancels_common import PAGE_SIZE, ListKind, PageState, top_blocks
from bot.slack.blocks.common import (
    SHORT_PRODUCT_MAX,
    Block,
    actions,
    button,
    clip,
    marketplace_label,
    mrkdwn,
    safe,
    section,
    stored_id,
    when,
    who,
)
from bot.slack.blocks.limits import ID_MAX
from bot.slack.blocks.results_page import paging_blocks
from bot.slack.ids import ActionId, BlockId
from core.queries import Page
from core.read_models import WithdrawalView
from core.results import CancelResult, Withdrawal, WithdrawalState


def withdrawals_state(page: Page[WithdrawalView], words: Sequence[str]) -> PageState:
    return PageState(ListKind.WITHDRAWALS, tuple(words), offset=page.offset, total=page.total)


def row_block_id(withdrawal_id: str, state: PageState) -> str:
    """`cancels_withdrawal:<id>:<state>`, or without the state when it does not fit."""
    short = f"{BlockId.CANCELS_WITHDRAWAL}:{withdrawal_id}"
    full = f"{short}:{state.encode()}"
    return full if len(full) <= ID_MAX else short


def parse_row_block_id(block_id: object) -> PageState | None:
    """The page state a row's block_id carries, if any (BadState if it is not ours)."""
    prefix, _, rest = str(block_id or "").partition(":")
    if prefix != BlockId.CANCELS_WITHDRAWAL:
        return None
    _, sep, state = rest.partition(":")
    return PageState.decode(state) if sep else None


def build_withdrawals_page(
    page: Page[WithdrawalView],
    words: Sequence[str],
    *,
    locale: str,
    tz: tzinfo,
    notice: Sequence[str] = (),
) -> tuple[list[Block], str]:
    """Blocks and fallback text of one page of withdrawals, each with the cancel result it
    came from (a missing one is said so)."""
    state = withdrawals_state(page, words)
    items = page.items[:PAGE_SIZE]
    blocks = top_blocks(
        t(locale, "cancels.withdrawals_title", total=page.total), words, notice, locale=locale
    )
    if not items:
        blocks.append(section(mrkdwn(t(locale, "cancels.withdrawals_empty"))))
    for view in items:
        withdrawal = view.withdrawal
        withdrawal_id = stored_id(withdrawal.id, "withdrawal")
        blocks.append(
            section(mrkdwn(withdrawal_row(withdrawal, view.origin, locale=locale, tz=tz)))
        )
        details = button(
            t(locale, "button.details"), ActionId.CANCEL_DETAILS, str(withdrawal.result_id)
        )
        if withdrawal.state is WithdrawalState.OPEN:
            toggle = [
                button(
                    t(locale, "button.confirm"),
                    ActionId.CANCELS_WITHDRAWAL_CONFIRM,
                    withdrawal_id,
                    style="primary",
                )
            ]
        elif withdrawal.state is WithdrawalState.CONFIRMED:
            toggle = [
                button(
                    t(locale, "button.undo"), ActionId.CANCELS_WITHDRAWAL_UNCONFIRM, withdrawal_id
                )
            ]
        else:
            toggle = []  # superseded: nothing to confirm or undo
        blocks.append(actions(*toggle, details, block_id=row_block_id(withdrawal_id, state)))
    blocks += paging_blocks(state, len(items), locale=locale)
    text = t(locale, "cancels.withdrawals_text", total=page.total, words=" ".join(words))
    # What the last click did comes first: it is what a notification should say.
    return blocks, clip("\n".join([*notice[:1], text]), 1000)


def withdrawal_row(
    withdrawal: Withdrawal, result: CancelResult | None, *, locale: str, tz: tzinfo
) -> str:
    if result is None:
        source = t(locale, "withdrawal.no_result")
    else:
        source = t(
            locale,
            "cancels.withdrawal_source",
            marketplace=marketplace_label(locale, result.marketplace),
            order_id=safe(result.marketplace_order_id),
            product=safe(result.product_name, SHORT_PRODUCT_MAX),
        )
    if withdrawal.state is WithdrawalState.SUPERSEDED:
        why = withdrawal.closed_reason.value if withdrawal.closed_reason else "merged"
        confirmed = (
            t(locale, "withdrawal_state.SUPERSEDED") + " · " + t(locale, f"superseded.{why}")
        )
    elif withdrawal.confirmed_by is not None:
        confirmed = t(
            locale,
            "details.confirmed",
            who=who(withdrawal.confirmed_by),
            at=when(withdrawal.confirmed_at, locale, tz),
        )
    else:
        confirmed = t(locale, "details.unconfirmed")
    return t(
        locale,
        "cancels.withdrawal_row",
        management_no=safe(withdrawal.management_no),
        qty=withdrawal.restore_qty,
        reason=t(locale, f"withdrawal_reason.{withdrawal.reason.value}"),
        source=source,
        at=format_datetime(withdrawal.created_at, tz),
        confirmed=confirmed,
    )
