"""A list opened from an App Home count (issue 18), in a modal: one page of results (or
withdrawals) with checkboxes, Confirm selected, and Previous/Next. The page state rides
in the modal's private_metadata (bot.slack.blocks.cancels_common.PageState), so every
click re-renders the modal in place without a server-side session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from bot.i18n import t
from bot.slack.blocks.cancels_common import PAGE_SIZE, ListKind, PageState, filter_text, page_info
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    mrkdwn,
    plain,
    section,
    stored_id,
)
from bot.slack.blocks.limits import SECTION_TEXT_MAX
from bot.slack.blocks.results_page import OPTION_TEXT_MAX, result_row
from bot.slack.blocks.withdrawals_page import withdrawal_row
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.queries import Page
from core.read_models import WithdrawalView
from core.results import CancelResult, WithdrawalState


def build_list_modal(
    state: PageState,
    items: Sequence[CancelResult | WithdrawalView],
    *,
    locale: str,
    tz: tzinfo,
    notice: Sequence[str] = (),
) -> dict[str, Any]:
    """The modal for `state` (its kind, filter words, offset, count) showing `items`."""
    withdrawals = state.kind is ListKind.WITHDRAWALS
    title_key = "cancels.withdrawals_title" if withdrawals else "cancels.title"
    blocks: list[Block] = [
        section(
            mrkdwn(t(locale, title_key, total=state.total)), block_id=BlockId.HOME_LIST_SUMMARY
        ),
        context(t(locale, "cancels.filter", words=filter_text(state.words))),
    ]
    if notice:
        text = clip("\n".join(notice), SECTION_TEXT_MAX)
        blocks.append(section(mrkdwn(text), block_id=BlockId.HOME_LIST_NOTICE))
    shown: list[CancelResult | WithdrawalView] = [*items][:PAGE_SIZE]
    options: list[Block] = []
    for item in shown:
        if isinstance(item, WithdrawalView):
            w = item.withdrawal
            blocks.append(section(mrkdwn(withdrawal_row(w, item.origin, locale=locale, tz=tz))))
            if w.state is WithdrawalState.OPEN:
                label = t(
                    locale,
                    "home_list.withdrawal_option",
                    id=stored_id(w.id, "withdrawal"),
                    management_no=w.management_no,
                    qty=w.restore_qty,
                )
                options.append(_option(label, stored_id(w.id, "withdrawal")))
        else:
            blocks.append(section(mrkdwn(result_row(item, locale=locale, tz=tz))))
            if not item.confirmed:
                result_id = stored_id(item.id, "cancel result")
                number = item.management_no or item.marketplace_order_id
                label = t(locale, "cancels.option", id=result_id, management_no=number)
                options.append(_option(label, result_id))
    if not shown:
        empty = "cancels.withdrawals_empty" if withdrawals else "cancels.empty"
        blocks.append(section(mrkdwn(t(locale, empty))))
    if options:
        blocks.append(
            actions(
                {
                    "type": "checkboxes",
                    "action_id": str(ActionId.HOME_LIST_SELECT),
                    "options": options,
                },
                block_id=BlockId.HOME_LIST_SELECTION,
            )
        )
        confirm = button(
            t(locale, "button.confirm_selected"),
            ActionId.HOME_LIST_CONFIRM_SELECTED,
            state.kind.value,
            style="primary",
        )
        blocks.append(actions(confirm, block_id=BlockId.HOME_LIST_ACTIONS))
    info = page_info(state, len(shown), locale=locale)
    if info is not None:
        blocks.append(info)
    moves = []
    if state.offset > 0:
        moves.append(button(t(locale, "button.prev"), ActionId.HOME_LIST_PAGE_PREV, "prev"))
    if state.offset + len(shown) < state.total:
        moves.append(button(t(locale, "button.next"), ActionId.HOME_LIST_PAGE_NEXT, "next"))
    if moves:
        blocks.append(actions(*moves, block_id=BlockId.CANCELS_PAGING))
    title = "home_list.withdrawals_title" if withdrawals else "home_list.title"
    return {
        "type": "modal",
        "callback_id": str(CallbackId.HOME_LIST_MODAL),
        "private_metadata": state.encode(),
        "title": plain(t(locale, title)),
        "close": plain(t(locale, "home_list.close")),
        "blocks": blocks,
    }


def list_state(
    kind: ListKind, words: Sequence[str], page: Page[Any], *, unconfirmed: int = 0
) -> PageState:
    """The state a page of `kind` was rendered at (what the next click starts from)."""
    return PageState(
        kind,
        tuple(words),
        offset=page.offset,
        snapshot_id=page.snapshot_id,
        total=page.total,
        unconfirmed=min(unconfirmed, page.total),
    )


def _option(label: str, value: str) -> Block:
    return {"text": plain(clip(label, OPTION_TEXT_MAX), emoji=False), "value": value}
