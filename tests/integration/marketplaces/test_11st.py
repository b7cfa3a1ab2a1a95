"""EleventhStreetClaimSource against the fake claimservice and the notes' verbatim example."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from adapters.marketplaces._json import GarbledBody
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._time import KST
from adapters.marketplaces._xml import decode_xml, parse_xml
from adapters.marketplaces.eleventh_street import (
    CLAIM_LISTS,
    DEFAULT_NO_ROWS_CODES,
    ROW_CAP,
    EleventhStreetClaimSource,
)
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import ClaimSource

from .builders import EXACT_RETRY, FIXTURES, Row, rows_of
from .fake_11st import LISTS, NS, FakeEleventhStreet, make_rows
from .fake_11st import Row as ListRow
from .faketime import FakeTime
from .faults import Fault, http_error, rate_limited, timeout
from .http_server import serve

START = datetime(2025, 2, 24, tzinfo=KST)
END = datetime(2025, 3, 5, tzinfo=KST)
MEANING = {
    "cancelorders": (ClaimType.CANCEL, ClaimState.REQUESTED),
    "canceledorders": (ClaimType.CANCEL, ClaimState.COMPLETED),
    "withdrawcanceledorders": (ClaimType.CANCEL, ClaimState.WITHDRAWN),
    "returnorders": (ClaimType.RETURN, ClaimState.REQUESTED),
    "returnedorders": (ClaimType.RETURN, ClaimState.COMPLETED),
    "retractretorders": (ClaimType.RETURN, ClaimState.WITHDRAWN),
}
CANCEL_ASKED = (ClaimType.CANCEL, ClaimState.REQUESTED)


def eleventh_source(
    fake: FakeEleventhStreet,
    clock: FakeTime,
    *,
    api_key: str | None = None,
    no_rows_codes: Collection[str] = DEFAULT_NO_ROWS_CODES,
    row_cap: int = ROW_CAP,
    rate_limit: RateLimit | None = None,
) -> EleventhStreetClaimSource:
    """A source on the fake's key; rate limit off so `clock.sleeps` holds only retry waits."""
    return EleventhStreetClaimSource(
        "11st-main",
        fake.api_key if api_key is None else api_key,
        no_rows_codes=no_rows_codes,
        transport=httpx.MockTransport(fake),
        sleep=clock.sleep,
        clock=clock,
        retry=EXACT_RETRY,
        rate_limit=rate_limit,
        row_cap=row_cap,
    )


def expected_rows(rows: list[ListRow], start: datetime, end: datetime) -> set[Row]:
    return {
        (r.claim_id, r.fields["ordPrdSeq"], *MEANING[r.list_name])
        for r in rows
        if start <= r.at < end
    }


def windows_asked(fake: FakeEleventhStreet) -> list[tuple[str, str, str]]:
    """(list, startTime, endTime) of every request, in order."""
    out = []
    for request in fake.requests:
        name, start, end = request.url.path.split("/")[3:]
        out.append((name, start, end))
    return out


def orders_xml(rows: str, *, encoding: str = "euc-kr") -> bytes:
    prolog = f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>\n'
    document = f'<ns2:orders xmlns:ns2="{NS}">{rows}</ns2:orders>'
    return (prolog + document).encode(encoding)


def result_xml(code: str, text: str) -> bytes:
    return orders_xml(
        f"<ns2:result_code>{code}</ns2:result_code><ns2:result_text>{text}</ns2:result_text>"
    )


@pytest.fixture
def fake(clock: FakeTime) -> FakeEleventhStreet:
    return FakeEleventhStreet(clock=clock, rows=make_rows(40, START + timedelta(minutes=570)))


