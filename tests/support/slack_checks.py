"""Validation shared by the builder tests: slack_sdk's models plus our own limit checks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.blocks.limits import Surface, check_fallback_text, check_limits


def assert_valid_blocks(blocks: list[dict[str, Any]], surface: Surface) -> None:
    parsed = Block.parse_all(blocks)
    assert None not in parsed, "slack_sdk does not know a block type"
    # to_dict() validates recursively (raising SlackObjectFormationError) and keeps only the
    # keys it knows, so an equal round trip also proves no key was misspelt.
    assert [block.to_dict() for block in parsed] == blocks
    assert check_limits(blocks, surface=surface) == []
    json.dumps(blocks)  # the Web API gets JSON


def assert_valid_message(blocks: list[dict[str, Any]], text: str) -> None:
    assert_valid_blocks(blocks, "message")
    assert check_fallback_text(text) == []


def assert_valid_view(view: dict[str, Any], surface: Surface) -> None:
    assert view["type"] == ("home" if surface == "home" else "modal")
    assert View(**view).to_dict() == view
    assert_valid_blocks(view["blocks"], surface)


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every mrkdwn text in blocks (where Slack would act on `<`, `&`, mentions)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def plain_texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if value.get("type") == "plain_text":
            yield value["text"]
        for item in value.values():
            yield from plain_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from plain_texts(item)


def all_text(blocks: Any) -> str:
    return "\n".join([*mrkdwn_texts(blocks), *plain_texts(blocks)])


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        if block["type"] == "actions":
            found += [e for e in block["elements"] if e["type"] == "button"]
        elif block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


# Our own markup: the test agent's mention, links to the test URL templates' hosts, Slack
# date tokens (issue 18: `<!date^unix^{tokens}|fallback>`) and a user group's mention.
_STRAY_ANGLE = re.compile(
    r"<(?!@U0AGENT01>|https://(oms|wing\.coupang|esm)\.example/"
    r"|!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]+>|!subteam\^S[A-Z0-9]+>)"
)
_STRAY_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def assert_escaped(blocks: Any, text: str = "") -> None:
    """No mrkdwn text holds a raw `<` or `&` except our own mentions and links.

    Marketplace data can only reach a mrkdwn text escaped, so a product named
    `<!channel>` cannot notify anyone; plain_text is shown literally and is left alone.
    """
    for mrkdwn in [*mrkdwn_texts(blocks), text]:
        assert not _STRAY_ANGLE.search(mrkdwn), mrkdwn
        assert not _STRAY_AMPERSAND.search(mrkdwn), mrkdwn


_DATE_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def fallback_dates(text: str) -> str:
    """`text` with each Slack date token replaced by its fallback (what a test can read)."""
    return _DATE_TOKEN.sub(r"\1", text)
