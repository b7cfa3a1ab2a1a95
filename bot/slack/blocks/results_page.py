"""The /cancels results page (the OMS's 취소결과조회): one page of results with checkboxes,
Confirm selected, Confirm all N matching, and Previous/Next.

Ephemeral, so it is a message surface: at most 50 blocks; a page of PAGE_SIZE results
takes 8 + PAGE_SIZE of them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import tzinfo

from bot.i18n import format_datetime, t
from bot.slack.blocks.alert import action_line, offers_accept
from bot.slack.blocks.cancels_common import PAGE_SIZE, ListKind, PageState, page_info, top_blocks
from bot.slack.blocks.common import (
    SEPARATOR,
    SHORT_PRODUCT_MAX,
    Block,
    actions,
    button,
    category_label,
    clip,
    context,
    marketplace_label,
    mrkdwn,
    plain,
    quantity,
    safe,
    section,
    stored_id,
    when,
    who,
)
from bot.slack.ids import ActionId, BlockId
from core.marketplace_actions import MarketplaceAction
from core.queries import Page
from core.results import CancelResult

OPTION_TEXT_MAX = 75  # Block Kit option text and description
OPTION_MAX = 40  # a product option in a one-line summary


def results_state(page: Page[CancelResult], words: Sequence[str], unconfirmed: int) -> PageState:
    return PageState(
        ListKind.RESULTS,
        tuple(words),
        offset=page.offset,
        snapshot_id=page.snapshot_id,
        total=page.total,
        unconfirmed=unconfirmed,
    )


def build_results_page(
    page: Page[CancelResult],
    words: Sequence[str],
    *,
    unconfirmed: int,
    locale: str,
    tz: tzinfo,
    notice: Sequence[str] = (),
    marketplace_actions: Mapping[int, MarketplaceAction] | None = None,
    accept_accounts: Collection[str] = (),
) -> tuple[list[Block], str]:
    """Blocks and fallback text of one results page.

    `marketplace_actions` (by result id) shows how an accept at the marketplace went under
    its row; a row of an account in `accept_accounts` that can still be accepted gets the
    button (at most two blocks more per row: still far below the 50).

    `words` is the filter in canonical words; `unconfirmed` how many of `page.total`
    results (up to `page.snapshot_id`) are unconfirmed: what Confirm all would confirm.
    `notice` holds mrkdwn lines saying what the last action did.
    """
    state = results_state(page, words, unconfirmed)
    value = state.encode()
    items = page.items[:PAGE_SIZE]
    blocks = top_blocks(t(locale, "cancels.title", total=page.total), words, notice, locale=locale)
    if not items:
        blocks.append(section(mrkdwn(t(locale, "cancels.empty"))))
    for result in items:
        blocks.append(
            section(
                mrkdwn(result_row(result, locale=locale, tz=tz)),
                accessory=button(
                    t(locale, "button.details"),
                    ActionId.CANCEL_DETAILS,
                    stored_id(result.id, "cancel result"),
                ),
            )
        )
        done = (marketplace_actions or {}).get(result.id or 0)
        if done is not None:
            blocks.append(context(action_line(done, locale, tz)))
        if result.account in accept_accounts and offers_accept(result, done):
            label = t(locale, "button.accept")
            blocks.append(actions(button(label, ActionId.CANCEL_ACCEPT, str(result.id))))

    selectable = [r for r in items if not r.confirmed]
    buttons = []
    if selectable:
        blocks.append(context(t(locale, "cancels.select_hint")))
        blocks.append(
            actions(
                {
                    "type": "checkboxes",
                    "action_id": str(ActionId.CANCELS_SELECT),
                    "options": [_option(r, locale) for r in selectable],
                },
                block_id=BlockId.CANCELS_SELECTION,
            )
        )
        buttons.append(
            button(
                t(locale, "button.confirm_selected"),
                ActionId.CANCELS_CONFIRM_SELECTED,
                value,
                style="primary",
            )
        )
    if unconfirmed:
        buttons.append(
            button(
                t(locale, "button.confirm_all", count=unconfirmed),
                ActionId.CANCELS_CONFIRM_ALL,
                value,
            )
        )
    if buttons:
        blocks.append(actions(*buttons, block_id=BlockId.CANCELS_ACTIONS))
    blocks += paging_blocks(state, len(items), locale=locale)
    # Filter without typing (issue 18): beside Previous/Next, or on its own.
    filter_button = button(t(locale, "button.filter"), ActionId.CANCELS_FILTER_OPEN, value)
    if blocks[-1].get("block_id") == BlockId.CANCELS_PAGING:
        blocks[-1]["elements"].append(filter_button)
    else:
        blocks.append(actions(filter_button, block_id=BlockId.CANCELS_PAGING))

    text = t(locale, "cancels.text", total=page.total, words=" ".join(words))
    # What the last click did comes first: it is what a notification should say.
    return blocks, clip("\n".join([*notice[:1], text]), 1000)


def paging_blocks(state: PageState, shown: int, *, locale: str) -> list[Block]:
    """Where this page is, and Previous/Next when there is somewhere to go."""
    blocks: list[Block] = []
    info = page_info(state, shown, locale=locale)
    if info is not None:
        blocks.append(info)
    value = state.encode()
    moves = []
    if state.offset > 0:
        moves.append(button(t(locale, "button.prev"), ActionId.CANCELS_PAGE_PREV, value))
    if state.offset + shown < state.total:
        moves.append(button(t(locale, "button.next"), ActionId.CANCELS_PAGE_NEXT, value))
    if moves:
        blocks.append(actions(*moves, block_id=BlockId.CANCELS_PAGING))
    return blocks


def result_row(result: CancelResult, *, locale: str, tz: tzinfo) -> str:
    """One result in mrkdwn: category, marketplace, management number, product, quantity
    (partial highlighted), cancel date, claim state, confirmed state."""
    flags = []
    if result.unmatched:
        flags.append(t(locale, "flag.unmatched"))
    if result.anomaly:
        flags.append(t(locale, "flag.anomaly"))
    product = clip(result.product_name, SHORT_PRODUCT_MAX)
    if result.option:
        product = f"{product} ({clip(result.option, OPTION_MAX)})"
    if result.confirmed_by is not None:
        confirmed = t(
            locale,
            "details.confirmed",
            who=who(result.confirmed_by),
            at=when(result.confirmed_at, locale, tz),
        )
    else:
        confirmed = t(locale, "details.unconfirmed")
    return t(
        locale,
        "cancels.row",
        id=stored_id(result.id, "cancel result"),
        category=category_label(locale, result.category),
        flags="".join(f"{SEPARATOR}{flag}" for flag in flags),
        marketplace=marketplace_label(locale, result.marketplace),
        management_no=_number(result),
        product=safe(product, SHORT_PRODUCT_MAX + OPTION_MAX + 3),
        qty=quantity(locale, result.cancel_qty, result.ordered_qty),
        claimed_at=format_datetime(result.claimed_at, tz),
        claim_state=t(locale, f"claim_state.{result.claim_state.value}"),
        confirmed=confirmed,
    )


def _number(result: CancelResult) -> str:
    """The management number, or the marketplace's order number when unmatched (the flag
    already says it is unmatched)."""
    return safe(result.management_no or result.marketplace_order_id)


def _option(result: CancelResult, locale: str) -> Block:
    number = result.management_no or result.marketplace_order_id
    result_id = stored_id(result.id, "cancel result")
    label = t(locale, "cancels.option", id=result_id, management_no=number)
    return {
        "text": plain(clip(label, OPTION_TEXT_MAX), emoji=False),
        "value": result_id,
        "description": plain(
            clip(result.product_name or t(locale, "value.none"), OPTION_TEXT_MAX), emoji=False
        ),
    }
