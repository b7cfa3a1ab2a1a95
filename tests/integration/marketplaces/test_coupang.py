"""CoupangClaimSource against the fake WING gateway and the notes' verbatim example."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.marketplaces._json import JsonNode
from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource, parse_receipt
from adapters.marketplaces.coupang_auth import signature, signed_date
from core import order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.orders import Order, OrderStatus
from core.ports import ClaimSource, UnitOfWork
from core.queries import CancelFilter
from core.results import WithdrawalReason
from core.sync import sync_account

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

    # Feb 21 (3 days' lookback) .. Mar 4 (END is exclusive) in 7-day inclusive ranges; the
    # completed returns: the 31 days up to Mar 4, in one call.
    ranges = [("2025-02-21", "2025-02-27"), ("2025-02-28", "2025-03-04")]
    assert list_queries(fake) == [
        *[(f, t, "RU", "RETURN") for f, t in ranges],
        ("2025-02-02", "2025-03-04", "CC", "RETURN"),
        *[(f, t, None, "CANCEL") for f, t in ranges],
    ]


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


def test_a_return_filed_20_days_ago_and_completed_today_is_found(clock: FakeTime) -> None:
    now = clock.now()  # 2025-03-06 12:00 KST
    receipts = make_receipts(1, now - timedelta(days=20))
    receipts[0]["modifiedAt"] = "2025-03-06T11:55:00"  # completed five minutes ago
    receipts[0]["completeConfirmDate"] = "2025-03-06T11:55:00"
    fake = FakeCoupang(clock=clock, receipts=receipts)
    window = (now - timedelta(minutes=15), now)  # a routine pass

    found = coupang_source(fake, clock).fetch_claims(*window)

    assert rows_of(found) == {
        ("400000000", "70000000000", ClaimType.RETURN, ClaimState.COMPLETED),
        ("400000000", "70000000001", ClaimType.RETURN, ClaimState.COMPLETED),
    }
    assert {c.completed_at for c in found} == {datetime(2025, 3, 6, 11, 55, tzinfo=KST)}
    # The other lists keep their 14 days in 7-day ranges; the completed list is one call.
    assert list_queries(fake) == [
        ("2025-02-20", "2025-02-26", "RU", "RETURN"),
        ("2025-02-27", "2025-03-05", "RU", "RETURN"),
        ("2025-03-06", "2025-03-06", "RU", "RETURN"),
        ("2025-02-04", "2025-03-06", "CC", "RETURN"),
        ("2025-02-20", "2025-02-26", None, "CANCEL"),
        ("2025-02-27", "2025-03-05", None, "CANCEL"),
        ("2025-03-06", "2025-03-06", None, "CANCEL"),
    ]
    # With the completed list as short as the others, the return would never be seen.
    short = CoupangClaimSource(
        "coupang-main",
        fake.vendor_id,
        fake.access_key,
        fake.secret_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
        completed_lookback_days=14,
    )
    assert short.fetch_claims(*window) == []


def test_a_catch_up_window_reads_completed_returns_back_31_days_before_it(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    source = coupang_source(fake, clock, query_days=31, lookback=timedelta(days=14))
    start = datetime(2025, 1, 1, tzinfo=KST)

    source.fetch_claims(start, start + timedelta(days=31))

    completed = [q[:2] for q in list_queries(fake) if q[2] == "CC"]
    assert completed == [("2024-12-18", "2025-01-17"), ("2025-01-18", "2025-01-31")]
    with pytest.raises(ValueError):
        CoupangClaimSource("c", "A1", "ak", "sk", completed_lookback_days=0)


def stop_shipment(n: int, status: str, moment: datetime, *, moved_on: bool) -> dict[str, Any]:
    """A 출고중지요청 receipt whose releaseStopStatus is `status`; `moved_on` puts it in
    반품접수 as the official sample does (it stays listed under RU)."""
    [receipt] = make_receipts(1, moment - timedelta(hours=2))
    receipt |= {
        "receiptId": 500_000_000 + n,
        "releaseStopStatus": status,
        "receiptStatus": "RETURNS_UNCHECKED" if moved_on else "RELEASE_STOP_UNCHECKED",
        "modifiedAt": moment.astimezone(KST).replace(tzinfo=None).isoformat(),
    }
    if status == "처리(출고중지)":
        receipt["completeConfirmDate"] = receipt["modifiedAt"]
    for item in receipt["returnItems"]:
        item["vendorItemId"] = 80_000_000_000 + n * 10
        item["releaseStatus"] = "N"
    receipt["returnItems"] = receipt["returnItems"][:1]
    return receipt


def test_processed_stop_shipment_requests_report_their_real_state(
    clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    now = clock.now()
    changed = now - timedelta(minutes=5)
    fake = FakeCoupang(
        clock=clock,
        receipts=[
            stop_shipment(0, "미처리", changed, moved_on=False),
            stop_shipment(1, "처리(출고중지)", changed, moved_on=True),
            stop_shipment(2, "처리(이미출고)", changed, moved_on=True),
            stop_shipment(3, "자동처리(이미출고)", changed, moved_on=True),
            stop_shipment(4, "보류", changed, moved_on=False),
            # 출고중지완료 moves the receipt to 반품완료 (the workflow page): still a cancel.
            stop_shipment(5, "처리(출고중지)", changed, moved_on=True)
            | {"receiptStatus": "RETURNS_COMPLETED"},
        ],
    )

    claims = coupang_source(fake, clock).fetch_claims(now - timedelta(minutes=15), now)

    by_id = {c.claim_id: (c.claim_type, c.claim_state, c.shipped_hint) for c in claims}
    assert by_id == {
        "500000000": (ClaimType.CANCEL, ClaimState.REQUESTED, False),  # open: hold
        "500000001": (ClaimType.CANCEL, ClaimState.COMPLETED, False),  # stopped: done
        "500000002": (ClaimType.CANCEL, ClaimState.WITHDRAWN, True),  # it had left already
        "500000003": (ClaimType.CANCEL, ClaimState.WITHDRAWN, True),
        "500000004": (ClaimType.CANCEL, ClaimState.REQUESTED, False),  # unknown: hold, say so
        "500000005": (ClaimType.CANCEL, ClaimState.COMPLETED, False),  # stopped, in 반품완료
    }
    stopped = next(c for c in claims if c.claim_id == "500000001")
    assert stopped.completed_at == changed.replace(microsecond=0)
    assert "receipt 500000004 has releaseStopStatus '보류'" in caplog.text


def test_a_stop_request_answered_already_shipped_releases_the_hold(
    make_uow: Callable[[], UnitOfWork], clock: FakeTime
) -> None:
    now = clock.now()
    receipt = stop_shipment(0, "미처리", now - timedelta(minutes=5), moved_on=False)
    fake = FakeCoupang(clock=clock, receipts=[receipt])
    order_book.import_orders(
        make_uow,
        [
            Order(
                management_no="M-1",
                marketplace="coupang",
                marketplace_order_id=str(receipt["orderId"]),
                marketplace_item_id=str(receipt["returnItems"][0]["vendorItemId"]),
                product_name="상품",
                option="",
                quantity=1,
                status=OrderStatus.INVOICED,
            )
        ],
        now,
    )
    source = coupang_source(fake, clock)

    first = sync_account(make_uow, source, now, lookback=timedelta(minutes=15))
    assert first.ok and first.stats.new == 1
    with make_uow() as uow:
        assert uow.orders.get("M-1").on_hold  # type: ignore[union-attr]

    # The seller answers the request: the goods had already left.
    answered = now + timedelta(minutes=2)
    receipt |= {
        "releaseStopStatus": "처리(이미출고)",
        "receiptStatus": "RETURNS_UNCHECKED",
        "modifiedAt": answered.astimezone(KST).replace(tzinfo=None).isoformat(),
    }
    clock.advance(timedelta(minutes=5))
    second = sync_account(make_uow, source, clock.now())
    assert second.ok and second.stats.updated == 1

    [result] = read_models.list_results(make_uow, CancelFilter(phase=None, confirmed=None)).items
    assert (result.claim_type, result.claim_state) == (ClaimType.CANCEL, ClaimState.WITHDRAWN)
    # The hold is released: a withdrawal for the held unit, as for any closed cancel.
    [view] = read_models.list_withdrawals(make_uow, CancelFilter(phase=None)).items
    withdrawal = view.withdrawal
    assert (withdrawal.management_no, withdrawal.restore_qty) == ("M-1", 1)
    assert withdrawal.reason is WithdrawalReason.WITHDRAWN


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
        (wrong_type("data", {"rows": []}), "$.data: expected a list, got dict"),
        (missing("data"), "$: missing field 'data'"),
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


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("receiptId", None, "$.data[0].receiptId: expected an id"),
        ("returnItems", [{"vendorItemId": 1}], "missing field 'purchaseCount'"),
        ("enclosePrice", "free", ".enclosePrice: expected a number"),
        ("modifiedAt", "0001-01-01T00:00:00", ".modifiedAt: the timestamp is outside 1970"),
    ],
)
def test_a_receipt_that_cannot_be_read_is_set_aside_and_the_others_are_reported(
    fake: FakeCoupang, clock: FakeTime, field: str, value: Any, problem: str
) -> None:
    expected = expected_coupang_rows(fake.receipts, START, END)
    bad = fake.receipts[0]  # a completed return, modified inside the window
    bad_rows = {row for row in expected if row[0] == str(bad["receiptId"])}
    bad[field] = value
    source = coupang_source(fake, clock, lookback=timedelta(0))

    claims = source.fetch_claims(START, END)

    assert bad_rows and rows_of(claims) == expected - bad_rows
    [aside] = source.set_aside
    assert problem in aside.reason and aside.window == (START, END)
    assert aside.claim_id == ("" if field == "receiptId" else "400000000")
    assert json.loads(aside.raw)[field] == value  # the receipt as Coupang sent it
    assert clock.sleeps == []


def test_a_page_without_next_token_ends_the_paging_with_a_warning(
    fake: FakeCoupang, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults[1] = missing("nextToken")
    source = coupang_source(fake, clock, lookback=timedelta(0))

    with caplog.at_level(logging.WARNING):
        claims = source.fetch_claims(START, END)

    assert claims  # the other lists and pages were read
    assert "a page without nextToken" in caplog.text and "coupang-main" in caplog.text
    assert source.set_aside == []


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


# -- accounts check ------------------------------------------------------------------------


def test_check_succeeds_with_one_signed_call(fake: FakeCoupang, clock: FakeTime) -> None:
    fake.receipts = make_receipts(12, clock.now() - timedelta(hours=30), every=timedelta(hours=2))

    result = coupang_source(fake, clock).check()

    assert result.ok, result
    # 12 receipts over the last 30 h, one in five a stop request: receipts 1, 6 and 11.
    assert result.summary == "OK, 3 stop-shipment receipt(s) since yesterday (status RU)"
    assert list_queries(fake) == [("2025-03-05", "2025-03-06", "RU", "RETURN")]


@pytest.mark.parametrize(
    ("problem", "status", "message", "hint"),
    [
        ("wrong key", 401, "Invalid signature.", "keys expire after 6 months"),
        ("ip not allowed", 403, "허용되지 않은 IP 입니다.", "register its outbound IP"),
        ("wrong vendor id", 400, "Invalid vendor ID", "vendor_id is not the WING vendor ID"),
        ("clock off", 401, "Specified signature is expired", "clock right (NTP)"),
    ],
)
def test_check_names_coupangs_answer_and_what_to_fix(
    fake: FakeCoupang, clock: FakeTime, problem: str, status: int, message: str, hint: str
) -> None:
    fake.ip_allowed = problem != "ip not allowed"
    source = CoupangClaimSource(
        "coupang-main",
        "A99999999" if problem == "wrong vendor id" else fake.vendor_id,
        fake.access_key,
        "not-the-secret" if problem == "wrong key" else fake.secret_key,
        transport=httpx.MockTransport(fake),
        clock=FakeTime(clock.now() - timedelta(minutes=10)) if problem == "clock off" else clock,
        sleep=clock.sleep,
    )

    result = source.check()

    assert not result.ok
    assert (result.status, result.code, result.message) == (status, "ERROR", message)
    assert result.summary == f"FAILED (HTTP {status} ERROR): {message}"
    assert hint in result.hint
    assert len(fake.requests) == 1 and fake.secret_key not in repr(result)
