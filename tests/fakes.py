"""Fakes for core's ports, the cosmicpython way: a dict-backed unit of work with the same
behaviour as the SQL one where core relies on it (ids, conditional confirms, dedupe keys,
leases, rollback unless committed), so core's use cases are tested in milliseconds.

Everything handed out is a copy: a use case that changes an object without saving it
changes nothing here either, as with the database.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from types import TracebackType
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from core.claims import ClaimKey, ClaimState
from core.errors import ConcurrentUpdate
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ActionState,
    ClaimAtMarketplace,
    MarketplaceAction,
)
from core.orders import Order, Phase
from core.outbox import OutboxItem, OutboxKind
from core.queries import CancelFilter
from core.results import (
    CancelResult,
    Category,
    ConfirmationEvent,
    CsHistoryEntry,
    ResultStamp,
    SummaryRow,
    TargetKind,
    Withdrawal,
    WithdrawalState,
)
from core.rules import LineIds
from core.set_aside import QuarantinedRecord, QuarantineKey, SetAside
from core.sync_state import SyncState

T = TypeVar("T")
SEOUL = ZoneInfo("Asia/Seoul")
OPEN, CONFIRMED = WithdrawalState.OPEN, WithdrawalState.CONFIRMED


def _copy(value: T) -> T:
    return copy.copy(value)


@dataclass
class _OutboxRow:
    item: OutboxItem
    next_attempt_at: datetime
    locked_until: datetime | None = None
    last_error: str | None = None
    done_at: datetime | None = None


@dataclass
class _Lease:
    owner: str | None = None
    until: datetime | None = None


@dataclass
class FakeStore:
    """The "database": what committed units of work left behind."""

    orders: dict[str, Order] = field(default_factory=dict)
    results: dict[int, CancelResult] = field(default_factory=dict)
    withdrawals: dict[int, Withdrawal] = field(default_factory=dict)
    history: list[CsHistoryEntry] = field(default_factory=list)
    audit: list[ConfirmationEvent] = field(default_factory=list)
    sync: dict[str, SyncState] = field(default_factory=dict)
    leases: dict[str, _Lease] = field(default_factory=dict)
    outbox: dict[int, _OutboxRow] = field(default_factory=dict)
    alerts: dict[tuple[TargetKind, int], tuple[str, str]] = field(default_factory=dict)
    actions: dict[tuple[str, str, str, str], MarketplaceAction] = field(default_factory=dict)
    quarantine: dict[QuarantineKey, QuarantinedRecord] = field(default_factory=dict)
    pace: dict[str, float] = field(default_factory=dict)
    escalations: dict[tuple[TargetKind, int], datetime] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    commits: int = 0


def result_matches(r: CancelResult, flt: CancelFilter, tz: tzinfo, max_id: int | None) -> bool:
    """CancelFilter in Python: what adapters.db.filters says in SQL."""
    start, end = flt.claimed_range(tz)
    checks = [
        not flt.marketplaces or r.marketplace in flt.marketplaces,
        flt.phase is None or r.phase is flt.phase,
        not flt.statuses or r.order_status in flt.statuses,
        not flt.types or r.claim_type in flt.types,
        flt.confirmed is None or r.confirmed is flt.confirmed,
        not flt.states or r.claim_state in flt.states,
        not flt.partial or r.partial,
        not flt.unmatched or r.unmatched,
        start is None or r.claimed_at >= start,
        end is None or r.claimed_at < end,
        not flt.order
        or bool({r.management_no, r.marketplace_order_id} & set(flt.order_variants())),
        max_id is None or (r.id or 0) <= max_id,
        flt.snoozed is None or r.snoozed is flt.snoozed,
    ]
    return all(checks)


class FakeOrders:
    def __init__(self, data: dict[str, Order]) -> None:
        self.data = data

    def get(self, management_no: str) -> Order | None:
        found = self.data.get(management_no)
        return _copy(found) if found else None

    def get_many(self, management_nos: Collection[str], *, lock: bool = False) -> dict[str, Order]:
        return {n: _copy(self.data[n]) for n in sorted(management_nos) if n in self.data}

    def candidates(self, claims: Collection[LineIds], *, lock: bool) -> list[Order]:
        wanted = {(c.marketplace, c.marketplace_order_id, c.marketplace_item_id) for c in claims}
        out = []
        for order in self.data.values():
            for market, order_id, item_id in wanted:
                same = order.marketplace == market and (
                    order.marketplace_order_id == order_id
                    if order_id
                    else order.marketplace_item_id == item_id
                )
                if same:
                    out.append(_copy(order))
                    break
        return out

    def save_hold(self, orders: Collection[Order], now: datetime) -> None:
        for o in orders:
            stored = self.data[o.management_no]
            stored.cancelled, stored.on_hold = o.cancelled, o.on_hold
            stored.held_at, stored.held_qty = o.held_at, o.held_qty

    def count_by_marketplace(self) -> dict[str, int]:
        return dict(Counter(o.marketplace for o in self.data.values()))

    def insert(self, orders: Sequence[Order], now: datetime) -> None:
        if any(o.management_no in self.data for o in orders):
            raise ConcurrentUpdate("another import created the same orders")
        self.data.update((o.management_no, _copy(o)) for o in orders)

    def update(self, orders: Sequence[Order], now: datetime) -> None:
        for o in orders:
            stored = self.data[o.management_no]
            self.data[o.management_no] = replace(
                o,
                cancelled=stored.cancelled,
                on_hold=stored.on_hold,
                held_at=stored.held_at,
                held_qty=stored.held_qty,
            )


class FakeResults:
    def __init__(self, store: FakeStore, data: dict[int, CancelResult], tz: tzinfo) -> None:
        self.store = store
        self.data = data
        self.tz = tz

    def get(self, result_id: int) -> CancelResult | None:
        found = self.data.get(result_id)
        return _copy(found) if found else None

    def get_many(self, ids: Collection[int]) -> dict[int, CancelResult]:
        return {i: _copy(self.data[i]) for i in ids if i in self.data}

    def stamps(self, keys: Collection[ClaimKey]) -> dict[ClaimKey, ResultStamp]:
        wanted = set(keys)
        return {r.key: ResultStamp.of(r) for r in self.data.values() if r.key in wanted}

    def add(self, results: Sequence[CancelResult]) -> None:
        known = {r.key for r in self.data.values()}
        if any(r.key in known for r in results):
            raise ConcurrentUpdate("another process stored the same claim first")
        for r in results:
            r.id = next(self.store.ids)
            self.data[r.id] = _copy(r)

    def update(self, results: Sequence[CancelResult]) -> None:
        for r in results:
            assert r.id is not None
            stored = self.data[r.id]
            # The confirmation and the case have their own conditional writes, as in SQL.
            self.data[r.id] = replace(
                r,
                confirmed_by=stored.confirmed_by,
                confirmed_at=stored.confirmed_at,
                taken_by=stored.taken_by,
                taken_at=stored.taken_at,
                snoozed_until=stored.snoozed_until,
                snoozed_by=stored.snoozed_by,
            )

    def clear_confirmations(self, ids: Collection[int]) -> None:
        for i in ids:
            self.data[i].confirmed_by = self.data[i].confirmed_at = None

    def unmatched_for(self, orders: Collection[Order]) -> list[CancelResult]:
        by_order = {(o.marketplace, o.marketplace_order_id) for o in orders}
        by_item = {(o.marketplace, o.marketplace_item_id) for o in orders if o.marketplace_item_id}
        return [
            _copy(r)
            for _, r in sorted(self.data.items())
            if r.unmatched
            and (
                (r.marketplace, r.marketplace_order_id) in by_order
                or (
                    not r.marketplace_order_id and (r.marketplace, r.marketplace_item_id) in by_item
                )
            )
        ]

    def for_order(self, management_no: str) -> list[CancelResult]:
        return self.for_orders([management_no])

    def for_orders(
        self, management_nos: Collection[str], *, besides: Collection[int] = ()
    ) -> list[CancelResult]:
        return [
            _copy(r)
            for i, r in sorted(self.data.items())
            if r.management_no in management_nos and i not in besides
        ]

    def management_nos(self, ids: Collection[int]) -> dict[int, str | None]:
        return {i: self.data[i].management_no for i in ids if i in self.data}

    def _matching(self, flt: CancelFilter, max_id: int | None) -> list[CancelResult]:
        return [r for r in self.data.values() if result_matches(r, flt, self.tz, max_id)]

    def find(
        self, flt: CancelFilter, *, limit: int, offset: int, max_id: int | None
    ) -> list[CancelResult]:
        found = sorted(
            self._matching(flt, max_id), key=lambda r: (r.claimed_at, r.id or 0), reverse=True
        )
        return [_copy(r) for r in found[offset : offset + limit]]

    def count(self, flt: CancelFilter, *, max_id: int | None) -> int:
        return len(self._matching(flt, max_id))

    def count_and_max_id(self, flt: CancelFilter) -> tuple[int, int]:
        found = self._matching(flt, None)
        return len(found), max((r.id or 0 for r in found), default=0)

    def count_by_category_marketplace(self, flt: CancelFilter) -> dict[tuple[Category, str], int]:
        return dict(Counter((r.category, r.marketplace) for r in self._matching(flt, None)))

    def max_id(self) -> int:
        return max(self.data, default=0)

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        changed = [i for i in sorted(set(ids)) if i in self.data and not self.data[i].confirmed]
        for i in changed:
            self.data[i].confirmed_by, self.data[i].confirmed_at = actor, at
        return changed

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        changed = [i for i in sorted(set(ids)) if i in self.data and self.data[i].confirmed]
        for i in changed:
            self.data[i].confirmed_by, self.data[i].confirmed_at = None, None
        return changed

    def matching_unconfirmed_ids(self, flt: CancelFilter, max_id: int) -> list[int]:
        return [r.id or 0 for r in self._matching(flt, max_id) if not r.confirmed]

    def unconfirmed_summary(self) -> list[SummaryRow]:
        groups: Counter[tuple[Category, str, bool, bool, bool, bool]] = Counter(
            (
                r.category,
                r.marketplace,
                r.partial,
                r.unmatched,
                r.anomaly,
                r.phase is Phase.AFTER_SHIPPING,
            )
            for r in self.data.values()
            if not r.confirmed and not r.snoozed
        )
        return [SummaryRow(*key, count=n) for key, n in groups.items()]

    def stale_unconfirmed(self, cutoff: datetime, limit: int) -> tuple[list[CancelResult], int]:
        found = sorted(
            (
                r
                for r in self.data.values()
                if not r.confirmed
                and not r.snoozed
                and r.phase is Phase.AFTER_SHIPPING
                and r.created_at < cutoff
            ),
            key=lambda r: (r.created_at, r.id or 0),
        )
        return [_copy(r) for r in found[:limit]], len(found)


class FakeWithdrawals:
    def __init__(
        self, store: FakeStore, data: dict[int, Withdrawal], results: dict[int, CancelResult]
    ) -> None:
        self.store = store
        self.data = data
        self.results = results

    def get_many(self, ids: Collection[int]) -> dict[int, Withdrawal]:
        return {i: _copy(self.data[i]) for i in ids if i in self.data}

    def add(self, withdrawals: Sequence[Withdrawal]) -> None:
        for w in withdrawals:
            w.id = next(self.store.ids)
            self.data[w.id] = _copy(w)
        self._one_open_per_order()

    def update(self, withdrawals: Sequence[Withdrawal]) -> None:
        for w in withdrawals:
            assert w.id is not None
            stored = self.data[w.id]
            self.data[w.id] = replace(
                w, confirmed_by=stored.confirmed_by, confirmed_at=stored.confirmed_at
            )
        self._one_open_per_order()

    def _one_open_per_order(self) -> None:
        """The SQL unique index: at most one OPEN withdrawal per order."""
        opens = Counter(w.management_no for w in self.data.values() if w.state is OPEN)
        if any(n > 1 for n in opens.values()):
            raise ConcurrentUpdate("two open withdrawals on one order")

    def for_orders(self, management_nos: Collection[str]) -> list[Withdrawal]:
        return [_copy(w) for _, w in sorted(self.data.items()) if w.management_no in management_nos]

    def for_results(self, result_ids: Collection[int]) -> list[Withdrawal]:
        return [_copy(w) for _, w in sorted(self.data.items()) if w.result_id in result_ids]

    def for_order(self, management_no: str) -> list[Withdrawal]:
        return [_copy(w) for _, w in sorted(self.data.items()) if w.management_no == management_no]

    def _matching(self, flt: CancelFilter) -> list[Withdrawal]:
        out = []
        for w in self.data.values():
            origin = self.results.get(w.result_id)
            if origin is None:
                continue
            wanted = {True: CONFIRMED, False: OPEN, None: w.state}[flt.confirmed]
            if w.state is not wanted:
                continue
            # The withdrawal filter takes the market, date and order words too.
            narrowed = CancelFilter(
                marketplaces=flt.marketplaces,
                phase=None,
                confirmed=None,
                date_from=flt.date_from,
                date_to=flt.date_to,
            )
            as_result = origin
            if not result_matches(as_result, narrowed, SEOUL, None):
                continue
            if flt.order and not {w.management_no, origin.marketplace_order_id} & set(
                flt.order_variants()
            ):
                continue
            out.append(w)
        return out

    def find(self, flt: CancelFilter, *, limit: int, offset: int) -> list[Withdrawal]:
        found = sorted(self._matching(flt), key=lambda w: w.id or 0, reverse=True)
        return [_copy(w) for w in found[offset : offset + limit]]

    def count(self, flt: CancelFilter) -> int:
        return len(self._matching(flt))

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        changed = [i for i in sorted(set(ids)) if i in self.data and self.data[i].state is OPEN]
        for i in changed:
            w = self.data[i]
            w.confirmed_by, w.confirmed_at, w.state = actor, at, CONFIRMED
        return changed

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        changed = [
            i for i in sorted(set(ids)) if i in self.data and self.data[i].state is CONFIRMED
        ]
        for i in changed:
            w = self.data[i]
            w.confirmed_by, w.confirmed_at, w.state = None, None, OPEN
        return changed

    def open_count(self) -> int:
        return sum(1 for w in self.data.values() if w.state is OPEN)

    def stale_open(self, cutoff: datetime, limit: int) -> tuple[list[Withdrawal], int]:
        found = sorted(
            (w for w in self.data.values() if w.state is OPEN and w.created_at < cutoff),
            key=lambda w: (w.created_at, w.id or 0),
        )
        return [_copy(w) for w in found[:limit]], len(found)


class FakeHistory:
    def __init__(self, data: list[CsHistoryEntry]) -> None:
        self.data = data

    def add(self, entries: Iterable[CsHistoryEntry]) -> None:
        self.data.extend(entries)

    def for_order(self, management_no: str) -> list[CsHistoryEntry]:
        return [e for e in self.data if e.management_no == management_no]


class FakeAudit:
    def __init__(self, data: list[ConfirmationEvent]) -> None:
        self.data = data

    def add(self, events: Iterable[ConfirmationEvent]) -> None:
        self.data.extend(events)

    def for_target(self, target: TargetKind, target_id: int) -> list[ConfirmationEvent]:
        return [e for e in self.data if (e.target, e.target_id) == (target, target_id)]


class FakeSync:
    def __init__(self, data: dict[str, SyncState], leases: dict[str, _Lease]) -> None:
        self.data = data
        self.leases = leases

    def _ensure(self, account: str, marketplace: str) -> SyncState:
        return self.data.setdefault(account, SyncState(account, marketplace))

    def _with_lease(self, state: SyncState) -> SyncState:
        copied = _copy(state)
        lease = self.leases.get(state.account)
        if lease is not None:
            copied.lease_owner, copied.lease_until = lease.owner, lease.until
        return copied

    def get(self, account: str) -> SyncState | None:
        found = self.data.get(account)
        return self._with_lease(found) if found else None

    def all(self) -> list[SyncState]:
        return [self._with_lease(s) for _, s in sorted(self.data.items())]

    def set_watermark(
        self, account: str, marketplace: str, watermark: datetime, newest_claim: datetime | None
    ) -> None:
        state = self._ensure(account, marketplace)
        state.watermark = watermark
        if newest_claim is not None and (
            state.last_claim_at is None or state.last_claim_at < newest_claim
        ):
            state.last_claim_at = newest_claim

    def record_success(self, account: str, marketplace: str, at: datetime) -> None:
        state = self._ensure(account, marketplace)
        state.last_success_at, state.last_error, state.last_error_at = at, None, None

    def record_error(self, account: str, marketplace: str, error: str, at: datetime) -> None:
        state = self._ensure(account, marketplace)
        state.last_error, state.last_error_at = error, at

    def try_lease(
        self, account: str, marketplace: str, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        self._ensure(account, marketplace)
        lease = self.leases.setdefault(account, _Lease())
        if lease.owner in (None, owner) or (lease.until is not None and lease.until < now):
            lease.owner, lease.until = owner, now + ttl
            return True
        return False

    def release_lease(self, account: str, owner: str) -> None:
        lease = self.leases.get(account)
        if lease is not None and lease.owner == owner:
            lease.owner, lease.until = None, None


class FakeOutbox:
    def __init__(self, store: FakeStore, data: dict[int, _OutboxRow]) -> None:
        self.store = store
        self.data = data

    def enqueue(self, items: Iterable[OutboxItem], now: datetime) -> None:
        keys = {row.item.dedupe_key for row in self.data.values()}
        for item in items:
            if item.dedupe_key in keys:
                continue
            keys.add(item.dedupe_key)
            item_id = next(self.store.ids)
            stored = replace(item, id=item_id, attempts=0, created_at=now)
            self.data[item_id] = _OutboxRow(stored, next_attempt_at=now)

    def claim_due(
        self, kinds: Collection[OutboxKind], now: datetime, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        out: list[OutboxItem] = []
        for item_id, row in sorted(self.data.items()):
            if len(out) == limit:
                break
            if row.done_at or row.item.kind not in kinds or row.next_attempt_at > now:
                continue
            if row.locked_until is not None and row.locked_until >= now:
                continue
            key = row.item.ordering_key
            if key is not None and any(
                other.item.ordering_key == key and other_id < item_id and other.done_at is None
                for other_id, other in self.data.items()
            ):
                continue
            row.locked_until = now + lease
            row.item = replace(row.item, attempts=row.item.attempts + 1)
            out.append(row.item)
        return out

    def renew(self, item_ids: Collection[int], until: datetime) -> None:
        for item_id in item_ids:
            row = self.data[item_id]
            if row.done_at is None and row.locked_until is not None:
                row.locked_until = until

    def stale_claims(self, now: datetime) -> int:
        return sum(
            1
            for row in self.data.values()
            if row.done_at is None and row.locked_until is not None and row.locked_until < now
        )

    def mark_done(self, item_id: int, now: datetime) -> None:
        row = self.data[item_id]
        row.done_at, row.locked_until, row.last_error = now, None, None

    def mark_retry(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        row = self.data[item_id]
        row.next_attempt_at, row.locked_until, row.last_error = next_attempt_at, None, error

    def _pending(self, kinds: Collection[OutboxKind] | None) -> list[_OutboxRow]:
        return [
            row
            for _, row in sorted(self.data.items())
            if row.done_at is None and (not kinds or row.item.kind in kinds)
        ]

    def pending_count(self, kinds: Collection[OutboxKind] | None = None) -> int:
        return len(self._pending(kinds))

    def pending_targets(self, kind: OutboxKind, limit: int) -> list[tuple[TargetKind, int]]:
        return [
            (row.item.target, row.item.target_id)
            for row in self._pending([kind])
            if row.item.target is not None and row.item.target_id is not None
        ][:limit]

    def last_error(self, kinds: Collection[OutboxKind] | None = None) -> str | None:
        errors = [row.last_error for row in self._pending(kinds) if row.last_error]
        return errors[-1] if errors else None

    # For assertions: what is queued, whatever its state.
    def items(self, kind: OutboxKind | None = None) -> list[OutboxItem]:
        return [r.item for _, r in sorted(self.data.items()) if kind is None or r.item.kind is kind]


class FakeAlerts:
    def __init__(self, data: dict[tuple[TargetKind, int], tuple[str, str]]) -> None:
        self.data = data

    def get(self, target: TargetKind, target_id: int) -> tuple[str, str] | None:
        return self.data.get((target, target_id))

    def posted(self, target: TargetKind, target_ids: Collection[int]) -> set[int]:
        return {i for i in target_ids if (target, i) in self.data}

    def save(
        self, target: TargetKind, target_id: int, channel: str, ts: str, now: datetime
    ) -> None:
        self.data.setdefault((target, target_id), (channel, ts))


class FakeActions:
    def __init__(
        self, store: FakeStore, data: dict[tuple[str, str, str, str], MarketplaceAction]
    ) -> None:
        self.store = store
        self.data = data

    def claim(self, action: MarketplaceAction) -> MarketplaceAction | None:
        key = (action.marketplace, action.account, action.claim_id, action.action.value)
        current = self.data.get(key)
        if current is not None and current.state is not ActionState.FAILED:
            return None
        action.id = current.id if current is not None else next(self.store.ids)
        action.state = ActionState.PENDING
        self.data[key] = _copy(action)
        return action

    def finish(self, action: MarketplaceAction) -> None:
        key = (action.marketplace, action.account, action.claim_id, action.action.value)
        self.data[key] = _copy(action)

    def for_claim(
        self, marketplace: str, account: str, claim_id: str, kind: ActionKind
    ) -> MarketplaceAction | None:
        found = self.data.get((marketplace, account, claim_id, kind.value))
        return _copy(found) if found else None

    def for_results(self, result_ids: Collection[int]) -> dict[int, MarketplaceAction]:
        return {a.result_id: _copy(a) for a in self.data.values() if a.result_id in result_ids}


class FakeQuarantine:
    def __init__(self, store: FakeStore, data: dict[QuarantineKey, QuarantinedRecord]) -> None:
        self.store = store
        self.data = data

    def keep(self, records: Sequence[SetAside], now: datetime) -> None:
        for r in records:
            key = r.key
            known = self.data.get(key)
            start, end = r.window if r.window else (None, None)
            self.data[key] = QuarantinedRecord(
                id=known.id if known else next(self.store.ids),
                account=key.account,
                marketplace=r.marketplace,
                claim_id=key.claim_id,
                line=key.line,
                reason=r.reason,
                raw=r.raw,
                first_seen_at=known.first_seen_at if known else now,
                last_seen_at=now,
                times_seen=known.times_seen + 1 if known else 1,
                window_start=start,
                window_end=end,
            )

    def for_claims(self, account: str, claim_ids: Collection[str]) -> list[QuarantinedRecord]:
        wanted = set(claim_ids)
        return [r for r in self.data.values() if r.account == account and r.claim_id in wanted]

    def get_many(self, ids: Collection[int]) -> list[QuarantinedRecord]:
        wanted = set(ids)
        return sorted((r for r in self.data.values() if r.id in wanted), key=lambda r: r.id)

    def remove(self, ids: Collection[int]) -> None:
        gone = set(ids)
        for key in [k for k, r in self.data.items() if r.id in gone]:
            del self.data[key]

    def listing(self, limit: int) -> list[QuarantinedRecord]:
        ordered = sorted(self.data.values(), key=lambda r: (r.last_seen_at, r.id), reverse=True)
        return ordered[:limit]

    def count_by_account(self) -> dict[str, int]:
        return dict(Counter(r.account for r in self.data.values()))


class FakePace:
    def __init__(self, data: dict[str, float]) -> None:
        self.data = data

    def reserve(self, key: str, now: float, interval: float) -> float:
        start = max(self.data.get(key, now), now)
        self.data[key] = start + interval
        return start

    def hold(self, key: str, until: float) -> None:
        self.data[key] = max(self.data.get(key, until), until)


class FakeCases:
    """core.ports.CaseRepository over the results: conditional writes, as in SQL."""

    def __init__(self, results: dict[int, CancelResult], history: list[CsHistoryEntry]) -> None:
        self.results = results
        self.history = history

    def take(self, result_id: int, user: str, at: datetime, *, previous: str | None = None) -> bool:
        result = self.results.get(result_id)
        if result is None or result.taken_by != previous:
            return False
        result.taken_by, result.taken_at = user, at
        return True

    def release(self, result_id: int, user: str) -> bool:
        result = self.results.get(result_id)
        if result is None or result.taken_by != user:
            return False
        result.taken_by = result.taken_at = None
        return True

    def snooze(self, result_id: int, until: datetime, by: str) -> bool:
        result = self.results.get(result_id)
        if result is None or result.confirmed:
            return False
        result.snoozed_until, result.snoozed_by = until, by
        return True

    def due_snoozes(self, now: datetime, limit: int) -> list[CancelResult]:
        due = [
            r
            for r in self.results.values()
            if r.snoozed_until is not None and r.snoozed_until <= now
        ]
        due.sort(key=lambda r: (r.snoozed_until or now, r.id or 0))
        return [_copy(r) for r in due[:limit]]

    def wake(self, result_id: int, now: datetime) -> bool:
        result = self.results.get(result_id)
        if result is None or result.snoozed_until is None or result.snoozed_until > now:
            return False
        result.snoozed_until = result.snoozed_by = None
        return True

    def taken_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        found = sorted(
            (r for r in self.results.values() if r.taken_by == user and not r.confirmed),
            key=lambda r: (r.taken_at or datetime.min.replace(tzinfo=UTC), r.id or 0),
            reverse=True,
        )
        return [_copy(r) for r in found[:limit]], len(found)

    def snoozed_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        found = sorted(
            (r for r in self.results.values() if r.snoozed_by == user and r.snoozed),
            key=lambda r: (r.snoozed_until or datetime.max.replace(tzinfo=UTC), r.id or 0),
        )
        return [_copy(r) for r in found[:limit]], len(found)

    def holders(self, result_ids: Collection[int]) -> dict[int, str]:
        return {
            i: holder
            for i in result_ids
            if i in self.results and (holder := self.results[i].taken_by) is not None
        }

    def unmatched_notes(self, result_ids: Collection[int]) -> list[CsHistoryEntry]:
        wanted = set(result_ids)
        return [e for e in self.history if not e.management_no and e.result_id in wanted]


class FakeEscalations:
    def __init__(
        self,
        data: dict[tuple[TargetKind, int], datetime],
        results: dict[int, CancelResult],
        withdrawals: dict[int, Withdrawal],
    ) -> None:
        self.data = data
        self.results = results
        self.withdrawals = withdrawals

    def due(self, cutoff: datetime, limit: int) -> list[tuple[TargetKind, int]]:
        waiting: list[tuple[datetime, TargetKind, int]] = [
            (w.created_at, TargetKind.WITHDRAWAL, i)
            for i, w in self.withdrawals.items()
            if w.state is OPEN and w.created_at < cutoff
        ]
        waiting += [
            (r.created_at, TargetKind.RESULT, i)
            for i, r in self.results.items()
            if not r.confirmed
            and not r.snoozed
            and r.phase is Phase.AFTER_SHIPPING
            and r.created_at < cutoff
        ]
        fresh = sorted(w for w in waiting if (w[1], w[2]) not in self.data)
        return [(target, target_id) for _, target, target_id in fresh[:limit]]

    def record(self, targets: Collection[tuple[TargetKind, int]], at: datetime) -> None:
        for target in targets:
            self.data.setdefault(target, at)


class FakeUnitOfWork:
    """core.ports.UnitOfWork over a FakeStore: works on a copy, written back on commit."""

    def __init__(
        self,
        store: FakeStore,
        *,
        tz: tzinfo = SEOUL,
        oms_events: bool = False,
        accept_accounts: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.tz = tz
        self.oms_events = oms_events
        self.accept_accounts = accept_accounts
        self.committed = False
        self.reading = False

    def read_only(self) -> Self:
        self.reading = True
        return self

    def __enter__(self) -> Self:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._work: dict[str, Any] = {}  # not committed: gone

    def commit(self) -> None:
        if self.reading:
            raise AssertionError("a read-only unit of work was committed")
        for name, value in self._work.items():
            setattr(self.store, name, value)
        self.store.commits += 1
        self.committed = True
        self._begin()  # later writes in the same block need their own commit, as in SQL

    def rollback(self) -> None:
        self._begin()

    def _begin(self) -> None:
        shared = ("ids", "commits")
        self._work = copy.deepcopy({k: v for k, v in vars(self.store).items() if k not in shared})
        w = self._work
        self.orders = FakeOrders(w["orders"])
        self.results = FakeResults(self.store, w["results"], self.tz)
        self.withdrawals = FakeWithdrawals(self.store, w["withdrawals"], w["results"])
        self.history = FakeHistory(w["history"])
        self.audit = FakeAudit(w["audit"])
        self.sync = FakeSync(w["sync"], w["leases"])
        self.outbox = FakeOutbox(self.store, w["outbox"])
        self.alerts = FakeAlerts(w["alerts"])
        self.actions = FakeActions(self.store, w["actions"])
        self.quarantine = FakeQuarantine(self.store, w["quarantine"])
        self.pace = FakePace(w["pace"])
        self.cases = FakeCases(w["results"], w["history"])
        self.escalations = FakeEscalations(w["escalations"], w["results"], w["withdrawals"])


def fake_uow_factory(
    store: FakeStore | None = None,
    *,
    oms_events: bool = False,
    accept_accounts: frozenset[str] = frozenset(),
) -> Callable[[], FakeUnitOfWork]:
    store = store or FakeStore()
    return lambda: FakeUnitOfWork(store, oms_events=oms_events, accept_accounts=accept_accounts)


@dataclass
class FakeClock:
    """A clock that moves only when told to."""

    at: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 1, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


__all__ = ["FakeClock", "FakeStore", "FakeUnitOfWork", "fake_uow_factory", "result_matches"]


@dataclass
class FakeClaimActions:
    """core.ports.ClaimActions: the marketplace's view of one claim, and what accepting it
    answers; every call is recorded (the point: a write is made once)."""

    at_marketplace: ClaimAtMarketplace = field(
        default_factory=lambda: ClaimAtMarketplace(True, ClaimState.REQUESTED, False, "취소요청")
    )
    answer: ActionOutcome = field(
        default_factory=lambda: ActionOutcome(ActionState.DONE, "", "", 200, 1)
    )
    reads: list[ActionRequest] = field(default_factory=list)
    writes: list[ActionRequest] = field(default_factory=list)
    closed: int = 0

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        self.reads.append(request)
        return self.at_marketplace

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        self.writes.append(request)
        if self.answer.state is ActionState.DONE:
            self.at_marketplace = replace(self.at_marketplace, claim_state=ClaimState.COMPLETED)
        return self.answer

    def close(self) -> None:
        self.closed += 1
