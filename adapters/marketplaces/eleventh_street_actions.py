"""11번가 (11st): approving a buyer's cancel request (주문취소 승인처리, apiSeq 1640;
marketplace-actions.md §3.1).

`GET /rest/claimservice/cancelreqconf/{ordPrdCnSeq}/{ordNo}/{ordPrdSeq}`: a write sent as a
GET, which any layer treating GET as safe would retry; this one is sent once. The answer is
XML, root `ResultOrder`: `result_code` 0 is success ("전체 1건이 정상적으로 취소처리가
되었습니다."); `-1` "이미 취소 완료된 신청건 입니다." is the documented repeat; other negative
codes are refusals (-22001…-22004 unknown seller/order/line/claim, -1000 maintenance).

The re-read is one call for the order: `orderlistall/{ordNo}` (apiSeq 1774), read for the
claim's line by its status name (`ordPrdStatNm`; of the codes only 202 결제완료 is
documented): 취소신청 is the open request, 취소완료 the accepted one; 결제완료/배송준비중
with nothing cancelled means the request is gone (withdrawn); with part of the line
cancelled it cannot tell which claim did it (None); 배송중 and later mean shipped. The
line, not the claim, is what this list shows: the claim number is not in it.
"""

from __future__ import annotations

from functools import partial
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
from adapters.marketplaces._json import GarbledBody
from adapters.marketplaces._xml import XmlNode, parse_xml
from adapters.marketplaces.eleventh_street import (
    NO_ROWS_TEXTS,
    EleventhStreetClaimSource,
    eleventh_street_error_detail,
)
from core.claims import ClaimState
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ClaimAtMarketplace,
)

APPROVE_PATH = "/rest/claimservice/cancelreqconf/{claim}/{order}/{line}"
ORDER_STATUS_PATH = "/rest/claimservice/orderlistall/{order}"
ALREADY_DONE = "이미취소완료"  # "이미 취소 완료된 신청건 입니다.", spaces removed
# ordPrdStatNm (spaces removed) -> the cancel request's state; see the module docstring.
REQUESTED_NAMES = frozenset({"취소신청"})
COMPLETED_NAMES = frozenset({"취소완료"})
NOT_SHIPPED_NAMES = frozenset({"결제완료", "배송준비중", "발송준비중", "발주확인"})
SHIPPED_WORDS = ("배송중", "배송완료", "구매확정", "반품", "교환")


class EleventhStreetClaimActions(HttpClaimActions):
    """core.ports.ClaimActions for one 11st seller, on its claim source's client (key)."""

    def __init__(self, source: EleventhStreetClaimSource) -> None:
        super().__init__(source, source.account, source.marketplace)

    def __repr__(self) -> str:
        return f"EleventhStreetClaimActions(account={self.account!r})"

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        order, line = request.marketplace_order_id.strip(), request.marketplace_item_id.strip()
        path = ORDER_STATUS_PATH.format(order=quote(order, safe=""))
        if not order or not line:
            raise self._http.error("the claim has no ordNo or ordPrdSeq", f"GET {path}")
        found = self._http.call_bytes("GET", path, partial(claim_at_11st, line))
        if isinstance(found, ClaimAtMarketplace):
            return found
        code, text = found
        raise self._http.error(text or "error without a result_text", f"GET {path}", code=code)

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        ids = (request.claim_id, request.marketplace_order_id, request.marketplace_item_id)
        if not all(part.strip() for part in ids):
            return not_sent("the claim needs ordPrdCnSeq, ordNo and ordPrdSeq")
        claim, order, line = (quote(part.strip(), safe="") for part in ids)
        path = APPROVE_PATH.format(claim=claim, order=order, line=line)
        reply = attempt(self._http, lambda: self._http.send_once("GET", path))
        answer = reply if isinstance(reply, Answer) else approve_answer(reply)
        return settle(
            answer,
            lambda: self.read_claim(request),
            http=self._http,
            request=request,
            action=ActionKind.ACCEPT_CANCEL.value,
        )


def approve_answer(response: httpx.Response) -> Answer:
    status = response.status_code
    if not response.is_success:
        code, message = eleventh_street_error_detail(response)
        kind = Kind.UNCLEAR if status >= 500 else Kind.REFUSED
        return Answer(kind, code, message or f"HTTP {status}", status)
    try:
        root = parse_xml(response.content, response.charset_encoding)
    except GarbledBody as exc:
        return Answer(Kind.UNCLEAR, "", f"HTTP {status}, unreadable answer ({exc})", status)
    code_node, text_node = root.get("result_code"), root.get("result_text")
    if code_node is None:
        return Answer(Kind.UNCLEAR, "", f"HTTP {status} without a result_code", status)
    code, text = code_node.text, "" if text_node is None else text_node.text
    if code == "0":
        return Answer(Kind.APPLIED, code, text, status)
    if ALREADY_DONE in "".join(text.split()):
        return Answer(Kind.ALREADY_DONE, code, text, status)
    return Answer(Kind.REFUSED, code, text, status)


def claim_at_11st(line: str, response: httpx.Response) -> ClaimAtMarketplace | tuple[str, str]:
    """The claim's line in `orderlistall`; (result_code, result_text) for an error answer."""
    root = parse_xml(response.content, response.charset_encoding)
    rows = root.children("order")
    code, text = root.get("result_code"), root.get("result_text")
    if not rows and code is not None:
        words = "".join(("" if text is None else text.text).split()).rstrip(".")
        if any(t in words for t in NO_ROWS_TEXTS):
            return ClaimAtMarketplace(False, None, None, "orderlistall: 해당 건이 없습니다")
        return code.text, "" if text is None else text.text
    for row in rows:
        if row["ordPrdSeq"].as_id() == line:
            return _line_state(row)
    return ClaimAtMarketplace(False, None, None, f"orderlistall has no line {line}")


def _line_state(row: XmlNode) -> ClaimAtMarketplace:
    name = "".join(row["ordPrdStatNm"].as_str().split())
    cancelled = row["ordCnQty"].as_int()
    detail = f"ordPrdStatNm {name} (ordPrdStat {row['ordPrdStat'].as_str()}), ordCnQty {cancelled}"
    if name in REQUESTED_NAMES:
        return ClaimAtMarketplace(True, ClaimState.REQUESTED, False, detail)
    if name in COMPLETED_NAMES:
        return ClaimAtMarketplace(True, ClaimState.COMPLETED, False, detail)
    if name in NOT_SHIPPED_NAMES:
        # Nothing cancelled: the request is gone. Part cancelled: by this claim or another.
        state = ClaimState.WITHDRAWN if cancelled == 0 else None
        return ClaimAtMarketplace(True, state, False, detail)
    if any(word in name for word in SHIPPED_WORDS):
        return ClaimAtMarketplace(True, None, True, detail)
    return ClaimAtMarketplace(True, None, None, detail)
