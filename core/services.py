"""Use cases: functions over a unit of work. Slack listeners, the CLI and the scheduler are
thin entry points over these."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from core import order_book, rules
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.errors import ConcurrentUpdate, NotFound
from core.oms_events import OmsEvent, oms_event
from core.orders import Order, Phase
from core.outbox import OutboxItem, needs_alert, post_alert, thread_note, update_alert
from core.ports import UnitOfWork
from core.queries import CancelFilter, Page
from core.results import (
    CancelResult,
    Category,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    TargetKind,
    Withdrawal,
    WithdrawalReason,
)

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]

CANCEL_WITHDRAWN_TEXT = "Client 취소철회"
APPLY_ATTEMPTS = 5


@dataclass
class ApplyStats:
    """What applying a batch of claims did, for `cancelbot sync` and `claims import`."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0
    skipped: int = 0  # not a result (yet): a pending return, a withdrawal of nothing
    changed_ids: list[int] = field(default_factory=list)

    def __iadd__(self, other: ApplyStats) -> ApplyStats:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.unmatched += other.unmatched
        self.skipped += other.skipped
        self.changed_ids.extend(other.changed_ids)
        return self


def apply_claims(make_uow: UowFactory, claims: Sequence[Claim], now: datetime) -> ApplyStats:
    """Apply a batch of claims in one transaction (SPEC §3 rules 1–7 and 10).

    When another process applies the same claims at the same moment, the loser's insert
    conflicts; the whole batch is rolled back and applied again, and then finds the winner's
    results: one result and one history entry per claim, whoever wins.
    """
    for attempt in range(1, APPLY_ATTEMPTS + 1):
        try:
            with make_uow() as uow:
                stats = apply_batch(uow, claims, now)
                uow.commit()
                return stats
        except ConcurrentUpdate:
            if attempt == APPLY_ATTEMPTS:
                raise
            log.info("claim batch raced another writer; applying again (attempt %d)", attempt)
    raise AssertionError("unreachable")


def apply_batch(uow: UnitOfWork, claims: Sequence[Claim], now: datetime) -> ApplyStats:
    """apply_claims inside a unit of work the caller owns (and commits)."""
    stats = ApplyStats()
    known = uow.results.by_keys({c.key for c in claims})
    fresh = [c for c in claims if c.key not in known and rules.creates_result(c)]
    candidates = _index_candidates(uow.orders.candidates(fresh, lock=True))
    live_qty = defaultdict(
        int,
        uow.results.live_cancelled_qty(
            {o.management_no for group in candidates.values() for o in group}
        ),
    )
    orders_by_no: dict[str, Order] = {}
    new: dict[ClaimKey, CancelResult] = {}
    updated: dict[ClaimKey, CancelResult] = {}
    history: list[tuple[CancelResult, str]] = []
    withdrawals: list[tuple[CancelResult, WithdrawalReason, int]] = []
    dirty_orders: dict[str, Order] = {}
    held: list[CancelResult] = []  # results that cancelled and held their order

    for claim in claims:
        result = new.get(claim.key) or known.get(claim.key)
        if result is None:
            if not rules.creates_result(claim):
                stats.skipped += 1
                continue
            order = rules.match_order(claim, _candidates_for(candidates, claim))
            if order is not None:
                order = orders_by_no.setdefault(order.management_no, order)
            other_qty = live_qty[order.management_no] if order else 0
            decision = rules.decide(claim, order, other_qty)
            result = _new_result(claim, order, decision, now)
            new[claim.key] = result
            stats.new += 1
            stats.unmatched += decision.unmatched
            if order is None:
                continue
            if claim.claim_type is ClaimType.CANCEL and decision.cancel_qty is not None:
                live_qty[order.management_no] += decision.cancel_qty
            if decision.auto_cancel and not (order.cancelled and order.on_hold):
                order.cancel_and_hold()
                dirty_orders[order.management_no] = order
                held.append(result)
            if decision.history_text:
                history.append((result, decision.history_text))
            if decision.restore_qty > 0:
                withdrawals.append((result, WithdrawalReason.PARTIAL, decision.restore_qty))
            continue

        was_withdrawn = result.claim_state is ClaimState.WITHDRAWN
        if not _refresh(result, claim, now):
            if claim.key not in new:
                stats.unchanged += 1
            continue
        if claim.key not in new:
            updated[claim.key] = result
            stats.updated += 1
        if result.claim_state is ClaimState.WITHDRAWN and not was_withdrawn:
            _record_cancel_withdrawal(result, live_qty, history, withdrawals)

    uow.results.add(list(new.values()))
    uow.results.update(list(updated.values()))
    uow.orders.save_flags(list(dirty_orders.values()), now)
    uow.history.add(
        CsHistoryEntry(management_no=r.management_no or "", at=now, text=text, result_id=r.id)
        for r, text in history
        if r.management_no
    )
    new_withdrawals = [
        Withdrawal(
            management_no=r.management_no or "",
            result_id=_id(r),
            reason=reason,
            restore_qty=qty,
            created_at=now,
        )
        for r, reason, qty in withdrawals
    ]
    uow.withdrawals.add(new_withdrawals)
    uow.outbox.enqueue(
        [post_alert(TargetKind.WITHDRAWAL, w.id) for w in new_withdrawals if w.id is not None],
        now,
    )
    if uow.oms_events:
        uow.outbox.enqueue(_oms_events(held, new_withdrawals, now), now)
    stats.changed_ids = [_id(r) for r in (*new.values(), *updated.values())]
    uow.outbox.enqueue(_alerts_for(new.values(), updated.values(), uow), now)
    return stats


