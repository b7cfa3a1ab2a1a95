"""The sync engine (core.sync.sync_account) over the 11st and ESM sources and their fakes,
into the real database: 11st's 3,000-row cap forces a split; ESM walks 7-day windows."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx

from adapters.marketplaces._time import KST
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.esm import ESM_CANCEL_STATES, ESM_RETURN_STATES, EsmClaimSource
from core import order_book, read_models
from core.claims import ClaimState
from core.orders import Order, OrderStatus, Phase
from core.ports import UnitOfWork
from core.queries import CancelFilter
from core.sync import sync_account

from .fake_11st import FakeEleventhStreet, make_rows
from .fake_esm import FakeEsm, make_claims, status_of
from .faketime import FakeTime

ALL = CancelFilter(phase=None, confirmed=None)
LOOKBACK = timedelta(days=30)

MakeUow = Callable[[], UnitOfWork]


def listed(fake: FakeEleventhStreet, name: str, start: str, end: str) -> int:
    """How many rows the fake holds for one list and path window (before its cap)."""
    first, last = (datetime.strptime(t, "%Y%m%d%H%M").replace(tzinfo=KST) for t in (start, end))
    return sum(
        1 for r in fake.rows if r.list_name == name and first <= r.at < last + timedelta(minutes=1)
    )


def test_11st_window_at_the_3000_row_cap_is_split_and_every_claim_stored(
    make_uow: MakeUow, clock: FakeTime
) -> None:
    now = clock.now()  # 2025-03-06 12:00 KST
    start = now - LOOKBACK
    # 3,600 cancel-done rows, one every 12 minutes (filed an hour after their request), fill
    # the 30-day window beyond the 3,000 rows one answer holds; 60 more rows in all six lists.
    capped = make_rows(
        3600, start - timedelta(minutes=55), every=timedelta(minutes=12), lists=("canceledorders",)
    )
    others = make_rows(60, start + timedelta(hours=1), every=timedelta(hours=11), id_base=10_000)
    fake = FakeEleventhStreet(clock=clock, rows=capped + others)
    source = EleventhStreetClaimSource(
        "11st-main",
        fake.api_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
    )

    report = sync_account(make_uow, source, now, lookback=LOOKBACK)

    assert report.error is None and report.windows == 1  # 30 days: one window of max_window
    assert report.fetched == 3660
    done = [r.url.path.split("/")[4:] for r in fake.requests if "/canceledorders/" in r.url.path]
    assert done == [
        ["202502041200", "202503061200"],  # 3,610 rows match: the answer holds 3,000, so split
        ["202502041200", "202502191200"],  # 1,806 rows
        ["202502191200", "202503061200"],  # 1,804 rows
    ]
    assert [listed(fake, "canceledorders", *window) for window in done] == [3610, 1806, 1804]
    assert len(fake.requests) == 6 + 2  # six lists, and the capped one's two halves
    # Results: every requested or completed cancel and every completed return (10 + 10 + 10
    # of the others); withdrawals of unknown claims and pending returns create none.
    assert report.stats.new == 3630
    assert read_models.list_results(make_uow, ALL).total == 3630

    clock.advance(timedelta(hours=1))
    again = sync_account(make_uow, source, clock.now(), lookback=LOOKBACK)
    assert again.error is None and again.windows == 1 and again.stats.new == 0
    assert read_models.list_results(make_uow, ALL).total == 3630


def test_esm_walks_a_30_day_lookback_6_days_at_a_time(make_uow: MakeUow, clock: FakeTime) -> None:
    now = clock.now()  # 2025-03-06 12:00 KST
    start = now - LOOKBACK
    rows = make_claims(100, start + timedelta(hours=1))  # one every 7 h over 29 days
    fake = FakeEsm(clock=clock, claims=rows)
    # The order of the first completed cancel is in the order book, with 2 units, not shipped.
    order_book.import_orders(
        make_uow,
        [
            Order(
                management_no="M-1",
                marketplace="gmarket",
                marketplace_order_id="2943000001",
                marketplace_item_id="",
                product_name="테스트 상품",
                option="",
                quantity=2,
                status=OrderStatus.RECEIVED,
            )
        ],
        now,
    )
    source = EsmClaimSource(
        "gmarket-main",
        "gmarket",
        fake.master_id,
        "seller_g",
        fake.secret_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
    )

    report = sync_account(make_uow, source, now, lookback=LOOKBACK)

    assert report.error is None and report.windows == 5  # 5 × 6 days
    # Each window [12:00, 12:00 + 6 d) touches 7 KST days: a 6-day and a 1-day range, each
    # sent with EndDate one day on; the five queries of the plan for each range.
    bodies = [json.loads(r.content) for r in fake.requests]
    ranges = [
        (date.fromisoformat(b["StartDate"]), date.fromisoformat(b["EndDate"])) for b in bodies
    ]
    assert len(fake.requests) == 5 * 2 * 5
    assert all((last - first).days <= 6 for first, last in ranges)  # 7 days sent at most
    days = {first + timedelta(days=n) for first, last in ranges for n in range((last - first).days)}
    assert days == {date(2025, 2, 4) + timedelta(days=n) for n in range(31)}

    kept = {
        ("cancel" if row["_kind"] == "cancel" else "return", row["OrderNo"])
        for row in rows
        if {"cancel": ESM_CANCEL_STATES, "return": ESM_RETURN_STATES}[row["_kind"]].get(
            status_of(row)
        )
        in (ClaimState.REQUESTED, ClaimState.COMPLETED)
    }
    results = read_models.list_results(make_uow, ALL, limit=500).items
    assert {(r.claim_id.split("-")[0], int(r.marketplace_order_id)) for r in results} == kept

    by_id = {r.claim_id: r for r in results}
    matched = by_id["cancel-2943000001"]
    # No quantity on ESM rows: core took the whole order line, and auto-cancelled it.
    assert (matched.management_no, matched.cancel_qty, matched.ordered_qty) == ("M-1", 2, 2)
    assert not matched.unmatched and matched.phase is Phase.BEFORE_SHIPPING
    unmatched = by_id["cancel-2943000000"]
    assert unmatched.unmatched and unmatched.cancel_qty is None and unmatched.ordered_qty is None
