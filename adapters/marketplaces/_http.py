"""The HTTP layer every marketplace adapter shares.

`build_client` makes the httpx.Client (explicit timeouts, injectable transport for tests);
`MarketplaceHttp.call` runs one logical request: rate limit, send, retry transient failures
as `_retry.RetryPolicy` decides, and turn everything that still fails into a
MarketplaceError naming the account and the request (method + path only: query strings and
headers may hold credentials, so they never reach an error or a log line); it parses a JSON
body. `MarketplaceHttp.call_bytes` is the same runner for bodies that are not JSON (11st's
XML): the caller's parser gets the raw response. `MarketplaceHttp.send_once` is for writes:
one attempt, no retry, whatever the answer (a resent write could act twice).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from json import JSONDecodeError
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from adapters.clock import SystemClock
from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces._ratelimit import RateLimit, TokenBucket
from adapters.marketplaces._retry import RetryPolicy
from core.claims import Claim
from core.errors import MarketplaceError
from core.ports import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")

# Returns (code, message) the marketplace put in an error response, "" when it put none.
ErrorDetail = Callable[[httpx.Response], tuple[str, str]]

_SNIPPET = 200  # characters of a non-JSON error body worth showing a person
REDACTED = "[redacted]"  # what a credential quoted in an error answer becomes


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `read` is per socket read, not for the whole response."""

    connect: float = 5.0
    read: float = 30.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect, read=self.read, write=self.read, pool=self.connect
        )


DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_RETRY = RetryPolicy()


