"""The sync engine against the fake Coupang server: many pages, faults along the way,
every claim stored exactly once, the watermark where it should be."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from core import read_models
from core.claims import Claim
from core.queries import CancelFilter
from core.set_aside import SetAside
from core.sync import sync_account, windows
from tests.integration.marketplaces.builders import coupang_source
from tests.integration.marketplaces.fake_coupang import FakeCoupang, make_receipts
from tests.integration.marketplaces.faketime import FakeTime
from tests.integration.marketplaces.faults import (
    http_error,
    invalid_json,
    missing,
    rate_limited,
    timeout,
)

EVERYTHING = CancelFilter(phase=None, confirmed=None)
LOOKBACK = timedelta(days=30)


def _truth(receipts: list[dict[str, Any]], clock: FakeTime) -> list[Claim]:
    """What a fault-free fetch of the whole period reports: the claims to expect."""
    fake = FakeCoupang(clock=clock, receipts=receipts)
    source = coupang_source(fake, clock, page_size=50)
    now = clock.now()
    return list(source.fetch_claims(now - LOOKBACK, now))


def test_many_pages_with_faults_store_every_claim_once(make_uow: Any) -> None:
    clock = FakeTime()
    receipts = make_receipts(2600, clock.now() - timedelta(days=25), every=timedelta(minutes=13))
    expected = _truth(receipts, clock)
    assert len(expected) >= 2000  # results, after pending returns are left out
    faults = {
        3: http_error(503, {"code": "ERROR", "message": "busy"}),
        7: timeout(),
        11: rate_limited({"code": "ERROR", "message": "slow down"}, retry_after="2"),
        19: invalid_json(),  # garbles a window: that pass fails, nothing half-applied
        40: missing("data"),
        55: http_error(500, {"code": "ERROR", "message": "oops"}),
    }
    fake = FakeCoupang(clock=clock, receipts=receipts, faults=faults)
    source = coupang_source(fake, clock, page_size=50)
    source.max_window = timedelta(days=7)  # several windows, so a failure keeps progress

    reports = []
    for _ in range(6):
        report = sync_account(make_uow, source, clock.now(), lookback=LOOKBACK)
        reports.append(report)
        if report.ok:
            break
        clock.advance(timedelta(minutes=5))
    errors = [r.error for r in reports if r.error]
    assert len(errors) == 2, errors  # the two garbled bodies; 5xx/timeout/429 were retried
    assert any("invalid JSON" in e or "JSON" in e for e in errors)
    assert reports[-1].ok
    assert 2.0 in clock.sleeps  # Retry-After honoured

    stored = read_models.list_results(make_uow, EVERYTHING, limit=10_000).items
    assert len(stored) == len(expected)
    assert {r.key for r in stored} == {c.key for c in expected}
    with make_uow() as uow:
        state = uow.sync.get("coupang-main")
    assert state is not None and state.watermark is not None
    assert state.last_error is None and state.last_success_at is not None

    again = sync_account(make_uow, source, clock.now(), lookback=LOOKBACK)
    assert again.ok
    assert (again.stats.new, again.stats.updated) == (0, 0)


def test_failure_keeps_the_watermark_and_loses_nothing(make_uow: Any) -> None:
    clock = FakeTime()
    receipts = make_receipts(200, clock.now() - timedelta(days=6), every=timedelta(minutes=40))
    fake = FakeCoupang(
        clock=clock,
        receipts=receipts,
        faults={1: http_error(403, {"code": "ERROR", "message": "IP not allowed"})},
    )
    source = coupang_source(fake, clock)

    failed = sync_account(make_uow, source, clock.now(), lookback=timedelta(days=7))

    assert not failed.ok and "IP not allowed" in (failed.error or "")
    with make_uow() as uow:
        state = uow.sync.get("coupang-main")
    assert state is not None and state.watermark is None
    assert "IP not allowed" in (state.last_error or "")
    assert read_models.list_results(make_uow, EVERYTHING).total == 0

    ok = sync_account(make_uow, source, clock.now(), lookback=timedelta(days=7))
    assert ok.ok and ok.stats.new > 0
    with make_uow() as uow:
        state = uow.sync.get("coupang-main")
    assert state is not None and state.watermark == clock.now() and state.last_error is None


def test_next_pass_starts_an_overlap_before_the_watermark(make_uow: Any) -> None:
    seen: list[tuple[Any, Any]] = []

    class Recorder:
        account, marketplace, max_window = "rec", "coupang", timedelta(days=1)

        def __init__(self) -> None:
            self.set_aside: list[SetAside] = []

        def fetch_claims(self, start: Any, end: Any) -> list[Claim]:
            seen.append((start, end))
            return []

        def iter_claims(self, start: Any, end: Any) -> Iterator[list[Claim]]:
            yield self.fetch_claims(start, end)

        def close(self) -> None:
            pass

    clock = FakeTime()
    t1 = clock.now()
    sync_account(make_uow, Recorder(), t1, lookback=timedelta(days=2))
    assert seen == windows(t1 - timedelta(days=2), t1, timedelta(days=1))
    seen.clear()
    t2 = t1 + timedelta(minutes=5)
    sync_account(make_uow, Recorder(), t2, overlap=timedelta(minutes=10))
    assert seen == [(t1 - timedelta(minutes=10), t2)]


def test_catch_up_after_an_outage_walks_bounded_windows(make_uow: Any) -> None:
    seen: list[tuple[Any, Any]] = []

    class Recorder:
        account, marketplace, max_window = "rec", "coupang", timedelta(hours=6)

        def __init__(self) -> None:
            self.set_aside: list[SetAside] = []

        def fetch_claims(self, start: Any, end: Any) -> list[Claim]:
            seen.append((start, end))
            return []

        def iter_claims(self, start: Any, end: Any) -> Iterator[list[Claim]]:
            yield self.fetch_claims(start, end)

        def close(self) -> None:
            pass

    clock = FakeTime()
    sync_account(make_uow, Recorder(), clock.now(), lookback=timedelta(hours=1))
    seen.clear()
    later = clock.now() + timedelta(days=2)  # the marketplace was down for two days
    sync_account(make_uow, Recorder(), later, max_windows=3)
    assert len(seen) == 3 and all(e - s <= timedelta(hours=6) for s, e in seen)
    with make_uow() as uow:
        state = uow.sync.get("rec")
    assert state is not None and state.watermark == seen[-1][1]
