"""Applying claims (SPEC §3 rules 1–7 and 10): what a sync, a claims file or the sandbox
reports becomes results, in one transaction per batch; what the results then mean for
their orders — holds, withdrawals, history, alerts, order-system events — is settled by
core.reconcile in the same transaction."""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core import reconcile, rules
from core.claims import Claim, ClaimKey, ClaimState
from core.orders import Order
from core.ports import UnitOfWork
from core.results import CancelResult, CsHistoryEntry, ResultStamp
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


@dataclass
class _Batch:
    """What one batch changes, gathered before anything is written."""

    new: dict[ClaimKey, CancelResult] = field(default_factory=dict)
    updated: dict[ClaimKey, CancelResult] = field(default_factory=dict)
    withdrawn: list[CancelResult] = field(default_factory=list)  # cancels just withdrawn
    # Stored results as they were before this batch changed them (their threads say what
    # changed, issue 18).
    before: dict[int, CancelResult] = field(default_factory=dict)
    stats: ApplyStats = field(default_factory=ApplyStats)

    def written(self) -> list[CancelResult]:
        return [*self.new.values(), *self.updated.values()]


def apply_batch(uow: UnitOfWork, claims: Sequence[Claim], now: datetime) -> ApplyStats:
    """apply_claims inside a unit of work the caller owns (and commits)."""
    batch = _Batch()
    seen = uow.results.stamps({c.key for c in claims})
    # Most claims seen again say what their result says already: only the results some
    # claim changes are read whole (when none does, applying them in turn changes nothing).
    stale = {s.id for c in claims if (s := seen.get(c.key)) is not None and _changes(s, c)}
    known = {r.key: r for r in uow.results.get_many(stale).values()}
    fresh = [c for c in claims if c.key not in seen and rules.creates_result(c)]
    orders = uow.orders.candidates(fresh, lock=True)
    candidates = _index(orders)
    for claim in claims:
        result = batch.new.get(claim.key) or known.get(claim.key)
        if result is not None:
            _refresh(batch, result, claim, now)
        elif claim.key in seen:
            batch.stats.unchanged += 1
        else:
            _add(batch, claim, candidates, now)

    uow.results.add(list(batch.new.values()))
    uow.results.update(list(batch.updated.values()))
    uow.history.add(
        CsHistoryEntry(r.management_no, now, CANCEL_WITHDRAWN_TEXT, result_id=r.id)
        for r in batch.withdrawn
        if r.management_no
    )
    written = batch.written()
    matched = [r for r in written if r.management_no]
    reconcile.settle(
        uow,
        (r.management_no for r in matched if r.management_no),
        now,
        attached={_id(r) for r in batch.new.values()},
        touched=[_id(r) for r in batch.updated.values()],
        locked={o.management_no: o for o in orders},
        held=matched,
        # Results without an order are alerted as they are (SPEC §4).
        also=[r for r in written if not r.management_no],
        before=batch.before,
    )
    batch.stats.changed_ids = [_id(r) for r in written]
    return batch.stats


def _add(
    batch: _Batch, claim: Claim, candidates: dict[tuple[str, str], list[Order]], now: datetime
) -> None:
    if not rules.creates_result(claim):
        batch.stats.skipped += 1
        return
    order = rules.match_order(claim, _candidates_for(candidates, claim))
    decision = rules.decide(claim, order)
    batch.new[claim.key] = _new_result(claim, order, decision, now)
    batch.stats.new += 1
    batch.stats.unmatched += decision.unmatched


def _refresh(batch: _Batch, result: CancelResult, claim: Claim, now: datetime) -> None:
    """Rule 10: the same claim seen again updates the result only where its data changed."""
    was_withdrawn = result.claim_state is ClaimState.WITHDRAWN
    changes = _changes(result, claim)
    if not changes:
        if claim.key not in batch.new:
            batch.stats.unchanged += 1
        return
    stored = copy.copy(result)  # only now: most claims seen again change nothing
    for name, value in changes.items():
        setattr(result, name, value)
    result.updated_at = now
    if claim.key not in batch.new and claim.key not in batch.updated:
        batch.updated[claim.key] = result
        batch.stats.updated += 1
        if result.id is not None:
            batch.before[result.id] = stored
    if result.claim_state is ClaimState.WITHDRAWN and not was_withdrawn:
        batch.withdrawn.append(result)


def _changes(result: CancelResult | ResultStamp, claim: Claim) -> dict[str, object]:
    """What the claim changes on its stored result (nothing when it says the same)."""
    changes: dict[str, object] = {}
    state = rules.next_state(result.claim_state, claim.claim_state)
    if state is not result.claim_state:
        changes["claim_state"] = state
    if claim.completed_at is not None and claim.completed_at != result.completed_at:
        changes["completed_at"] = claim.completed_at
    if claim.cancel_qty is not None and claim.cancel_qty != result.cancel_qty:
        changes["cancel_qty"] = claim.cancel_qty
    if (
        result.unmatched
        and claim.ordered_qty is not None
        and claim.ordered_qty != result.ordered_qty
    ):
        changes["ordered_qty"] = claim.ordered_qty
    if claim.product_name and claim.product_name != result.product_name:
        changes["product_name"] = claim.product_name
    return changes


def _id(result: CancelResult) -> int:
    if result.id is None:
        raise AssertionError("result was not stored")
    return result.id


def _index(orders: Iterable[Order]) -> dict[tuple[str, str], list[Order]]:
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
