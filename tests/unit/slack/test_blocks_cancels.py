"""/cancels builders: every output is valid Block Kit (slack_sdk models + check_limits) in
both languages, escapes marketplace data, and carries a page state that survives the trip
through a button and rejects anything else."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.i18n import t
from bot.slack.blocks.cancels_common import (
    PAGE_SIZE,
    BadState,
    FilterTooLong,
    ListKind,
    ModalMetadata,
    PageState,
)
from bot.slack.blocks.cancels_notes import build_notice, confirm_all_lines, confirm_lines
from bot.slack.blocks.confirm_all_modal import build_confirm_all_modal, build_modal_error
from bot.slack.blocks.help import build_help, build_usage_error, usage_reason
from bot.slack.blocks.results_page import build_results_page
from bot.slack.blocks.stats import build_stats
from bot.slack.blocks.withdrawals_page import (
    build_withdrawals_page,
    parse_row_block_id,
    row_block_id,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.cancels_command import CommandError, parse_command
from core.confirmation import ConfirmAllOutcome, ConfirmOutcome, Outcome
from core.queries import CancelFilter, Page, parse_filter
from core.read_models import WithdrawalView
from core.results import Category, TargetKind, WithdrawalReason
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_message,
    assert_valid_view,
    buttons,
    fallback_dates,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT_SEOUL,
    CONFIRMED_AT,
    INJECTION_NAME,
    LONG_NAME,
    SEOUL,
    make_confirmed,
    make_partial,
    make_result,
    make_withdrawal,
    scenarios,
)

LOCALES = ["ko", "en"]
WORDS = tuple(CancelFilter().words())


def a_page(
    items: list[Any], total: int | None = None, offset: int = 0, snap: int = 99
) -> Page[Any]:
    total = len(items) + offset if total is None else total
    return Page(items=items, total=total, offset=offset, limit=PAGE_SIZE, snapshot_id=snap)


def checkboxes(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "checkboxes"
    ]


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    return next((b for b in buttons(blocks) if b["action_id"] == action_id), None)


# --- the results page -------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_result_scenario_renders_as_valid_block_kit(locale: str) -> None:
    items = [replace(r, id=i + 1) for i, r in enumerate(scenarios().values())]
    blocks, text = build_results_page(
        a_page(items, total=57), WORDS, unconfirmed=50, locale=locale, tz=SEOUL
    )
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    assert INJECTION_NAME not in json.dumps(blocks)  # only its escaped form


@pytest.mark.parametrize("locale", LOCALES)
def test_a_full_page_of_the_longest_results_stays_inside_the_limits(locale: str) -> None:
    long = make_result(product_name=LONG_NAME, option=LONG_NAME, management_no="M" * 2000)
    items = [replace(long, id=10**11 + i) for i in range(PAGE_SIZE)]
    notice = ["✅ " + "x" * 600] * 12
    words = ("order:" + "9" * 1700,)
    blocks, text = build_results_page(
        a_page(items, total=10**6, offset=10**5),
        words,
        unconfirmed=10**6,
        locale=locale,
        tz=SEOUL,
        notice=notice,
    )
    assert_valid_message(blocks, text)
    [group] = checkboxes(blocks)
    assert len(group["options"]) == PAGE_SIZE
    assert len(blocks) <= 30


@pytest.mark.parametrize("locale", LOCALES)
def test_the_page_shows_what_was_asked_and_each_result(locale: str) -> None:
    partial = make_partial(id=7, phase=make_result().phase)
    confirmed = make_confirmed(id=8)
    blocks, text = build_results_page(
        a_page([partial, confirmed], total=12), WORDS, unconfirmed=11, locale=locale, tz=SEOUL
    )
    shown = all_text(blocks)
    assert t(locale, "cancels.title", total=12) in shown
    assert "`phase:after confirmed:no`" in shown  # the filter as understood
    assert t(locale, "qty.partial", cancel=1, ordered=2) in shown  # highlighted
    assert t(locale, "category.INVOICED_CANCEL") in shown
    assert t(locale, "marketplace.coupang") in shown
    assert "M-1001" in shown and CLAIMED_AT_SEOUL in shown
    assert t(locale, "claim_state.COMPLETED") in shown
    assert t(locale, "details.unconfirmed") in shown
    assert f"<@{AGENT}>" in shown  # who confirmed #8
    assert "12" in text
    details = [b for b in buttons(blocks) if b["action_id"] == ActionId.CANCEL_DETAILS]
    assert [b["value"] for b in details] == ["7", "8"]
    # Only the unconfirmed one can be ticked.
    [group] = checkboxes(blocks)
    assert group["action_id"] == ActionId.CANCELS_SELECT
    assert [o["value"] for o in group["options"]] == ["7"]
    selection = next(b for b in blocks if b.get("block_id") == BlockId.CANCELS_SELECTION)
    assert selection["elements"] == [group]


@pytest.mark.parametrize("locale", LOCALES)
def test_buttons_carry_the_page_state(locale: str) -> None:
    items = [make_result(id=i) for i in range(1, 11)]
    blocks, _ = build_results_page(
        a_page(items, total=25, offset=10, snap=321), WORDS, unconfirmed=25, locale=locale, tz=SEOUL
    )
    for action_id in (
        ActionId.CANCELS_CONFIRM_SELECTED,
        ActionId.CANCELS_CONFIRM_ALL,
        ActionId.CANCELS_PAGE_PREV,
        ActionId.CANCELS_PAGE_NEXT,
    ):
        found = button(blocks, action_id)
        assert found is not None, action_id
        state = PageState.decode(found["value"])
        assert state == PageState(ListKind.RESULTS, WORDS, 10, 321, 25, 25)
    confirm_all = button(blocks, ActionId.CANCELS_CONFIRM_ALL)
    assert confirm_all is not None
    assert confirm_all["text"]["text"] == t(locale, "button.confirm_all", count=25)
    info = next(b for b in blocks if b.get("block_id") == BlockId.CANCELS_PAGE_INFO)
    assert info["elements"][0]["text"] == t(
        locale, "cancels.page", first=11, last=20, total=25, page=2, pages=3
    )


def test_first_and_last_pages_offer_only_the_way_back_or_on() -> None:
    items = [make_result(id=i) for i in range(1, 11)]
    first, _ = build_results_page(
        a_page(items, total=15), WORDS, unconfirmed=15, locale="en", tz=SEOUL
    )
    assert button(first, ActionId.CANCELS_PAGE_NEXT) and not button(
        first, ActionId.CANCELS_PAGE_PREV
    )
    last, _ = build_results_page(
        a_page(items[:5], total=15, offset=10), WORDS, unconfirmed=15, locale="en", tz=SEOUL
    )
    assert button(last, ActionId.CANCELS_PAGE_PREV) and not button(last, ActionId.CANCELS_PAGE_NEXT)


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_to_confirm_offers_no_confirm_buttons(locale: str) -> None:
    words = tuple(parse_filter("confirmed:yes").words())
    blocks, _ = build_results_page(
        a_page([make_confirmed(id=3)]), words, unconfirmed=0, locale=locale, tz=SEOUL
    )
    assert_valid_message(
        *build_results_page(a_page([]), WORDS, unconfirmed=0, locale=locale, tz=SEOUL)
    )
    assert checkboxes(blocks) == []
    assert button(blocks, ActionId.CANCELS_CONFIRM_SELECTED) is None
    assert button(blocks, ActionId.CANCELS_CONFIRM_ALL) is None
    empty, _ = build_results_page(a_page([]), WORDS, unconfirmed=0, locale=locale, tz=SEOUL)
    assert t(locale, "cancels.empty") in all_text(empty)
    # Only the way to another filter stays (issue 18).
    assert [b["action_id"] for b in buttons(empty)] == [ActionId.CANCELS_FILTER_OPEN]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_notice_says_what_the_last_click_did(locale: str) -> None:
    outcomes = [
        ConfirmOutcome(TargetKind.RESULT, 1, Outcome.CONFIRMED, AGENT, CONFIRMED_AT),
        ConfirmOutcome(TargetKind.RESULT, 2, Outcome.ALREADY_CONFIRMED, "U0OTHER02", CONFIRMED_AT),
        ConfirmOutcome(TargetKind.RESULT, 3, Outcome.NOT_CONFIRMED),
        ConfirmOutcome(TargetKind.RESULT, 4, Outcome.UNCONFIRMED, AGENT, CONFIRMED_AT),
    ]
    lines = confirm_lines(outcomes, locale=locale, tz=SEOUL)
    assert [fallback_dates(line) for line in lines] == [
        t(locale, "cancels.confirmed_ids", count=1, ids="#1"),
        t(locale, "cancels.unconfirmed_ids", count=1, ids="#4"),
        t(locale, "cancels.already_line", id=2, who="<@U0OTHER02>", at="2024-05-20 15:00 KST"),
        t(locale, "cancels.not_confirmed_line", id=3),
    ]
    blocks, text = build_results_page(
        a_page([make_result(id=5)]), WORDS, unconfirmed=1, locale=locale, tz=SEOUL, notice=lines
    )
    notice = next(b for b in blocks if b.get("block_id") == BlockId.CANCELS_NOTICE)
    assert notice["text"]["text"] == "\n".join(lines)
    blocks, text = build_notice(lines)
    assert_valid_message(blocks, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_fifty_ids_confirmed_by_somebody_else_still_fit(locale: str) -> None:
    outcomes = [
        ConfirmOutcome(TargetKind.RESULT, 10**11 + i, Outcome.ALREADY_CONFIRMED, "kim <&>", None)
        for i in range(50)
    ]
    lines = confirm_lines(outcomes, locale=locale, tz=SEOUL)
    assert len(lines) == 21 and lines[-1] == t(locale, "details.more", count=30)
    blocks, text = build_notice(lines)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    assert blocks[0]["text"]["text"] == "\n".join(lines)  # nothing clipped


@pytest.mark.parametrize("locale", LOCALES)
def test_confirm_all_lines(locale: str) -> None:
    lines = confirm_all_lines(ConfirmAllOutcome([1, 2, 3], 2), 5, 1, locale=locale)
    assert lines == [
        t(locale, "cancels.confirm_all_done", confirmed=3, counted=5),
        t(locale, "cancels.confirm_all_elsewhere", count=2),
        t(locale, "cancels.confirm_all_later"),
    ]
    assert confirm_all_lines(ConfirmAllOutcome([1], 0), 1, 0, locale=locale) == [
        t(locale, "cancels.confirm_all_done", confirmed=1, counted=1)
    ]


# --- withdrawals, modal, stats, help, usage errors ---------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("reason", list(WithdrawalReason))
def test_withdrawals_page_is_valid_and_each_row_is_confirmable(
    locale: str, reason: WithdrawalReason
) -> None:
    words = tuple(parse_filter("", CancelFilter(phase=None)).words())
    rows = [
        make_withdrawal(id=1, reason=reason, restore_qty=2),
        make_withdrawal(id=2, reason=reason, confirmed_by=AGENT, confirmed_at=CONFIRMED_AT),
        make_withdrawal(id=3, reason=reason, result_id=999, management_no=INJECTION_NAME),
    ]
    results = {42: make_partial(product_name=INJECTION_NAME)}
    views = [WithdrawalView(w, results.get(w.result_id)) for w in rows]
    blocks, text = build_withdrawals_page(a_page(views, total=13), words, locale=locale, tz=SEOUL)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    shown = all_text(blocks)
    assert t(locale, "cancels.withdrawals_title", total=13) in shown
    assert t(locale, f"withdrawal_reason.{reason.value}") in shown
    assert t(locale, "withdrawal.no_result") in shown
    rows_actions = [
        b for b in blocks if str(b.get("block_id", "")).startswith(BlockId.CANCELS_WITHDRAWAL)
    ]
    assert [[e["action_id"] for e in b["elements"]] for b in rows_actions] == [
        [ActionId.CANCELS_WITHDRAWAL_CONFIRM, ActionId.CANCEL_DETAILS],
        [ActionId.CANCELS_WITHDRAWAL_UNCONFIRM, ActionId.CANCEL_DETAILS],
        [ActionId.CANCELS_WITHDRAWAL_CONFIRM, ActionId.CANCEL_DETAILS],
    ]
    assert [b["elements"][0]["value"] for b in rows_actions] == ["1", "2", "3"]
    for block in rows_actions:
        state = parse_row_block_id(block["block_id"])
        assert state == PageState(ListKind.WITHDRAWALS, words, 0, 0, 13, 0)
    assert button(blocks, ActionId.CANCELS_PAGE_NEXT) is not None
    empty, text = build_withdrawals_page(a_page([]), words, locale=locale, tz=SEOUL)
    assert_valid_message(empty, text)
    assert t(locale, "cancels.withdrawals_empty") in all_text(empty)


def test_a_row_block_id_too_long_for_its_state_names_just_the_withdrawal() -> None:
    state = PageState(ListKind.WITHDRAWALS, ("order:" + "1" * 300,))
    assert row_block_id("7", state) == f"{BlockId.CANCELS_WITHDRAWAL}:7"
    assert parse_row_block_id(row_block_id("7", state)) is None
    assert parse_row_block_id("withdrawal_actions") is None
    with pytest.raises(BadState):
        parse_row_block_id(f"{BlockId.CANCELS_WITHDRAWAL}:7:forged")


@pytest.mark.parametrize("locale", LOCALES)
def test_confirm_all_modal_states_count_and_filter(locale: str) -> None:
    # The longest filter a state carries: an order number as long as a column takes, and
    # many more words.
    words = ("order:" + "9" * 64, *("partial",) * 200)
    state = PageState(ListKind.RESULTS, words, 0, 5000, 10**6, 10**6)
    metadata = ModalMetadata(state, "https://hooks.slack.com/actions/T1/2/" + "x" * 60, "C0ALERTS1")
    view = build_confirm_all_modal(10**6, state.words, metadata.encode(), locale=locale)
    assert_valid_view(view, "modal")
    assert view["callback_id"] == CallbackId.CANCELS_CONFIRM_ALL_MODAL
    assert len(view["private_metadata"]) <= 2000
    assert ModalMetadata.decode(view["private_metadata"]) == metadata
    shown = all_text(view["blocks"])
    assert t(locale, "confirm_all.body", count=10**6) in shown
    assert "order:999" in shown
    small = build_confirm_all_modal(3, WORDS, metadata.encode(), locale=locale)
    assert small["submit"]["text"] == t(locale, "confirm_all.submit", count=3)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_modal_error_view_is_valid(locale: str) -> None:
    view = build_modal_error(t(locale, "cancels.bad_state"), locale=locale)
    assert_valid_view(view, "modal")
    assert t(locale, "cancels.bad_state") in all_text(view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_stats_count_by_category_and_marketplace(locale: str) -> None:
    counts = {
        (Category.SHIPPED_RETURN, "coupang"): 3,
        (Category.SHIPPED_RETURN, "naver"): 1,
        (Category.INVOICED_CANCEL, "coupang"): 2,
        (Category.SHIPPED_CANCEL, "<!here>"): 1,
    }
    blocks, text = build_stats(counts, WORDS, locale=locale)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    shown = all_text(blocks)
    assert t(locale, "stats.title", total=7) in shown
    coupang, naver = t(locale, "marketplace.coupang"), t(locale, "marketplace.naver")
    assert (
        t(
            locale,
            "stats.category_line",
            category=t(locale, "category.SHIPPED_RETURN"),
            count=4,
            markets=f"{coupang} 3 · {naver} 1",
        )
        in shown
    )
    assert f"{coupang} 5" in shown  # by marketplace
    empty, text = build_stats({}, WORDS, locale=locale)
    assert_valid_message(empty, text)
    assert t(locale, "cancels.empty") in all_text(empty)


@pytest.mark.parametrize("locale", LOCALES)
def test_help_lists_every_subcommand_in_both_languages(locale: str) -> None:
    blocks, text = build_help(locale=locale)
    assert_valid_message(blocks, text)
    assert_escaped(blocks, text)
    shown = all_text(blocks)
    for name in ("confirm", "확인", "unconfirm", "확인취소", "withdrawals", "취소철회"):
        assert name in shown
    for name in ("stats", "통계", "export", "내보내기", "help", "도움말", "from:YYYY-MM-DD"):
        assert name in shown


BAD_INPUT = {
    "frobnicate": "cancels.reason.unknown_word",
    "partial frobnicate": "cancels.reason.unknown_filter_word",
    "foo:bar": "cancels.reason.unknown_filter_word",
    "market:ebay": "cancels.reason.unknown_value",
    "status:": "cancels.reason.needs_value",
    "order:": "cancels.reason.needs_value",
    "from:2026-02-30": "cancels.reason.bad_date",
    "to:yesterday": "cancels.reason.bad_date",
    "from:2026-12-01 to:2026-11-01": "cancels.reason.date_order",
    "confirm": "cancels.reason.no_ids",
    "unconfirm 12 abc": "cancels.reason.bad_id",
    "confirm " + " ".join(str(i) for i in range(1, 60)): "cancels.reason.too_many_ids",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", sorted(BAD_INPUT))
def test_bad_input_is_explained_in_the_locale_quoting_the_bad_part(locale: str, text: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(text)
    error = caught.value
    key = BAD_INPUT[text]
    reason = usage_reason(error, locale)
    key_param = error.bad.partition(":")[0]
    assert reason == t(locale, key, name=key_param, max=50, subcommands=reason_subcommands())
    blocks, fallback = build_usage_error(error, locale=locale)
    assert_valid_message(blocks, fallback)
    assert_escaped(blocks, fallback)
    shown = all_text(blocks)
    if error.bad:
        assert f"`{error.bad}`" in shown
    assert error.form.split(" ")[0] in shown


def reason_subcommands() -> str:
    from core.cancels_command import SUBCOMMANDS

    return ", ".join(k for k in SUBCOMMANDS if k.isascii())


def test_an_unknown_kind_of_error_falls_back_to_cores_text_escaped() -> None:
    error = CommandError("odd <thing> & more", "<!here>", "/cancels help")
    assert usage_reason(error, "ko") == "odd &lt;thing&gt; &amp; more"
    blocks, text = build_usage_error(error, locale="ko")
    assert_escaped(blocks, text)
    assert "&lt;!here&gt;" in all_text(blocks)


# --- the page state -------------------------------------------------------------------------

FILTER_TEXTS = [
    "",
    "market:coupang,naver 11번가 지마켓 옥션 스마트스토어",
    "phase:before",
    "배송전 접수 송장",
    "status:shipped type:return confirmed:all state:requested,withdrawn",
    "반품 취소 미확인 부분취소 미매칭",
    "전체 from:2024-05-01 to:2024-05-31 order:M;1:x",
    "phase:all confirmed:yes partial unmatched",
]


@pytest.mark.parametrize("text", FILTER_TEXTS)
def test_the_state_carries_the_filter_exactly(text: str) -> None:
    flt = parse_filter(text)
    state = PageState(ListKind.RESULTS, tuple(flt.words()), 20, 7, 30, 12)
    decoded = PageState.decode(state.encode())
    assert decoded == state
    assert decoded.filter() == flt
    withdrawals = parse_filter(text, CancelFilter(phase=None))
    state = PageState(ListKind.WITHDRAWALS, tuple(withdrawals.words()))
    assert PageState.decode(state.encode()).filter() == withdrawals


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "2;r;0;0;0;0;phase:after confirmed:no",
        "1;x;0;0;0;0;phase:after confirmed:no",
        "1;r;-1;0;0;0;phase:after confirmed:no",
        "1;r;0;0;0;0;",
        "1;r;0;0;1;2;phase:after confirmed:no",  # more unconfirmed than counted
        "1;r;0;0;0;0;phase:sideways",
        "1;r;0;0;0;0;rm -rf",
        "1;r;²;0;0;0;phase:after",
        "1;r;0;0;9999999999999;0;phase:after",
        "1;r;0;0;0;0;" + "partial " * 400,
    ],
)
def test_a_tampered_state_is_refused(value: object) -> None:
    with pytest.raises(BadState):
        PageState.decode(value)


def test_a_filter_too_long_for_a_button_is_refused_cleanly() -> None:
    with pytest.raises(FilterTooLong):
        PageState(ListKind.RESULTS, ("order:" + "1" * 2000,)).encode()


@pytest.mark.parametrize(
    "value",
    [
        "{}",
        "[1]",
        "not json",
        json.dumps({"s": "1;r;0;0;0;0;partial", "u": "file:///etc/passwd", "c": "C1"}),
        json.dumps({"s": "1;r;0;0;0;0;partial", "u": "https://x", "c": "c1; drop"}),
        json.dumps({"s": "bad", "u": "https://x", "c": "C1"}),
        json.dumps({"s": "1;r;0;0;0;0;partial", "u": "https://x", "c": "C1", "x": 1}),
    ],
)
def test_a_tampered_modal_is_refused(value: str) -> None:
    with pytest.raises(BadState):
        ModalMetadata.decode(value)
