"""Coupang WING: accepting a buyer's stop-shipment request (출고중지완료,
marketplace-actions.md §1.1).

`PUT /v2/providers/openapi/apis/api/v4/vendors/{vendorId}/returnRequests/{receiptId}/
stoppedShipment` with `{vendorId, receiptId, cancelCount}`. It acts on the whole receipt,
every line of it, and `cancelCount` must be the receipt's total (`cancelCountSum`) or it is
refused; cancelbot stores one result per line, so the total is read from the receipt itself
(`GET …/v6/vendors/{vendorId}/returnRequests/{receiptId}`, a read, retried like any read)
just before the write. The same single-receipt read is the re-read.

Success is `data.resultCode` SUCCESS, whatever the status. The documented refusals are 400s
(`이미 반품이 완료 되었습니다.`: already done; `상품준비 중 또는 배송지시 상태가 아닙니다.
배송완료`: delivered) and one business error as HTTP 500 (`출고 되어 처리할 수 없습니다.`),
which, like any 5xx, is settled by the re-read. The docs list the method as "PATCH PUT";
third-party clients send PUT, as this does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from adapters.marketplaces._actions import (
    Answer,
    HttpClaimActions,
    Kind,
    attempt,
    not_sent,
    settle,
)
from adapters.marketplaces._http import json_error_detail
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces.coupang import (
    RELEASE_STOP_UNCHECKED,
    RETURN_REQUESTS_PATH,
    SHIPPED_BY_RELEASE_STATUS,
    STOP_DONE,
    STOP_TOO_LATE,
    CoupangClaimSource,
    Receipt,
    ReturnItem,
    parse_receipt,
)
from core.claims import ClaimState
from core.errors import MarketplaceError
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ClaimAtMarketplace,
)

STOPPED_SHIPMENT_PATH = (
    "/v2/providers/openapi/apis/api/v4/vendors/{vendor_id}/returnRequests/{receipt_id}"
    "/stoppedShipment"
)
RETURNS_UNCHECKED = "RETURNS_UNCHECKED"  # 반품접수: 출고중지완료 still applies if not released
# The documented answers, compared without spaces.
ALREADY_DONE = "이미반품이완료"  # "이미 반품이 완료 되었습니다."
NO_RECEIPT = "cannot find the Receipt"  # the single-receipt read's 400 for a withdrawn one


@dataclass(frozen=True)
class StopRequest:
    receipt: Receipt
    cancel_count_sum: int  # what cancelCount must be: the receipt's total


class CoupangClaimActions(HttpClaimActions):
    """core.ports.ClaimActions for one Coupang vendor, on its claim source's client."""

    def __init__(self, source: CoupangClaimSource) -> None:
        super().__init__(source, source.account, source.marketplace)
        self._vendor_id = source.vendor_id
        vendor = quote(source.vendor_id, safe="")
        self._receipt_path = RETURN_REQUESTS_PATH.format(vendor_id=vendor) + "/{receipt_id}"
        self._stop_path = STOPPED_SHIPMENT_PATH.replace("{vendor_id}", vendor)

    def __repr__(self) -> str:
        return f"CoupangClaimActions(account={self.account!r}, vendor_id={self._vendor_id!r})"

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        receipt_id = self._receipt_id(request)
        if receipt_id is None:
            raise self._http.error(
                f"receiptId must be a number, not {request.claim_id!r}",
                f"GET {self._receipt_path}",
            )
        stop = self._read(receipt_id)
        if stop is None:
            return ClaimAtMarketplace(
                found=False,
                claim_state=None,
                shipped=None,
                detail="no such receipt (withdrawn by the buyer, or not this vendor's)",
            )
        return claim_at_coupang(stop.receipt)

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        receipt_id = self._receipt_id(request)
        if receipt_id is None:
            return not_sent(f"receiptId must be a number, not {request.claim_id!r}")
        try:
            stop = self._read(receipt_id)
        except MarketplaceError as exc:
            return not_sent("the receipt's total could not be read", exc)
        if stop is None:
            return not_sent("Coupang no longer shows the receipt")
        path = self._stop_path.format(receipt_id=receipt_id)
        body = {
            "vendorId": self._vendor_id,
            "receiptId": int(receipt_id),
            "cancelCount": stop.cancel_count_sum,
        }
        reply = attempt(self._http, lambda: self._http.send_once("PUT", path, json=body))
        answer = reply if isinstance(reply, Answer) else stopped_shipment_answer(reply)
        return settle(
            answer,
            lambda: self.read_claim(request),
            http=self._http,
            request=request,
            action=ActionKind.ACCEPT_CANCEL.value,
        )

    @staticmethod
    def _receipt_id(request: ActionRequest) -> str | None:
        # "ReceiptId는 반드시 number타입이어야 합니다."
        claim_id = request.claim_id.strip()
        return claim_id if claim_id.isascii() and claim_id.isdigit() else None

    def _read(self, receipt_id: str) -> StopRequest | None:
        """The receipt, or None when Coupang says there is no such receipt (400)."""
        path = self._receipt_path.format(receipt_id=receipt_id)
        try:
            return self._http.call("GET", path, lambda body: parse_single(body, receipt_id))
        except MarketplaceError as exc:
            if exc.status == 400 and NO_RECEIPT.lower() in str(exc).lower():
                return None
            raise


