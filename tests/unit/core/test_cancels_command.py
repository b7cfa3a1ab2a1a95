"""`/cancels` text: subcommands in both languages, ids, and errors that quote the bad part."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import apply, order_book, read_models
from core.cancels_command import Action, CommandError, parse_command
from core.csv_export import results_csv
from core.orders import OrderStatus
from core.queries import CancelFilter
from core.results import Category
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order

NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "action", "ids"),
    [
        ("", Action.QUERY, ()),
        ("help", Action.HELP, ()),
        ("도움말", Action.HELP, ()),
        ("confirm 12 13", Action.CONFIRM, (12, 13)),
        ("확인 12 #13 12", Action.CONFIRM, (12, 13)),
        ("unconfirm 7", Action.UNCONFIRM, (7,)),
        ("확인취소 7", Action.UNCONFIRM, (7,)),
        ("withdrawals", Action.WITHDRAWALS, ()),
        ("취소철회 쿠팡", Action.WITHDRAWALS, ()),
        ("stats 배송전", Action.STATS, ()),
        ("통계", Action.STATS, ()),
        ("export partial", Action.EXPORT, ()),
        ("내보내기", Action.EXPORT, ()),
        ("확인", Action.QUERY, ()),  # alone, 확인 is the filter word "confirmed"
        ("확인 partial", Action.QUERY, ()),
    ],
)
def test_subcommands(text: str, action: Action, ids: tuple[int, ...]) -> None:
    command = parse_command(text)
    assert (command.action, command.ids) == (action, ids)


def test_filters_carry_through() -> None:
    assert parse_command("확인").filter.confirmed is True
    assert parse_command("쿠팡 부분취소").filter.marketplaces == {"coupang"}
    assert parse_command("withdrawals market:naver").filter.marketplaces == {"naver"}


@pytest.mark.parametrize(
    ("text", "bad", "form"),
    [
        ("frobnicate", "frobnicate", "/cancels help"),
        ("market:ebay", "market:ebay", "/cancels [FILTER…]"),
        ("from:2026-02-30", "from:2026-02-30", "/cancels [FILTER…]"),
        ("from:2026-12-01 to:2026-11-01", "from:2026-12-01 to:2026-11-01", "FILTER"),
        ("confirm", "", "/cancels confirm ID…"),
        ("confirm 12 abc", "abc", "/cancels confirm ID…"),
        ("confirm -3", "-3", "/cancels confirm ID…"),
        ("unconfirm 0", "0", "/cancels unconfirm ID…"),
        ("confirm " + " ".join(str(i) for i in range(1, 60)), "51 52 53", "confirm"),
        ("stats bogus", "bogus", "FILTER"),
    ],
)
def test_errors_quote_the_bad_part_and_show_the_form(text: str, bad: str, form: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert err.value.bad == bad
    assert form in err.value.form


@given(st.text(max_size=120))
def test_any_text_is_a_command_or_a_usage_error(text: str) -> None:
    try:
        command = parse_command(text)
    except CommandError as exc:
        assert exc.form
    else:
        assert command.action in Action


def test_stats_and_export(make_uow: Any) -> None:
    orders = [
        make_order(status=OrderStatus.SHIPPED, quantity=2),
        make_order(status=OrderStatus.SHIPPED),
    ]
    order_book.import_orders(make_uow, orders, NOW)
    apply.apply_claims(
        make_uow,
        [claim_for(orders[0], cancel_qty=1, product_name="=HYPERLINK(1)"), claim_for(orders[1])],
        NOW,
    )
    assert read_models.stats(make_uow, CancelFilter()) == {(Category.SHIPPED_CANCEL, "coupang"): 2}
    results, total = read_models.export_results(make_uow, CancelFilter())
    assert total == 2
    text = results_csv(results, SEOUL).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("id,marketplace,account,claim_id,management_no")
    assert len(lines) == 3
    assert "'=HYPERLINK(1)" in text  # never a live formula in a spreadsheet
    assert "+09:00" in text


@pytest.mark.parametrize(
    "word", ["²", "١٢", "9" * 5000, "999999999999", "2147483648", "0", "+5", "1_000", "\x00"]
)
def test_an_id_that_no_row_can_have_is_a_usage_answer(word: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(f"confirm 12 {word}")
    assert caught.value.reason == "bad_id" and len(caught.value.bad) <= 21


def test_the_largest_row_id_is_still_an_id() -> None:
    assert parse_command("confirm 2147483647").ids == (2147483647,)
