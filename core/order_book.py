"""The order book: imports (CSV, the orders API, the inbox folder) and what a status
change means for results already applied (issue: keep the order book current)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core import rules
from core.claims import ClaimState, ClaimType
from core.errors import InvalidInput
from core.oms_events import OmsEvent, oms_event
from core.orders import Order, OrderStatus, Phase
from core.outbox import update_alert
from core.ports import UnitOfWork
from core.results import CancelResult, CsHistoryEntry, TargetKind
from core.transactions import in_transaction


class StatusRegression(InvalidInput):
    """Orders whose status would move backwards (배송 → 접수) without `force`."""

    def __init__(self, moves: list[tuple[str, OrderStatus, OrderStatus]]) -> None:
        self.moves = moves
        shown = ", ".join(f"{no} {old.value}→{new.value}" for no, old, new in moves[:10])
        more = f" and {len(moves) - 10} more" if len(moves) > 10 else ""
        super().__init__(
            f"status would move backwards for {shown}{more}; send force=true on those rows "
            "if that is really what happened"
        )


@dataclass
class OrderImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reclassified: list[int] = field(default_factory=list)  # result ids

    def as_tuple(self) -> tuple[int, int, int]:
        return self.created, self.updated, self.unchanged


def import_orders(
    make_uow: Callable[[], UnitOfWork],
    orders: Sequence[Order],
    now: datetime,
    *,
    forced: Collection[str] = (),
) -> OrderImport:
    """Upsert by management number, all or nothing. A status that moves backwards is
    refused unless its management number is in `forced`; every status change re-classifies
    the results already applied to that order."""
    latest = {o.management_no: o for o in orders}  # a repeated row: the last one wins
    return in_transaction(
        make_uow, lambda uow: _import(uow, latest, now, set(forced)), what="order import"
    )


def _import(
    uow: UnitOfWork, latest: dict[str, Order], now: datetime, forced: set[str]
) -> OrderImport:
    existing = uow.orders.get_many(list(latest))
    outcome = OrderImport()
    creates: list[Order] = []
    updates: list[Order] = []
    moves: dict[str, tuple[OrderStatus, OrderStatus]] = {}
    backwards: list[tuple[str, OrderStatus, OrderStatus]] = []
    for no, order in latest.items():
        old = existing.get(no)
        if old is None:
            creates.append(order)
            continue
        # cancelled / on_hold are cancelbot's own, never the import's.
        order.cancelled, order.on_hold = old.cancelled, old.on_hold
        if order == old:
            outcome.unchanged += 1
            continue
        updates.append(order)
        if order.status is not old.status:
            moves[no] = (old.status, order.status)
            if order.status.rank < old.status.rank and no not in forced:
                backwards.append((no, old.status, order.status))
    if backwards:
        raise StatusRegression(backwards)
    uow.orders.insert(creates, now)
    uow.orders.update(updates, now)
    outcome.created, outcome.updated = len(creates), len(updates)
    if moves:
        outcome.reclassified = _reclassify(uow, moves, forced, now)
    return outcome


def _reclassify(
    uow: UnitOfWork,
    moves: dict[str, tuple[OrderStatus, OrderStatus]],
    forced: set[str],
    now: datetime,
) -> list[int]:
    """A result's phase follows its order: a cancel requested before shipping on an order
    that ships anyway becomes AFTER_SHIPPING, and its alert is posted."""
    history: list[CsHistoryEntry] = []
    events = []
    for no, (old, new) in moves.items():
        mark = " (force)" if new.rank < old.rank and no in forced else ""
        history.append(CsHistoryEntry(no, now, f"주문상태 변경{mark}: {old.value} → {new.value}"))
        if uow.oms_events:
            events.append(
                oms_event(
                    OmsEvent.ORDER_STATUS_CHANGED,
                    no,
                    None,
                    now,
                    subject=new.value,
                    old_status=old.value,
                    new_status=new.value,
                    forced=bool(mark),
                )
            )
    changed: list[CancelResult] = []
    for result in uow.results.for_orders(list(moves)):
        if result.claim_state is ClaimState.WITHDRAWN or result.management_no is None:
            continue
        status = moves[result.management_no][1]
        phase = rules.phase_for(status)
        category = rules.category_for(result.claim_type, status)
        anomaly = result.claim_type is ClaimType.RETURN and phase is Phase.BEFORE_SHIPPING
        if (phase, category, anomaly) == (result.phase, result.category, result.anomaly):
            continue
        history.append(
            CsHistoryEntry(
                result.management_no,
                now,
                f"취소결과 #{result.id} 재분류: {result.category.value} → {category.value}",
                result_id=result.id,
            )
        )
        result.order_status, result.phase, result.category = status, phase, category
        result.anomaly = anomaly
        result.updated_at = now
        changed.append(result)
    uow.results.update(changed)
    uow.history.add(history)
    uow.outbox.enqueue(
        [
            update_alert(TargetKind.RESULT, r.id, f"reclassified:{now.isoformat()}")
            for r in changed
            if r.id is not None
        ]
        + events,
        now,
    )
    return [r.id for r in changed if r.id is not None]
