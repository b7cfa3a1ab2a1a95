"""Taking a case, letting it go, taking it over, notes and snoozes (issue 18), against the
dict-backed unit of work: the state they leave, the audit, and the outbox they fill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import apply, cases, confirmation, dashboard, order_book, read_models
from core.claims import ClaimState
from core.errors import InvalidInput, NotFound
from core.orders import OrderStatus
from core.outbox import OutboxItem, OutboxKind
from core.queries import CancelFilter, parse_filter
from core.results import CancelResult, ConfirmAction, TargetKind
from tests.factories import claim_for, make_order
from tests.fakes import FakeStore

NOW = datetime(2026, 11, 25, 5, 3, tzinfo=UTC)  # 14:03 in Seoul
SEOUL = ZoneInfo("Asia/Seoul")
RESULT, WITHDRAWAL = TargetKind.RESULT, TargetKind.WITHDRAWAL
KIM, LEE = "U0KIM0001", "U0LEE0002"


def shipped_result(make_uow: Any) -> int:
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    [rid] = apply.apply_claims(make_uow, [claim_for(order)], NOW).changed_ids
    return rid


def result(make_uow: Any, rid: int) -> CancelResult:
    with make_uow() as uow:
        found = uow.results.get(rid)
    assert found is not None
    return found


def outbox(store: FakeStore, kind: OutboxKind) -> list[OutboxItem]:
    return [row.item for _, row in sorted(store.outbox.items()) if row.item.kind is kind]


def actions(make_uow: Any, rid: int) -> list[tuple[ConfirmAction, str]]:
    return [(e.action, e.actor) for e in cases.case_log(make_uow, [rid]).events]


def test_taking_a_free_case_gives_it_to_you_and_clicking_again_lets_it_go(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)

    took = cases.take(make_uow, rid, KIM, NOW)
    assert (took.outcome, took.holder, took.since) == (cases.Taken.TOOK, KIM, NOW)
    assert (result(make_uow, rid).taken_by, result(make_uow, rid).taken_at) == (KIM, NOW)

    released = cases.take(make_uow, rid, KIM, NOW + timedelta(minutes=5))
    assert released.outcome is cases.Taken.RELEASED
    assert result(make_uow, rid).taken_by is None
    assert actions(make_uow, rid) == [(ConfirmAction.TAKE, KIM), (ConfirmAction.RELEASE, KIM)]
    # Each change re-renders the alert and the taker's App Home.
    updates = [i.dedupe_key for i in outbox(store, OutboxKind.UPDATE_ALERT)]
    assert sum(key.startswith(f"update:result:{rid}:take:") for key in updates) == 1
    assert sum(key.startswith(f"update:result:{rid}:release:") for key in updates) == 1
    assert [i.payload["user"] for i in outbox(store, OutboxKind.REFRESH_HOME)] == [KIM, KIM]


def test_somebody_elses_case_is_refused_with_who_and_since_and_nothing_changes(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    cases.take(make_uow, rid, KIM, NOW)
    commits = store.commits

    refused = cases.take(make_uow, rid, LEE, NOW + timedelta(minutes=1))

    assert (refused.outcome, refused.holder, refused.since) == (
        cases.Taken.HELD_BY_OTHER,
        KIM,
        NOW,
    )
    assert not refused.changed
    assert result(make_uow, rid).taken_by == KIM
    assert actions(make_uow, rid) == [(ConfirmAction.TAKE, KIM)]
    assert store.commits == commits + 1  # a read-only transaction: nothing else written


def test_taking_over_tells_the_previous_holder_in_the_thread(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    cases.take(make_uow, rid, KIM, NOW)
    later = NOW + timedelta(minutes=30)

    over = cases.take_over(make_uow, rid, LEE, later)

    assert (over.outcome, over.holder, over.previous) == (cases.Taken.TOOK_OVER, LEE, KIM)
    assert (result(make_uow, rid).taken_by, result(make_uow, rid).taken_at) == (LEE, later)
    assert actions(make_uow, rid)[-1] == (ConfirmAction.TAKE_OVER, LEE)
    [note] = outbox(store, OutboxKind.THREAD_NOTE)
    assert (note.target, note.target_id) == (RESULT, rid)
    assert note.payload["text_key"] == cases.TAKEN_OVER
    assert (note.payload["actor"], note.payload["params"]) == (LEE, {"previous": KIM})
    # Both people's own lists changed.
    assert {i.payload["user"] for i in outbox(store, OutboxKind.REFRESH_HOME)} == {KIM, LEE}


def test_taking_over_a_free_case_just_takes_it_and_ones_own_changes_nothing(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    assert cases.take_over(make_uow, rid, LEE, NOW).outcome is cases.Taken.TOOK
    again = cases.take_over(make_uow, rid, LEE, NOW + timedelta(minutes=1))
    assert (again.outcome, again.since) == (cases.Taken.ALREADY_YOURS, NOW)
    assert outbox(store, OutboxKind.THREAD_NOTE) == []


def test_a_note_goes_to_the_orders_history_as_its_author_and_to_the_thread(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    number = result(make_uow, rid).management_no
    assert number is not None

    cases.add_note(make_uow, rid, KIM, "  고객과 통화: 회수 요청함 <!channel>  ", NOW)

    history = read_models.order_details(make_uow, number).history
    assert (history[-1].text, history[-1].actor, history[-1].result_id) == (
        "고객과 통화: 회수 요청함 <!channel>",
        KIM,
        rid,
    )
    [note] = outbox(store, OutboxKind.THREAD_NOTE)
    assert note.payload["text_key"] == cases.NOTE
    assert note.payload["params"] == {"text": "고객과 통화: 회수 요청함 <!channel>"}


def test_a_note_on_a_result_without_an_order_is_kept_with_the_result(make_uow: Any) -> None:
    [rid] = apply.apply_claims(make_uow, [claim_for()], NOW).changed_ids  # unmatched

    cases.add_note(make_uow, rid, KIM, "주문번호로 OMS에서 찾는 중", NOW)

    [note] = cases.case_log(make_uow, [rid]).notes
    assert (note.text, note.actor, note.result_id) == ("주문번호로 OMS에서 찾는 중", KIM, rid)


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (cases.NOTE_MAX + 1)])
def test_an_empty_or_too_long_note_is_refused(make_uow: Any, text: str) -> None:
    rid = shipped_result(make_uow)
    with pytest.raises(InvalidInput):
        cases.add_note(make_uow, rid, KIM, text, NOW)


def test_every_use_case_names_a_missing_result(make_uow: Any) -> None:
    for call in (
        lambda: cases.take(make_uow, 999, KIM, NOW),
        lambda: cases.take_over(make_uow, 999, KIM, NOW),
        lambda: cases.add_note(make_uow, 999, KIM, "x", NOW),
        lambda: cases.snooze(make_uow, 999, KIM, NOW + timedelta(hours=1), NOW),
    ):
        with pytest.raises(NotFound) as error:
            call()
        assert error.value.ids == [999]


@pytest.mark.parametrize(
    ("choice", "until"),
    [
        ("60", NOW + timedelta(minutes=60)),
        ("240", NOW + timedelta(minutes=240)),
        # 14:03 in Seoul on the 25th: tomorrow 09:00 Seoul is 00:00 UTC on the 26th.
        ("tomorrow", datetime(2026, 11, 26, 0, 0, tzinfo=UTC)),
    ],
)
def test_snooze_choices_end_when_people_expect(choice: str, until: datetime) -> None:
    assert cases.snooze_until(choice, NOW, SEOUL) == until


def test_tomorrow_is_the_local_tomorrow_even_just_after_midnight() -> None:
    # 00:30 in Seoul on the 26th is still the 25th in UTC: tomorrow means the 27th.
    just_after_midnight = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)
    until = cases.snooze_until("tomorrow", just_after_midnight, SEOUL)
    assert until.astimezone(SEOUL) == datetime(2026, 11, 27, 9, 0, tzinfo=SEOUL)


@pytest.mark.parametrize("choice", ["0", "-5", "soon", "20000", "1" * 7, ""])
def test_a_snooze_choice_that_was_not_offered_is_refused(choice: str) -> None:
    with pytest.raises(InvalidInput):
        cases.snooze_until(choice, NOW, SEOUL)


def test_a_snoozed_result_leaves_the_default_view_and_the_digest_and_comes_back(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    day_later = NOW + timedelta(days=2)
    until = day_later + timedelta(hours=1)

    outcome = cases.snooze(make_uow, rid, KIM, until, day_later)

    assert outcome.outcome is cases.Snoozed.SNOOZED
    assert read_models.list_results(make_uow, CancelFilter()).total == 0
    assert dashboard.digest(make_uow, day_later).empty
    assert dashboard.attention(make_uow).after_shipping == 0
    # Not gone: asked for, it is there.
    [snoozed] = read_models.list_results(make_uow, parse_filter("snoozed")).items
    assert (snoozed.snoozed_until, snoozed.snoozed_by) == (until, KIM)
    assert cases.wake_snoozes(make_uow, until - timedelta(seconds=1)) == []

    assert cases.wake_snoozes(make_uow, until) == [rid]

    assert [r.id for r in read_models.list_results(make_uow, CancelFilter()).items] == [rid]
    assert dashboard.digest(make_uow, until).total_results == 1
    [note] = outbox(store, OutboxKind.THREAD_NOTE)
    assert (note.target_id, note.payload["text_key"], note.payload["actor"]) == (
        rid,
        cases.UNSNOOZED,
        KIM,
    )
    assert [a for a, _ in actions(make_uow, rid)] == [ConfirmAction.SNOOZE, ConfirmAction.WAKE]
    # Waking again finds nothing: the reply is said once.
    assert cases.wake_snoozes(make_uow, until + timedelta(hours=1)) == []
    assert len(outbox(store, OutboxKind.THREAD_NOTE)) == 1


def test_a_snooze_that_ends_on_a_confirmed_result_says_nothing(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    until = NOW + timedelta(hours=1)
    cases.snooze(make_uow, rid, KIM, until, NOW)
    confirmation.confirm(make_uow, RESULT, [rid], LEE, NOW)

    assert cases.wake_snoozes(make_uow, until) == [rid]

    assert result(make_uow, rid).snoozed_until is None
    notes = [i.payload["text_key"] for i in outbox(store, OutboxKind.THREAD_NOTE)]
    assert notes == ["confirmed"]  # LEE's confirm; nothing about the snooze


def test_a_confirmed_result_is_not_snoozed(make_uow: Any) -> None:
    rid = shipped_result(make_uow)
    confirmation.confirm(make_uow, RESULT, [rid], LEE, NOW)
    outcome = cases.snooze(make_uow, rid, KIM, NOW + timedelta(hours=1), NOW)
    assert outcome.outcome is cases.Snoozed.CONFIRMED
    assert result(make_uow, rid).snoozed_until is None
    with pytest.raises(InvalidInput):
        cases.snooze(make_uow, rid, KIM, NOW, NOW)


def test_the_personal_list_holds_my_unconfirmed_cases_and_my_snoozes(make_uow: Any) -> None:
    mine, confirmed, theirs, snoozed = (shipped_result(make_uow) for _ in range(4))
    for rid in (mine, confirmed):
        cases.take(make_uow, rid, KIM, NOW)
    cases.take(make_uow, theirs, LEE, NOW)
    cases.snooze(make_uow, snoozed, KIM, NOW + timedelta(hours=4), NOW)
    confirmation.confirm(make_uow, RESULT, [confirmed], LEE, NOW)

    own = cases.personal(make_uow, KIM)

    assert [r.id for r in own.taken] == [mine] and own.taken_total == 1
    assert [r.id for r in own.snoozed] == [snoozed] and own.snoozed_total == 1
    assert cases.personal(make_uow, "U0NOBODY").empty


def test_confirming_a_taken_case_refreshes_its_holders_home(
    make_uow: Any, store: FakeStore
) -> None:
    rid = shipped_result(make_uow)
    cases.take(make_uow, rid, KIM, NOW)
    before = len(outbox(store, OutboxKind.REFRESH_HOME))

    confirmation.confirm(make_uow, RESULT, [rid], LEE, NOW + timedelta(minutes=1))

    homes = outbox(store, OutboxKind.REFRESH_HOME)[before:]
    assert [i.payload["user"] for i in homes] == [KIM]


def test_a_withdrawals_alert_shows_and_takes_the_case_of_its_result(
    make_uow: Any, store: FakeStore
) -> None:
    order = make_order(status=OrderStatus.INVOICED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    [rid] = apply.apply_claims(make_uow, [claim_for(order, cancel_qty=1)], NOW).changed_ids
    [withdrawal] = read_models.list_withdrawals(make_uow, CancelFilter(phase=None)).items
    wid = withdrawal.withdrawal.id
    assert wid is not None

    took = cases.take(make_uow, rid, KIM, NOW)

    assert took.alerts == ((RESULT, rid), (WITHDRAWAL, wid))
    updated = {(i.target, i.target_id) for i in outbox(store, OutboxKind.UPDATE_ALERT)}
    assert {(RESULT, rid), (WITHDRAWAL, wid)} <= updated


def test_claim_state_changes_reach_the_case_fields_untouched(make_uow: Any) -> None:
    """A sync updating the result never undoes a take or a snooze (own conditional
    writes, as with the confirmation)."""
    order = make_order(status=OrderStatus.SHIPPED)
    order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, claim_state=ClaimState.REQUESTED)
    [rid] = apply.apply_claims(make_uow, [claim], NOW).changed_ids
    cases.take(make_uow, rid, KIM, NOW)
    until = NOW + timedelta(hours=1)
    cases.snooze(make_uow, rid, KIM, until, NOW)

    apply.apply_claims(make_uow, [replace(claim, claim_state=ClaimState.COMPLETED)], NOW)

    after = result(make_uow, rid)
    assert after.claim_state is ClaimState.COMPLETED
    assert (after.taken_by, after.snoozed_until, after.snoozed_by) == (KIM, until, KIM)
