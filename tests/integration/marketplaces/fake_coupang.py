"""A stateful fake of Coupang's v6 returnRequests list (marketplaces.md §1.2, §1.4), its
single-receipt read, and the 출고중지완료 write (marketplace-actions.md §1.1).

It checks the CEA signature the way the gateway does (re-signs the received method, path and
raw query with the known secret key; both comma styles; stale signed-date refused), validates
the parameters with the documented 400 messages, and pages day-mode answers through a
top-level nextToken. Error body shapes are not documented; `{"code", "message", "data"}` is
an assumption shared with the adapter's generic error reader.

출고중지완료 (`PUT` or `PATCH …/v4/vendors/{vendorId}/returnRequests/{receiptId}/stoppedShipment`,
body `{vendorId, receiptId, cancelCount}`) is a state machine on the receipt:
- an open stop-shipment request (releaseStopStatus 미처리, no line released) is applied:
  releaseStopStatus 처리(출고중지), receiptStatus RETURNS_COMPLETED, lines S, and the answer
  `{"code": "200", "message": "OK", "data": {"resultCode": "SUCCESS", …}}`;
- a processed one (처리(출고중지) or 처리/자동처리(이미출고)): 400 `이미 반품이 완료 되었습니다.`;
- cancelCount other than cancelCountSum: 400 `취소반품접수수량과 cancelCount가 일치하지 않습니다.`;
- a line released (releaseStatus Y or A): HTTP 500 `출고 되어 처리할 수 없습니다.`, or, once the
  receipt is in `delivered`, 400 `상품준비 중 또는 배송지시 상태가 아닙니다. 배송완료`;
- an unknown receipt: 400 with the single read's "cannot find the Receipt" message.
`writes` counts the write requests received.

Assumptions (undocumented): which states give which refusal beyond the doc's error table
(above); that a processed 이미출고 receipt answers "이미 반품이 완료" too; that 출고중지완료
moves the receipt to 반품완료 (the workflow page; the notes leave it open); a stop-shipment
receipt stays in the RU list once processed (its `releaseStopStatus` says how: the official
sample shows 처리(이미출고) on a receipt already in 반품접수), and a caller IP that is not
registered gets HTTP 403 with the body
`{"code": "ERROR", "message": "허용되지 않은 IP 입니다."}` (`ip_allowed=False`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from core.ports import Clock

from .faults import FakeApp, Fault

KST_OFFSET = timedelta(hours=9)
PATH = re.compile(r"/v2/providers/openapi/apis/api/v6/vendors/([^/]+)/returnRequests")
RECEIPT_PATH = re.compile(r"/v2/providers/openapi/apis/api/v6/vendors/([^/]+)/returnRequests/(\d+)")
STOP_PATH = re.compile(
    r"/v2/providers/openapi/apis/api/v4/vendors/([^/]+)/returnRequests/(\d+)/stoppedShipment"
)
NO_RECEIPT = "ReceiptId doesn't belong to the vendorId, or cannot find the Receipt by the given id"
AUTH = re.compile(
    r"CEA algorithm=HmacSHA256, ?access-key=([^,]+), ?signed-date=(\d{6}T\d{6}Z), ?"
    r"signature=([0-9a-f]{64})"
)
# releaseStopStatus of a stop-shipment request that has been processed.
STOP_PROCESSED = {"처리(이미출고)", "처리(출고중지)", "자동처리(이미출고)"}
# The list's `status` parameter -> the receiptStatus values it selects.
STATUS_FILTER = {
    "RU": {"RELEASE_STOP_UNCHECKED"},
    "UC": {"RETURNS_UNCHECKED", "VENDOR_WAREHOUSE_CONFIRM"},
    "CC": {"RETURNS_COMPLETED"},
    "PR": {"REQUEST_COUPANG_CHECK"},
}
# (receiptType, receiptStatus, releaseStatus) by receipt number, repeating.
RECEIPT_KINDS = [
    ("RETURN", "RETURNS_COMPLETED", "Y"),
    ("RETURN", "RELEASE_STOP_UNCHECKED", "N"),
    ("RETURN", "RETURNS_UNCHECKED", "Y"),
    ("CANCEL", None, "N"),
    ("RETURN", "VENDOR_WAREHOUSE_CONFIRM", "Y"),
]


def error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"code": "ERROR", "message": message, "data": None})


def make_receipts(
    n: int, first: datetime, every: timedelta = timedelta(hours=5)
) -> list[dict[str, Any]]:
    """`n` receipts, one every `every` from `first` (aware), deterministic. Even receipts use
    the old naive KST timestamps, odd ones the v6 form with micros and offset; every third has
    two items; completed ones are modified a day after receipt."""
    receipts = []
    for i in range(n):
        receipt_type, status, release = RECEIPT_KINDS[i % len(RECEIPT_KINDS)]
        created = first + i * every
        modified = created + timedelta(days=1) if status == "RETURNS_COMPLETED" else created
        items = [_item(i, k, release) for k in range(2 if i % 3 == 0 else 1)]
        receipt: dict[str, Any] = {
            "receiptId": 400_000_000 + i,
            "orderId": 13_000_000_000_000 + i,
            "paymentId": 14_000_000_000_000 + i,
            "receiptType": receipt_type,
            "createdAt": _stamp(created, v6=i % 2 == 1),
            "modifiedAt": _stamp(modified, v6=i % 2 == 1),
            "cancelCountSum": sum(item["cancelCount"] for item in items),
            "releaseStopStatus": "미처리" if status == "RELEASE_STOP_UNCHECKED" else "비대상",
            "enclosePrice": {"currencyCode": "KRW", "units": 0, "nanos": 0},
            "returnShippingCharge": {"currencyCode": "KRW", "units": -3000, "nanos": 0},
            "completeConfirmType": "VENDOR_CONFIRM"
            if status == "RETURNS_COMPLETED"
            else "UNDEFINED",
            "completeConfirmDate": _stamp(modified, v6=False)
            if status == "RETURNS_COMPLETED"
            else "",
            "returnItems": items,
            "returnDeliveryDtos": [],
        }
        if status is not None:  # CANCEL rows' statuses are undocumented: leave them out
            receipt["receiptStatus"] = status
        receipts.append(receipt)
    return receipts


def make_stop_request(
    receipt_id: int, created: datetime, *, lines: int = 2, released: bool = False
) -> dict[str, Any]:
    """One open 출고중지요청 receipt (v6 stamps) with `lines` lines of 1, 2, … units, none
    released unless `released` (the parcel has left)."""
    receipt = make_receipts(2, created)[1]  # the second kind is an open stop-shipment request
    items = [_item(receipt_id % 1000, k, "Y" if released else "N") for k in range(lines)]
    return receipt | {
        "receiptId": receipt_id,
        "orderId": 13_100_000_000_000 + receipt_id,
        "createdAt": _stamp(created, v6=True),
        "modifiedAt": _stamp(created, v6=True),
        "returnItems": items,
        "cancelCountSum": sum(item["cancelCount"] for item in items),
    }


def _item(i: int, k: int, release: str) -> dict[str, Any]:
    return {
        "vendorItemId": 70_000_000_000 + i * 10 + k,
        "vendorItemName": f"상품 {i}-{k}, 블랙, L",
        "purchaseCount": 2 + k,
        "cancelCount": 1 + k,
        "shipmentBoxId": 900_000_000_000_000_000 + i,
        "sellerProductId": 12_000_000 + i,
        "sellerProductName": f"상품 {i}",
        "releaseStatus": release,
        "cancelCompleteUser": None,
    }


def _stamp(moment: datetime, *, v6: bool) -> str:
    kst = moment.astimezone(UTC) + KST_OFFSET
    if v6:
        return kst.replace(tzinfo=None).isoformat(timespec="microseconds") + "+09:00"
    return kst.replace(tzinfo=None).isoformat(timespec="seconds")


def receipt_date(receipt: Mapping[str, Any]) -> date:
    """The KST calendar day a receipt was filed (what createdAtFrom/To filter on)."""
    parsed = datetime.fromisoformat(receipt["createdAt"])
    if parsed.tzinfo is None:
        return parsed.date()
    return (parsed.astimezone(UTC) + KST_OFFSET).date()


def _listed_under(receipt: Mapping[str, Any], status: str) -> bool:
    if receipt.get("receiptStatus") in STATUS_FILTER[status]:
        return True
    return status == "RU" and receipt.get("releaseStopStatus") in STOP_PROCESSED


class FakeCoupang(FakeApp):
    def __init__(
        self,
        *,
        clock: Clock,
        vendor_id: str = "A00012345",
        access_key: str = "ak-0f1e2d3c",
        secret_key: str = "sk-5a6b7c8d-secret",
        receipts: list[dict[str, Any]] | None = None,
        max_skew: timedelta = timedelta(minutes=5),
        ip_allowed: bool = True,
        faults: Mapping[int, Fault] | None = None,
    ) -> None:
        super().__init__(clock, faults)
        self.ip_allowed = ip_allowed
        self.vendor_id = vendor_id
        self.access_key = access_key
        self.secret_key = secret_key
        self.receipts = list(receipts or [])
        self.max_skew = max_skew
        self.delivered: set[str] = set()  # receipt ids whose parcel reached the buyer
        self.writes = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.ip_allowed:
            return error(403, "허용되지 않은 IP 입니다.")
        refused = self._check_signature(request)
        if refused is not None:
            return refused
        path = request.url.path
        match = PATH.fullmatch(path) or RECEIPT_PATH.fullmatch(path) or STOP_PATH.fullmatch(path)
        if match is None:
            return error(404, "Not Found")
        if match[1] != self.vendor_id or request.headers.get("X-Requested-By") != self.vendor_id:
            return error(400, "Invalid vendor ID")
        if match.re is STOP_PATH and request.method in ("PUT", "PATCH"):
            self.writes += 1
            return self._stop_shipment(match[2], request)
        if request.method != "GET" or match.re is STOP_PATH:
            return error(405, "Method Not Allowed")
        if match.re is RECEIPT_PATH:
            return self._single(match[2])
        return self._list(request.url.params)

    def receipt(self, receipt_id: str) -> dict[str, Any] | None:
        return next((r for r in self.receipts if str(r["receiptId"]) == receipt_id), None)

    def _single(self, receipt_id: str) -> httpx.Response:
        receipt = self.receipt(receipt_id)
        if receipt is None or receipt["receiptType"] != "RETURN":  # 취소번호는 지원되지 않습니다
            return error(400, NO_RECEIPT)
        return httpx.Response(200, json={"code": "200", "message": "OK", "data": [receipt]})

    def _stop_shipment(self, receipt_id: str, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
            count = body["cancelCount"]
            same = body["vendorId"] == self.vendor_id and str(body["receiptId"]) == receipt_id
        except (ValueError, KeyError, TypeError) as exc:
            return error(400, f"Invalid request body: {exc!r}")
        receipt = self.receipt(receipt_id)
        if receipt is None or not same or receipt["receiptType"] != "RETURN":
            return error(400, NO_RECEIPT)
        if receipt.get("releaseStopStatus") in STOP_PROCESSED:
            return error(400, "이미 반품이 완료 되었습니다.")
        if count != receipt["cancelCountSum"]:
            return error(400, "취소반품접수수량과 cancelCount가 일치하지 않습니다.")
        if any(item["releaseStatus"] in ("Y", "A") for item in receipt["returnItems"]):
            if receipt_id in self.delivered:
                return error(400, "상품준비 중 또는 배송지시 상태가 아닙니다. 배송완료")
            return error(500, "출고 되어 처리할 수 없습니다.")
        now = _stamp(self.clock.now(), v6=True)
        receipt |= {
            "receiptStatus": "RETURNS_COMPLETED",
            "releaseStopStatus": "처리(출고중지)",
            "modifiedAt": now,
            "completeConfirmType": "VENDOR_CONFIRM",
            "completeConfirmDate": _stamp(self.clock.now(), v6=False),
        }
        for item in receipt["returnItems"]:
            item["releaseStatus"] = "S"
        result = {"resultCode": "SUCCESS", "resultMessage": "출고중지완료요청이 성공하였습니다"}
        return httpx.Response(200, json={"code": "200", "message": "OK", "data": result})

    def _check_signature(self, request: httpx.Request) -> httpx.Response | None:
        match = AUTH.fullmatch(request.headers.get("Authorization", ""))
        if match is None or match[1] != self.access_key:
            return error(401, "Invalid signature.")
        signed = datetime.strptime(match[2], "%y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if abs(self.clock.now() - signed) > self.max_skew:
            return error(401, "Specified signature is expired")
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        message = f"{match[2]}{request.method}{path}{query}"
        expected = hmac.new(self.secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match[3]):
            return error(401, "Invalid signature.")
        return None

    def _list(self, params: httpx.QueryParams) -> httpx.Response:
        if params.get("searchType") is not None:
            return error(400, "fake: only day mode (no searchType) is implemented")
        cancel_type = params.get("cancelType", "RETURN")
        status = params.get("status")
        if cancel_type not in ("RETURN", "CANCEL") or (status and status not in STATUS_FILTER):
            return error(400, f"Invalid parameter: cancelType={cancel_type} status={status}")
        if cancel_type == "CANCEL" and status:
            return error(400, "status can't be used with cancelType CANCEL")
        if cancel_type == "RETURN" and not status and not params.get("orderId"):
            return error(400, "OrderId can't be null , if doesn't pass the parameter status")
        try:
            first = date.fromisoformat(params["createdAtFrom"])
            last = date.fromisoformat(params["createdAtTo"])
            offset = int(params.get("nextToken") or "0")
            size = int(params.get("maxPerPage", "50"))
        except (KeyError, ValueError) as exc:
            return error(400, f"Invalid parameter: {exc}")
        if last < first:
            return error(
                400, f"검색기간의 끝이 시작 보다 앞섭니다. SearchPeriod={(last - first).days}"
            )
        if (last - first).days + 1 > 31:
            return error(400, "검색기간은 최대 31일입니다.")
        order_id = params.get("orderId")
        rows = [
            r
            for r in self.receipts
            if r["receiptType"] == cancel_type
            and first <= receipt_date(r) <= last
            and (not order_id or str(r["orderId"]) == order_id)
            and (not status or _listed_under(r, status))
        ]
        page = rows[offset : offset + size]
        more = offset + size < len(rows)
        return httpx.Response(
            200,
            json={
                "code": 200,
                "message": "OK",
                "data": page,
                "nextToken": str(offset + size) if more else "",
            },
        )
