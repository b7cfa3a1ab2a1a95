"""Block Kit limits that slack_sdk's model classes do not check, checked on plain dicts.

slack_sdk validates most per-element limits when a block is parsed and serialised
(`Block.parse(b).to_dict()`), but not: blocks per message, the 2000 characters of a section
field, checkbox options, unique ids, and the total size of a message. Slack rejects such a
message at send time (`invalid_blocks`, `msg_blocks_too_long`), i.e. in production, so the
builders' tests run `check_limits` on every output.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, Literal

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: Final[Mapping[str, int]] = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_MAX: Final = 3000
SECTION_FIELDS_MAX: Final = 10
FIELD_TEXT_MAX: Final = 2000
HEADER_TEXT_MAX: Final = 150
BUTTON_TEXT_MAX: Final = 75
BUTTON_VALUE_MAX: Final = 2000
BUTTON_URL_MAX: Final = 3000
CHECKBOX_OPTIONS_MAX: Final = 10
ACTIONS_ELEMENTS_MAX: Final = 25
CONTEXT_ELEMENTS_MAX: Final = 10
CONTEXT_TEXT_MAX: Final = 3000
ID_MAX: Final = 255
# Slack answers `msg_blocks_too_long` somewhere around 13k characters of text in one
# message (undocumented; slackapi/bolt-js#2509), so messages stay well below that.
MESSAGE_TEXT_BUDGET: Final = 12_000
# views.open / views.publish reject views over 250 kB (`view_too_large`).
VIEW_JSON_MAX: Final = 250_000
# chat.postMessage truncates `text` past 40k; a notification is read in a glance anyway.
FALLBACK_TEXT_MAX: Final = 4000


def check_limits(blocks: Sequence[Mapping[str, Any]], *, surface: Surface = "message") -> list[str]:
    """Every limit violation in `blocks` for `surface`, as readable messages; [] if none."""
    problems: list[str] = []
    max_blocks = MAX_BLOCKS[surface]
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks, a {surface} holds at most {max_blocks}")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id is not None:
            if len(block_id) > ID_MAX:
                problems.append(f"{where}: block_id longer than {ID_MAX}")
            if block_id in block_ids:
                problems.append(f"{where}: block_id {block_id!r} is not unique")
            block_ids.add(block_id)
        problems.extend(f"{where}: {p}" for p in _check_block(block))
    if surface == "message":
        total = sum(len(text) for text in _texts(blocks))
        if total > MESSAGE_TEXT_BUDGET:
            problems.append(
                f"{total} characters of text, keep a message under {MESSAGE_TEXT_BUDGET}"
            )
    else:
        size = len(json.dumps(list(blocks), ensure_ascii=False).encode())
        if size > VIEW_JSON_MAX:
            problems.append(f"view blocks are {size} bytes, a view holds at most {VIEW_JSON_MAX}")
    return problems


def check_fallback_text(text: str) -> list[str]:
    """The top-level `text` feeds notifications and screen readers: never empty, never huge."""
    if not text.strip():
        return ["fallback text is empty"]
    if len(text) > FALLBACK_TEXT_MAX:
        return [f"fallback text is {len(text)} characters, keep it under {FALLBACK_TEXT_MAX}"]
    return []


def _check_block(block: Mapping[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        text = block.get("text")
        if text is not None and len(text.get("text", "")) > SECTION_TEXT_MAX:
            yield f"section text longer than {SECTION_TEXT_MAX}"
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS_MAX:
            yield f"{len(fields)} fields, at most {SECTION_FIELDS_MAX}"
        for number, field in enumerate(fields):
            if len(field.get("text", "")) > FIELD_TEXT_MAX:
                yield f"field {number} longer than {FIELD_TEXT_MAX}"
        if "accessory" in block:
            yield from _check_elements([block["accessory"]])
    elif kind == "header":
        if len(block.get("text", {}).get("text", "")) > HEADER_TEXT_MAX:
            yield f"header text longer than {HEADER_TEXT_MAX}"
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > ACTIONS_ELEMENTS_MAX:
            yield f"{len(elements)} elements, at most {ACTIONS_ELEMENTS_MAX}"
        yield from _check_elements(elements)
    elif kind == "context":
        elements = block.get("elements") or []
        if len(elements) > CONTEXT_ELEMENTS_MAX:
            yield f"{len(elements)} elements, at most {CONTEXT_ELEMENTS_MAX}"
        for element in elements:
            if len(element.get("text", "")) > CONTEXT_TEXT_MAX:
                yield f"context text longer than {CONTEXT_TEXT_MAX}"
    elif kind == "input" and "element" in block:
        yield from _check_elements([block["element"]])


def _check_elements(elements: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    action_ids: set[str] = set()
    for element in elements:
        action_id = element.get("action_id")
        if action_id is not None:
            if len(action_id) > ID_MAX:
                yield f"action_id longer than {ID_MAX}"
            # Slack requires action_ids to be unique within a block.
            if action_id in action_ids:
                yield f"action_id {action_id!r} is not unique in its block"
            action_ids.add(action_id)
        kind = element.get("type")
        if kind == "button":
            if len(element.get("text", {}).get("text", "")) > BUTTON_TEXT_MAX:
                yield f"button text longer than {BUTTON_TEXT_MAX}"
            if len(element.get("value", "")) > BUTTON_VALUE_MAX:
                yield f"button value longer than {BUTTON_VALUE_MAX}"
            if len(element.get("url", "")) > BUTTON_URL_MAX:
                yield f"button url longer than {BUTTON_URL_MAX}"
        elif kind == "checkboxes":
            options = element.get("options") or []
            if len(options) > CHECKBOX_OPTIONS_MAX:
                yield f"{len(options)} checkbox options, at most {CHECKBOX_OPTIONS_MAX}"


def _texts(value: Any) -> Iterator[str]:
    """Every `text` string anywhere in the blocks: what counts towards the message size."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
