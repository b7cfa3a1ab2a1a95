"""G마켓 / 옥션 (ESM Trading API): approving a buyer's cancel request (취소승인, /51;
marketplace-actions.md §4.1).

`PUT /claim/v1/sa/Cancel/{OrderNo}` with `{"SiteType": 1 옥션 | 2 G마켓}` (the write pages'
numbering, unlike the Cancels list's 3 for G마켓), the same per-request JWT as the reads. It
acts on the whole OrderNo. `ResultCode` 0 is success; "이미 취소 승인 되었습니다." (8668, on
옥션 with BizRuleCode W8-2) is the documented repeat; 8668 "취소 승인 대상이 없습니다." (옥션
W8-1 "취소 가능한 주문상태가 아닙니다") is the refusal of an order that cannot be approved,
shipped ones included. G마켓 prefixes its messages with a Java exception's name
(`ShowAlertException$…`); the message shown is what follows it. The HTTP status of business
errors is undocumented: the body decides, and a 5xx is unclear like any other.

The re-read is the Cancels list asked by order number (Type 0, every status) for the days
from the claim's request on (the list wants a date range, at most 7 days). CancelStatus 1
취소요청 is open; 3 취소완료, 5 사이트 직권환불 and 6 송금 후 취소 are done; 4 취소철회 is
withdrawn; 2 취소중 is left undecided (None): the docs do not say whether it comes before or
after the seller's approval. Cancel rows do not say whether the order shipped.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any

import httpx

from adapters.marketplaces._actions import (
    Answer,
    HttpClaimActions,
    Kind,
    attempt,
    not_sent,
    settle,
)
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces._time import KST
from adapters.marketplaces.esm import (
    ALL_STATUSES,
    CANCELS,
    MAX_SENT_DAYS,
    NO_ROWS_CODE,
    EsmClaimSource,
    esm_error_detail,
)
from core.claims import ClaimState
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ClaimAtMarketplace,
)

APPROVE_PATH = "/claim/v1/sa/Cancel/{order_no}"
# SiteType of the claim write pages (/51, /56, /57): 1 옥션, 2 G마켓.
WRITE_SITE_TYPES = {"auction": 1, "gmarket": 2}
BY_ORDER_NO = 0  # Cancels' Type 0: 주문번호
ALREADY_DONE = "이미취소승인"  # "이미 취소 승인 되었습니다", spaces removed
_SUCCESS = frozenset({"0", "success"})
_EXCEPTION_PREFIX = re.compile(r"^[A-Za-z_][\w.]*Exception\$")
CANCEL_STATES: dict[int, tuple[ClaimState | None, str]] = {
    1: (ClaimState.REQUESTED, "취소요청"),
    2: (None, "취소중"),
    3: (ClaimState.COMPLETED, "취소완료"),
    4: (ClaimState.WITHDRAWN, "취소철회"),
    5: (ClaimState.COMPLETED, "사이트 직권환불"),
    6: (ClaimState.COMPLETED, "거래완료 후 환불"),
}


class EsmClaimActions(HttpClaimActions):
    """core.ports.ClaimActions for one ESM seller id on one site, on its claim source's
    client (the same JWT signing)."""

    def __init__(self, source: EsmClaimSource, *, write_site_type: int | None = None) -> None:
        super().__init__(source, source.account, source.marketplace)
        self._esm = source
        self._write_site_type = (
            WRITE_SITE_TYPES[source.marketplace] if write_site_type is None else write_site_type
        )

    def __repr__(self) -> str:
        return f"EsmClaimActions(account={self.account!r}, marketplace={self.marketplace!r})"

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        order_no = _order_no(request)
        if order_no is None:
            raise self._http.error(
                f"OrderNo must be a number, not {request.marketplace_order_id!r}",
                f"POST {CANCELS.path}",
            )
        first = request.claimed_at.astimezone(KST).date()
        body = {
            "SiteType": self._esm.site_type(CANCELS),
            CANCELS.status_field: ALL_STATUSES,
            "Type": BY_ORDER_NO,
            "OrderNo": int(order_no),
            "StartDate": first.isoformat(),
            "EndDate": (first + timedelta(days=MAX_SENT_DAYS - 1)).isoformat(),
        }
        found = self._http.call("POST", CANCELS.path, partial(claim_at_esm, order_no), json=body)
        if isinstance(found, ClaimAtMarketplace):
            return found
        code, message = found
        raise self._http.error(
            message or "error without a Message", f"POST {CANCELS.path}", code=code, status=200
        )

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        order_no = _order_no(request)
        if order_no is None:
            return not_sent(f"OrderNo must be a number, not {request.marketplace_order_id!r}")
        path = APPROVE_PATH.format(order_no=order_no)
        body = {"SiteType": self._write_site_type}
        reply = attempt(self._http, lambda: self._http.send_once("PUT", path, json=body))
        answer = reply if isinstance(reply, Answer) else approve_answer(reply)
        return settle(
            answer,
            lambda: self.read_claim(request),
            http=self._http,
            request=request,
            action=ActionKind.ACCEPT_CANCEL.value,
        )


def _order_no(request: ActionRequest) -> str | None:
    order_no = request.marketplace_order_id.strip()
    return order_no if order_no.isascii() and order_no.isdigit() else None


def shown(message: str) -> str:
    """ESM's message without G마켓's `ShowAlertException$` (a Java class name) in front."""
    return _EXCEPTION_PREFIX.sub("", message, count=1)


def approve_answer(response: httpx.Response) -> Answer:
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "ResultCode" not in body:
        code, message = esm_error_detail(response)
        message = shown(message) or f"HTTP {status}"
        kind = Kind.REFUSED if 400 <= status < 500 else Kind.UNCLEAR
        return Answer(kind, code, message, status)
    code = str(body["ResultCode"])
    rule = body.get("BizRuleCode")  # 옥션's business rule code, e.g. W8-2
    label = f"{code}/{rule}" if rule else code
    message = shown("" if body.get("Message") is None else str(body["Message"]))
    if status >= 500:
        return Answer(Kind.UNCLEAR, label, message or f"HTTP {status}", status)
    if code.lower() in _SUCCESS and response.is_success:
        return Answer(Kind.APPLIED, label, message, status)
    if ALREADY_DONE in "".join(message.split()):
        return Answer(Kind.ALREADY_DONE, label, message, status)
    return Answer(Kind.REFUSED, label, message or f"ResultCode {code}", status)


def claim_at_esm(order_no: str, body: JsonNode) -> ClaimAtMarketplace | tuple[str, str]:
    """The OrderNo's cancel as the Cancels list shows it; (ResultCode, Message) for an error
    answer. A cancel withdrawn and asked again has several rows: the latest request wins."""
    code = body["ResultCode"].as_id()
    message_node = body.get("Message")
    message = "" if message_node is None else str(message_node.value)
    if code.lower() not in _SUCCESS:
        if code == NO_ROWS_CODE and "정보가없습니다" in "".join(message.split()):
            return ClaimAtMarketplace(False, None, None, f"Cancels: {message}")
        return code, message
    data = body.get("Data")
    rows = [] if data is None else [r for r in data.as_list() if r["OrderNo"].as_id() == order_no]
    if not rows:
        return ClaimAtMarketplace(False, None, None, f"Cancels lists no cancel of {order_no}")
    row = max(rows, key=lambda r: _text(r.get("RequestDate")))
    status_text = row["CancelStatus"].as_id()
    try:
        status = int(status_text)
    except ValueError:
        raise GarbledBody(f"{row.path}.CancelStatus: expected an integer") from None
    state, name = CANCEL_STATES.get(status, (None, "undocumented"))
    return ClaimAtMarketplace(True, state, None, f"CancelStatus {status} ({name})")


def _text(node: JsonNode | None) -> str:
    return "" if node is None or not isinstance(node.value, str) else node.value
