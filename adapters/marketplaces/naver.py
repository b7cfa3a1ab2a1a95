"""Naver SmartStore: cancel/return claims from the Commerce API (marketplaces.md §2).

Two steps per window: `last-changed-statuses` (≤ 24 h per query, paged through
`more{moreFrom, moreSequence}`) names the product orders whose claim moved; `product-orders/query`
(≤ 300 ids per call) gives their details, read from `currentClaim` (the top-level
cancel/return blocks are being retired).

A product order the detail call leaves out is an error, not a skip: the caller advances its
sync cursor past a window that returned, so a dropped claim would be lost for good. The error
is retryable; the next sync asks again.

Where a claim's own block is missing, the legacy top-level block (`cancel`/`return`) is read
instead. Naver's direct cancels (ADMIN_CANCEL*, 직권취소) are not documented to carry
`currentClaim.cancel` at all; without one, the claim is taken from the product order itself:
`claimId`, the quantity cancelled (`initialQuantity − remainQuantity`, or the whole line once
it is CANCELED) and, for its date, the product order's `lastChangedDate` from the change list.
A claim that still cannot be told without guessing, or a product order (or change row)
the adapter cannot read, is set aside by itself (`set_aside`), not failed: failing would
fail every later pass of the account too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

import httpx

from adapters.clock import SystemClock
from adapters.marketplaces._claims import SetAside, set_aside
from adapters.marketplaces._http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    HttpClaimSource,
    MarketplaceHttp,
    Timeouts,
    build_client,
)
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._retry import RetryPolicy
from adapters.marketplaces._time import KST, check_window, split_window
from adapters.marketplaces.checks import failed
from adapters.marketplaces.naver_auth import NaverTokens
from core.account_check import AccountCheck
from core.claims import Claim, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")

NAVER_BASE_URL = "https://api.commerce.naver.com"
SELLER_PREFIX = "/external/v1"  # API agencies (대행사) use "/partner/v1"
TOKEN_PATH = "/oauth2/token"
LAST_CHANGED_PATH = "/pay-order/seller/product-orders/last-changed-statuses"
QUERY_PATH = "/pay-order/seller/product-orders/query"
MAX_WINDOW = timedelta(hours=24)
MAX_IDS = 300  # limitCount and productOrderIds both stop at 300
# Per-API limits are unpublished; third-party clients assume about 2 calls/s.
NAVER_RATE_LIMIT = RateLimit(2.0)

# claimStatus -> what it means for cancelbot (SPEC §3 rule 1). Returns count only when done;
# ADMIN_* are Naver's own cancels (직권취소), which must hold the order just the same.
NAVER_CLAIM_STATES: Mapping[str, tuple[ClaimType, ClaimState]] = {
    "CANCEL_REQUEST": (ClaimType.CANCEL, ClaimState.REQUESTED),
    "CANCELING": (ClaimType.CANCEL, ClaimState.REQUESTED),
    "CANCEL_DONE": (ClaimType.CANCEL, ClaimState.COMPLETED),
    "CANCEL_REJECT": (ClaimType.CANCEL, ClaimState.WITHDRAWN),
    "ADMIN_CANCELING": (ClaimType.CANCEL, ClaimState.REQUESTED),
    "ADMIN_CANCEL_DONE": (ClaimType.CANCEL, ClaimState.COMPLETED),
    "ADMIN_CANCEL_REJECT": (ClaimType.CANCEL, ClaimState.WITHDRAWN),
    "RETURN_DONE": (ClaimType.RETURN, ClaimState.COMPLETED),
}
# Naver's own cancels (직권취소): no `currentClaim.cancel` is documented for them.
DIRECT_CANCEL_STATUSES = frozenset({"ADMIN_CANCELING", "ADMIN_CANCEL_DONE", "ADMIN_CANCEL_REJECT"})
# Where each claim type's block sits in `currentClaim`, and its completion timestamp.
_CLAIM_BLOCK = {ClaimType.CANCEL: "cancel", ClaimType.RETURN: "return"}
_COMPLETED_FIELD = {
    ClaimType.CANCEL: "cancelCompletedDate",
    ClaimType.RETURN: "returnCompletedDate",
}


@dataclass(frozen=True)
class Change:
    product_order_id: str
    claim_status: str | None
    last_changed: datetime | None = None


@dataclass(frozen=True)
class ChangesPage:
    changes: list[Change]
    more: tuple[str, str] | None  # (moreFrom, moreSequence); None on the last page
    bad: list[tuple[str, JsonNode]] = field(default_factory=list)  # (why, row) unreadable


@dataclass(frozen=True)
class Details:
    returned_ids: set[str]
    claims: list[Claim]
    unreadable: int = 0  # items set aside without a readable productOrderId


class Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "Bearer(<token hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class NaverClaimSource(HttpClaimSource):
    """core.ports.ClaimSource for one SmartStore application (or seller, for agencies)."""

    def __init__(
        self,
        account: str,
        client_id: str,
        client_secret: str,
        *,
        base_url: str = NAVER_BASE_URL,
        api_prefix: str = SELLER_PREFIX,
        token_type: str = "SELF",
        seller_account_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        rate_limit: RateLimit | None = NAVER_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        page_size: int = MAX_IDS,
        batch_size: int = MAX_IDS,
        claim_states: Mapping[str, tuple[ClaimType, ClaimState]] = NAVER_CLAIM_STATES,
    ) -> None:
        if not (1 <= page_size <= MAX_IDS and 1 <= batch_size <= MAX_IDS):
            raise ValueError(f"page_size and batch_size must be 1..{MAX_IDS}")
        self.account = account
        self.marketplace = "naver"
        self.max_window = MAX_WINDOW
        self.client_id = client_id
        self.set_aside: list[SetAside] = []
        clock = self._clock = clock or SystemClock()
        client = build_client(base_url, timeouts=timeouts, transport=transport)
        self._http = MarketplaceHttp(
            client,
            marketplace=self.marketplace,
            account=account,
            retry=retry,
            rate_limit=rate_limit,
            sleep=sleep,
            clock=clock,
            secrets=(client_id, client_secret),
        )
        self._tokens = NaverTokens(
            self._http,
            token_path=api_prefix + TOKEN_PATH,
            client_id=client_id,
            client_secret=client_secret,
            clock=clock,
            token_type=token_type,
            seller_account_id=seller_account_id,
        )
        self.api_prefix = api_prefix
        self._changes_path = api_prefix + LAST_CHANGED_PATH
        self._query_path = api_prefix + QUERY_PATH
        self._page_size = page_size
        self._batch_size = batch_size
        self._states = dict(claim_states)

    @property
    def tokens(self) -> NaverTokens:
        """The application's bearer tokens, shared with its claim actions."""
        return self._tokens

    def __repr__(self) -> str:
        return f"NaverClaimSource(account={self.account!r}, client_id={self.client_id!r})"

    def fetch_claims(self, start: datetime, end: datetime) -> list[Claim]:
        """Every claim line whose status changed in [start, end); all or MarketplaceError."""
        check_window(start, end)
        # Ordered and deduplicated (windows and pages repeat rows): id -> its latest change.
        changed: dict[str, datetime | None] = {}
        aside: list[tuple[str, str, JsonNode]] = []
        for window_start, window_end in split_window(start, end, MAX_WINDOW):
            for change in self._changes(window_start, window_end, aside):
                if change.claim_status in self._states:
                    changed[change.product_order_id] = change.last_changed
        wanted = list(changed)
        claims: list[Claim] = []
        for i in range(0, len(wanted), self._batch_size):
            claims.extend(self._details(wanted[i : i + self._batch_size], changed, aside))
        for claim_id, reason, item in aside:  # only once the whole window has been read
            set_aside(
                self.set_aside,
                account=self.account,
                marketplace=self.marketplace,
                claim_id=claim_id,
                reason=reason,
                record=item.value,
                window=(start, end),
                redact=self._http.redact,
            )
        return claims

    def check(self) -> AccountCheck:
        """A token, then one page of the last day's changed product orders: it needs the
        client id and secret and a registered IP."""
        now = self._clock.now()
        try:
            page = self.api(
                "GET",
                self._changes_path,
                parse_changes,
                params={
                    "lastChangedFrom": _timestamp(now - MAX_WINDOW),
                    "lastChangedTo": _timestamp(now),
                    "limitCount": MAX_IDS,
                },
            )
        except MarketplaceError as exc:
            return failed(exc, self.marketplace, _hint(exc))
        count = f"{len(page.changes)}{'+' if page.more else ''}"
        return AccountCheck(
            ok=True, summary=f"OK, {count} product order(s) changed in the last 24 hours"
        )

    def _changes(
        self, start: datetime, end: datetime, aside: list[tuple[str, str, JsonNode]]
    ) -> Iterator[Change]:
        # lastChangedTo is inclusive and millisecond-precise: stop 1 ms before `end`.
        last = max(start, end - timedelta(milliseconds=1))
        params: dict[str, str | int] = {
            "lastChangedFrom": _timestamp(start),
            "lastChangedTo": _timestamp(last),
            "limitCount": self._page_size,
        }
        seen: set[tuple[str, str]] = set()
        while True:
            page = self.api("GET", self._changes_path, parse_changes, params=params)
            yield from page.changes
            aside.extend(("", f"change row: {why}", row) for why, row in page.bad)
            if page.more is None:
                return
            if page.more in seen:
                raise self._http.error(
                    "paging does not advance (more repeated)", f"GET {self._changes_path}"
                )
            seen.add(page.more)
            # Same lastChangedTo; moreSequence is opaque and passed back as sent.
            params["lastChangedFrom"], params["moreSequence"] = page.more

    def _details(
        self,
        product_order_ids: list[str],
        changed: Mapping[str, datetime | None],
        aside: list[tuple[str, str, JsonNode]],
    ) -> list[Claim]:
        body = {"productOrderIds": product_order_ids, "quantityClaimCompatibility": True}
        parse = partial(self._parse_details, changed, aside)
        details = self.api("POST", self._query_path, parse, json=body)
        missing = [i for i in product_order_ids if i not in details.returned_ids]
        if missing and len(missing) > details.unreadable:
            log.warning(
                "naver account %s: product-orders/query left out %d of %d product orders: %s",
                self.account,
                len(missing),
                len(product_order_ids),
                ", ".join(missing),
            )
            raise self._http.error(
                f"product-orders/query left out {len(missing)} of {len(product_order_ids)} "
                f"product orders (first: {', '.join(missing[:5])})",
                f"POST {self._query_path}",
                retryable=True,
            )
        return details.claims

    def api(
        self,
        method: str,
        path: str,
        parse: Callable[[JsonNode], T],
        *,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
    ) -> T:
        """One read with the bearer token, retried by the runner; a token the gateway
        refuses (401 GW.AUTHN) is re-issued and the call made once more. Not for writes."""
        token = self._tokens.get()
        try:
            return self._http.call(
                method, path, parse, params=params, json=json, auth=Bearer(token)
            )
        except MarketplaceError as exc:
            if exc.status != 401 or exc.code != "GW.AUTHN":
                raise
        log.info("naver account %s: token refused (GW.AUTHN), issuing a new one", self.account)
        self._tokens.invalidate(token)
        token = self._tokens.get()
        return self._http.call(method, path, parse, params=params, json=json, auth=Bearer(token))

    def _parse_details(
        self,
        changed: Mapping[str, datetime | None],
        aside: list[tuple[str, str, JsonNode]],
        body: JsonNode,
    ) -> Details:
        returned: set[str] = set()
        claims: list[Claim] = []
        unreadable = 0
        for item in body["data"].as_list():
            try:
                product_order_id = item["productOrder"]["productOrderId"].as_id()
            except GarbledBody as exc:
                unreadable += 1
                aside.append(("", str(exc), item))
                continue
            returned.add(product_order_id)
            try:
                claim = self._claim(item, changed.get(product_order_id), aside)
            except GarbledBody as exc:  # this product order only: the others are read
                aside.append((_lenient_claim_id(item), str(exc), item))
                continue
            if claim is not None:
                claims.append(claim)
        return Details(returned, claims, unreadable)

    def _claim(
        self,
        item: JsonNode,
        last_changed: datetime | None,
        aside: list[tuple[str, str, JsonNode]],
    ) -> Claim | None:
        product_order = item["productOrder"]
        node = product_order.get("claimStatus")
        status = None if node is None else node.as_str()
        kind = None if status is None else self._states.get(status)
        if kind is None:
            return None  # the claim moved on to a state that is not a result (or has none)
        claim_type, state = kind
        name = _CLAIM_BLOCK[claim_type]
        block = _claim_block(item, name)
        if block is None:
            found: Claim | str = (
                self._from_product_order(item, state, last_changed)
                if status in DIRECT_CANCEL_STATUSES
                else f"{status} without a claim block (currentClaim.{name} or {name})"
            )
            if isinstance(found, str):
                claim_id = product_order.get("claimId")
                aside.append(("" if claim_id is None else claim_id.as_id(), found, item))
                return None
            return found
        completed = block.get(_COMPLETED_FIELD[claim_type])
        quantity = block.get("requestQuantity")
        return Claim(
            marketplace=self.marketplace,
            account=self.account,
            claim_id=block["claimId"].as_id(),
            claim_type=claim_type,
            claim_state=state,
            marketplace_order_id=item["order"]["orderId"].as_id(),
            marketplace_item_id=product_order["productOrderId"].as_id(),
            cancel_qty=None if quantity is None else quantity.as_int(),
            claimed_at=block["claimRequestDate"].as_datetime(),
            ordered_qty=_ordered(product_order),
            completed_at=(
                completed.as_datetime()
                if completed is not None and state is ClaimState.COMPLETED
                else None
            ),
            shipped_hint=shipped_from_delivery(item.get("delivery")),
            product_name=_text(product_order.get("productName")),
            option=_text(product_order.get("productOption")),
        )

    def _from_product_order(
        self, item: JsonNode, state: ClaimState, last_changed: datetime | None
    ) -> Claim | str:
        """A direct cancel read from its product order; a str says why it cannot be."""
        product_order = item["productOrder"]
        claim_id = product_order.get("claimId")
        if claim_id is None:
            return "direct cancel without currentClaim.cancel or productOrder.claimId"
        quantity = _cancelled_quantity(product_order)
        if quantity is None:
            return (
                "direct cancel without currentClaim.cancel; the product order does not say "
                "how many units it cancels (remainQuantity not below initialQuantity, and "
                "the line is not CANCELED)"
            )
        if last_changed is None:
            return "direct cancel without currentClaim.cancel and without a lastChangedDate"
        return Claim(
            marketplace=self.marketplace,
            account=self.account,
            claim_id=claim_id.as_id(),
            claim_type=ClaimType.CANCEL,
            claim_state=state,
            marketplace_order_id=item["order"]["orderId"].as_id(),
            marketplace_item_id=product_order["productOrderId"].as_id(),
            cancel_qty=quantity,
            # When Naver changed the product order's claim status: the closest date it gives.
            claimed_at=last_changed,
            ordered_qty=_ordered(product_order),
            completed_at=last_changed if state is ClaimState.COMPLETED else None,
            shipped_hint=shipped_from_delivery(item.get("delivery")),
            product_name=_text(product_order.get("productName")),
            option=_text(product_order.get("productOption")),
        )


