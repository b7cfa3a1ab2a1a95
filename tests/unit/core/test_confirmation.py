"""Confirm, unconfirm, confirm many, confirm all: recorded with who and when, audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings, stateful
from hypothesis import strategies as st

from core import apply, confirmation, order_book, read_models
from core.errors import NotFound
from core.orders import OrderStatus
from core.ports import UnitOfWork
from core.queries import CancelFilter
from core.results import ConfirmAction, TargetKind
from tests.factories import claim_for, make_order
from tests.fakes import FakeStore, fake_uow_factory

NOW = datetime(2026, 11, 25, tzinfo=UTC)
RESULT = TargetKind.RESULT


def _seed(make_uow: Any, n: int, status: OrderStatus = OrderStatus.SHIPPED) -> list[int]:
    orders = [make_order(status=status) for _ in range(n)]
    order_book.import_orders(make_uow, orders, NOW)
    return apply.apply_claims(make_uow, [claim_for(o) for o in orders], NOW).changed_ids


def test_confirm_records_who_and_when_and_a_second_confirm_changes_nothing(make_uow: Any) -> None:
    [rid] = _seed(make_uow, 1)
    [first] = confirmation.confirm(make_uow, RESULT, [rid], "kim", NOW)
    [second] = confirmation.confirm(make_uow, RESULT, [rid], "lee", NOW + timedelta(minutes=1))

    assert first.outcome is confirmation.Outcome.CONFIRMED
    assert second.outcome is confirmation.Outcome.ALREADY_CONFIRMED
    assert (second.by, second.at) == ("kim", NOW)
    log = confirmation.confirmation_log(make_uow, RESULT, rid)
    assert [(e.action, e.actor) for e in log] == [(ConfirmAction.CONFIRM, "kim")]


def test_unconfirm_is_an_audit_event_not_a_deletion(make_uow: Any) -> None:
    [rid] = _seed(make_uow, 1)
    confirmation.confirm(make_uow, RESULT, [rid], "kim", NOW)
    [undo] = confirmation.unconfirm(make_uow, RESULT, [rid], "lee", NOW)
    [again] = confirmation.unconfirm(make_uow, RESULT, [rid], "lee", NOW)

    assert undo.outcome is confirmation.Outcome.UNCONFIRMED
    assert again.outcome is confirmation.Outcome.NOT_CONFIRMED
    log = confirmation.confirmation_log(make_uow, RESULT, rid)
    assert [(e.action, e.actor) for e in log] == [
        (ConfirmAction.CONFIRM, "kim"),
        (ConfirmAction.UNCONFIRM, "lee"),
    ]
    [result] = read_models.list_results(make_uow, CancelFilter()).items
    assert result.id == rid and not result.confirmed


def test_unknown_id_changes_nothing(make_uow: Any) -> None:
    [rid] = _seed(make_uow, 1)
    with pytest.raises(NotFound, match="999"):
        confirmation.confirm(make_uow, RESULT, [rid, 999], "kim", NOW)
    assert read_models.list_results(make_uow, CancelFilter()).total == 1


def test_confirm_all_confirms_only_what_was_counted(make_uow: Any) -> None:
    ids = _seed(make_uow, 3)
    counted = read_models.list_results(make_uow, CancelFilter())
    confirmation.confirm(make_uow, RESULT, [ids[0]], "lee", NOW)  # somebody else, meanwhile
    late = _seed(make_uow, 2)  # arrived after the count

    outcome = confirmation.confirm_all_matching(
        make_uow, CancelFilter(), "kim", NOW, snapshot_id=counted.snapshot_id, counted=counted.total
    )

    assert outcome.confirmed_ids == sorted(ids[1:])
    assert outcome.confirmed_elsewhere == 1
    left = read_models.list_results(make_uow, CancelFilter())
    assert sorted(r.id for r in left.items) == sorted(late)


def test_withdrawals_are_confirmable(make_uow: Any) -> None:
    order = make_order(status=OrderStatus.RECEIVED, quantity=2)
    order_book.import_orders(make_uow, [order], NOW)
    apply.apply_claims(make_uow, [claim_for(order, cancel_qty=1)], NOW)
    [w] = [v.withdrawal for v in read_models.list_withdrawals(make_uow, CancelFilter()).items]
    assert w.id is not None

    [out] = confirmation.confirm(make_uow, TargetKind.WITHDRAWAL, [w.id], "kim", NOW)

    assert out.outcome is confirmation.Outcome.CONFIRMED
    assert read_models.list_withdrawals(make_uow, CancelFilter()).total == 0
    assert read_models.list_withdrawals(make_uow, CancelFilter(confirmed=True)).total == 1


class ConfirmationMachine(stateful.RuleBasedStateMachine):
    """Any sequence of confirm / unconfirm / confirm-all: the audit log is exactly the
    sequence of changes, and each result's state is what its log says."""

    def __init__(self) -> None:
        super().__init__()
        self.make_uow = self.storage()
        self.ids = _seed(self.make_uow, 4)
        self.expected_log: dict[int, list[tuple[ConfirmAction, str]]] = {i: [] for i in self.ids}
        self.state: dict[int, str | None] = dict.fromkeys(self.ids)
        self.clock = NOW

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    @stateful.rule(
        pick=st.lists(st.integers(0, 3), min_size=1, max_size=4),
        actor=st.sampled_from(["kim", "lee"]),
    )
    def confirm(self, pick: list[int], actor: str) -> None:
        ids = [self.ids[i] for i in pick]
        confirmation.confirm(self.make_uow, RESULT, ids, actor, self._tick())
        for i in dict.fromkeys(ids):
            if self.state[i] is None:
                self.state[i] = actor
                self.expected_log[i].append((ConfirmAction.CONFIRM, actor))

    @stateful.rule(
        pick=st.lists(st.integers(0, 3), min_size=1, max_size=4),
        actor=st.sampled_from(["kim", "lee"]),
    )
    def unconfirm(self, pick: list[int], actor: str) -> None:
        ids = [self.ids[i] for i in pick]
        confirmation.unconfirm(self.make_uow, RESULT, ids, actor, self._tick())
        for i in dict.fromkeys(ids):
            if self.state[i] is not None:
                self.state[i] = None
                self.expected_log[i].append((ConfirmAction.UNCONFIRM, actor))

    @stateful.rule(actor=st.sampled_from(["kim", "lee"]))
    def confirm_all(self, actor: str) -> None:
        page = read_models.list_results(self.make_uow, CancelFilter())
        confirmation.confirm_all_matching(
            self.make_uow, CancelFilter(), actor, self._tick(), snapshot_id=page.snapshot_id
        )
        for i, holder in self.state.items():
            if holder is None:
                self.state[i] = actor
                self.expected_log[i].append((ConfirmAction.CONFIRM, actor))

    @stateful.invariant()
    def log_is_the_sequence_and_state_follows_it(self) -> None:
        results = {
            r.id: r
            for r in read_models.list_results(
                self.make_uow, CancelFilter(phase=None, confirmed=None)
            ).items
        }
        for i in self.ids:
            log = confirmation.confirmation_log(self.make_uow, RESULT, i)
            assert [(e.action, e.actor) for e in log] == self.expected_log[i]
            last = log[-1] if log else None
            from_log = last.actor if last and last.action is ConfirmAction.CONFIRM else None
            assert results[i].confirmed_by == from_log == self.state[i]

    def storage(self) -> Callable[[], UnitOfWork]:
        """A fresh, empty store; the integration tier runs the same machine on SQLite."""
        return fake_uow_factory(FakeStore())


ConfirmationMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=12, deadline=None
)
test_confirmation_state_machine = ConfirmationMachine.TestCase
