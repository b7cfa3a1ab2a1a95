"""What every marketplace's claim actions share: one write attempt, read as an Answer, then
settled into a core ActionOutcome, re-reading the claim when the answer alone cannot say.

Each marketplace module sends its write through `MarketplaceHttp.send_once` (no retry) and
sorts the reply into an Answer; `settle` does the rest, the same way for all of them:

| answer | re-read | outcome |
|---|---|---|
| APPLIED (success in the body) | — | DONE |
| REFUSED (the marketplace said no) | — | FAILED, its code and message |
| ALREADY_DONE ("이미 … 완료") | COMPLETED | DONE |
| | REQUESTED | FAILED: the marketplace still shows it open |
| | anything else, or no re-read | UNKNOWN: check the seller page |
| REFUSED_OR_DONE (a refusal that may mean "already done") | COMPLETED | DONE |
| | anything else | FAILED, its code and message |
| UNCLEAR (timeout, dropped connection, 5xx, an unreadable 2xx) | COMPLETED | DONE |
| | REQUESTED | FAILED: not applied |
| | anything else, or no re-read | UNKNOWN: check the seller page |

REFUSED_OR_DONE is Naver's: its refusal codes do not say whether the claim was already
accepted. Never a resend: whatever the re-read says, the write is not sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Self

import httpx

from adapters.marketplaces._http import HttpClaimSource, MarketplaceHttp
from core.claims import ClaimState
from core.errors import MarketplaceError
from core.marketplace_actions import ActionOutcome, ActionRequest, ActionState, ClaimAtMarketplace

log = logging.getLogger(__name__)

NOT_APPLIED = "not applied"
CHECK_SELLER_PAGE = "check the seller page"


class HttpClaimActions:
    """What every marketplace's claim actions share: the claim source's account, its
    request runner (one client, one rate limit), closing, and `with` support."""

    def __init__(self, source: HttpClaimSource, account: str, marketplace: str) -> None:
        self.account = account
        self.marketplace = marketplace
        self._source = source
        self._http = source.http

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Kind(Enum):
    APPLIED = "applied"
    REFUSED = "refused"
    ALREADY_DONE = "already done"
    REFUSED_OR_DONE = "refused, or already done"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class Answer:
    """What one write attempt's reply says, before any re-read. `code` and `message` are
    the marketplace's own (or, with no reply, what happened to the request)."""

    kind: Kind
    code: str
    message: str
    http_status: int | None


def no_answer(exc: httpx.RequestError) -> Answer:
    """A write that got no reply. Only a failed connect proves it was never sent; a
    timeout or a dropped connection may have been applied."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return Answer(Kind.REFUSED, "", f"not sent: connection failed ({type(exc).__name__})", None)
    return Answer(Kind.UNCLEAR, "", f"no answer ({type(exc).__name__})", None)


def not_sent(reason: str, error: MarketplaceError | None = None) -> ActionOutcome:
    """FAILED before the write (a bad id, a read the write needs failed): nothing went to
    the marketplace's write endpoint. `error` lends its code, status and message."""
    if error is None:
        return ActionOutcome(ActionState.FAILED, "", f"not sent: {reason}", None, write_calls=0)
    detail = error.args[0] if error.args else str(error)
    message = f"not sent: {reason}: {detail}"
    return ActionOutcome(ActionState.FAILED, error.code, message, error.status, write_calls=0)


def attempt(http: MarketplaceHttp, send: Callable[[], httpx.Response]) -> httpx.Response | Answer:
    """Run one write; a transport failure becomes its Answer."""
    try:
        return send()
    except httpx.RequestError as exc:
        log.warning("%s account %s: write got no answer (%s)", http.marketplace, http.account, exc)
        return no_answer(exc)


def settle(
    answer: Answer,
    reread: Callable[[], ClaimAtMarketplace],
    *,
    http: MarketplaceHttp,
    request: ActionRequest,
    action: str,
) -> ActionOutcome:
    """The outcome of one write that was sent (see the module's table)."""
    kind = answer.kind
    message = answer.message or kind.value
    if kind is Kind.APPLIED:
        outcome = _outcome(http, ActionState.DONE, answer, message)
    elif kind is Kind.REFUSED:
        outcome = _outcome(http, ActionState.FAILED, answer, message)
    else:
        found = _reread(reread, http, request)
        state = None if found is None or not found.found else found.claim_state
        seen = "the claim could not be read again" if found is None else _seen(found)
        if state is ClaimState.COMPLETED:
            outcome = _outcome(http, ActionState.DONE, answer, f"{message} ({seen})")
        elif kind is Kind.REFUSED_OR_DONE:
            outcome = _outcome(http, ActionState.FAILED, answer, message)
        elif state is ClaimState.REQUESTED:
            if kind is Kind.UNCLEAR:
                text = f"{message}: {NOT_APPLIED} ({seen})"
            else:
                text = f"{message} ({seen})"
            outcome = _outcome(http, ActionState.FAILED, answer, text)
        else:
            outcome = _outcome(
                http, ActionState.UNKNOWN, answer, f"{message}: {CHECK_SELLER_PAGE} ({seen})"
            )
    log.info(
        "%s account %s: %s on claim %s: %s (%s, HTTP %s)",
        http.marketplace,
        http.account,
        action,
        request.claim_id,
        outcome.state.value,
        kind.value,
        answer.http_status,
    )
    return outcome


def _outcome(
    http: MarketplaceHttp, state: ActionState, answer: Answer, message: str
) -> ActionOutcome:
    # A gateway may quote a credential back; the outcome is shown to people and stored.
    code, text = http.redact(answer.code), http.redact(message)
    return ActionOutcome(state, code, text, answer.http_status, write_calls=1)


def _reread(
    reread: Callable[[], ClaimAtMarketplace], http: MarketplaceHttp, request: ActionRequest
) -> ClaimAtMarketplace | None:
    try:
        return reread()
    except MarketplaceError as exc:
        log.warning(
            "%s account %s: re-reading claim %s failed: %s",
            http.marketplace,
            http.account,
            request.claim_id,
            exc,
        )
        return None


def _seen(found: ClaimAtMarketplace) -> str:
    if not found.found:
        return f"the marketplace no longer shows the claim: {found.detail}"
    if found.claim_state is ClaimState.COMPLETED:
        return f"the marketplace shows it completed: {found.detail}"
    if found.claim_state is ClaimState.REQUESTED:
        return f"the marketplace still shows the request open: {found.detail}"
    return f"the marketplace shows {found.detail}"
