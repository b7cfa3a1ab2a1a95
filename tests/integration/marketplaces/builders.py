"""Sources wired to the fake marketplaces, and the verbatim example fixtures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._retry import RetryPolicy
from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.coupang_actions import CoupangClaimActions
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.eleventh_street_actions import EleventhStreetClaimActions
from adapters.marketplaces.esm import EsmClaimSource, EsmMarketplace
from adapters.marketplaces.esm_actions import EsmClaimActions
from adapters.marketplaces.naver import NAVER_CLAIM_STATES, NaverClaimSource
from adapters.marketplaces.naver_actions import NaverClaimActions
from core.claims import Claim, ClaimState, ClaimType

from .fake_11st import FakeEleventhStreet
from .fake_coupang import FakeCoupang
from .fake_esm import FakeEsm
from .fake_naver import FakeNaver, ProductOrder
from .faketime import FakeTime

FIXTURES = Path(__file__).parent / "fixtures"
# jitter 1.0 makes each backoff exactly its capped exponential step: 0.5, 1, 2, 4 ...
EXACT_RETRY = RetryPolicy(jitter=lambda: 1.0)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


def coupang_source(
    fake: FakeCoupang,
    clock: FakeTime,
    *,
    secret_key: str | None = None,
    page_size: int = 50,
    query_days: int = 7,
    lookback: timedelta = timedelta(days=14),
    rate_limit: RateLimit | None = None,
) -> CoupangClaimSource:
    """A source on the fake's keys; rate limit off so `clock.sleeps` holds only retry waits."""
    return CoupangClaimSource(
        "coupang-main",
        fake.vendor_id,
        fake.access_key,
        fake.secret_key if secret_key is None else secret_key,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=rate_limit,
        page_size=page_size,
        query_days=query_days,
        lookback=lookback,
    )


def coupang_actions(fake: FakeCoupang, clock: FakeTime) -> CoupangClaimActions:
    """Claim actions on the fake's keys: reads retry (their waits land in `clock.sleeps`)."""
    return CoupangClaimActions(coupang_source(fake, clock))


def naver_source(
    fake: FakeNaver,
    clock: FakeTime,
    *,
    client_secret: str | None = None,
    page_size: int = 300,
    batch_size: int = 300,
    rate_limit: RateLimit | None = None,
) -> NaverClaimSource:
    return NaverClaimSource(
        "naver-main",
        fake.client_id,
        fake.client_secret if client_secret is None else client_secret,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=rate_limit,
        page_size=page_size,
        batch_size=batch_size,
    )


def naver_actions(fake: FakeNaver, clock: FakeTime) -> NaverClaimActions:
    return NaverClaimActions(naver_source(fake, clock))


def eleventh_street_source(fake: FakeEleventhStreet, clock: FakeTime) -> EleventhStreetClaimSource:
    return EleventhStreetClaimSource(
        "11st-main",
        fake.api_key,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=None,
    )


def eleventh_street_actions(
    fake: FakeEleventhStreet, clock: FakeTime
) -> EleventhStreetClaimActions:
    return EleventhStreetClaimActions(eleventh_street_source(fake, clock))


def esm_source(
    fake: FakeEsm, clock: FakeTime, marketplace: EsmMarketplace = "gmarket"
) -> EsmClaimSource:
    site = "A" if marketplace == "auction" else "G"
    return EsmClaimSource(
        f"{marketplace}-main",
        marketplace,
        fake.master_id,
        fake.sellers[site],
        fake.secret_key,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=None,
    )


def esm_actions(
    fake: FakeEsm, clock: FakeTime, marketplace: EsmMarketplace = "gmarket"
) -> EsmClaimActions:
    return EsmClaimActions(esm_source(fake, clock, marketplace))


Row = tuple[str, str, ClaimType, ClaimState]


def rows_of(claims: Sequence[Claim]) -> set[Row]:
    """The identity and meaning of each claim, for comparing whole fetches."""
    return {(c.claim_id, c.marketplace_item_id, c.claim_type, c.claim_state) for c in claims}


def expected_coupang_rows(
    receipts: list[dict[str, Any]], start: datetime, end: datetime
) -> set[Row]:
    """What the adapter should report, worked out from the raw receipts."""
    rows: set[Row] = set()
    for receipt in receipts:
        changed = datetime.fromisoformat(receipt["modifiedAt"])
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=KST)  # Coupang's naive stamps are KST
        if not start <= changed < end:
            continue
        status = receipt.get("receiptStatus")
        if receipt["receiptType"] == "CANCEL":
            kind = (ClaimType.CANCEL, ClaimState.COMPLETED)
        elif status == "RETURNS_COMPLETED":
            kind = (ClaimType.RETURN, ClaimState.COMPLETED)
        elif status == "RELEASE_STOP_UNCHECKED":
            kind = (ClaimType.CANCEL, ClaimState.REQUESTED)
        else:
            continue  # a return still in progress
        for item in receipt["returnItems"]:
            rows.add((str(receipt["receiptId"]), str(item["vendorItemId"]), *kind))
    return rows


def expected_naver_rows(orders: list[ProductOrder], start: datetime, end: datetime) -> set[Row]:
    """What the adapter should report, worked out from the fake's product orders."""
    rows: set[Row] = set()
    for order in orders:
        kind = NAVER_CLAIM_STATES.get(order.claim_status or "")
        if kind is not None and start <= order.last_changed < end:
            rows.add((order.claim_id, order.product_order_id, *kind))
    return rows
