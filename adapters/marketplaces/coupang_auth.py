"""Coupang's CEA HMAC-SHA256 request signing (developers.coupangcorp.com, "Creating HMAC
Signature").

The signature covers the UTC time, method, path and the query string exactly as sent, so it is
computed in the auth flow, on the final request, once per attempt (a retry is re-signed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator
from datetime import UTC

import httpx

from core.ports import Clock


def signed_date(clock: Clock) -> str:
    """`yyMMdd'T'HHmmss'Z'` in UTC, e.g. 250115T051702Z."""
    return clock.now().astimezone(UTC).strftime("%y%m%dT%H%M%SZ")


def signature(secret_key: str, date: str, method: str, path: str, query: str) -> str:
    """hex HMAC-SHA256 of date + METHOD + path + query (raw, without '?'), lowercase."""
    message = f"{date}{method.upper()}{path}{query}"
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


class CoupangAuth(httpx.Auth):
    def __init__(self, access_key: str, secret_key: str, *, clock: Clock) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock

    def __repr__(self) -> str:
        return "CoupangAuth(<keys hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # raw_path is the encoded path plus '?query' exactly as it goes on the wire.
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        date = signed_date(self._clock)
        sig = signature(self._secret_key, date, request.method, path, query)
        request.headers["Authorization"] = (
            f"CEA algorithm=HmacSHA256, access-key={self._access_key}, "
            f"signed-date={date}, signature={sig}"
        )
        yield request
