"""Random lives of one order (Hypothesis): claims appear, change quantity, complete and are
withdrawn; the order arrives late, moves on or is forced back; people release what a
withdrawal asks. After every step the order is what SPEC rules 3, 11 and 14 say."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import settings, stateful
from hypothesis import strategies as st

from core import apply, confirmation, order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.errors import InvalidInput
from core.orders import Order, OrderStatus, Phase
from core.results import TargetKind, WithdrawalState
from tests.fakes import FakeStore, fake_uow_factory

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
NO = "M-1"
STATUSES = [OrderStatus.RECEIVED, OrderStatus.INVOICED, OrderStatus.SHIPPED]


class OrderLife(stateful.RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = FakeStore()
        self.make_uow = fake_uow_factory(self.store)
        self.now = T0
        self.order: Order | None = None
        self.claims: dict[str, Claim] = {}

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now

    # --- the order book -----------------------------------------------------------------

    @stateful.precondition(lambda self: self.order is None)
    @stateful.rule(status=st.sampled_from(STATUSES), quantity=st.integers(1, 4))
    def order_arrives(self, status: OrderStatus, quantity: int) -> None:
        self.order = Order(
            management_no=NO,
            marketplace="coupang",
            marketplace_order_id="O-1",
            marketplace_item_id="I-1",
            product_name="텀블러",
            option="",
            quantity=quantity,
            status=status,
            shipped_at=T0 if status is OrderStatus.SHIPPED else None,
        )
        order_book.import_orders(self.make_uow, [self.order], self.tick())

    @stateful.precondition(lambda self: self.order is not None)
    @stateful.rule(status=st.sampled_from(STATUSES), force=st.booleans())
    def order_moves(self, status: OrderStatus, force: bool) -> None:
        assert self.order is not None
        moved = replace(
            self.order, status=status, shipped_at=T0 if status is OrderStatus.SHIPPED else None
        )
        try:
            order_book.import_orders(
                self.make_uow, [moved], self.tick(), forced=[NO] if force else []
            )
        except InvalidInput:
            assert status.rank < self.order.status.rank and not force
            return
        self.order = moved

    # --- the marketplace ------------------------------------------------------------------

    @stateful.rule(
        qty=st.integers(1, 4), requested=st.booleans(), kind=st.sampled_from(list(ClaimType))
    )
    def a_claim_appears(self, qty: int, requested: bool, kind: ClaimType) -> None:
        claim_id = f"C{len(self.claims) + 1}"
        cancel_request = requested and kind is ClaimType.CANCEL
        state = ClaimState.REQUESTED if cancel_request else ClaimState.COMPLETED
        claim = Claim(
            marketplace="coupang",
            account="main",
            claim_id=claim_id,
            claim_type=kind,
            claim_state=state,
            marketplace_order_id="O-1",
            marketplace_item_id="I-1",
            cancel_qty=qty,
            claimed_at=self.now,
        )
        self.claims[claim_id] = claim
        apply.apply_claims(self.make_uow, [claim], self.tick())

    @stateful.precondition(lambda self: bool(self.claims))
    @stateful.rule(data=st.data(), qty=st.integers(1, 4))
    def a_claim_changes_quantity(self, data: st.DataObject, qty: int) -> None:
        self._report(data, lambda c: replace(c, cancel_qty=qty))

    @stateful.precondition(lambda self: bool(self.claims))
    @stateful.rule(data=st.data())
    def a_claim_completes(self, data: st.DataObject) -> None:
        self._report(data, lambda c: replace(c, claim_state=ClaimState.COMPLETED))

    @stateful.precondition(lambda self: bool(self.claims))
    @stateful.rule(data=st.data())
    def a_cancel_is_withdrawn(self, data: st.DataObject) -> None:
        self._report(data, lambda c: replace(c, claim_state=ClaimState.WITHDRAWN))

    def _report(self, data: st.DataObject, change: object) -> None:
        claim_id = data.draw(st.sampled_from(sorted(self.claims)))
        claim = change(self.claims[claim_id])  # type: ignore[operator]
        self.claims[claim_id] = claim
        apply.apply_claims(self.make_uow, [claim], self.tick())

    # --- people ---------------------------------------------------------------------------

    @stateful.rule()
    def someone_releases_the_open_withdrawal(self) -> None:
        ids = [w.id or 0 for w in self._withdrawals() if w.state is WithdrawalState.OPEN]
        confirmation.confirm(self.make_uow, TargetKind.WITHDRAWAL, ids, "lee", self.tick())

    @stateful.rule(data=st.data())
    def someone_takes_a_release_back(self, data: st.DataObject) -> None:
        done = [w.id or 0 for w in self._withdrawals() if w.state is WithdrawalState.CONFIRMED]
        if done:
            pick = data.draw(st.sampled_from(done))
            confirmation.unconfirm(self.make_uow, TargetKind.WITHDRAWAL, [pick], "lee", self.tick())

    def _withdrawals(self) -> list:  # type: ignore[type-arg]
        with self.make_uow() as uow:
            return uow.withdrawals.for_order(NO)

    # --- what must be true --------------------------------------------------------------

    @stateful.invariant()
    def the_order_is_what_the_rules_say(self) -> None:
        with self.make_uow() as uow:
            stored = uow.orders.get(NO)
            results = uow.results.for_order(NO)
            withdrawals = uow.withdrawals.for_order(NO)
            unmatched = [r for r in self.store.results.values() if r.unmatched]
        opens = [w for w in withdrawals if w.state is WithdrawalState.OPEN]
        assert len(opens) <= 1, "at most one open withdrawal"
        if stored is None:
            # No order: every result waits, unmatched, holding nothing.
            assert not results and not withdrawals
            assert len(unmatched) == len(self.store.results)
            return
        assert not unmatched, "an order that arrived matched every claim naming it"
        live = [r for r in results if r.claim_state is not ClaimState.WITHDRAWN]
        cancelled = sum(r.cancel_qty or stored.quantity for r in live)
        before = stored.status is not OrderStatus.SHIPPED
        for r in live:  # rule 14: results follow the order's current status
            assert r.order_status is stored.status
            assert r.phase is (Phase.BEFORE_SHIPPING if before else Phase.AFTER_SHIPPING)
        assert stored.on_hold is stored.cancelled
        if not before:
            # The goods are gone: nothing held, nothing to release.
            assert not stored.on_hold and not opens
            return
        if cancelled:
            assert stored.on_hold, "rule 3: a live claim before shipping holds the order"
        else:
            assert stored.on_hold is bool(opens), "held while something is left to release"
        if stored.on_hold:
            assert stored.held_at is not None
            released = sum(
                w.restore_qty
                for w in withdrawals
                if w.state is WithdrawalState.CONFIRMED and w.created_at >= stored.held_at
            )
            expected = max(stored.quantity - cancelled - released, 0)
            assert (opens[0].restore_qty if opens else 0) == expected, "rule 11's number"
        else:
            assert not opens

    @stateful.invariant()
    def the_default_views_agree_with_the_store(self) -> None:
        from core.queries import CancelFilter

        page = read_models.list_withdrawals(self.make_uow, CancelFilter(phase=None))
        opens = [w for w in self.store.withdrawals.values() if w.state is WithdrawalState.OPEN]
        assert page.total == len(opens)


OrderLife.TestCase.settings = settings(stateful_step_count=25, deadline=None)
test_an_order_stays_true_to_the_rules_through_any_life = OrderLife.TestCase
