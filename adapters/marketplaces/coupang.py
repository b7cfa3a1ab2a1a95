"""Coupang WING: cancel/return claims from the v6 returnRequests list (marketplaces.md §1.2).

One Claim per `returnItems[]` entry of a receipt. Which rows are results (SPEC §3 rule 1):
- 출고중지요청 (listed under RETURN with status RU, receiptStatus RELEASE_STOP_UNCHECKED) is a
  cancel: its `releaseStopStatus` says how far it got.
  - 미처리 (or 비대상, or absent): REQUESTED. Holding the order is what stops the shipment.
  - 처리(출고중지): the seller stopped the shipment: the cancel is COMPLETED, nothing left.
  - 처리(이미출고) / 자동처리(이미출고): the goods had already left, so the request is closed
    without a cancel: WITHDRAWN (the one state that never holds an order; a hold placed while
    it was open is released, and SPEC rule 14 takes over once the order shows SHIPPED) with
    `shipped_hint=True`. What follows is a return, which the completed list reports.
  - anything else: REQUESTED, logged: holding an order by mistake costs less than shipping it.
- a completed return (RETURNS_COMPLETED) is RETURN/COMPLETED; a return still in progress
  (반품접수, 입고완료, 쿠팡확인요청) is not a result yet.
- a cancelType=CANCEL row is a 결제완료-stage cancel, refunded automatically: COMPLETED by
  default (the notes mark its statuses unconfirmed, so the state is a constructor option).

A receipt the adapter cannot read (a field missing or of the wrong type) is set aside by
itself (`set_aside`) and the rest of the window goes on; a page without `nextToken` ends
the paging with a warning. Only auth and transport failures (and a body that is not a
page at all) fail the window.

The list filters on the receipt (접수) date. A return filed weeks before it completes would
be missed by a short lookback, so the completed-returns list (status CC) reads the last
`completed_lookback_days` (31, the most one call may span) in one call; the other lists keep
the shorter `lookback` (14 days in 7-day ranges). A routine 5-minute pass makes 7 calls
(3 RU, 3 CANCEL, 1 CC), plus one per further page of 50.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

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
from adapters.marketplaces._time import KST, check_window, day_chunks
from adapters.marketplaces.checks import failed
from adapters.marketplaces.coupang_auth import CoupangAuth
from core.account_check import AccountCheck
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import Clock
from core.storable import time_problem

log = logging.getLogger(__name__)

COUPANG_BASE_URL = "https://api-gateway.coupang.com"
RETURN_REQUESTS_PATH = "/v2/providers/openapi/apis/api/v6/vendors/{vendor_id}/returnRequests"
MAX_QUERY_DAYS = 31  # "검색기간은 최대 31일입니다."
# "basically applied to sellers calling more than 10 times/second" (2023-07 notice)
COUPANG_RATE_LIMIT = RateLimit(10.0)

RELEASE_STOP_UNCHECKED = "RELEASE_STOP_UNCHECKED"  # 출고중지요청
RETURNS_COMPLETED = "RETURNS_COMPLETED"  # 반품완료
COMPLETED_RETURNS_STATUS = "CC"  # the list parameter for 반품완료
# returnItems[].releaseStatus: Y 출고됨, A 이미출고됨, N 미출고, S 출고중지됨
SHIPPED_BY_RELEASE_STATUS = {"Y": True, "A": True, "N": False, "S": False}
# releaseStopStatus, the receipt's 출고중지처리상태.
STOP_OPEN = frozenset({"미처리", "비대상", ""})
STOP_DONE = frozenset({"처리(출고중지)"})  # the shipment was stopped: the cancel is done
STOP_TOO_LATE = frozenset({"처리(이미출고)", "자동처리(이미출고)"})  # it had already left


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
    release_stop_status: str | None
    enclose_price: Decimal | None
    return_shipping_charge: Decimal | None  # + seller pays, - customer pays
    items: tuple[ReturnItem, ...]

    @property
    def changed_at(self) -> datetime:
        return self.modified_at or self.created_at


@dataclass(frozen=True)
class BadReceipt:
    """A row of the list that is not a receipt the adapter can read."""

    receipt_id: str  # "" when even that cannot be read
    reason: str
    record: object  # the row as decoded
    changed_at: datetime | None  # when it can be read: whether it belongs to a window


@dataclass(frozen=True)
class Page:
    receipts: list[Receipt]
    next_token: str  # "" on the last page
    bad: list[BadReceipt] = field(default_factory=list)
    token_missing: bool = False  # the page had no nextToken at all


@dataclass(frozen=True)
class ListQuery:
    """One list to read per date range: cancelType plus, for RETURN, a status."""

    cancel_type: str
    status: str | None = None


@dataclass(frozen=True)
class Kind:
    """What a receipt's rows mean: claim type, state, and (when the receipt itself says so)
    whether the goods had left, overriding each item's releaseStatus."""

    claim_type: ClaimType
    state: ClaimState
    shipped: bool | None = None


