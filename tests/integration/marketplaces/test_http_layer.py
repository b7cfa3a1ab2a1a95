"""The shared HTTP layer: retry decisions, the token bucket, JSON reads, windows, the runner
(MarketplaceHttp)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from adapters.marketplaces._http import MarketplaceHttp, build_client
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces._ratelimit import RateLimit, TokenBucket
from adapters.marketplaces._retry import RetryPolicy, parse_retry_after
from adapters.marketplaces._time import KST, day_chunks, split_window
from core.errors import MarketplaceError

from .builders import EXACT_RETRY
from .faketime import FakeTime

NOW = datetime(2025, 3, 6, 3, 0, tzinfo=UTC)


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


# -- retry decision -----------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "delay"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 20.0)])
def test_backoff_doubles_from_half_a_second_up_to_the_cap(attempt: int, delay: float) -> None:
    policy = RetryPolicy(max_attempts=10, jitter=lambda: 1.0)
    decision = policy.decide(response(503), attempt, NOW)
    assert decision.retry and decision.delay == delay


def test_jitter_keeps_at_least_half_of_the_step() -> None:
    low = RetryPolicy(jitter=lambda: 0.0).decide(response(502), 3, NOW)
    assert low.delay == 1.0  # half of the 2 s step


@pytest.mark.parametrize(
    "outcome",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("server disconnected"),
        response(500),
        response(502),
        response(503),
        response(504),
    ],
)
def test_transient_failures_are_retried(outcome: httpx.Response | Exception) -> None:
    decision = EXACT_RETRY.decide(outcome, 1, NOW)
    assert decision.retry and decision.transient and decision.delay == 0.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 501])
def test_client_errors_are_final(status: int) -> None:
    decision = EXACT_RETRY.decide(response(status), 1, NOW)
    assert not decision.retry and not decision.transient
    assert decision.reason == f"HTTP {status}"


def test_unsupported_protocol_is_final() -> None:
    decision = EXACT_RETRY.decide(httpx.UnsupportedProtocol("ftp"), 1, NOW)
    assert not decision.retry and not decision.transient


def test_gives_up_after_max_attempts_but_stays_transient() -> None:
    decision = RetryPolicy(max_attempts=3).decide(response(503), 3, NOW)
    assert not decision.retry and decision.transient
    assert "gave up after 3 attempts" in decision.reason


def test_429_waits_exactly_the_retry_after_seconds() -> None:
    decision = EXACT_RETRY.decide(response(429, **{"Retry-After": "7"}), 1, NOW)
    assert decision.retry and decision.delay == 7.0


def test_retry_after_as_http_date() -> None:
    header = {"Retry-After": "Thu, 06 Mar 2025 03:00:12 GMT"}
    decision = EXACT_RETRY.decide(response(429, **header), 1, NOW)
    assert decision.retry and decision.delay == 12.0


def test_503_with_retry_after_uses_it_too() -> None:
    decision = EXACT_RETRY.decide(response(503, **{"Retry-After": "2"}), 1, NOW)
    assert decision.delay == 2.0


def test_a_wait_longer_than_max_wait_gives_up_now_as_transient() -> None:
    decision = RetryPolicy(max_wait=60).decide(response(429, **{"Retry-After": "600"}), 1, NOW)
    assert not decision.retry and decision.transient
    assert "server asks to wait 600s" in decision.reason


def test_naver_429_waits_for_one_token_of_the_replenish_rate() -> None:
    headers = {
        "GNCP-GW-RateLimit-Replenish-Rate": "4",
        "GNCP-GW-RateLimit-Burst-Capacity": "8",
        "GNCP-GW-RateLimit-Remaining": "0",
    }
    decision = EXACT_RETRY.decide(response(429, **headers), 1, NOW)
    assert decision.retry and decision.delay == 0.25


def test_naver_quota_per_second_waits_a_second_and_per_round_gives_up() -> None:
    seconds = EXACT_RETRY.decide(response(429, **{"GNCP-GW-Quota-Period": "SECONDS"}), 1, NOW)
    assert seconds.retry and seconds.delay == 1.0
    per_round = EXACT_RETRY.decide(response(429, **{"GNCP-GW-Quota-Period": "ROUND"}), 1, NOW)
    assert not per_round.retry and per_round.transient
    assert "unknown time" in per_round.reason


def test_429_without_any_hint_backs_off() -> None:
    assert EXACT_RETRY.decide(response(429), 2, NOW).delay == 1.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        (" 3 ", 3.0),
        ("Thu, 06 Mar 2025 02:59:00 GMT", 0.0),  # a date in the past: go now
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


# -- token bucket ---------------------------------------------------------------------------


def test_bucket_spaces_calls_to_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(RateLimit(10.0), clock=time, sleep=time.sleep)
    for _ in range(5):
        bucket.acquire()
    assert time.sleeps == pytest.approx([0.1, 0.1, 0.1, 0.1])


def test_bucket_allows_a_burst_after_an_idle_spell() -> None:
    time = FakeTime()
    bucket = TokenBucket(RateLimit(2.0, burst=3), clock=time, sleep=time.sleep)
    for _ in range(3):
        bucket.acquire()
    assert time.sleeps == []
    bucket.acquire()
    assert time.sleeps == pytest.approx([0.5])
    time.advance(timedelta(seconds=10))
    for _ in range(3):
        bucket.acquire()
    assert time.sleeps == pytest.approx([0.5])


def test_bucket_never_stalls_on_a_clock_that_does_not_move() -> None:
    class Frozen:
        def now(self) -> datetime:
            return NOW

    waits: list[float] = []
    bucket = TokenBucket(RateLimit(10.0), clock=Frozen(), sleep=waits.append)
    for _ in range(3):
        bucket.acquire()
    assert waits == pytest.approx([0.1, 0.1])


def test_rate_limit_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RateLimit(0)


# -- JSON reads -----------------------------------------------------------------------------


def test_json_node_names_the_bad_path() -> None:
    body = JsonNode({"data": [{"count": "2", "flag": True}]})
    row = body["data"].as_list()[0]
    with pytest.raises(GarbledBody, match=r"\$\.data\[0\]\.count: expected an integer, got str"):
        row["count"].as_int()
    with pytest.raises(GarbledBody, match=r"\$\.data\[0\]: missing field 'id'"):
        row["id"]
    with pytest.raises(GarbledBody, match="expected an integer, got bool"):
        row["flag"].as_int()
    with pytest.raises(GarbledBody, match=r"\$\.data: expected an object, got list"):
        body["data"]["x"]


def test_json_node_ids_keep_their_exact_digits() -> None:
    assert JsonNode(912345678901234567).as_id() == "912345678901234567"
    assert JsonNode("2025030498765401").as_id() == "2025030498765401"
    with pytest.raises(GarbledBody):
        JsonNode(1.5).as_id()
    with pytest.raises(GarbledBody):
        JsonNode("").as_id()


def test_timestamps_without_offset_are_kst() -> None:
    assert JsonNode("2025-03-02T10:11:12").as_datetime() == datetime(
        2025, 3, 2, 10, 11, 12, tzinfo=KST
    )
    with_offset = JsonNode("2025-01-15T14:17:13.973885-08:00").as_datetime()
    assert with_offset == datetime(2025, 1, 15, 22, 17, 13, 973885, tzinfo=UTC)
    with pytest.raises(GarbledBody, match="ISO-8601"):
        JsonNode("yesterday").as_datetime()


# -- windows --------------------------------------------------------------------------------


def test_split_window_covers_the_window_in_pieces() -> None:
    start = datetime(2025, 3, 1, tzinfo=KST)
    pieces = split_window(start, start + timedelta(hours=50), timedelta(hours=24))
    assert pieces == [
        (start, start + timedelta(hours=24)),
        (start + timedelta(hours=24), start + timedelta(hours=48)),
        (start + timedelta(hours=48), start + timedelta(hours=50)),
    ]
    assert split_window(start, start, timedelta(hours=1)) == []


def test_windows_must_be_aware_and_ordered() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        split_window(datetime(2025, 3, 1), datetime(2025, 3, 2), timedelta(hours=1))
    with pytest.raises(ValueError, match="ends before"):
        split_window(NOW, NOW - timedelta(seconds=1), timedelta(hours=1))


def test_day_chunks_are_inclusive_kst_dates() -> None:
    # 2025-03-01 00:00 KST is 2025-02-28 15:00 UTC: the KST calendar decides.
    start = datetime(2025, 2, 28, 15, 0, tzinfo=UTC)
    end = datetime(2025, 3, 11, 0, 0, tzinfo=KST)  # exclusive: Mar 11 is not touched
    assert day_chunks(start, end, 7) == [
        (date(2025, 3, 1), date(2025, 3, 7)),
        (date(2025, 3, 8), date(2025, 3, 10)),
    ]


# -- MarketplaceHttp -------------------------------------------------------------------------------


def runner(
    handler: httpx.MockTransport, time: FakeTime, rate_limit: RateLimit | None = None
) -> MarketplaceHttp:
    client = build_client("https://api.example.test", transport=handler)
    return MarketplaceHttp(
        client,
        marketplace="testmarket",
        account="acct-1",
        retry=EXACT_RETRY,
        sleep=time.sleep,
        clock=time,
        rate_limit=rate_limit,
    )


def read_answer(body: JsonNode) -> int:
    return body["answer"].as_int()


def test_retries_then_parses() -> None:
    answers: Iterator[httpx.Response | Exception] = iter(
        [
            httpx.Response(503),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"answer": 42}),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    time = FakeTime()
    http = runner(httpx.MockTransport(handler), time)
    assert http.call("GET", "/v1/answer", read_answer, params={"q": "x"}) == 42
    assert time.sleeps == [0.5, 1.0]


def test_final_error_carries_marketplace_code_account_and_request_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"code": "E42", "message": "bad date"})

    http = runner(httpx.MockTransport(handler), FakeTime())
    with pytest.raises(MarketplaceError) as caught:
        http.call("GET", "/v1/answer", read_answer, params={"token": "s3cr3t-query"})
    err = caught.value
    assert (err.code, err.status, err.account, err.request) == (
        "E42",
        400,
        "acct-1",
        "GET /v1/answer",
    )
    assert not err.retryable
    assert "bad date" in str(err) and "s3cr3t-query" not in str(err)


def test_non_json_error_body_becomes_the_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, text="Forbidden: IP not allowed\n")

    with pytest.raises(MarketplaceError, match="Forbidden: IP not allowed") as caught:
        runner(httpx.MockTransport(handler), FakeTime()).call("GET", "/x", read_answer)
    assert caught.value.code == ""


def test_exhausted_retries_are_reported_as_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    time = FakeTime()
    with pytest.raises(MarketplaceError) as caught:
        runner(httpx.MockTransport(handler), time).call("GET", "/x", read_answer)
    assert caught.value.retryable and "gave up after 5 attempts" in str(caught.value)
    assert time.sleeps == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"answer": "42"}', "$.answer: expected an integer, got str"),
        (b'{"other": 1}', "$: missing field 'answer'"),
    ],
)
def test_garbled_bodies_are_marketplace_errors(content: bytes, problem: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    with pytest.raises(MarketplaceError) as caught:
        runner(httpx.MockTransport(handler), FakeTime()).call("GET", "/x", read_answer)
    assert problem in str(caught.value)
    assert caught.value.request == "GET /x" and caught.value.account == "acct-1"


def test_an_integer_too_long_for_int_is_kept_as_text_and_the_rest_is_read() -> None:
    huge = "9" * 5000  # past int()'s 4,300 digits

    def handler(request: httpx.Request) -> httpx.Response:
        content = f'{{"answer": 42, "rows": [{{"id": {huge}}}, {{"id": 7}}], "x": 1.5}}'
        return httpx.Response(200, content=content.encode())

    def read(body: JsonNode) -> tuple[int, list[object], object]:
        rows = [row.value["id"] for row in body["rows"].as_list()]
        return body["answer"].as_int(), rows, body["x"].value

    http = runner(httpx.MockTransport(handler), FakeTime())
    assert http.call("GET", "/x", read) == (42, [huge, 7], 1.5)


@pytest.mark.parametrize("content", [b'{"answer": 1', b"\xff\xfe{}", b'{"answer": 1,}'])
def test_bodies_that_do_not_decode_are_not_json(content: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    with pytest.raises(MarketplaceError, match="not valid JSON"):
        runner(httpx.MockTransport(handler), FakeTime()).call("GET", "/x", read_answer)


def test_rate_limit_applies_to_every_attempt() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"answer": 1})

    time = FakeTime()
    http = runner(httpx.MockTransport(handler), time, rate_limit=RateLimit(4.0))
    for _ in range(3):
        http.call("GET", "/x", read_answer)
    assert time.sleeps == pytest.approx([0.25, 0.25])


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(503), httpx.Response(500, json={"code": "ERROR", "message": "출고 되어"})],
)
def test_send_once_hands_back_a_5xx_without_retrying(answer: httpx.Response) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer

    time = FakeTime()
    http = runner(httpx.MockTransport(handler), time)
    assert http.send_once("PUT", "/v1/write", json={"n": 1}).status_code == answer.status_code
    assert len(sent) == 1 and time.sleeps == []


def test_send_once_lets_a_timeout_through_for_the_caller_to_settle() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    time = FakeTime()
    with pytest.raises(httpx.ReadTimeout):
        runner(httpx.MockTransport(handler), time).send_once("GET", "/v1/write/1/2")
    assert len(sent) == 1 and time.sleeps == []


def test_send_once_keeps_to_the_rate_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={})

    time = FakeTime()
    http = runner(httpx.MockTransport(handler), time, rate_limit=RateLimit(2.0))
    http.call("GET", "/read", lambda body: None)
    http.send_once("PUT", "/write")
    assert time.sleeps == pytest.approx([0.5])
