"""EsmClaimSource (G마켓 / 옥션) against the fake ESM API and the notes' verbatim example."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._time import KST
from adapters.marketplaces.esm import (
    COMPLETION_DATE,
    ESM_CANCEL_STATES,
    ESM_RETURN_STATES,
    REQUEST_DATE,
    EsmClaimSource,
    EsmMarketplace,
    esm_token,
)
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import ClaimSource

from .builders import EXACT_RETRY, Row, fixture_text, rows_of
from .fake_esm import FakeEsm, filed_on, make_claims, status_of
from .faketime import FakeTime
from .faults import (
    Fault,
    http_error,
    invalid_json,
    missing,
    rate_limited,
    timeout,
    wrong_type,
)
from .http_server import serve

START = datetime(2025, 2, 24, tzinfo=KST)
END = datetime(2025, 3, 2, tzinfo=KST)  # 6 whole KST days: one range, so five queries
LAST_DAY = date(2025, 3, 1)
STATES = {"cancel": ESM_CANCEL_STATES, "return": ESM_RETURN_STATES}
TYPES = {"cancel": ClaimType.CANCEL, "return": ClaimType.RETURN}
EMPTY = {"ResultCode": 0, "Message": "Success", "Data": []}


def esm_source(
    fake: FakeEsm,
    clock: FakeTime,
    *,
    marketplace: EsmMarketplace = "gmarket",
    master_id: str | None = None,
    seller_id: str | None = None,
    secret_key: str | None = None,
    site_type: int | None = None,
    rate_limit: RateLimit | None = None,
) -> EsmClaimSource:
    """A source on the fake's keys; rate limit off so `clock.sleeps` holds only retry waits."""
    site = "A" if marketplace == "auction" else "G"
    return EsmClaimSource(
        f"{marketplace}-main",
        marketplace,
        fake.master_id if master_id is None else master_id,
        fake.sellers[site] if seller_id is None else seller_id,
        fake.secret_key if secret_key is None else secret_key,
        site_type=site_type,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=rate_limit,
    )


def expected_rows(rows: list[dict[str, Any]], first: date, last: date) -> set[Row]:
    """What the adapter should report for the KST days first..last, from the raw rows: a
    cancel requested or completed (withdrawn) on those days, a return completed (withdrawn)
    on them, in the state of its current status."""
    out: set[Row] = set()
    for row in rows:
        kind = row["_kind"]
        state = STATES[kind].get(status_of(row))
        if state is None:
            continue
        bases = (REQUEST_DATE, COMPLETION_DATE) if kind == "cancel" else (COMPLETION_DATE,)
        days = [filed_on(row, basis) for basis in bases]
        if any(day is not None and first <= day <= last for day in days):
            out.add((f"{kind}-{row['OrderNo']}", "", TYPES[kind], state))
    return out


def reported(fake: FakeEsm, first: date, last: date) -> set[Row]:
    """expected_rows for the wanted days first..last as this fake answers: EndDate is sent
    one day late, so a fake that reads it as a whole day also lists the day after (the
    overlap the next window reads again; it changes nothing)."""
    extra = timedelta(days=1) if fake.end_date_inclusive else timedelta(0)
    return expected_rows(fake.claims, first, last + extra)


def bodies(fake: FakeEsm) -> list[tuple[str, dict[str, Any]]]:
    return [(r.url.path.rsplit("/", 1)[1], json.loads(r.content)) for r in fake.requests]


@pytest.fixture
def fake(clock: FakeTime) -> FakeEsm:
    return FakeEsm(clock=clock, claims=make_claims(30, START + timedelta(hours=1)))


