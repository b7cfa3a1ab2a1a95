"""The note modal (issue 18): one multiline input; the note goes to the order's C/S history
and the alert's thread. Replies people type in the thread are not read: this is the way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.i18n import t
from bot.slack.blocks.common import (
    Block,
    category_label,
    context,
    mrkdwn,
    plain,
    safe,
    section,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.cases import NOTE_MAX
from core.errors import InvalidInput
from core.results import CancelResult
from core.storable import is_row_id

# Slack's plain_text_input holds at most 3000 characters; so does a note.
NOTE_INPUT_MAX: Final = min(NOTE_MAX, 3000)


def build_note_modal(result: CancelResult, *, locale: str) -> dict[str, Any]:
    """The modal for a note on `result` (its id in private_metadata, as the contract says)."""
    if result.id is None:
        raise ValueError("a note modal for a result that was not stored")
    about = t(
        locale,
        "note.about",
        id=result.id,
        category=category_label(locale, result.category),
        number=safe(result.management_no or result.marketplace_order_id),
    )
    blocks: list[Block] = [
        context(about, block_id=BlockId.NOTE_ABOUT),
        {
            "type": "input",
            "block_id": str(BlockId.NOTE),
            "label": plain(t(locale, "note.label")),
            "element": {
                "type": "plain_text_input",
                "action_id": str(ActionId.NOTE_TEXT),
                "multiline": True,
                "max_length": NOTE_INPUT_MAX,
                "placeholder": plain(t(locale, "note.placeholder")),
            },
        },
        context(t(locale, "note.hint")),
    ]
    return {
        "type": "modal",
        "callback_id": str(CallbackId.CANCEL_NOTE_MODAL),
        "private_metadata": str(result.id),
        "title": plain(t(locale, "note.title")),
        "submit": plain(t(locale, "note.submit")),
        "close": plain(t(locale, "note.close")),
        "blocks": blocks,
    }


def build_note_notice(text: str, *, locale: str) -> dict[str, Any]:
    """The note modal once submitted: "saving…", then whether the note was kept."""
    return {
        "type": "modal",
        "callback_id": str(CallbackId.CANCEL_NOTE_MODAL),
        "title": plain(t(locale, "note.title")),
        "close": plain(t(locale, "details.close")),
        "blocks": [section(mrkdwn(text))],
    }


def note_result_id(view: Mapping[str, Any]) -> int:
    """The result a submitted note modal is about (its private_metadata)."""
    value = str(view.get("private_metadata") or "")
    if not value.isascii() or not value.isdigit() or not is_row_id(int(value)):
        raise InvalidInput("not a note modal")
    return int(value)


def note_text(view: Mapping[str, Any]) -> str:
    """What was typed in a submitted note modal ("" for nothing)."""
    values = (view.get("state") or {}).get("values") or {}
    typed = (values.get(BlockId.NOTE.value) or {}).get(ActionId.NOTE_TEXT.value) or {}
    value = typed.get("value") if isinstance(typed, dict) else None
    return value if isinstance(value, str) else ""
