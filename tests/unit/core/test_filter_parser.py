"""The one filter parser shared by `cancelbot results` and `/cancels`."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.cancels_command import Action, parse_command
from core.claims import ClaimState, ClaimType, Marketplace
from core.errors import InvalidFilter
from core.orders import OrderStatus, Phase
from core.queries import CancelFilter, parse_filter, typed_words
from core.storable import ID_MAX, id_problem
from tests.conftest import SEOUL


def test_default_is_after_shipping_and_unconfirmed() -> None:
    assert parse_filter("") == CancelFilter(phase=Phase.AFTER_SHIPPING, confirmed=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("market:coupang,naver", {"marketplaces": frozenset({"coupang", "naver"})}),
        (
            "쿠팡 네이버 11번가 지마켓 옥션",
            {"marketplaces": frozenset({"coupang", "naver", "11st", "gmarket", "auction"})},
        ),
        ("phase:before", {"phase": Phase.BEFORE_SHIPPING}),
        ("배송전", {"phase": Phase.BEFORE_SHIPPING}),
        ("배송후", {"phase": Phase.AFTER_SHIPPING}),
        ("phase:all", {"phase": None}),
        (
            "status:received,invoiced",
            {"statuses": frozenset({OrderStatus.RECEIVED, OrderStatus.INVOICED}), "phase": None},
        ),
        (
            "접수 송장",
            {"statuses": frozenset({OrderStatus.RECEIVED, OrderStatus.INVOICED}), "phase": None},
        ),
        ("배송 배송후", {"statuses": frozenset({OrderStatus.SHIPPED})}),
        (
            "status:shipped phase:before",
            {"statuses": frozenset({OrderStatus.SHIPPED}), "phase": Phase.BEFORE_SHIPPING},
        ),
        ("type:return", {"types": frozenset({ClaimType.RETURN})}),
        ("취소", {"types": frozenset({ClaimType.CANCEL})}),
        ("반품", {"types": frozenset({ClaimType.RETURN})}),
        ("confirmed:yes", {"confirmed": True}),
        ("확인", {"confirmed": True}),
        ("미확인", {"confirmed": False}),
        ("confirmed:all", {"confirmed": None}),
        ("전체", {"confirmed": None, "phase": None, "snoozed": None}),
        ("all", {"confirmed": None, "phase": None, "snoozed": None}),
        ("snoozed", {"snoozed": True}),
        ("미룸", {"snoozed": True}),
        ("snoozed:yes", {"snoozed": True}),
        ("snoozed:all", {"snoozed": None}),
        ("snoozed:no", {"snoozed": False}),
        (
            "state:requested,withdrawn",
            {"states": frozenset({ClaimState.REQUESTED, ClaimState.WITHDRAWN})},
        ),
        ("partial", {"partial": True}),
        ("부분취소", {"partial": True}),
        ("unmatched", {"unmatched": True}),
        (
            "from:2026-11-01 to:2026-11-30",
            {"date_from": date(2026, 11, 1), "date_to": date(2026, 11, 30)},
        ),
        ("order:M1002", {"order": "M1002"}),
        ("MARKET:Coupang", {"marketplaces": frozenset({"coupang"})}),
    ],
)
def test_filter_words(text: str, expected: dict[str, object]) -> None:
    parsed = parse_filter(text)
    for key, value in expected.items():
        assert getattr(parsed, key) == value, key


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("bogus", '"bogus"'),
        ("market:ebay", "market:ebay"),
        ("from:2026-13-01", "from:2026-13-01"),
        ("from:yesterday", "from:yesterday"),
        ("to:2026-02-30", "to:2026-02-30"),
        ("phase:later", "phase:later"),
        ("confirmed:maybe", "confirmed:maybe"),
        ("snoozed:later", "snoozed:later"),
        ("order:", "order:"),
        ("from:2026-12-01 to:2026-11-01", "from:2026-12-01"),
    ],
)
def test_bad_words_are_quoted_with_the_valid_forms(text: str, quoted: str) -> None:
    with pytest.raises(InvalidFilter) as err:
        parse_filter(text)
    assert quoted in str(err.value)
    assert "market:coupang,naver" in str(err.value)


def test_snoozed_ones_are_left_out_by_default_and_the_default_goes_unsaid() -> None:
    assert CancelFilter().snoozed is False
    assert "snoozed" not in " ".join(CancelFilter().words())
    assert parse_filter("snoozed").words()[-1] == "snoozed:yes"
    assert "snoozed:all" in parse_filter("전체").words()


def test_words_round_trip() -> None:
    f = parse_filter("쿠팡 partial 반품 from:2026-11-01 order:X 확인")
    assert parse_filter(f.words()) == f


@given(st.text(max_size=80))
def test_any_text_is_a_filter_or_a_usage_error(text: str) -> None:
    try:
        parsed = parse_filter(text)
    except InvalidFilter as exc:
        assert (exc.bad and exc.bad in text) or exc.reason == "date_order"
    else:
        # What was understood, said back in canonical words, means the same filter.
        assert parse_filter(parsed.words()) == parsed


@given(
    st.lists(
        st.sampled_from(
            [
                "partial",
                "배송전",
                "market:",
                "from:",
                ":",
                "쿠팡",
                "a:b:c",
                "to:2026-01-01",
                "from:2026-01-02",
                "전체",
                "status:",
            ]
        ),
        max_size=6,
    )
)
def test_word_soup_is_a_filter_said_back_the_same_or_a_usage_error(words: list[str]) -> None:
    try:
        parsed = parse_filter(words)
    except InvalidFilter as exc:
        assert exc.reason in {
            "unknown_filter_word",
            "unknown_value",
            "needs_value",
            "bad_date",
            "date_order",
        }
    else:
        assert parse_filter(parsed.words()) == parsed


@given(
    st.dates(),
    st.sampled_from(["from", "to"]),
    st.text(st.characters(codec="utf-8"), max_size=80),
)
def test_whatever_parses_can_be_asked_of_the_database(day: date, key: str, order: str) -> None:
    """Dates convert to UTC (0001-01-01 and 9999-12-31 are refused, not overflowed) and an
    order number fits its column without a control character."""
    for words in ([f"{key}:{day.isoformat()}"], [f"order:{order}"]):
        try:
            parsed = parse_filter(words)
        except InvalidFilter as exc:
            assert exc.reason in {"date_range", "bad_value", "needs_value", "bad_date"}
            continue
        parsed.claimed_range(SEOUL)
        if parsed.order is not None:
            assert id_problem(parsed.order, ID_MAX) is None


@pytest.mark.parametrize("word", ["from:0001-01-01", "to:9999-12-31", "from:1969-12-31"])
def test_dates_outside_what_is_stored_are_a_usage_error(word: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        parse_filter([word])
    assert caught.value.reason == "date_range" and caught.value.bad == word


def test_an_order_number_with_a_nul_or_longer_than_a_column_is_a_usage_error() -> None:
    for word in ("order:A\x00B", "order:" + "1" * 65):
        with pytest.raises(InvalidFilter) as caught:
            parse_filter([word])
        assert (caught.value.reason, caught.value.name) == ("bad_value", "order")
    assert parse_filter(["order:" + "1" * 64]).order == "1" * 64


# --- the short form (issue 18): typed_words is the parser's inverse -----------------------

ORDER_TEXT = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-_"),
    min_size=1,
    max_size=12,
)


@st.composite
def filters(draw: st.DrawFn) -> CancelFilter:
    day = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
    dates = sorted([draw(st.none() | day), draw(st.none() | day)], key=lambda d: d or date.min)
    date_from, date_to = dates if all(dates) else (dates[0], dates[1])
    return CancelFilter(
        marketplaces=draw(st.frozensets(st.sampled_from([m.value for m in Marketplace]))),
        phase=draw(st.sampled_from([Phase.AFTER_SHIPPING, Phase.BEFORE_SHIPPING, None])),
        statuses=draw(st.frozensets(st.sampled_from(list(OrderStatus)))),
        types=draw(st.frozensets(st.sampled_from(list(ClaimType)))),
        confirmed=draw(st.sampled_from([False, True, None])),
        states=draw(st.frozensets(st.sampled_from(list(ClaimState)))),
        partial=draw(st.booleans()),
        unmatched=draw(st.booleans()),
        date_from=date_from,
        date_to=date_to,
        order=draw(st.none() | ORDER_TEXT),
        snoozed=draw(st.sampled_from([False, True, None])),
    )


def understood(flt: CancelFilter) -> CancelFilter:
    """What a filter means: an order status without a named phase searches every phase."""
    return parse_filter(flt.words())


@given(filters(), st.booleans())
def test_the_typed_form_means_the_same_filter_in_both_languages(
    flt: CancelFilter, korean: bool
) -> None:
    flt = understood(flt)
    typed = typed_words(flt, korean=korean)
    assert parse_filter(typed) == flt
    command = parse_command(" ".join(typed))
    assert (command.action, command.filter) == (Action.QUERY, flt)


@pytest.mark.parametrize(
    ("text", "korean", "english"),
    [
        ("", [], []),
        ("쿠팡 부분취소 from:2026-11-01", ["쿠팡", "부분취소", "from:2026-11-01"], None),
        ("market:naver,11st 배송전 반품", ["11번가", "네이버", "배송전", "반품"], None),
        ("전체 order:M1002", ["전체", "order:M1002"], ["all", "order:M1002"]),
        ("confirmed:yes", ["확인"], ["confirmed:yes"]),
        ("status:received", ["접수"], ["status:received"]),
        ("status:shipped phase:after", ["배송후", "배송"], ["phase:after", "status:shipped"]),
        ("snoozed", ["미룸"], ["snoozed"]),
    ],
)
def test_the_typed_form_is_short(text: str, korean: list[str], english: list[str] | None) -> None:
    flt = parse_filter(text)
    assert typed_words(flt, korean=True) == korean
    if english is not None:
        assert typed_words(flt, korean=False) == english
