from __future__ import annotations

import pytest

from bot.i18n import t
from bot.slack.blocks.digest import MAX_ITEMS, build_digest
from bot.slack.blocks.summary import build_backlog_summary
from bot.slack.ids import ActionId
from core.results import Category
from tests.support.slack_checks import all_text, assert_escaped, assert_valid_message, buttons
from tests.support.slack_factories import (
    CLAIMED_AT_SEOUL,
    LONG_NAME,
    SEOUL,
    make_result,
    make_withdrawal,
    scenarios,
)

LOCALES = ["ko", "en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_digest_of_every_scenario_is_valid(locale: str) -> None:
    results = list(scenarios().values())
    blocks, text = build_digest(
        results,
        [make_withdrawal()],
        locale=locale,
        tz=SEOUL,
        total_results=len(results),
        total_withdrawals=1,
    )
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    assert text == t(locale, "digest.text", results=len(results), withdrawals=1)
    shown = all_text(blocks)
    assert t(locale, "qty.partial", cancel=1, ordered=2) in shown
    assert t(locale, "qty.unknown") in shown
    assert CLAIMED_AT_SEOUL in shown
    assert LONG_NAME not in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_digest_lists_withdrawals_first_then_points_to_cancels(locale: str) -> None:
    results = [make_result(id=i) for i in range(1, 31)]
    withdrawals = [make_withdrawal(id=i, result_id=100 + i) for i in range(1, 4)]
    blocks, _ = build_digest(
        results, withdrawals, locale=locale, tz=SEOUL, total_results=250, total_withdrawals=3
    )
    assert_valid_message(blocks, "x")
    details = buttons(blocks)
    assert len(details) == MAX_ITEMS
    assert {b["action_id"] for b in details} == {ActionId.CANCEL_DETAILS}
    assert [b["value"] for b in details[:4]] == ["101", "102", "103", "1"]
    assert t(locale, "digest.more", count=253 - MAX_ITEMS) in all_text(blocks)
    assert t(locale, "digest.summary", results=250, withdrawals=3) in all_text(blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_an_empty_digest_is_still_a_valid_message(locale: str) -> None:
    blocks, text = build_digest(
        [], [], locale=locale, tz=SEOUL, total_results=0, total_withdrawals=0
    )
    assert_valid_message(blocks, text)
    assert t(locale, "digest.empty") in all_text(blocks)
    assert t(locale, "digest.more", count=0) not in all_text(blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_backlog_summary(locale: str) -> None:
    counts = {Category.SHIPPED_RETURN: 120, Category.INVOICED_CANCEL: 3}
    blocks, text = build_backlog_summary(counts, 123, locale=locale)
    assert_valid_message(blocks, text)
    shown = all_text(blocks)
    assert blocks[0]["text"]["text"] == t(locale, "summary.header", total=123)
    label = t(locale, "category.SHIPPED_RETURN")
    assert f"*{label}*\n{t(locale, 'home.count', count=120)}" in shown
    assert "/cancels" in shown and "/cancels" in text
    assert buttons(blocks) == []
