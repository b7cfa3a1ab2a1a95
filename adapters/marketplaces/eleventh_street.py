"""11번가 (11st): cancel/return claims from the claimservice lists (marketplaces.md §3).

Six GET lists, each `/rest/claimservice/{list}/{startTime}/{endTime}` with the window as
`YYYYMMDDhhmm` (KST) path segments and the seller's static `openapikey` header. Which list a
row came from says what it means (SPEC §3 rule 1):

| list | claim | state |
|---|---|---|
| cancelorders (취소신청) | CANCEL | REQUESTED |
| canceledorders (취소완료) | CANCEL | COMPLETED |
| withdrawcanceledorders (취소철회완료) | CANCEL | WITHDRAWN |
| returnorders (반품신청) | RETURN | REQUESTED (core keeps returns only once completed) |
| returnedorders (반품완료) | RETURN | COMPLETED |
| retractretorders (반품철회) | RETURN | WITHDRAWN |

The row's own status code is not used: the withdrawn-cancel list documents `ordCnStatCd` 01,
02 and 05 alike, so the list is the only unambiguous signal.

The lists have no paging: a window holds at most 30 days and an answer at most 3,000 rows.
An answer of 3,000 rows may have been cut, so that window is halved and both halves fetched
again, down to one minute (the path's precision).

Answers are XML (EUC-KR as a rule), parsed by `_xml` (prolog-aware decoding, defusedxml,
namespaces stripped). `<result_code>`/`<result_text>` bodies are errors, except the "no rows"
forms, which are empty results: `result_code` 0 with "조회된 결과가 없습니다." (field reports)
and `-1` with "해당 건이 없습니다." (the doc's own example), plus any configured code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import httpx

from adapters.clock import SystemClock
from adapters.marketplaces._claims import SetAside, keep_latest, set_aside
from adapters.marketplaces._http import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUTS,
    HttpClaimSource,
    MarketplaceHttp,
    Timeouts,
    build_client,
)
from adapters.marketplaces._json import GarbledBody
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces._retry import RetryPolicy
from adapters.marketplaces._time import KST, check_window, split_window
from adapters.marketplaces._xml import XmlNode, decode_xml, parse_xml
from adapters.marketplaces.checks import failed
from core.account_check import AccountCheck
from core.claims import Claim, ClaimKey, ClaimState, ClaimType
from core.errors import MarketplaceError
from core.ports import Clock

log = logging.getLogger(__name__)

ELEVENTH_STREET_BASE_URL = "https://api.11st.co.kr"
LIST_PATH = "/rest/claimservice/{name}/{start}/{end}"
API_KEY_HEADER = "openapikey"
MAX_WINDOW = timedelta(days=30)  # "조회 기간은 최대 30일(1달)입니다."
ROW_CAP = 3000  # "최대 조회건수는 3000건 ... 기간을 단축하여 재조회"
MINUTE = timedelta(minutes=1)
# result_code values that mean "nothing in this window" rather than a failure.
DEFAULT_NO_ROWS_CODES: tuple[str, ...] = ("0",)
# result_text that means the same whatever the code (the doc example pairs it with -1).
NO_ROWS_TEXTS: tuple[str, ...] = ("해당건이없습니다", "조회된결과가없습니다")
# -1000 "서버 점검중입니다." (maintenance): the next sync may well succeed.
RETRYABLE_CODES: frozenset[str] = frozenset({"-1000"})
# Rate limits are undocumented; stay well under anything a gateway would mind.
ELEVENTH_STREET_RATE_LIMIT = RateLimit(2.0)

_SNIPPET = 200


@dataclass(frozen=True)
class ClaimList:
    """One claimservice list: its path segment and what its rows mean."""

    name: str
    claim_type: ClaimType
    claim_state: ClaimState


CLAIM_LISTS: tuple[ClaimList, ...] = (
    ClaimList("cancelorders", ClaimType.CANCEL, ClaimState.REQUESTED),  # apiSeq 1639
    ClaimList("canceledorders", ClaimType.CANCEL, ClaimState.COMPLETED),  # 1642
    ClaimList("withdrawcanceledorders", ClaimType.CANCEL, ClaimState.WITHDRAWN),  # 1724
    ClaimList("returnorders", ClaimType.RETURN, ClaimState.REQUESTED),  # 1643
    ClaimList("returnedorders", ClaimType.RETURN, ClaimState.COMPLETED),  # 1646
    ClaimList("retractretorders", ClaimType.RETURN, ClaimState.WITHDRAWN),  # 1647
)

# Per claim type: (claim number, quantity, request time, completion time, option) elements.
_CANCEL_FIELDS = ("ordPrdCnSeq", "ordCnQty", "createDt", "cnTrtEndDt", "slctPrdOptNm")
_RETURN_FIELDS = ("clmReqSeq", "clmReqQty", "reqDt", "trtEndDt", "optName")


@dataclass(frozen=True)
class ListAnswer:
    claims: list[Claim]
    result_code: str | None  # None when the body carried no <result_code>
    result_text: str
    bad: list[tuple[str, str, XmlNode]] = field(default_factory=list)  # (claim id, why, row)


class EleventhStreetClaimSource(HttpClaimSource):
    """core.ports.ClaimSource for one 11st seller (one Open API key)."""

    def __init__(
        self,
        account: str,
        api_key: str,
        *,
        base_url: str = ELEVENTH_STREET_BASE_URL,
        no_rows_codes: Collection[str] = DEFAULT_NO_ROWS_CODES,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        rate_limit: RateLimit | None = ELEVENTH_STREET_RATE_LIMIT,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        claim_lists: Sequence[ClaimList] = CLAIM_LISTS,
        row_cap: int = ROW_CAP,
    ) -> None:
        if row_cap < 1:
            raise ValueError("row_cap must be positive")
        self.account = account
        self.marketplace = "11st"
        self.max_window = MAX_WINDOW
        self.set_aside: list[SetAside] = []  # rows that cannot be read
        self._clock: Clock = clock or SystemClock()
        client = build_client(
            base_url,
            timeouts=timeouts,
            headers={API_KEY_HEADER: api_key, "Accept": "application/xml, text/xml"},
            transport=transport,
        )
        self._http = MarketplaceHttp(
            client,
            marketplace=self.marketplace,
            account=account,
            retry=retry,
            rate_limit=rate_limit,
            sleep=sleep,
            clock=self._clock,
            error_detail=eleventh_street_error_detail,
            secrets=(api_key,),
        )
        # Codes are compared as text: config may hold "-1" or -1.
        self._no_rows_codes = frozenset(str(code).strip() for code in no_rows_codes)
        self._lists = tuple(claim_lists)
        self._row_cap = row_cap

    def __repr__(self) -> str:
        return f"EleventhStreetClaimSource(account={self.account!r})"

    def fetch_claims(self, start: datetime, end: datetime) -> list[Claim]:
        """Every claim line listed in [start, end); all or MarketplaceError.

        The path holds minutes, so the window widens to whole minutes (start rounded down,
        end up); the extra seconds only repeat rows that the next window sees again, and a
        repeated claim is the same result (SPEC rule 10)."""
        check_window(start, end)
        if start == end:
            return []
        first, last = _floor_minute(start), _ceil_minute(end)
        claims: dict[ClaimKey, Claim] = {}
        aside: dict[str, tuple[str, XmlNode]] = {}
        for claim_list in self._lists:
            for piece_start, piece_end in split_window(first, last, MAX_WINDOW):
                for claim in self._list(claim_list, piece_start, piece_end, aside):
                    keep_latest(claims, claim)
        for claim_id, (reason, row) in aside.items():  # once the whole window has been read
            set_aside(
                self.set_aside,
                account=self.account,
                marketplace=self.marketplace,
                claim_id=claim_id,
                reason=reason,
                record=row.markup(),
                window=(start, end),
                redact=self._http.redact,
            )
        return list(claims.values())

    def check(self) -> AccountCheck:
        """One call on the cancel-request list for the last 24 hours: it needs the key and
        the IP registered with it."""
        end = _ceil_minute(self._clock.now())
        requests = next(c for c in CLAIM_LISTS if c.name == "cancelorders")
        try:
            claims = self._call(requests, end - timedelta(days=1), end)
        except MarketplaceError as exc:
            return failed(exc, self.marketplace, _hint(exc))
        return AccountCheck(
            ok=True, summary=f"OK, {len(claims)} cancel request(s) in the last 24 hours"
        )

    def _list(
        self,
        claim_list: ClaimList,
        start: datetime,
        end: datetime,
        aside: dict[str, tuple[str, XmlNode]],
    ) -> list[Claim]:
        """One list over [start, end], halving any piece whose answer hit the row cap."""
        claims: list[Claim] = []
        pending = [(start, end)]
        while pending:
            piece_start, piece_end = pending.pop()
            unreadable: dict[str, tuple[str, XmlNode]] = {}
            rows = self._call(claim_list, piece_start, piece_end, unreadable)
            if len(rows) + len(unreadable) < self._row_cap:  # rows set aside count too
                claims.extend(rows)
                aside.update(unreadable)
                continue
            path = _path(claim_list, piece_start, piece_end)
            if piece_end - piece_start <= MINUTE:
                raise self._http.error(
                    f"{len(rows)} rows in one minute, the most one answer holds; the list "
                    "cannot be split further, so claims would be missed",
                    f"GET {path}",
                )
            middle = piece_start + MINUTE * ((piece_end - piece_start) // MINUTE // 2)
            log.info(
                "11st account %s: %s answered %d rows (the cap); splitting at %s",
                self.account,
                path,
                len(rows),
                middle.astimezone(KST).isoformat(),
            )
            # Popped last-in first-out: the earlier half is fetched first.
            pending += [(middle, piece_end), (piece_start, middle)]
        return claims

    def _call(
        self,
        claim_list: ClaimList,
        start: datetime,
        end: datetime,
        aside: dict[str, tuple[str, XmlNode]] | None = None,
    ) -> list[Claim]:
        """The list's claims; rows that cannot be read go to `aside`, by claim id."""
        path = _path(claim_list, start, end)
        answer = self._http.call_bytes("GET", path, partial(self._parse, claim_list))
        code = answer.result_code
        if code is None or self._is_no_rows(code, answer.result_text):
            if aside is not None:
                aside.update((claim_id, (why, row)) for claim_id, why, row in answer.bad)
            return answer.claims
        raise self._http.error(
            answer.result_text or "error without a result_text",
            f"GET {path}",
            code=code,
            status=200,
            retryable=code in RETRYABLE_CODES,
        )

    def _is_no_rows(self, code: str, text: str) -> bool:
        squeezed = "".join(text.split()).rstrip(".")
        return code in self._no_rows_codes or any(t in squeezed for t in NO_ROWS_TEXTS)

    def _parse(self, claim_list: ClaimList, response: httpx.Response) -> ListAnswer:
        root = parse_xml(response.content, response.charset_encoding)
        if root.tag != "orders":
            raise GarbledBody(f"{root.path}: expected the root element <orders>")
        code = root.get("result_code")
        text = root.get("result_text")
        claims: list[Claim] = []
        bad: list[tuple[str, str, XmlNode]] = []
        for row in root.children("order"):
            try:
                claims.append(self._claim(claim_list, row))
            except GarbledBody as exc:  # this row only: the others are read
                bad.append((_lenient_claim_id(claim_list, row), str(exc), row))
        return ListAnswer(
            claims=claims,
            result_code=None if code is None else code.text,
            result_text="" if text is None else text.text,
            bad=bad,
        )

    def _claim(self, claim_list: ClaimList, row: XmlNode) -> Claim:
        cancel = claim_list.claim_type is ClaimType.CANCEL
        claim_no, quantity, requested, completed, option = (
            _CANCEL_FIELDS if cancel else _RETURN_FIELDS
        )
        completed_at = None
        if claim_list.claim_state is ClaimState.COMPLETED:
            done = row.optional(completed)
            completed_at = None if done is None else done.as_datetime()
        chosen = row.get(option)
        return Claim(
            marketplace=self.marketplace,
            account=self.account,
            claim_id=row[claim_no].as_id(),
            claim_type=claim_list.claim_type,
            claim_state=claim_list.claim_state,
            marketplace_order_id=row["ordNo"].as_id(),
            marketplace_item_id=row["ordPrdSeq"].as_id(),
            cancel_qty=row[quantity].as_int(),
            claimed_at=row[requested].as_datetime(),
            completed_at=completed_at,
            option="" if chosen is None else chosen.as_str(),
        )