def _claim_block(item: JsonNode, name: str) -> JsonNode | None:
    """`currentClaim.<name>`, else the top-level `<name>` (being retired, still sent)."""
    current = item.get("currentClaim")
    block = None if current is None else current.get(name)
    return block if block is not None else item.get(name)


def _ordered(product_order: JsonNode) -> int | None:
    # initialQuantity is the line as ordered; quantity may shrink after partial claims.
    ordered = product_order.get("initialQuantity")
    if ordered is None:
        ordered = product_order.get("quantity")
    return None if ordered is None else ordered.as_int()


def _cancelled_quantity(product_order: JsonNode) -> int | None:
    """Units a claim took off the line, as the product order alone tells it; None if it
    cannot: initial − remaining when that is positive, else the whole line once CANCELED."""
    initial, remain = product_order.get("initialQuantity"), product_order.get("remainQuantity")
    if initial is not None and remain is not None and initial.as_int() > remain.as_int():
        return initial.as_int() - remain.as_int()
    status = product_order.get("productOrderStatus")
    if status is not None and status.as_str() == "CANCELED":
        return _ordered(product_order)
    return None


def _hint(error: MarketplaceError) -> str:
    text = str(error.args[0]) if error.args else ""
    token_call = error.request.endswith("/oauth2/token")
    if error.code == "GW.IP_NOT_ALLOWED":
        return "register this server's outbound IP for the application in 커머스API센터"
    if error.status is None and "bcrypt" in text:
        return "the client secret is not a Naver one (it starts with $2a$): copy it again"
    if token_call and error.status == 403:
        return (
            "the client secret does not match the client id (copy both again from "
            "커머스API센터), or this server's clock is more than 5 minutes off"
        )
    if token_call and error.status == 400:
        return "the client id is not a 커머스API센터 application id: copy it again"
    if error.code == "GW.AUTHN":
        return "Naver refused a fresh token: re-issue the application's secret"
    if error.status == 429:
        return "Naver's rate limit or quota: lower rate_limit_per_second, or wait"
    if error.status is None:
        return "no answer from Naver: check the network, a proxy, or `base_url`"
    return "Naver's own code and message above say what it refused"


