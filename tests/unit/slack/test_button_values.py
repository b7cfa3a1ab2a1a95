"""Button values are input: whatever comes back from Slack is an id a row can have, or a
clean InvalidInput (a usage answer), never a database error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.blocks.cancels_common import BadState, ListKind, PageState
from bot.slack.listeners.context import target_id
from core.errors import InvalidInput
from core.storable import INT_MAX


@pytest.mark.parametrize(
    "value", [str(2**63), "²", "-1", "0", "", None, 12, "1e3", " 12", "2147483648", "9" * 5000]
)
def test_a_value_no_row_id_can_have_is_invalid_input(value: object) -> None:
    with pytest.raises(InvalidInput):
        target_id(value)


def test_the_largest_row_id_is_an_id() -> None:
    assert target_id(str(INT_MAX)) == INT_MAX and target_id("7") == 7


@given(st.one_of(st.text(max_size=40), st.integers(), st.none()))
def test_any_button_value_is_an_id_or_invalid_input(value: object) -> None:
    try:
        found = target_id(value)
    except InvalidInput:
        return
    assert 1 <= found <= INT_MAX


def test_a_page_state_with_numbers_beyond_a_row_id_is_a_bad_state() -> None:
    good = PageState(ListKind.RESULTS, ("phase:all",), 0, 5, 7, 3).encode()
    assert PageState.decode(good).snapshot_id == 5
    for forged in ("1;r;0;9999999999;7;3;phase:all", "1;r;0;5;99999999999;3;phase:all"):
        with pytest.raises(BadState):
            PageState.decode(forged)
