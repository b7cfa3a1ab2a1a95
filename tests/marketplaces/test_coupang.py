"""CoupangClaimSource against the fake WING gateway and the notes' verbatim example."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from adapters.marketplaces._json import JsonNode
from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource, parse_receipt
from adapters.marketplaces.coupang_auth import signature, signed_date
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import ClaimSource

from .builders import coupang_source, expected_coupang_rows, fixture_json, fixture_text, rows_of
from .fake_coupang import FakeCoupang, make_receipts
from .faketime import FakeTime
from .faults import Fault, http_error, invalid_json, missing, rate_limited, timeout, wrong_type

START = datetime(2025, 2, 24, tzinfo=KST)
END = datetime(2025, 3, 5, tzinfo=KST)


def list_queries(fake: FakeCoupang) -> list[tuple[str | None, ...]]:
    """(from, to, status, cancelType) of every first-page list request."""
    return [
        tuple(r.url.params.get(k) for k in ("createdAtFrom", "createdAtTo", "status", "cancelType"))
        for r in fake.requests
        if "nextToken" not in r.url.params
    ]


@pytest.fixture
def fake(clock: FakeTime) -> FakeCoupang:
    return FakeCoupang(clock=clock, receipts=make_receipts(40, START + timedelta(hours=9)))


def test_fetches_every_page_of_every_list_with_signed_requests(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    source: ClaimSource = coupang_source(fake, clock, page_size=4, lookback=timedelta(0))

    claims = source.fetch_claims(START, END)

    assert rows_of(list(claims)) == expected_coupang_rows(fake.receipts, START, END)
    assert len(claims) == len(rows_of(list(claims)))  # no duplicates
    # The fake answers 401 to any request whose signature does not check out.
    assert all(r.headers["Authorization"].startswith("CEA ") for r in fake.requests)
    paged = [r for r in fake.requests if "nextToken" in r.url.params]
    assert paged, "page_size=4 must have forced paging"
    assert all(r.url.params["maxPerPage"] == "4" for r in fake.requests)
    assert {r.headers["X-Requested-By"] for r in fake.requests} == {fake.vendor_id}


def test_claim_fields_for_each_kind_of_row(fake: FakeCoupang, clock: FakeTime) -> None:
    claims = coupang_source(fake, clock, lookback=timedelta(0)).fetch_claims(START, END)
    by_id = {(c.claim_id, c.marketplace_item_id): c for c in claims}

    completed_return = by_id[("400000000", "70000000000")]  # receipt 0: RETURNS_COMPLETED
    assert completed_return == Claim(
        marketplace="coupang",
        account="coupang-main",
        claim_id="400000000",
        claim_type=ClaimType.RETURN,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="13000000000000",
        marketplace_item_id="70000000000",
        cancel_qty=1,
        claimed_at=datetime(2025, 2, 24, 9, 0, tzinfo=KST),
        ordered_qty=2,
        completed_at=datetime(2025, 2, 25, 9, 0, tzinfo=KST),
        shipped_hint=True,
        product_name="상품 0-0, 블랙, L",
    )
    stop_request = by_id[("400000001", "70000000010")]  # receipt 1: 출고중지요청, v6 stamps
    assert (stop_request.claim_type, stop_request.claim_state) == (
        ClaimType.CANCEL,
        ClaimState.REQUESTED,
    )
    assert stop_request.claimed_at == datetime(2025, 2, 24, 14, 0, tzinfo=KST)
    assert stop_request.completed_at is None and stop_request.shipped_hint is False
    cancel = by_id[("400000003", "70000000030")]  # receipt 3: cancelType=CANCEL
    assert (cancel.claim_type, cancel.claim_state) == (ClaimType.CANCEL, ClaimState.COMPLETED)
    assert cancel.completed_at == cancel.claimed_at  # no confirm date: falls back to the change
    assert not any(c.claim_id == "400000002" for c in claims)  # 반품접수: not a result yet


def test_cancel_rows_state_is_configurable(fake: FakeCoupang, clock: FakeTime) -> None:
    source = CoupangClaimSource(
        "coupang-main",
        fake.vendor_id,
        fake.access_key,
        fake.secret_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
        lookback=timedelta(0),
        cancel_state=ClaimState.REQUESTED,
    )
    cancels = [c for c in source.fetch_claims(START, END) if c.claim_id == "400000003"]
    assert [c.claim_state for c in cancels] == [ClaimState.REQUESTED] * 2  # two items


def test_splits_the_window_into_date_ranges_and_lists(fake: FakeCoupang, clock: FakeTime) -> None:
    source = coupang_source(fake, clock, query_days=7, lookback=timedelta(days=3))

    source.fetch_claims(START, END)

    # Feb 21 (3 days' lookback) .. Mar 4 (END is exclusive) in 7-day inclusive ranges.
    ranges = [("2025-02-21", "2025-02-27"), ("2025-02-28", "2025-03-04")]
    lists = [("RU", "RETURN"), ("CC", "RETURN"), (None, "CANCEL")]
    assert list_queries(fake) == [(f, t, s, c) for f, t in ranges for s, c in lists]


def test_the_longest_range_the_api_accepts(fake: FakeCoupang, clock: FakeTime) -> None:
    source = coupang_source(fake, clock, query_days=31, lookback=timedelta(0))
    start = datetime(2025, 1, 1, tzinfo=KST)
    source.fetch_claims(start, start + timedelta(days=63))
    assert {q[:2] for q in list_queries(fake)} == {
        ("2025-01-01", "2025-01-31"),
        ("2025-02-01", "2025-03-03"),
        ("2025-03-04", "2025-03-04"),
    }
    with pytest.raises(ValueError):
        coupang_source(fake, clock, query_days=32)


def test_lookback_finds_a_return_filed_before_the_window(clock: FakeTime) -> None:
    receipts = make_receipts(1, datetime(2025, 2, 27, 10, 0, tzinfo=KST))
    receipts[0]["modifiedAt"] = "2025-03-04T12:00:00"
    fake = FakeCoupang(clock=clock, receipts=receipts)
    start, end = datetime(2025, 3, 4, tzinfo=KST), datetime(2025, 3, 5, tzinfo=KST)

    assert coupang_source(fake, clock, lookback=timedelta(0)).fetch_claims(start, end) == []
    found = coupang_source(fake, clock).fetch_claims(start, end)
    assert rows_of(found) == {
        ("400000000", "70000000000", ClaimType.RETURN, ClaimState.COMPLETED),
        ("400000000", "70000000001", ClaimType.RETURN, ClaimState.COMPLETED),
    }


def test_retries_5xx_timeouts_and_429_with_retry_after(fake: FakeCoupang, clock: FakeTime) -> None:
    baseline = rows_of(coupang_source(fake, clock, lookback=timedelta(0)).fetch_claims(START, END))
    fake.requests.clear()
    fake.faults = {
        1: http_error(503, {"code": "ERROR", "message": "Service Unavailable"}),
        2: timeout(),
        3: rate_limited({"code": "ERROR", "message": "Too Many Requests"}, retry_after="3"),
        7: http_error(500, {"code": "ERROR", "message": "Internal Server Error"}),
    }
    clock.sleeps.clear()

    claims = coupang_source(fake, clock, lookback=timedelta(0)).fetch_claims(START, END)

    assert rows_of(claims) == baseline
    # backoff 0.5 then 1.0 on one call; Retry-After honoured exactly; a later call starts over.
    assert clock.sleeps == [0.5, 1.0, 3.0, 0.5]


def test_403_is_final_and_carries_the_marketplace_code_and_message(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    fake.faults[1] = http_error(403, {"code": "ERROR", "message": "허용되지 않은 IP 입니다."})

    with pytest.raises(MarketplaceError) as caught:
        coupang_source(fake, clock).fetch_claims(START, END)

    err = caught.value
    assert (err.code, err.status, err.retryable) == ("ERROR", 403, False)
    assert "허용되지 않은 IP 입니다." in str(err)
    assert err.account == "coupang-main"
    assert (
        err.request
        == f"GET /v2/providers/openapi/apis/api/v6/vendors/{fake.vendor_id}/returnRequests"
    )
    assert len(fake.requests) == 1 and clock.sleeps == []


def test_a_wrong_secret_is_refused_by_the_gateway(fake: FakeCoupang, clock: FakeTime) -> None:
    with pytest.raises(MarketplaceError, match="Invalid signature") as caught:
        coupang_source(fake, clock, secret_key="not-the-secret").fetch_claims(START, END)
    assert caught.value.status == 401 and len(fake.requests) == 1


def test_a_stale_signed_date_is_refused(fake: FakeCoupang, clock: FakeTime) -> None:
    slow_clock = FakeTime(clock.now() - timedelta(minutes=10))
    with pytest.raises(MarketplaceError, match="Specified signature is expired"):
        coupang_source(fake, slow_clock).fetch_claims(START, END)


def test_the_fake_accepts_the_java_sample_header_without_spaces(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    path = f"/v2/providers/openapi/apis/api/v6/vendors/{fake.vendor_id}/returnRequests"
    query = "createdAtFrom=2025-02-24&createdAtTo=2025-02-25&status=CC"
    date = signed_date(clock)
    header = (
        f"CEA algorithm=HmacSHA256,access-key={fake.access_key},signed-date={date},"
        f"signature={signature(fake.secret_key, date, 'GET', path, query)}"
    )
    request = httpx.Request(
        "GET",
        f"https://api-gateway.coupang.com{path}?{query}",
        headers={"Authorization": header, "X-Requested-By": fake.vendor_id},
    )
    assert fake(request).status_code == 200
    tampered = httpx.Request(
        "GET", str(request.url).replace("2025-02-25", "2025-02-26"), headers=request.headers
    )
    assert fake(tampered).status_code == 401


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (invalid_json(), "not valid JSON"),
        (missing("data.0.receiptId"), "$.data[0]: missing field 'receiptId'"),
        (
            wrong_type("data.0.returnItems.0.purchaseCount", "2"),
            "$.data[0].returnItems[0].purchaseCount: expected an integer, got str",
        ),
        (missing("nextToken"), "$: missing field 'nextToken'"),
        (wrong_type("data", {"rows": []}), "$.data: expected a list, got dict"),
        (wrong_type("data.0.enclosePrice", "free"), "$.data[0].enclosePrice: expected a number"),
    ],
)
def test_a_garbled_body_fails_the_whole_fetch(
    fake: FakeCoupang, clock: FakeTime, fault: Fault, problem: str
) -> None:
    fake.faults[2] = fault  # the first page of the second list: earlier pages were fine
    source = coupang_source(fake, clock, lookback=timedelta(0))

    with pytest.raises(MarketplaceError) as caught:
        source.fetch_claims(START, END)

    assert problem in str(caught.value)
    assert caught.value.account == "coupang-main"
    assert caught.value.request.startswith("GET /v2/providers/openapi/apis/api/v6/vendors/")
    assert clock.sleeps == []  # not retried: the same body would come back


def test_a_repeated_next_token_stops_instead_of_looping(clock: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"code": 200, "message": "OK", "data": [], "nextToken": "same"}
        )

    source = CoupangClaimSource(
        "coupang-main",
        "A1",
        "ak",
        "sk",
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    with pytest.raises(MarketplaceError, match="nextToken repeated"):
        source.fetch_claims(START, START + timedelta(days=1))


# -- the example response in docs/marketplaces.md §1.2, verbatim ----------------------------


def test_the_notes_example_response_field_by_field(clock: FakeTime) -> None:
    example = fixture_text("coupang_return_requests.json")
    empty = {"code": 200, "message": "OK", "data": [], "nextToken": ""}
    seen: list[httpx.QueryParams] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        seen.append(params)
        holds_receipt = params["createdAtFrom"] <= "2025-03-02" <= params["createdAtTo"]
        if params.get("status") == "CC" and holds_receipt:
            return httpx.Response(200, text=example, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=empty)

    source = CoupangClaimSource(
        "coupang-main",
        "A00012345",
        "ak",
        "sk",
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    claims = source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))

    assert claims == [
        Claim(
            marketplace="coupang",
            account="coupang-main",
            claim_id="381920551",
            claim_type=ClaimType.RETURN,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="13000170234871",
            marketplace_item_id="70012345678",
            cancel_qty=1,
            claimed_at=datetime(2025, 3, 2, 10, 11, 12, tzinfo=KST),
            ordered_qty=2,
            completed_at=datetime(2025, 3, 5, 16, 40, 3, tzinfo=KST),
            shipped_hint=True,
            product_name="면 티셔츠, 블랙, L",
            option="",
        )
    ]
    assert clock.sleeps == pytest.approx([0.1] * (len(seen) - 1))  # default 10 req/s limit


def test_the_notes_example_money_and_timestamps_parse() -> None:
    receipt = parse_receipt(JsonNode(fixture_json("coupang_return_requests.json")["data"][0]))
    assert receipt.enclose_price == Decimal(0)
    assert receipt.return_shipping_charge == Decimal(-3000)
    assert receipt.modified_at == datetime(2025, 3, 5, 16, 40, 3, tzinfo=KST)
    v6 = parse_receipt(
        JsonNode(
            {
                **fixture_json("coupang_return_requests.json")["data"][0],
                "createdAt": "2025-01-15T14:17:13.973885-08:00",
                "enclosePrice": {"currencyCode": "KRW", "units": 2500, "nanos": 500_000_000},
            }
        )
    )
    assert v6.created_at == datetime(2025, 1, 16, 7, 17, 13, 973885, tzinfo=KST)
    assert v6.enclose_price == Decimal("2500.5")