def _alerts_for(
    new: Iterable[CancelResult], updated: Iterable[CancelResult], uow: UnitOfWork
) -> list[OutboxItem]:
    """Alerts ride in the same transaction as the results: none is lost, none doubled."""
    items = [post_alert(TargetKind.RESULT, _id(r)) for r in new if needs_alert(r)]
    items += [update_alert(TargetKind.RESULT, _id(r), r.updated_at.isoformat()) for r in updated]
    return items


def _oms_events(
    held: Sequence[CancelResult], withdrawals: Sequence[Withdrawal], now: datetime
) -> list[OutboxItem]:
    events = [
        oms_event(OmsEvent.ORDER_CANCELLED_AND_HELD, r.management_no, r.id, now,
                  subject=str(r.id), marketplace=r.marketplace,
                  marketplace_order_id=r.marketplace_order_id, cancel_qty=r.cancel_qty)
        for r in held
        if r.management_no
    ]  # fmt: skip
    events += [
        oms_event(OmsEvent.WITHDRAWAL_RECORDED, w.management_no, w.result_id, now,
                  subject=str(w.id), withdrawal_id=w.id, reason=w.reason.value,
                  restore_qty=w.restore_qty)
        for w in withdrawals
    ]  # fmt: skip
    return events


def _record_cancel_withdrawal(
    result: CancelResult,
    live_qty: defaultdict[str, int],
    history: list[tuple[CancelResult, str]],
    withdrawals: list[tuple[CancelResult, WithdrawalReason, int]],
) -> None:
    """SPEC rule 1: a withdrawn cancel that cancelbot held must be released and shipped."""
    if result.management_no is None:
        return
    history.append((result, CANCEL_WITHDRAWN_TEXT))
    if result.claim_type is ClaimType.CANCEL and result.cancel_qty is not None:
        live_qty[result.management_no] -= result.cancel_qty
    held = result.phase is Phase.BEFORE_SHIPPING
    if held and result.cancel_qty:
        withdrawals.append((result, WithdrawalReason.WITHDRAWN, result.cancel_qty))


def _id(result: CancelResult) -> int:
    if result.id is None:
        raise AssertionError("result was not stored")
    return result.id


