"""What the /cancels surfaces share: the page state their buttons carry, and the blocks at
the top (what was asked, how many match, the filter as understood, what a click did).

The page state travels in button values and in the confirm-all modal's private_metadata,
so a click needs no server-side session. Slack returns these values as we sent them, but
they are still input: `PageState.decode` validates every part and raises `BadState`, which
the listeners answer with a clean message instead of a stack trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from bot.i18n import t
from bot.slack.blocks.common import Block, clip, context, escape, mrkdwn, section
from bot.slack.blocks.limits import SECTION_TEXT_MAX
from bot.slack.ids import BlockId
from core.errors import InvalidFilter, InvalidInput
from core.queries import CancelFilter, parse_filter
from core.storable import INT_MAX

# One checkbox group holds at most 10 options, so a page shows at most 10 results.
PAGE_SIZE: Final = 10
STATE_VERSION: Final = "1"
# Button values hold 2000 characters; the modal's private_metadata (3000) adds the
# response_url and channel to the state. Only an `order:` value can make it this long.
STATE_MAX: Final = 1800
METADATA_MAX: Final = 2000
FILTER_TEXT_MAX: Final = 600
NOTICE_LINE_MAX: Final = 500
_NUMBER: Final = re.compile(r"[0-9]{1,10}")  # then at most INT_MAX: a row id, a count
_CHANNEL: Final = re.compile(r"[A-Z0-9]{1,32}")


class ListKind(StrEnum):
    RESULTS = "r"
    WITHDRAWALS = "w"


class BadState(InvalidInput):
    """A button value or private_metadata that is not what /cancels sent."""


class FilterTooLong(InvalidInput):
    """The filter words do not fit in a button value."""


@dataclass(frozen=True)
class PageState:
    """One /cancels page: which list, the filter in canonical words, where it starts, the
    snapshot id the count was taken at, the count, and how many of those "Confirm all"
    would confirm (the unconfirmed ones)."""

    kind: ListKind
    words: tuple[str, ...]
    offset: int = 0
    snapshot_id: int = 0
    total: int = 0
    unconfirmed: int = 0

    def encode(self) -> str:
        """`1;r;offset;snapshot;total;unconfirmed;word word …` (the words go last: they
        are the only part that may contain the separator)."""
        numbers = (self.offset, self.snapshot_id, self.total, self.unconfirmed)
        value = ";".join([STATE_VERSION, self.kind.value, *map(str, numbers), " ".join(self.words)])
        if len(value) > STATE_MAX:
            raise FilterTooLong(f"the filter is {len(value)} characters long")
        return value

    @classmethod
    def decode(cls, value: object) -> PageState:
        if not isinstance(value, str) or len(value) > STATE_MAX:
            raise BadState("not a /cancels page state")
        parts = value.split(";", 6)
        if len(parts) != 7 or parts[0] != STATE_VERSION:
            raise BadState("not a /cancels page state (version)")
        try:
            kind = ListKind(parts[1])
        except ValueError:
            raise BadState("not a /cancels page state (list)") from None
        if not all(_NUMBER.fullmatch(part) for part in parts[2:6]):
            raise BadState("not a /cancels page state (numbers)")
        offset, snapshot_id, total, unconfirmed = (int(part) for part in parts[2:6])
        words = tuple(parts[6].split())
        if max(offset, snapshot_id, total) > INT_MAX:
            raise BadState("not a /cancels page state (numbers)")
        if not words or unconfirmed > total:
            raise BadState("not a /cancels page state (filter)")
        state = cls(kind, words, offset, snapshot_id, total, unconfirmed)
        state.filter()  # the words must parse, or the state was not ours
        return state

    def filter(self) -> CancelFilter:
        base = CancelFilter(phase=None) if self.kind is ListKind.WITHDRAWALS else None
        try:
            return parse_filter(self.words, base)
        except InvalidFilter:
            raise BadState("not a /cancels page state (filter words)") from None

    def at(self, offset: int) -> PageState:
        return replace(self, offset=max(offset, 0))


def words_of(flt: CancelFilter) -> tuple[str, ...]:
    return tuple(flt.words())


@dataclass(frozen=True)
class ModalMetadata:
    """What the confirm-all modal carries to its submission: the page it was opened from,
    and where to answer (that page's response_url, and its channel as a fallback)."""

    state: PageState
    response_url: str
    channel: str

    def encode(self) -> str:
        value = json.dumps(
            {"s": self.state.encode(), "u": self.response_url, "c": self.channel},
            separators=(",", ":"),
        )
        if len(value) > METADATA_MAX:
            raise FilterTooLong(f"the modal metadata is {len(value)} characters long")
        return value

    @classmethod
    def decode(cls, value: object) -> ModalMetadata:
        if not isinstance(value, str) or len(value) > METADATA_MAX:
            raise BadState("not a /cancels modal")
        try:
            data = json.loads(value)
        except ValueError:
            raise BadState("not a /cancels modal (json)") from None
        if not isinstance(data, dict) or set(data) != {"s", "u", "c"}:
            raise BadState("not a /cancels modal (keys)")
        url, channel = data["u"], data["c"]
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise BadState("not a /cancels modal (response_url)")
        if not isinstance(channel, str) or (channel and not _CHANNEL.fullmatch(channel)):
            raise BadState("not a /cancels modal (channel)")
        return cls(PageState.decode(data["s"]), url, channel)


# --- blocks ---------------------------------------------------------------------------


def filter_text(words: Sequence[str]) -> str:
    """The filter words as mrkdwn code: escaped, and never able to close the code span."""
    joined = clip(" ".join(words), FILTER_TEXT_MAX).replace("`", "'")
    return f"`{escape(joined)}`"


def top_blocks(
    title: str, words: Sequence[str], notice: Sequence[str], *, locale: str
) -> list[Block]:
    """Title and count, the filter as understood (so a typo shows), and a notice."""
    blocks = [
        section(mrkdwn(title), block_id=BlockId.CANCELS_SUMMARY),
        context(
            t(locale, "cancels.filter", words=filter_text(words)), block_id=BlockId.CANCELS_FILTER
        ),
    ]
    blocks += notice_blocks(notice)
    return blocks


def notice_blocks(lines: Sequence[str]) -> list[Block]:
    """What the last action did (mrkdwn lines, already escaped), in one section."""
    if not lines:
        return []
    text = clip("\n".join(clip(line, NOTICE_LINE_MAX) for line in lines), SECTION_TEXT_MAX)
    return [section(mrkdwn(text), block_id=BlockId.CANCELS_NOTICE)]


def page_info(state: PageState, shown: int, *, locale: str) -> Block | None:
    """ "11–20 of 57 · page 2/6", or nothing when the list is empty."""
    if not shown or not state.total:
        return None
    pages = -(-state.total // PAGE_SIZE)
    return context(
        t(
            locale,
            "cancels.page",
            first=state.offset + 1,
            last=state.offset + shown,
            total=state.total,
            page=state.offset // PAGE_SIZE + 1,
            pages=max(pages, state.offset // PAGE_SIZE + 1),
        ),
        block_id=BlockId.CANCELS_PAGE_INFO,
    )


__all__ = [
    "PAGE_SIZE",
    "BadState",
    "FilterTooLong",
    "ListKind",
    "ModalMetadata",
    "PageState",
    "filter_text",
    "notice_blocks",
    "page_info",
    "top_blocks",
    "words_of",
]