def test_five_queries_per_range_with_a_signed_token(fake: FakeEsm, clock: FakeTime) -> None:
    source: ClaimSource = esm_source(fake, clock)

    claims = list(source.fetch_claims(START, END))

    assert claims and rows_of(claims) == reported(fake, START.date(), LAST_DAY)
    assert len(claims) == len(rows_of(claims))
    # EndDate is one day past the last day wanted, whichever way ESM reads it.
    days = {"StartDate": "2025-02-24", "EndDate": "2025-03-02"}
    assert bodies(fake) == [
        ("Cancels", {"SiteType": 3, "CancelStatus": 0, "Type": 2, **days}),
        ("Cancels", {"SiteType": 3, "CancelStatus": 0, "Type": 3, **days}),
        ("Returns", {"SiteType": 2, "ReturnStatus": 4, "Type": 3, **days}),
        ("Returns", {"SiteType": 2, "ReturnStatus": 5, "Type": 3, **days}),
        ("Returns", {"SiteType": 2, "ReturnStatus": 6, "Type": 3, **days}),
    ]
    # The fake answered 401 to anything but a valid token; these are what it verified.
    assert len(fake.tokens) == 5
    assert {(t["iss"], t["sub"], t["aud"], t["ssi"]) for t in fake.tokens} == {
        ("www.esmplus.com", "sell", "sa.esmplus.com", "G:seller_g")
    }
    assert {t["iat"] for t in fake.tokens} == {int(clock.now().timestamp())}


def test_claim_fields_without_quantities(fake: FakeEsm, clock: FakeTime) -> None:
    by_id = {c.claim_id: c for c in esm_source(fake, clock).fetch_claims(START, END)}

    assert by_id["cancel-2943000001"] == Claim(  # row 1: 취소완료
        marketplace="gmarket",
        account="gmarket-main",
        claim_id="cancel-2943000001",
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="2943000001",
        marketplace_item_id="",
        cancel_qty=None,
        claimed_at=datetime(2025, 2, 24, 8, 0, tzinfo=KST),
        ordered_qty=None,
        completed_at=datetime(2025, 2, 24, 11, 0, 5, tzinfo=KST),
    )
    assert by_id["return-2943000002"] == Claim(  # row 2: 반품환불완료
        marketplace="gmarket",
        account="gmarket-main",
        claim_id="return-2943000002",
        claim_type=ClaimType.RETURN,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="2943000002",
        marketplace_item_id="",
        cancel_qty=None,
        claimed_at=datetime(2025, 2, 24, 15, 0, tzinfo=KST),
        ordered_qty=None,
        completed_at=datetime(2025, 2, 24, 18, 0, 5, tzinfo=KST),
        shipped_hint=True,  # the original delivery has an invoice
    )
    states = {
        "cancel-2943000000": ClaimState.REQUESTED,  # 취소요청
        "cancel-2943000003": ClaimState.WITHDRAWN,  # 취소철회
        "cancel-2943000004": ClaimState.REQUESTED,  # 취소중
        "return-2943000005": ClaimState.WITHDRAWN,  # 반품철회
    }
    assert {k: by_id[k].claim_state for k in states} == states
    assert by_id["cancel-2943000003"].completed_at is None
    # 반품요청 (return 1) and 반품환불보류 (return 3) are not results yet.
    assert "return-2943000006" not in by_id and "return-2943000010" not in by_id


def test_refunds_the_site_made_itself_are_completed_claims(clock: FakeTime) -> None:
    """Cancels 5 (사이트 직권환불) and 6 (송금 후 취소), Returns 6 (사이트 직권 환불): SPEC §3
    rule 1, a refund the marketplace made is a completed cancel or return."""
    rows = [
        row
        for row in make_claims(11, START + timedelta(hours=1))
        if row["OrderNo"] in (2943000007, 2943000008, 2943000009)
    ]
    assert [(r["_kind"], status_of(r)) for r in rows] == [
        ("cancel", 5),
        ("cancel", 6),
        ("return", 6),
    ]
    fake = FakeEsm(clock=clock, claims=rows)

    by_id = {c.claim_id: c for c in esm_source(fake, clock).fetch_claims(START, END)}

    assert {k: (c.claim_type, c.claim_state) for k, c in by_id.items()} == {
        "cancel-2943000007": (ClaimType.CANCEL, ClaimState.COMPLETED),
        "cancel-2943000008": (ClaimType.CANCEL, ClaimState.COMPLETED),
        "return-2943000009": (ClaimType.RETURN, ClaimState.COMPLETED),
    }
    site_refund = by_id["cancel-2943000007"]
    # Nobody requested it, so no RequestDate: the claim dates from the site's approval.
    assert rows[0]["RequestDate"] is None
    assert site_refund.claimed_at == datetime(2025, 2, 26, 5, 0, tzinfo=KST)
    assert site_refund.completed_at == datetime(2025, 2, 26, 5, 0, 5, tzinfo=KST)
    assert by_id["return-2943000009"].shipped_hint is True