def _index_candidates(orders: Iterable[Order]) -> dict[tuple[str, str], list[Order]]:
    index: dict[tuple[str, str], list[Order]] = defaultdict(list)
    for order in orders:
        index[(order.marketplace, "o:" + order.marketplace_order_id)].append(order)
        if order.marketplace_item_id:
            index[(order.marketplace, "i:" + order.marketplace_item_id)].append(order)
    return index


def _candidates_for(index: dict[tuple[str, str], list[Order]], claim: Claim) -> list[Order]:
    if claim.marketplace_order_id:
        return index.get((claim.marketplace, "o:" + claim.marketplace_order_id), [])
    return index.get((claim.marketplace, "i:" + claim.marketplace_item_id), [])


def _new_result(
    claim: Claim, order: Order | None, decision: rules.Decision, now: datetime
) -> CancelResult:
    return CancelResult(
        marketplace=claim.marketplace,
        account=claim.account,
        claim_id=claim.claim_id,
        marketplace_order_id=claim.marketplace_order_id
        or (order.marketplace_order_id if order else ""),
        marketplace_item_id=claim.marketplace_item_id,
        management_no=order.management_no if order else None,
        product_name=claim.product_name or (order.product_name if order else ""),
        option=claim.option or (order.option if order else ""),
        claim_type=claim.claim_type,
        claim_state=claim.claim_state,
        order_status=decision.order_status,
        phase=decision.phase,
        category=decision.category,
        ordered_qty=decision.ordered_qty,
        cancel_qty=decision.cancel_qty,
        unmatched=decision.unmatched,
        anomaly=decision.anomaly,
        claimed_at=claim.claimed_at,
        completed_at=claim.completed_at,
        shipped_at=order.shipped_at if order else None,
        created_at=now,
        updated_at=now,
    )


def _refresh(result: CancelResult, claim: Claim, now: datetime) -> bool:
    """Rule 10: the same claim seen again updates the result only where its data changed."""
    changed = False
    state = rules.next_state(result.claim_state, claim.claim_state)
    if state is not result.claim_state:
        result.claim_state = state
        changed = True
    if claim.completed_at is not None and claim.completed_at != result.completed_at:
        result.completed_at = claim.completed_at
        changed = True
    if claim.cancel_qty is not None and claim.cancel_qty != result.cancel_qty:
        result.cancel_qty = claim.cancel_qty
        changed = True
    if (
        result.unmatched
        and claim.ordered_qty is not None
        and claim.ordered_qty != result.ordered_qty
    ):
        result.ordered_qty = claim.ordered_qty
        changed = True
    if claim.product_name and claim.product_name != result.product_name:
        result.product_name = claim.product_name
        changed = True
    if changed:
        result.updated_at = now
    return changed


# --- orders ---------------------------------------------------------------------------


def import_orders(
    make_uow: UowFactory, orders: Sequence[Order], now: datetime, *, forced: Iterable[str] = ()
) -> tuple[int, int, int]:
    """Upsert orders by management number; returns (created, updated, unchanged).
    See core.order_book for status changes and what they re-classify."""
    return order_book.import_orders(make_uow, orders, now, forced=list(forced)).as_tuple()


@dataclass(frozen=True)
class OrderDetails:
    management_no: str
    order: Order | None
    history: list[CsHistoryEntry]
    results: list[CancelResult]
    withdrawals: list[Withdrawal]


def order_details(make_uow: UowFactory, management_no: str) -> OrderDetails:
    """The order, its C/S history, and every result and withdrawal on it."""
    with make_uow() as uow:
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
        )


# --- queries --------------------------------------------------------------------------


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
    with make_uow() as uow:
        if snapshot_id is None:
            total, snap = uow.results.count_and_max_id(flt)
        else:
            snap = snapshot_id
            total = uow.results.count(flt, max_id=snap)
        items = uow.results.find(flt, limit=limit, offset=offset, max_id=snap)
        return Page(items=items, total=total, offset=offset, limit=limit, snapshot_id=snap)


