"""Issue 18's pieces of an alert and around it: the case line, the controls, the ⋯ menu's
values, the take-over answer, the note modal and the thread replies; all valid Block
Kit within Slack's limits, people's words escaped, times as Slack date tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from bot.slack.blocks.alert import build_alert
from bot.slack.blocks.case import (
    MoreChoice,
    build_held_by_other,
    case_controls,
    oms_link,
)
from bot.slack.blocks.note_modal import build_note_modal, note_result_id, note_text
from bot.slack.blocks.thread_notes import thread_text, usergroup_mention
from bot.slack.blocks.withdrawal import build_withdrawal_alert
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.changes import Change, Field
from core.errors import InvalidInput
from core.results import TargetKind
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_blocks,
    assert_valid_message,
    assert_valid_view,
    buttons,
    fallback_dates,
)
from tests.support.slack_factories import (
    AGENT,
    CLAIMED_AT,
    CLAIMED_AT_SEOUL,
    INJECTION_NAME,
    NOW,
    SEOUL,
    make_confirmed,
    make_result,
    make_unmatched,
    make_withdrawal,
)

LOCALES = ["ko", "en"]
OMS = "https://oms.example/orders/{management_no}?o={marketplace_order_id}"


def elements(blocks: list[dict[str, object]], block_id: str) -> list[dict[str, object]]:
    block = next(b for b in blocks if b.get("block_id") == block_id)
    return block["elements"]  # type: ignore[return-value]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_alert_says_who_is_on_it_since_when_and_the_snooze(locale: str) -> None:
    result = make_result(
        taken_by=AGENT, taken_at=CLAIMED_AT, snoozed_until=NOW, snoozed_by="U0OTHER02"
    )
    blocks, text = build_alert(result, locale=locale, tz=SEOUL)
    assert_valid_message(blocks, text)
    [taken, snoozed] = [e["text"] for e in elements(blocks, BlockId.ALERT_CASE)]  # type: ignore[index]
    assert fallback_dates(str(taken)) == t(
        locale, "case.taken", who=f"<@{AGENT}>", since=CLAIMED_AT_SEOUL
    )
    assert f"<!date^{int(CLAIMED_AT.timestamp())}^{{date_short_pretty}} {{time}}|" in str(taken)
    assert fallback_dates(str(snoozed)) == t(
        locale, "case.snoozed", who="<@U0OTHER02>", until="2024-05-21 09:00 KST"
    )


def test_nobody_is_said_to_be_on_a_confirmed_or_free_case() -> None:
    for result in (make_result(), make_confirmed(taken_by=AGENT, taken_at=CLAIMED_AT)):
        blocks, _ = build_alert(result, locale="en", tz=SEOUL)
        assert not any(b.get("block_id") == BlockId.ALERT_CASE for b in blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_menu_offers_snoozes_details_and_a_note_with_the_result_id(locale: str) -> None:
    [*_, menu] = case_controls(42, locale=locale, confirmed=False)
    assert menu["action_id"] == ActionId.CANCEL_MORE
    assert [o["value"] for o in menu["options"]] == [
        "snooze:42:60",
        "snooze:42:240",
        "snooze:42:tomorrow",
        "details:42",
        "note:42",
    ]
    assert [o["text"]["text"] for o in menu["options"]] == [
        t(locale, "more.snooze_60"),
        t(locale, "more.snooze_240"),
        t(locale, "more.snooze_tomorrow"),
        t(locale, "more.details"),
        t(locale, "more.note"),
    ]
    # A confirmed one waits for nobody: no snooze, no take.
    confirmed = case_controls(42, locale=locale, confirmed=True)
    assert [e["action_id"] for e in confirmed] == ["cancel_note", "cancel_more"]
    assert [o["value"] for o in confirmed[-1]["options"]] == ["details:42", "note:42"]


@pytest.mark.parametrize(
    ("value", "choice"),
    [
        ("snooze:42:60", MoreChoice("snooze", 42, "60")),
        ("snooze:42:tomorrow", MoreChoice("snooze", 42, "tomorrow")),
        ("details:7", MoreChoice("details", 7)),
        ("note:7", MoreChoice("note", 7)),
    ],
)
def test_menu_values_read_back(value: str, choice: MoreChoice) -> None:
    assert MoreChoice.parse(value) == choice


@pytest.mark.parametrize(
    "value",
    ["", None, "snooze:42", "snooze:x:60", "details:0", "note:1:2", "delete:1", "snooze:1:"],
)
def test_menu_values_that_were_not_offered_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput):
        MoreChoice.parse(value)


def test_open_in_oms_links_a_matched_result_to_its_order_encoded() -> None:
    result = make_result(management_no="M 1/2", marketplace_order_id="A&B")
    assert oms_link(OMS, result) == "https://oms.example/orders/M%201%2F2?o=A%26B"
    assert oms_link(None, result) is None
    assert oms_link(OMS, make_unmatched()) is None
    assert oms_link("https://oms.example/" + "x" * 3000, result) is None  # over Slack's limit
    blocks, text = build_alert(result, locale="ko", tz=SEOUL, oms_order_url=OMS)
    assert_valid_message(blocks, text)
    [link] = [b for b in buttons(blocks) if b["action_id"] == ActionId.CANCEL_OPEN_OMS]
    assert link["url"] == oms_link(OMS, result)
    assert link["text"]["text"] == "OMS에서 열기"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_withdrawals_alert_shows_its_results_case_until_released(locale: str) -> None:
    origin = make_result(taken_by=AGENT, taken_at=CLAIMED_AT)
    blocks, text = build_withdrawal_alert(
        make_withdrawal(), origin, locale=locale, tz=SEOUL, oms_order_url=OMS
    )
    assert_valid_message(blocks, text)
    [line] = elements(blocks, BlockId.WITHDRAWAL_CASE)
    assert f"<@{AGENT}>" in str(line["text"])
    released, _ = build_withdrawal_alert(
        make_withdrawal(confirmed_by=AGENT, confirmed_at=NOW), origin, locale=locale, tz=SEOUL
    )
    assert not any(b.get("block_id") == BlockId.WITHDRAWAL_CASE for b in released)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_refused_take_says_who_since_when_and_offers_take_over(locale: str) -> None:
    blocks, text = build_held_by_other("U0OTHER02", CLAIMED_AT, 42, locale=locale, tz=SEOUL)
    assert_valid_message(blocks, text)
    assert fallback_dates(text) == t(
        locale, "case.held_by_other", who="<@U0OTHER02>", since=CLAIMED_AT_SEOUL
    )
    [takeover] = buttons(blocks)
    assert (takeover["action_id"], takeover["value"]) == ("cancel_takeover", "42")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_note_modal_follows_the_contract(locale: str) -> None:
    view = build_note_modal(make_result(id=42, management_no="<M&1>"), locale=locale)
    assert_valid_view(view, "modal")
    assert_escaped(view["blocks"])
    assert (view["callback_id"], view["private_metadata"]) == (CallbackId.CANCEL_NOTE_MODAL, "42")
    [note_input] = [b for b in view["blocks"] if b["type"] == "input"]
    assert note_input["block_id"] == "note"
    assert note_input["element"]["action_id"] == "note_text"
    assert note_input["element"]["multiline"] is True
    submitted = {
        "private_metadata": "42",
        "state": {"values": {"note": {"note_text": {"type": "plain_text_input", "value": "hi"}}}},
    }
    assert (note_result_id(submitted), note_text(submitted)) == (42, "hi")
    assert note_text({"state": {"values": {}}}) == ""
    for bad in ("", "x", "0", "-1"):
        with pytest.raises(InvalidInput):
            note_result_id({"private_metadata": bad})


def note(text_key: str, **params: object) -> dict[str, object]:
    return {"text_key": text_key, "actor": AGENT, "at": NOW.isoformat(), "params": params}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_note_in_the_thread_is_escaped_and_names_its_author(locale: str) -> None:
    text = thread_text(
        note("note", text=INJECTION_NAME), TargetKind.RESULT, locale=locale, tz=SEOUL
    )
    assert f"<@{AGENT}>" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert_escaped([], text)


@pytest.mark.parametrize("locale", LOCALES)
def test_thread_replies_of_take_over_snooze_and_escalation(locale: str) -> None:
    over = thread_text(note("taken_over", previous="U0OTHER02"), None, locale=locale, tz=SEOUL)
    assert f"<@{AGENT}>" in over and "<@U0OTHER02>" in over
    back = thread_text(note("unsnoozed"), TargetKind.RESULT, locale=locale, tz=SEOUL)
    assert back.startswith("⏰") and f"<@{AGENT}>" in back
    escalated = note("escalated", usergroup="S0CSTEAM", minutes=120)
    result = thread_text(escalated, TargetKind.RESULT, locale=locale, tz=SEOUL)
    assert result == t(locale, "thread.escalated", group="<!subteam^S0CSTEAM>", minutes=120)
    held = thread_text(escalated, TargetKind.WITHDRAWAL, locale=locale, tz=SEOUL)
    assert held == t(
        locale, "thread.escalated_withdrawal", group="<!subteam^S0CSTEAM>", minutes=120
    )
    assert usergroup_mention("<!channel>") == "&lt;!channel&gt;"  # never a broadcast


@pytest.mark.parametrize("locale", LOCALES)
def test_what_changed_is_said_in_the_teams_words(locale: str) -> None:
    changes = [
        Change(Field.CLAIM_STATE, "REQUESTED", "COMPLETED"),
        Change(Field.CANCEL_QTY, "1", "2"),
        Change(Field.SHIPPED, "BEFORE_SHIPPING", "AFTER_SHIPPING"),
        Change(Field.CONFIRMATION_CLEARED, AGENT, ""),
        Change(Field.MATCHED, "", "<M-1>"),
    ]
    text = thread_text(
        note("changed", changes=[c.as_json() for c in changes]),
        TargetKind.RESULT,
        locale=locale,
        tz=SEOUL,
    )
    lines = text.split("\n")[1:]
    assert lines == [
        t(
            locale,
            "change.claim_state",
            old=t(locale, "claim_state.REQUESTED"),
            new=t(locale, "claim_state.COMPLETED"),
        ),
        t(locale, "change.cancel_qty", old="1", new="2"),
        t(
            locale,
            "change.shipped",
            old=t(locale, "phase.BEFORE_SHIPPING"),
            new=t(locale, "phase.AFTER_SHIPPING"),
        ),
        t(locale, "change.confirmation_cleared", old=f"<@{AGENT}>", new=t(locale, "value.none")),
        t(locale, "change.matched", old=t(locale, "value.none"), new="&lt;M-1&gt;"),
    ]


def test_old_thread_notes_still_read_as_before() -> None:
    payload = {"text_key": "confirmed", "actor": AGENT, "at": NOW.isoformat()}
    text = thread_text(payload, TargetKind.RESULT, locale="en", tz=SEOUL)
    assert fallback_dates(text) == t(
        "en", "thread.confirmed", who=f"<@{AGENT}>", at="2024-05-21 09:00 KST"
    )


def test_every_case_control_fits_an_actions_block() -> None:
    result = make_result(taken_by=AGENT, taken_at=NOW - timedelta(hours=1))
    for confirmed in (False, True):
        controls = case_controls(
            42, locale="ko", confirmed=confirmed, oms_url=oms_link(OMS, result)
        )
        assert_valid_blocks([{"type": "actions", "elements": controls}], "message")
    assert "OMS" in all_text(build_alert(result, locale="en", tz=SEOUL, oms_order_url=OMS)[0])
