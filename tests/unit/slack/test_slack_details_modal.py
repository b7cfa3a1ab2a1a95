from __future__ import annotations

from typing import Any

import pytest

from bot.i18n import t
from bot.slack.blocks.details_modal import (
    MAX_HISTORY,
    MAX_RESULTS,
    MAX_WITHDRAWALS,
    build_details_modal,
)
from bot.slack.ids import BlockId, CallbackId
from core.results import CsHistoryEntry
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_view,
    fallback_dates,
    mrkdwn_texts,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT,
    CLAIMED_AT_SEOUL,
    CONFIRMED_AT,
    CONFIRMED_AT_SEOUL,
    INJECTION_NAME,
    LONG_NAME,
    SEOUL,
    SHIPPED_AT_SEOUL,
    make_confirmed,
    make_history,
    make_order,
    make_partial,
    make_result,
    make_unmatched,
    make_withdrawal,
    scenarios,
)

LOCALES = ["ko", "en"]
OMS_URL = "https://oms.example/cs?no={management_no}&order={marketplace_order_id}"
SELLER_URLS = {
    "coupang": "https://wing.coupang.example/orders/{marketplace_order_id}",
    "gmarket": "https://esm.example/o/{marketplace_order_id}",
}


def modal(locale: str = "ko", **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "order": make_order(cancelled=True, on_hold=True),
        "history": make_history(3),
        "results": [make_result(id=1), make_confirmed(id=2), make_partial(id=3)],
        "withdrawals": [
            make_withdrawal(id=1),
            make_withdrawal(id=2, confirmed_by=AGENT, confirmed_at=CONFIRMED_AT),
        ],
    }
    arguments.update(overrides)
    return build_details_modal(
        arguments["order"],
        arguments["history"],
        arguments["results"],
        arguments["withdrawals"],
        locale=locale,
        tz=SEOUL,
        oms_order_url=arguments.get("oms_order_url", OMS_URL),
        seller_page_urls=arguments.get("seller_page_urls", SELLER_URLS),
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_full_modal_is_a_valid_view(locale: str) -> None:
    view = modal(locale)
    assert_valid_view(view, "modal")
    assert_escaped(view["blocks"])
    assert view["callback_id"] == CallbackId.CS_DETAILS_MODAL.value == "cs_details_modal"
    assert view["title"]["text"] == t(locale, "details.title")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(scenarios()))
