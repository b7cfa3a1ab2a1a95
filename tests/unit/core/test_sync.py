"""The sync engine and the account lease against the dict-backed unit of work and a fake
claim source: windows, watermark, overlap, failures and races."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import sync
from core.claims import Claim
from core.errors import ConcurrentUpdate, MarketplaceError
from core.order_book import import_orders
from core.orders import OrderStatus
from core.set_aside import SetAside
from core.sync import (
    Lease,
    lease_heartbeat,
    release_lease,
    sync_account,
    sync_due,
    take_lease,
)
from core.transactions import in_transaction
from tests.factories import claim_for, make_order
from tests.fakes import FakeClock, FakeStore, FakeUnitOfWork, fake_uow_factory


@dataclass
class FakeSource:
    """core.ports.ClaimSource: claims by claimed_at, paged; fails the windows asked to."""

    claims: list[Claim] = field(default_factory=list)
    account: str = "main"
    marketplace: str = "coupang"
    max_window: timedelta = timedelta(days=1)
    page_size: int = 2
    fail_from: datetime | None = None  # windows ending after this fail
    asked: list[tuple[datetime, datetime]] = field(default_factory=list)
    closed: bool = False
    set_aside: list[SetAside] = field(default_factory=list)

    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]:
        return [c for page in self.iter_claims(start, end) for c in page]

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        self.asked.append((start, end))
        found = [c for c in self.claims if start <= c.claimed_at < end]
        for i in range(0, len(found), self.page_size):
            yield found[i : i + self.page_size]
        if self.fail_from is not None and end > self.fail_from:
            raise MarketplaceError("HTTP 503 after the pages", account=self.account)

    def close(self) -> None:
        self.closed = True


def test_a_first_pass_looks_back_and_sets_the_watermark_to_now() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    now = clock.now()
    order = make_order(status=OrderStatus.SHIPPED)
    import_orders(make_uow, [order], now)
    source = FakeSource([claim_for(order, claimed_at=now - timedelta(hours=30))])
    report = sync_account(make_uow, source, now, lookback=timedelta(days=2))
    assert report.ok and report.fetched == 1 and report.stats.new == 1 and report.windows == 2
    assert source.asked[0][0] == now - timedelta(days=2) and source.asked[-1][1] == now
    assert store.sync["main"].watermark == now and store.sync["main"].last_success_at == now


def test_the_next_pass_reads_back_an_overlap_and_changes_nothing_twice() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    claims = [claim_for(claimed_at=clock.now() - timedelta(minutes=m)) for m in (1, 2, 3)]
    source = FakeSource(claims)
    sync_account(make_uow, source, clock.now(), lookback=timedelta(hours=1))
    first = clock.now()
    second = sync_account(make_uow, source, clock.advance(minutes=5), overlap=timedelta(minutes=10))
    assert source.asked[-1] == (first - timedelta(minutes=10), clock.now())
    assert second.stats.new == 0 and second.stats.unchanged == 3


def test_a_window_that_fails_halfway_keeps_its_pages_and_the_watermark_before_it() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    now = clock.now()
    claims = [claim_for(claimed_at=now - timedelta(hours=h)) for h in (30, 2, 1)]
    source = FakeSource(claims, fail_from=now - timedelta(hours=1))
    report = sync_account(make_uow, source, now, lookback=timedelta(days=2))
    assert not report.ok and "HTTP 503" in (report.error or "")
    # The failing window's page was applied (applying twice changes nothing), but the
    # watermark stays before that window, so the next pass reads all of it again.
    assert len(store.results) == 3
    assert store.sync["main"].watermark == now - timedelta(days=1)
    assert store.sync["main"].last_error == report.error

    source.fail_from = None
    again = sync_account(make_uow, source, clock.advance(minutes=5))
    assert again.ok and again.stats.new == 0 and again.stats.unchanged == 2
    assert len(store.results) == 3 and store.sync["main"].watermark == clock.now()


@dataclass
class GatedSource(FakeSource):
    """Pages as FakeSource; `fetched` is set once every page is in the prefetch queue."""

    fetched: threading.Event = field(default_factory=threading.Event)

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        yield from super().iter_claims(start, end)
        self.fetched.set()  # the producer asked past the last page: all of them are queued


def commits_while_fetching_is_ahead(
    store: FakeStore, source: GatedSource, now: datetime
) -> tuple[list[tuple[int, object]], tuple[int, object]]:
    """(results stored, watermark) at each commit of a pass whose first commit waits
    until every page is fetched, as when the database is slower than the marketplace:
    the pages' commits, and the watermark's."""
    seen: list[tuple[int, object]] = []

    class Watching(FakeUnitOfWork):
        def commit(self) -> None:
            assert source.fetched.wait(timeout=5)
            super().commit()
            state = store.sync.get("main")
            seen.append((len(store.results), state.watermark if state else None))

    report = sync_account(lambda: Watching(store), source, now, lookback=timedelta(hours=1))
    assert report.ok and report.fetched == len(source.claims)
    *pages, watermark, _success = seen
    return pages, watermark


def test_pages_fetched_while_one_is_applied_commit_together_and_the_watermark_last() -> None:
    store, clock = FakeStore(), FakeClock()
    now = clock.now()
    source = GatedSource([claim_for(claimed_at=now - timedelta(minutes=m)) for m in range(1, 8)])
    pages, watermark = commits_while_fetching_is_ahead(store, source, now)
    # Whatever the first commit took (page 1, or more if they were fetched by then), the
    # pages fetched while it waited commit together; the watermark moved after the last.
    assert [n for n, _ in pages] in ([2, 7], [4, 7], [6, 7], [7])
    assert all(mark is None for _, mark in pages)
    assert watermark == (7, now)


def test_pages_commit_together_up_to_a_batch_and_never_split(monkeypatch: Any) -> None:
    monkeypatch.setattr(sync, "APPLY_BATCH", 5)
    store, clock = FakeStore(), FakeClock()
    now = clock.now()
    source = GatedSource([claim_for(claimed_at=now - timedelta(minutes=m)) for m in range(1, 12)])
    pages, watermark = commits_while_fetching_is_ahead(store, source, now)
    # Pages of 2 and a last of 1: two pages at a time once fetching is ahead (a third
    # would pass 5 claims), whole pages only, the first commit as much as was fetched.
    assert [n for n, _ in pages] in ([2, 6, 10, 11], [4, 8, 11])
    assert watermark == (11, now)


def test_a_page_that_raced_another_writer_is_applied_again_whole() -> None:
    store, clock = FakeStore(), FakeClock()
    now = clock.now()
    source = FakeSource([claim_for(claimed_at=now - timedelta(minutes=m)) for m in range(1, 6)])
    raced = [True]

    class RacingUow(FakeUnitOfWork):
        def commit(self) -> None:
            if raced[0]:
                raced[0] = False
                raise ConcurrentUpdate("another replica wrote first")
            super().commit()

    report = sync_account(lambda: RacingUow(store), source, now, lookback=timedelta(hours=1))
    assert report.ok and report.fetched == 5 and len(store.results) == 5
    assert len(source.asked) == 1  # the marketplace is not asked twice


def test_in_transaction_gives_up_after_its_attempts() -> None:
    store = FakeStore()
    calls: list[int] = []

    def always_races(uow: FakeUnitOfWork) -> None:
        calls.append(1)
        raise ConcurrentUpdate("again")

    try:
        in_transaction(fake_uow_factory(store), always_races, attempts=3)
    except ConcurrentUpdate:
        pass
    else:
        raise AssertionError("the last race must be raised")
    assert len(calls) == 3 and store.commits == 0


def test_a_lease_keeps_other_replicas_out_until_it_ends_or_is_released() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    mine, theirs = Lease("a:1", timedelta(seconds=60)), Lease("b:2", timedelta(seconds=60))
    assert take_lease(make_uow, "main", "coupang", mine, clock.now())
    assert not take_lease(make_uow, "main", "coupang", theirs, clock.advance(seconds=30))
    assert take_lease(make_uow, "main", "coupang", theirs, clock.advance(seconds=31))
    release_lease(make_uow, "main", mine)  # not mine any more: changes nothing
    assert not take_lease(make_uow, "main", "coupang", mine, clock.now())
    release_lease(make_uow, "main", theirs)
    assert take_lease(make_uow, "main", "coupang", mine, clock.now())


def test_a_long_pass_renews_its_lease_and_stops_once_it_is_lost() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    lease = Lease("a:1", timedelta(seconds=30))
    seconds = [0.0]
    take_lease(make_uow, "main", "coupang", lease, clock.now())
    beat = lease_heartbeat(make_uow, "main", "coupang", lease, clock, lambda: seconds[0])
    seconds[0] += 11
    clock.advance(seconds=11)
    beat.beat()  # renewed until now + 30 s
    assert beat.lost is False
    other = Lease("b:2", timedelta(seconds=30))
    assert not take_lease(make_uow, "main", "coupang", other, clock.advance(seconds=25))
    seconds[0] += 25
    assert beat.lost is True  # not renewed for 25 s of a 30 s lease: stop before it lapses
    beat.beat()
    assert beat.lost is False
    assert take_lease(make_uow, "main", "coupang", other, clock.advance(seconds=31))
    beat.beat()  # another owner holds it now
    assert beat.lost is True


def test_a_dead_owners_lease_runs_out_within_its_ttl_once_its_heartbeat_stops() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    dead, alive = Lease("a:1", timedelta(seconds=30)), Lease("b:2", timedelta(seconds=30))
    beat = lease_heartbeat(make_uow, "main", "coupang", dead, clock)
    assert take_lease(make_uow, "main", "coupang", dead, clock.now())
    for _ in range(10):  # a long pass: a beat every 10 s keeps the others out
        clock.advance(seconds=10)
        beat.beat()
        assert not take_lease(make_uow, "main", "coupang", alive, clock.now())
    # SIGKILL: no more beats. Another replica takes the account within one ttl.
    assert not take_lease(make_uow, "main", "coupang", alive, clock.advance(seconds=29))
    assert take_lease(make_uow, "main", "coupang", alive, clock.advance(seconds=2))


def test_an_account_is_due_once_its_interval_passed_since_any_replicas_last_pass() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    every = timedelta(minutes=5)
    assert sync_due(make_uow, "main", clock.now(), every)  # never synced
    sync_account(make_uow, FakeSource([]), clock.now(), lookback=timedelta(hours=1))
    assert not sync_due(make_uow, "main", clock.advance(minutes=4), every)
    assert sync_due(make_uow, "main", clock.advance(minutes=1), every)


@dataclass
class PagedSource(FakeSource):
    """Pages of `page_size` in one window; asking for page `fail_at` raises instead."""

    fail_at: int | None = None
    pages_read: int = 0

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        self.asked.append((start, end))
        found = [c for c in self.claims if start <= c.claimed_at < end]
        for i in range(0, len(found), self.page_size):
            if self.pages_read + 1 == self.fail_at:
                raise MarketplaceError("HTTP 502 on this page", account=self.account)
            self.pages_read += 1
            yield found[i : i + self.page_size]


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sync-prefetch"]


def test_an_error_fetching_page_3_keeps_pages_1_and_2_and_the_watermark_before_it() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    now = clock.now()
    first = sync_account(make_uow, FakeSource(), now, lookback=timedelta(hours=1))
    assert first.ok and store.sync["main"].watermark == now
    later = clock.advance(hours=1)
    claims = [claim_for(claimed_at=later - timedelta(minutes=m)) for m in range(1, 8)]
    source = PagedSource(claims, max_window=timedelta(days=2), fail_at=3)

    report = sync_account(make_uow, source, later)

    assert not report.ok and "HTTP 502" in (report.error or "")
    assert source.pages_read == 2 and report.fetched == 4  # pages 1 and 2, each committed
    assert {r.claim_id for r in store.results.values()} == {c.claim_id for c in claims[:4]}
    assert store.sync["main"].watermark == now  # where it was before the pass
    assert prefetch_threads() == []


def test_the_prefetch_thread_ends_with_the_pass_however_it_ends() -> None:
    store, clock = FakeStore(), FakeClock()
    now = clock.now()
    # Forty pages: the prefetch thread fills its queue and waits on it.
    claims = [claim_for(claimed_at=now - timedelta(seconds=s)) for s in range(1, 81)]
    checks = iter(range(1_000))

    done = sync_account(
        fake_uow_factory(store), PagedSource(claims), now, lookback=timedelta(hours=1)
    )
    stopped = sync_account(
        fake_uow_factory(FakeStore()),
        PagedSource(claims),
        now,
        lookback=timedelta(hours=1),
        should_stop=lambda: next(checks) == 3,  # before the window, then per page
    )

    assert done.ok and done.fetched == 80
    assert not stopped.ok and 0 < stopped.fetched < 80
    assert prefetch_threads() == []
