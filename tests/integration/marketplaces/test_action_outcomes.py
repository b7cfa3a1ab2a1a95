"""How one write's answer and the re-read settle into an ActionOutcome (adapters/
marketplaces/_actions.py), the same for every marketplace."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from adapters.marketplaces._actions import Answer, Kind, no_answer, settle
from adapters.marketplaces._http import MarketplaceHttp, build_client
from adapters.marketplaces._time import KST
from core.claims import ClaimState
from core.errors import MarketplaceError
from core.marketplace_actions import ActionRequest, ActionState, ClaimAtMarketplace

REQUEST = ActionRequest("11st", "11st-main", "81900001", "202503000000001", "1", datetime.now(KST))
OPEN = ClaimAtMarketplace(True, ClaimState.REQUESTED, False, "취소신청")
DONE = ClaimAtMarketplace(True, ClaimState.COMPLETED, False, "취소완료")
WITHDRAWN = ClaimAtMarketplace(True, ClaimState.WITHDRAWN, False, "배송준비중")
UNSURE = ClaimAtMarketplace(True, None, None, "취소중")
GONE = ClaimAtMarketplace(False, None, None, "no such order")
UNREADABLE = None  # the re-read raises


def unused(request: httpx.Request) -> httpx.Response:
    raise AssertionError("settle() sends nothing")


def http() -> MarketplaceHttp:
    client = build_client("https://api.example.test", transport=httpx.MockTransport(unused))
    return MarketplaceHttp(client, marketplace="11st", account="11st-main", secrets=("key-123456",))


def settled(kind: Kind, found: ClaimAtMarketplace | None) -> tuple[ActionState, str, int]:
    rereads: list[int] = []

    def reread() -> ClaimAtMarketplace:
        rereads.append(1)
        if found is None:
            raise MarketplaceError("11st: -1000 서버 점검중입니다.")
        return found

    answer = Answer(kind, "-1", "msg", 200)
    outcome = settle(answer, reread, http=http(), request=REQUEST, action="accept_cancel")
    assert (outcome.code, outcome.http_status, outcome.write_calls) == ("-1", 200, 1)
    return outcome.state, outcome.message, len(rereads)


@pytest.mark.parametrize(
    ("kind", "found", "state", "says"),
    [
        (Kind.ALREADY_DONE, DONE, ActionState.DONE, "msg (the marketplace shows it completed"),
        (Kind.ALREADY_DONE, OPEN, ActionState.FAILED, "msg (the marketplace still shows"),
        (Kind.ALREADY_DONE, WITHDRAWN, ActionState.UNKNOWN, "msg: check the seller page"),
        (Kind.ALREADY_DONE, UNREADABLE, ActionState.UNKNOWN, "could not be read again"),
        (Kind.REFUSED_OR_DONE, DONE, ActionState.DONE, "msg (the marketplace shows it completed"),
        (Kind.REFUSED_OR_DONE, OPEN, ActionState.FAILED, "msg"),
        (Kind.REFUSED_OR_DONE, UNREADABLE, ActionState.FAILED, "msg"),
        (Kind.UNCLEAR, DONE, ActionState.DONE, "msg (the marketplace shows it completed"),
        (Kind.UNCLEAR, OPEN, ActionState.FAILED, "msg: not applied (the marketplace still"),
        (Kind.UNCLEAR, WITHDRAWN, ActionState.UNKNOWN, "msg: check the seller page"),
        (Kind.UNCLEAR, UNSURE, ActionState.UNKNOWN, "msg: check the seller page"),
        (Kind.UNCLEAR, GONE, ActionState.UNKNOWN, "no longer shows the claim: no such order"),
        (Kind.UNCLEAR, UNREADABLE, ActionState.UNKNOWN, "could not be read again"),
    ],
)
def test_an_answer_that_cannot_speak_for_itself_is_settled_by_the_re_read(
    kind: Kind, found: ClaimAtMarketplace | None, state: ActionState, says: str
) -> None:
    got, message, rereads = settled(kind, found)
    assert got is state
    assert message.startswith(says) or says in message
    assert rereads == 1


@pytest.mark.parametrize(
    ("kind", "state"), [(Kind.APPLIED, ActionState.DONE), (Kind.REFUSED, ActionState.FAILED)]
)
def test_a_clear_answer_needs_no_re_read(kind: Kind, state: ActionState) -> None:
    assert settled(kind, DONE) == (state, "msg", 0)


def test_a_credential_quoted_in_the_answer_never_reaches_the_outcome() -> None:
    answer = Answer(Kind.REFUSED, "key-123456", "invalid openapikey key-123456", 200)
    outcome = settle(answer, lambda: DONE, http=http(), request=REQUEST, action="accept_cancel")
    assert "key-123456" not in f"{outcome.code} {outcome.message}"
    assert outcome.message == "invalid openapikey [redacted]"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectError("refused"), Kind.REFUSED),  # never reached the server
        (httpx.ConnectTimeout("slow"), Kind.REFUSED),
        (httpx.ReadTimeout("slow"), Kind.UNCLEAR),  # may have been applied
        (httpx.WriteTimeout("slow"), Kind.UNCLEAR),
        (httpx.RemoteProtocolError("server disconnected"), Kind.UNCLEAR),
        (httpx.ReadError("reset"), Kind.UNCLEAR),
    ],
)
def test_only_a_failed_connect_proves_a_write_was_not_sent(
    error: httpx.RequestError, kind: Kind
) -> None:
    answer = no_answer(error)
    assert answer.kind is kind and answer.http_status is None
    assert type(error).__name__ in answer.message
