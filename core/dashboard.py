"""What needs attention (App Home, the demo), how the accounts and deliveries are doing
(/healthz, `cancelbot status`, App Home) and what has waited too long (the digest)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from core.outbox import SLACK_KINDS, OutboxItem, OutboxKind
from core.ports import UnitOfWork
from core.results import CancelResult, Category, Withdrawal
from core.sync_state import SyncState

DIGEST_AGE = timedelta(hours=24)
DIGEST_LIST_MAX = 20


@dataclass(frozen=True)
class AttentionCounts:
    """Unconfirmed results by category and by marketplace, plus the flagged ones."""

    by_category: dict[Category, int] = field(default_factory=dict)
    by_marketplace: dict[str, int] = field(default_factory=dict)
    partial: int = 0
    unmatched: int = 0
    anomaly: int = 0
    after_shipping: int = 0
    withdrawals: int = 0  # open ones: goods on hold to release and ship now


@dataclass(frozen=True)
class AccountStatus:
    state: SyncState
    order_count: int  # orders of the account's marketplace in the order book
    quarantined: int = 0  # its claim records set aside (core.quarantine)


def attention(make_uow: Callable[[], UnitOfWork]) -> AttentionCounts:
    with make_uow().read_only() as uow:
        rows = uow.results.unconfirmed_summary()
        withdrawals = uow.withdrawals.open_count()
    by_category: Counter[Category] = Counter()
    by_market: Counter[str] = Counter()
    partial = unmatched = anomaly = after = 0
    for row in rows:
        by_category[row.category] += row.count
        by_market[row.marketplace] += row.count
        partial += row.count if row.partial else 0
        unmatched += row.count if row.unmatched else 0
        anomaly += row.count if row.anomaly else 0
        after += row.count if row.after_shipping else 0
    return AttentionCounts(
        by_category=dict(by_category),
        by_marketplace=dict(by_market),
        partial=partial,
        unmatched=unmatched,
        anomaly=anomaly,
        after_shipping=after,
        withdrawals=withdrawals,
    )


def account_statuses(make_uow: Callable[[], UnitOfWork]) -> list[AccountStatus]:
    with make_uow().read_only() as uow:
        states = uow.sync.all()
        orders = uow.orders.count_by_marketplace()
    return [AccountStatus(s, orders.get(s.marketplace, 0)) for s in states]


@dataclass(frozen=True)
class Backlog:
    """Outbox items not delivered yet, and the latest delivery error among them."""

    pending: int
    last_error: str | None


@dataclass(frozen=True)
class Health:
    accounts: list[AccountStatus]  # every account that ever synced, by name
    slack: Backlog
    oms_webhook: Backlog
    # Set-aside records by account, claims files' accounts (that never synced) included.
    quarantined: dict[str, int] = field(default_factory=dict)
    stale_claims: int = 0  # outbox items a dead worker held (due again for the others)

    def account(self, name: str) -> AccountStatus | None:
        return next((a for a in self.accounts if a.state.account == name), None)


def health(make_uow: Callable[[], UnitOfWork], now: datetime | None = None) -> Health:
    """Sync health per account (and its lease) and the delivery backlogs, in one read.
    `now`: when leases and claims are judged stale (the default leaves them uncounted)."""
    with make_uow().read_only() as uow:
        states = uow.sync.all()
        orders = uow.orders.count_by_marketplace()
        slack = Backlog(uow.outbox.pending_count(SLACK_KINDS), uow.outbox.last_error(SLACK_KINDS))
        webhook = [OutboxKind.WEBHOOK]
        oms = Backlog(uow.outbox.pending_count(webhook), uow.outbox.last_error(webhook))
        quarantined = uow.quarantine.count_by_account()
        stale = uow.outbox.stale_claims(now) if now is not None else 0
    accounts = [
        AccountStatus(s, orders.get(s.marketplace, 0), quarantined.get(s.account, 0))
        for s in states
    ]
    return Health(accounts, slack, oms, quarantined, stale)


@dataclass(frozen=True)
class Digest:
    results: list[CancelResult]
    withdrawals: list[Withdrawal]
    total_results: int
    total_withdrawals: int

    @property
    def empty(self) -> bool:
        return self.total_results == 0 and self.total_withdrawals == 0


def digest(
    make_uow: Callable[[], UnitOfWork], now: datetime, age: timedelta = DIGEST_AGE
) -> Digest:
    """Unconfirmed after-shipping results and open withdrawals older than `age`."""
    cutoff = now - age
    with make_uow().read_only() as uow:
        results, total_r = uow.results.stale_unconfirmed(cutoff, DIGEST_LIST_MAX)
        withdrawals, total_w = uow.withdrawals.stale_open(cutoff, DIGEST_LIST_MAX)
    return Digest(results, withdrawals, total_r, total_w)


def digest_key(now: datetime, tz: tzinfo) -> str:
    """One digest per local calendar day, however many replicas queue it."""
    return f"digest:{now.astimezone(tz).date().isoformat()}"


def queue_digest(make_uow: Callable[[], UnitOfWork], now: datetime, tz: tzinfo) -> str:
    """Queue today's digest (the Slack side builds and posts it); returns its dedupe key."""
    key = digest_key(now, tz)
    item = OutboxItem(OutboxKind.DIGEST, None, None, key, {"date": key.split(":", 1)[1]})
    with make_uow() as uow:
        uow.outbox.enqueue([item], now)
        uow.commit()
    return key