def test_reads_all_six_lists_with_the_key_header(fake: FakeEleventhStreet, clock: FakeTime) -> None:
    source: ClaimSource = eleventh_source(fake, clock)

    claims = list(source.fetch_claims(START, END))

    assert claims and rows_of(claims) == expected_rows(fake.rows, START, END)
    assert len(claims) == len(rows_of(claims))
    assert windows_asked(fake) == [(name, "202502240000", "202503050000") for name in LISTS]
    assert {r.headers["openapikey"] for r in fake.requests} == {fake.api_key}
    assert {r.method for r in fake.requests} == {"GET"}
    # Korean text came through the EUC-KR answer intact.
    assert {c.option for c in claims if c.claim_type is ClaimType.CANCEL} == {
        "색상:블랙-1개",
        "색상:블랙-2개",
    }


def test_claim_fields_for_a_cancel_and_a_return(fake: FakeEleventhStreet, clock: FakeTime) -> None:
    claims = eleventh_source(fake, clock).fetch_claims(START, END)
    by_id = {c.claim_id: c for c in claims}

    assert by_id["81900001"] == Claim(  # row 1: canceledorders
        marketplace="11st",
        account="11st-main",
        claim_id="81900001",
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="202503000000001",
        marketplace_item_id="2",
        cancel_qty=2,
        claimed_at=datetime(2025, 2, 24, 14, 30, tzinfo=KST),
        completed_at=datetime(2025, 2, 24, 15, 30, tzinfo=KST),
        option="색상:블랙-2개",
    )
    assert by_id["2400004"] == Claim(  # row 4: returnedorders
        marketplace="11st",
        account="11st-main",
        claim_id="2400004",
        claim_type=ClaimType.RETURN,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="202503000000004",
        marketplace_item_id="2",
        cancel_qty=1,
        claimed_at=datetime(2025, 2, 25, 5, 30, tzinfo=KST),
        completed_at=datetime(2025, 2, 25, 6, 30, tzinfo=KST),
        option="사이즈:250",
    )
    requested = by_id["81900000"]  # row 0: cancelorders
    assert (requested.claim_state, requested.completed_at) == (ClaimState.REQUESTED, None)
    assert by_id["81900002"].claim_state is ClaimState.WITHDRAWN
    assert by_id["2400003"].claim_type is ClaimType.RETURN
    assert by_id["2400003"].claim_state is ClaimState.REQUESTED  # core skips it until done


def test_a_claim_in_two_lists_of_one_window_is_reported_once_in_its_later_state(
    clock: FakeTime,
) -> None:
    requested = make_rows(1, START + timedelta(hours=3), lists=("cancelorders",))[0]
    done = make_rows(1, START + timedelta(hours=3), lists=("canceledorders",))[0]
    assert requested.claim_id == done.claim_id
    fake = FakeEleventhStreet(clock=clock, rows=[requested, done])

    claims = eleventh_source(fake, clock).fetch_claims(START, END)

    assert [(c.claim_id, c.claim_state) for c in claims] == [("81900000", ClaimState.COMPLETED)]


# -- windows ------------------------------------------------------------------------------


