from __future__ import annotations

from enum import StrEnum

import pytest

from bot.slack.ids import ActionId, BlockId, CallbackId


def test_required_ids_have_exactly_these_values() -> None:
    assert {a.value for a in ActionId} == {
        "cancel_confirm",
        "cancel_details",
        "cancel_unconfirm",
        "withdrawal_confirm",
        "withdrawal_unconfirm",
        "cancels_select",
        "cancels_confirm_selected",
        "cancels_confirm_all",
        "cancels_page_prev",
        "cancels_page_next",
        "cancels_withdrawal_confirm",
        "cancels_withdrawal_unconfirm",
        "cancel_accept",
        # issue 18
        "cancel_claim",
        "cancel_takeover",
        "cancel_note",
        "cancel_more",
        "cancel_open_oms",
        "note_text",
        "cancels_filter_open",
        "filter_market",
        "filter_phase",
        "filter_type",
        "filter_confirmed",
        "filter_status",
        "filter_flags",
        "filter_from",
        "filter_to",
        "filter_order",
        "home_open_list",
        "home_list_select",
        "home_list_confirm_selected",
        "home_list_page_prev",
        "home_list_page_next",
    }
    assert {c.value for c in CallbackId} == {
        "cancels_confirm_all_modal",
        "cs_details_modal",
        "cancel_accept_modal",
        "cancel_note_modal",
        "cancels_filter_modal",
        "home_list_modal",
    }
    assert BlockId.NOTE.value == "note" and ActionId.NOTE_TEXT.value == "note_text"


@pytest.mark.parametrize("enum", [ActionId, CallbackId, BlockId])
def test_ids_are_unique_short_snake_case(enum: type[StrEnum]) -> None:
    values = [member.value for member in enum]
    assert len(values) == len(set(values))
    for value in values:
        assert value.isascii() and value == value.lower() and " " not in value
        assert 0 < len(value) <= 255