def test_modal_of_every_result_scenario_is_valid(name: str, locale: str) -> None:
    result = scenarios()[name]
    history = make_history(2, text=result.product_name)
    view = modal(locale, results=[result], history=history, order=None)
    assert_valid_view(view, "modal")
    assert_escaped(view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_order_fields_are_shown(locale: str) -> None:
    view = modal(locale)
    order = next(b for b in view["blocks"] if b.get("block_id") == BlockId.DETAILS_ORDER)
    fields = [fallback_dates(f["text"]) for f in order["fields"]]
    yes = t(locale, "value.yes")
    assert f"*{t(locale, 'field.order_status')}*\n{t(locale, 'order_status.SHIPPED')}" in fields
    assert f"*{t(locale, 'field.ordered_qty')}*\n{t(locale, 'qty.units', count=2)}" in fields
    assert f"*{t(locale, 'field.cancelled')}*\n{yes}" in fields
    assert f"*{t(locale, 'field.on_hold')}*\n{yes}" in fields
    assert f"*{t(locale, 'field.invoice_no')}*\n6012345678" in fields
    assert f"*{t(locale, 'field.shipped_at')}*\n{SHIPPED_AT_SEOUL}" in fields
    assert view["blocks"][0]["text"]["text"] == t(locale, "details.header", management_no="M-1001")


@pytest.mark.parametrize("locale", LOCALES)
def test_history_results_and_withdrawals_with_their_confirmation_state(locale: str) -> None:
    shown = fallback_dates(all_text(modal(locale)["blocks"]))
    assert f"`{CLAIMED_AT_SEOUL}` Client 자동취소(배송후) (cancelbot)" in shown
    assert shown.count(t(locale, "details.unconfirmed")) == 3  # 2 results, 1 withdrawal
    confirmed = t(locale, "details.confirmed", who=f"<@{AGENT}>", at=CONFIRMED_AT_SEOUL)
    assert shown.count(confirmed) == 2
    assert t(locale, "qty.partial", cancel=1, ordered=2) in shown
    assert shown.count(t(locale, "qty.partial", cancel=1, ordered=2)) == 1
    assert t(locale, "withdrawal_reason.PARTIAL") in shown


def test_history_is_newest_first() -> None:
    history = [
        CsHistoryEntry("M-1001", CLAIMED_AT, "first"),
        CsHistoryEntry("M-1001", CONFIRMED_AT, "second", actor=AGENT),
    ]
    shown = all_text(modal(history=history)["blocks"])
    assert shown.index("second (<@U0AGENT01>)") < shown.index("first (cancelbot)")


def test_links_are_built_from_the_templates_with_encoded_values() -> None:
    view = modal(order=make_order(marketplace_order_id="A|B&C <x>"), results=[])
    links = next(b for b in view["blocks"] if b.get("block_id") == BlockId.DETAILS_LINKS)
    text = links["text"]["text"]
    oms = "https://oms.example/cs?no=M-1001&amp;order=A%7CB%26C%20%3Cx%3E"
    assert f"<{oms}|OMS 주문(C/S창)>" in text
    assert "<https://wing.coupang.example/orders/A%7CB%26C%20%3Cx%3E|" in text
    assert "쿠팡 판매자페이지 A|B&amp;C &lt;x&gt;>" in text


def test_no_links_without_templates() -> None:
    view = modal(oms_order_url=None, seller_page_urls={})
    assert not any(b.get("block_id") == BlockId.DETAILS_LINKS for b in view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_unmatched_order_modal(locale: str) -> None:
    view = modal(locale, order=None, history=[], results=[make_unmatched()], withdrawals=[])
    assert_valid_view(view, "modal")
    shown = all_text(view["blocks"])
    assert view["blocks"][0]["text"]["text"] == t(
        locale, "details.header_unmatched", order_id="100200300"
    )
    assert t(locale, "details.no_order") in shown
    assert t(locale, "details.history_empty") in shown
    assert t(locale, "qty.unknown") in shown
    links = next(b for b in view["blocks"] if b.get("block_id") == BlockId.DETAILS_LINKS)
    assert "https://esm.example/o/100200300" in links["text"]["text"]
    assert "oms.example" not in links["text"]["text"]  # no management number to link


@pytest.mark.parametrize("locale", LOCALES)
def test_empty_modal_is_still_valid(locale: str) -> None:
    view = modal(locale, order=None, history=[], results=[], withdrawals=[])
    assert_valid_view(view, "modal")
    assert t(locale, "details.results_empty") in all_text(view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_huge_orders_are_truncated_within_modal_limits(locale: str) -> None:
    history = make_history(500, text=LONG_NAME)
    results = [make_result(id=i, product_name=LONG_NAME) for i in range(1, 201)]
    withdrawals = [make_withdrawal(id=i) for i in range(1, 101)]
    view = modal(
        locale,
        order=make_order(product_name=LONG_NAME, option=LONG_NAME),
        history=history,
        results=results,
        withdrawals=withdrawals,
    )
    assert_valid_view(view, "modal")
    assert len(view["blocks"]) <= 100
    shown = all_text(view["blocks"])
    assert t(locale, "details.more", count=500 - MAX_HISTORY) in shown
    assert t(locale, "details.more", count=200 - MAX_RESULTS) in shown
    assert t(locale, "details.more", count=100 - MAX_WITHDRAWALS) in shown
    assert LONG_NAME not in shown


def test_history_text_cannot_inject_mrkdwn() -> None:
    history = make_history(1, text=INJECTION_NAME)
    view = modal(history=history)
    texts = "\n".join(mrkdwn_texts(view["blocks"]))
    assert "&lt;!channel&gt;" in texts
    assert "<!channel>" not in texts


def test_unknown_marketplace_code_is_escaped_once() -> None:
    result = make_result(marketplace="new&shop")
    urls = {"new&shop": "https://esm.example/x/{marketplace_order_id}"}
    view = modal(order=None, results=[result], seller_page_urls=urls, oms_order_url=None)
    assert_escaped(view["blocks"])
    shown = all_text(view["blocks"])
    assert "|new&amp;shop 판매자페이지 100200300>" in shown
    assert "&amp;amp;" not in shown