@pytest.mark.parametrize("inclusive", [True, False], ids=["EndDate-whole-day", "EndDate-0000"])
def test_a_routine_sync_finds_todays_claims_whichever_way_end_date_is_read(
    clock: FakeTime, inclusive: bool
) -> None:
    now = clock.now()  # 2025-03-06 12:00 KST
    today = now.astimezone(KST).date()
    rows = make_claims(11, datetime(2025, 3, 6, 7, 0, tzinfo=KST), every=timedelta(minutes=20))
    fake = FakeEsm(clock=clock, claims=rows, end_date_inclusive=inclusive)

    claims = esm_source(fake, clock).fetch_claims(now - timedelta(minutes=15), now)

    assert rows_of(claims) == expected_rows(rows, today, today)
    assert len(claims) == 9  # every row but the two returns still on their way
    assert {(b["StartDate"], b["EndDate"]) for _, b in bodies(fake)} == {
        ("2025-03-06", "2025-03-07")
    }
    # What cancelbot used to send (EndDate = StartDate = today) finds nothing when ESM
    # reads EndDate as 00:00.
    token = esm_token(fake.master_id, "G", "seller_g", fake.secret_key, issued_at=now)
    old = {"SiteType": 3, "CancelStatus": 0, "Type": 2, "StartDate": "2025-03-06"}
    answer = fake(
        httpx.Request(
            "POST",
            "https://sa2.esmplus.com/claim/v1/sa/Cancels",
            json={**old, "EndDate": "2025-03-06"},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()
    assert len(answer["Data"]) == (5 if inclusive else 0)  # the site's refund has no request


def test_an_auction_account_signs_for_its_auction_seller_id(clock: FakeTime) -> None:
    fake = FakeEsm(clock=clock, claims=make_claims(16, START + timedelta(hours=1), site="A"))

    claims = esm_source(fake, clock, marketplace="auction").fetch_claims(START, END)

    assert claims and rows_of(claims) == reported(fake, START.date(), LAST_DAY)
    assert {c.marketplace for c in claims} == {"auction"}
    assert {body["SiteType"] for _, body in bodies(fake)} == {1}
    assert {t["ssi"] for t in fake.tokens} == {"A:seller_a"}
    # A G마켓 account of the same master sees none of them.
    assert esm_source(fake, clock).fetch_claims(START, END) == []


def test_a_site_type_override_applies_to_both_lists(fake: FakeEsm, clock: FakeTime) -> None:
    baseline = esm_source(fake, clock).fetch_claims(START, END)
    fake.requests.clear()

    claims = esm_source(fake, clock, site_type=2).fetch_claims(START, END)

    assert {body["SiteType"] for _, body in bodies(fake)} == {2}
    # Returns take 2; Cancels asked with 2 answer nothing, silently (the live note): the
    # cancels are gone, which is why `accounts check` warns about an empty Cancels answer.
    assert claims == [c for c in baseline if c.claim_type is ClaimType.RETURN]
    assert any(c.claim_type is ClaimType.CANCEL for c in baseline)


def test_a_row_of_the_other_site_is_skipped(
    fake: FakeEsm, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fake.faults[1] = Fault(mutate=lambda body: body["Data"][0].update(SiteType=1))

    claims = esm_source(fake, clock).fetch_claims(START, END)

    assert "cancel-2943000000" not in {c.claim_id for c in claims}
    assert "skipped a row of SiteType 1" in caplog.text


def test_windows_are_cut_into_ranges_of_six_kst_days(fake: FakeEsm, clock: FakeTime) -> None:
    source = esm_source(fake, clock)
    assert source.max_window == timedelta(days=6)

    source.fetch_claims(datetime(2025, 2, 1, 12, tzinfo=KST), END)

    ranges = {(body["StartDate"], body["EndDate"]) for _, body in bodies(fake)}
    # Each sends 7 days (the wanted 6 and the day after), the most ESM takes.
    assert ranges == {
        ("2025-02-01", "2025-02-07"),
        ("2025-02-07", "2025-02-13"),
        ("2025-02-13", "2025-02-19"),
        ("2025-02-19", "2025-02-25"),
        ("2025-02-25", "2025-03-02"),
    }
    with pytest.raises(ValueError):
        EsmClaimSource("g", "gmarket", "m", "s", "k", query_days=7)
    with pytest.raises(ValueError):
        EsmClaimSource("g", "11st", "m", "s", "k")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [0, "0", "success", "Success"])
def test_every_spelling_of_success_is_accepted(clock: FakeTime, code: int | str) -> None:
    fake = FakeEsm(clock=clock, claims=make_claims(30, START), result_code=code)
    claims = esm_source(fake, clock).fetch_claims(START, END)
    assert claims and rows_of(claims) == reported(fake, START.date(), LAST_DAY)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (8668, "ShowAlertException$조회 기간은 7일 이내로 입력 바랍니다."),
        (2141, "사이트 타입이 올바르지 않습니다"),
        (99999, "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다"),
    ],
)
def test_a_result_code_that_blames_the_request_fails_at_once(
    fake: FakeEsm, clock: FakeTime, code: int, message: str
) -> None:
    fake.faults[2] = Fault(status=200, body={"ResultCode": code, "Message": message})

    with pytest.raises(MarketplaceError) as caught:
        esm_source(fake, clock).fetch_claims(START, END)

    err = caught.value
    assert (err.code, err.status, err.retryable) == (str(code), 200, False)
    assert message in str(err) and err.account == "gmarket-main"
    assert err.request == "POST /claim/v1/sa/Cancels"
    assert clock.sleeps == [] and len(fake.requests) == 2