def list_withdrawals(
    make_uow: UowFactory, flt: CancelFilter, *, limit: int = 50, offset: int = 0
) -> Page[Withdrawal]:
    with make_uow() as uow:
        total = uow.withdrawals.count(flt)
        items = uow.withdrawals.find(flt, limit=limit, offset=offset)
        return Page(items=items, total=total, offset=offset, limit=limit)


# --- confirmation ---------------------------------------------------------------------


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    UNCONFIRMED = "unconfirmed"
    NOT_CONFIRMED = "not_confirmed"


@dataclass(frozen=True)
class ConfirmOutcome:
    target: TargetKind
    target_id: int
    outcome: Outcome
    by: str | None = None  # who holds the confirmation now (for "already confirmed by X")
    at: datetime | None = None

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.CONFIRMED, Outcome.UNCONFIRMED)


def confirm(
    make_uow: UowFactory, target: TargetKind, ids: Sequence[int], actor: str, now: datetime
) -> list[ConfirmOutcome]:
    """Confirm results or withdrawals. Unknown ids are an error and change nothing; ids
    somebody else confirmed first come back as ALREADY_CONFIRMED with who and when."""
    return _set_confirmation(make_uow, target, ids, actor, now, ConfirmAction.CONFIRM)


def unconfirm(
    make_uow: UowFactory, target: TargetKind, ids: Sequence[int], actor: str, now: datetime
) -> list[ConfirmOutcome]:
    """Take a confirmation back: an audit event, never a deletion."""
    return _set_confirmation(make_uow, target, ids, actor, now, ConfirmAction.UNCONFIRM)


def _set_confirmation(
    make_uow: UowFactory,
    target: TargetKind,
    ids: Sequence[int],
    actor: str,
    now: datetime,
    action: ConfirmAction,
) -> list[ConfirmOutcome]:
    wanted = list(dict.fromkeys(ids))
    with make_uow() as uow:
        repo = uow.results if target is TargetKind.RESULT else uow.withdrawals
        found = repo.get_many(wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"no {target.value} with id {', '.join(map(str, missing))}")
        if action is ConfirmAction.CONFIRM:
            changed = set(repo.mark_confirmed(wanted, actor, now))
        else:
            changed = set(repo.mark_unconfirmed(wanted))
        owners = {i: (f.management_no, _result_id(f)) for i, f in found.items()}
        _record(uow, target, sorted(changed), owners, action, actor, now)
        after = (
            repo.get_many([i for i in wanted if i not in changed])
            if len(changed) < len(wanted)
            else {}
        )
        uow.commit()
    outcomes = []
    for i in wanted:
        if i in changed:
            ok = Outcome.CONFIRMED if action is ConfirmAction.CONFIRM else Outcome.UNCONFIRMED
            outcomes.append(ConfirmOutcome(target, i, ok, actor, now))
        else:
            cur = after[i]
            no = (
                Outcome.ALREADY_CONFIRMED
                if action is ConfirmAction.CONFIRM
                else Outcome.NOT_CONFIRMED
            )
            outcomes.append(ConfirmOutcome(target, i, no, cur.confirmed_by, cur.confirmed_at))
    return outcomes