def parse_changes(body: JsonNode) -> ChangesPage:
    data = body["data"]
    rows = data.get("lastChangeStatuses")
    changes: list[Change] = []
    bad: list[tuple[str, JsonNode]] = []
    for row in [] if rows is None else rows.as_list():
        try:
            changes.append(
                Change(
                    row["productOrderId"].as_id(),
                    _optional_text(row.get("claimStatus")),
                    _optional_time(row.get("lastChangedDate")),
                )
            )
        except GarbledBody as exc:  # this row only
            bad.append((str(exc), row))
    more = data.get("more")
    if more is None:
        return ChangesPage(changes, None, bad)
    return ChangesPage(changes, (more["moreFrom"].as_str(), more["moreSequence"].as_id()), bad)


def _lenient_claim_id(item: JsonNode) -> str:
    """The claim id of a product order that could not be read, when that much can be."""
    try:
        node = item["productOrder"].get("claimId")
    except GarbledBody:
        return ""
    ok = node is not None and isinstance(node.value, str | int) and not isinstance(node.value, bool)
    return str(node.value) if ok and node is not None else ""


def shipped_from_delivery(delivery: JsonNode | None) -> bool | None:
    """No delivery block: never dispatched. A send or delivery date: it left the seller."""
    if delivery is None:
        return False
    if delivery.get("sendDate") is not None or delivery.get("deliveredDate") is not None:
        return True
    return None


def _timestamp(moment: datetime) -> str:
    """`2022-04-11T15:21:44.000+09:00`: ISO-8601 with ms and offset (httpx sends + as %2B)."""
    return moment.astimezone(KST).isoformat(timespec="milliseconds")


def _optional_time(node: JsonNode | None) -> datetime | None:
    return None if node is None else node.as_datetime()


def _optional_text(node: JsonNode | None) -> str | None:
    return None if node is None else node.as_str()


def _text(node: JsonNode | None) -> str:
    return "" if node is None else node.as_str()
