from __future__ import annotations

import pytest

from bot.i18n import t
from bot.slack.blocks.withdrawal import build_withdrawal_alert
from bot.slack.ids import ActionId, BlockId
from core.results import SupersededReason, WithdrawalReason, WithdrawalState
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_message,
    buttons,
    fallback_dates,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT_SEOUL,
    CONFIRMED_AT,
    CONFIRMED_AT_SEOUL,
    SEOUL,
    make_partial,
    make_withdrawal,
    scenarios,
)

LOCALES = ["ko", "en"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(scenarios()))
@pytest.mark.parametrize("reason", list(WithdrawalReason))
def test_every_withdrawal_alert_is_valid_block_kit(
    name: str, reason: WithdrawalReason, locale: str
) -> None:
    result = scenarios()[name]
    withdrawal = make_withdrawal(reason=reason, confirmed_by=result.confirmed_by)
    blocks, text = build_withdrawal_alert(withdrawal, result, locale=locale, tz=SEOUL)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_it_says_plainly_that_goods_on_hold_must_ship(locale: str) -> None:
    withdrawal = make_withdrawal(restore_qty=3, management_no="M-7")
    blocks, text = build_withdrawal_alert(withdrawal, make_partial(), locale=locale, tz=SEOUL)
    body = next(b for b in blocks if b.get("block_id") == BlockId.WITHDRAWAL_BODY)
    assert body["text"]["text"].startswith(t(locale, "withdrawal.body", qty=3, management_no="M-7"))
    assert t(locale, "withdrawal_reason_detail.PARTIAL") in body["text"]["text"]
    assert blocks[0]["text"]["text"] == t(locale, "withdrawal.header")
    assert text == t(locale, "withdrawal.text", management_no="M-7", qty=3)
    shown = all_text(blocks)
    assert t(locale, "qty.partial", cancel=1, ordered=2) in shown  # the cancel that left it
    assert CLAIMED_AT_SEOUL in shown


def test_korean_text_names_the_hold_and_the_shipment() -> None:
    blocks, text = build_withdrawal_alert(make_withdrawal(), None, locale="ko", tz=SEOUL)
    assert "보류 해제" in text and "출고" in text
    assert "*보류 중인 상품 1개를 보류 해제하고 출고해야 합니다.*" in all_text(blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_withdrawn_reason_is_explained(locale: str) -> None:
    withdrawal = make_withdrawal(reason=WithdrawalReason.WITHDRAWN)
    blocks, _ = build_withdrawal_alert(withdrawal, None, locale=locale, tz=SEOUL)
    shown = all_text(blocks)
    assert t(locale, "withdrawal_reason_detail.WITHDRAWN") in shown
    assert t(locale, "withdrawal_reason.WITHDRAWN") in shown
    assert t(locale, "withdrawal.no_result") in shown


def test_unconfirmed_withdrawal_buttons_carry_the_withdrawal_and_result_ids() -> None:
    withdrawal = make_withdrawal(id=7, result_id=42)
    blocks, _ = build_withdrawal_alert(withdrawal, None, locale="ko", tz=SEOUL)
    assert [(b["action_id"], b["value"], b.get("style")) for b in buttons(blocks)] == [
        (ActionId.WITHDRAWAL_CONFIRM, "7", "primary"),
        (ActionId.CANCEL_DETAILS, "42", None),
        # The withdrawal's case is its result's (issue 18).
        (ActionId.CANCEL_CLAIM, "42", None),
        (ActionId.CANCEL_NOTE, "42", None),
    ]
    [menu] = [
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "overflow"
    ]
    # Goods on hold are never snoozed: the menu offers the details and a note only.
    assert [o["value"] for o in menu["options"]] == ["details:42", "note:42"]


@pytest.mark.parametrize("locale", LOCALES)
def test_confirmed_withdrawal_offers_undo(locale: str) -> None:
    withdrawal = make_withdrawal(id=7, confirmed_by=AGENT, confirmed_at=CONFIRMED_AT)
    blocks, _ = build_withdrawal_alert(withdrawal, None, locale=locale, tz=SEOUL)
    confirmed = next(b for b in blocks if b.get("block_id") == BlockId.WITHDRAWAL_CONFIRMED)
    assert fallback_dates(confirmed["elements"][0]["text"]) == t(
        locale, "alert.confirmed", who=f"<@{AGENT}>", at=CONFIRMED_AT_SEOUL
    )
    assert [(b["action_id"], b["value"]) for b in buttons(blocks)] == [
        (ActionId.WITHDRAWAL_UNCONFIRM, "7"),
        (ActionId.CANCEL_DETAILS, "42"),
        (ActionId.CANCEL_NOTE, "42"),
    ]
    assert buttons(blocks)[0]["text"]["text"] == t(locale, "button.undo")


def test_an_unsaved_withdrawal_cannot_get_buttons() -> None:
    with pytest.raises(ValueError, match="no id"):
        build_withdrawal_alert(make_withdrawal(id=None), None, locale="ko", tz=SEOUL)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("why", list(SupersededReason))
def test_a_withdrawal_that_no_longer_applies_says_why_and_asks_for_nothing(
    locale: str, why: SupersededReason
) -> None:
    withdrawal = make_withdrawal(
        management_no="M-9", state=WithdrawalState.SUPERSEDED, closed_reason=why
    )
    blocks, text = build_withdrawal_alert(withdrawal, make_partial(), locale=locale, tz=SEOUL)
    assert_valid_message(blocks, text)
    assert blocks[0]["text"]["text"] == t(locale, "withdrawal.superseded_header")
    reason = t(locale, f"superseded.{why.value}")
    assert reason in all_text(blocks) and reason in text
    assert [b["action_id"] for b in buttons(blocks)] == [ActionId.CANCEL_DETAILS]  # no Confirm
