"""The ports core needs from the outside world: Protocols only. Adapters implement them;
tests fake them (tests/fakes.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from core.account_check import AccountCheck
from core.claims import Claim, ClaimKey
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ClaimAtMarketplace,
    MarketplaceAction,
)
from core.orders import Order
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
)
from core.rules import LineIds
from core.set_aside import QuarantinedRecord, SetAside
from core.sync_state import SyncState


class ClaimSource(Protocol):
    """One marketplace account's cancel/return lists.

    `fetch_claims` returns every claim line whose state changed in [start, end). It either
    returns the whole window or raises core.errors.MarketplaceError: never half a window.
    """

    account: str
    marketplace: str
    max_window: timedelta  # the longest window the marketplace accepts in one query
    # Records the source could not read without guessing, kept for a person (the
    # quarantine); appended once a window is complete, so the list grows across fetches.
    set_aside: list[SetAside]

    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]: ...

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        """The same window page by page, so applying overlaps fetching; a source that cannot
        page yields the whole window once."""
        ...

    def close(self) -> None:
        """Free connections; the source is not used again."""
        ...

    def check(self) -> AccountCheck:
        """One cheap authenticated call: do the keys, the ids, the IP allow-list work?"""
        ...


class ClaimActions(Protocol):
    """What cancelbot may do at one marketplace account (issue 19). The marketplace offers
    no idempotency key, so the caller claims its action row first and re-reads the claim
    just before acting."""

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        """The claim as the marketplace shows it now, in one cheap call. Raises
        core.errors.MarketplaceError when it cannot be read."""
        ...

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        """Accept the buyer's cancel request: one write, never retried. Never raises for
        what the marketplace answers: a refusal is FAILED with its code and message; a
        timeout or 5xx re-reads the claim (completed: DONE; still requested: FAILED "not
        applied"; anything else: UNKNOWN "check the seller page")."""
        ...

    def close(self) -> None:
        """Free connections; not used again."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class EventSender(Protocol):
    """The order system's webhook."""

    def send(self, idempotency_key: str, payload: dict[str, Any]) -> None:
        """Deliver one event or raise core.errors.DeliveryError."""
        ...


class OrderRepository(Protocol):
    def get(self, management_no: str) -> Order | None: ...

    def get_many(self, management_nos: Collection[str], *, lock: bool = False) -> dict[str, Order]:
        """`lock` holds them for this unit of work: two writers settling the same order
        wait for each other (PostgreSQL; SQLite has one writer anyway)."""
        ...

    def candidates(self, lines: Collection[LineIds], *, lock: bool) -> list[Order]:
        """Every order line that could match one of the claim lines (same marketplace and
        order id, or item id when no order id is reported). `lock` as in get_many."""
        ...

    def save_hold(self, orders: Collection[Order], now: datetime) -> None:
        """Persist the hold (cancelled, on_hold, held_at, held_qty) of existing orders."""
        ...

    def count_by_marketplace(self) -> dict[str, int]: ...

    def insert(self, orders: Sequence[Order], now: datetime) -> None:
        """New orders. Raises ConcurrentUpdate when another writer created one first."""
        ...

    def update(self, orders: Sequence[Order], now: datetime) -> None:
        """The imported fields of existing orders, by management number (never the hold,
        which is cancelbot's own)."""
        ...


class ResultRepository(Protocol):
    def get(self, result_id: int) -> CancelResult | None: ...

    def get_many(self, ids: Collection[int]) -> dict[int, CancelResult]: ...

    def stamps(self, keys: Collection[ClaimKey]) -> dict[ClaimKey, ResultStamp]:
        """The stored results of these claim keys, as much of each as a claim seen again
        is compared with; their rows are locked for this unit of work (PostgreSQL)."""
        ...

    def add(self, results: Sequence[CancelResult]) -> None:
        """Insert new results and set their ids. Raises ConcurrentUpdate when another unit
        of work inserted the same claim key first."""
        ...

    def update(self, results: Sequence[CancelResult]) -> None:
        """Everything but the confirmation, which has its own conditional writes."""
        ...

    def clear_confirmations(self, ids: Collection[int]) -> None:
        """Void these results' confirmations (the audit event is the caller's)."""
        ...

    def unmatched_for(self, orders: Collection[Order]) -> list[CancelResult]:
        """Unmatched results that name one of these orders' ids (same marketplace, and the
        order id, or the item id when the claim reported no order id)."""
        ...

    def for_order(self, management_no: str) -> list[CancelResult]: ...

    def for_orders(
        self, management_nos: Collection[str], *, besides: Collection[int] = ()
    ) -> list[CancelResult]:
        """Every result on these orders but the ids in `besides` (ones the caller holds)."""
        ...

    def management_nos(self, ids: Collection[int]) -> dict[int, str | None]: ...

    def find(
        self, flt: CancelFilter, *, limit: int, offset: int, max_id: int | None
    ) -> list[CancelResult]: ...

    def count(self, flt: CancelFilter, *, max_id: int | None) -> int: ...

    def count_and_max_id(self, flt: CancelFilter) -> tuple[int, int]: ...

    def count_by_category_marketplace(
        self, flt: CancelFilter
    ) -> dict[tuple[Category, str], int]: ...

    def max_id(self) -> int: ...

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        """Conditional update: confirm those not yet confirmed; returns the ids it changed."""
        ...

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        """Conditional update: unconfirm those confirmed; returns the ids it changed."""
        ...

    def matching_unconfirmed_ids(self, flt: CancelFilter, max_id: int) -> list[int]: ...

    def unconfirmed_summary(self) -> list[SummaryRow]:
        """Unconfirmed results that are not snoozed, grouped as App Home counts them."""
        ...

    def stale_unconfirmed(self, cutoff: datetime, limit: int) -> tuple[list[CancelResult], int]:
        """Unconfirmed, unsnoozed after-shipping results created before `cutoff`: the
        oldest `limit` and how many there are."""
        ...


class WithdrawalRepository(Protocol):
    def get_many(self, ids: Collection[int]) -> dict[int, Withdrawal]: ...

    def add(self, withdrawals: Sequence[Withdrawal]) -> None:
        """Insert new withdrawals and set their ids."""
        ...

    def update(self, withdrawals: Sequence[Withdrawal]) -> None:
        """Quantity, reason, state and why it closed; never the confirmation."""
        ...

    def for_results(self, result_ids: Collection[int]) -> list[Withdrawal]: ...

    def for_order(self, management_no: str) -> list[Withdrawal]: ...

    def for_orders(self, management_nos: Collection[str]) -> list[Withdrawal]: ...

    def find(self, flt: CancelFilter, *, limit: int, offset: int) -> list[Withdrawal]:
        """`flt.confirmed`: False → OPEN ones (the default: what to release now), True →
        CONFIRMED ones, None → every state, superseded ones included."""
        ...

    def count(self, flt: CancelFilter) -> int: ...

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        """Conditional update OPEN → CONFIRMED; returns the ids it changed."""
        ...

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        """Conditional update CONFIRMED → OPEN; returns the ids it changed."""
        ...

    def open_count(self) -> int: ...

    def stale_open(self, cutoff: datetime, limit: int) -> tuple[list[Withdrawal], int]:
        """OPEN withdrawals created before `cutoff`: the oldest `limit` and how many."""
        ...


class HistoryRepository(Protocol):
    def add(self, entries: Iterable[CsHistoryEntry]) -> None: ...

    def for_order(self, management_no: str) -> list[CsHistoryEntry]: ...


class AuditLog(Protocol):
    def add(self, events: Iterable[ConfirmationEvent]) -> None: ...

    def for_target(self, target: TargetKind, target_id: int) -> list[ConfirmationEvent]: ...


class SyncStateRepository(Protocol):
    def get(self, account: str) -> SyncState | None: ...

    def all(self) -> list[SyncState]: ...

    def set_watermark(
        self, account: str, marketplace: str, watermark: datetime, newest_claim: datetime | None
    ) -> None: ...

    def record_success(self, account: str, marketplace: str, at: datetime) -> None: ...

    def record_error(self, account: str, marketplace: str, error: str, at: datetime) -> None: ...

    def try_lease(
        self, account: str, marketplace: str, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        """Take or renew the account's sync lease unless another owner holds a live one."""
        ...

    def release_lease(self, account: str, owner: str) -> None: ...


class OutboxRepository(Protocol):
    def enqueue(self, items: Iterable[OutboxItem], now: datetime) -> None:
        """Add items; an item whose dedupe_key is already queued is kept once."""
        ...

    def claim_due(
        self, kinds: Collection[OutboxKind], now: datetime, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        """Items due for delivery, locked for `lease` so no other worker takes them."""
        ...

    def renew(self, item_ids: Collection[int], until: datetime) -> None:
        """Extend the lease of claimed items not done yet (the worker's heartbeat)."""
        ...

    def mark_done(self, item_id: int, now: datetime) -> None: ...

    def mark_retry(self, item_id: int, error: str, next_attempt_at: datetime) -> None: ...

    def stale_claims(self, now: datetime) -> int:
        """Items claimed by a worker whose lease ran out before it finished them (a dead
        worker's): due again, and shown by /healthz until another worker takes them."""
        ...

    def pending_count(self, kinds: Collection[OutboxKind] | None = None) -> int: ...

    def pending_targets(self, kind: OutboxKind, limit: int) -> list[tuple[TargetKind, int]]:
        """The targets of undelivered items of `kind`, oldest first (read only)."""
        ...

    def last_error(self, kinds: Collection[OutboxKind] | None = None) -> str | None: ...


class ActionRepository(Protocol):
    """Actions at the marketplace (issue 19), one row per claim and action."""

    def claim(self, action: MarketplaceAction) -> MarketplaceAction | None:
        """Insert the PENDING row, or take a FAILED one back to PENDING (a person may try
        a refused or unapplied action again); None when a row exists in any other state
        (another click, person or replica has it, or it is done or unknown). Sets the id."""
        ...

    def finish(self, action: MarketplaceAction) -> None:
        """Record how a PENDING action ended (state, code, message, status, calls)."""
        ...

    def for_claim(
        self, marketplace: str, account: str, claim_id: str, kind: ActionKind
    ) -> MarketplaceAction | None: ...

    def for_results(self, result_ids: Collection[int]) -> dict[int, MarketplaceAction]:
        """The latest action on each result (by the result id it was asked from)."""


class PaceRepository(Protocol):
    """Slots for paced calls, shared by every replica (times in seconds since the epoch)."""

    def reserve(self, key: str, now: float, interval: float) -> float:
        """Take the next free slot for `key` and return its start: the first slot free at or
        after `now`, then one every `interval` seconds, whoever takes them."""
        ...

    def hold(self, key: str, until: float) -> None:
        """No slot for `key` before `until` (the peer asked us to wait)."""
        ...


class AlertMessageRepository(Protocol):
    """Where each alert lives in Slack (channel, ts), so updates and buttons survive restarts."""

    def get(self, target: TargetKind, target_id: int) -> tuple[str, str] | None: ...

    def posted(self, target: TargetKind, target_ids: Collection[int]) -> set[int]:
        """Which of these targets have a channel message."""
        ...

    def save(
        self, target: TargetKind, target_id: int, channel: str, ts: str, now: datetime
    ) -> None: ...


class QuarantineRepository(Protocol):
    """Set-aside records, one per QuarantineKey (core.set_aside)."""

    def keep(self, records: Sequence[SetAside], now: datetime) -> None:
        """Insert each record, or update the one with its key: reason, raw, last seen (now),
        times seen + 1 and its window."""
        ...

    def for_claims(self, account: str, claim_ids: Collection[str]) -> list[QuarantinedRecord]:
        """The account's records whose claim id is one of these."""
        ...

    def get_many(self, ids: Collection[int]) -> list[QuarantinedRecord]: ...

    def remove(self, ids: Collection[int]) -> None: ...

    def listing(self, limit: int) -> list[QuarantinedRecord]:
        """Newest sightings first."""
        ...

    def count_by_account(self) -> dict[str, int]: ...


class CaseRepository(Protocol):
    """A person's hands on a result (issue 18): who took it, and snoozes. Every write is
    conditional, so two people clicking at once (on two replicas) change it once."""

    def take(self, result_id: int, user: str, at: datetime, *, previous: str | None = None) -> bool:
        """Give the result to `user` if nobody holds it (or, with `previous`, if that
        person still does: a take over). Whether it changed."""
        ...

    def release(self, result_id: int, user: str) -> bool:
        """Let go of the result if `user` holds it. Whether it changed."""
        ...

    def snooze(self, result_id: int, until: datetime, by: str) -> bool:
        """Snooze an unconfirmed result until `until` (a later snooze replaces it)."""
        ...

    def due_snoozes(self, now: datetime, limit: int) -> list[CancelResult]:
        """Snoozed results whose time has come, soonest first."""
        ...

    def wake(self, result_id: int, now: datetime) -> bool:
        """End the result's snooze if its time has come. Whether it changed (only one of
        several replicas waking it at once gets True)."""
        ...

    def taken_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        """Unconfirmed results `user` took, newest first (at most `limit`), and how many."""
        ...

    def snoozed_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        """Results `user` snoozed that are still snoozed, soonest back first, and how many."""
        ...

    def holders(self, result_ids: Collection[int]) -> dict[int, str]:
        """Who holds each of these results (ids nobody holds are left out)."""
        ...

    def unmatched_notes(self, result_ids: Collection[int]) -> list[CsHistoryEntry]:
        """Notes on results that had no order when written (no management number)."""
        ...


class EscalationRepository(Protocol):
    """Which alerts were escalated to the team's user group (issue 18), once each."""

    def due(self, cutoff: datetime, limit: int) -> list[tuple[TargetKind, int]]:
        """Not yet escalated and waiting since before `cutoff`: open withdrawals, and
        unconfirmed, unsnoozed results after shipping. Oldest first."""
        ...

    def record(self, targets: Collection[tuple[TargetKind, int]], at: datetime) -> None:
        """Mark them escalated; one already marked stays as it was."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without commit() rolls everything back.

    `oms_events`: whether changes also queue events for the order system's webhook.
    `accept_accounts`: accounts where a person can accept a cancel request at the
    marketplace from Slack, so a before-shipping request is alerted too (issue 19).

    `with make_uow().read_only() as uow:` only reads: it never waits for a writer (nor
    makes one wait) and cannot commit."""

    oms_events: bool
    accept_accounts: frozenset[str]

    orders: OrderRepository
    results: ResultRepository
    withdrawals: WithdrawalRepository
    history: HistoryRepository
    audit: AuditLog
    sync: SyncStateRepository
    outbox: OutboxRepository
    alerts: AlertMessageRepository
    actions: ActionRepository
    quarantine: QuarantineRepository
    pace: PaceRepository
    cases: CaseRepository
    escalations: EscalationRepository

    def read_only(self) -> Self:
        """This unit of work, made read-only; call before entering it."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
