"""The C/S details modal: one order, its C/S history, its results and withdrawals."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.i18n import format_datetime, t
from bot.slack.blocks.alert import action_line, offers_accept
from bot.slack.blocks.case import case_lines
from bot.slack.blocks.common import (
    Block,
    button,
    category_label,
    divider,
    escape,
    field,
    fill_url,
    header,
    marketplace_label,
    mrkdwn,
    pack_lines,
    plain,
    product_text,
    quantity,
    safe,
    section,
    when,
    who,
)
from bot.slack.blocks.limits import SECTION_TEXT_MAX
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.marketplace_actions import MarketplaceAction
from core.orders import Order
from core.results import (
    CancelResult,
    ConfirmationEvent,
    CsHistoryEntry,
    Withdrawal,
    WithdrawalState,
)

# Caps that keep the modal far below its 100 blocks whatever the order holds: with them
# the modal has at most ~65 blocks (history lines are packed several to a block).
MAX_HISTORY: Final = 30
MAX_RESULTS: Final = 30
MAX_WITHDRAWALS: Final = 15
MAX_SELLER_LINKS: Final = 5
MAX_CASE_EVENTS: Final = 20
HISTORY_TEXT_MAX: Final = 300
URL_MAX: Final = 1000  # links are one per line, so a links section holds at least two


def build_details_modal(
    order: Order | None,
    history: list[CsHistoryEntry],
    results: list[CancelResult],
    withdrawals: list[Withdrawal],
    *,
    locale: str,
    tz: ZoneInfo,
    oms_order_url: str | None,
    seller_page_urls: Mapping[str, str],
    actions: Mapping[int, MarketplaceAction] | None = None,
    accept_accounts: Collection[str] = (),
    case_events: Sequence[ConfirmationEvent] = (),
) -> dict[str, Any]:
    """A `views.open` view of everything known about one order.

    `oms_order_url` and the `seller_page_urls` values (keyed by marketplace code) are URL
    templates with `{management_no}` and `{marketplace_order_id}` placeholders.
    `actions` (by result id, issue 19) adds how an accept at the marketplace went under a
    result; a result of an account in `accept_accounts` that can still be accepted gets
    the button. `case_events` (issue 18) are who took, let go, took over or snoozed its
    results.
    """
    blocks: list[Block] = []
    management_no = _management_no(order, results, withdrawals)
    if management_no is not None:
        blocks.append(header(t(locale, "details.header", management_no=management_no)))
    elif results:
        order_id = results[0].marketplace_order_id
        blocks.append(header(t(locale, "details.header_unmatched", order_id=order_id)))

    if order is not None:
        blocks += _order_blocks(order, locale, tz)
    else:
        blocks.append(section(mrkdwn(t(locale, "details.no_order"))))

    links = _links(order, results, management_no, locale, oms_order_url, seller_page_urls)
    if links:
        texts = pack_lines([t(locale, "details.links"), *links], SECTION_TEXT_MAX)
        blocks.append(section(mrkdwn(texts[0]), block_id=BlockId.DETAILS_LINKS))
        blocks += [section(mrkdwn(text)) for text in texts[1:]]

    blocks += [divider(), section(mrkdwn(t(locale, "details.history")))]
    blocks += _history_blocks(history, locale, tz)

    blocks += [divider(), section(mrkdwn(t(locale, "details.results")))]
    if not results:
        blocks.append(section(mrkdwn(t(locale, "details.results_empty"))))
    actions = actions or {}
    for result in results[:MAX_RESULTS]:
        action = actions.get(result.id or 0)
        text = _result_text(result, locale, tz)
        if action is not None:
            text += "\n" + action_line(action, locale, tz)
        accessory = None
        if result.account in accept_accounts and offers_accept(result, action):
            label = t(locale, "button.accept")
            accessory = button(label, ActionId.CANCEL_ACCEPT, str(result.id))
        blocks.append(section(mrkdwn(text), accessory=accessory))
    blocks += _more(len(results) - MAX_RESULTS, locale)

    if case_events:
        blocks += [divider(), section(mrkdwn(t(locale, "details.case_log")))]
        blocks += _case_blocks(case_events, locale, tz)

    if withdrawals:
        blocks += [divider(), section(mrkdwn(t(locale, "details.withdrawals")))]
        for withdrawal in withdrawals[:MAX_WITHDRAWALS]:
            blocks.append(section(mrkdwn(_withdrawal_text(withdrawal, locale, tz))))
        blocks += _more(len(withdrawals) - MAX_WITHDRAWALS, locale)

    return {
        "type": "modal",
        "callback_id": CallbackId.CS_DETAILS_MODAL.value,
        "title": plain(t(locale, "details.title")),
        "close": plain(t(locale, "details.close")),
        "blocks": blocks,
    }


def _management_no(
    order: Order | None, results: list[CancelResult], withdrawals: list[Withdrawal]
) -> str | None:
    if order is not None:
        return order.management_no
    for result in results:
        if result.management_no is not None:
            return result.management_no
    return withdrawals[0].management_no if withdrawals else None


def _order_blocks(order: Order, locale: str, tz: ZoneInfo) -> list[Block]:
    def yes_no(value: bool) -> str:
        return t(locale, "value.yes" if value else "value.no")

    fields = [
        field(t(locale, "field.order_status"), t(locale, f"order_status.{order.status.value}")),
        field(t(locale, "field.ordered_qty"), t(locale, "qty.units", count=order.quantity)),
        field(t(locale, "field.cancelled"), yes_no(order.cancelled)),
        field(t(locale, "field.on_hold"), yes_no(order.on_hold)),
        field(
            t(locale, "field.invoice_no"),
            safe(order.invoice_no) if order.invoice_no else t(locale, "value.none"),
        ),
        field(t(locale, "field.shipped_at"), when(order.shipped_at, locale, tz)),
        field(t(locale, "field.marketplace"), marketplace_label(locale, order.marketplace)),
        field(t(locale, "field.marketplace_order_id"), safe(order.marketplace_order_id)),
    ]
    return [
        section(fields=fields, block_id=BlockId.DETAILS_ORDER),
        section(product_text(order.product_name, order.option, locale)),
    ]


def _history_blocks(history: list[CsHistoryEntry], locale: str, tz: ZoneInfo) -> list[Block]:
    if not history:
        return [section(mrkdwn(t(locale, "details.history_empty")))]
    # Newest first: the latest events matter most, and the cut-off ones are the oldest.
    newest = sorted(history, key=lambda entry: entry.at, reverse=True)
    lines = [
        t(
            locale,
            "details.history_line",
            at=format_datetime(entry.at, tz),
            text=safe(entry.text, HISTORY_TEXT_MAX),
            actor=who(entry.actor),
        )
        for entry in newest[:MAX_HISTORY]
    ]
    blocks = [section(mrkdwn(text)) for text in pack_lines(lines, SECTION_TEXT_MAX)]
    return blocks + _more(len(history) - MAX_HISTORY, locale)


def _result_text(result: CancelResult, locale: str, tz: ZoneInfo) -> str:
    line = t(
        locale,
        "details.result_line",
        category=category_label(locale, result.category),
        marketplace=marketplace_label(locale, result.marketplace),
        order_id=safe(result.marketplace_order_id),
        claim_type=t(locale, f"claim_type.{result.claim_type.value}"),
        claim_state=t(locale, f"claim_state.{result.claim_state.value}"),
        qty=quantity(locale, result.cancel_qty, result.ordered_qty),
        claimed_at=format_datetime(result.claimed_at, tz),
        shipped_at=when(result.shipped_at, locale, tz),
    )
    case = case_lines(result, done=result.confirmed, locale=locale, tz=tz)
    confirmation = _confirmation(result.confirmed_by, result.confirmed_at, locale, tz)
    return "\n".join([line, confirmation, *case])


def _case_blocks(events: Sequence[ConfirmationEvent], locale: str, tz: ZoneInfo) -> list[Block]:
    newest = sorted(events, key=lambda e: e.at, reverse=True)
    lines = [
        t(
            locale,
            "details.case_line",
            at=format_datetime(e.at, tz),
            id=e.target_id,
            action=t(locale, f"case_action.{e.action.value}"),
            actor=who(e.actor),
        )
        for e in newest[:MAX_CASE_EVENTS]
    ]
    blocks = [section(mrkdwn(text)) for text in pack_lines(lines, SECTION_TEXT_MAX)]
    return blocks + _more(len(events) - MAX_CASE_EVENTS, locale)


def _withdrawal_text(withdrawal: Withdrawal, locale: str, tz: ZoneInfo) -> str:
    line = t(
        locale,
        "details.withdrawal_line",
        qty=withdrawal.restore_qty,
        reason=t(locale, f"withdrawal_reason.{withdrawal.reason.value}"),
        at=format_datetime(withdrawal.created_at, tz),
    )
    if withdrawal.state is WithdrawalState.SUPERSEDED:
        why = withdrawal.closed_reason.value if withdrawal.closed_reason else "merged"
        state = t(locale, "withdrawal_state.SUPERSEDED") + " · " + t(locale, f"superseded.{why}")
        return line + "\n" + state
    confirmation = _confirmation(withdrawal.confirmed_by, withdrawal.confirmed_at, locale, tz)
    return line + "\n" + confirmation


def _confirmation(
    confirmed_by: str | None, confirmed_at: datetime | None, locale: str, tz: ZoneInfo
) -> str:
    if confirmed_by is None:
        return t(locale, "details.unconfirmed")
    return t(locale, "details.confirmed", who=who(confirmed_by), at=when(confirmed_at, locale, tz))


def _more(count: int, locale: str) -> list[Block]:
    return [section(mrkdwn(t(locale, "details.more", count=count)))] if count > 0 else []


def _links(
    order: Order | None,
    results: list[CancelResult],
    management_no: str | None,
    locale: str,
    oms_order_url: str | None,
    seller_page_urls: Mapping[str, str],
) -> list[str]:
    links: list[str | None] = []
    if oms_order_url and management_no is not None:
        if order is not None:
            order_id = order.marketplace_order_id
        else:
            order_id = next((r.marketplace_order_id for r in results if r.management_no), "")
        url = _fill(oms_order_url, management_no, order_id)
        links.append(_link(url, t(locale, "details.link_oms")))
    # One seller-page link per marketplace order, the order book's first.
    seen: list[tuple[str, str]] = []
    if order is not None:
        seen.append((order.marketplace, order.marketplace_order_id))
    for result in results:
        pair = (result.marketplace, result.marketplace_order_id)
        if pair not in seen:
            seen.append(pair)
    for marketplace, order_id in seen[:MAX_SELLER_LINKS]:
        template = seller_page_urls.get(marketplace)
        if not template:
            continue
        label = t(
            locale,
            "details.link_seller",
            marketplace=marketplace_label(locale, marketplace),
            order_id=safe(order_id),
        )
        links.append(_link(_fill(template, management_no or "", order_id), label))
    return [link for link in links if link is not None]


def _fill(template: str, management_no: str, marketplace_order_id: str) -> str:
    return fill_url(template, management_no, marketplace_order_id)


def _link(url: str, label: str) -> str | None:
    """A mrkdwn link to `url` labelled `label` (already mrkdwn-safe), or None for a URL too
    long to be real (a cut URL would be wrong)."""
    if len(url) > URL_MAX:
        return None
    # `|` ends the URL part of a mrkdwn link, so it is percent-encoded in the URL.
    return f"<{escape(url.replace('|', '%7C'))}|{label}>"