def _lenient_claim_id(claim_list: ClaimList, row: XmlNode) -> str:
    """The claim number of a row that could not be read, when that much can be."""
    tag = (_CANCEL_FIELDS if claim_list.claim_type is ClaimType.CANCEL else _RETURN_FIELDS)[0]
    node = row.get(tag)
    return "" if node is None else node.text


def eleventh_street_error_detail(response: httpx.Response) -> tuple[str, str]:
    """(result_code, result_text) of an XML error body; else a snippet of the text (400/404/
    405 pages for malformed calls are not documented to be XML)."""
    try:
        root = parse_xml(response.content, response.charset_encoding)
    except GarbledBody:
        try:
            text = decode_xml(response.content, response.charset_encoding)
        except GarbledBody:
            return "", ""
        return "", " ".join(text.split())[:_SNIPPET]
    code, message = root.get("result_code"), root.get("result_text")
    return ("" if code is None else code.text), ("" if message is None else message.text)


def _hint(error: MarketplaceError) -> str:
    if error.code in ("-28005", "-29005", "-28001", "-29001"):
        # 11st ties the key to the caller IPs registered with it and documents no other
        # answer for a call from elsewhere.
        return (
            "11st does not know this seller: the openapikey is wrong, or this server's IP is "
            "not the one registered with the key (11st 셀러오피스 > Open API 센터)"
        )
    if error.code in RETRYABLE_CODES:
        return "11st is under maintenance: try again later"
    if error.status is None:
        return "no answer from 11st: check the network, a proxy, or `base_url`"
    return "11st's own code and message above say what it refused"


def _path(claim_list: ClaimList, start: datetime, end: datetime) -> str:
    return LIST_PATH.format(name=claim_list.name, start=_stamp(start), end=_stamp(end))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y%m%d%H%M")


def _floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _ceil_minute(moment: datetime) -> datetime:
    floor = _floor_minute(moment)
    return floor if floor == moment else floor + MINUTE
