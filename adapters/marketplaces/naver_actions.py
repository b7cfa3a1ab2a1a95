"""Naver SmartStore: approving a buyer's cancel request (취소 요청 승인,
marketplace-actions.md §2.1).

`POST {prefix}/pay-order/seller/product-orders/{productOrderId}/claim/cancel/approve`, no
body, the application's bearer token. Naver answers 200 even when it refuses: the product
order must be in `data.successProductOrderIds`; a refusal sits in `failProductOrderInfos`
with its code and message. Which code a repeat gets is not documented (104442 상품 주문
상태 확인 필요 or 105306 변경을 요청한 상태가 기존과 동일 are likely), so every refusal is
checked against the re-read: a claim the marketplace shows completed is DONE.

The re-read is `product-orders/query` for that one product order: its claimType/claimStatus
(CANCEL_REQUEST open, CANCEL_DONE done, CANCEL_REJECT withdrawn) and claimId. CANCELING is
left undecided (None): the docs do not say whether it comes before or after the seller's
approval, and guessing either way could report a refund that did not happen.
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
from adapters.marketplaces._http import json_error_detail
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces.naver import (
    QUERY_PATH,
    Bearer,
    NaverClaimSource,
    shipped_from_delivery,
)
from core.claims import ClaimState
from core.errors import MarketplaceError
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ClaimAtMarketplace,
)

APPROVE_PATH = "/pay-order/seller/product-orders/{product_order_id}/claim/cancel/approve"
# claimStatus of a CANCEL claim -> what the re-read reports; CANCELING: see the docstring.
CANCEL_STATES: dict[str, ClaimState | None] = {
    "CANCEL_REQUEST": ClaimState.REQUESTED,
    "CANCELING": None,
    "CANCEL_DONE": ClaimState.COMPLETED,
    "CANCEL_REJECT": ClaimState.WITHDRAWN,
}


class NaverClaimActions(HttpClaimActions):
    """core.ports.ClaimActions for one SmartStore application, on its claim source's client
    and tokens."""

    def __init__(self, source: NaverClaimSource) -> None:
        super().__init__(source, source.account, source.marketplace)
        self._naver = source
        self._approve_path = source.api_prefix + APPROVE_PATH
        self._query_path = source.api_prefix + QUERY_PATH

    def __repr__(self) -> str:
        return f"NaverClaimActions(account={self.account!r}, client_id={self._naver.client_id!r})"

    def read_claim(self, request: ActionRequest) -> ClaimAtMarketplace:
        product_order_id = request.marketplace_item_id.strip()
        if not product_order_id:
            raise self._http.error(
                "the claim has no productOrderId (marketplace_item_id)",
                f"POST {self._query_path}",
            )
        body = {"productOrderIds": [product_order_id], "quantityClaimCompatibility": True}
        parse = partial(claim_at_naver, product_order_id, request.claim_id)
        return self._naver.api("POST", self._query_path, parse, json=body)

    def accept_cancel(self, request: ActionRequest) -> ActionOutcome:
        product_order_id = request.marketplace_item_id.strip()
        if not product_order_id:
            return not_sent("the claim has no productOrderId (marketplace_item_id)")
        try:
            token = self._naver.tokens.get()
        except MarketplaceError as exc:
            return not_sent("no access token", exc)
        path = self._approve_path.format(product_order_id=quote(product_order_id, safe=""))
        reply = attempt(self._http, lambda: self._http.send_once("POST", path, auth=Bearer(token)))
        if isinstance(reply, Answer):
            answer = reply
        else:
            answer = approve_answer(reply, product_order_id)
            if reply.status_code == 401 and answer.code == "GW.AUTHN":
                # Refused at the gateway, so not applied; the next action gets a new token.
                self._naver.tokens.invalidate(token)
        return settle(
            answer,
            lambda: self.read_claim(request),
            http=self._http,
            request=request,
            action=ActionKind.ACCEPT_CANCEL.value,
        )


def approve_answer(response: httpx.Response, product_order_id: str) -> Answer:
    status = response.status_code
    if status >= 500:
        code, message = json_error_detail(response)
        return Answer(Kind.UNCLEAR, code, message or f"HTTP {status}", status)
    if not response.is_success:
        code, message = json_error_detail(response)
        # A 400 may carry the same codes as a refusal in the body: let the re-read judge.
        kind = Kind.REFUSED if status in (401, 403, 429) else Kind.REFUSED_OR_DONE
        return Answer(kind, code, message or f"HTTP {status}", status)
    try:
        data = JsonNode(response.json())["data"]
        succeeded = data.get("successProductOrderIds")
        failed = data.get("failProductOrderInfos")
        if succeeded is not None and product_order_id in {
            node.as_id() for node in succeeded.as_list()
        }:
            return Answer(Kind.APPLIED, "", f"successProductOrderIds: {product_order_id}", status)
        for info in [] if failed is None else failed.as_list():
            if info["productOrderId"].as_id() == product_order_id:
                return Answer(
                    Kind.REFUSED_OR_DONE,
                    _text(info.get("code")),
                    _text(info.get("message")),
                    status,
                )
    except (ValueError, GarbledBody):
        return Answer(Kind.UNCLEAR, "", f"HTTP {status} with an unreadable body", status)
    return Answer(Kind.UNCLEAR, "", f"HTTP {status} names neither success nor failure", status)


def claim_at_naver(product_order_id: str, claim_id: str, body: JsonNode) -> ClaimAtMarketplace:
    """The product order's cancel claim as `product-orders/query` shows it."""
    for item in body["data"].as_list():
        product_order = item["productOrder"]
        if product_order["productOrderId"].as_id() != product_order_id:
            continue
        claim_type = _text(product_order.get("claimType"))
        claim_status = _text(product_order.get("claimStatus"))
        order_status = _text(product_order.get("productOrderStatus"))
        detail = (
            f"claimType {claim_type or '-'}, claimStatus {claim_status or '-'}, "
            f"productOrderStatus {order_status or '-'}"
        )
        ids = {_text(product_order.get("claimId"))}
        current = item.get("currentClaim")
        block = None if current is None else current.get("cancel")
        block = item.get("cancel") if block is None else block  # the retiring top level
        if block is not None:
            ids.add(_text(block.get("claimId")))
        ids.discard("")
        shipped = shipped_from_delivery(item.get("delivery"))
        if claim_type != "CANCEL" or (ids and claim_id not in ids):
            other = f" (claim {', '.join(sorted(ids))})" if ids else ""
            return ClaimAtMarketplace(False, None, shipped, detail + other)
        return ClaimAtMarketplace(True, CANCEL_STATES.get(claim_status), shipped, detail)
    return ClaimAtMarketplace(
        False, None, None, f"product-orders/query does not return {product_order_id}"
    )


def _text(node: JsonNode | None) -> str:
    """A string, or an id sent as a number; "" when absent or null."""
    if node is None or node.is_null():
        return ""
    return node.value if isinstance(node.value, str) else node.as_id()
