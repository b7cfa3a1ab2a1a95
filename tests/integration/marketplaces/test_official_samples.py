"""Contract tests: the marketplaces' own response samples, replayed through the clients.

The fixtures are the samples exactly as the official pages print them (see fixtures/README.md),
including the two that are not valid JSON as printed: the client must fail those cleanly,
and read them right once the one typo is mended. Naver's and 11st's samples (the notes'
examples) are replayed in test_naver.py and test_11st.py.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

import httpx
import pytest

from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.esm import EsmClaimSource, EsmMarketplace
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError

from .builders import fixture_text
from .faketime import FakeTime

COUPANG_EMPTY = {"code": 200, "message": "OK", "data": [], "nextToken": ""}
ESM_EMPTY = {"ResultCode": 0, "Message": "Success", "Data": []}


def coupang_replaying(sample: str, status: str, clock: FakeTime) -> CoupangClaimSource:
    """A source whose every `status` list page is `sample`, every other list empty."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("status") == status:
            return httpx.Response(200, text=sample, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=COUPANG_EMPTY)

    return CoupangClaimSource(
        "coupang-main",
        "A00012345",
        "ak",
        "sk",
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
    )


COUPANG_DAY = (datetime(2025, 1, 16, tzinfo=KST), datetime(2025, 1, 17, tzinfo=KST))


def test_coupang_v6_sample_as_printed_fails_the_window_cleanly(clock: FakeTime) -> None:
    sample = fixture_text("coupang_return_requests_v6_official.json")
    with pytest.raises(MarketplaceError, match="not valid JSON") as caught:
        coupang_replaying(sample, "RU", clock).fetch_claims(*COUPANG_DAY)
    assert caught.value.request.endswith("/returnRequests") and clock.sleeps == []


def test_coupang_v6_sample_is_a_stop_request_the_goods_had_already_left_for(
    clock: FakeTime,
) -> None:
    # The page prints `nextToken: ""` unquoted and without a comma after "data".
    printed = fixture_text("coupang_return_requests_v6_official.json")
    sample = printed.replace('\n\n nextToken: ""', ',\n "nextToken": ""')
    assert sample != printed

    claims = coupang_replaying(sample, "RU", clock).fetch_claims(*COUPANG_DAY)

    assert claims == [
        Claim(
            marketplace="coupang",
            account="coupang-main",
            claim_id="50229613",
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.WITHDRAWN,  # releaseStopStatus 처리(이미출고)
            marketplace_order_id="28000008707838",
            marketplace_item_id="3187044096",
            cancel_qty=1,
            claimed_at=datetime(2025, 1, 16, 7, 17, 13, 973885, tzinfo=KST),
            ordered_qty=1,
            completed_at=None,
            shipped_hint=True,  # the receipt says it left, whatever the item's "S" says
            product_name="스파오(SPAO) (#)시원하고 편안한 캉캉 롱스커트, (19)Black, S",
        )
    ]
    # In the completed list the same receipt (반품접수, not completed) is no result.
    assert coupang_replaying(sample, "CC", clock).fetch_claims(*COUPANG_DAY) == []


def esm_replaying(
    marketplace: EsmMarketplace, path: str, sample: str, clock: FakeTime
) -> EsmClaimSource:
    """A source whose every answer from `path` is `sample`, the other list's empty."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            return httpx.Response(200, text=sample, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=ESM_EMPTY)

    return EsmClaimSource(
        f"{marketplace}-main",
        marketplace,
        "master",
        "sellerid_test",
        "s" * 32,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
    )


CANCELS, RETURNS = "/claim/v1/sa/Cancels", "/claim/v1/sa/Returns"
ESM_DAYS = (datetime(2019, 4, 18, tzinfo=KST), datetime(2019, 4, 20, tzinfo=KST))


def test_esm_gmarket_cancels_sample_is_a_completed_cancel(clock: FakeTime) -> None:
    sample = fixture_text("esm_cancels_gmarket_official.json")

    claims = esm_replaying("gmarket", CANCELS, sample, clock).fetch_claims(*ESM_DAYS)

    assert claims == [
        Claim(
            marketplace="gmarket",
            account="gmarket-main",
            claim_id="cancel-2943387115",
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="2943387115",
            marketplace_item_id="",
            cancel_qty=None,
            claimed_at=datetime(2019, 4, 18, 15, 26, tzinfo=KST),
            ordered_qty=None,
            completed_at=datetime(2019, 4, 18, 15, 26, 24, 940000, tzinfo=KST),
        )
    ]


def test_esm_auction_cancels_sample_is_a_requested_cancel(clock: FakeTime) -> None:
    sample = fixture_text("esm_cancels_auction_official.json")

    claims = esm_replaying("auction", CANCELS, sample, clock).fetch_claims(*ESM_DAYS)

    assert [(c.claim_id, c.marketplace, c.claim_state, c.claimed_at) for c in claims] == [
        (
            "cancel-1592423011",
            "auction",
            ClaimState.REQUESTED,  # 2 취소중: approved, not yet completed
            datetime(2019, 4, 19, 9, 56, 3, 357000, tzinfo=KST),
        )
    ]


def test_esm_auction_returns_sample_is_a_return_on_hold_not_a_result(clock: FakeTime) -> None:
    source = esm_replaying(
        "auction", RETURNS, fixture_text("esm_returns_auction_official.json"), clock
    )
    assert source.fetch_claims(*ESM_DAYS) == []
    assert source.set_aside == []  # 3 반품환불보류 is a known status, just not done


def test_esm_gmarket_returns_sample_as_printed_fails_then_reads_once_mended(
    clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    printed = fixture_text("esm_returns_gmarket_official.json")
    with pytest.raises(MarketplaceError, match="not valid JSON") as caught:
        esm_replaying("gmarket", RETURNS, printed, clock).fetch_claims(*ESM_DAYS)
    assert caught.value.request == f"POST {RETURNS}"

    # The page drops the opening quote of "ReturnStatus".
    mended = printed.replace('   ReturnStatus":2', '   "ReturnStatus":2')
    assert json.loads(mended)["Data"][0]["SiteType"] == 3  # asked with 2, answered with 3
    with caplog.at_level(logging.WARNING):
        source = esm_replaying("gmarket", RETURNS, mended, clock)
        claims = source.fetch_claims(*ESM_DAYS)
    assert claims == [] and source.set_aside == []  # 2 반품수거완료: not done yet
    assert "skipped a row" not in caplog.text  # SiteType 3 is G마켓 on Returns too


def test_esm_failure_sample_fails_at_once_with_its_code(clock: FakeTime) -> None:
    sample = fixture_text("esm_returns_fail_official.json")

    with pytest.raises(MarketplaceError) as caught:
        esm_replaying("gmarket", RETURNS, sample, clock).fetch_claims(*ESM_DAYS)

    err = caught.value
    assert (err.code, err.status, err.retryable) == ("2141", 200, False)
    assert "사이트 타입이 올바르지 않습니다" in str(err)
    assert clock.sleeps == []