def parse_single(body: JsonNode, receipt_id: str) -> StopRequest | None:
    """The single-receipt answer: `data` is documented as an array (one receipt); an
    object is taken as that receipt too."""
    data = body["data"]
    rows = [data] if isinstance(data.value, dict) else data.as_list()
    for row in rows:
        if row["receiptId"].as_id() == receipt_id:
            return StopRequest(parse_receipt(row), row["cancelCountSum"].as_int())
    if rows:
        raise GarbledBody(f"{data.path}: receipt {receipt_id} is not in the answer")
    return None


def claim_at_coupang(receipt: Receipt) -> ClaimAtMarketplace:
    """A stop-shipment receipt read the way the claim source reads it (coupang.py)."""
    stop = receipt.release_stop_status or ""
    shipped = _shipped(receipt.items)
    detail = f"receiptStatus {receipt.receipt_status or '-'}, releaseStopStatus {stop or '-'}"
    if shipped:  # which lines left, so a refusal says why
        released = sorted({item.release_status or "-" for item in receipt.items})
        detail += f", releaseStatus {'/'.join(released)}"
    if stop in STOP_DONE:
        return ClaimAtMarketplace(True, ClaimState.COMPLETED, False, detail)
    if stop in STOP_TOO_LATE:
        return ClaimAtMarketplace(True, ClaimState.WITHDRAWN, True, detail)
    if receipt.receipt_status == RELEASE_STOP_UNCHECKED or (
        receipt.receipt_status == RETURNS_UNCHECKED and shipped is False
    ):
        return ClaimAtMarketplace(True, ClaimState.REQUESTED, shipped, detail)
    return ClaimAtMarketplace(True, None, shipped, detail)


def _shipped(items: Sequence[ReturnItem]) -> bool | None:
    """Any line released (Y 출고됨, A 이미출고됨): shipped; every line N or S: not."""
    seen = {SHIPPED_BY_RELEASE_STATUS.get(item.release_status or "") for item in items}
    if True in seen:
        return True
    return False if seen == {False} else None


def stopped_shipment_answer(response: httpx.Response) -> Answer:
    status = response.status_code
    if response.is_success:
        try:
            data = JsonNode(response.json())["data"]
            result = data["resultCode"].as_str()
            node = data.get("resultMessage")
            message = "" if node is None else node.as_str()
        except (ValueError, GarbledBody):
            return Answer(Kind.UNCLEAR, "", f"HTTP {status} without data.resultCode", status)
        if result == "SUCCESS":
            return Answer(Kind.APPLIED, result, message, status)
        kind = Kind.ALREADY_DONE if ALREADY_DONE in "".join(message.split()) else Kind.REFUSED
        return Answer(kind, result, message, status)
    code, message = json_error_detail(response)
    message = message or f"HTTP {status}"
    if status >= 500:
        return Answer(Kind.UNCLEAR, code, message, status)
    kind = Kind.ALREADY_DONE if ALREADY_DONE in "".join(message.split()) else Kind.REFUSED
    return Answer(kind, code, message, status)
