"""G마켓 / 옥션 (ESM Trading API): cancel/return claims (marketplaces.md §4).

`POST /claim/v1/sa/Cancels` and `/Returns`, JSON in and out, with a per-request HS256 JWT
(`kid` = the ESM+ master id, `ssi` naming this account's one site: "G:{id}" or "A:{id}"; a
per-site token is what the docs call the safe choice). Dates are whole KST days, at most
7 per query.

One query per status the adapter cares about, dated by the event that put the claim in that
status (Type 2 = request date for requests, Type 3 = completion date, which for a withdrawn
claim is its WithdrawDate). The row's own status then decides the state, so a claim that
moved on between queries is reported as it is now (SPEC §3 rule 1):

- Cancels: 1 취소요청, 2 취소중 → REQUESTED; 3 취소완료 → COMPLETED; 4 취소철회 → WITHDRAWN
- Returns: 4 반품환불완료 → COMPLETED; 5 반품철회 → WITHDRAWN

ESM claims are per OrderNo (one order line per OrderNo) and carry no quantity: claims have
`cancel_qty=None`, `ordered_qty=None`, `marketplace_item_id=""`; core takes the quantity from
the matched order. A cancel and a later return of the same OrderNo are different claims, so
claim ids are `cancel-{OrderNo}` / `return-{OrderNo}`.

Unconfirmed in the docs and therefore configurable: G마켓's SiteType (Cancels' page says 3,
Returns' says 2: each endpoint gets its own page's value unless `site_type` is given), and
whether `ResultCode` is the int 0 or the string "success" (both are accepted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Generator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Literal

import httpx
import jwt

from adapters.clock import SystemClock
from adapters.marketplaces._claims import keep_latest
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
from adapters.marketplaces._time import check_window, day_chunks
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.ports import Clock

log = logging.getLogger(__name__)

EsmMarketplace = Literal["gmarket", "auction"]

ESM_BASE_URL = "https://sa2.esmplus.com"  # older code and docs: sa.esmplus.com
CANCELS_PATH = "/claim/v1/sa/Cancels"
RETURNS_PATH = "/claim/v1/sa/Returns"
MAX_QUERY_DAYS = 7  # "조회 기간은 7일 이내로 입력 바랍니다." (8668)
# Claim-list limits are undocumented; the order list allows one call per 5 s, so stay slow.
ESM_RATE_LIMIT = RateLimit(1.0)
JWT_ISSUER = "www.esmplus.com"  # or the caller's own domain
JWT_SUBJECT = "sell"
JWT_AUDIENCE = "sa.esmplus.com"

SITE_CODE: Mapping[str, str] = {"auction": "A", "gmarket": "G"}
# SiteType per marketplace and endpoint, as each doc page gives it (G마켓: 3 vs 2 [?]).
DEFAULT_SITE_TYPES: Mapping[str, Mapping[str, int]] = {
    "auction": {CANCELS_PATH: 1, RETURNS_PATH: 1},
    "gmarket": {CANCELS_PATH: 3, RETURNS_PATH: 2},
}
# Which SiteType a row may carry for each marketplace (another page: 2 = G마켓+G9, 3 = G9).
ROW_SITE_TYPES: Mapping[str, frozenset[int]] = {
    "auction": frozenset({1}),
    "gmarket": frozenset({2, 3}),
}

ESM_CANCEL_STATES: Mapping[int, ClaimState] = {
    1: ClaimState.REQUESTED,  # 취소요청
    2: ClaimState.REQUESTED,  # 취소중
    3: ClaimState.COMPLETED,  # 취소완료
    4: ClaimState.WITHDRAWN,  # 취소철회
}
ESM_RETURN_STATES: Mapping[int, ClaimState] = {
    4: ClaimState.COMPLETED,  # 반품환불완료
    5: ClaimState.WITHDRAWN,  # 반품철회
}
# Query `Type` (date basis) per state: 2 = 신청일; 3 = 완료일 (WithdrawDate when withdrawn).
DATE_TYPE: Mapping[ClaimState, int] = {
    ClaimState.REQUESTED: 2,
    ClaimState.COMPLETED: 3,
    ClaimState.WITHDRAWN: 3,
}
# ResultCode 99999 "주문정보가 없습니다" / "클레임정보가 없습니다": nothing found, not a failure.
DEFAULT_NO_ROWS_CODES: tuple[str, ...] = ("99999",)
_SUCCESS_CODES = frozenset({"0", "success"})


@dataclass(frozen=True)
class Endpoint:
    path: str
    claim_type: ClaimType
    status_field: str  # "CancelStatus" / "ReturnStatus", in the request and in each row


CANCELS = Endpoint(CANCELS_PATH, ClaimType.CANCEL, "CancelStatus")
RETURNS = Endpoint(RETURNS_PATH, ClaimType.RETURN, "ReturnStatus")


@dataclass(frozen=True)
class EsmAnswer:
    claims: list[Claim]
    result_code: str
    message: str


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
        cancel_states: Mapping[int, ClaimState] = ESM_CANCEL_STATES,
        return_states: Mapping[int, ClaimState] = ESM_RETURN_STATES,
        no_rows_codes: Collection[str] = DEFAULT_NO_ROWS_CODES,
    ) -> None:
        if marketplace not in SITE_CODE:
            raise ValueError(f"marketplace must be gmarket or auction, not {marketplace!r}")
        if not 1 <= query_days <= MAX_QUERY_DAYS:
            raise ValueError(f"query_days must be 1..{MAX_QUERY_DAYS}")
        self.account = account
        self.marketplace: str = marketplace
        self.max_window = timedelta(days=MAX_QUERY_DAYS)
        self.master_id = master_id
        self.seller_id = seller_id
        clock = clock or SystemClock()
        client = build_client(
            base_url,
            timeouts=timeouts,
            auth=EsmAuth(
                master_id, SITE_CODE[marketplace], seller_id, secret_key, clock=clock, issuer=issuer
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
            clock=clock,
            error_detail=esm_error_detail,
            secrets=(secret_key,),
        )
        defaults = DEFAULT_SITE_TYPES[marketplace]
        self._site_types = {
            path: default if site_type is None else site_type for path, default in defaults.items()
        }
        self._row_sites = ROW_SITE_TYPES[marketplace] | (
            frozenset() if site_type is None else {site_type}
        )
        self._states = {CANCELS: dict(cancel_states), RETURNS: dict(return_states)}
        self._query_days = query_days
        self._no_rows_codes = frozenset(str(code) for code in no_rows_codes)

    def __repr__(self) -> str:
        return (
            f"EsmClaimSource(account={self.account!r}, marketplace={self.marketplace!r}, "
            f"master_id={self.master_id!r}, seller_id={self.seller_id!r})"
        )

    def site_type(self, endpoint: Endpoint) -> int:
        return self._site_types[endpoint.path]

    def fetch_claims(self, start: datetime, end: datetime) -> list[Claim]:
        """Every claim whose request, completion or withdrawal falls on a KST day that
        [start, end) touches; all or MarketplaceError. Whole days may repeat rows from the
        neighbouring window: a repeated claim is the same result (SPEC rule 10)."""
        check_window(start, end)
        claims: dict[ClaimKey, Claim] = {}
        for first, last in day_chunks(start, end, self._query_days):
            for endpoint, states in self._states.items():
                for status in sorted(states):
                    date_type = DATE_TYPE[states[status]]
                    for claim in self._query(endpoint, status, date_type, first, last):
                        keep_latest(claims, claim)
        return list(claims.values())

    def _query(
        self, endpoint: Endpoint, status: int, date_type: int, first: date, last: date
    ) -> list[Claim]:
        body = {
            "SiteType": self.site_type(endpoint),
            endpoint.status_field: status,
            "Type": date_type,
            "StartDate": first.isoformat(),
            "EndDate": last.isoformat(),
        }
        answer = self._http.call("POST", endpoint.path, partial(self._parse, endpoint), json=body)
        code = answer.result_code
        if code.lower() in _SUCCESS_CODES or code in self._no_rows_codes:
            return answer.claims
        raise self._http.error(
            answer.message or "error without a Message",
            f"POST {endpoint.path}",
            code=code,
            status=200,
        )

    def _parse(self, endpoint: Endpoint, body: JsonNode) -> EsmAnswer:
        code = body["ResultCode"].as_id()  # int 0 or "success" (both documented)
        message = body.get("Message")
        data = body.get("Data")  # absent or null on errors and, it seems, on "no rows"
        claims: list[Claim] = []
        if code.lower() in _SUCCESS_CODES and data is not None:
            for row in data.as_list():
                claim = self._claim(endpoint, row)
                if claim is not None:
                    claims.append(claim)
        return EsmAnswer(claims, code, "" if message is None else str(message.value))

    def _claim(self, endpoint: Endpoint, row: JsonNode) -> Claim | None:
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
        state = self._states[endpoint].get(_int(row[endpoint.status_field]))
        if state is None:
            return None  # moved on to a status that is not a result (e.g. 반품수거완료)
        order_no = row["OrderNo"].as_id()
        completed_at = None
        if state is ClaimState.COMPLETED:
            completed_at = _first_time(row, "CompleteDate", "ApproveDate")
        claimed_at = _first_time(row, "RequestDate", "ApproveDate", "CompleteDate", "WithdrawDate")
        if claimed_at is None:
            raise GarbledBody(f"{row.path}: no RequestDate (nor any other claim date)")
        return Claim(
            marketplace=self.marketplace,
            account=self.account,
            claim_id=f"{endpoint.claim_type.value.lower()}-{order_no}",
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
