"""An order's life (SPEC rules 11–15), table-driven: each case is a sequence of what the
marketplace and the order book report, applied through the real use cases; then what
must be true of the order, its results and its withdrawals; then every step applied again
changes nothing at all."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core import apply, confirmation, order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus, Phase
from core.outbox import OutboxKind
from core.results import Category, TargetKind, WithdrawalReason, WithdrawalState
from tests.fakes import FakeStore, FakeUnitOfWork, fake_uow_factory

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
NO = "M-1"
OPEN, CONFIRMED, SUPERSEDED = (
    WithdrawalState.OPEN,
    WithdrawalState.CONFIRMED,
    WithdrawalState.SUPERSEDED,
)


def an_order(status: OrderStatus = OrderStatus.RECEIVED, quantity: int = 3) -> Order:
    return Order(
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


def a_claim(claim_id: str, qty: int | None, state: ClaimState = ClaimState.COMPLETED) -> Claim:
    return Claim(
        marketplace="coupang",
        account="main",
        claim_id=claim_id,
        claim_type=ClaimType.CANCEL,
        claim_state=state,
        marketplace_order_id="O-1",
        marketplace_item_id="I-1",
        cancel_qty=qty,
        claimed_at=T0,
        ordered_qty=3,
    )


# --- steps: what the world reports, one use case each ----------------------------------

Step = Callable[[Callable[[], FakeUnitOfWork], datetime], Any]


def order(
    status: OrderStatus = OrderStatus.RECEIVED, quantity: int = 3, force: bool = False
) -> Step:
    def step(make_uow: Callable[[], FakeUnitOfWork], now: datetime) -> Any:
        forced = [NO] if force else []
        return order_book.import_orders(make_uow, [an_order(status, quantity)], now, forced=forced)

    return step


def claims(*batch: Claim) -> Step:
    def step(make_uow: Callable[[], FakeUnitOfWork], now: datetime) -> Any:
        return apply.apply_claims(make_uow, list(batch), now)

    return step


def confirm_results(by: str = "kim") -> Step:
    def step(make_uow: Callable[[], FakeUnitOfWork], now: datetime) -> Any:
        with make_uow() as uow:
            ids = [r.id for r in uow.results.for_order(NO) if r.id is not None]
        return confirmation.confirm(make_uow, TargetKind.RESULT, ids, by, now)

    return step


def confirm_open_withdrawal(by: str = "lee") -> Step:
    def step(make_uow: Callable[[], FakeUnitOfWork], now: datetime) -> Any:
        with make_uow() as uow:
            ids = [w.id for w in uow.withdrawals.for_order(NO) if w.state is OPEN]
        return confirmation.confirm(make_uow, TargetKind.WITHDRAWAL, ids, by, now)  # type: ignore[arg-type]

    return step


@dataclass(frozen=True)
class Case:
    name: str
    steps: list[Step]
    held: bool
    to_release: int | None  # the open withdrawal's quantity; None: none open
    states: list[WithdrawalState] = field(default_factory=list)  # every withdrawal, by id
    category: Category | None = None  # of every live result
    confirmed: bool | None = None  # of every result
    history: list[str] = field(default_factory=list)  # lines that must be there
    reason: WithdrawalReason | None = None  # of the open withdrawal


CASES = [
    Case(
        "two partial cancels, one after the other",
        [order(), claims(a_claim("A", 1)), claims(a_claim("B", 1))],
        held=True,
        to_release=1,
        states=[OPEN],
        reason=WithdrawalReason.PARTIAL,
        history=["수량 변경: 2 → 1"],
    ),
    Case(
        "three partial cancels in one batch cancel everything",
        [order(), claims(a_claim("A", 1), a_claim("B", 1), a_claim("C", 1))],
        held=True,
        to_release=None,
        states=[],
    ),
    Case(
        "a claim that grows from 1/3 to 3/3",
        [order(), claims(a_claim("A", 1)), claims(a_claim("A", 3))],
        held=True,
        to_release=None,
        states=[SUPERSEDED],
    ),
    Case(
        "a claim that shrinks from 3/3 to 1/3",
        [order(), claims(a_claim("A", 3)), claims(a_claim("A", 1))],
        held=True,
        to_release=2,
        states=[OPEN],
    ),
    Case(
        "a cancel withdrawn after another cancel on the same order",
        [
            order(),
            claims(a_claim("A", 1)),
            claims(a_claim("B", 1, ClaimState.REQUESTED)),
            claims(a_claim("B", 1, ClaimState.WITHDRAWN)),
        ],
        held=True,
        to_release=2,
        states=[OPEN],
        reason=WithdrawalReason.WITHDRAWN,
        history=["Client 취소철회"],
    ),
    Case(
        "every cancel withdrawn: release it all",
        [
            order(),
            claims(a_claim("A", 3, ClaimState.REQUESTED)),
            claims(a_claim("A", 3, ClaimState.WITHDRAWN)),
        ],
        held=True,
        to_release=3,
        states=[OPEN],
        reason=WithdrawalReason.WITHDRAWN,
    ),
    Case(
        "everything released: the hold is over",
        [
            order(),
            claims(a_claim("A", 3, ClaimState.REQUESTED)),
            claims(a_claim("A", 3, ClaimState.WITHDRAWN)),
            confirm_open_withdrawal(),
        ],
        held=False,
        to_release=None,
        states=[CONFIRMED],
    ),
    Case(
        "a new cancel after everything was released holds the whole order again",
        [
            order(),
            claims(a_claim("A", 3, ClaimState.REQUESTED)),
            claims(a_claim("A", 3, ClaimState.WITHDRAWN)),
            confirm_open_withdrawal(),
            claims(a_claim("B", 1)),
        ],
        held=True,
        to_release=2,
        states=[CONFIRMED, OPEN],
    ),
    Case(
        "a partial release, then the cancel is withdrawn: release what is still held",
        [
            order(),
            claims(a_claim("A", 1, ClaimState.REQUESTED)),
            confirm_open_withdrawal(),
            claims(a_claim("A", 1, ClaimState.WITHDRAWN)),
        ],
        held=True,
        to_release=1,
        states=[CONFIRMED, OPEN],
    ),
    Case(
        "a partial release, then another cancel: the whole order is held again",
        [
            order(),
            claims(a_claim("A", 1)),
            confirm_open_withdrawal(),
            claims(a_claim("B", 1)),
        ],
        held=True,
        to_release=1,
        states=[CONFIRMED, OPEN],
    ),
    Case(
        "a claim before its order: matched, held and written up when the order arrives",
        [claims(a_claim("A", 1)), order()],
        held=True,
        to_release=2,
        states=[OPEN],
        category=Category.RECEIVED_CANCEL,
        history=["Client 자동취소(배송전)"],
    ),
    Case(
        "a claim before an order that already shipped: matched and alerted",
        [claims(a_claim("A", 1)), order(OrderStatus.SHIPPED)],
        held=False,
        to_release=None,
        category=Category.SHIPPED_CANCEL,
        history=["Client 자동취소(배송후)"],
    ),
    Case(
        "received, then invoiced: the category follows",
        [order(), claims(a_claim("A", 3)), order(OrderStatus.INVOICED)],
        held=True,
        to_release=None,
        category=Category.INVOICED_CANCEL,
        history=["주문상태 변경: 접수 → 송장", "재분류: 접수-취소 → 송장-취소"],
    ),
    Case(
        "received, invoiced, then shipped with a confirmed result: alerted again",
        [
            order(),
            claims(a_claim("A", 1)),
            confirm_results(),
            order(OrderStatus.INVOICED),
            order(OrderStatus.SHIPPED),
        ],
        held=False,
        to_release=None,
        states=[SUPERSEDED],
        category=Category.SHIPPED_CANCEL,
        confirmed=False,
        history=["확인 해제: 보류 중이던 주문이 배송됨", "주문상태 변경: 송장 → 배송"],
    ),
    Case(
        "shipped, then moved back to received with force: held again",
        [
            order(OrderStatus.SHIPPED),
            claims(a_claim("A", 1)),
            order(OrderStatus.RECEIVED, force=True),
        ],
        held=True,
        to_release=2,
        states=[OPEN],
        category=Category.RECEIVED_CANCEL,
        history=["주문상태 변경 (강제): 배송 → 접수"],
    ),
    Case(
        "the order's quantity corrected from 3 to 2",
        [order(), claims(a_claim("A", 1)), order(quantity=2)],
        held=True,
        to_release=1,
        states=[OPEN],
    ),
]


def run(steps: list[Step]) -> tuple[FakeStore, Callable[[], FakeUnitOfWork]]:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    for n, step in enumerate(steps):
        step(make_uow, T0 + timedelta(minutes=n))
    return store, make_uow


def snapshot(store: FakeStore) -> dict[str, Any]:
    """Everything a change would show in: every stored row, with its value."""
    return copy.deepcopy(
        {
            "orders": store.orders,
            "results": store.results,
            "withdrawals": store.withdrawals,
            "history": store.history,
            "audit": store.audit,
            "outbox": sorted(row.item.dedupe_key for row in store.outbox.values()),
        }
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_order_ends_as_the_rules_say(case: Case) -> None:
    _, make_uow = run(case.steps)

    details = read_models.order_details(make_uow, NO)
    assert details.order is not None
    assert details.order.on_hold is case.held and details.order.cancelled is case.held
    opens = [w for w in details.withdrawals if w.state is OPEN]
    assert len(opens) <= 1
    assert (opens[0].restore_qty if opens else None) == case.to_release
    assert [w.state for w in details.withdrawals] == case.states
    if case.reason is not None:
        assert opens[0].reason is case.reason
    live = [r for r in details.results if r.claim_state is not ClaimState.WITHDRAWN]
    assert all(not r.unmatched and r.management_no == NO for r in details.results)
    if case.category is not None:
        assert {r.category for r in live} == {case.category}
        after = case.category in (Category.SHIPPED_CANCEL, Category.SHIPPED_RETURN)
        assert {r.phase for r in live} == {Phase.AFTER_SHIPPING if after else Phase.BEFORE_SHIPPING}
    if case.confirmed is not None:
        assert {r.confirmed for r in details.results} == {case.confirmed}
    texts = [e.text for e in details.history]
    for line in case.history:
        assert any(line in text for text in texts), (line, texts)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_step_applied_twice_changes_nothing_the_second_time(case: Case) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store, oms_events=True)
    for n, step in enumerate(case.steps):
        step(make_uow, T0 + timedelta(minutes=n))
        before = snapshot(store)
        step(make_uow, T0 + timedelta(minutes=n, seconds=30))
        assert snapshot(store) == before, f"step {n + 1} changed something the second time"


def test_a_held_order_that_ships_voids_the_confirmation_with_an_audit_event() -> None:
    store, make_uow = run(
        [order(OrderStatus.INVOICED), claims(a_claim("A", 1)), confirm_results("kim")]
    )
    [result] = read_models.order_details(make_uow, NO).results
    assert result.confirmed_by == "kim"
    order(OrderStatus.SHIPPED)(make_uow, T0 + timedelta(hours=1))

    log = confirmation.confirmation_log(make_uow, TargetKind.RESULT, result.id or 0)
    assert [(e.action.value, e.actor, e.reason) for e in log] == [
        ("CONFIRM", "kim", None),
        ("UNCONFIRM", "cancelbot", "shipped_while_held"),
    ]
    posts = [i for i in store.outbox.values() if i.item.kind is OutboxKind.POST_ALERT]
    assert (TargetKind.RESULT, result.id) in {(p.item.target, p.item.target_id) for p in posts}
    assert read_models.list_results(make_uow, read_models_default()).total == 1


def read_models_default() -> Any:
    from core.queries import CancelFilter

    return CancelFilter()


def test_a_superseded_withdrawal_cannot_be_confirmed() -> None:
    _, make_uow = run([order(), claims(a_claim("A", 1)), claims(a_claim("A", 3))])
    [w] = read_models.order_details(make_uow, NO).withdrawals
    [outcome] = confirmation.confirm(make_uow, TargetKind.WITHDRAWAL, [w.id or 0], "kim", T0)
    assert outcome.outcome is confirmation.Outcome.SUPERSEDED
    [after] = read_models.order_details(make_uow, NO).withdrawals
    assert after.state is SUPERSEDED and after.confirmed_by is None


def test_order_system_events_say_each_change_once() -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store, oms_events=True)
    steps = [
        order(),
        claims(a_claim("A", 1)),
        claims(a_claim("B", 1)),
        order(OrderStatus.SHIPPED),
    ]
    for n, step in enumerate(steps):
        step(make_uow, T0 + timedelta(minutes=n))
    events = [
        row.item.payload["event"]
        for _, row in sorted(store.outbox.items())
        if row.item.kind is OutboxKind.WEBHOOK
    ]
    assert events == [
        "order.cancelled_and_held",
        "withdrawal.recorded",
        "order.cancelled_and_held",  # more units cancelled: the whole order held again
        "withdrawal.updated",
        "order.status_changed",
        "order.hold_released",
        "withdrawal.superseded",
    ]


def test_a_new_cancel_on_an_order_whose_cancel_was_withdrawn_holds_it_again() -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store, oms_events=True)
    steps = [
        order(),
        claims(a_claim("A", 3, ClaimState.REQUESTED)),
        claims(a_claim("A", 3, ClaimState.WITHDRAWN)),
        confirm_open_withdrawal(),
        claims(a_claim("B", 1)),
    ]
    for n, step in enumerate(steps):
        step(make_uow, T0 + timedelta(minutes=n))
    held = [
        row
        for row in store.outbox.values()
        if row.item.kind is OutboxKind.WEBHOOK
        and row.item.payload["event"] == "order.cancelled_and_held"
    ]
    assert len(held) == 2


def test_unmatched_results_never_guess_between_two_lines() -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    apply.apply_claims(make_uow, [replace(a_claim("A", 1), marketplace_item_id="")], T0)
    two = [
        replace(an_order(), management_no="M-1", marketplace_item_id="I-1"),
        replace(an_order(), management_no="M-2", marketplace_item_id="I-2"),
    ]
    outcome = order_book.import_orders(make_uow, two, T0)
    assert outcome.matched == []
    [result] = store.results.values()
    assert result.unmatched and result.management_no is None


@pytest.mark.parametrize("oms_events", [True, False])
def test_a_status_change_is_in_the_history_and_to_the_order_system_if_one_listens(
    oms_events: bool,
) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store, oms_events=oms_events)
    steps = [order(), order(OrderStatus.SHIPPED), order(OrderStatus.RECEIVED, force=True)]
    for n, step in enumerate(steps):
        step(make_uow, T0 + timedelta(minutes=n))
    history = [e.text for e in read_models.order_details(make_uow, NO).history]
    assert history == ["주문상태 변경: 접수 → 배송", "주문상태 변경 (강제): 배송 → 접수"]
    changes = [
        (p["old_status"], p["new_status"], p["forced"])
        for _, row in sorted(store.outbox.items())
        if row.item.kind is OutboxKind.WEBHOOK
        and (p := row.item.payload)["event"] == "order.status_changed"
    ]
    expected = [("RECEIVED", "SHIPPED", False), ("SHIPPED", "RECEIVED", True)]
    assert changes == (expected if oms_events else [])
