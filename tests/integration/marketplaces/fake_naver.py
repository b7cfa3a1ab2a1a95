"""A stateful fake of the Naver Commerce API pieces the adapter uses (marketplaces.md §2).

- `POST {prefix}/oauth2/token`: form-encoded only; checks the timestamp (±5 min) and the
  bcrypt `client_secret_sign` against the known secret; hands back the same token while more
  than 30 min remain, a new one below that (the old one keeps working until it expires).
- API calls need a live bearer token, else `401 GW.AUTHN` with the gateway's error body.
- `last-changed-statuses`: rows sorted by (lastChangedDate, productOrderId), inclusive
  `lastChangedTo`, 24 h at most, paged with `more{moreFrom, moreSequence}`.
- `product-orders/query`: ≤ 300 ids, requires quantityClaimCompatibility=true; ids in
  `missing_ids` are left out of the answer, as Naver sometimes does. A product order's
  claim block sits in `currentClaim` (`claim_block="current"`), only at the retiring top
  level (`"legacy"`), or nowhere (`"none"`: undocumented either way for direct cancels).
- `ip_allowed=False`: every API call is refused with `403 GW.IP_NOT_ALLOWED`.
- 취소 요청 승인, `POST …/product-orders/{productOrderId}/claim/cancel/approve` (no body),
  answers 200 with the documented `{successProductOrderIds, failProductOrderInfos}` and is a
  state machine on the product order: a CANCEL in CANCEL_REQUEST that has not shipped
  becomes CANCEL_DONE (CANCELED, changed now); a repeat fails with 105306 변경을 요청한
  상태가 기존과 동일; a shipped one, or any other claim state, with 104442 상품 주문 상태
  확인 필요; an unknown id with 100001 상품 주문을 찾을 수 없음. `writes` counts them.

Assumptions (undocumented): which fail code each state gets (the docs list the codes, not
when each applies; the messages here are the code table's descriptions).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import bcrypt
import httpx

from core.ports import Clock

from .faults import FakeApp, Fault

KST = timezone(timedelta(hours=9))
TOKEN_LIFETIME = timedelta(hours=3)
SAME_TOKEN_WHILE = timedelta(minutes=30)
SIGN_WINDOW = timedelta(minutes=5)
APPROVE_PATH = re.compile(r"/pay-order/seller/product-orders/([^/]+)/claim/cancel/approve")

# (lastChangedType, claimType, claimStatus, productOrderStatus) by product order, repeating.
KINDS: list[tuple[str, str | None, str | None, str]] = [
    ("CLAIM_REQUESTED", "CANCEL", "CANCEL_REQUEST", "PAYED"),
    ("CLAIM_COMPLETED", "CANCEL", "CANCEL_DONE", "CANCELED"),
    ("CLAIM_REQUESTED", "RETURN", "RETURN_REQUEST", "DELIVERED"),
    ("CLAIM_COMPLETED", "RETURN", "RETURN_DONE", "RETURNED"),
    ("CLAIM_REJECTED", "CANCEL", "CANCEL_REJECT", "PAYED"),
    ("CLAIM_REQUESTED", "CANCEL", "CANCELING", "PAYED"),
    ("CLAIM_REQUESTED", "EXCHANGE", "EXCHANGE_REQUEST", "DELIVERED"),
    ("DISPATCHED", None, None, "DELIVERING"),
    ("CLAIM_COMPLETED", "ADMIN_CANCEL", "ADMIN_CANCEL_DONE", "CANCELED"),
]
_BLOCK = {"CANCEL": "cancel", "ADMIN_CANCEL": "cancel", "RETURN": "return", "EXCHANGE": "exchange"}


def make_secret() -> str:
    """A Naver-style client secret: itself a bcrypt salt (cost 4 keeps the tests fast)."""
    return bcrypt.gensalt(rounds=4, prefix=b"2a").decode()


def gateway_error(status: int, code: str, message: str, clock: Clock) -> httpx.Response:
    stamp = clock.now().astimezone(KST).isoformat(timespec="milliseconds")
    body = {"code": code, "message": message, "timestamp": stamp, "traceId": "fake-trace"}
    return httpx.Response(status, json=body, headers={"GNCP-GW-Trace-ID": "fake-trace"})


def _stamp(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat(timespec="milliseconds")


@dataclass
class ProductOrder:
    order_id: str
    product_order_id: str
    last_changed_type: str
    claim_type: str | None
    claim_status: str | None
    product_order_status: str
    last_changed: datetime
    quantity: int
    request_quantity: int
    shipped: bool
    claim_block: str = "current"  # "current", "legacy" (top level only) or "none"

    @property
    def claim_id(self) -> str:
        return f"C{self.product_order_id}"

    def change_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "orderId": self.order_id,
            "productOrderId": self.product_order_id,
            "lastChangedType": self.last_changed_type,
            "paymentDate": _stamp(self.last_changed - timedelta(days=2)),
            "lastChangedDate": _stamp(self.last_changed),
            "productOrderStatus": self.product_order_status,
            "receiverAddressChanged": False,
        }
        if self.claim_type is not None:
            row["claimType"] = self.claim_type
            row["claimStatus"] = self.claim_status
        return row

    def detail(self) -> dict[str, Any]:
        requested = _stamp(self.last_changed - timedelta(hours=6))
        done = _stamp(self.last_changed)
        current = None
        if self.claim_type is not None:
            block: dict[str, Any] = {
                "claimId": self.claim_id,
                "claimStatus": self.claim_status,
                "claimRequestDate": requested,
                "requestChannel": "구매자",
                "requestQuantity": self.request_quantity,
            }
            if self.claim_status in ("CANCEL_DONE", "ADMIN_CANCEL_DONE"):
                block["cancelCompletedDate"] = done
            if self.claim_status == "RETURN_DONE":
                block["returnCompletedDate"] = done
            current = {_BLOCK[self.claim_type]: block}
        legacy = None
        if self.claim_block == "legacy":
            current, legacy = None, current
        elif self.claim_block == "none":
            current = None
        delivery = None
        if self.shipped:
            delivery = {
                "deliveryCompany": "CJGLS",
                "deliveryMethod": "DELIVERY",
                "deliveryStatus": "DELIVERY_COMPLETION",
                "trackingNumber": f"6500{self.product_order_id[-8:]}",
                "sendDate": _stamp(self.last_changed - timedelta(days=1)),
            }
        return {
            "order": {
                "orderId": self.order_id,
                "orderDate": _stamp(self.last_changed - timedelta(days=2)),
                "paymentDate": _stamp(self.last_changed - timedelta(days=2)),
                "ordererName": "홍길동",
            },
            "productOrder": {
                "productOrderId": self.product_order_id,
                "productOrderStatus": self.product_order_status,
                "claimType": self.claim_type,
                "claimStatus": self.claim_status,
                "claimId": self.claim_id if self.claim_type else None,
                "productName": f"상품 {self.product_order_id[-4:]}",
                "productOption": "색상: 블랙",
                "quantity": self.quantity,
                "initialQuantity": self.quantity,
                "remainQuantity": self.quantity - self.request_quantity,
            },
            "delivery": delivery,
            "currentClaim": current,
            "completedClaims": [],
            **(legacy or {}),
        }


def make_product_orders(
    n: int, first: datetime, every: timedelta = timedelta(minutes=7)
) -> list[ProductOrder]:
    """`n` product orders, one change every `every` from `first`, deterministic."""
    orders = []
    for i in range(n):
        changed_type, claim_type, claim_status, status = KINDS[i % len(KINDS)]
        orders.append(
            ProductOrder(
                order_id=f"2025{i:012d}",
                product_order_id=f"2025{i:010d}01",
                last_changed_type=changed_type,
                claim_type=claim_type,
                claim_status=claim_status,
                product_order_status=status,
                last_changed=first + i * every,
                quantity=2,
                request_quantity=1 + i % 2,
                shipped=status in ("DELIVERED", "RETURNED", "DELIVERING"),
            )
        )
    return orders


class FakeNaver(FakeApp):
    def __init__(
        self,
        *,
        clock: Clock,
        client_id: str = "naver-app-7f3a",
        client_secret: str | None = None,
        product_orders: list[ProductOrder] | None = None,
        missing_ids: set[str] | None = None,
        prefix: str = "/external/v1",
        ip_allowed: bool = True,
        faults: Mapping[int, Fault] | None = None,
    ) -> None:
        super().__init__(clock, faults)
        self.ip_allowed = ip_allowed
        self.client_id = client_id
        self.client_secret = client_secret or make_secret()
        self.product_orders = list(product_orders or [])
        self.missing_ids = set(missing_ids or ())
        self.prefix = prefix
        self.tokens: dict[str, datetime] = {}  # token -> expiry
        self.issued = 0
        self.writes = 0

    def expire_tokens(self) -> None:
        """Every token handed out so far stops working now."""
        now = self.clock.now()
        self.tokens = {token: now for token in self.tokens}

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix(self.prefix)
        if request.method == "POST" and path == "/oauth2/token":
            return self._token(request)
        if not self.ip_allowed:
            return gateway_error(403, "GW.IP_NOT_ALLOWED", "허용되지 않은 IP 입니다.", self.clock)
        if not self._authorized(request):
            return gateway_error(401, "GW.AUTHN", "요청을 보낼 권한이 없습니다.", self.clock)
        if request.method == "GET" and path.endswith("/product-orders/last-changed-statuses"):
            return self._changes(request.url.params)
        if request.method == "POST" and path.endswith("/product-orders/query"):
            return self._details(request)
        approve = APPROVE_PATH.fullmatch(path)
        if request.method == "POST" and approve is not None:
            self.writes += 1
            return self._approve(approve[1])
        return gateway_error(404, "GW.NOT_FOUND", "요청한 리소스를 찾을 수 없습니다.", self.clock)

    # -- auth -------------------------------------------------------------------------------

    def _token(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return self._bad_request("token requests must be form-encoded")
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != "client_credentials" or form.get("type") not in (
            "SELF",
            "SELLER",
        ):
            return self._bad_request("grant_type/type invalid")
        if form.get("type") == "SELLER" and not form.get("account_id"):
            return self._bad_request("account_id is required for type SELLER")
        if form.get("client_id") != self.client_id:
            return self._bad_request("unknown client_id")
        try:
            stamp = int(form["timestamp"])
            sign = base64.b64decode(form["client_secret_sign"], validate=True)
        except (KeyError, ValueError, binascii.Error):
            return self._bad_request("timestamp/client_secret_sign missing or malformed")
        now = self.clock.now()
        if abs(now.timestamp() * 1000 - stamp) > SIGN_WINDOW.total_seconds() * 1000:
            return gateway_error(403, "GW.AUTHN.TIMESTAMP", "timestamp expired", self.clock)
        password = f"{self.client_id}_{stamp}".encode()
        salt = self.client_secret.encode()[:29]  # "$2a$04$" + 22 salt characters
        if not sign.startswith(salt) or not bcrypt.checkpw(password, sign):
            return gateway_error(
                403, "GW.AUTHN.SIGNATURE", "client_secret_sign invalid", self.clock
            )
        live = [t for t, expiry in self.tokens.items() if expiry - now > SAME_TOKEN_WHILE]
        if live:
            token = live[-1]
        else:
            self.issued += 1
            token = f"naver-token-{self.issued}"
            self.tokens[token] = now + TOKEN_LIFETIME
        expires_in = int((self.tokens[token] - now).total_seconds())
        body = {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}
        return httpx.Response(200, json=body)

    def _authorized(self, request: httpx.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expiry = self.tokens.get(token)
        return scheme == "Bearer" and expiry is not None and self.clock.now() < expiry

    def _bad_request(self, message: str) -> httpx.Response:
        return gateway_error(400, "BAD_REQUEST", message, self.clock)

    # -- orders -----------------------------------------------------------------------------

    def _changes(self, params: httpx.QueryParams) -> httpx.Response:
        try:
            start = datetime.fromisoformat(params["lastChangedFrom"])
            stop = (
                datetime.fromisoformat(params["lastChangedTo"])
                if "lastChangedTo" in params
                else start + timedelta(hours=24)
            )
            limit = min(int(params.get("limitCount", "300")), 300)
            sequence = int(params.get("moreSequence", "0"))
        except (KeyError, ValueError) as exc:
            return self._bad_request(f"invalid parameter: {exc}")
        if start.tzinfo is None or stop.tzinfo is None:
            return self._bad_request("dates need an offset")
        if stop - start > timedelta(hours=24) or stop < start:
            return self._bad_request("lastChangedFrom..lastChangedTo must be within 24 hours")
        rows = [
            (pos, order)
            for pos, order in _ranked(self.product_orders)
            if start <= order.last_changed <= stop and pos >= sequence
        ]
        data: dict[str, Any] = {
            "count": min(limit, len(rows)),
            "lastChangeStatuses": [order.change_row() for _, order in rows[:limit]],
        }
        if len(rows) > limit:
            pos, following = rows[limit]
            data["more"] = {
                "moreFrom": _stamp(following.last_changed),
                "moreSequence": f"{pos:013d}",
            }
        return httpx.Response(200, json={"timestamp": _stamp(self.clock.now()), "data": data})

    def _details(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
            ids = body["productOrderIds"]
        except (ValueError, KeyError, TypeError):
            return self._bad_request("productOrderIds required")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 300:
            return self._bad_request("productOrderIds must hold 1..300 ids")
        if body.get("quantityClaimCompatibility") is not True:
            return self._bad_request("fake: the adapter must send quantityClaimCompatibility=true")
        known = {order.product_order_id: order for order in self.product_orders}
        data = [known[i].detail() for i in ids if i in known and i not in self.missing_ids]
        return httpx.Response(200, json={"timestamp": _stamp(self.clock.now()), "data": data})

    # -- claim actions ----------------------------------------------------------------------

    def product_order(self, product_order_id: str) -> ProductOrder | None:
        return next(
            (o for o in self.product_orders if o.product_order_id == product_order_id), None
        )

    def _approve(self, product_order_id: str) -> httpx.Response:
        order = self.product_order(product_order_id)
        if order is None:
            return self._claim_answer(product_order_id, ("100001", "상품 주문을 찾을 수 없음"))
        if order.claim_type == "CANCEL" and order.claim_status == "CANCEL_DONE":
            return self._claim_answer(
                product_order_id, ("105306", "변경을 요청한 상태가 기존과 동일")
            )
        if order.claim_type != "CANCEL" or order.claim_status != "CANCEL_REQUEST" or order.shipped:
            return self._claim_answer(product_order_id, ("104442", "상품 주문 상태 확인 필요"))
        order.claim_status = "CANCEL_DONE"
        order.product_order_status = "CANCELED"
        order.last_changed_type = "CLAIM_COMPLETED"
        order.last_changed = self.clock.now()
        return self._claim_answer(product_order_id, None)

    def _claim_answer(
        self, product_order_id: str, failure: tuple[str, str] | None
    ) -> httpx.Response:
        """The 주문-클레임 처리 반환 구조체: 200 either way."""
        data: dict[str, Any] = {"successProductOrderIds": [], "failProductOrderInfos": []}
        if failure is None:
            data["successProductOrderIds"].append(product_order_id)
        else:
            code, message = failure
            info = {"productOrderId": product_order_id, "code": code, "message": message}
            data["failProductOrderInfos"].append(info)
        body = {"timestamp": _stamp(self.clock.now()), "traceId": "fake-trace", "data": data}
        return httpx.Response(200, json=body)


def _ranked(orders: list[ProductOrder]) -> list[tuple[int, ProductOrder]]:
    """Each order's position in the (lastChangedDate, productOrderId) order: the sequence
    number `moreSequence` resumes from."""
    ranked = sorted(orders, key=lambda o: (o.last_changed, o.product_order_id))
    return list(enumerate(ranked))
