from __future__ import annotations

import pytest

from bot.i18n import t
from bot.slack.blocks.alert import build_alert
from bot.slack.blocks.common import PRODUCT_MAX
from bot.slack.ids import ActionId, BlockId
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_message,
    buttons,
    fallback_dates,
    mrkdwn_texts,
    plain_texts,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT_SEOUL,
    CONFIRMED_AT,
    CONFIRMED_AT_SEOUL,
    INJECTION_NAME,
    LONG_NAME,
    NOW,
    SEOUL,
    SHIPPED_AT_SEOUL,
    make_confirmed,
    make_partial,
    make_result,
    make_unmatched,
    scenarios,
)

LOCALES = ["ko", "en"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(scenarios()))
def test_every_alert_is_valid_block_kit_within_limits(name: str, locale: str) -> None:
    result = scenarios()[name]
    blocks, text = build_alert(result, locale=locale, tz=SEOUL, now=NOW)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", sorted(scenarios()))
def test_partial_is_highlighted_exactly_when_partial(name: str, locale: str) -> None:
    result = scenarios()[name]
    blocks, text = build_alert(result, locale=locale, tz=SEOUL)
    highlight = t(locale, "qty.partial", cancel=1, ordered=2)
    flag = t(locale, "flag.partial")
    shown = all_text(blocks)
    assert (highlight in shown) is result.partial
    assert (flag in blocks[0]["text"]["text"]) is result.partial
    assert (flag in text) is result.partial
    assert ("🔴" in shown) is result.partial


def test_partial_alert_shows_the_highlighted_quantity_in_korean() -> None:
    blocks, text = build_alert(make_partial(), locale="ko", tz=SEOUL)
    fields = blocks[1]["fields"]
    assert "*취소수량/주문수량*\n🔴 *부분취소 1/2*" in [f["text"] for f in fields]
    assert blocks[0]["text"]["text"] == "송장-취소 · 🔴 부분취소"
    assert text.startswith("🔴 부분취소 · 송장-취소 · 쿠팡 · M-1001")


@pytest.mark.parametrize("locale", LOCALES)
def test_unconfirmed_alert_offers_confirm_and_details_with_the_result_id(locale: str) -> None:
    blocks, _ = build_alert(make_result(id=42), locale=locale, tz=SEOUL)
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert actions["block_id"] == BlockId.ALERT_ACTIONS
    confirm, details, *case = actions["elements"]
    # Issue 18's controls follow: take, note, and the ⋯ menu.
    assert [(e["action_id"], e.get("value")) for e in case] == [
        ("cancel_claim", "42"),
        ("cancel_note", "42"),
        ("cancel_more", None),
    ]
    assert (confirm["action_id"], confirm["value"], confirm["style"]) == (
        "cancel_confirm",
        "42",
        "primary",
    )
    assert confirm["text"]["text"] == t(locale, "button.confirm")
    assert (details["action_id"], details["value"]) == ("cancel_details", "42")
    assert details["text"]["text"] == t(locale, "button.details")
    assert "style" not in details
    assert not any(b.get("block_id") == BlockId.ALERT_CONFIRMED for b in blocks)


def test_korean_button_labels() -> None:
    unconfirmed, _ = build_alert(make_result(), locale="ko", tz=SEOUL)
    confirmed, _ = build_alert(make_confirmed(), locale="ko", tz=SEOUL)
    assert [b["text"]["text"] for b in buttons(unconfirmed)] == [
        "확인",
        "C/S 상세",
        "🙋 내가 처리",
        "📝 메모",
    ]
    # Once confirmed nobody needs to take it; a note still may be left.
    assert [b["text"]["text"] for b in buttons(confirmed)] == ["확인취소", "C/S 상세", "📝 메모"]


@pytest.mark.parametrize("locale", LOCALES)
def test_confirmed_alert_says_who_and_when_and_offers_undo(locale: str) -> None:
    blocks, _ = build_alert(make_confirmed(id=42), locale=locale, tz=SEOUL)
    confirmed = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_CONFIRMED)
    line = confirmed["elements"][0]["text"]
    assert fallback_dates(line) == t(
        locale, "alert.confirmed", who=f"<@{AGENT}>", at=CONFIRMED_AT_SEOUL
    )
    assert f"<!date^{int(CONFIRMED_AT.timestamp())}^" in line  # each viewer's own zone
    assert [(b["action_id"], b["value"]) for b in buttons(blocks)] == [
        (ActionId.CANCEL_UNCONFIRM, "42"),
        (ActionId.CANCEL_DETAILS, "42"),
        (ActionId.CANCEL_NOTE, "42"),
    ]
    assert "style" not in buttons(blocks)[0]
    assert buttons(blocks)[0]["text"]["text"] == t(locale, "button.undo")


def test_a_name_from_the_cli_is_shown_escaped_never_as_a_mention() -> None:
    result = make_result(confirmed_by="Kim <!channel>", confirmed_at=None)
    blocks, _ = build_alert(result, locale="en", tz=SEOUL)
    line = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_CONFIRMED)
    assert line["elements"][0]["text"] == "✅ Confirmed by Kim &lt;!channel&gt; at —"
    assert [b["action_id"] for b in buttons(blocks)] == [
        "cancel_unconfirm",
        "cancel_details",
        "cancel_note",
    ]


