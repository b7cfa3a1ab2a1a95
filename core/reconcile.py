"""An order's life (SPEC rules 11–15): whenever a claim or the order changes, what must be
true of the order is recomputed from everything known — its status, its results, its
withdrawals — and only the difference is written: history lines, alerts, withdrawals and
order-system events. Running it twice changes nothing.

`plan` is the rules, pure: everything known about one order in, the changes out. `settle`
loads what is known about some orders, plans each and writes the plans; every path that
changes a claim, an order or a withdrawal calls it in its own transaction.

The hold, precisely. An order before shipping is held while claims take units off it.
A hold covers `held_qty` units since `held_at`; when more units are cancelled than the hold
covers, the whole management number is held again (a new `held_at`), since the OMS holds
the order, not units. The one open withdrawal asks to release what is left:
    ordered − Σ live claim units − what confirmed withdrawals released since `held_at`
and the hold ends when nothing is cancelled and nothing is left to release, or when the
order ships (the goods are gone).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from core import rules
from core.changes import change_note, result_changes
from core.claims import ClaimState
from core.oms_events import OmsEvent, oms_event
from core.orders import Order, Phase
from core.outbox import OutboxItem, needs_alert, post_alert, update_alert
from core.ports import UnitOfWork
from core.results import (
    AUTO_CANCEL_AFTER_SHIPPING,
    AUTO_CANCEL_BEFORE_SHIPPING,
    CancelResult,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    SupersededReason,
    TargetKind,
    Withdrawal,
    WithdrawalReason,
    WithdrawalState,
)

SYSTEM = "cancelbot"  # the actor of what cancelbot does by itself


@dataclass(frozen=True)
class Known:
    """Everything known about one order: the order, every result matched to it and every
    withdrawal on it, as stored."""

    order: Order
    results: Sequence[CancelResult]
    withdrawals: Sequence[Withdrawal]


@dataclass
class Plan:
    """The difference between what is stored and what must be true, for one order."""

    order: Order | None = None  # the order with its new hold, when that changed
    results: list[CancelResult] = field(default_factory=list)  # results that changed
    cleared: list[int] = field(default_factory=list)  # results whose confirmation is void
    opened: Withdrawal | None = None  # a new open withdrawal (no id yet)
    withdrawals: list[Withdrawal] = field(default_factory=list)  # changed withdrawals
    history: list[CsHistoryEntry] = field(default_factory=list)
    audit: list[ConfirmationEvent] = field(default_factory=list)
    events: list[OutboxItem] = field(default_factory=list)  # order-system events
    held: bool = False  # whether the order started (or restarted) a hold

    @property
    def empty(self) -> bool:
        return not (self.order or self.results or self.opened or self.withdrawals or self.history)


def units(result: CancelResult, ordered: int) -> int:
    """The units a live claim takes off its order (the whole line when not reported)."""
    return result.cancel_qty if result.cancel_qty is not None else ordered


def live(result: CancelResult) -> bool:
    return result.claim_state is not ClaimState.WITHDRAWN


def plan(
    known: Known, now: datetime, *, attached: Collection[int] = (), events: bool = True
) -> Plan:
    """What must change for `known` to be true to rules 2–7 and 11–14.

    `attached`: ids of results that were just put on this order (a new claim, or an order
    that arrived after its claim); they get their "Client 자동취소" history line."""
    order = known.order
    out = Plan()
    results = [_follow(r, order, now, r.id in attached, out) for r in known.results]
    _hold(order, results, known.withdrawals, now, out, events)
    return out


def _follow(
    stored: CancelResult, order: Order, now: datetime, attached: bool, out: Plan
) -> CancelResult:
    """Rules 2, 7 and 14: a live result follows its order's current status; a withdrawn
    one keeps the state it was withdrawn in. Returns the stored object itself when nothing
    changes (most of the time: copies are the costly part of planning a batch)."""
    if (
        not attached
        and stored.order_status is order.status
        and stored.ordered_qty == order.quantity
        and stored.shipped_at == order.shipped_at
        and stored.cancel_qty is not None
    ):
        return stored  # already follows its order: phase, category and anomaly with it
    wanted: dict[str, object] = {
        "ordered_qty": order.quantity,
        "shipped_at": order.shipped_at,
        # ESM reports no quantity: the whole line.
        "cancel_qty": stored.cancel_qty if stored.cancel_qty is not None else order.quantity,
    }
    phase, category = stored.phase, stored.category
    if live(stored):
        status = order.status
        phase = rules.phase_for(status)
        category = rules.category_for(stored.claim_type, status)
        wanted |= {
            "order_status": status,
            "phase": phase,
            "category": category,
            "anomaly": rules.is_anomaly(stored.claim_type, status),
        }
    result_id = stored.id
    no = order.management_no
    if attached:
        before = phase is Phase.BEFORE_SHIPPING
        text = AUTO_CANCEL_BEFORE_SHIPPING if before else AUTO_CANCEL_AFTER_SHIPPING
        out.history.append(CsHistoryEntry(no, now, text, result_id=result_id))
    elif category is not stored.category:
        moved = f"{stored.category.korean} → {category.korean}"
        out.history.append(
            CsHistoryEntry(no, now, f"취소결과 #{result_id} 재분류: {moved}", result_id=result_id)
        )
    shipped_anyway = stored.phase is Phase.BEFORE_SHIPPING and phase is Phase.AFTER_SHIPPING
    clear = shipped_anyway and stored.confirmed and result_id is not None
    if clear and result_id is not None:
        # The costly case: held, then shipped. Whatever was confirmed was about another
        # situation; the result needs a person again.
        out.cleared.append(result_id)
        wanted |= {"confirmed_by": None, "confirmed_at": None}
        out.audit.append(
            ConfirmationEvent(
                TargetKind.RESULT,
                result_id,
                ConfirmAction.UNCONFIRM,
                SYSTEM,
                now,
                reason="shipped_while_held",
            )
        )
        out.history.append(
            CsHistoryEntry(
                no,
                now,
                f"취소결과 #{result_id} 확인 해제: 보류 중이던 주문이 배송됨",
                result_id=result_id,
            )
        )
    for name, value in wanted.items():
        if getattr(stored, name) != value:
            break
    else:
        return stored  # a loop, not all(...): this runs for every result of a batch
    result = copy.copy(stored)
    for name, value in wanted.items():
        setattr(result, name, value)
    result.updated_at = now
    out.results.append(result)
    return result


def _hold(
    order: Order,
    results: Sequence[CancelResult],
    withdrawals: Sequence[Withdrawal],
    now: datetime,
    out: Plan,
    events: bool,
) -> None:
    """Rules 3, 5, 11 and 14: the hold and the one open withdrawal."""
    no, ordered = order.management_no, order.quantity
    before = rules.phase_for(order.status) is Phase.BEFORE_SHIPPING
    cancelled = sum(units(r, ordered) for r in results if live(r))
    held_at = order.held_at if order.on_hold else None
    if not before:
        held_at = None  # shipped: the goods are gone, and with them the hold
    elif cancelled > (order.held_qty if held_at else 0):
        held_at = now  # more units cancelled than held: hold the whole order again
    released = sum(
        w.restore_qty
        for w in withdrawals
        if held_at is not None and w.state is WithdrawalState.CONFIRMED and w.created_at >= held_at
    )
    to_release = max(ordered - cancelled - released, 0) if held_at is not None else 0
    if held_at is not None and cancelled == 0 and to_release == 0:
        held_at = None  # nothing cancelled, nothing left to release: the hold is over
    held = held_at is not None
    held_qty = cancelled if held else 0
    anchor = _anchor(results)
    if held_at is not None and held_at != (order.held_at if order.on_hold else None):
        out.held = True
        if events:
            out.events.append(
                oms_event(
                    OmsEvent.ORDER_CANCELLED_AND_HELD,
                    no,
                    anchor.id if anchor else None,
                    now,
                    subject=f"{cancelled}",
                    marketplace=anchor.marketplace if anchor else order.marketplace,
                    marketplace_order_id=order.marketplace_order_id,
                    cancel_qty=cancelled,
                    ordered_qty=ordered,
                )
            )
    elif order.on_hold and not held and events:
        out.events.append(
            oms_event(
                OmsEvent.ORDER_HOLD_RELEASED,
                no,
                anchor.id if anchor else None,
                now,
                subject="shipped" if not before else "released",
                why="shipped" if not before else "released",
            )
        )
    if (held, held_at, held_qty) != (
        order.on_hold,
        order.held_at if order.on_hold else None,
        order.held_qty if order.on_hold else 0,
    ):
        out.order = after = copy.copy(order)
        after.cancelled = after.on_hold = held
        after.held_at, after.held_qty = held_at, held_qty
    _withdrawal(no, results, withdrawals, to_release, before, anchor, now, out)


def _anchor(results: Sequence[CancelResult]) -> CancelResult | None:
    """The result a withdrawal points at: the newest live one, else the newest (results
    come sorted by id)."""
    for result in reversed(results):
        if live(result):
            return result
    return results[-1] if results else None


def _withdrawal(
    no: str,
    results: Sequence[CancelResult],
    withdrawals: Sequence[Withdrawal],
    to_release: int,
    before: bool,
    anchor: CancelResult | None,
    now: datetime,
    out: Plan,
) -> None:
    """At most one open withdrawal, stating exactly `to_release`."""
    opens = sorted(
        (w for w in withdrawals if w.state is WithdrawalState.OPEN), key=lambda w: w.id or 0
    )
    keep = opens[-1] if opens else None
    for extra in opens[:-1]:
        _supersede(extra, SupersededReason.MERGED, now, out)
    withdrawn = any(not live(r) for r in results)
    reason = WithdrawalReason.WITHDRAWN if withdrawn else WithdrawalReason.PARTIAL
    if to_release == 0:
        if keep is not None:
            why = SupersededReason.SHIPPED if not before else SupersededReason.NOTHING_TO_RELEASE
            _supersede(keep, why, now, out)
        return
    if keep is None:
        if anchor is None or anchor.id is None:
            return  # no result on the order: nothing asked for a hold
        out.opened = Withdrawal(
            management_no=no,
            result_id=anchor.id,
            reason=reason,
            restore_qty=to_release,
            created_at=now,
            updated_at=now,
        )
        return
    if (keep.restore_qty, keep.reason) == (to_release, reason):
        return
    out.history.append(
        CsHistoryEntry(no, now, f"취소철회 #{keep.id} 수량 변경: {keep.restore_qty} → {to_release}")
    )
    changed = replace(keep, restore_qty=to_release, reason=reason, updated_at=now)
    out.withdrawals.append(changed)
    out.events.append(
        oms_event(
            OmsEvent.WITHDRAWAL_UPDATED,
            no,
            changed.result_id,
            now,
            subject=f"{changed.id}:{to_release}",
            withdrawal_id=changed.id,
            reason=reason.value,
            restore_qty=to_release,
        )
    )


def _supersede(w: Withdrawal, why: SupersededReason, now: datetime, out: Plan) -> None:
    changed = replace(w, state=WithdrawalState.SUPERSEDED, closed_reason=why, updated_at=now)
    out.withdrawals.append(changed)
    out.history.append(
        CsHistoryEntry(w.management_no, now, f"취소철회 #{w.id} 해당 없음: {why.korean}")
    )
    out.events.append(
        oms_event(
            OmsEvent.WITHDRAWAL_SUPERSEDED,
            w.management_no,
            w.result_id,
            now,
            subject=str(w.id),
            withdrawal_id=w.id,
            why=why.value,
        )
    )


# --- writing the plans ----------------------------------------------------------------


@dataclass
class Settled:
    """What settling some orders changed, for the caller's counts and alerts."""

    results: list[CancelResult] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)  # opened or changed