def test_long_windows_are_cut_to_30_days_of_whole_minutes(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    start = datetime(2025, 1, 1, 0, 0, 30, tzinfo=KST)
    end = datetime(2025, 3, 5, 0, 0, 10, tzinfo=KST)

    eleventh_source(fake, clock).fetch_claims(start, end)

    # Seconds widen the window to whole minutes; the fake refuses anything over 30 days.
    pieces = [
        ("202501010000", "202501310000"),
        ("202501310000", "202503020000"),
        ("202503020000", "202503050001"),
    ]
    assert windows_asked(fake) == [(name, *piece) for name in LISTS for piece in pieces]


def test_an_empty_window_asks_nothing(fake: FakeEleventhStreet, clock: FakeTime) -> None:
    assert eleventh_source(fake, clock).fetch_claims(START, START) == []
    assert fake.requests == []


def test_a_window_that_hits_the_row_cap_is_halved_until_each_half_fits(clock: FakeTime) -> None:
    # 25 rows, one every 7 minutes from 00:03, in a 4-hour window; 10 rows fill an answer.
    rows = make_rows(
        25, START + timedelta(minutes=3), every=timedelta(minutes=7), lists=("cancelorders",)
    )
    fake = FakeEleventhStreet(clock=clock, rows=rows, cap=10)
    source = EleventhStreetClaimSource(
        "11st-main",
        fake.api_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
        row_cap=10,
        claim_lists=[c for c in CLAIM_LISTS if c.name == "cancelorders"],
    )

    claims = source.fetch_claims(START, START + timedelta(hours=4))

    assert rows_of(claims) == expected_rows(rows, START, START + timedelta(hours=4))
    assert len(claims) == 25
    assert [(s[-4:], e[-4:]) for _, s, e in windows_asked(fake)] == [
        ("0000", "0400"),  # 25 rows: capped
        ("0000", "0200"),  # rows to 02:00 (+ 1 min): 17, capped
        ("0000", "0100"),  # 9 rows
        ("0100", "0200"),  # 8 rows
        ("0200", "0400"),  # 8 rows
    ]


def test_a_minute_that_holds_the_cap_cannot_be_split_and_fails(clock: FakeTime) -> None:
    rows = make_rows(
        12, START + timedelta(hours=1), every=timedelta(seconds=2), lists=("cancelorders",)
    )
    fake = FakeEleventhStreet(clock=clock, rows=rows, cap=10)
    source = eleventh_source(fake, clock, row_cap=10)

    with pytest.raises(MarketplaceError, match="cannot be split further") as caught:
        source.fetch_claims(START, START + timedelta(hours=2))

    # Halved down to one minute (the fake's endTime includes its minute, so 00:59–01:00).
    assert caught.value.request == "GET /rest/claimservice/cancelorders/202502240059/202502240100"


# -- "no rows" and result_code errors -------------------------------------------------------


@pytest.mark.parametrize("form", ["zero", "negative", "empty"])
def test_every_no_rows_form_is_an_empty_result(clock: FakeTime, form: str) -> None:
    fake = FakeEleventhStreet(clock=clock, no_rows=form)

    assert eleventh_source(fake, clock).fetch_claims(START, END) == []
    assert len(fake.requests) == len(LISTS)


def test_no_rows_codes_are_configurable(fake: FakeEleventhStreet, clock: FakeTime) -> None:
    fake.faults[1] = Fault(raw=result_xml("-2901", "데이터 없음"))
    with pytest.raises(MarketplaceError) as caught:
        eleventh_source(fake, clock).fetch_claims(START, END)
    assert (caught.value.code, caught.value.status) == ("-2901", 200)

    fake.requests.clear()  # fault 1 hits the first list (cancelorders) again
    claims = eleventh_source(fake, clock, no_rows_codes=["0", "-2901"]).fetch_claims(START, END)
    requested_cancels = {r for r in expected_rows(fake.rows, START, END) if r[2:] == CANCEL_ASKED}
    assert requested_cancels
    assert rows_of(claims) == expected_rows(fake.rows, START, END) - requested_cancels


def test_a_wrong_key_is_a_clear_error_with_the_result_code(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    with pytest.raises(MarketplaceError) as caught:
        eleventh_source(fake, clock, api_key="not-the-key").fetch_claims(START, END)

    err = caught.value
    assert (err.code, err.status, err.retryable) == ("-28005", 200, False)
    assert "올바른 판매자가 아닙니다." in str(err)
    assert err.account == "11st-main"
    assert err.request == "GET /rest/claimservice/cancelorders/202502240000/202503050000"
    assert len(fake.requests) == 1 and clock.sleeps == []


def test_server_maintenance_is_reported_as_retryable(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    fake.faults[3] = Fault(raw=result_xml("-1000", "서버 점검중입니다."))
    with pytest.raises(MarketplaceError, match="서버 점검중입니다") as caught:
        eleventh_source(fake, clock).fetch_claims(START, END)
    assert caught.value.code == "-1000" and caught.value.retryable


def test_error_pages_for_malformed_calls_carry_their_text_or_result_code(clock: FakeTime) -> None:
    answers = iter(
        [
            httpx.Response(405, text="HTTP Status 405 - Request method not supported"),
            httpx.Response(400, content=result_xml("-28007", "start_dt 포멧 오류")),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    source = EleventhStreetClaimSource(
        "11st-main", "key", transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep
    )
    with pytest.raises(MarketplaceError, match="Request method not supported") as first:
        source.fetch_claims(START, END)
    assert (first.value.status, first.value.code) == (405, "")
    with pytest.raises(MarketplaceError, match="start_dt 포멧 오류") as second:
        source.fetch_claims(START, END)
    assert (second.value.status, second.value.code) == (400, "-28007")


# -- HTTP behaviour -----------------------------------------------------------------------


def test_retries_5xx_timeouts_and_429_with_retry_after(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    baseline = rows_of(eleventh_source(fake, clock).fetch_claims(START, END))
    fake.requests.clear()
    fake.faults = {
        1: http_error(503, {"code": "ERROR", "message": "Service Unavailable"}),
        2: timeout(),
        3: rate_limited({"code": "ERROR", "message": "Too Many Requests"}, retry_after="3"),
        7: http_error(502, {"code": "ERROR", "message": "Bad Gateway"}),
    }
    clock.sleeps.clear()

    claims = eleventh_source(fake, clock).fetch_claims(START, END)

    assert rows_of(claims) == baseline
    assert clock.sleeps == [0.5, 1.0, 3.0, 0.5]


def test_the_default_rate_limit_spaces_calls(fake: FakeEleventhStreet, clock: FakeTime) -> None:
    source = EleventhStreetClaimSource(
        "11st-main",
        fake.api_key,
        transport=httpx.MockTransport(fake),
        clock=clock,
        sleep=clock.sleep,
    )
    source.fetch_claims(START, END)
    assert clock.sleeps == pytest.approx([0.5] * (len(LISTS) - 1))  # 2 calls/s


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"<html><body>busy</body></html>", "/html: expected the root element <orders>"),
        (b'<?xml version="1.0" encoding="euc-kr"?><ns2:orders', "not well-formed XML"),
        (b"not xml at all", "not well-formed XML"),
        (b'<?xml version="1.0" encoding="x-klingon"?><a/>', "unknown character encoding"),
        (b'<?xml version="1.0" encoding="euc-kr"?><a>\xff\xfe</a>', "bytes are not valid euc-kr"),
    ],
)
def test_a_garbled_body_fails_the_whole_fetch_cleanly(
    fake: FakeEleventhStreet, clock: FakeTime, content: bytes, problem: str
) -> None:
    fake.faults[2] = Fault(raw=content)  # the second list: the first one was fine

    with pytest.raises(MarketplaceError) as caught:
        eleventh_source(fake, clock).fetch_claims(START, END)

    assert problem in str(caught.value)
    assert caught.value.request.startswith("GET /rest/claimservice/canceledorders/")
    assert caught.value.status == 200 and not caught.value.retryable
    assert clock.sleeps == []  # not retried: the same body would come back


@pytest.mark.parametrize(
    ("row", "problem", "claim_id"),
    [
        (
            "<ns2:order><ordPrdCnSeq>1</ordPrdCnSeq></ns2:order>",
            "/orders/order[0]: missing element <ordNo>",
            "1",
        ),
        (
            "<ns2:order><createDt>2025-02-24 10:00:00</createDt><ordNo>1</ordNo>"
            "<ordPrdSeq>1</ordPrdSeq><ordPrdCnSeq>9</ordPrdCnSeq><ordCnQty>한 개</ordCnQty>"
            "</ns2:order>",
            "/orders/order[0]/ordCnQty: expected an integer, got '한 개'",
            "9",
        ),
        (
            "<ns2:order><createDt>24/02/2025</createDt><ordNo>1</ordNo>"
            "<ordPrdSeq>1</ordPrdSeq><ordPrdCnSeq>9</ordPrdCnSeq><ordCnQty>1</ordCnQty>"
            "</ns2:order>",
            "/orders/order[0]/createDt: expected a timestamp",
            "9",
        ),
        (
            "<ns2:order><createDt>0001-01-01 00:00:00</createDt><ordNo>1</ordNo>"
            "<ordPrdSeq>1</ordPrdSeq><ordPrdCnSeq>9</ordPrdCnSeq><ordCnQty>1</ordCnQty>"
            "</ns2:order>",
            "/orders/order[0]/createDt: the timestamp is outside 1970",
            "9",
        ),
    ],
)
def test_a_row_that_cannot_be_read_is_set_aside_and_the_fetch_goes_on(
    fake: FakeEleventhStreet, clock: FakeTime, row: str, problem: str, claim_id: str
) -> None:
    good = (
        "<ns2:order><createDt>2025-02-24 10:00:00</createDt><ordNo>2</ordNo>"
        "<ordPrdSeq>1</ordPrdSeq><ordPrdCnSeq>10</ordPrdCnSeq><ordCnQty>1</ordCnQty>"
        "</ns2:order>"
    )
    fake.faults[2] = Fault(raw=orders_xml(row + good))  # the second list
    source = eleventh_source(fake, clock)

    claims = source.fetch_claims(START, END)

    [aside] = source.set_aside
    assert problem in aside.reason and aside.claim_id == claim_id
    assert aside.raw.startswith("<order>") and aside.window == (START, END)
    assert "10" in {c.claim_id for c in claims}  # the good row of the same answer
    assert clock.sleeps == []


# -- XML forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"cancel_root_prefix": "s2"},  # the docs' root for the cancel lists
        {"child_prefix": "ns2"},  # prefixed children, as in third-party fixtures
        {"encoding": "utf-8", "content_type": "text/xml"},
        # The prolog wins over a Content-Type charset that disagrees with it.
        {"encoding": "euc-kr", "content_type": "text/xml;charset=UTF-8"},
        {"encoding": "cp949"},
    ],
)
def test_every_documented_xml_form_reads_the_same(
    fake: FakeEleventhStreet, clock: FakeTime, options: dict[str, Any]
) -> None:
    baseline = eleventh_source(fake, clock).fetch_claims(START, END)
    other = FakeEleventhStreet(clock=clock, rows=fake.rows, **options)

    claims = eleventh_source(other, clock).fetch_claims(START, END)

    assert claims == baseline


def test_decoding_follows_bom_then_prolog_then_charset_then_utf8() -> None:
    korean = "<a>반품</a>"
    assert decode_xml(b"\xef\xbb\xbf" + korean.encode()) == korean
    assert decode_xml(korean.encode("euc-kr"), "euc-kr") == korean
    assert decode_xml(korean.encode()) == korean
    declared = '<?xml version="1.0" encoding="EUC-KR"?>\n' + korean
    assert decode_xml(declared.encode("euc-kr"), "utf-8") == "\n" + korean
    # CP949-only syllables survive an "euc-kr" label (Korean servers mean CP949).
    assert decode_xml(declared.replace("반품", "똠").encode("cp949")) == "\n<a>똠</a>"
    assert parse_xml(declared.encode("euc-kr")).text == "반품"
    with pytest.raises(GarbledBody, match="bytes are not valid utf-8"):
        decode_xml(korean.encode("euc-kr"))


# -- the example response in the notes §3.2, verbatim ------------------------------------


def test_the_notes_example_response_field_by_field(clock: FakeTime) -> None:
    example = (FIXTURES / "11st_canceledorders.xml").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        example.decode("utf-8")  # really EUC-KR, as its prolog says
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if "/canceledorders/" in request.url.path:
            return httpx.Response(200, headers={"Content-Type": "text/xml"}, content=example)
        return httpx.Response(200, content=result_xml("0", "조회된 결과가 없습니다."))

    source = EleventhStreetClaimSource(
        "11st-main", "key", transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep
    )
    claims = source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))

    assert claims == [
        Claim(
            marketplace="11st",
            account="11st-main",
            claim_id="81925830",
            claim_type=ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id="202503041234567",
            marketplace_item_id="1",
            cancel_qty=1,
            claimed_at=datetime(2025, 3, 5, 10, 1, 12, tzinfo=KST),
            ordered_qty=None,
            completed_at=datetime(2025, 3, 5, 10, 5, 40, tzinfo=KST),
            shipped_hint=None,
            product_name="",
            option="색상:블랙-1개",
        )
    ]
    assert len(seen) == len(LISTS)
    assert clock.sleeps == pytest.approx([0.5] * (len(seen) - 1))  # default 2 calls/s


