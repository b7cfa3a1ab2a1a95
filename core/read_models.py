"""Read models: what the entry points show, answered by core so that no entry point reads a
repository itself (the CLI prints them, Slack renders them)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from core.errors import NotFound
from core.marketplace_actions import MarketplaceAction
from core.orders import Order
from core.outbox import OutboxKind
from core.ports import UnitOfWork
from core.queries import CancelFilter, Page
from core.results import CancelResult, Category, CsHistoryEntry, TargetKind, Withdrawal

UowFactory = Callable[[], UnitOfWork]

EXPORT_MAX = 50_000


@dataclass(frozen=True)
class OrderDetails:
    """Everything about one order: the C/S details modal and `cancelbot history`."""

    management_no: str | None  # None: an unmatched result, shown on its own
    order: Order | None
    history: list[CsHistoryEntry]
    results: list[CancelResult]
    withdrawals: list[Withdrawal]
    actions: dict[int, MarketplaceAction] = field(default_factory=dict)  # by result id


def order_details(make_uow: UowFactory, management_no: str) -> OrderDetails:
    """The order, its C/S history, and every result and withdrawal on it."""
    with make_uow().read_only() as uow:
        order = uow.orders.get(management_no)
        results = uow.results.for_order(management_no)
        if order is None and not results:
            raise NotFound(f"no order or result with management number {management_no!r}")
        return OrderDetails(
            management_no=management_no,
            order=order,
            history=uow.history.for_order(management_no),
            results=results,
            withdrawals=uow.withdrawals.for_order(management_no),
            actions=uow.actions.for_results([r.id for r in results if r.id is not None]),
        )


def result_details(make_uow: UowFactory, result_id: int) -> OrderDetails:
    """The details around one result: its whole order, or the result alone when unmatched."""
    with make_uow().read_only() as uow:
        result = uow.results.get(result_id)
        if result is None:
            raise NotFound(f"no result with id {result_id}", ids=[result_id])
        if result.management_no is None:
            withdrawals = uow.withdrawals.for_results([result_id])
            actions = uow.actions.for_results([result_id])
            return OrderDetails(None, None, [], [result], withdrawals, actions)
    return order_details(make_uow, result.management_no)


@dataclass(frozen=True)
class WithdrawalView:
    """A withdrawal with the result it points at (None when that result is gone) and its
    order (None when the order left the order book)."""

    withdrawal: Withdrawal
    origin: CancelResult | None
    order: Order | None = None


def _with_origins(uow: UnitOfWork, withdrawals: list[Withdrawal]) -> list[WithdrawalView]:
    origins = uow.results.get_many([w.result_id for w in withdrawals])
    orders = uow.orders.get_many({w.management_no for w in withdrawals})
    return [
        WithdrawalView(w, origins.get(w.result_id), orders.get(w.management_no))
        for w in withdrawals
    ]


def list_results(
    make_uow: UowFactory,
    flt: CancelFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    snapshot_id: int | None = None,
) -> Page[CancelResult]:
    """A page of results, newest cancel first, with the total and the snapshot id that a
    later "confirm all N" must not go beyond."""
    with make_uow().read_only() as uow:
        if snapshot_id is not None:
            total = uow.results.count(flt, max_id=snapshot_id)
            items = uow.results.find(flt, limit=limit, offset=offset, max_id=snapshot_id)
            return Page(items, total, offset=offset, limit=limit, snapshot_id=snapshot_id)
        items = uow.results.find(flt, limit=limit, offset=offset, max_id=None)
        if offset == 0 and len(items) < limit:
            # Every match is on this page (one order's results, a quiet filter): its count
            # and newest id need no statement of their own.
            total, snap = len(items), max((r.id or 0 for r in items), default=0)
        else:
            total, snap = uow.results.count_and_max_id(flt)
            if any((r.id or 0) > snap for r in items):  # arrived between the two reads
                items = uow.results.find(flt, limit=limit, offset=offset, max_id=snap)
        return Page(items, total, offset=offset, limit=limit, snapshot_id=snap)


def list_withdrawals(
    make_uow: UowFactory, flt: CancelFilter, *, limit: int = 50, offset: int = 0
) -> Page[WithdrawalView]:
    """A page of withdrawals, newest first, each with the result it came from; by default
    (confirmed:no) the open ones, what the warehouse must release now."""
    with make_uow().read_only() as uow:
        total = uow.withdrawals.count(flt)
        items = _with_origins(uow, uow.withdrawals.find(flt, limit=limit, offset=offset))
        return Page(items=items, total=total, offset=offset, limit=limit)


@dataclass(frozen=True)
class AlertSubject:
    """What one channel alert shows, read at the moment it is rendered."""

    target: TargetKind
    result: CancelResult | None  # the result, or the withdrawal's origin
    withdrawal: WithdrawalView | None  # set for a withdrawal's alert
    message: tuple[str, str] | None  # (channel, ts) once posted
    action: MarketplaceAction | None = None  # the result's action at the marketplace


def alert_subject(make_uow: UowFactory, target: TargetKind, target_id: int) -> AlertSubject | None:
    """The result or withdrawal behind an alert, and where its message is; None if gone."""
    with make_uow().read_only() as uow:
        message = uow.alerts.get(target, target_id)
        if target is TargetKind.RESULT:
            result = uow.results.get(target_id)
            if result is None:
                return None
            action = uow.actions.for_results([target_id]).get(target_id)
            return AlertSubject(target, result, None, message, action)
        found = uow.withdrawals.get_many([target_id]).get(target_id)
        if found is None:
            return None
        [view] = _with_origins(uow, [found])
        return AlertSubject(target, view.origin, view, message)


def alert_message(
    make_uow: UowFactory, target: TargetKind, target_id: int
) -> tuple[str, str] | None:
    """(channel, ts) of the target's channel alert, if it was posted."""
    with make_uow().read_only() as uow:
        return uow.alerts.get(target, target_id)


def pending_alerts(make_uow: UowFactory, limit: int = 1000) -> list[AlertSubject]:
    """Alerts queued for the channel and not posted yet, oldest first (the demo shows them)."""
    with make_uow().read_only() as uow:
        targets = uow.outbox.pending_targets(OutboxKind.POST_ALERT, limit)
    found = (alert_subject(make_uow, target, target_id) for target, target_id in targets)
    return [subject for subject in found if subject is not None]


def marketplace_actions(
    make_uow: UowFactory, result_ids: Collection[int]
) -> dict[int, MarketplaceAction]:
    """The action at the marketplace on each of these results, where there is one."""
    with make_uow() as uow:
        return uow.actions.for_results(result_ids)


def stats(make_uow: UowFactory, flt: CancelFilter) -> dict[tuple[Category, str], int]:
    """Results matching the filter, counted by category × marketplace."""
    with make_uow().read_only() as uow:
        return uow.results.count_by_category_marketplace(flt)


def export_results(make_uow: UowFactory, flt: CancelFilter) -> tuple[list[CancelResult], int]:
    """Matching results for a CSV export (at most EXPORT_MAX), and how many match."""
    with make_uow().read_only() as uow:
        total, snap = uow.results.count_and_max_id(flt)
        return uow.results.find(flt, limit=EXPORT_MAX, offset=0, max_id=snap), total
