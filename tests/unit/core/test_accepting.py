"""Accepting a buyer's cancel request at the marketplace (issue 19), against the fakes:
once, after the precondition holds in the bot and at the marketplace; recorded with who,
when and how it ended; refused, with the reason, without any write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core import accepting, apply, order_book, read_models
from core.accepting import Refusal
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionOutcome, ActionState, ClaimAtMarketplace
from core.orders import OrderStatus
from core.outbox import OutboxKind
from core.results import TargetKind
from tests.factories import claim_for, make_order
from tests.fakes import FakeClaimActions, FakeStore, fake_uow_factory

NOW = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
CLOSED, GONE = Refusal.CLOSED_AT_MARKETPLACE, Refusal.SHIPPED_AT_MARKETPLACE


def a_request(store: FakeStore, *, status: OrderStatus = OrderStatus.INVOICED) -> int:
    make_uow = fake_uow_factory(store, accept_accounts=frozenset({"main"}))
    order = make_order(status=status, quantity=1)
    order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, claim_state=ClaimState.REQUESTED)
    [result_id] = apply.apply_claims(make_uow, [claim], NOW).changed_ids
    return result_id


def test_an_accept_writes_once_and_records_who_when_and_how() -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    marketplace = FakeClaimActions()

    outcome = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)

    assert outcome.refused is None and outcome.state is ActionState.DONE
    assert len(marketplace.reads) == 1 and len(marketplace.writes) == 1
    assert marketplace.closed == 1
    action = read_models.marketplace_actions(make_uow, [result_id])[result_id]
    assert (action.state, action.by, action.at, action.write_calls) == (
        ActionState.DONE,
        "U1",
        NOW,
        1,
    )
    [result] = read_models.order_details(
        make_uow, (action.account and store.results[result_id].management_no) or ""
    ).results
    history = [
        e.text for e in read_models.order_details(make_uow, result.management_no or "").history
    ]
    assert "판매처 취소승인 (<@U1>)" in history
    kinds = [r.item.kind for r in store.outbox.values() if r.item.target_id == result_id]
    assert OutboxKind.UPDATE_ALERT in kinds and OutboxKind.THREAD_NOTE in kinds


def test_a_second_click_a_second_person_and_a_second_replica_make_no_second_call() -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    marketplace = FakeClaimActions()
    accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)
    for who in ("U1", "U2", "U3"):
        again = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, who, NOW)
        assert again.refused is Refusal.TAKEN and again.state is ActionState.DONE
    assert len(marketplace.writes) == 1


def test_an_action_in_flight_is_not_started_again() -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    second: list[object] = []

    class Slow(FakeClaimActions):
        def accept_cancel(self, request):  # type: ignore[no-untyped-def]
            # Another person clicks while this write is on its way.
            second.append(accepting.accept_cancel(make_uow, lambda _: self, result_id, "U2", NOW))
            return super().accept_cancel(request)

    marketplace = Slow()
    accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)
    [other] = second
    assert isinstance(other, accepting.AcceptOutcome)
    assert other.refused is Refusal.TAKEN and other.state is ActionState.PENDING
    assert len(marketplace.writes) == 1


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("shipped", Refusal.SHIPPED),
        ("completed", Refusal.NOT_A_REQUEST),
        ("withdrawn", Refusal.NOT_A_REQUEST),
        ("return", Refusal.NOT_A_REQUEST),
    ],
)
def test_refused_in_the_bot_without_any_call(change: str, refusal: Refusal) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    order = make_order(status=OrderStatus.INVOICED, quantity=1)
    order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, claim_state=ClaimState.REQUESTED)
    if change == "return":
        claim = replace(claim, claim_type=ClaimType.RETURN, claim_state=ClaimState.COMPLETED)
    [result_id] = apply.apply_claims(make_uow, [claim], NOW).changed_ids
    later = NOW + timedelta(minutes=1)
    if change == "shipped":
        shipped = replace(order, status=OrderStatus.SHIPPED, shipped_at=later)
        order_book.import_orders(make_uow, [shipped], later)
    elif change in ("completed", "withdrawn"):
        state = ClaimState.COMPLETED if change == "completed" else ClaimState.WITHDRAWN
        apply.apply_claims(make_uow, [replace(claim, claim_state=state)], later)
    marketplace = FakeClaimActions()

    assert accepting.precheck(make_uow, {claim.account}, result_id) is refusal
    outcome = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", later)

    assert outcome.refused is refusal and outcome.action is None
    assert marketplace.reads == [] and marketplace.writes == []


def test_an_account_without_the_action_refuses_before_anything() -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    assert accepting.precheck(make_uow, {"some-other-account"}, result_id) is Refusal.NOT_ENABLED
    outcome = accepting.accept_cancel(make_uow, lambda _: None, result_id, "U", NOW)
    assert outcome.refused is Refusal.NOT_ENABLED


@pytest.mark.parametrize(
    ("seen", "refusal"),
    [
        (
            ClaimAtMarketplace(True, ClaimState.COMPLETED, False, "취소완료"),
            Refusal.CLOSED_AT_MARKETPLACE,
        ),
        (
            ClaimAtMarketplace(True, ClaimState.WITHDRAWN, False, "철회"),
            Refusal.CLOSED_AT_MARKETPLACE,
        ),
        (ClaimAtMarketplace(False, None, None, "없음"), Refusal.CLOSED_AT_MARKETPLACE),
        (
            ClaimAtMarketplace(True, ClaimState.REQUESTED, True, "배송중"),
            Refusal.SHIPPED_AT_MARKETPLACE,
        ),
    ],
)
def test_the_marketplace_is_read_just_before_and_a_closed_request_is_not_written(
    seen: ClaimAtMarketplace, refusal: Refusal
) -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    marketplace = FakeClaimActions(at_marketplace=seen)
    outcome = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)
    assert outcome.refused is refusal and outcome.detail == seen.detail
    assert marketplace.writes == []
    # Recorded as failed, so a person may try again once it applies.
    assert outcome.state is ActionState.FAILED
    marketplace.at_marketplace = ClaimAtMarketplace(True, ClaimState.REQUESTED, False, "요청")
    retry = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U2", NOW)
    assert retry.state is ActionState.DONE and len(marketplace.writes) == 1


@pytest.mark.parametrize("state", [ActionState.FAILED, ActionState.UNKNOWN])
def test_a_failed_or_unknown_write_is_recorded_with_the_marketplaces_words(
    state: ActionState,
) -> None:
    store = FakeStore()
    result_id = a_request(store)
    make_uow = fake_uow_factory(store)
    answer = ActionOutcome(state, "E500", "처리 중 오류", 500, 1)
    marketplace = FakeClaimActions(answer=answer)
    outcome = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)
    assert outcome.state is state and outcome.action is not None
    assert outcome.action.error == "E500 처리 중 오류"
    notes = [r.item for r in store.outbox.values() if r.item.kind is OutboxKind.THREAD_NOTE]
    assert notes[-1].payload["params"] == {"detail": "E500 처리 중 오류"}
    assert notes[-1].payload["text_key"] == f"accept_{state.value.lower()}"
    again = accepting.accept_cancel(make_uow, lambda _: marketplace, result_id, "U1", NOW)
    # A failed one may be tried again; an unknown one needs a person at the seller page.
    assert (again.refused is Refusal.TAKEN) is (state is ActionState.UNKNOWN)


def test_a_before_shipping_request_is_alerted_when_the_account_can_accept_it() -> None:
    store = FakeStore()
    result_id = a_request(store)  # account "main" accepts
    posts = {
        (r.item.target, r.item.target_id)
        for r in store.outbox.values()
        if r.item.kind is OutboxKind.POST_ALERT
    }
    assert (TargetKind.RESULT, result_id) in posts
    quiet = FakeStore()
    make_uow = fake_uow_factory(quiet)  # no account accepts: held, not alerted
    order = make_order(status=OrderStatus.INVOICED, quantity=1)
    order_book.import_orders(make_uow, [order], NOW)
    apply.apply_claims(make_uow, [claim_for(order, claim_state=ClaimState.REQUESTED)], NOW)
    assert not [r for r in quiet.outbox.values() if r.item.kind is OutboxKind.POST_ALERT]
