"""The order book: imports (CSV, the orders API, the inbox folder), and what a new or
changed order means for the results already applied (SPEC rules 13 and 14): claims that
arrived before their order are matched now, and every order whose status or quantity moved
is settled again by core.reconcile, in the same transaction."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core import reconcile, rules
from core.errors import InvalidInput
from core.oms_events import OmsEvent, oms_event
from core.orders import Order, OrderStatus
from core.ports import UnitOfWork
from core.results import CancelResult, CsHistoryEntry
from core.transactions import in_transaction

CSV_FORCE_HINT = (
    "a file cannot force it: correct the status in the file, or send those rows to "
    'POST /api/orders with "force": true if that is really what happened'
)


class StatusRegression(InvalidInput):
    """Orders whose status would move backwards (배송 → 접수) without `force`."""

    def __init__(self, moves: list[tuple[str, OrderStatus, OrderStatus]], hint: str = "") -> None:
        self.moves = moves
        shown = ", ".join(f"{no} {old.value}→{new.value}" for no, old, new in moves[:10])
        more = f" and {len(moves) - 10} more" if len(moves) > 10 else ""
        super().__init__(
            f"status would move backwards for {shown}{more}" + (f"; {hint}" if hint else "")
        )


class DuplicateOrder(InvalidInput):
    """One management number on two rows of one batch: which row is right is not ours to
    guess. `rows` are the positions (0-based) of every repeated number, first to last."""

    def __init__(self, repeats: dict[str, list[int]]) -> None:
        self.repeats = repeats
        shown = "; ".join(
            f"{no} on rows {', '.join(str(i + 1) for i in rows)}"
            for no, rows in list(repeats.items())[:10]
        )
        super().__init__(f"a management number appears twice: {shown}; nothing was imported")


@dataclass
class OrderImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: list[int] = field(default_factory=list)  # results matched to a new order
    settled: list[int] = field(default_factory=list)  # results changed by settling


def repeats(orders: Sequence[Order]) -> dict[str, list[int]]:
    """Management numbers on more than one row, with every row's position."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, order in enumerate(orders):
        rows[order.management_no].append(i)
    return {no: where for no, where in rows.items() if len(where) > 1}


def import_orders(
    make_uow: Callable[[], UnitOfWork],
    orders: Sequence[Order],
    now: datetime,
    *,
    forced: Collection[str] = (),
) -> OrderImport:
    """Upsert by management number, all or nothing. A status that moves backwards is
    refused unless its management number is in `forced`."""
    if duplicates := repeats(orders):
        raise DuplicateOrder(duplicates)
    by_no = {o.management_no: o for o in orders}
    return in_transaction(
        make_uow, lambda uow: _import(uow, by_no, now, set(forced)), what="order import"
    )


def _import(
    uow: UnitOfWork, incoming: dict[str, Order], now: datetime, forced: set[str]
) -> OrderImport:
    existing = uow.orders.get_many(list(incoming), lock=True)
    outcome = OrderImport()
    creates: list[Order] = []
    updates: list[Order] = []
    moves: dict[str, tuple[OrderStatus, OrderStatus]] = {}
    resettle: set[str] = set()
    backwards: list[tuple[str, OrderStatus, OrderStatus]] = []
    for no, order in incoming.items():
        old = existing.get(no)
        if old is None:
            creates.append(order)
            continue
        # The hold is cancelbot's own, never the import's.
        order.cancelled, order.on_hold = old.cancelled, old.on_hold
        order.held_at, order.held_qty = old.held_at, old.held_qty
        if order == old:
            outcome.unchanged += 1
            continue
        updates.append(order)
        if order.status is not old.status:
            moves[no] = (old.status, order.status)
            if order.status.rank < old.status.rank and no not in forced:
                backwards.append((no, old.status, order.status))
        if (order.status, order.quantity, order.shipped_at) != (
            old.status,
            old.quantity,
            old.shipped_at,
        ):
            resettle.add(no)
    if backwards:
        raise StatusRegression(backwards)
    uow.orders.insert(creates, now)
    uow.orders.update(updates, now)
    outcome.created, outcome.updated = len(creates), len(updates)
    _record_moves(uow, moves, forced, now)
    before: dict[int, CancelResult] = {}
    outcome.matched = _match_late_claims(uow, [*creates, *updates], now, before)
    numbers = resettle | _numbers_of(uow, outcome.matched)
    # What was just written is what settling would read back (the rows are locked).
    written = {o.management_no: o for o in [*creates, *updates]}
    settled = reconcile.settle(
        uow,
        numbers,
        now,
        attached=outcome.matched,
        before=before,
        created=(),
        locked={no: written[no] for no in numbers if no in written},
    )
    outcome.settled = [r.id for r in settled.results if r.id is not None]
    return outcome


def _record_moves(
    uow: UnitOfWork,
    moves: dict[str, tuple[OrderStatus, OrderStatus]],
    forced: set[str],
    now: datetime,
) -> None:
    """Each status change in the order's C/S history, and to the order system."""
    forcing = {no for no, (old, new) in moves.items() if new.rank < old.rank and no in forced}
    uow.history.add(
        CsHistoryEntry(
            no,
            now,
            f"주문상태 변경{' (강제)' if no in forcing else ''}: {old.korean} → {new.korean}",
        )
        for no, (old, new) in moves.items()
    )
    if uow.oms_events:  # only built when an order system listens
        events = [
            oms_event(
                OmsEvent.ORDER_STATUS_CHANGED,
                no,
                None,
                now,
                subject=new.value,
                old_status=old.value,
                new_status=new.value,
                forced=no in forcing,
            )
            for no, (old, new) in moves.items()
        ]
        uow.outbox.enqueue(events, now)


def _match_late_claims(
    uow: UnitOfWork, orders: Sequence[Order], now: datetime, before: dict[int, CancelResult]
) -> list[int]:
    """Rule 13: unmatched results that name these orders are matched now (never guessing
    between several candidate lines). Returns the ids of the results matched; `before`
    gets each as it was (its alert's thread says what changed)."""
    waiting = uow.results.unmatched_for(orders)
    if not waiting:
        return []
    candidates = uow.orders.candidates(waiting, lock=True)
    matched = []
    for result in waiting:
        order = rules.match_order(result, candidates)
        if order is None:
            continue
        if result.id is not None:
            before[result.id] = copy.copy(result)
        result.management_no = order.management_no
        result.unmatched = False
        result.updated_at = now
        matched.append(result)
    uow.results.update(matched)
    return [r.id for r in matched if r.id is not None]


def _numbers_of(uow: UnitOfWork, result_ids: list[int]) -> set[str]:
    if not result_ids:
        return set()
    return {no for no in uow.results.management_nos(result_ids).values() if no}
