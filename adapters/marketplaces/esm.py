"""G마켓 / 옥션 (ESM Trading API): cancel/return claims (marketplaces.md §4).

`POST /claim/v1/sa/Cancels` and `/Returns`, JSON in and out, with a per-request HS256 JWT
(`kid` = the ESM+ master id, `ssi` naming this account's one site: "G:{id}" or "A:{id}"; a
per-site token is what the docs call the safe choice). Dates are whole KST days, at most
7 per query.

The plan: five calls per range of days (ESM_QUERIES). Cancels takes CancelStatus 0 (전체),
asked twice: by request date (Type 2: every cancel requested on those days, whatever its
status now) and by completion date (Type 3: ApproveDate, WithdrawDate for a withdrawn one).
Returns has no "all", and only completed or withdrawn returns matter (a return counts once
completed), so it is asked for 4 반품환불완료, 5 반품철회 and 6 사이트 직권환불 by completion
date. The row's own status then decides the state (SPEC §3 rule 1; a refund the site made
itself is a completed claim like any other):

- Cancels: 1 취소요청, 2 취소중 → REQUESTED; 3 취소완료, 5 사이트 직권환불, 6 송금 후 취소
  → COMPLETED; 4 취소철회 → WITHDRAWN
- Returns: 4 반품환불완료, 6 사이트 직권환불 → COMPLETED; 5 반품철회 → WITHDRAWN;
  1–3 (requested, picked up, on hold) are not results yet
A status outside these is set aside (`set_aside`), not guessed at.

EndDate is sent one day past the last day wanted: a third-party client reports ESM reading
EndDate as 00:00 of that day (StartDate = EndDate = today then finds nothing), the docs read
as if it were inclusive; with the extra day either reading covers every wanted day, and a
claim found twice is the same result (SPEC rule 10). So a query asks for at most 6 wanted
days (7 sent).

ResultCode: 0 / "success" is success. 99999 is "주문정보가 없습니다" / "클레임정보가 없습니다"
(nothing found) but also "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다" (a bad date):
only the "정보가 없습니다" form is an empty result. 8668 (over 7 days), 2141 (사이트 타입이
올바르지 않습니다) and the DateTime error are our request's fault and fail at once; any other
code is retried a few times (the claim pages document no such codes, so it may pass) before
the window fails with the code and message.

Pace: the claim pages give no rate limit; the order list allows one call per 5 s and
third-party clients pace claim calls the same way, so the default is 1 call / 5 s
(`rate_limit`; `rate_limit_per_second` in cancelbot.toml). Five calls take about 20 s of a
5-minute interval.

ESM claims are per OrderNo (one order line per OrderNo) and carry no quantity: claims have
`cancel_qty=None`, `ordered_qty=None`, `marketplace_item_id=""`; core takes the quantity from
the matched order. A cancel and a later return of the same OrderNo are different claims, so
claim ids are `cancel-{OrderNo}` / `return-{OrderNo}`.

Unconfirmed in the docs and therefore configurable: G마켓's SiteType (Cancels' page says 3,
Returns' says 2: each endpoint gets its own page's value unless `site_type` is given; a live
note says Cancels asked with 2 answers nothing, silently), and whether `ResultCode` is the
int 0 or the string "success" (both are accepted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any, Literal

import httpx
import jwt

from adapters.clock import SystemClock
from adapters.marketplaces._claims import SetAside, keep_latest, set_aside
from adapters.marketplaces._http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    HttpClaimSource,
    MarketplaceHttp,
    Timeouts,
    build_client,
    json_error_detail,
)
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._retry import RetryPolicy
from adapters.marketplaces._time import KST, check_window, day_chunks
from adapters.marketplaces.checks import failed
from core.account_check import AccountCheck
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import Clock

log = logging.getLogger(__name__)

EsmMarketplace = Literal["gmarket", "auction"]

ESM_BASE_URL = "https://sa2.esmplus.com"  # older code and docs: sa.esmplus.com
CANCELS_PATH = "/claim/v1/sa/Cancels"
RETURNS_PATH = "/claim/v1/sa/Returns"
MAX_SENT_DAYS = 7  # StartDate..EndDate: "조회 기간은 7일 이내로 입력 바랍니다." (8668)
MAX_QUERY_DAYS = MAX_SENT_DAYS - 1  # wanted days per query: EndDate goes one day further
# 1 call / 5 s: the documented order-list pace, and what third-party claim clients use.
ESM_RATE_LIMIT = RateLimit(0.2)
RESULT_CODE_ATTEMPTS = 3  # an unknown ResultCode is asked again this many times in all
JWT_ISSUER = "www.esmplus.com"  # or the caller's own domain
JWT_SUBJECT = "sell"
JWT_AUDIENCE = "sa.esmplus.com"

SITE_CODE: Mapping[str, str] = {"auction": "A", "gmarket": "G"}
# SiteType per marketplace and endpoint, as each doc page gives it (G마켓: 3 vs 2 [?]).
DEFAULT_SITE_TYPES: Mapping[str, Mapping[str, int]] = {
    "auction": {CANCELS_PATH: 1, RETURNS_PATH: 1},
    "gmarket": {CANCELS_PATH: 3, RETURNS_PATH: 2},
}
# Which SiteType a row may carry for each marketplace (Returns: "1 : 옥션 2,3 : G마켓").
ROW_SITE_TYPES: Mapping[str, frozenset[int]] = {
    "auction": frozenset({1}),
    "gmarket": frozenset({2, 3}),
}

ESM_CANCEL_STATES: Mapping[int, ClaimState] = {
    1: ClaimState.REQUESTED,  # 취소요청
    2: ClaimState.REQUESTED,  # 취소중
    3: ClaimState.COMPLETED,  # 취소완료
    4: ClaimState.WITHDRAWN,  # 취소철회
    5: ClaimState.COMPLETED,  # 사이트 직권환불 (고객센터 환불처리)
    6: ClaimState.COMPLETED,  # 거래완료 후 환불 (송금 후 취소)
}
ESM_RETURN_STATES: Mapping[int, ClaimState] = {
    4: ClaimState.COMPLETED,  # 반품환불완료
    5: ClaimState.WITHDRAWN,  # 반품철회
    6: ClaimState.COMPLETED,  # 사이트 직권환불 (반품완료건 중 고객센터 환불처리)
}
# Returns that are not results yet: 1 반품요청 (수거중 포함), 2 반품수거완료, 3 반품환불보류.
ESM_RETURN_PENDING: frozenset[int] = frozenset({1, 2, 3})
ALL_STATUSES = 0  # Cancels' CancelStatus 0 (전체); Returns has no such value
REQUEST_DATE = 2  # Type 2: 신청일 (RequestDate)
COMPLETION_DATE = 3  # Type 3: 완료일 (ApproveDate; WithdrawDate when withdrawn)

_SUCCESS_CODES = frozenset({"0", "success"})
NO_ROWS_CODE = "99999"
# 99999's "nothing found" messages ("주문정보가 없습니다", "클레임정보가 없습니다"), spaces removed.
_NO_ROWS_TEXT = "정보가없습니다"
# Codes that say our request was wrong: asking again cannot help.
FINAL_CODES: Mapping[str, str] = {
    "8668": "the date range is over 7 days",
    "2141": "the SiteType is not valid for this list",
}


@dataclass(frozen=True)
class Endpoint:
    path: str
    claim_type: ClaimType
    status_field: str  # "CancelStatus" / "ReturnStatus", in the request and in each row


CANCELS = Endpoint(CANCELS_PATH, ClaimType.CANCEL, "CancelStatus")
RETURNS = Endpoint(RETURNS_PATH, ClaimType.RETURN, "ReturnStatus")


@dataclass(frozen=True)
class EsmQuery:
    """One call per range of days: which list, which status (0: all), which date basis."""

    endpoint: Endpoint
    status: int
    date_type: int


ESM_QUERIES: tuple[EsmQuery, ...] = (
    EsmQuery(CANCELS, ALL_STATUSES, REQUEST_DATE),
    EsmQuery(CANCELS, ALL_STATUSES, COMPLETION_DATE),
    EsmQuery(RETURNS, 4, COMPLETION_DATE),
    EsmQuery(RETURNS, 5, COMPLETION_DATE),
    EsmQuery(RETURNS, 6, COMPLETION_DATE),
)


class Outcome(Enum):
    ROWS = "rows"  # success (rows, or none)
    NO_ROWS = "no rows"  # 99999 "…정보가 없습니다"
    FINAL = "final"  # our request was wrong: fail now
    UNKNOWN = "unknown"  # a code the claim pages do not document: ask again, then fail


def classify_result(code: str, message: str) -> Outcome:
    """What a ResultCode (with its Message, which 99999 needs) means for the query."""
    if code.lower() in _SUCCESS_CODES:
        return Outcome.ROWS
    if code == NO_ROWS_CODE:
        if _NO_ROWS_TEXT in "".join(message.split()):
            return Outcome.NO_ROWS
        # "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다": the dates we sent.
        return Outcome.FINAL if "DateTime" in message else Outcome.UNKNOWN
    return Outcome.FINAL if code in FINAL_CODES else Outcome.UNKNOWN


@dataclass
class EsmAnswer:
    code: str
    message: str
    claims: list[Claim] = field(default_factory=list)
    rows: int = 0  # rows in the answer, results or not


def esm_token(
    master_id: str,
    site: str,
    seller_id: str,
    secret_key: str,
    *,
    issued_at: datetime,
    issuer: str = JWT_ISSUER,
) -> str:
    """The ESM JWT for one site ("A" or "G"). The secret is used as its raw UTF-8 bytes, as
    third-party clients do (whether ESM means it base64-decoded is unconfirmed)."""
    payload = {
        "iss": issuer,
        "sub": JWT_SUBJECT,
        "aud": JWT_AUDIENCE,
        "iat": int(issued_at.timestamp()),
        "ssi": f"{site}:{seller_id}",
    }
    return jwt.encode(payload, secret_key, algorithm="HS256", headers={"kid": master_id})


class EsmAuth(httpx.Auth):
    """Signs every request (each attempt too) with a fresh token: no expiry is documented, so
    a new `iat` per request is the one choice that cannot go stale."""

    def __init__(
        self,
        master_id: str,
        site: str,
        seller_id: str,
        secret_key: str,
        *,
        clock: Clock,
        issuer: str = JWT_ISSUER,
    ) -> None:
        self._master_id = master_id
        self._site = site
        self._seller_id = seller_id
        self._secret_key = secret_key
        self._clock = clock
        self._issuer = issuer

    def __repr__(self) -> str:
        return "EsmAuth(<secret hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = esm_token(
            self._master_id,
            self._site,
            self._seller_id,
            self._secret_key,
            issued_at=self._clock.now(),
            issuer=self._issuer,
        )
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


class EsmClaimSource(HttpClaimSource):
    """core.ports.ClaimSource for one ESM seller id on one site (G마켓 or 옥션)."""

    def __init__(
        self,
        account: str,
        marketplace: EsmMarketplace,
        master_id: str,
        seller_id: str,
        secret_key: str,
        *,
        site_type: int | None = None,
        base_url: str = ESM_BASE_URL,
        issuer: str = JWT_ISSUER,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        rate_limit: RateLimit | None = ESM_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        query_days: int = MAX_QUERY_DAYS,
        queries: Sequence[EsmQuery] = ESM_QUERIES,
        cancel_states: Mapping[int, ClaimState] = ESM_CANCEL_STATES,
        return_states: Mapping[int, ClaimState] = ESM_RETURN_STATES,
        result_code_attempts: int = RESULT_CODE_ATTEMPTS,
    ) -> None:
        if marketplace not in SITE_CODE:
            raise ValueError(f"marketplace must be gmarket or auction, not {marketplace!r}")
        if not 1 <= query_days <= MAX_QUERY_DAYS:
            raise ValueError(f"query_days must be 1..{MAX_QUERY_DAYS}")
        if result_code_attempts < 1:
            raise ValueError("result_code_attempts must be at least 1")
        self.account = account
        self.marketplace: str = marketplace
        self.max_window = timedelta(days=query_days)
        self.master_id = master_id
        self.seller_id = seller_id
        self.set_aside: list[SetAside] = []
        self._clock: Clock = clock or SystemClock()
        client = build_client(
            base_url,
            timeouts=timeouts,
            auth=EsmAuth(
                master_id,
                SITE_CODE[marketplace],
                seller_id,
                secret_key,
                clock=self._clock,
                issuer=issuer,
            ),
            transport=transport,
        )
        self._http = MarketplaceHttp(
            client,
            marketplace=marketplace,
            account=account,
            retry=retry,
            rate_limit=rate_limit,
            sleep=sleep,
            clock=self._clock,
            error_detail=esm_error_detail,
            secrets=(secret_key,),
        )
        self._retry = retry
        self._sleep = sleep
        defaults = DEFAULT_SITE_TYPES[marketplace]
        self._site_types = {
            path: default if site_type is None else site_type for path, default in defaults.items()
        }
        self._row_sites = ROW_SITE_TYPES[marketplace] | (
            frozenset() if site_type is None else {site_type}
        )
        self._queries = tuple(queries)
        self._states = {CANCELS.path: dict(cancel_states), RETURNS.path: dict(return_states)}
        self._pending = {CANCELS.path: frozenset[int](), RETURNS.path: ESM_RETURN_PENDING}
        self._query_days = query_days
        self._attempts = result_code_attempts

    def __repr__(self) -> str:
        return (
            f"EsmClaimSource(account={self.account!r}, marketplace={self.marketplace!r}, "
            f"master_id={self.master_id!r}, seller_id={self.seller_id!r})"
        )

    def site_type(self, endpoint: Endpoint) -> int:
        return self._site_types[endpoint.path]

    def fetch_claims(self, start: datetime, end: datetime) -> list[Claim]:
        """Every claim whose request, completion or withdrawal falls on a KST day that
        [start, end) touches; all or MarketplaceError. Whole days (and the extra EndDate
        day) repeat rows from neighbouring windows: a repeated claim is the same result
        (SPEC rule 10). Rows that cannot be read without guessing go to `set_aside`."""
        check_window(start, end)
        claims: dict[ClaimKey, Claim] = {}
        aside: dict[str, tuple[str, JsonNode]] = {}
        for first, last in day_chunks(start, end, self._query_days):
            for query in self._queries:
                for claim in self._query(query, first, last, aside).claims:
                    keep_latest(claims, claim)
        for claim_id, (reason, row) in aside.items():  # once per fetch, however often seen
            set_aside(
                self.set_aside,
                account=self.account,
                marketplace=self.marketplace,
                claim_id=claim_id,
                reason=reason,
                record=row.value,
                window=(start, end),
                redact=self._http.redact,
            )
        return list(claims.values())

    def check(self) -> AccountCheck:
        """One Cancels call (every status, requested in the last days): it needs the JWT's
        master id, seller id and secret, an allowed IP and a SiteType the list accepts."""
        today = self._clock.now().astimezone(KST).date()
        first = today - timedelta(days=self._query_days - 1)
        query = EsmQuery(CANCELS, ALL_STATUSES, REQUEST_DATE)
        site_type = self.site_type(CANCELS)
        try:
            rows = self._query(query, first, today, {}, attempts=1).rows
        except MarketplaceError as exc:
            return failed(exc, self.marketplace, self._hint(exc))
        summary = (
            f"OK, {rows} cancel(s) requested in the last {self._query_days} days "
            f"(Cancels, SiteType {site_type})"
        )
        hint = ""
        if not rows and self.marketplace == "gmarket":
            # Cancels asked with a SiteType it does not take is reported to answer nothing.
            documented = DEFAULT_SITE_TYPES["gmarket"][CANCELS_PATH]
            hint = (
                f"no cancels in {self._query_days} days: an empty answer cannot prove the "
                f"SiteType ({site_type}, the Cancels page's)"
                if site_type == documented
                else f"no cancels in {self._query_days} days, and SiteType {site_type} is not "
                f"the Cancels page's {documented}: Cancels asked with another one is reported "
                f"to answer nothing; remove `site_type` unless ESM gave you {site_type}"
            )
        return AccountCheck(ok=True, summary=summary, hint=hint)

    def _hint(self, error: MarketplaceError) -> str:
        site = "옥션" if self.marketplace == "auction" else "G마켓"
        if error.status == 401:
            return (
                "the ESM gateway refused the token: check master_id (the ESM+ master ID, the "
                f"JWT kid), seller_id (the {site} seller ID the keys were issued for) and the "
                "secret key's variable"
            )
        if error.status == 403:
            return (
                "the ESM gateway refused this server: ESM allow-lists caller IPs per master "
                "ID; ask ESM (etapihelp@gmail.com) to add this server's outbound IP"
            )
        if error.code == "2141":
            return (
                f"SiteType {self.site_type(CANCELS)} is refused: remove `site_type` (G마켓 "
                "Cancels takes 3, Returns 2; 옥션 1) or set the value ESM gave you"
            )
        if error.status is None:
            return "no answer from ESM: check the network, a proxy, or `base_url`"
        return "ESM's own code and message above say what it refused"

    def _query(
        self,
        query: EsmQuery,
        first: date,
        last: date,
        aside: dict[str, tuple[str, JsonNode]],
        *,
        attempts: int | None = None,
    ) -> EsmAnswer:
        """One query for the wanted days first..last (EndDate sent as last + 1); rows that
        cannot be read without guessing go to `aside`, by claim id."""
        endpoint = query.endpoint
        body = {
            "SiteType": self.site_type(endpoint),
            endpoint.status_field: query.status,
            "Type": query.date_type,
            "StartDate": first.isoformat(),
            "EndDate": (last + timedelta(days=1)).isoformat(),
        }
        request = f"POST {endpoint.path}"
        tries = self._attempts if attempts is None else attempts
        for attempt in range(1, tries + 1):
            parse = partial(self._parse, endpoint, aside)
            answer = self._http.call("POST", endpoint.path, parse, json=body)
            outcome = classify_result(answer.code, answer.message)
            if outcome is Outcome.ROWS:
                return answer
            if outcome is Outcome.NO_ROWS:
                return EsmAnswer(answer.code, answer.message)
            message = answer.message or "error without a Message"
            if outcome is Outcome.FINAL:
                raise self._http.error(message, request, code=answer.code, status=200)
            if attempt == tries:
                raise self._http.error(
                    f"{message} (ResultCode {answer.code}, still after {attempt} attempts)",
                    request,
                    code=answer.code,
                    status=200,
                    retryable=True,
                )
            delay = self._retry.backoff(attempt)
            log.warning(
                "%s account %s: %s answered ResultCode %s (%s); retry %d in %.2fs",
                self.marketplace,
                self.account,
                request,
                answer.code,
                message[:100],
                attempt,
                delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _parse(
        self, endpoint: Endpoint, aside: dict[str, tuple[str, JsonNode]], body: JsonNode
    ) -> EsmAnswer:
        code = body["ResultCode"].as_id()  # int 0 or "success" (both documented)
        message = body.get("Message")
        answer = EsmAnswer(code, "" if message is None else str(message.value))
        data = body.get("Data")  # absent or null on "no rows"; a string on some failures
        if code.lower() in _SUCCESS_CODES and data is not None:
            rows = data.as_list()
            answer.rows = len(rows)
            for row in rows:
                try:
                    claim = self._claim(endpoint, row, aside)
                except GarbledBody as exc:  # this row only: the others are read
                    aside[_lenient_claim_id(endpoint, row)] = (str(exc), row)
                    continue
                if claim is not None:
                    answer.claims.append(claim)
        return answer

    def _claim(
        self, endpoint: Endpoint, row: JsonNode, aside: dict[str, tuple[str, JsonNode]]
    ) -> Claim | None:
        site = _int(row["SiteType"])  # documented as int and as string
        if site not in self._row_sites:
            # A per-site token should never see the other site's orders; if it does, they
            # belong to the other account, which reads them itself.
            log.warning(
                "%s account %s: %s skipped a row of SiteType %s",
                self.marketplace,
                self.account,
                endpoint.path,
                site,
            )
            return None
        order_no = row["OrderNo"].as_id()
        claim_id = f"{endpoint.claim_type.value.lower()}-{order_no}"
        status = _int(row[endpoint.status_field])
        state = self._states[endpoint.path].get(status)
        if state is None:
            if status not in self._pending[endpoint.path]:
                reason = f"{endpoint.status_field} {status} is not a documented status"
                aside[claim_id] = (reason, row)
            return None  # a return still on its way to completion is not a result yet
        completed_at = None
        if state is ClaimState.COMPLETED:
            completed_at = _first_time(row, "CompleteDate", "ApproveDate")
        # A refund the site made itself may carry no request date; its approval is the claim.
        claimed_at = _first_time(row, "RequestDate", "ApproveDate", "CompleteDate", "WithdrawDate")
        if claimed_at is None:
            raise GarbledBody(f"{row.path}: no RequestDate (nor any other claim date)")
        return Claim(
            marketplace=self.marketplace,
            account=self.account,
            claim_id=claim_id,
            claim_type=endpoint.claim_type,
            claim_state=state,
            marketplace_order_id=order_no,
            marketplace_item_id="",  # SPEC §2: one order line per OrderNo
            cancel_qty=None,  # ESM claim rows carry no quantity
            claimed_at=claimed_at,
            ordered_qty=None,
            completed_at=completed_at,
            shipped_hint=_shipped(row) if endpoint is RETURNS else None,
        )


def _lenient_claim_id(endpoint: Endpoint, row: JsonNode) -> str:
    """The claim id of a row that could not be read, when its OrderNo can be."""
    try:
        return f"{endpoint.claim_type.value.lower()}-{row['OrderNo'].as_id()}"
    except GarbledBody:
        return ""


def esm_error_detail(response: httpx.Response) -> tuple[str, str]:
    """ESM error bodies: `{"ResultCode", "Message"}` or, from the auth gateway,
    `{"status": {"message", "status_code"}}`; anything else as the shared reader sees it."""
    try:
        body: Any = response.json()
    except ValueError:
        return json_error_detail(response)
    if isinstance(body, dict):
        if "ResultCode" in body:
            message = body.get("Message")
            return str(body["ResultCode"]), "" if message is None else str(message)
        status = body.get("status")
        if isinstance(status, dict):
            code, message = status.get("status_code"), status.get("message")
            return ("" if code is None else str(code)), ("" if message is None else str(message))
    return json_error_detail(response)


def _int(node: JsonNode) -> int:
    """An int sent as a JSON number or as its decimal text."""
    text = node.as_id()
    try:
        return int(text)
    except ValueError:
        raise GarbledBody(f"{node.path}: expected an integer, got {text[:30]!r}") from None


def _first_time(row: JsonNode, *keys: str) -> datetime | None:
    """The first of `keys` that holds a timestamp (naive ones are KST)."""
    for key in keys:
        node = row.get(key)
        if node is not None and node.value != "":
            return node.as_datetime()
    return None


def _shipped(row: JsonNode) -> bool | None:
    """A return whose original delivery has an invoice or a completion date had shipped."""
    shipping = row.get("ShippingInfo")
    if shipping is None:
        return None
    for key in ("InvoiceNo", "CompleteDate"):
        node = shipping.get(key)
        if node is not None and node.value != "":
            return True
    return None