def _record(
    uow: UnitOfWork,
    target: TargetKind,
    changed: Sequence[int],
    owners: Mapping[int, tuple[str | None, int | None]],
    action: ConfirmAction,
    actor: str,
    now: datetime,
    *,
    thread_notes: bool = True,
) -> None:
    """Audit, C/S history, the alert update and the order-system event of a (un)confirm.
    `owners` gives each id's management number and result id."""
    uow.audit.add(ConfirmationEvent(target, i, action, actor, now) for i in changed)
    # The channel alert shows the new state and its thread records who did it. A bulk
    # confirm only updates the alerts: thousands of thread replies would drown the channel.
    note = "confirmed" if action is ConfirmAction.CONFIRM else "unconfirmed"
    items = [update_alert(target, i, f"{note}:{now.isoformat()}") for i in changed]
    if thread_notes:
        items += [thread_note(target, i, note, actor, now) for i in changed]
    uow.outbox.enqueue(items, now)
    if uow.oms_events:
        kind = {
            (TargetKind.RESULT, ConfirmAction.CONFIRM): OmsEvent.RESULT_CONFIRMED,
            (TargetKind.RESULT, ConfirmAction.UNCONFIRM): OmsEvent.RESULT_UNCONFIRMED,
            (TargetKind.WITHDRAWAL, ConfirmAction.CONFIRM): OmsEvent.WITHDRAWAL_CONFIRMED,
            (TargetKind.WITHDRAWAL, ConfirmAction.UNCONFIRM): OmsEvent.WITHDRAWAL_UNCONFIRMED,
        }[(target, action)]
        uow.outbox.enqueue(
            [
                oms_event(kind, no, owners[i][1], now, subject=str(i), by=actor,
                          **({"withdrawal_id": i} if target is TargetKind.WITHDRAWAL else {}))
                for i in changed
                if (no := owners[i][0])
            ],
            now,
        )  # fmt: skip
    verb = "확인" if action is ConfirmAction.CONFIRM else "확인취소"
    label = "취소결과" if target is TargetKind.RESULT else "취소철회"
    uow.history.add(
        CsHistoryEntry(
            management_no=no,
            at=now,
            text=f"{label} #{i} {verb}",
            actor=actor,
            result_id=i if target is TargetKind.RESULT else None,
        )
        for i in changed
        if (no := owners[i][0])
    )


def _result_id(target: CancelResult | Withdrawal) -> int | None:
    return target.result_id if isinstance(target, Withdrawal) else target.id


@dataclass(frozen=True)
class ConfirmAllOutcome:
    confirmed_ids: list[int]
    confirmed_elsewhere: int  # counted, but somebody else confirmed it meanwhile


def confirm_all_matching(
    make_uow: UowFactory,
    flt: CancelFilter,
    actor: str,
    now: datetime,
    *,
    snapshot_id: int,
    counted: int | None = None,
) -> ConfirmAllOutcome:
    """전체 확인: confirm exactly what was counted — results matching the filter up to the
    snapshot id the count was taken at — in one transaction. Results that arrived after
    the count stay unconfirmed."""
    unconfirmed = replace(flt, confirmed=False)
    with make_uow() as uow:
        ids = uow.results.matching_unconfirmed_ids(unconfirmed, snapshot_id)
        changed = uow.results.mark_confirmed(ids, actor, now)
        numbers = uow.results.management_nos(changed)
        owners = {i: (numbers.get(i), i) for i in changed}
        _record(
            uow, TargetKind.RESULT, sorted(changed), owners, ConfirmAction.CONFIRM, actor, now,
            thread_notes=False,
        )  # fmt: skip
        uow.commit()
    expected = counted if counted is not None else len(ids)
    return ConfirmAllOutcome(sorted(changed), max(expected - len(changed), 0))


def confirmation_log(
    make_uow: UowFactory, target: TargetKind, target_id: int
) -> list[ConfirmationEvent]:
    with make_uow() as uow:
        return uow.audit.for_target(target, target_id)


def stats(make_uow: UowFactory, flt: CancelFilter) -> dict[tuple[Category, str], int]:
    """Results matching the filter, counted by category × marketplace."""
    with make_uow() as uow:
        return uow.results.count_by_category_marketplace(flt)


EXPORT_MAX = 50_000


def export_results(make_uow: UowFactory, flt: CancelFilter) -> tuple[list[CancelResult], int]:
    """Matching results for a CSV export (at most EXPORT_MAX), and how many match."""
    with make_uow() as uow:
        total, snap = uow.results.count_and_max_id(flt)
        return uow.results.find(flt, limit=EXPORT_MAX, offset=0, max_id=snap), total
