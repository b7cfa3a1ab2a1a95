"""The filter modal (prefilled from a page, read back from a submission) and the App Home
list modal: valid views within Slack's limits, contract ids, and the round trip."""

from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import t
from bot.slack.blocks.cancels_common import ListKind, PageState
from bot.slack.blocks.filter_modal import (
    FilterProblem,
    build_filter_modal,
    filter_from_view,
    typed_command,
)
from bot.slack.blocks.home_list import build_list_modal
from bot.slack.blocks.results_page import build_results_page
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.queries import CancelFilter, Page, parse_filter
from core.read_models import WithdrawalView
from tests.support.slack_checks import all_text, assert_escaped, assert_valid_view, buttons
from tests.support.slack_factories import SEOUL, make_confirmed, make_result, make_withdrawal

LOCALES = ["ko", "en"]


def submitted(view: dict[str, Any], **override: Any) -> dict[str, Any]:
    """What Slack sends back for `view` untouched (its initial values), changed by
    `override` (block_id -> the element's state)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if "initial_option" in element:
            state["selected_option"] = element["initial_option"]
        if "initial_options" in element:
            state["selected_options"] = element["initial_options"]
        if "initial_date" in element:
            state["selected_date"] = element["initial_date"]
        if "initial_value" in element:
            state["value"] = element["initial_value"]
        state.update(override.get(block["block_id"], {}))
        values[block["block_id"]] = {element["action_id"]: state}
    return {"private_metadata": view["private_metadata"], "state": {"values": values}}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "words",
    [
        "",
        "쿠팡 네이버 부분취소 from:2026-11-01 to:2026-11-30",
        "전체 order:M1002",
        "접수 송장 반품 확인 미매칭",
        "state:requested snoozed:all phase:before",
    ],
)
def test_the_modal_prefilled_with_a_filter_gives_that_filter_back(locale: str, words: str) -> None:
    flt = parse_filter(words)
    view = build_filter_modal(flt, "metadata", locale=locale)
    assert_valid_view(view, "modal")
    assert view["callback_id"] == CallbackId.CANCELS_FILTER_MODAL
    assert [b["block_id"] for b in view["blocks"]] == [
        "filter_market",
        "filter_phase",
        "filter_type",
        "filter_confirmed",
        "filter_status",
        "filter_flags",
        "filter_from",
        "filter_to",
        "filter_order",
    ]
    assert all(b["optional"] for b in view["blocks"])
    assert filter_from_view(submitted(view), flt) == flt


def test_a_submission_becomes_the_filter_it_says() -> None:
    view = build_filter_modal(CancelFilter(), "m", locale="en")
    changed = submitted(
        view,
        filter_market={"selected_options": [{"value": "coupang"}, {"value": "11st"}]},
        filter_phase={"selected_option": {"value": "all"}},
        filter_type={"selected_option": {"value": "return"}},
        filter_confirmed={"selected_option": {"value": "yes"}},
        filter_flags={"selected_options": [{"value": "partial"}]},
        filter_from={"selected_date": "2026-11-01"},
        filter_order={"value": "  M1002 "},
    )
    flt = filter_from_view(changed, parse_filter("state:completed"))
    assert flt == parse_filter(
        "market:coupang,11st phase:all type:return confirmed:yes partial "
        "from:2026-11-01 order:M1002 state:completed"
    )
    assert typed_command(flt, "ko") == (
        "`/cancels 11번가 쿠팡 phase:all 확인 반품 state:completed 부분취소 from:2026-11-01 "
        "order:M1002`"
    )
    assert typed_command(flt, "en").startswith("`/cancels market:11st,coupang phase:all")


@pytest.mark.parametrize(
    ("override", "block_id", "key"),
    [
        (
            {
                "filter_from": {"selected_date": "2026-12-01"},
                "filter_to": {"selected_date": "2026-11-01"},
            },
            "filter_to",
            "filter.date_order",
        ),
        ({"filter_order": {"value": "M1 M2"}}, "filter_order", "filter.order_one"),
        (
            {"filter_market": {"selected_options": [{"value": "ebay"}]}},
            "filter_market",
            "error.invalid",
        ),
        (
            {"filter_phase": {"selected_option": {"value": "later"}}},
            "filter_phase",
            "error.invalid",
        ),
        ({"filter_from": {"selected_date": "2026-02-30"}}, "filter_from", "error.invalid"),
    ],
)
def test_what_the_modal_cannot_take_is_said_at_its_input(
    override: dict[str, Any], block_id: str, key: str
) -> None:
    view = build_filter_modal(CancelFilter(), "m", locale="en")
    with pytest.raises(FilterProblem) as problem:
        filter_from_view(submitted(view, **override), CancelFilter())
    assert (problem.value.block_id, problem.value.key) == (block_id, key)
    assert t("ko", key) and t("en", key)


def test_the_results_page_offers_the_filter_with_its_state() -> None:
    words = tuple(parse_filter("쿠팡").words())
    page = Page(items=[make_result(id=1)], total=1, snapshot_id=1)
    blocks, _ = build_results_page(page, words, unconfirmed=1, locale="ko", tz=SEOUL)
    [button] = [b for b in buttons(blocks) if b["action_id"] == ActionId.CANCELS_FILTER_OPEN]
    assert button["text"]["text"] == "필터"
    assert PageState.decode(button["value"]).filter() == parse_filter("쿠팡")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_list_modal_of_results_confirms_the_unconfirmed_ones(locale: str) -> None:
    state = PageState(
        ListKind.RESULTS, tuple(parse_filter("phase:all partial").words()), 10, 9, 12, 11
    )
    items = [make_result(id=i, product_name="<b>&") for i in range(1, 10)] + [make_confirmed(id=10)]
    view = build_list_modal(state, items, locale=locale, tz=SEOUL, notice=["✅ done"])
    assert_valid_view(view, "modal")
    assert_escaped(view["blocks"])
    assert PageState.decode(view["private_metadata"]) == state
    selection = next(b for b in view["blocks"] if b.get("block_id") == BlockId.HOME_LIST_SELECTION)
    assert [o["value"] for o in selection["elements"][0]["options"]] == [
        str(i) for i in range(1, 10)
    ]
    assert [b["action_id"] for b in buttons(view["blocks"])] == [
        ActionId.HOME_LIST_CONFIRM_SELECTED,
        ActionId.HOME_LIST_PAGE_PREV,
    ]
    assert "✅ done" in all_text(view["blocks"])


def test_a_list_modal_of_withdrawals_offers_the_open_ones() -> None:
    state = PageState(ListKind.WITHDRAWALS, tuple(CancelFilter(phase=None).words()), 0, 0, 2, 0)
    views = [
        WithdrawalView(make_withdrawal(id=7), make_result()),
        WithdrawalView(
            make_withdrawal(id=8, confirmed_by="U0A", confirmed_at=make_result().claimed_at), None
        ),
    ]
    view = build_list_modal(state, views, locale="ko", tz=SEOUL)
    assert_valid_view(view, "modal")
    selection = next(b for b in view["blocks"] if b.get("block_id") == BlockId.HOME_LIST_SELECTION)
    assert [o["value"] for o in selection["elements"][0]["options"]] == ["7"]
    assert view["title"]["text"] == t("ko", "home_list.withdrawals_title")


def test_an_empty_list_modal_says_so() -> None:
    state = PageState(ListKind.RESULTS, ("phase:all",), 0, 0, 0, 0)
    view = build_list_modal(state, [], locale="en", tz=SEOUL)
    assert_valid_view(view, "modal")
    assert t("en", "cancels.empty") in all_text(view["blocks"])
    assert buttons(view["blocks"]) == []
