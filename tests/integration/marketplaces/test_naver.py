"""NaverClaimSource against the fake Commerce API and the notes' verbatim examples."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import httpx
import pytest

from adapters.marketplaces._time import KST
from adapters.marketplaces.naver import NaverClaimSource
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import ClaimSource

from .builders import expected_naver_rows, fixture_text, naver_source, rows_of
from .fake_naver import FakeNaver, ProductOrder, make_product_orders, make_secret
from .faketime import FakeTime
from .faults import (
    Fault,
    http_error,
    invalid_json,
    missing,
    rate_limited,
    run_first,
    timeout,
    wrong_type,
)

START = datetime(2025, 3, 3, tzinfo=KST)
END = datetime(2025, 3, 6, tzinfo=KST)


def token_calls(fake: FakeNaver) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.endswith("/oauth2/token")]


def calls_to(fake: FakeNaver, suffix: str) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.endswith(suffix)]


def gateway_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message, "timestamp": "2025-03-06T12:00:00.000+09:00"}


@pytest.fixture
def fake(clock: FakeTime) -> FakeNaver:
    orders = make_product_orders(60, START + timedelta(minutes=13), every=timedelta(minutes=53))
    return FakeNaver(clock=clock, product_orders=orders)


def test_fetches_all_pages_of_all_windows_and_the_details(fake: FakeNaver, clock: FakeTime) -> None:
    source: ClaimSource = naver_source(fake, clock, page_size=5, batch_size=7)

    claims = list(source.fetch_claims(START, END))

    assert rows_of(claims) == expected_naver_rows(fake.product_orders, START, END)
    assert len(claims) == len(rows_of(claims))
    assert len(token_calls(fake)) == 1  # one token for the whole fetch
    changes = calls_to(fake, "/last-changed-statuses")
    first_pages = [r.url.params for r in changes if "moreSequence" not in r.url.params]
    assert [(p["lastChangedFrom"], p["lastChangedTo"]) for p in first_pages] == [
        ("2025-03-03T00:00:00.000+09:00", "2025-03-03T23:59:59.999+09:00"),
        ("2025-03-04T00:00:00.000+09:00", "2025-03-04T23:59:59.999+09:00"),
        ("2025-03-05T00:00:00.000+09:00", "2025-03-05T23:59:59.999+09:00"),
    ]
    assert len(changes) > 3, "page_size=5 must have forced paging through `more`"
    assert all(b"%2B09%3A00" in r.url.query for r in changes)  # "+" must not become a space
    details = [json.loads(r.content) for r in calls_to(fake, "/product-orders/query")]
    assert all(len(d["productOrderIds"]) <= 7 for d in details)
    assert all(d["quantityClaimCompatibility"] is True for d in details)
    api_calls = [r for r in fake.requests if r not in token_calls(fake)]
    assert {r.headers["Authorization"] for r in api_calls} == {"Bearer naver-token-1"}


def test_claim_fields_for_each_status(fake: FakeNaver, clock: FakeTime) -> None:
    claims = naver_source(fake, clock).fetch_claims(START, END)
    by_item = {c.marketplace_item_id: c for c in claims}
    first = fake.product_orders[0].last_changed

    assert by_item["2025000000000001"] == Claim(
        marketplace="naver",
        account="naver-main",
        claim_id="C2025000000000001",
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.REQUESTED,
        marketplace_order_id="2025000000000000",
        marketplace_item_id="2025000000000001",
        cancel_qty=1,
        claimed_at=first - timedelta(hours=6),
        ordered_qty=2,
        completed_at=None,
        shipped_hint=False,
        product_name="상품 0001",
        option="색상: 블랙",
    )
    returned = by_item["2025000000000301"]  # #3: RETURN_DONE
    assert (returned.claim_type, returned.claim_state) == (ClaimType.RETURN, ClaimState.COMPLETED)
    assert returned.completed_at == fake.product_orders[3].last_changed
    assert returned.shipped_hint is True and returned.cancel_qty == 2
    rejected = by_item["2025000000000401"]  # #4: CANCEL_REJECT
    assert (rejected.claim_state, rejected.completed_at) == (ClaimState.WITHDRAWN, None)
    admin = by_item["2025000000000801"]  # #8: ADMIN_CANCEL_DONE
    assert (admin.claim_type, admin.claim_state) == (ClaimType.CANCEL, ClaimState.COMPLETED)
    # RETURN_REQUEST, EXCHANGE_REQUEST and a plain dispatch are not results.
    assert not {"2025000000000201", "2025000000000601", "2025000000000701"} & by_item.keys()


def product_order(
    n: int,
    claim_type: str,
    status: str,
    product_status: str,
    *,
    block: str,
    requested: int = 1,
    quantity: int = 3,
) -> ProductOrder:
    return ProductOrder(
        order_id=f"2025{n:012d}",
        product_order_id=f"2025{n:010d}01",
        last_changed_type="CLAIM_COMPLETED" if status.endswith("DONE") else "CLAIM_REQUESTED",
        claim_type=claim_type,
        claim_status=status,
        product_order_status=product_status,
        last_changed=START + timedelta(hours=n),
        quantity=quantity,
        request_quantity=requested,
        shipped=False,
        claim_block=block,
    )


def test_a_direct_cancel_without_current_claim_is_read_from_its_product_order(
    clock: FakeTime,
) -> None:
    partial = product_order(
        1, "ADMIN_CANCEL", "ADMIN_CANCEL_DONE", "PAYED", block="none", requested=2
    )
    whole = product_order(
        2, "ADMIN_CANCEL", "ADMIN_CANCEL_DONE", "CANCELED", block="none", requested=0
    )
    fake = FakeNaver(clock=clock, product_orders=[partial, whole])
    source = naver_source(fake, clock)

    claims = source.fetch_claims(START, END)

    assert claims == [
        Claim(
            marketplace="naver",
            account="naver-main",
            claim_id="C2025000000000101",  # productOrder.claimId
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="2025000000000001",
            marketplace_item_id="2025000000000101",
            cancel_qty=2,  # initialQuantity 3 − remainQuantity 1
            claimed_at=partial.last_changed,  # the product order's lastChangedDate
            ordered_qty=3,
            completed_at=partial.last_changed,
            shipped_hint=False,
            product_name="상품 0101",
            option="색상: 블랙",
        ),
        Claim(
            marketplace="naver",
            account="naver-main",
            claim_id="C2025000000000201",
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="2025000000000002",
            marketplace_item_id="2025000000000201",
            cancel_qty=3,  # nothing left over, but the line is CANCELED: all of it
            claimed_at=whole.last_changed,
            ordered_qty=3,
            completed_at=whole.last_changed,
            shipped_hint=False,
            product_name="상품 0201",
            option="색상: 블랙",
        ),
    ]
    assert source.set_aside == []


def test_a_direct_cancel_that_cannot_be_told_is_set_aside_and_the_window_still_succeeds(
    clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    unclear = product_order(
        1, "ADMIN_CANCEL", "ADMIN_CANCELING", "PAYED", block="none", requested=0
    )
    normal = product_order(2, "CANCEL", "CANCEL_REQUEST", "PAYED", block="current")
    fake = FakeNaver(clock=clock, product_orders=[unclear, normal])
    source = naver_source(fake, clock)

    with caplog.at_level(logging.WARNING):
        claims = source.fetch_claims(START, END)

    assert [c.claim_id for c in claims] == ["C2025000000000201"]
    [aside] = source.set_aside
    assert (aside.account, aside.marketplace, aside.claim_id) == (
        "naver-main",
        "naver",
        "C2025000000000101",
    )
    assert "does not say how many units it cancels" in aside.reason
    raw = json.loads(aside.raw)
    assert raw["productOrder"]["productOrderId"] == "2025000000000101"
    assert raw["currentClaim"] is None
    assert "claim C2025000000000101 set aside" in caplog.text
    assert "홍길동" not in caplog.text  # the record's content stays out of the log


def test_the_retiring_top_level_block_is_read_when_current_claim_is_missing(
    clock: FakeTime,
) -> None:
    legacy = product_order(1, "CANCEL", "CANCEL_REQUEST", "PAYED", block="legacy", requested=2)
    fake = FakeNaver(clock=clock, product_orders=[legacy])

    [claim] = naver_source(fake, clock).fetch_claims(START, END)

    assert (claim.claim_id, claim.cancel_qty, claim.claim_state) == (
        "C2025000000000101",
        2,
        ClaimState.REQUESTED,
    )
    assert claim.claimed_at == legacy.last_changed - timedelta(hours=6)  # its own date


def test_a_customer_claim_without_any_claim_block_is_set_aside(clock: FakeTime) -> None:
    bare = product_order(1, "RETURN", "RETURN_DONE", "RETURNED", block="none")
    fake = FakeNaver(clock=clock, product_orders=[bare])
    source = naver_source(fake, clock)

    assert source.fetch_claims(START, END) == []
    [aside] = source.set_aside
    assert aside.reason == "RETURN_DONE without a claim block (currentClaim.return or return)"


def test_the_token_is_cached_until_less_than_30_minutes_remain(
    fake: FakeNaver, clock: FakeTime
) -> None:
    source = naver_source(fake, clock)
    window = (START, START + timedelta(hours=1))

    source.fetch_claims(*window)
    clock.advance(timedelta(hours=2))  # 1 h left: keep it
    source.fetch_claims(*window)
    assert len(token_calls(fake)) == 1

    clock.advance(timedelta(minutes=31))  # 29 min left: ask again
    source.fetch_claims(*window)
    assert len(token_calls(fake)) == 2
    assert fake.requests[-1].headers["Authorization"] == "Bearer naver-token-2"


def test_the_token_request_is_a_signed_form(fake: FakeNaver, clock: FakeTime) -> None:
    naver_source(fake, clock).fetch_claims(START, START + timedelta(hours=1))
    (request,) = token_calls(fake)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form.keys() == {"client_id", "timestamp", "grant_type", "client_secret_sign", "type"}
    assert form["timestamp"] == str(int(clock.now().timestamp() * 1000))
    assert (form["grant_type"], form["type"]) == ("client_credentials", "SELF")


def test_an_expired_token_is_reissued_and_the_call_retried_once(
    fake: FakeNaver, clock: FakeTime
) -> None:
    fake.faults[3] = run_first(fake.expire_tokens)  # the second API call meets a dead token

    claims = naver_source(fake, clock).fetch_claims(START, END)

    assert rows_of(claims) == expected_naver_rows(fake.product_orders, START, END)
    assert fake.requests[2].headers["Authorization"] == "Bearer naver-token-1"
    assert fake.requests[3].url.path.endswith("/oauth2/token")
    assert fake.requests[4].headers["Authorization"] == "Bearer naver-token-2"
    assert fake.requests[4].url == fake.requests[2].url  # the same call, once more


def test_a_token_refused_twice_is_an_error(fake: FakeNaver, clock: FakeTime) -> None:
    fake.faults = {2: run_first(fake.expire_tokens), 4: run_first(fake.expire_tokens)}

    with pytest.raises(MarketplaceError) as caught:
        naver_source(fake, clock).fetch_claims(START, END)

    assert (caught.value.status, caught.value.code) == (401, "GW.AUTHN")
    assert "요청을 보낼 권한이 없습니다." in str(caught.value)
    assert len(fake.requests) == 4


def test_a_wrong_secret_is_refused_at_the_token_endpoint(fake: FakeNaver, clock: FakeTime) -> None:
    with pytest.raises(MarketplaceError) as caught:
        naver_source(fake, clock, client_secret=make_secret()).fetch_claims(START, END)
    assert (caught.value.status, caught.value.code) == (403, "GW.AUTHN.SIGNATURE")
    assert caught.value.request == "POST /external/v1/oauth2/token"
    assert len(fake.requests) == 1


def test_a_secret_that_is_not_a_bcrypt_salt_fails_before_any_call(
    fake: FakeNaver, clock: FakeTime
) -> None:
    with pytest.raises(MarketplaceError, match="not a bcrypt salt") as caught:
        naver_source(fake, clock, client_secret="plain-text-secret").fetch_claims(START, END)
    assert "plain-text-secret" not in str(caught.value)
    assert fake.requests == []


def test_a_stale_timestamp_is_refused(fake: FakeNaver, clock: FakeTime) -> None:
    slow = FakeTime(clock.now() - timedelta(minutes=10))
    with pytest.raises(MarketplaceError, match="timestamp expired"):
        naver_source(fake, slow).fetch_claims(START, END)


def test_429_follows_the_gateway_rate_headers_and_retry_after(
    fake: FakeNaver, clock: FakeTime
) -> None:
    limited = gateway_body("GW.RATE_LIMIT", "요청이 많아 처리할 수 없습니다.")
    fake.faults = {
        2: rate_limited(
            limited,
            **{
                "GNCP-GW-RateLimit-Replenish-Rate": "2",
                "GNCP-GW-RateLimit-Burst-Capacity": "4",
                "GNCP-GW-RateLimit-Remaining": "0",
            },
        ),
        3: rate_limited(limited, retry_after="4"),
        5: http_error(500, gateway_body("GW.INTERNAL_SERVER_ERROR", "internal")),
        6: timeout(),
    }

    claims = naver_source(fake, clock).fetch_claims(START, END)

    assert rows_of(claims) == expected_naver_rows(fake.product_orders, START, END)
    # one token = 1/rate = 0.5 s; Retry-After 4 s; then a fresh call backs off 0.5, 1.0
    assert clock.sleeps == [0.5, 4.0, 0.5, 1.0]


def test_403_ip_not_allowed_is_final_with_the_gateway_code(
    fake: FakeNaver, clock: FakeTime
) -> None:
    fake.faults[2] = http_error(403, gateway_body("GW.IP_NOT_ALLOWED", "허용되지 않은 IP 입니다."))

    with pytest.raises(MarketplaceError) as caught:
        naver_source(fake, clock).fetch_claims(START, END)

    err = caught.value
    assert (err.code, err.status, err.retryable) == ("GW.IP_NOT_ALLOWED", 403, False)
    assert "허용되지 않은 IP 입니다." in str(err) and err.account == "naver-main"
    assert err.request == ("GET /external/v1/pay-order/seller/product-orders/last-changed-statuses")
    assert len(fake.requests) == 2 and clock.sleeps == []


def test_product_orders_missing_from_the_details_fail_the_fetch(
    fake: FakeNaver, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fake.missing_ids = {"2025000000000301"}

    with caplog.at_level(logging.WARNING), pytest.raises(MarketplaceError) as caught:
        naver_source(fake, clock).fetch_claims(START, END)

    assert caught.value.retryable
    assert "left out 1 of" in str(caught.value) and "2025000000000301" in str(caught.value)
    assert "2025000000000301" in caplog.text


def first_request_to(fake: FakeNaver, clock: FakeTime, suffix: str) -> int:
    """The request number of the first call to `suffix` in an undisturbed fetch."""
    rehearsal = FakeNaver(
        clock=clock, client_secret=fake.client_secret, product_orders=fake.product_orders
    )
    naver_source(rehearsal, clock).fetch_claims(START, END)
    return next(n for n, r in enumerate(rehearsal.requests, 1) if r.url.path.endswith(suffix))


@pytest.mark.parametrize(
    ("suffix", "fault", "problem"),
    [
        ("/last-changed-statuses", invalid_json(), "not valid JSON"),
        ("/last-changed-statuses", missing("data"), "$: missing field 'data'"),
        ("/product-orders/query", missing("data"), "$: missing field 'data'"),
        ("/oauth2/token", missing("expires_in"), "$: missing field 'expires_in'"),
    ],
)
def test_a_garbled_body_fails_the_whole_fetch(
    fake: FakeNaver, clock: FakeTime, suffix: str, fault: Fault, problem: str
) -> None:
    fake.faults[first_request_to(fake, clock, suffix)] = fault

    with pytest.raises(MarketplaceError) as caught:
        naver_source(fake, clock).fetch_claims(START, END)

    assert problem in str(caught.value)
    assert caught.value.account == "naver-main" and caught.value.request.endswith(suffix)


@pytest.mark.parametrize(
    ("suffix", "fault", "problem"),
    [
        (
            "/last-changed-statuses",
            missing("data.lastChangeStatuses.0.productOrderId"),
            "$.data.lastChangeStatuses[0]: missing field 'productOrderId'",
        ),
        (
            "/product-orders/query",
            wrong_type("data.0.currentClaim.cancel.requestQuantity", "1"),
            "$.data[0].currentClaim.cancel.requestQuantity: expected an integer, got str",
        ),
        (
            "/product-orders/query",
            wrong_type("data.0.productOrder.claimStatus", 7),
            "$.data[0].productOrder.claimStatus: expected a string, got int",
        ),
        (
            "/product-orders/query",
            missing("data.0.productOrder.productOrderId"),
            "$.data[0].productOrder: missing field 'productOrderId'",
        ),
    ],
)
def test_a_record_that_cannot_be_read_is_set_aside_and_the_others_are_reported(
    fake: FakeNaver, clock: FakeTime, suffix: str, fault: Fault, problem: str
) -> None:
    baseline = rows_of(naver_source(fake, clock).fetch_claims(START, END))
    fake.faults[len(fake.requests) + first_request_to(fake, clock, suffix)] = fault
    source = naver_source(fake, clock)

    claims = source.fetch_claims(START, END)

    [aside] = source.set_aside
    assert problem in aside.reason and aside.window == (START, END)
    assert len(baseline - rows_of(claims)) == 1 and rows_of(claims) < baseline


# -- the example responses in docs/marketplaces.md §2.3 and §2.4, verbatim ------------------


def test_the_notes_examples_field_by_field(clock: FakeTime) -> None:
    changes_example = fixture_text("naver_last_changed_statuses.json")
    details_example = fixture_text("naver_product_orders_query.json")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/oauth2/token"):
            token = {"access_token": "tok", "expires_in": 10800, "token_type": "Bearer"}
            return httpx.Response(200, json=token)
        if request.url.path.endswith("/last-changed-statuses"):
            if "moreSequence" not in request.url.params:
                return httpx.Response(200, text=changes_example)
            last = {"timestamp": "2025-03-05T16:41:00.500+09:00", "data": {"count": 0}}
            return httpx.Response(200, json=last)
        return httpx.Response(200, text=details_example)

    source = NaverClaimSource(
        "naver-main",
        "client-id",
        make_secret(),
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
    )
    claims = source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))

    assert claims == [
        Claim(
            marketplace="naver",
            account="naver-main",
            claim_id="2025030512345",
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="2025030412345670",
            marketplace_item_id="2025030498765401",
            cancel_qty=2,
            claimed_at=datetime(2025, 3, 5, 10, 0, tzinfo=KST),
            ordered_qty=2,
            completed_at=datetime(2025, 3, 5, 16, 40, 2, tzinfo=KST),
            shipped_hint=False,
            product_name="면 티셔츠",
            option="색상: 블랙 / 사이즈: L",
        )
    ]
    _, first, second, query = seen
    assert second.url.params["lastChangedFrom"] == "2025-03-05T16:40:31.000+09:00"
    assert second.url.params["moreSequence"] == "0000000000123"
    assert second.url.params["lastChangedTo"] == first.url.params["lastChangedTo"]
    # Only the CANCEL_DONE row is a result; the RETURN_REQUEST one is not asked about.
    assert json.loads(query.content) == {
        "productOrderIds": ["2025030498765401"],
        "quantityClaimCompatibility": True,
    }


# -- accounts check ------------------------------------------------------------------------


def test_check_succeeds_with_a_token_and_one_call(fake: FakeNaver, clock: FakeTime) -> None:
    fake.product_orders = make_product_orders(7, clock.now() - timedelta(hours=5))

    result = naver_source(fake, clock).check()

    assert result.ok and result.summary == "OK, 7 product order(s) changed in the last 24 hours"
    [token, changes] = fake.requests
    assert token.url.path.endswith("/oauth2/token")
    assert changes.url.params["lastChangedFrom"] == "2025-03-05T12:00:00.000+09:00"


@pytest.mark.parametrize(
    ("problem", "status", "code", "hint"),
    [
        ("wrong secret", 403, "GW.AUTHN.SIGNATURE", "does not match the client id"),
        ("ip not allowed", 403, "GW.IP_NOT_ALLOWED", "register this server's outbound IP"),
        ("wrong client id", 400, "BAD_REQUEST", "not a 커머스API센터 application id"),
    ],
)
def test_check_names_the_gateway_code_and_what_to_fix(
    fake: FakeNaver, clock: FakeTime, problem: str, status: int, code: str, hint: str
) -> None:
    fake.ip_allowed = problem != "ip not allowed"
    source = NaverClaimSource(
        "naver-main",
        "someone-else" if problem == "wrong client id" else fake.client_id,
        make_secret() if problem == "wrong secret" else fake.client_secret,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
    )

    result = source.check()

    assert not result.ok
    assert (result.status, result.code) == (status, code)
    assert result.summary.startswith(f"FAILED (HTTP {status} {code}): ")
    assert result.message and result.message in result.summary
    assert hint in result.hint
    assert fake.client_secret not in repr(result)


def test_check_says_when_the_secret_is_not_a_naver_secret(fake: FakeNaver, clock: FakeTime) -> None:
    result = naver_source(fake, clock, client_secret="plain-text-secret").check()
    assert not result.ok and result.status is None and "starts with $2a$" in result.hint
    assert "plain-text-secret" not in repr(result) and fake.requests == []