def build_client(
    base_url: str,
    *,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for one marketplace host. Pass `transport=httpx.MockTransport(app)` in tests."""
    return httpx.Client(
        base_url=base_url,
        timeout=timeouts.to_httpx(),
        auth=auth,
        headers={"User-Agent": "cancelbot", **(headers or {})},
        transport=transport,
        # A redirect from an API gateway is a misconfiguration to report, not to follow
        # (following could resend credentials to another host).
        follow_redirects=False,
    )


def json_error_detail(response: httpx.Response) -> tuple[str, str]:
    """Error bodies shaped `{"code": .., "message": ..}` (Coupang, the Naver gateway)."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text.strip()[:_SNIPPET]
    if not isinstance(body, dict):
        return "", ""
    code, message = body.get("code"), body.get("message")
    return ("" if code is None else str(code)), ("" if message is None else str(message))


class MarketplaceHttp:
    """Runs requests for one marketplace account; see the module docstring."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        marketplace: str,
        account: str,
        retry: RetryPolicy = DEFAULT_RETRY,
        rate_limit: RateLimit | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
        error_detail: ErrorDetail = json_error_detail,
        secrets: Iterable[str] = (),
    ) -> None:
        self.client = client
        self.marketplace = marketplace
        self.account = account
        self._retry = retry
        self._sleep = sleep
        self._clock: Clock = clock or SystemClock()
        self._limiter = (
            None if rate_limit is None else TokenBucket(rate_limit, clock=self._clock, sleep=sleep)
        )
        self._error_detail = error_detail
        # The account's credentials: a gateway may quote them back in an error answer, and
        # the error goes to sync_state.last_error and /healthz, where no log filter masks it.
        self._secrets = sorted({v for v in secrets if len(v) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """`text` with this account's credentials masked."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def call(
        self,
        method: str,
        path: str,
        parse: Callable[[JsonNode], T],
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> T:
        """Send until success or a final failure; return `parse` of the JSON body.

        Raises MarketplaceError for a non-retryable status, exhausted retries, or a body that
        is not JSON or not the shape `parse` expects (GarbledBody). `auth` None means the
        client's own auth."""
        label = f"{method} {path}"
        response = self._send(method, path, label, params=params, json=json, data=data, auth=auth)
        return self._parse(response, parse, label)

    def call_bytes(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> T:
        """`call` for bodies that are not JSON (11st's XML): `parse` gets the successful
        response (its raw `content` and headers, for the charset) and decodes it itself.
        GarbledBody from `parse` becomes a MarketplaceError like a bad JSON body does."""
        label = f"{method} {path}"
        response = self._send(method, path, label, params=params, json=json, data=data, auth=auth)
        try:
            return parse(response)
        except GarbledBody as exc:
            raise self.error(
                f"unexpected response body: {exc}", label, status=response.status_code
            ) from None

    def send_once(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """One attempt (rate limited), bypassing the retry policy: the answer whatever its
        status. A write must never be resent blindly: Coupang answers some business errors
        with HTTP 500 and 11st writes are GETs, so a generic retry could act twice. Raises
        httpx.RequestError (a timeout, a dropped connection) for the caller to settle."""
        if self._limiter is not None:
            self._limiter.acquire()
        response = self.client.request(
            method,
            path,
            params=params,
            json=json,
            auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
        )
        log.debug("%s %s %s (once) -> HTTP %s", self.account, method, path, response.status_code)
        return response

    def _send(
        self,
        method: str,
        path: str,
        label: str,
        *,
        params: Mapping[str, str | int] | None,
        json: Any,
        data: Mapping[str, str] | None,
        auth: httpx.Auth | None,
    ) -> httpx.Response:
        """The successful (2xx) response, after rate limiting and retries."""
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire()
            outcome: httpx.Response | Exception
            try:
                outcome = self.client.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    data=data,
                    auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
                )
            except httpx.RequestError as exc:
                outcome = exc
            else:
                log.debug("%s %s -> HTTP %s", self.account, label, outcome.status_code)
                if outcome.is_success:
                    return outcome
            decision = self._retry.decide(outcome, attempt, self._clock.now())
            if not decision.retry:
                failure = self._failure(outcome, label, decision.reason, decision.transient)
                raise failure from (outcome if isinstance(outcome, Exception) else None)
            log.warning(
                "%s account %s: %s %s; retry %d in %.2fs",
                self.marketplace,
                self.account,
                label,
                decision.reason,
                attempt,
                decision.delay,
            )
            self._sleep(decision.delay)

    def error(
        self,
        message: str,
        request: str,
        *,
        code: str = "",
        status: int | None = None,
        retryable: bool = False,
    ) -> MarketplaceError:
        """A MarketplaceError about this account; adapters use it for problems they find."""
        return MarketplaceError(
            self.redact(f"{self.marketplace}: {message}"),
            account=self.account,
            request=request,
            code=self.redact(code),
            status=status,
            retryable=retryable,
        )

    def _parse(self, response: httpx.Response, parse: Callable[[JsonNode], T], label: str) -> T:
        status = response.status_code
        try:
            payload = _json(response)
        except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
            # The body itself is not quoted: answers carry customers' names and addresses.
            raise self.error(f"response is not valid JSON ({exc})", label, status=status) from None
        try:
            return parse(JsonNode(payload))
        except GarbledBody as exc:
            raise self.error(f"unexpected response body: {exc}", label, status=status) from None

    def _failure(
        self, outcome: httpx.Response | Exception, label: str, reason: str, transient: bool
    ) -> MarketplaceError:
        if isinstance(outcome, Exception):
            return self.error(f"{reason}: {outcome}", label, retryable=transient)
        code, message = self._error_detail(outcome)
        # The reason adds news only when it is more than the status (a 429, retries spent).
        text = (f"{message} ({reason})" if transient else message) if message else reason
        return self.error(text, label, code=code, status=outcome.status_code, retryable=transient)


def _json(response: httpx.Response) -> Any:
    """The body's JSON. Integers are read by the C parser; only a body holding one too long
    for int() is read again, slower, with that integer kept as text."""
    try:
        return response.json()
    except (JSONDecodeError, UnicodeDecodeError):
        raise
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        return response.json(parse_int=_int_or_text)


def _int_or_text(digits: str) -> int | str:
    """A JSON integer; one too long for int() (4,300 digits) stays text, so the record
    holding it is set aside instead of the whole body failing."""
    return int(digits) if len(digits) <= 4000 else digits


class HttpClaimSource(ABC):
    """What every HTTP marketplace source shares: its MarketplaceHttp, closing, `with` support."""

    _http: MarketplaceHttp

    @property
    def http(self) -> MarketplaceHttp:
        """The account's request runner, shared with its claim actions (one client, one
        rate limit)."""
        return self._http

    @abstractmethod
    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]: ...

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        """The window in one piece; sources whose API pages override this to stream."""
        yield self.fetch_claims(start, end)

    def close(self) -> None:
        self._http.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