class CoupangClaimSource(HttpClaimSource):
    """core.ports.ClaimSource for one Coupang vendor (WING account).

    The list filters on the receipt (접수) date, not on the last change, so a claim filed
    days before it changes would never be seen by a window on the day it changes. Each
    fetch therefore reads receipts filed from `lookback` before `start` (the completed
    returns: at least the last `completed_lookback_days` days) and keeps those whose
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
        completed_lookback_days: int = MAX_QUERY_DAYS,
        query_days: int = 7,
        page_size: int = 50,
        return_statuses: Sequence[str] = ("RU", "CC"),
        completed_statuses: Collection[str] = (RETURNS_COMPLETED,),
        cancel_state: ClaimState = ClaimState.COMPLETED,
    ) -> None:
        if not 1 <= query_days <= MAX_QUERY_DAYS:
            raise ValueError(f"query_days must be 1..{MAX_QUERY_DAYS}")
        if completed_lookback_days < 1:
            raise ValueError("completed_lookback_days must be at least 1")
        if page_size < 1 or lookback < timedelta(0):
            raise ValueError("page_size must be positive and lookback not negative")
        self.account = account
        self.marketplace = "coupang"
        self.max_window = timedelta(days=MAX_QUERY_DAYS)
        self.vendor_id = vendor_id
        self.set_aside: list[SetAside] = []
        clock = self._clock = clock or SystemClock()
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
        self._completed_lookback_days = completed_lookback_days
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
        bad: dict[str, BadReceipt] = {}
        for query in self._queries:
            for first, last in self._ranges(query, start, end):
                for listed in self._receipt_pages(first, last, query):
                    for row in listed.bad:
                        if row.changed_at is None or start <= row.changed_at < end:
                            bad.setdefault(row.receipt_id or repr(row.record)[:200], row)
                    page: list[Claim] = []
                    for receipt in listed.receipts:
                        if not start <= receipt.changed_at < end:
                            continue
                        # The same receipt may sit in two lists (RU and UC/CC); keep one.
                        for claim in self._claims(receipt, query):
                            if claim.key not in seen:
                                seen.add(claim.key)
                                page.append(claim)
                    if page:
                        yield page
        for row in bad.values():  # once the whole window has been read
            set_aside(
                self.set_aside,
                account=self.account,
                marketplace=self.marketplace,
                claim_id=row.receipt_id,
                reason=row.reason,
                record=row.record,
                window=(start, end),
                redact=self._http.redact,
            )

    def _ranges(self, query: ListQuery, start: datetime, end: datetime) -> list[tuple[date, date]]:
        """The receipt dates one list reads for [start, end), in ranges one call may ask."""
        if start == end:
            return []
        if query.status != COMPLETED_RETURNS_STATUS:
            return day_chunks(start - self._lookback, end, self._query_days)
        # A return completes days or weeks after it was filed: read the last
        # `completed_lookback_days` of receipts (31 = one call) up to the window's last day.
        last_day = (end - timedelta(microseconds=1)).astimezone(KST).date()
        first_day = last_day - timedelta(days=self._completed_lookback_days - 1)
        since = datetime(first_day.year, first_day.month, first_day.day, tzinfo=KST)
        return day_chunks(min(start - self._lookback, since), end, MAX_QUERY_DAYS)

    def check(self) -> AccountCheck:
        """One call on the stop-shipment list for yesterday and today: it needs the keys,
        the vendor id and a registered IP."""
        today = self._clock.now().astimezone(KST).date()
        params = self._params(today - timedelta(days=1), today, ListQuery("RETURN", "RU"))
        try:
            page = self._http.call("GET", self._path, parse_page, params=params)
        except MarketplaceError as exc:
            return failed(exc, self.marketplace, _hint(exc))
        count = f"{len(page.receipts)}{'+' if page.next_token else ''}"
        return AccountCheck(
            ok=True, summary=f"OK, {count} stop-shipment receipt(s) since yesterday (status RU)"
        )

    def _params(self, first: date, last: date, query: ListQuery) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "createdAtFrom": first.isoformat(),
            "createdAtTo": last.isoformat(),
        }
        if query.status is not None:
            params["status"] = query.status
        params["cancelType"] = query.cancel_type
        params["maxPerPage"] = self._page_size
        return params

    def _receipt_pages(self, first: date, last: date, query: ListQuery) -> Iterator[Page]:
        """Day mode: every page, following the top-level nextToken until it is ""."""
        params = self._params(first, last, query)
        seen: set[str] = set()
        while True:
            page = self._http.call("GET", self._path, parse_page, params=params)
            yield page
            if page.token_missing:
                # Undocumented: read as the last page rather than fail the account for good.
                log.warning(
                    "coupang account %s: a page without nextToken (%s %s..%s); paging ends",
                    self.account,
                    query.status or query.cancel_type,
                    first,
                    last,
                )
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
        completed_at = None
        if kind.state is ClaimState.COMPLETED:
            completed_at = receipt.complete_confirm_date or receipt.changed_at
        return [
            Claim(
                marketplace=self.marketplace,
                account=self.account,
                claim_id=receipt.receipt_id,
                claim_type=kind.claim_type,
                claim_state=kind.state,
                marketplace_order_id=receipt.order_id,
                marketplace_item_id=item.vendor_item_id,
                cancel_qty=item.cancel_count,
                claimed_at=receipt.created_at,
                ordered_qty=item.purchase_count,
                completed_at=completed_at,
                shipped_hint=(
                    SHIPPED_BY_RELEASE_STATUS.get(item.release_status or "")
                    if kind.shipped is None
                    else kind.shipped
                ),
                product_name=item.vendor_item_name,
            )
            for item in receipt.items
        ]

    def _classify(self, receipt: Receipt, query: ListQuery) -> Kind | None:
        if query.cancel_type == "CANCEL":
            return Kind(ClaimType.CANCEL, self._cancel_state)
        if (receipt.release_stop_status or "") in STOP_DONE:
            # A stopped shipment (출고중지완료) moves the receipt to 반품완료, but nothing
            # left the seller: it is a cancel completed before shipping, not a return.
            return Kind(ClaimType.CANCEL, ClaimState.COMPLETED, shipped=False)
        if receipt.receipt_status in self._completed_statuses:
            return Kind(ClaimType.RETURN, ClaimState.COMPLETED)
        # A stop-shipment request is listed both as RU and as UC; the RU list is the signal.
        if receipt.receipt_status == RELEASE_STOP_UNCHECKED or query.status == "RU":
            return self._stop_shipment(receipt)
        return None

    def _stop_shipment(self, receipt: Receipt) -> Kind:
        stop = receipt.release_stop_status or ""
        if stop in STOP_DONE:
            return Kind(ClaimType.CANCEL, ClaimState.COMPLETED, shipped=False)
        if stop in STOP_TOO_LATE:
            return Kind(ClaimType.CANCEL, ClaimState.WITHDRAWN, shipped=True)
        if stop not in STOP_OPEN:
            log.warning(
                "coupang account %s: receipt %s has releaseStopStatus %r; kept as an open "
                "stop-shipment request",
                self.account,
                receipt.receipt_id,
                stop[:40],
            )
        return Kind(ClaimType.CANCEL, ClaimState.REQUESTED)


def _hint(error: MarketplaceError) -> str:
    text = str(error.args[0]) if error.args else ""
    if error.status == 401 and "expired" in text:
        return "Coupang refused the signing time: set this server's clock right (NTP)"
    if error.status == 401:
        return (
            "Coupang refused the signature: check the access and secret keys' variables; "
            "keys expire after 6 months (WING: 판매자정보 > 추가판매정보 > OPEN API 키 발급)"
        )
    if error.status == 400 and "vendor" in text.lower():
        return "vendor_id is not the WING vendor ID (A0…) these keys were issued for"
    if error.status == 403:
        return (
            "Coupang refused this server: register its outbound IP with the OPEN API key "
            "(WING: 판매자정보 > 추가판매정보 > OPEN API 키 발급)"
        )
    if error.status == 429:
        return "Coupang's rate limit: lower rate_limit_per_second, or wait some minutes"
    if error.status is None:
        return "no answer from Coupang: check the network, a proxy, or `base_url`"
    return "Coupang's own code and message above say what it refused"


def parse_page(body: JsonNode) -> Page:
    receipts: list[Receipt] = []
    bad: list[BadReceipt] = []
    data = body["data"]
    for i, value in enumerate(data.raw_list()):
        try:
            receipts.append(_quick_receipt(value))
            continue
        except (_Unusual, LookupError, TypeError, ValueError, ArithmeticError):
            pass  # the checked read below decides, and names the field
        row = JsonNode(value, f"{data.path}[{i}]")  # the path as_list() would give it
        try:
            receipts.append(parse_receipt(row))
        except GarbledBody as exc:  # this row only: the others are read
            bad.append(BadReceipt(_lenient_id(row), str(exc), row.value, _lenient_time(row)))
    if not body.has("nextToken"):  # top level, next to data
        return Page(receipts, "", bad, token_missing=True)
    token = body["nextToken"]
    return Page(receipts, "" if token.is_null() else token.as_str(), bad)


class _Unusual(Exception):
    """A row the quick read does not take as it is."""


def _quick_receipt(row: object) -> Receipt:
    """parse_receipt's answer for a well-formed row, without a JsonNode per field (most of
    a page's parsing time). Anything it does not expect raises, and the row goes through
    parse_receipt, whose answer (or GarbledBody) is the one that counts."""
    if type(row) is not dict:
        raise _Unusual
    status = row.get("receiptStatus")
    items = row["returnItems"]
    if type(items) is not list:
        raise _Unusual
    return Receipt(
        receipt_id=_quick_id(row["receiptId"]),
        order_id=_quick_id(row["orderId"]),
        receipt_status="" if status is None else _quick_str(status),
        created_at=_quick_time(row["createdAt"]),
        modified_at=_quick_optional_time(row.get("modifiedAt")),
        complete_confirm_date=_quick_optional_time(row.get("completeConfirmDate")),
        release_stop_status=_quick_optional_str(row.get("releaseStopStatus")),
        enclose_price=_quick_money(row.get("enclosePrice")),
        return_shipping_charge=_quick_money(row.get("returnShippingCharge")),
        items=tuple(_quick_item(item) for item in items),
    )


def _quick_item(item: object) -> ReturnItem:
    if type(item) is not dict:
        raise _Unusual
    name = item.get("vendorItemName")
    return ReturnItem(
        vendor_item_id=_quick_id(item["vendorItemId"]),
        vendor_item_name="" if name is None else _quick_str(name),
        purchase_count=_quick_int(item["purchaseCount"]),
        cancel_count=_quick_int(item["cancelCount"]),
        release_status=_quick_optional_str(item.get("releaseStatus")),
    )


def _quick_str(value: object) -> str:
    if type(value) is not str:
        raise _Unusual
    return value


def _quick_optional_str(value: object) -> str | None:
    return None if value is None else _quick_str(value)


def _quick_int(value: object) -> int:
    if type(value) is not int:  # bool is not a count
        raise _Unusual
    return value


def _quick_id(value: object) -> str:
    if type(value) is str and value:
        return value
    return str(_quick_int(value))


def _quick_time(value: object) -> datetime:
    moment = datetime.fromisoformat(_quick_str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    # No offset moves 1971-2198 out of 1970-2199 (time_problem's range): only ask beyond.
    if not 1971 <= moment.year <= 2198 and time_problem(moment):
        raise _Unusual
    return moment


def _quick_optional_time(value: object) -> datetime | None:
    return None if value is None or value == "" else _quick_time(value)


def _quick_money(value: object) -> Decimal | None:
    if value is None:
        return None
    if type(value) is dict:
        return Decimal(_quick_int(value["units"])) + Decimal(_quick_int(value["nanos"])) / 10**9
    if type(value) is int or type(value) is float:
        return Decimal(str(value))
    raise _Unusual


def _lenient_id(row: JsonNode) -> str:
    try:
        return row["receiptId"].as_id()
    except GarbledBody:
        return ""


def _lenient_time(row: JsonNode) -> datetime | None:
    try:
        return _optional_time(row, "modifiedAt") or row["createdAt"].as_datetime()
    except GarbledBody:
        return None


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
        release_stop_status=_optional_text(row, "releaseStopStatus"),
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


def _optional_text(row: JsonNode, key: str) -> str | None:
    node = row.get(key)
    return None if node is None else node.as_str()


def _optional_money(row: JsonNode, key: str) -> Decimal | None:
    """v6: `{currencyCode, units, nanos}`; v4: a plain number."""
    node = row.get(key)
    if node is None:
        return None
    if isinstance(node.value, dict):
        return Decimal(node["units"].as_int()) + Decimal(node["nanos"].as_int()) / 10**9
    return node.as_decimal()
