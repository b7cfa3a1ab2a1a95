"""Cases, snoozes and escalations (issue 18) on SQLite and PostgreSQL: the SQL repositories
keep the promises the fakes make, and two people (or replicas) at the same moment change a
case once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core import apply, cases, confirmation, dashboard, escalation, order_book, read_models
from core.orders import OrderStatus
from core.outbox import OutboxKind
from core.queries import CancelFilter, parse_filter
from core.results import ConfirmAction, TargetKind
from tests.factories import claim_for, make_order
from tests.integration.db.test_concurrency import _at_once, _uow_factories

NOW = datetime(2026, 11, 25, 5, 3, tzinfo=UTC)
KIM, LEE = "U0KIM0001", "U0LEE0002"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    if not database_url.startswith("sqlite"):
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    return database_url


@pytest.fixture
def make_uow(url: str) -> Callable[[], Any]:
    [factory] = _uow_factories(url, 1)
    return factory


def shipped_results(make_uow: Callable[[], Any], n: int) -> list[int]:
    orders = [make_order(status=OrderStatus.SHIPPED) for _ in range(n)]
    order_book.import_orders(make_uow, orders, NOW)
    return apply.apply_claims(make_uow, [claim_for(o) for o in orders], NOW).changed_ids


def test_take_refuse_take_over_and_release_on_sql(make_uow: Callable[[], Any]) -> None:
    [rid] = shipped_results(make_uow, 1)

    assert cases.take(make_uow, rid, KIM, NOW).outcome is cases.Taken.TOOK
    refused = cases.take(make_uow, rid, LEE, NOW)
    assert (refused.outcome, refused.holder, refused.since) == (
        cases.Taken.HELD_BY_OTHER,
        KIM,
        NOW,
    )
    over = cases.take_over(make_uow, rid, LEE, NOW + timedelta(minutes=1))
    assert (over.outcome, over.previous) == (cases.Taken.TOOK_OVER, KIM)
    assert (
        cases.take(make_uow, rid, LEE, NOW + timedelta(minutes=2)).outcome is cases.Taken.RELEASED
    )

    log = cases.case_log(make_uow, [rid]).events
    assert [(e.action, e.actor) for e in log] == [
        (ConfirmAction.TAKE, KIM),
        (ConfirmAction.TAKE_OVER, LEE),
        (ConfirmAction.RELEASE, LEE),
    ]
    [result] = read_models.list_results(make_uow, CancelFilter()).items
    assert (result.taken_by, result.taken_at) == (None, None)


def test_a_sync_leaves_the_case_alone_on_sql(make_uow: Callable[[], Any]) -> None:
    order = make_order(status=OrderStatus.SHIPPED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    claim = claim_for(order, cancel_qty=1)
    [rid] = apply.apply_claims(make_uow, [claim], NOW).changed_ids
    cases.take(make_uow, rid, KIM, NOW)

    apply.apply_claims(make_uow, [claim_for(order, claim_id=claim.claim_id, cancel_qty=2)], NOW)

    [result] = read_models.list_results(make_uow, CancelFilter()).items
    assert (result.cancel_qty, result.taken_by, result.taken_at) == (2, KIM, NOW)


def test_snoozes_leave_every_list_and_come_back_once_on_sql(make_uow: Callable[[], Any]) -> None:
    first, second = shipped_results(make_uow, 2)
    later = NOW + timedelta(days=2)
    until = later + timedelta(hours=1)
    cases.snooze(make_uow, first, KIM, until, later)

    assert [r.id for r in read_models.list_results(make_uow, CancelFilter()).items] == [second]
    assert [r.id for r in read_models.list_results(make_uow, parse_filter("미룸")).items] == [first]
    assert read_models.list_results(make_uow, parse_filter("전체")).total == 2
    assert [r.id for r in dashboard.digest(make_uow, later).results] == [second]
    assert dashboard.attention(make_uow).after_shipping == 1
    own = cases.personal(make_uow, KIM)
    assert [r.id for r in own.snoozed] == [first] and own.snoozed[0].snoozed_until == until

    assert cases.wake_snoozes(make_uow, until - timedelta(seconds=1)) == []
    assert cases.wake_snoozes(make_uow, until) == [first]
    assert cases.wake_snoozes(make_uow, until) == []
    assert read_models.list_results(make_uow, CancelFilter()).total == 2
    with make_uow() as uow:
        assert uow.outbox.pending_targets(OutboxKind.THREAD_NOTE, 10) == [
            (TargetKind.RESULT, first)
        ]


def test_notes_and_personal_lists_on_sql(make_uow: Callable[[], Any]) -> None:
    taken, confirmed = shipped_results(make_uow, 2)
    [loose] = apply.apply_claims(make_uow, [claim_for()], NOW).changed_ids  # no order
    for rid in (taken, confirmed, loose):
        cases.take(make_uow, rid, KIM, NOW)
    confirmation.confirm(make_uow, TargetKind.RESULT, [confirmed], LEE, NOW)
    cases.add_note(make_uow, loose, KIM, "OMS에서 찾는 중", NOW)

    own = cases.personal(make_uow, KIM)
    assert sorted(r.id or 0 for r in own.taken) == sorted([taken, loose])
    [note] = cases.case_log(make_uow, [loose]).notes
    assert (note.text, note.actor) == ("OMS에서 찾는 중", KIM)


def test_escalation_finds_what_waits_once_on_sql(make_uow: Callable[[], Any]) -> None:
    shipped, snoozed = shipped_results(make_uow, 2)
    partial = make_order(status=OrderStatus.INVOICED, quantity=3)
    order_book.import_orders(make_uow, [partial], NOW)
    apply.apply_claims(make_uow, [claim_for(partial, cancel_qty=1)], NOW)
    cases.snooze(make_uow, snoozed, KIM, NOW + timedelta(days=1), NOW)
    with make_uow() as uow:
        [withdrawal] = uow.withdrawals.for_orders([partial.management_no])

    at = NOW + timedelta(hours=3)
    done = escalation.escalate(make_uow, at, usergroup="S0TEAM")

    assert sorted(done) == sorted(
        [(TargetKind.RESULT, shipped), (TargetKind.WITHDRAWAL, withdrawal.id)]
    )
    assert escalation.escalate(make_uow, at, usergroup="S0TEAM") == []


def test_two_people_taking_one_case_at_once_change_it_once(url: str) -> None:
    a, b = _uow_factories(url, 2)
    ids = shipped_results(a, 5)
    for rid in ids:
        outcomes = _at_once(
            [
                lambda rid=rid: cases.take(a, rid, KIM, NOW),
                lambda rid=rid: cases.take(b, rid, LEE, NOW),
            ]
        )
        kinds = sorted(o.outcome.value for o in outcomes)
        assert kinds == sorted([cases.Taken.TOOK.value, cases.Taken.HELD_BY_OTHER.value])
        winner = next(o.holder for o in outcomes if o.outcome is cases.Taken.TOOK)
        loser = next(o for o in outcomes if o.outcome is cases.Taken.HELD_BY_OTHER)
        assert loser.holder == winner
        log = cases.case_log(a, [rid]).events
        assert [(e.action, e.actor) for e in log] == [(ConfirmAction.TAKE, winner)]