def test_enterprise_user_ids_are_mentioned() -> None:
    blocks, _ = build_alert(make_confirmed(confirmed_by="W012ABC"), locale="en", tz=SEOUL)
    assert "<@W012ABC>" in all_text(blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_are_shown_in_seoul_time(locale: str) -> None:
    blocks, _ = build_alert(make_result(), locale=locale, tz=SEOUL, now=NOW)
    fields = [fallback_dates(f["text"]) for f in blocks[1]["fields"]]
    assert f"*{t(locale, 'field.claimed_at')}*\n{CLAIMED_AT_SEOUL}" in fields
    assert f"*{t(locale, 'field.shipped_at')}*\n{SHIPPED_AT_SEOUL}" in fields
    assert "2024-05-21 09:00 KST" in fallback_dates(all_text(blocks))  # `now`, last update


@pytest.mark.parametrize("locale", LOCALES)
def test_alert_fields_show_the_order_and_the_guidance(locale: str) -> None:
    blocks, text = build_alert(
        make_result(), locale=locale, tz=SEOUL, account_label="쿠팡 본점 & 2호"
    )
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert blocks[1]["block_id"] == BlockId.ALERT_FIELDS
    marketplace = t(locale, "marketplace.coupang")
    assert f"{marketplace} (쿠팡 본점 &amp; 2호)" in fields[0]
    assert fields[1].endswith("\nM-1001")
    assert fields[2].endswith("\n100200300")
    assert fields[3].endswith("\n1/1")
    assert fields[6].endswith(t(locale, "claim_state.COMPLETED"))
    product = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_PRODUCT)
    assert product["text"] == {
        "type": "plain_text",
        "text": "\n".join(
            [
                t(locale, "line.product", product="무선 이어폰"),
                t(locale, "line.option", option="블랙"),
            ]
        ),
        "emoji": False,
    }
    guidance = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_GUIDANCE)
    assert t(locale, "guidance.SHIPPED_RETURN") in guidance["text"]["text"]
    assert blocks[0]["text"]["text"] == t(locale, "category.SHIPPED_RETURN")
    assert "M-1001" in text and "무선 이어폰" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_unmatched_alert_warns_and_says_the_quantity_is_unknown(locale: str) -> None:
    blocks, text = build_alert(make_unmatched(), locale=locale, tz=SEOUL)
    guidance = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_GUIDANCE)
    # Nothing was held: the guidance says so, not what a matched cancel would have done.
    assert t(locale, "guidance.UNMATCHED") in guidance["text"]["text"]
    assert t(locale, "guidance.RECEIVED_CANCEL") not in guidance["text"]["text"]
    shown = all_text(blocks)
    assert t(locale, "flag.unmatched") in blocks[0]["text"]["text"]
    assert t(locale, "alert.unmatched_warning") in shown
    assert f"*{t(locale, 'field.management_no')}*\n{t(locale, 'value.unmatched')}" in shown
    assert f"*{t(locale, 'field.quantity')}*\n{t(locale, 'qty.unknown')}" in shown
    assert t(locale, "alert.qty_unknown_warning") in shown
    assert t(locale, "marketplace.gmarket") in text
    assert text.startswith(t(locale, "flag.unmatched"))
    assert "100200300" in text  # the number people can search for instead


@pytest.mark.parametrize("locale", LOCALES)
def test_anomaly_is_flagged_and_explained(locale: str) -> None:
    blocks, text = build_alert(scenarios()["anomaly"], locale=locale, tz=SEOUL)
    assert t(locale, "flag.anomaly") in blocks[0]["text"]["text"]
    assert t(locale, "alert.anomaly_warning") in all_text(blocks)
    assert t(locale, "flag.anomaly") in text
    normal, _ = build_alert(make_result(), locale=locale, tz=SEOUL)
    assert t(locale, "alert.anomaly_warning") not in all_text(normal)
    assert "⚠️" not in all_text(normal)


def test_every_category_shows_its_own_guidance() -> None:
    from core.results import Category

    for category in Category:
        blocks, _ = build_alert(make_result(category=category), locale="ko", tz=SEOUL)
        assert t("ko", f"guidance.{category.value}") in all_text(blocks)
        assert blocks[0]["text"]["text"] == t("ko", f"category.{category.value}")


def test_long_product_names_are_cut_not_sent_whole() -> None:
    blocks, text = build_alert(scenarios()["long_names"], locale="ko", tz=SEOUL)
    product = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_PRODUCT)
    first_line = product["text"]["text"].split("\n")[0]
    assert first_line.endswith("…")
    assert len(first_line) <= PRODUCT_MAX + len("상품: ")
    assert LONG_NAME not in all_text(blocks)
    assert len(text) < 400


def test_marketplace_text_cannot_inject_mrkdwn() -> None:
    blocks, text = build_alert(scenarios()["injection"], locale="ko", tz=SEOUL)
    # Shown literally in plain_text: Slack does not parse mentions or formatting there.
    product = next(b for b in blocks if b.get("block_id") == BlockId.ALERT_PRODUCT)
    assert product["text"]["type"] == "plain_text"
    assert INJECTION_NAME in product["text"]["text"]
    assert all("&amp;" not in p for p in plain_texts(blocks))
    mrkdwn = "\n".join(mrkdwn_texts(blocks))
    assert "&lt;!here&gt;&amp;1" in mrkdwn
    assert "&lt;@U999&gt;" in mrkdwn
    assert "<!channel>" not in mrkdwn + text
    assert "&lt;!channel&gt; *특가* &amp; &lt;https://evil.example|클릭&gt;" in text


def test_an_unsaved_result_cannot_get_buttons() -> None:
    with pytest.raises(ValueError, match="no id"):
        build_alert(make_result(id=None), locale="ko", tz=SEOUL)


def test_unknown_locale_falls_back_to_korean() -> None:
    assert build_alert(make_result(), locale="fr", tz=SEOUL) == build_alert(
        make_result(), locale="ko", tz=SEOUL
    )
