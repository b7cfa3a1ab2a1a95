"""Escalation (issue 18): what waits too long gets one thread reply mentioning the team's
user group, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core import apply, cases, confirmation, escalation, order_book
from core.orders import OrderStatus
from core.outbox import OutboxItem, OutboxKind
from core.results import TargetKind
from tests.factories import claim_for, make_order
from tests.fakes import FakeStore

T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
GROUP = "S0CSTEAM1"
AFTER = timedelta(minutes=120)


def notes(store: FakeStore) -> list[OutboxItem]:
    return [
        row.item
        for _, row in sorted(store.outbox.items())
        if row.item.kind is OutboxKind.THREAD_NOTE
        and row.item.payload["text_key"] == escalation.ESCALATED
    ]


def seed(make_uow: Any) -> dict[str, int]:
    """One of each: shipped (waits for a person), before shipping (auto-handled), and a
    partial cancel before shipping, which leaves an open withdrawal (goods on hold)."""
    shipped = make_order(status=OrderStatus.SHIPPED)
    held = make_order(status=OrderStatus.RECEIVED)
    partial = make_order(status=OrderStatus.INVOICED, quantity=3)
    order_book.import_orders(make_uow, [shipped, held, partial], T0)
    claims = [claim_for(shipped), claim_for(held), claim_for(partial, cancel_qty=1)]
    ids = apply.apply_claims(make_uow, claims, T0).changed_ids
    with make_uow() as uow:
        [withdrawal] = uow.withdrawals.for_orders([partial.management_no])
    assert withdrawal.id is not None
    return {"shipped": ids[0], "held": ids[1], "withdrawal": withdrawal.id}


def test_what_waited_too_long_is_escalated_once_with_the_group(
    make_uow: Any, store: FakeStore
) -> None:
    ids = seed(make_uow)

    early = escalation.escalate(make_uow, T0 + AFTER - timedelta(minutes=1), usergroup=GROUP)
    assert early == [] and notes(store) == []

    done = escalation.escalate(make_uow, T0 + AFTER + timedelta(seconds=1), usergroup=GROUP)

    assert sorted(done) == sorted(
        [(TargetKind.RESULT, ids["shipped"]), (TargetKind.WITHDRAWAL, ids["withdrawal"])]
    )
    said = notes(store)
    assert {(n.target, n.target_id) for n in said} == set(done)
    assert {n.dedupe_key for n in said} == {escalation.escalation_key(t, i) for t, i in done}
    assert all(n.payload["params"] == {"usergroup": GROUP, "minutes": 120} for n in said)

    # Never twice: later runs find nothing new.
    assert escalation.escalate(make_uow, T0 + timedelta(days=1), usergroup=GROUP) == []
    assert len(notes(store)) == 2


def test_confirmed_and_snoozed_results_are_not_escalated_and_a_woken_one_is(
    make_uow: Any, store: FakeStore
) -> None:
    ids = seed(make_uow)
    confirmation.confirm(make_uow, TargetKind.WITHDRAWAL, [ids["withdrawal"]], "U0KIM0001", T0)
    until = T0 + timedelta(hours=5)
    cases.snooze(make_uow, ids["shipped"], "U0KIM0001", until, T0)

    assert escalation.escalate(make_uow, T0 + timedelta(hours=3), usergroup=GROUP) == []

    cases.wake_snoozes(make_uow, until)
    done = escalation.escalate(make_uow, until, usergroup=GROUP)
    assert done == [(TargetKind.RESULT, ids["shipped"])]