def settle(
    uow: UnitOfWork,
    management_nos: Iterable[str],
    now: datetime,
    *,
    attached: Collection[int] = (),
    touched: Collection[int] = (),
    locked: Mapping[str, Order] | None = None,
    held: Sequence[CancelResult] = (),
    also: Sequence[CancelResult] = (),
    before: Mapping[int, CancelResult] | None = None,
    created: Collection[int] | None = None,
) -> Settled:
    """Plan and write every order named, inside the caller's unit of work.

    `attached`: results just put on their order; `touched`: results the caller itself
    changed (a claim's new state or quantity), whose alerts need updating too; `locked`:
    orders the caller already read and locked in this unit of work, and `held`: results it
    just wrote (neither is read again); `also`: results on no order whose alerts follow
    them too (one outbox write for the whole batch); `before`: the caller's results as
    they were before it changed them, so a posted alert's thread can say what changed;
    `created`: the results that were just created, so have no alert yet (by default the
    attached ones: an order that arrives late attaches results that may have one)."""
    numbers = sorted(set(management_nos))
    done = Settled()
    created = attached if created is None else created
    if not numbers:
        uow.outbox.enqueue(
            alerts_for(uow, also, created=created, now=now, before=before or {}), now
        )
        return done
    locked = locked or {}
    orders = {no: locked[no] for no in numbers if no in locked}
    missing = [no for no in numbers if no not in orders]
    if missing:
        orders |= uow.orders.get_many(missing, lock=True)
    by_order: dict[str, list[CancelResult]] = {n: [] for n in orders}
    mine = {r.id: r for r in held if r.id is not None}
    for r in [*uow.results.for_orders(list(orders), besides=mine), *mine.values()]:
        if r.management_no in by_order:
            by_order[r.management_no].append(r)
    for results in by_order.values():
        results.sort(key=lambda r: r.id or 0)
    withdrawals: dict[str, list[Withdrawal]] = {n: [] for n in orders}
    for w in uow.withdrawals.for_orders(list(orders)):
        withdrawals.setdefault(w.management_no, []).append(w)
    plans = [
        plan(
            Known(order, by_order[no], withdrawals[no]),
            now,
            attached=attached,
            events=uow.oms_events,
        )
        for no, order in orders.items()
        # An order with no result, no withdrawal and no hold has nothing to settle (most
        # of an order import's changed orders): planning it would change nothing.
        if by_order[no] or withdrawals[no] or order.on_hold
    ]
    items = _write(uow, plans, now)
    changed = {r.id: r for p in plans for r in p.results}
    follow = [
        changed.get(stored.id, stored)
        for no in orders
        for stored in by_order[no]
        if stored.id in changed or stored.id in touched or stored.id in attached
    ]
    # What each result was before this change: as stored when only the plan changed it,
    # as the caller had it when the caller changed it (its `held` copies carry the change).
    was: dict[int, CancelResult] = {
        r.id: r
        for no in orders
        for r in by_order[no]
        if r.id is not None and r.id in changed and r.id not in mine
    }
    was.update(before or {})
    items += alerts_for(uow, [*follow, *also], created=created, now=now, before=was)
    uow.outbox.enqueue(items, now)
    done.results = list(changed.values())
    for p in plans:
        done.withdrawals += [*p.withdrawals, *([p.opened] if p.opened else [])]
    return done


