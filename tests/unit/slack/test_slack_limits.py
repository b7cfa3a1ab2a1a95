"""check_limits must catch what slack_sdk lets through; these show it can fail."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.slack.blocks.limits import check_fallback_text, check_limits


def section(text: str = "ok", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "ok", value: str = "1", action_id: str = "a") -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": value,
    }


def test_valid_blocks_pass() -> None:
    assert check_limits([section(), {"type": "actions", "elements": [button()]}]) == []


@pytest.mark.parametrize(("surface", "allowed"), [("message", 50), ("modal", 100), ("home", 100)])
def test_too_many_blocks(surface: Any, allowed: int) -> None:
    assert check_limits([section()] * allowed, surface=surface) == []
    problems = check_limits([section()] * (allowed + 1), surface=surface)
    assert problems == [f"{allowed + 1} blocks, a {surface} holds at most {allowed}"]


def test_field_longer_than_2000_which_slack_sdk_accepts() -> None:
    block = {"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}
    Block.parse(block).to_dict()  # type: ignore[union-attr]  # slack_sdk does not object
    assert check_limits([block]) == ["block 0 (section): field 0 longer than 2000"]


def test_more_than_ten_checkbox_options_which_slack_sdk_accepts() -> None:
    options = [{"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(11)]
    checkboxes = {"type": "checkboxes", "action_id": "cancels_select", "options": options}
    block = {"type": "actions", "elements": [checkboxes]}
    Block.parse(block).to_dict()  # type: ignore[union-attr]
    assert check_limits([block]) == ["block 0 (actions): 11 checkbox options, at most 10"]
    accessory = section(accessory=checkboxes)
    assert check_limits([accessory]) == ["block 0 (section): 11 checkbox options, at most 10"]


@pytest.mark.parametrize(
    ("block", "problem"),
    [
        (section("x" * 3001), "section text longer than 3000"),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
            "11 fields, at most 10",
        ),
        (
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            "header text longer than 150",
        ),
        ({"type": "actions", "elements": [button(text="b" * 76)]}, "button text longer than 75"),
        (
            {"type": "actions", "elements": [button(value="v" * 2001)]},
            "button value longer than 2000",
        ),
        (section(accessory=button(text="b" * 76)), "button text longer than 75"),
        (
            {"type": "actions", "elements": [button(), button()]},
            "action_id 'a' is not unique in its block",
        ),
        (
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
            "11 elements, at most 10",
        ),
        (section(block_id="b" * 256), "block_id longer than 255"),
    ],
)
def test_each_limit_is_caught(block: dict[str, Any], problem: str) -> None:
    problems = check_limits([block])
    assert len(problems) == 1
    assert problems[0].endswith(problem)


def test_duplicate_block_ids() -> None:
    problems = check_limits([section(block_id="x"), section(block_id="x")])
    assert problems == ["block 1 (section): block_id 'x' is not unique"]


def test_message_text_budget() -> None:
    blocks = [section("x" * 2500) for _ in range(5)]
    assert check_limits(blocks, surface="message") == [
        "12500 characters of text, keep a message under 12000"
    ]
    assert check_limits(blocks, surface="modal") == []


def test_a_view_over_the_size_limit_is_refused() -> None:
    blocks = [section("가" * 2900) for _ in range(100)]  # 3 bytes a character in UTF-8
    problems = check_limits(blocks, surface="modal")
    assert len(problems) == 1
    assert problems[0].startswith("view blocks are ")


def test_fallback_text() -> None:
    assert check_fallback_text("알림") == []
    assert check_fallback_text(" ") == ["fallback text is empty"]
    assert check_fallback_text("x" * 4001) == [
        "fallback text is 4001 characters, keep it under 4000"
    ]
