"""A stateful fake of 11st's claimservice lists (marketplaces.md §3; ING 11st-api/claim/*).

- `GET /rest/claimservice/{list}/{startTime}/{endTime}`, times `YYYYMMDDhhmm` KST in the path;
  the `openapikey` header must hold the seller's key.
- Answers XML in EUC-KR (or `encoding`), `<ns2:orders>` with unprefixed children; the cancel
  lists can use the docs' `s2:orders` root and children can carry the `ns2:` prefix, as some
  third-party fixtures show.
- At most 30 days per call (`-28008`), at most 3,000 rows (the earliest ones), no paging.
- "No rows" in one of three forms: `result_code 0` + "조회된 결과가 없습니다." (field reports),
  `-1` + "해당 건이 없습니다." (the doc example), or an empty `<ns2:orders/>`.

Writes and the order status read (marketplace-actions.md §3.1; ING 11st-api/claim/
cancel-1640, order/query-1774):
- 주문취소 승인처리 `GET /rest/claimservice/cancelreqconf/{ordPrdCnSeq}/{ordNo}/{ordPrdSeq}`
  answers `<ResultOrder>` with `result_code`/`result_text`, a state machine on the claim's
  row: an open request (in cancelorders) moves to canceledorders, completed now, answering
  0 "전체 1건이 정상적으로 취소처리가 되었습니다."; a completed one answers -1 "이미 취소
  완료된 신청건 입니다." (the doc's example); an unknown claim -22004, a wrong ordNo or
  ordPrdSeq -22002 / -22003. `writes` counts them.
- 주문번호별 주문상태 조회 `GET /rest/claimservice/orderlistall/{ordNo}`: one row per order
  line that has a cancel row (or an entry in `ordered`), its status worked out from those
  rows: 배송중 once the line is in `shipped`, else 취소신청 while a request is open, 취소완료
  once cancels cover the line, else 배송준비중; `ordCnQty` counts requested and completed
  units. No line: -1 "해당 건이 없습니다.".

Assumptions (undocumented): the answer to approving a shipped line (-1 "이미 발송처리된
주문은 취소승인할 수 없습니다.") and a withdrawn claim (-1 "취소신청 상태가 아닙니다."); the
status codes beside 202 결제완료; that a line's quantity is its cancels' unless `ordered`
says otherwise. Also: a row is listed by `at` (request time for the request lists,
completion for the completed ones, withdrawal for the withdrawn ones); `endTime` includes its
whole minute; a wrong key is answered like an unknown seller (`-28005`, HTTP 200), and so is
a call from an IP not registered with the key (`ip_allowed=False`; 11st documents no other
answer for it); an unknown list is a 404 page and a method other than GET a 405 page, in
plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

import httpx

from core.ports import Clock

from .faults import FakeApp, Fault

KST = timezone(timedelta(hours=9))
NS = "http://skt.tmall.business.openapi.spring.service.client.domain/"
CANCEL_LISTS = ("cancelorders", "canceledorders", "withdrawcanceledorders")
RETURN_LISTS = ("returnorders", "returnedorders", "retractretorders")
LISTS = CANCEL_LISTS + RETURN_LISTS
ROW_CAP = 3000
MAX_DAYS = 30
NO_ROWS = {
    "zero": ("0", "조회된 결과가 없습니다."),
    "negative": ("-1", "해당 건이 없습니다."),
}


@dataclass
class Row:
    """One row of one list. `at` is when the list files it; `fields` are the XML children."""

    list_name: str
    at: datetime
    fields: dict[str, str]

    @property
    def claim_id(self) -> str:
        key = "ordPrdCnSeq" if self.list_name in CANCEL_LISTS else "clmReqSeq"
        return self.fields[key]


def _kst(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def make_rows(
    n: int,
    first: datetime,
    every: timedelta = timedelta(hours=5),
    lists: tuple[str, ...] = LISTS,
    id_base: int = 0,
) -> list[Row]:
    """`n` rows, one every `every` from `first` (aware), cycling through `lists`; ids count
    from `id_base`. Requests are filed at their time, completions an hour later, withdrawals
    two hours later."""
    rows = []
    for n_th in range(n):
        name = lists[n_th % len(lists)]
        requested = first + n_th * every
        i = id_base + n_th
        order = {"ordNo": str(202_503_000_000_000 + i), "ordPrdSeq": str(1 + i % 3)}
        if name in CANCEL_LISTS:
            fields = _cancel_fields(i, name, requested, order)
        else:
            fields = _return_fields(i, name, requested, order)
        at = requested
        if name in ("canceledorders", "returnedorders"):
            at = requested + timedelta(hours=1)
        elif name in ("withdrawcanceledorders", "retractretorders"):
            at = requested + timedelta(hours=2)
        rows.append(Row(name, at, fields))
    return rows


def _cancel_fields(i: int, name: str, at: datetime, order: dict[str, str]) -> dict[str, str]:
    fields = {
        "createDt": _kst(at),
        "dlvNo": str(2_678_260_000 + i),
        **order,
        "ordPrdCnSeq": str(81_900_000 + i),
        "prdNo": str(4_161_397_000 + i),
        "slctPrdOptNm": f"색상:블랙-{1 + i % 2}개",
        "ordCnQty": str(1 + i % 2),
        "ordCnMnbdCd": "01",
        "ordCnRsnCd": "11",
        "ordCnDtlsRsn": "구매의사 없어짐",
        "ordCnStatCd": {"cancelorders": "01", "canceledorders": "02"}.get(name, "05"),
        "referSeq": "0",
    }
    if name == "canceledorders":
        fields |= {
            "cnTrtEndDt": _kst(at + timedelta(hours=1)),
            "addDlvCst": "0",
            "dlvCstRespnClf": "01",
            "ordCnTypCd": "01",
        }
    return fields


def _return_fields(i: int, name: str, at: datetime, order: dict[str, str]) -> dict[str, str]:
    fields = {
        "clmReqSeq": str(2_400_000 + i),
        **order,
        "prdNo": str(4_160_120_000 + i),
        "optName": f"사이즈:{250 + 5 * (i % 4)}",
        "clmReqQty": str(1 + i % 2),
        "clmReqRsn": "101",
        "clmReqCont": "단순 변심 & 사이즈 <교환 불가>",  # needs escaping in XML
        "clmStat": {"returnorders": "105", "returnedorders": "106"}.get(name, "108"),
        "reqDt": _kst(at),
        "ordNm": "김*수",
        "rcvrBaseAddr": "서울특별시 강남구 테헤란로 1",
        "twMthd": "06",
        "affliateBndlDlvSeq": "0",
    }
    if name == "returnedorders":
        fields |= {
            "trtEndDt": _kst(at + timedelta(hours=1)),
            "addDlvCst": "0",
            "dlvCstRespnClf": "01",
            "stlDlvCst": "3000",
        }
    return fields


class FakeEleventhStreet(FakeApp):
    def __init__(
        self,
        *,
        clock: Clock,
        api_key: str = "11st-openapikey-7f3e9a1c5b",
        rows: list[Row] | None = None,
        encoding: str = "euc-kr",
        content_type: str | None = None,
        cancel_root_prefix: str = "ns2",
        child_prefix: str = "",
        no_rows: str = "zero",
        cap: int = ROW_CAP,
        ip_allowed: bool = True,
        faults: Mapping[int, Fault] | None = None,
    ) -> None:
        super().__init__(clock, faults)
        self.ip_allowed = ip_allowed
        self.api_key = api_key
        self.rows = list(rows or [])
        self.encoding = encoding
        self.content_type = content_type or f"text/xml;charset={encoding.upper()}"
        self.cancel_root_prefix = cancel_root_prefix
        self.child_prefix = child_prefix
        self.no_rows = no_rows
        self.cap = cap
        self.shipped: set[tuple[str, str]] = set()  # (ordNo, ordPrdSeq) whose goods left
        self.ordered: dict[tuple[str, str], int] = {}  # ordQty, when not the cancels' total
        self.writes = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.split("/")
        if parts[:3] == ["", "rest", "claimservice"] and len(parts) in (5, 7):
            return self._order_call(request, parts[3], parts[4:])
        if parts[:3] != ["", "rest", "claimservice"] or len(parts) != 6 or parts[3] not in LISTS:
            return httpx.Response(404, text="<html><body>404 Not Found</body></html>")
        if request.method != "GET":
            return httpx.Response(405, text="HTTP Status 405 - Request method not supported")
        name, start_text, end_text = parts[3:]
        if request.headers.get("openapikey") != self.api_key or not self.ip_allowed:
            return self.result("-28005", "올바른 판매자가 아닙니다.")
        try:
            start = datetime.strptime(start_text, "%Y%m%d%H%M").replace(tzinfo=KST)
        except ValueError:
            return self.result(
                "-28007", "start_dt의 조회 기간의 포멧('YYYYMMDDHH24')이 올바르지 않습니다."
            )
        try:
            end = datetime.strptime(end_text, "%Y%m%d%H%M").replace(tzinfo=KST)
        except ValueError:
            return self.result(
                "-28006", "end_dt의 조회 기간의 포멧('YYYYMMDDHH24')이 올바르지 않습니다."
            )
        if end < start:
            return self.result("-28004", "조회종료일을 알 수 없습니다.")
        if end - start > timedelta(days=MAX_DAYS):
            return self.result("-28008", "조회기간은 최대 30(한달)일 단위로 가능합니다.")
        # endTime is minute-precise and taken to include its whole minute.
        rows = sorted(
            (
                r
                for r in self.rows
                if r.list_name == name and start <= r.at < end + timedelta(minutes=1)
            ),
            key=lambda r: r.at,
        )[: self.cap]
        if not rows:
            if self.no_rows == "empty":
                return self.answer(f'<ns2:orders xmlns:ns2="{NS}"/>')
            return self.result(*NO_ROWS[self.no_rows])
        return self.answer(self.orders_xml(name, [r.fields for r in rows]))

    # -- the write and the order status read ----------------------------------------------

    def _order_call(self, request: httpx.Request, name: str, args: list[str]) -> httpx.Response:
        if (name, len(args)) not in (("cancelreqconf", 3), ("orderlistall", 1)):
            return httpx.Response(404, text="<html><body>404 Not Found</body></html>")
        if request.method != "GET":
            return httpx.Response(405, text="HTTP Status 405 - Request method not supported")
        if request.headers.get("openapikey") != self.api_key or not self.ip_allowed:
            return self.result("-28005", "올바른 판매자가 아닙니다.")
        if name == "orderlistall":
            return self._order_status(args[0].split(","))
        self.writes += 1
        return self._approve(*args)

    def cancel_row(self, claim_id: str) -> Row | None:
        return next(
            (r for r in self.rows if r.list_name in CANCEL_LISTS and r.claim_id == claim_id), None
        )

    def _approve(self, claim_id: str, order_no: str, line: str) -> httpx.Response:
        row = self.cancel_row(claim_id)
        if row is None:
            return self.result_order("-22004", "주문취소 상세번호를 알 수 없습니다")
        if row.fields["ordNo"] != order_no:
            return self.result_order("-22002", "주문 번호를 알 수 없습니다.")
        if row.fields["ordPrdSeq"] != line:
            return self.result_order("-22003", "주문 상세번호를 알 수 없습니다.")
        if row.list_name == "canceledorders":
            return self.result_order("-1", "이미 취소 완료된 신청건 입니다.")
        if row.list_name != "cancelorders":
            return self.result_order("-1", "취소신청 상태가 아닙니다.")
        if (order_no, line) in self.shipped:
            return self.result_order("-1", "이미 발송처리된 주문은 취소승인할 수 없습니다.")
        now = self.clock.now()
        row.list_name, row.at = "canceledorders", now
        row.fields |= {
            "ordCnStatCd": "02",
            "cnTrtEndDt": _kst(now),
            "addDlvCst": "0",
            "dlvCstRespnClf": "01",
            "ordCnTypCd": "01",
        }
        return self.result_order("0", "전체 1건이 정상적으로 취소처리가 되었습니다.")

    def _order_status(self, order_nos: list[str]) -> httpx.Response:
        lines: dict[tuple[str, str], list[Row]] = {key: [] for key in self.ordered}
        for row in self.rows:
            key = (row.fields["ordNo"], row.fields["ordPrdSeq"])
            if row.list_name in CANCEL_LISTS:
                lines.setdefault(key, []).append(row)
        found = [self._line(key, rows) for key, rows in lines.items() if key[0] in order_nos]
        if not found:
            return self.result("-1", "해당 건이 없습니다.")
        return self.answer(self.orders_xml("orderlistall", found))

    def _line(self, key: tuple[str, str], rows: list[Row]) -> dict[str, str]:
        def qty(list_name: str) -> int:
            return sum(int(r.fields["ordCnQty"]) for r in rows if r.list_name == list_name)

        requested, done = qty("cancelorders"), qty("canceledorders")
        ordered = self.ordered.get(key, requested + done or 1)
        if key in self.shipped:
            status = ("401", "배송중")
        elif requested:
            status = ("701", "취소신청")
        elif done >= ordered:
            status = ("702", "취소완료")
        else:
            status = ("301", "배송준비중")
        return {
            "dlvNo": "2678260000",
            "ordCnQty": str(requested + done),
            "ordNo": key[0],
            "ordPrdSeq": key[1],
            "ordPrdStatNm": status[1],
            "ordPrdStat": status[0],
            "ordQty": str(ordered),
            "prdNm": "상품 & <옵션>",
            "prdNo": "4161397000",
            "sellerID": "seller11",
        }

    def result_order(self, code: str, text: str) -> httpx.Response:
        """A write's answer: `<ResultOrder>` with the fields the doc says to ignore."""
        return self.answer(
            "<ResultOrder><openMallID>11ST</openMallID><open_11st_mall/>"
            f"<open_done_payment_interface/><result_code>{code}</result_code>"
            f"<result_text>{escape(text)}</result_text></ResultOrder>"
        )

    def orders_xml(self, name: str, rows: list[dict[str, str]]) -> str:
        root = self.cancel_root_prefix if name in CANCEL_LISTS else "ns2"
        declarations = f'xmlns:{root}="{NS}"' + ("" if root == "ns2" else f' xmlns:ns2="{NS}"')
        child = f"{self.child_prefix}:" if self.child_prefix else ""
        body = "".join(
            "<ns2:order>"
            + "".join(f"<{child}{k}>{escape(v)}</{child}{k}>" for k, v in row.items())
            + "</ns2:order>"
            for row in rows
        )
        return f"<{root}:orders {declarations}>{body}</{root}:orders>"

    def result(self, code: str, text: str) -> httpx.Response:
        return self.answer(
            f'<ns2:orders xmlns:ns2="{NS}"><ns2:result_code>{code}</ns2:result_code>'
            f"<ns2:result_text>{escape(text)}</ns2:result_text></ns2:orders>"
        )

    def answer(self, document: str) -> httpx.Response:
        prolog = f'<?xml version="1.0" encoding="{self.encoding}" standalone="yes"?>\n'
        return httpx.Response(
            200,
            headers={"Content-Type": self.content_type},
            content=(prolog + document).encode(self.encoding),
        )