def test_the_fake_answers_a_bad_date_with_99999(fake: FakeEsm, clock: FakeTime) -> None:
    token = esm_token("esm_master_77", "G", "seller_g", fake.secret_key, issued_at=clock.now())
    body = {"SiteType": 2, "ReturnStatus": 4, "Type": 3, "StartDate": "어제", "EndDate": "오늘"}
    request = httpx.Request(
        "POST",
        "https://sa2.esmplus.com/claim/v1/sa/Returns",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    answer = fake(request).json()
    assert (answer["ResultCode"], answer["Message"]) == (
        99999,
        "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다",
    )


def test_the_fake_refuses_more_than_seven_days(fake: FakeEsm, clock: FakeTime) -> None:
    token = esm_token("esm_master_77", "G", "seller_g", fake.secret_key, issued_at=clock.now())
    body = {"SiteType": 2, "CancelStatus": 3, "Type": 3}
    request = httpx.Request(
        "POST",
        "https://sa2.esmplus.com/claim/v1/sa/Cancels",
        json={**body, "StartDate": "2025-02-01", "EndDate": "2025-02-08"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert fake(request).json()["ResultCode"] == 8668


@pytest.mark.parametrize("message", ["클레임정보가 없습니다", "주문정보가 없습니다"])
def test_99999_saying_nothing_was_found_is_an_empty_result(
    fake: FakeEsm, clock: FakeTime, message: str
) -> None:
    baseline = esm_source(fake, clock).fetch_claims(START, END)
    fake.requests.clear()
    fake.faults = {3: Fault(status=200, body={"ResultCode": 99999, "Message": message})}

    claims = esm_source(fake, clock).fetch_claims(START, END)

    # The third query (returns refunded, 4) found nothing; the others are as before.
    refunded = {
        f"return-{r['OrderNo']}"
        for r in fake.claims
        if r["_kind"] == "return" and status_of(r) == 4
    }
    assert set(claims) == {c for c in baseline if c.claim_id not in refunded}
    assert refunded & {c.claim_id for c in baseline}
    assert clock.sleeps == []


def test_a_fake_that_says_99999_for_every_empty_query_reads_the_same(
    fake: FakeEsm, clock: FakeTime
) -> None:
    window = (datetime(2025, 3, 20, tzinfo=KST), datetime(2025, 3, 21, tzinfo=KST))
    quiet = FakeEsm(clock=clock, claims=fake.claims, no_rows="99999")
    assert esm_source(quiet, clock).fetch_claims(*window) == []
    assert quiet(quiet.requests[0]).json() == {
        "ResultCode": 99999,
        "Message": "클레임정보가 없습니다",
    }
    assert rows_of(esm_source(quiet, clock).fetch_claims(START, END)) == reported(
        quiet, START.date(), LAST_DAY
    )


def test_an_unknown_result_code_is_asked_again_then_passes(
    fake: FakeEsm, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    busy = {"ResultCode": 5001, "Message": "일시적인 오류입니다", "Data": None}
    fake.faults = {1: Fault(status=200, body=busy), 2: Fault(status=200, body=busy)}

    claims = esm_source(fake, clock).fetch_claims(START, END)

    assert rows_of(claims) == reported(fake, START.date(), LAST_DAY)
    assert clock.sleeps == [0.5, 1.0]  # the retry policy's backoff
    assert len(fake.requests) == 5 + 2
    assert "ResultCode 5001 (일시적인 오류입니다); retry 1" in caplog.text


@pytest.mark.parametrize(
    ("code", "message"),
    [(5001, "일시적인 오류입니다"), (99999, "알 수 없는 오류"), (1, "Fail")],
)
def test_an_unknown_result_code_that_persists_fails_the_window_retryably(
    fake: FakeEsm, clock: FakeTime, code: int, message: str
) -> None:
    body = {"ResultCode": code, "Message": message, "Data": "error"}
    fake.faults = {n: Fault(status=200, body=body) for n in (3, 4, 5)}

    with pytest.raises(MarketplaceError) as caught:
        esm_source(fake, clock).fetch_claims(START, END)

    err = caught.value
    assert (err.code, err.status, err.retryable) == (str(code), 200, True)
    assert message in str(err) and "still after 3 attempts" in str(err)
    assert err.request == "POST /claim/v1/sa/Returns"
    assert len(fake.requests) == 5 and clock.sleeps == [0.5, 1.0]


def test_a_status_outside_the_documented_ones_is_set_aside(
    fake: FakeEsm, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    def odd_status(body: dict[str, Any]) -> None:
        body["Data"][0]["CancelStatus"] = 9  # cancel-2943000000, requested

    fake.faults = {1: Fault(mutate=odd_status), 2: Fault(mutate=lambda body: None)}
    source = esm_source(fake, clock)

    claims = source.fetch_claims(START, END)

    expected = reported(fake, START.date(), LAST_DAY)
    assert rows_of(claims) == {r for r in expected if r[0] != "cancel-2943000000"}
    [aside] = source.set_aside
    assert (aside.account, aside.marketplace, aside.claim_id) == (
        "gmarket-main",
        "gmarket",
        "cancel-2943000000",
    )
    assert aside.reason == "CancelStatus 9 is not a documented status"
    assert json.loads(aside.raw)["OrderNo"] == 2943000000
    assert "claim cancel-2943000000 set aside: CancelStatus 9" in caplog.text
    assert "2943000000" not in caplog.text.replace("cancel-2943000000", "")  # not the record


@pytest.mark.parametrize(
    ("change", "master_id", "seller_id"),
    [
        ("secret", None, None),
        ("master id (kid)", "another_master", None),
        ("seller id (ssi)", None, "someone_else"),
    ],
)
def test_a_wrong_credential_is_refused_with_the_documented_body(
    fake: FakeEsm, clock: FakeTime, change: str, master_id: str | None, seller_id: str | None
) -> None:
    secret = "x" * 40 if change == "secret" else None
    source = esm_source(fake, clock, master_id=master_id, seller_id=seller_id, secret_key=secret)

    with pytest.raises(MarketplaceError) as caught:
        source.fetch_claims(START, END)

    err = caught.value
    assert (err.status, err.code, err.retryable) == (401, "401", False)
    assert "The user does not have right access to the api" in str(err)
    assert len(fake.requests) == 1 and fake.tokens == []


def test_the_token_is_hs256_with_the_master_id_as_kid() -> None:
    issued = datetime(2025, 3, 6, 12, 0, tzinfo=KST)
    token = esm_token("master_1", "G", "seller_g", "s" * 32, issued_at=issued)

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT", "kid": "master_1"}
    assert jwt.decode(token, "s" * 32, algorithms=["HS256"], audience="sa.esmplus.com") == {
        "iss": "www.esmplus.com",
        "sub": "sell",
        "aud": "sa.esmplus.com",
        "iat": int(issued.timestamp()),
        "ssi": "G:seller_g",
    }


# -- HTTP behaviour -----------------------------------------------------------------------


def test_retries_5xx_timeouts_and_429_and_re_signs_each_attempt(
    fake: FakeEsm, clock: FakeTime
) -> None:
    baseline = rows_of(esm_source(fake, clock).fetch_claims(START, END))
    fake.requests.clear()
    fake.tokens.clear()
    fake.faults = {
        1: http_error(503, {"ResultCode": "503", "Message": "Service Unavailable"}),
        2: timeout(),
        3: rate_limited({"ResultCode": "429", "Message": "Too Many Requests"}, retry_after="3"),
        6: http_error(500, {"ResultCode": "500", "Message": "Internal Server Error"}),
    }
    clock.sleeps.clear()

    claims = esm_source(fake, clock).fetch_claims(START, END)

    assert rows_of(claims) == baseline
    assert clock.sleeps == [0.5, 1.0, 3.0, 0.5]
    issued = [
        jwt.decode(r.headers["Authorization"].split()[1], options={"verify_signature": False})[
            "iat"
        ]
        for r in fake.requests
    ]
    assert issued[0] < issued[3]  # the attempt after the 3 s wait carried a new token


def test_a_final_http_error_carries_the_esm_code(fake: FakeEsm, clock: FakeTime) -> None:
    fake.faults[1] = http_error(400, {"ResultCode": "1001", "Message": "SiteType 오류"})
    with pytest.raises(MarketplaceError, match="SiteType 오류") as caught:
        esm_source(fake, clock).fetch_claims(START, END)
    assert (caught.value.code, caught.value.status) == ("1001", 400)


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (invalid_json(), "not valid JSON"),
        (missing("ResultCode"), "$: missing field 'ResultCode'"),
        (wrong_type("Data", {"rows": []}), "$.Data: expected a list, got dict"),
    ],
)
def test_a_garbled_body_fails_the_whole_fetch(
    fake: FakeEsm, clock: FakeTime, fault: Fault, problem: str
) -> None:
    fake.faults[1] = fault  # the first answer, cancels by request date: it has rows

    with pytest.raises(MarketplaceError) as caught:
        esm_source(fake, clock).fetch_claims(START, END)

    assert problem in str(caught.value)
    assert caught.value.request == "POST /claim/v1/sa/Cancels"
    assert clock.sleeps == []  # not retried: the same body would come back


@pytest.mark.parametrize(
    ("fault", "problem", "claim_id"),
    [
        (missing("Data.0.OrderNo"), "$.Data[0]: missing field 'OrderNo'", ""),
        (
            wrong_type("Data.0.CancelStatus", "three"),
            "$.Data[0].CancelStatus: expected an integer",
            "cancel-",
        ),
        (
            wrong_type("Data.0.RequestDate", "어제"),
            "$.Data[0].RequestDate: expected an ISO-8601",
            "cancel-",
        ),
        (wrong_type("Data.0.OrderNo", None), "$.Data[0].OrderNo: expected an id", ""),
        (
            wrong_type("Data.0.RequestDate", "0001-01-01T00:00:00"),
            "$.Data[0].RequestDate: the timestamp is outside 1970",
            "cancel-",
        ),
    ],
)
def test_a_row_that_cannot_be_read_is_set_aside_and_the_others_are_reported(
    fake: FakeEsm, clock: FakeTime, fault: Fault, problem: str, claim_id: str
) -> None:
    baseline = rows_of(esm_source(fake, clock).fetch_claims(START, END))
    fake.faults[len(fake.requests) + 1] = fault  # the first answer of the next fetch

    source = esm_source(fake, clock)
    claims = source.fetch_claims(START, END)

    [aside] = source.set_aside
    assert problem in aside.reason and aside.claim_id.startswith(claim_id)
    assert aside.window == (START, END) and aside.raw.startswith("{")
    assert rows_of(claims) < baseline and len(baseline - rows_of(claims)) <= 1
    assert clock.sleeps == []


def test_the_default_rate_limit_spaces_calls(fake: FakeEsm, clock: FakeTime) -> None:
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
    source.fetch_claims(START, END)
    # 1 call / 5 s: the five calls of a pass take 20 s, well inside a 5-minute interval.
    assert clock.sleeps == pytest.approx([5.0] * 4)


# -- the example response in the notes §4.4, verbatim ------------------------------------


def test_the_notes_example_response_field_by_field(clock: FakeTime) -> None:
    example = fixture_text("esm_returns.json")

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/Returns") and body["ReturnStatus"] == 4:
            return httpx.Response(200, text=example, headers={"Content-Type": "application/json"})
        return httpx.Response(200, json=EMPTY)

    source = EsmClaimSource(
        "gmarket-main",
        "gmarket",
        "master",
        "seller_g",
        "s" * 32,
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
    )
    claims = source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))

    assert claims == [
        Claim(
            marketplace="gmarket",
            account="gmarket-main",
            claim_id="return-2943387115",
            claim_type=ClaimType.RETURN,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="2943387115",
            marketplace_item_id="",
            cancel_qty=None,
            claimed_at=datetime(2025, 3, 2, 10, 0, tzinfo=KST),
            ordered_qty=None,
            completed_at=datetime(2025, 3, 5, 9, 10, 5, 100000, tzinfo=KST),
            shipped_hint=True,
            product_name="",
            option="",
        )
    ]


# -- over real HTTP, and secrets ---------------------------------------------------------


def test_over_http_with_a_dropped_connection(clock: FakeTime) -> None:
    fake = FakeEsm(clock=clock, claims=make_claims(20, START), faults={4: timeout()})
    waits: list[float] = []
    with (
        serve(fake) as base_url,
        EsmClaimSource(
            "gmarket-main",
            "gmarket",
            fake.master_id,
            "seller_g",
            fake.secret_key,
            base_url=base_url,
            clock=clock,
            sleep=waits.append,
            rate_limit=None,
            retry=EXACT_RETRY,
        ) as source,
    ):
        claims = source.fetch_claims(START, END)

    assert claims and rows_of(claims) == reported(fake, START.date(), LAST_DAY)
    assert waits == [0.5]


def test_no_secret_or_token_in_logs_errors_or_reprs(
    fake: FakeEsm, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    fake.faults = {
        1: http_error(503, {"ResultCode": "503", "Message": "busy"}),
        2: timeout(),
        4: Fault(status=200, body={"ResultCode": 8668, "Message": "기간 오류"}),
    }
    wrong = "wrong-secret-" + "z" * 30
    sources = [esm_source(fake, clock), esm_source(FakeEsm(clock=clock), clock, secret_key=wrong)]
    errors = []
    for source in sources:
        with pytest.raises(MarketplaceError) as caught:
            source.fetch_claims(START, END)
        errors.append(caught.value)

    tokens = [
        r.headers["Authorization"].split()[1] for r in fake.requests if "Authorization" in r.headers
    ]
    said = "\n".join(
        [caplog.text]
        + [f"{e!s} {e!r} {e.request} {e.__cause__!r}" for e in errors]
        + [repr(s) for s in sources]
        + [repr(s._http.client.auth) for s in sources]
    )
    assert "retry" in caplog.text and len(tokens) == 4
    leaked = [s for s in [fake.secret_key, wrong, *tokens] if s in said]
    assert leaked == []
    assert "Bearer" not in said


# -- accounts check ------------------------------------------------------------------------


def test_check_succeeds_with_one_cancels_call(fake: FakeEsm, clock: FakeTime) -> None:
    fake.claims = make_claims(11, datetime(2025, 3, 5, 9, 0, tzinfo=KST))

    result = esm_source(fake, clock).check()

    assert result.ok and result.code == "" and result.hint == ""
    assert result.summary == "OK, 5 cancel(s) requested in the last 6 days (Cancels, SiteType 3)"
    assert bodies(fake) == [
        (
            "Cancels",
            {
                "SiteType": 3,
                "CancelStatus": 0,
                "Type": 2,
                "StartDate": "2025-03-01",
                "EndDate": "2025-03-07",
            },
        )
    ]


@pytest.mark.parametrize(
    ("problem", "status", "code", "message", "hint"),
    [
        ("secret", 401, "401", "The user does not have right access", "master_id"),
        ("seller id", 401, "401", "The user does not have right access", "seller_id"),
        ("ip", 403, "403", "IP address is not allowed", "etapihelp@gmail.com"),
        ("site type", 200, "2141", "사이트 타입이 올바르지 않습니다", "remove `site_type`"),
    ],
)
def test_check_names_the_esm_code_and_what_to_fix(
    fake: FakeEsm,
    clock: FakeTime,
    problem: str,
    status: int,
    code: str,
    message: str,
    hint: str,
) -> None:
    fake.ip_allowed = problem != "ip"
    source = esm_source(
        fake,
        clock,
        secret_key="x" * 40 if problem == "secret" else None,
        seller_id="someone_else" if problem == "seller id" else None,
        site_type=9 if problem == "site type" else None,
    )

    result = source.check()

    assert not result.ok
    assert (result.status, result.code) == (status, code)
    assert message in result.message and message in result.summary
    assert result.summary.startswith(f"FAILED (HTTP {status} {code})")
    assert hint in result.hint
    assert len(fake.requests) == 1  # one call, not retried
    assert fake.secret_key not in repr(result)


def test_check_warns_when_gmarket_cancels_answer_nothing(fake: FakeEsm, clock: FakeTime) -> None:
    fake.claims = make_claims(11, datetime(2025, 3, 5, 9, 0, tzinfo=KST))

    result = esm_source(fake, clock, site_type=2).check()

    # Cancels asked with 2 answer nothing (the live note): OK, but it says what that may mean.
    assert result.ok and result.summary.startswith("OK, 0 cancel(s)")
    assert "SiteType 2 is not the Cancels page's 3" in result.hint
    assert "remove `site_type` unless ESM gave you 2" in result.hint
    # With the documented 3 and nothing to show, it only says what it cannot prove.
    fake.claims = []
    quiet = esm_source(fake, clock).check()
    assert quiet.ok and quiet.hint == (
        "no cancels in 6 days: an empty answer cannot prove the SiteType (3, the Cancels page's)"
    )
