"""A stateful fake of the ESM Trading API claim lists and cancel approval (marketplaces.md
§4, marketplace-actions.md §4.1; ING esm-api/claim/50, 51 and 53).

- `POST /claim/v1/sa/Cancels` and `/Returns`, JSON bodies.
- `Authorization: Bearer {JWT}`: HS256 over the known secret, header `kid` = the master id,
  `sub` "sell", `aud` "sa.esmplus.com", a non-empty `iss`, `ssi` "A:{id},G:{id}" naming the
  seller of the requested site. Anything else gets the documented 401 body
  `{"status": {"message": "The user does not have right access to the api", "status_code": 401}}`.
- SiteType 1 is 옥션; 2 and 3 are both G마켓 (the docs disagree), except that Cancels asked
  with 2 answers no rows at all, silently, as a live note reports; rows echo the SiteType
  that was asked for. Any other SiteType: ResultCode 2141 "사이트 타입이 올바르지 않습니다"
  (the Returns page's failure sample).
- CancelStatus 0 is every status; Returns has no 0 (it gets a 400 here).
- StartDate..EndDate at most 7 days, both counted, else ResultCode 8668. A date that is not
  a date: 99999 "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다" (the Returns page).
  Type 2 filters on RequestDate, 3 on ApproveDate (WithdrawDate for a withdrawn claim), 4 on
  PayDate, 0 on OrderNo (none: 99999 "주문정보가 없습니다").
- `end_date_inclusive`: True reads EndDate as its whole day (as the docs read); False reads
  it as 00:00 of that day, as a third-party client reports, so EndDate's own day is out.
- `no_rows`: how a query that finds nothing answers: "data" (ResultCode 0, empty Data) or
  "99999" (ResultCode 99999 "클레임정보가 없습니다").
- `result_code` chooses how success is spelled: the int 0 or the string "success".
- `ip_allowed=False` refuses every call as from an IP that is not allow-listed.
- 취소승인 (/51), `PUT /claim/v1/sa/Cancel/{OrderNo}` with `{"SiteType": 1 옥션 | 2 G마켓}`
  (the write pages' numbering; anything else gets 2141), is a state machine on the cancel
  row: a 취소요청 (CancelStatus 1) whose order has not shipped becomes 취소완료 (3, approved
  now) with `{"ResultCode": 0, "Message": "Success", "Data": null}`; a completed one answers
  the documented repeat, 8668 "ShowAlertException$이미 취소 승인 되었습니다." (옥션: 8668
  with BizRuleCode W8-2 "이미 취소 승인 되었습니다"); anything else, a shipped order (in
  `shipped`) included, 8668 "ShowAlertException$취소 승인 대상이 없습니다." (옥션: W8-1 "취소
  가능한 주문상태가 아닙니다"). `writes` counts them.

Assumptions (undocumented): business errors of the write come with HTTP 200, like the
lists' 8668; a shipped order gets the "not approvable" answer. Parameter errors other than
8668, 2141 and the DateTime one are HTTP 400 with a `{"ResultCode", "Message"}` body; those
three come with HTTP 200. The answer to an IP that is not allow-listed is unknown: here HTTP
403 with the gateway's `status` body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import jwt

from core.ports import Clock

from .faults import FakeApp, Fault

KST = timezone(timedelta(hours=9))
PATHS = {"/claim/v1/sa/Cancels": "cancel", "/claim/v1/sa/Returns": "return"}
APPROVE_PATH = re.compile(r"/claim/v1/sa/Cancel/(\d+)")
WRITE_SITE_OF_TYPE = {1: "A", 2: "G"}  # the write pages' SiteType
STATUS_FIELD = {"cancel": "CancelStatus", "return": "ReturnStatus"}
SITE_OF_TYPE = {1: "A", 2: "G", 3: "G"}
# (path kind, SiteType) that answer nothing at all, whatever was filed (a live note).
SILENT_SITE_TYPES = {("cancel", 2)}
STATUSES = {"cancel": range(0, 7), "return": range(1, 7)}
WITHDRAWN = {"cancel": 4, "return": 5}
COMPLETED = {("cancel", 3), ("cancel", 5), ("cancel", 6), ("return", 4), ("return", 6)}
SITE_REFUND = {("cancel", 5), ("return", 6)}  # 사이트 직권환불: the site's CS refunded it
AUTH_FAILURE = {
    "status": {"message": "The user does not have right access to the api", "status_code": 401}
}
IP_FAILURE = {"status": {"message": "Forbidden: IP address is not allowed", "status_code": 403}}
DATE_ERROR = "API Error - 문자열이 유효한 DateTime으로 인식되지 않습니다"
# (kind, status) by claim number, repeating: every documented status, those the adapter
# reports and those it must leave alone (returns still in pickup or on hold).
KINDS = [
    ("cancel", 1),
    ("cancel", 3),
    ("return", 4),
    ("cancel", 4),
    ("cancel", 2),
    ("return", 5),
    ("return", 1),
    ("cancel", 5),
    ("cancel", 6),
    ("return", 6),
    ("return", 3),
]


def _stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(KST).replace(tzinfo=None).isoformat(timespec="milliseconds")[:-1]


def make_claims(
    n: int, first: datetime, every: timedelta = timedelta(hours=7), site: str = "G"
) -> list[dict[str, Any]]:
    """`n` ESM claim rows (plus a private `_kind`), one request every `every` from `first`.
    Completed claims are approved 3 h after the request, withdrawn ones withdrawn 2 h after.
    A cancel the site refunded itself (5) carries no RequestDate: nobody asked for it."""
    rows = []
    for i in range(n):
        kind, status = KINDS[i % len(KINDS)]
        requested = first + i * every
        withdrawn = requested + timedelta(hours=2) if status == WITHDRAWN[kind] else None
        completed = (kind, status) in COMPLETED
        approved = requested + timedelta(hours=3) if completed else None
        row: dict[str, Any] = {
            "_kind": kind,
            STATUS_FIELD[kind]: status,
            "SiteType": 1 if site == "A" else 2,
            "SellerId": "seller_a" if site == "A" else "seller_g",
            "PayNo": 4_452_000_000 + i,
            "GroupNo": 19_218_000 + i,
            "OrderNo": 2_943_000_000 + i,
            "GoodsNo": 0,
            "SiteGoodsNo": str(1_582_187_000 + i),
            "IsGiftOrder": "N",
            "RequestUser": 3 if (kind, status) in SITE_REFUND else 1,
            "ApproveUser": (3 if (kind, status) in SITE_REFUND else 2) if completed else 0,
            "Reason": 1,
            "ReasonCode": 1,
            "ReasonDetail": "단순변심",
            "OrderDate": _stamp(requested - timedelta(days=2)),
            "PayDate": _stamp(requested - timedelta(days=2)),
            "RequestDate": None if (kind, status) == ("cancel", 5) else _stamp(requested),
            "WithdrawDate": _stamp(withdrawn),
            "ApproveDate": _stamp(approved),
            "CompleteDate": _stamp(approved + timedelta(seconds=5)) if approved else None,
        }
        if kind == "cancel":
            row["AddShippingFee"] = 0.0
        else:
            row |= {
                "IsFastRefund": False,
                "ReturnShippingFee": 3000.0,
                "ShippingInfo": {
                    "CompleteDate": _stamp(requested - timedelta(days=1)),
                    "ShippingFee": 0.0,
                    "WhoShippingFee": 2,
                    "DeliveryCompCode": "10013",
                    "InvoiceNo": str(344_755_000_000 + i),
                },
                "PickupInfo": {"Status": 1, "SenderInfo": {"Name": "김*수"}},
            }
        rows.append(row)
    return rows


def status_of(row: Mapping[str, Any]) -> int:
    return int(row[STATUS_FIELD[row["_kind"]]])


def filed_on(row: Mapping[str, Any], date_type: int) -> date | None:
    """The KST day a query of `Type` date_type files the row under."""
    if date_type == 2:
        stamp = row["RequestDate"]
    elif date_type == 3:
        withdrawn = status_of(row) == WITHDRAWN[row["_kind"]]
        stamp = row["WithdrawDate"] if withdrawn else row["ApproveDate"]
    elif date_type == 4:
        stamp = row["PayDate"]
    else:
        return None
    return None if stamp is None else datetime.fromisoformat(stamp).date()


class FakeEsm(FakeApp):
    def __init__(
        self,
        *,
        clock: Clock,
        master_id: str = "esm_master_77",
        secret_key: str = "esm-secret-3d1f0c9b8a7e6d5c4b3a2f1e0d9c8b7a",
        sellers: Mapping[str, str] | None = None,
        claims: list[dict[str, Any]] | None = None,
        result_code: int | str = 0,
        end_date_inclusive: bool = True,
        no_rows: str = "data",
        ip_allowed: bool = True,
        faults: Mapping[int, Fault] | None = None,
    ) -> None:
        super().__init__(clock, faults)
        self.master_id = master_id
        self.secret_key = secret_key
        self.sellers = dict(sellers or {"A": "seller_a", "G": "seller_g"})
        self.claims = list(claims or [])
        self.result_code = result_code
        self.end_date_inclusive = end_date_inclusive
        self.no_rows = no_rows
        self.ip_allowed = ip_allowed
        self.tokens: list[dict[str, Any]] = []  # the verified payloads, in order
        self.shipped: set[str] = set()  # OrderNos whose goods have left
        self.writes = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        approve = APPROVE_PATH.fullmatch(request.url.path)
        if approve is not None:
            return self._approve(request, approve[1])
        kind = PATHS.get(request.url.path)
        if kind is None:
            return httpx.Response(404, text="Not Found")
        if request.method != "POST":
            return httpx.Response(405, text="Method Not Allowed")
        if not self.ip_allowed:
            return httpx.Response(403, json=IP_FAILURE)
        try:
            body = json.loads(request.content)
            site_type = int(body["SiteType"])
            status = int(body[STATUS_FIELD[kind]])
            date_type = int(body["Type"])
            start_text, end_text = str(body["StartDate"]), str(body["EndDate"])
        except (ValueError, KeyError, TypeError) as exc:
            return self.failure(400, "400", f"Invalid request: {exc!r}")
        if status not in STATUSES[kind]:
            return self.failure(400, "400", f"{STATUS_FIELD[kind]} {status} is not valid")
        site = SITE_OF_TYPE.get(site_type)
        if site is None:
            return self.failure(200, 2141, "사이트 타입이 올바르지 않습니다")
        payload = self._verify(request.headers.get("Authorization", ""), site)
        if payload is None:
            return httpx.Response(401, json=AUTH_FAILURE)
        try:
            first = date.fromisoformat(start_text[:10])
            last = date.fromisoformat(end_text[:10])
        except ValueError:
            return self.failure(200, 99999, DATE_ERROR)
        if last < first or (last - first).days + 1 > 7:
            return self.failure(
                200, 8668, "ShowAlertException$조회 기간은 7일 이내로 입력 바랍니다."
            )
        if not self.end_date_inclusive:
            last -= timedelta(days=1)  # EndDate read as 00:00: its own day is out
        silent = (kind, site_type) in SILENT_SITE_TYPES
        rows = [
            {k: v for k, v in row.items() if not k.startswith("_")} | {"SiteType": site_type}
            for row in self.claims
            if row["_kind"] == kind
            and not silent
            and (row["SiteType"] == 1) == (site == "A")
            and (status == 0 or status_of(row) == status)
            and self._filed(row, date_type, first, last, body.get("OrderNo"))
        ]
        if date_type == 0 and not rows:
            return self.failure(200, 99999, "주문정보가 없습니다")
        if not rows and self.no_rows == "99999":
            return self.failure(200, 99999, "클레임정보가 없습니다")
        return httpx.Response(
            200, json={"ResultCode": self.result_code, "Message": "Success", "Data": rows}
        )

    def cancel_of(self, order_no: str, site: str) -> dict[str, Any] | None:
        """The order's cancel row on `site` ("A" or "G")."""
        return next(
            (
                row
                for row in self.claims
                if row["_kind"] == "cancel"
                and str(row["OrderNo"]) == order_no
                and (row["SiteType"] == 1) == (site == "A")
            ),
            None,
        )

    def _approve(self, request: httpx.Request, order_no: str) -> httpx.Response:
        if request.method != "PUT":
            return httpx.Response(405, text="Method Not Allowed")
        if not self.ip_allowed:
            return httpx.Response(403, json=IP_FAILURE)
        try:
            site = WRITE_SITE_OF_TYPE.get(int(json.loads(request.content)["SiteType"]))
        except (ValueError, KeyError, TypeError) as exc:
            return self.failure(400, "400", f"Invalid request: {exc!r}")
        if site is None:
            return self.failure(200, 2141, "사이트 타입이 올바르지 않습니다")
        if self._verify(request.headers.get("Authorization", ""), site) is None:
            return httpx.Response(401, json=AUTH_FAILURE)
        self.writes += 1
        row = self.cancel_of(order_no, site)
        status = None if row is None else status_of(row)
        if row is not None and status == 1 and order_no not in self.shipped:
            now = _stamp(self.clock.now())
            row |= {"CancelStatus": 3, "ApproveDate": now, "CompleteDate": now, "ApproveUser": 2}
            return httpx.Response(200, json={"ResultCode": 0, "Message": "Success", "Data": None})
        if row is not None and (row["_kind"], status) in COMPLETED:
            if site == "A":
                return self._refusal("이미 취소 승인 되었습니다", rule="W8-2")
            return self._refusal("ShowAlertException$이미 취소 승인 되었습니다.")
        if site == "A":
            return self._refusal("취소 가능한 주문상태가 아닙니다", rule="W8-1")
        return self._refusal("ShowAlertException$취소 승인 대상이 없습니다.")

    @staticmethod
    def _refusal(message: str, rule: str | None = None) -> httpx.Response:
        """8668, as each site words it (the docs' own texts; 옥션 adds a BizRuleCode)."""
        body: dict[str, Any] = {"ResultCode": 8668, "Message": message, "Data": None}
        if rule is not None:
            body["BizRuleCode"] = rule
        return httpx.Response(200, json=body)

    @staticmethod
    def _filed(
        row: Mapping[str, Any], date_type: int, first: date, last: date, order_no: object
    ) -> bool:
        if date_type == 0:
            return str(row["OrderNo"]) == str(order_no)
        day = filed_on(row, date_type)
        return day is not None and first <= day <= last

    def _verify(self, header: str, site: str) -> dict[str, Any] | None:
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            return None
        try:
            if jwt.get_unverified_header(token).get("kid") != self.master_id:
                return None
            payload: dict[str, Any] = jwt.decode(
                token,
                self.secret_key,
                algorithms=["HS256"],
                audience="sa.esmplus.com",
                options={"require": ["iss", "sub", "aud", "ssi"]},
            )
        except jwt.InvalidTokenError:
            return None
        if payload["sub"] != "sell" or not payload["iss"]:
            return None
        sellers = dict(
            entry.split(":", 1) for entry in str(payload["ssi"]).split(",") if ":" in entry
        )
        if sellers.get(site) != self.sellers.get(site):
            return None
        self.tokens.append(payload)
        return payload

    @staticmethod
    def failure(status: int, code: int | str, message: str) -> httpx.Response:
        return httpx.Response(status, json={"ResultCode": code, "Message": message})
