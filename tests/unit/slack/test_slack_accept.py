"""What people see of "Accept at marketplace" (issue 19): the button where a cancel request
can still be accepted, the modal that states what will happen, how it went."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.slack.blocks.accept_modal import (
    build_accept_modal,
    build_accept_notice,
    build_accept_outcome,
)
from bot.slack.blocks.alert import build_alert
from bot.slack.blocks.details_modal import build_details_modal
from bot.slack.blocks.results_page import build_results_page
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionKind, ActionState, MarketplaceAction
from core.orders import OrderStatus, Phase
from core.queries import Page
from core.results import Category
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_message,
    assert_valid_view,
    buttons,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT,
    INJECTION_NAME,
    SEOUL,
    make_order,
    make_result,
)

LOCALES = ["ko", "en"]
MARKETPLACES = ["coupang", "naver", "11st", "gmarket", "auction"]


def a_request(**overrides: object) -> object:
    """A held cancel request before shipping: what can be accepted at the marketplace."""
    return make_result(
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.REQUESTED,
        order_status=OrderStatus.INVOICED,
        phase=Phase.BEFORE_SHIPPING,
        category=Category.INVOICED_CANCEL,
        shipped_at=None,
        completed_at=None,
        **overrides,
    )


def an_action(state: ActionState, **overrides: object) -> MarketplaceAction:
    action = MarketplaceAction(
        result_id=42,
        marketplace="coupang",
        account="main",
        claim_id="CLM-1",
        action=ActionKind.ACCEPT_CANCEL,
        state=state,
        by=AGENT,
        at=CLAIMED_AT,
        finished_at=CLAIMED_AT + timedelta(minutes=1),
    )
    for key, value in overrides.items():
        setattr(action, key, value)
    return action


def ids(blocks: list[dict[str, object]]) -> list[str]:
    return [str(b["action_id"]) for b in buttons(blocks)]


@pytest.mark.parametrize("locale", LOCALES)
def test_an_open_request_offers_accept_first_when_the_account_allows_it(locale: str) -> None:
    result = a_request()
    blocks, text = build_alert(result, locale=locale, tz=SEOUL, can_accept=True)
    assert_valid_message(blocks, text)
    accept = buttons(blocks)[0]
    assert (accept["action_id"], accept["value"]) == (ActionId.CANCEL_ACCEPT, "42")

    off, _ = build_alert(result, locale=locale, tz=SEOUL, can_accept=False)
    assert ActionId.CANCEL_ACCEPT not in ids(off)


@pytest.mark.parametrize(
    "change",
    [
        {"claim_state": ClaimState.COMPLETED},
        {"claim_state": ClaimState.WITHDRAWN},
        {"claim_type": ClaimType.RETURN},
        {"order_status": OrderStatus.SHIPPED, "phase": Phase.AFTER_SHIPPING},
        {"unmatched": True, "management_no": None},
    ],
)
def test_no_button_where_nothing_can_be_accepted(change: dict[str, object]) -> None:
    blocks, _ = build_alert(replace(a_request(), **change), locale="en", tz=SEOUL, can_accept=True)
    assert ActionId.CANCEL_ACCEPT not in ids(blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_how_it_went_is_a_line_of_its_own_and_done_takes_the_button_away(locale: str) -> None:
    done = an_action(ActionState.DONE, code="SUCCESS", message="ok")
    blocks, text = build_alert(a_request(), locale=locale, tz=SEOUL, can_accept=True, action=done)
    assert_valid_message(blocks, text)
    line = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_MARKETPLACE_ACTION)
    shown = json.dumps(line, ensure_ascii=False)
    assert f"<@{AGENT}>" in shown and "2024-05-20 14:04" in shown
    assert "SUCCESS" not in shown  # the marketplace's answer matters only when it failed
    assert ActionId.CANCEL_ACCEPT not in ids(blocks)


def test_a_failure_shows_the_marketplaces_words_escaped_and_offers_the_button_again() -> None:
    failed = an_action(ActionState.FAILED, code="ERROR", message=INJECTION_NAME)
    blocks, text = build_alert(a_request(), locale="en", tz=SEOUL, can_accept=True, action=failed)
    assert_escaped(blocks, text)
    assert "ERROR" in all_text(blocks)
    assert ids(blocks)[0] == ActionId.CANCEL_ACCEPT

    unknown = an_action(ActionState.UNKNOWN, message="no answer")
    blocks, _ = build_alert(a_request(), locale="en", tz=SEOUL, can_accept=True, action=unknown)
    assert "check the seller page" in all_text(blocks)
    assert ActionId.CANCEL_ACCEPT not in ids(blocks)  # nobody knows: no second write


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_the_modal_states_scope_shipping_state_and_that_it_cannot_be_undone(
    marketplace: str, locale: str
) -> None:
    order = make_order(status=OrderStatus.INVOICED, shipped_at=None, marketplace=marketplace)
    order = replace(order, on_hold=True, held_at=CLAIMED_AT, held_qty=1)
    view = build_accept_modal(a_request(marketplace=marketplace), order, locale=locale)

    assert_valid_view(view, "modal")
    assert view["callback_id"] == CallbackId.CANCEL_ACCEPT_MODAL
    assert view["private_metadata"] == "42" and "submit" in view
    shown = all_text(view["blocks"])
    scope = next(b for b in view["blocks"] if b.get("block_id") == BlockId.ACCEPT_SCOPE)
    assert scope["text"]["text"]
    irreversible = {"ko": "되돌릴 수 없습니다", "en": "cannot be undone"}[locale]
    status = {"ko": "송장", "en": "Invoiced"}[locale]
    held = {"ko": "보류 중", "en": "held by cancelbot"}[locale]
    assert irreversible in shown and status in shown and held in shown


def test_the_scope_says_what_each_marketplace_acts_on() -> None:
    def scope(marketplace: str) -> str:
        view = build_accept_modal(a_request(marketplace=marketplace), None, locale="en")
        block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.ACCEPT_SCOPE)
        return str(block["text"]["text"])

    assert "every item" in scope("coupang")
    assert "whole" in scope("gmarket") and "whole" in scope("auction")
    assert "one product order" in scope("naver")
    assert scope("newmarket")  # a marketplace without its own sentence still says something


def test_notice_and_outcome_views_have_no_submit() -> None:
    notice = build_accept_notice("refused", locale="ko")
    outcome = build_accept_outcome(an_action(ActionState.DONE), locale="ko", tz=SEOUL)
    for view in (notice, outcome):
        assert_valid_view(view, "modal")
        assert "submit" not in view


def test_details_modal_and_cancels_rows_offer_the_button_on_acceptable_results() -> None:
    request, shipped = a_request(), make_result(id=43)
    view = build_details_modal(
        make_order(status=OrderStatus.INVOICED, shipped_at=None),
        [],
        [request, shipped],
        [],
        locale="en",
        tz=SEOUL,
        oms_order_url=None,
        seller_page_urls={},
        accept_accounts={"main"},
    )
    assert_valid_view(view, "modal")
    assert [(b["action_id"], b["value"]) for b in buttons(view["blocks"])] == [
        (ActionId.CANCEL_ACCEPT, "42")
    ]

    page = Page(items=[request, shipped], total=2, offset=0, snapshot_id=1)
    failed = an_action(ActionState.FAILED, message="출고 되어 처리할 수 없습니다.")
    blocks, text = build_results_page(
        page,
        ["phase:all"],
        unconfirmed=2,
        locale="en",
        tz=SEOUL,
        marketplace_actions={42: failed},
        accept_accounts={"main"},
    )
    assert_valid_message(blocks, text)
    assert ids(blocks).count(ActionId.CANCEL_ACCEPT) == 1
    assert "출고 되어 처리할 수 없습니다." in all_text(blocks)

    blocks, _ = build_results_page(page, ["phase:all"], unconfirmed=2, locale="en", tz=SEOUL)
    assert ActionId.CANCEL_ACCEPT not in ids(blocks)
