"""Small pieces the builders share: escaping, clipping, text objects, common values.

Blocks are plain dicts (what the Web API takes); the tests parse them with slack_sdk's
model classes to validate them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any, Final
from urllib.parse import quote

from bot.i18n import format_datetime, has_text, t
from bot.slack.blocks.limits import BUTTON_TEXT_MAX, HEADER_TEXT_MAX
from core.results import Category

Block = dict[str, Any]

ELLIPSIS: Final = "…"
SEPARATOR: Final = " · "  # between items on one line, in every language
# Marketplace-supplied strings are clipped before they are escaped: escaping grows a
# string (`&` -> `&amp;`) and clipping afterwards could cut an entity in half.
PRODUCT_MAX: Final = 300
OPTION_MAX: Final = 150
ID_TEXT_MAX: Final = 100  # order numbers, management numbers, account labels
SHORT_PRODUCT_MAX: Final = 60  # in one-line summaries and notification texts

# Slack user ids start with U (or W on Enterprise Grid); anything else is a name typed
# on the CLI and must not become a mention.
_SLACK_USER_ID: Final = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control (`&` first).

    Without it a product named `<!channel>` would notify the whole channel.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def safe(text: str, limit: int = ID_TEXT_MAX) -> str:
    """A marketplace- or user-supplied string made fit for mrkdwn: clipped, then escaped."""
    return escape(clip(text, limit))


def mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, *, emoji: bool = True) -> Block:
    return {"type": "plain_text", "text": text, "emoji": emoji}


def header(text: str, *, block_id: str | None = None) -> Block:
    block: Block = {"type": "header", "text": plain(clip(text, HEADER_TEXT_MAX))}
    if block_id:
        block["block_id"] = str(block_id)
    return block


def section(
    text: Block | None = None,
    *,
    fields: list[Block] | None = None,
    accessory: Block | None = None,
    block_id: str | None = None,
) -> Block:
    block: Block = {"type": "section"}
    if text is not None:
        block["text"] = text
    if fields:
        block["fields"] = fields
    if accessory is not None:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = str(block_id)
    return block


def field(label: str, value: str) -> Block:
    """A section field: bold label over the value (value must already be mrkdwn-safe)."""
    return mrkdwn(f"*{label}*\n{value}")


def context(*texts: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [mrkdwn(text) for text in texts]}
    if block_id:
        block["block_id"] = str(block_id)
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "action_id": str(action_id),  # a plain str, not the StrEnum member
        "text": plain(clip(text, BUTTON_TEXT_MAX)),
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = str(block_id)
    return block


def pack_lines(lines: list[str], limit: int) -> list[str]:
    """Join lines into as few texts of at most `limit` characters as possible.

    Each line must itself be shorter than `limit` (callers clip what goes into a line).
    """
    texts: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            texts.append(current)
            candidate = line
        current = candidate
    if current:
        texts.append(current)
    return texts


def stored_id(value: int | None, what: str) -> str:
    """A stored row's id as a button value; posting an unsaved object is a bug."""
    if value is None:
        raise ValueError(f"{what} has no id: store it before building its message")
    return str(value)


def who(actor: str) -> str:
    """Who confirmed: a mention for a Slack user id, the escaped name otherwise."""
    if _SLACK_USER_ID.fullmatch(actor):
        return f"<@{actor}>"
    return safe(actor)


DATE_TOKENS: Final = "{date_short_pretty} {time}"


def slack_date(value: datetime, tz: tzinfo, tokens: str = DATE_TOKENS) -> str:
    """A time as a Slack date token (mrkdwn only): each viewer sees it in their own time
    zone and words ("Today 14:03"); clients that cannot show it get the team's time, e.g.
    `2024-05-20 14:03 KST`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"<!date^{int(value.timestamp())}^{tokens}|{format_datetime(value, tz)}>"


def when(value: datetime | None, locale: str, tz: tzinfo) -> str:
    """A time (a Slack date token, for mrkdwn) or the "none" mark."""
    return slack_date(value, tz) if value is not None else t(locale, "value.none")


def fill_url(template: str, management_no: str, marketplace_order_id: str) -> str:
    """A URL template (oms_order_url, seller_page_urls) with its placeholders filled in.

    str.replace, not str.format: a template may hold other braces (e.g. in a query). The
    values are percent-encoded: they come from marketplaces and must not change the URL's
    structure."""
    return template.replace("{management_no}", quote(management_no, safe="")).replace(
        "{marketplace_order_id}", quote(marketplace_order_id, safe="")
    )


def marketplace_label(locale: str, code: str) -> str:
    """The marketplace's display name; an unknown code is shown as itself (escaped)."""
    key = f"marketplace.{code}"
    return t(locale, key) if has_text(key) else safe(code)


def category_label(locale: str, category: Category) -> str:
    return t(locale, f"category.{category.value}")


def quantity(locale: str, cancel_qty: int | None, ordered_qty: int | None) -> str:
    """Cancelled/ordered as mrkdwn; a partial cancel is marked so nobody can miss it."""
    if cancel_qty is None:
        if ordered_qty is None:
            return t(locale, "qty.unknown")
        return t(locale, "qty.unknown_of", ordered=ordered_qty)
    if ordered_qty is None:
        return t(locale, "qty.ordered_unknown", cancel=cancel_qty)
    if cancel_qty < ordered_qty:
        return t(locale, "qty.partial", cancel=cancel_qty, ordered=ordered_qty)
    return t(locale, "qty.full", cancel=cancel_qty, ordered=ordered_qty)


def product_text(product_name: str, option: str, locale: str) -> Block:
    """Product and option as a plain_text object.

    plain_text, not mrkdwn: Slack shows it literally, so a product name can neither mention
    anyone nor turn `*` into formatting; no escaping needed (or wanted) here.
    """
    lines = [t(locale, "line.product", product=clip(product_name, PRODUCT_MAX))]
    if option:
        lines.append(t(locale, "line.option", option=clip(option, OPTION_MAX)))
    return plain("\n".join(lines), emoji=False)


def confirmation_blocks(
    *,
    confirmed_by: str | None,
    confirmed_at: datetime | None,
    item_id: str,
    confirm_action: str,
    undo_action: str,
    details: Block,
    locale: str,
    tz: tzinfo,
    confirmed_block_id: str,
    actions_block_id: str,
    first: Sequence[Block] = (),
    extra: Sequence[Block] = (),
) -> list[Block]:
    """An alert's tail: "✅ confirmed by … at …" with Undo, or the Confirm button; the
    C/S details button either way. `first`: buttons that come before them (issue 19's
    accept); `extra`: elements after them (issue 18's case controls)."""
    if confirmed_by is not None:
        line = t(
            locale, "alert.confirmed", who=who(confirmed_by), at=when(confirmed_at, locale, tz)
        )
        undo = button(t(locale, "button.undo"), undo_action, item_id)
        return [
            context(line, block_id=confirmed_block_id),
            actions(*first, undo, details, *extra, block_id=actions_block_id),
        ]
    confirm = button(t(locale, "button.confirm"), confirm_action, item_id, style="primary")
    return [actions(*first, confirm, details, *extra, block_id=actions_block_id)]