# -- over real HTTP, and secrets ---------------------------------------------------------


def test_over_http_with_a_dropped_connection(clock: FakeTime) -> None:
    fake = FakeEleventhStreet(
        clock=clock, rows=make_rows(30, START + timedelta(minutes=570)), faults={2: timeout()}
    )
    waits: list[float] = []
    with (
        serve(fake) as base_url,
        EleventhStreetClaimSource(
            "11st-main",
            fake.api_key,
            base_url=base_url,
            sleep=waits.append,
            rate_limit=None,
            retry=EXACT_RETRY,
        ) as source,
    ):
        claims = source.fetch_claims(START, END)

    assert claims and rows_of(claims) == expected_rows(fake.rows, START, END)
    assert waits == [0.5]


def test_no_key_in_logs_errors_or_reprs(
    fake: FakeEleventhStreet, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    fake.faults = {
        1: http_error(503, {"code": "ERROR", "message": "busy"}),
        2: timeout(),
        5: Fault(raw=result_xml("-1", "비지니스 Error")),
    }
    sources = [eleventh_source(fake, clock), eleventh_source(fake, clock, api_key="wrong-key-42")]
    errors = []
    for source in sources:
        with pytest.raises(MarketplaceError) as caught:
            source.fetch_claims(START, END)
        errors.append(caught.value)

    said = "\n".join(
        [caplog.text]
        + [f"{e!s} {e!r} {e.request} {e.__cause__!r}" for e in errors]
        + [repr(s) for s in sources]
    )
    assert "retry" in caplog.text
    assert fake.api_key not in said and "wrong-key-42" not in said
    assert "openapikey" not in said


# -- accounts check ------------------------------------------------------------------------


def test_check_succeeds_with_one_call(clock: FakeTime) -> None:
    now = clock.now()
    rows = make_rows(12, now - timedelta(hours=30), every=timedelta(hours=2))
    fake = FakeEleventhStreet(clock=clock, rows=rows)

    result = eleventh_source(fake, clock).check()

    # Cancel requests are rows 0 and 6 (six lists in turn): 30 h and 18 h ago.
    assert result.ok and result.summary == "OK, 1 cancel request(s) in the last 24 hours"
    assert windows_asked(fake) == [("cancelorders", "202503051200", "202503061200")]


@pytest.mark.parametrize("problem", ["wrong key", "ip not allowed"])
def test_check_names_the_11st_code_and_what_to_fix(clock: FakeTime, problem: str) -> None:
    fake = FakeEleventhStreet(clock=clock, ip_allowed=problem != "ip not allowed")
    key = "0" * 32 if problem == "wrong key" else None

    result = eleventh_source(fake, clock, api_key=key).check()

    assert not result.ok
    assert (result.status, result.code, result.message) == (
        200,
        "-28005",
        "올바른 판매자가 아닙니다.",
    )
    assert result.summary == "FAILED (HTTP 200 -28005): 올바른 판매자가 아닙니다."
    assert "openapikey is wrong, or this server's IP is not the one registered" in result.hint
    assert fake.api_key not in repr(result)
