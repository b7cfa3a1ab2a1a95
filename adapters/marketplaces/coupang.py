"""Coupang WING: cancel/return claims from the v6 returnRequests list (marketplaces.md §1.2).

One Claim per `returnItems[]` entry of a receipt. Which rows are results (SPEC §3 rule 1):
- 출고중지요청 (listed under RETURN with status RU, receiptStatus RELEASE_STOP_UNCHECKED) is a
  cancel request: holding the order is what stops the shipment.
- a completed return (RETURNS_COMPLETED) is RETURN/COMPLETED; a return still in progress
  (반품접수, 입고완료, 쿠팡확인요청) is not a result yet.
- a cancelType=CANCEL row is a 결제완료-stage cancel, refunded automatically: COMPLETED by
  default (the notes mark its statuses unconfirmed, so the state is a constructor option).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import httpx

from adapters.clock import SystemClock
from adapters.marketplaces._http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    HttpClaimSource,
    MarketplaceHttp,
    Timeouts,
    build_client,
)
from adapters.marketplaces._json import JsonNode
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._retry import RetryPolicy
from adapters.marketplaces._time import check_window, day_chunks
from adapters.marketplaces.coupang_auth import CoupangAuth
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.ports import Clock

COUPANG_BASE_URL = "https://api-gateway.coupang.com"
RETURN_REQUESTS_PATH = "/v2/providers/openapi/apis/api/v6/vendors/{vendor_id}/returnRequests"
MAX_QUERY_DAYS = 31  # "검색기간은 최대 31일입니다."
# "basically applied to sellers calling more than 10 times/second" (2023-07 notice)
COUPANG_RATE_LIMIT = RateLimit(10.0)

RELEASE_STOP_UNCHECKED = "RELEASE_STOP_UNCHECKED"  # 출고중지요청
RETURNS_COMPLETED = "RETURNS_COMPLETED"  # 반품완료
# returnItems[].releaseStatus: Y 출고됨, A 이미출고됨, N 미출고, S 출고중지됨
SHIPPED_BY_RELEASE_STATUS = {"Y": True, "A": True, "N": False, "S": False}


@dataclass(frozen=True)
class ReturnItem:
    vendor_item_id: str
    vendor_item_name: str
    purchase_count: int
    cancel_count: int
    release_status: str | None


@dataclass(frozen=True)
class Receipt:
    """One row of the returnRequests list, reduced to what claims need (plus v6 money)."""

    receipt_id: str
    order_id: str
    receipt_status: str
    created_at: datetime
    modified_at: datetime | None
    complete_confirm_date: datetime | None
    enclose_price: Decimal | None
    return_shipping_charge: Decimal | None  # + seller pays, - customer pays
    items: tuple[ReturnItem, ...]

    @property
    def changed_at(self) -> datetime:
        return self.modified_at or self.created_at


@dataclass(frozen=True)
class Page:
    receipts: list[Receipt]
    next_token: str  # "" on the last page


@dataclass(frozen=True)
class ListQuery:
    """One list to read per date range: cancelType plus, for RETURN, a status."""

    cancel_type: str
    status: str | None = None


class CoupangClaimSource(HttpClaimSource):
    """core.ports.ClaimSource for one Coupang vendor (WING account).

    The list filters on the receipt (접수) date, not on the last change, so a return filed
    days before it completes would never be seen by a window on its completion day. Each
    fetch therefore reads receipts from `lookback` before `start` and keeps those whose
    `modifiedAt` falls in [start, end).
    """

    def __init__(
        self,
        account: str,
        vendor_id: str,
        access_key: str,
        secret_key: str,
        *,
        base_url: str = COUPANG_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        rate_limit: RateLimit | None = COUPANG_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        lookback: timedelta = timedelta(days=14),
        query_days: int = 7,
        page_size: int = 50,
        return_statuses: Sequence[str] = ("RU", "CC"),
        completed_statuses: Collection[str] = (RETURNS_COMPLETED,),
        cancel_state: ClaimState = ClaimState.COMPLETED,
    ) -> None:
        if not 1 <= query_days <= MAX_QUERY_DAYS:
            raise ValueError(f"query_days must be 1..{MAX_QUERY_DAYS}")
        if page_size < 1 or lookback < timedelta(0):
            raise ValueError("page_size must be positive and lookback not negative")
        self.account = account
        self.marketplace = "coupang"
        self.max_window = timedelta(days=MAX_QUERY_DAYS)
        self.vendor_id = vendor_id
        clock = clock or SystemClock()
        client = build_client(
            base_url,
            timeouts=timeouts,
            auth=CoupangAuth(access_key, secret_key, clock=clock),
            headers={
                "X-Requested-By": vendor_id,
                "Content-Type": "application/json;charset=UTF-8",
            },
            transport=transport,
        )
        self._http = MarketplaceHttp(
            client,
            marketplace=self.marketplace,
            account=account,
            retry=retry,
            rate_limit=rate_limit,
            sleep=sleep,
            clock=clock,
            secrets=(access_key, secret_key),
        )
        self._path = RETURN_REQUESTS_PATH.format(vendor_id=quote(vendor_id, safe=""))
        self._lookback = lookback
        self._query_days = query_days
        self._page_size = page_size
        # status and cancelType=CANCEL may not be combined; RETURN needs a status (or orderId).
        self._queries = [ListQuery("RETURN", s) for s in return_statuses] + [ListQuery("CANCEL")]
        self._completed_statuses = frozenset(completed_statuses)
        self._cancel_state = cancel_state

    def __repr__(self) -> str:
        return f"CoupangClaimSource(account={self.account!r}, vendor_id={self.vendor_id!r})"

    def fetch_claims(self, start: datetime, end: datetime) -> list[Claim]:
        """Every claim line of a receipt that changed in [start, end); all or MarketplaceError."""
        return [claim for page in self.iter_claims(start, end) for claim in page]

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[list[Claim]]:
        """The same claims page by page, so the caller can work while the next page loads.
        The window is only complete once the iterator is exhausted."""
        check_window(start, end)
        seen: set[ClaimKey] = set()
        for first, last in day_chunks(start - self._lookback, end, self._query_days):
            for query in self._queries:
                for receipts in self._receipt_pages(first, last, query):
                    page: list[Claim] = []
                    for receipt in receipts:
                        if not start <= receipt.changed_at < end:
                            continue
                        # The same receipt may sit in two lists (RU and UC/CC); keep one.
                        for claim in self._claims(receipt, query):
                            if claim.key not in seen:
                                seen.add(claim.key)
                                page.append(claim)
                    if page:
                        yield page

    def _receipt_pages(
        self, first: date, last: date, query: ListQuery
    ) -> Iterator[Sequence[Receipt]]:
        """Day mode: every page, following the top-level nextToken until it is ""."""
        params: dict[str, str | int] = {
            "createdAtFrom": first.isoformat(),
            "createdAtTo": last.isoformat(),
        }
        if query.status is not None:
            params["status"] = query.status
        params["cancelType"] = query.cancel_type
        params["maxPerPage"] = self._page_size
        seen: set[str] = set()
        while True:
            page = self._http.call("GET", self._path, parse_page, params=params)
            yield page.receipts
            if not page.next_token:
                return
            if page.next_token in seen:
                raise self._http.error(
                    "paging does not advance (nextToken repeated)", f"GET {self._path}"
                )
            seen.add(page.next_token)
            params["nextToken"] = page.next_token

    def _claims(self, receipt: Receipt, query: ListQuery) -> list[Claim]:
        kind = self._classify(receipt, query)
        if kind is None:
            return []
        claim_type, state = kind
        completed_at = None
        if state is ClaimState.COMPLETED:
            completed_at = receipt.complete_confirm_date or receipt.changed_at
        return [
            Claim(
                marketplace=self.marketplace,
                account=self.account,
                claim_id=receipt.receipt_id,
                claim_type=claim_type,
                claim_state=state,
                marketplace_order_id=receipt.order_id,
                marketplace_item_id=item.vendor_item_id,
                cancel_qty=item.cancel_count,
                claimed_at=receipt.created_at,
                ordered_qty=item.purchase_count,
                completed_at=completed_at,
                shipped_hint=SHIPPED_BY_RELEASE_STATUS.get(item.release_status or ""),
                product_name=item.vendor_item_name,
            )
            for item in receipt.items
        ]

    def _classify(self, receipt: Receipt, query: ListQuery) -> tuple[ClaimType, ClaimState] | None:
        if query.cancel_type == "CANCEL":
            return ClaimType.CANCEL, self._cancel_state
        if receipt.receipt_status in self._completed_statuses:
            return ClaimType.RETURN, ClaimState.COMPLETED
        # A stop-shipment request is listed both as RU and as UC; the RU list is the signal.
        if receipt.receipt_status == RELEASE_STOP_UNCHECKED or query.status == "RU":
            return ClaimType.CANCEL, ClaimState.REQUESTED
        return None


def parse_page(body: JsonNode) -> Page:
    receipts = [parse_receipt(row) for row in body["data"].as_list()]
    token = body["nextToken"]  # top level, next to data; required so a lost one is not "done"
    return Page(receipts, "" if token.is_null() else token.as_str())


def parse_receipt(row: JsonNode) -> Receipt:
    status = row.get("receiptStatus")
    return Receipt(
        receipt_id=row["receiptId"].as_id(),
        order_id=row["orderId"].as_id(),
        # CANCEL rows' statuses are undocumented; they are classified by the list instead.
        receipt_status="" if status is None else status.as_str(),
        created_at=row["createdAt"].as_datetime(),
        modified_at=_optional_time(row, "modifiedAt"),
        complete_confirm_date=_optional_time(row, "completeConfirmDate"),
        enclose_price=_optional_money(row, "enclosePrice"),
        return_shipping_charge=_optional_money(row, "returnShippingCharge"),
        items=tuple(_parse_item(item) for item in row["returnItems"].as_list()),
    )


def _parse_item(item: JsonNode) -> ReturnItem:
    name = item.get("vendorItemName")
    release = item.get("releaseStatus")
    return ReturnItem(
        vendor_item_id=item["vendorItemId"].as_id(),
        vendor_item_name="" if name is None else name.as_str(),
        purchase_count=item["purchaseCount"].as_int(),
        cancel_count=item["cancelCount"].as_int(),
        release_status=None if release is None else release.as_str(),
    )


def _optional_time(row: JsonNode, key: str) -> datetime | None:
    node = row.get(key)
    if node is None or node.value == "":
        return None
    return node.as_datetime()  # naive (old docs) means KST; v6 samples carry an offset


def _optional_money(row: JsonNode, key: str) -> Decimal | None:
    """v6: `{currencyCode, units, nanos}`; v4: a plain number."""
    node = row.get(key)
    if node is None:
        return None
    if isinstance(node.value, dict):
        return Decimal(node["units"].as_int()) + Decimal(node["nanos"].as_int()) / 10**9
    return node.as_decimal()
