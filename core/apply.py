"""Applying claims (SPEC §3 rules 1–7 and 10): what a sync, a claims file or the sandbox
reports becomes results, held orders, withdrawals, history, alerts and order-system
events, in one transaction per batch."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core import rules
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.oms_events import OmsEvent, oms_event
from core.orders import Order, Phase
from core.outbox import OutboxItem, needs_alert, post_alert, update_alert
from core.ports import UnitOfWork
from core.results import CancelResult, CsHistoryEntry, TargetKind, Withdrawal, WithdrawalReason
from core.transactions import in_transaction

log = logging.getLogger(__name__)

UowFactory = Callable[[], UnitOfWork]

CANCEL_WITHDRAWN_TEXT = "Client 취소철회"


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
    """Apply a batch of claims in one transaction.

    When another process applies the same claims at the same moment, the loser's insert
    conflicts; the whole batch is rolled back and applied again, and then finds the winner's
    results: one result and one history entry per claim, whoever wins.
    """
    return in_transaction(make_uow, lambda uow: apply_batch(uow, claims, now), what="claim batch")


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
    uow.outbox.enqueue(_alerts_for(new.values(), updated.values()), now)
    return stats


def _alerts_for(new: Iterable[CancelResult], updated: Iterable[CancelResult]) -> list[OutboxItem]:
    """Alerts ride in the same transaction as the results: none is lost, none doubled."""
    items = [post_alert(TargetKind.RESULT, _id(r)) for r in new if needs_alert(r)]
    items += [update_alert(TargetKind.RESULT, _id(r), r.updated_at.isoformat()) for r in updated]
    return items


def _oms_events(
    held: Sequence[CancelResult], withdrawals: Sequence[Withdrawal], now: datetime
) -> list[OutboxItem]:
    events = [
        oms_event(
            OmsEvent.ORDER_CANCELLED_AND_HELD,
            r.management_no,
            r.id,
            now,
            subject=str(r.id),
            marketplace=r.marketplace,
            marketplace_order_id=r.marketplace_order_id,
            cancel_qty=r.cancel_qty,
        )
        for r in held
        if r.management_no
    ]
    events += [
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
        for w in withdrawals
    ]
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