def alerts_for(
    uow: UnitOfWork,
    results: Sequence[CancelResult],
    *,
    created: Collection[int],
    now: datetime,
    before: Mapping[int, CancelResult] | None = None,
) -> list[OutboxItem]:
    """Results' channel alerts follow them: posted once they want one (SPEC §4), and a
    posted one is updated in place when its result changed, with a thread reply saying
    what changed when `before` tells (issue 18)."""
    ids = [_rid(r) for r in results]
    posted = uow.alerts.posted(TargetKind.RESULT, [i for i in ids if i not in created])
    items = [post_alert(TargetKind.RESULT, _rid(r)) for r in results if wants_alert(uow, r)]
    items += [update_alert(TargetKind.RESULT, i, now.isoformat()) for i in ids if i in posted]
    was = before or {}
    for result in results:
        old = was.get(result_id := _rid(result))
        if result_id in posted and old is not None and (said := result_changes(old, result)):
            items.append(change_note(result_id, said, now))
    return items


def wants_alert(uow: UnitOfWork, result: CancelResult) -> bool:
    """SPEC §4, and a cancel request a person can accept at the marketplace (issue 19)."""
    if needs_alert(result):
        return True
    return result.account in uow.accept_accounts and rules.acceptable(result)


def _rid(result: CancelResult) -> int:
    if result.id is None:
        raise AssertionError("result was not stored")
    return result.id


