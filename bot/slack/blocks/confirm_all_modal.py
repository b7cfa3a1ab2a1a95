"""The confirmation step before "Confirm all N matching" (전체 확인): a modal that states the
count and the filter, and carries the page it was opened from to its submission."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.i18n import t
from bot.slack.blocks.cancels_common import filter_text
from bot.slack.blocks.common import clip, context, mrkdwn, plain, section
from bot.slack.ids import BlockId, CallbackId

MODAL_TEXT_MAX = 24  # title, submit and close of a modal


def build_confirm_all_modal(
    count: int, words: Sequence[str], private_metadata: str, *, locale: str
) -> dict[str, Any]:
    """`count`: the unconfirmed results the page counted; `private_metadata`: the encoded
    ModalMetadata (page state and where to answer)."""
    return {
        "type": "modal",
        "callback_id": CallbackId.CANCELS_CONFIRM_ALL_MODAL.value,
        "title": plain(clip(t(locale, "confirm_all.title"), MODAL_TEXT_MAX)),
        "submit": plain(clip(t(locale, "confirm_all.submit", count=count), MODAL_TEXT_MAX)),
        "close": plain(clip(t(locale, "confirm_all.close"), MODAL_TEXT_MAX)),
        "private_metadata": private_metadata,
        "blocks": [
            section(
                mrkdwn(t(locale, "confirm_all.body", count=count)),
                block_id=BlockId.CANCELS_CONFIRM_ALL_TEXT,
            ),
            context(t(locale, "cancels.filter", words=filter_text(words))),
            context(t(locale, "confirm_all.scope", count=count)),
        ],
    }


def build_modal_error(text: str, *, locale: str) -> dict[str, Any]:
    """The modal replaced by a message (`response_action: update`) when its submission
    cannot be carried out, e.g. its private_metadata is not what we sent."""
    return {
        "type": "modal",
        "callback_id": CallbackId.CANCELS_CONFIRM_ALL_MODAL.value,
        "title": plain(clip(t(locale, "confirm_all.title"), MODAL_TEXT_MAX)),
        "close": plain(clip(t(locale, "details.close"), MODAL_TEXT_MAX)),
        "blocks": [section(mrkdwn(text))],
    }
