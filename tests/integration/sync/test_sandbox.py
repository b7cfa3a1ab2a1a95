"""The built-in sandbox: every SPEC situation, deterministic, new claims over time."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.marketplaces.sandbox import SandboxClaimSource, SandboxMarketplace
from core import order_book, read_models
from core.claims import ClaimState
from core.queries import CancelFilter
from core.results import Category, WithdrawalReason
from core.sync import sync_account
from tests.integration.marketplaces.faketime import FakeTime

ANCHOR = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
EVERYTHING = CancelFilter(phase=None, confirmed=None)


def _world(seed: int = 7) -> SandboxMarketplace:
    return SandboxMarketplace("sandbox", seed=seed, anchor=ANCHOR)


def test_same_seed_same_world() -> None:
    a, b = _world(), _world()
    until = ANCHOR + timedelta(hours=1)
    assert a.orders() == b.orders()
    assert a.events(until) == b.events(until)
    assert _world(8).orders() != a.orders()


def test_sandbox_sync_covers_every_situation(make_uow: Any) -> None:
    world = _world()
    clock = FakeTime(ANCHOR)
    order_book.import_orders(make_uow, world.orders(), ANCHOR)

    report = sync_account(make_uow, SandboxClaimSource(world, clock), ANCHOR)

    assert report.ok and report.stats.unmatched == 1
    results = read_models.list_results(make_uow, EVERYTHING, limit=100).items
    assert set(Counter(r.category for r in results)) == set(Category)
    assert any(r.partial and r.phase.value == "BEFORE_SHIPPING" for r in results)
    assert any(r.partial and r.phase.value == "AFTER_SHIPPING" for r in results)
    assert any(r.unmatched for r in results) and any(r.anomaly for r in results)
    assert any(r.claim_state is ClaimState.WITHDRAWN for r in results)
    withdrawals = [
        v.withdrawal for v in read_models.list_withdrawals(make_uow, CancelFilter()).items
    ]
    assert {w.reason for w in withdrawals} == {WithdrawalReason.PARTIAL, WithdrawalReason.WITHDRAWN}


def test_new_claims_appear_over_time(make_uow: Any) -> None:
    world = _world()
    clock = FakeTime(ANCHOR)
    order_book.import_orders(make_uow, world.orders(), ANCHOR)
    source = SandboxClaimSource(world, clock)
    first = sync_account(make_uow, source, clock.now())

    clock.advance(timedelta(minutes=35))
    later = sync_account(make_uow, source, clock.now())

    assert first.stats.new > 0
    assert later.stats.new == 3  # one every 10 minutes
    assert sync_account(make_uow, source, clock.now()).stats.new == 0