def _write(uow: UnitOfWork, plans: Sequence[Plan], now: datetime) -> list[OutboxItem]:
    """Every plan's changes; returns the outbox items they need (the caller enqueues)."""
    latest = {r.id: r for p in plans for r in p.results}
    uow.results.update(list(latest.values()))
    uow.results.clear_confirmations([i for p in plans for i in p.cleared])
    uow.orders.save_hold([p.order for p in plans if p.order is not None], now)
    # Close before opening: at most one withdrawal per order is open at any moment.
    changed = [w for p in plans for w in p.withdrawals]
    uow.withdrawals.update(changed)
    opened = [p.opened for p in plans if p.opened is not None]
    uow.withdrawals.add(opened)
    uow.history.add(e for p in plans for e in p.history)
    uow.audit.add(e for p in plans for e in p.audit)
    items = [update_alert(TargetKind.WITHDRAWAL, _wid(w), now.isoformat()) for w in changed]
    items += [post_alert(TargetKind.WITHDRAWAL, _wid(w)) for w in opened]
    if uow.oms_events:
        items += [e for p in plans for e in p.events]
        items += [
            oms_event(
                OmsEvent.WITHDRAWAL_RECORDED,
                w.management_no,
                w.result_id,
                now,
                subject=str(w.id),
                withdrawal_id=w.id,
                reason=w.reason.value,
                restore_qty=w.restore_qty,
            )
            for w in opened
        ]
    return items


def _wid(w: Withdrawal) -> int:
    if w.id is None:
        raise AssertionError("withdrawal was not stored")
    return w.id
