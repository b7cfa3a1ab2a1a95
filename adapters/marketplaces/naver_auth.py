"""Naver Commerce API tokens: OAuth2 client credentials signed with bcrypt (marketplaces.md §2.1).

A token lives 3 h. Naver hands back the same token while more than 30 min remain, so we
keep ours until then and ask again below that; a 401 GW.AUTHN drops it early (`invalidate`).
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt

from adapters.marketplaces._http import MarketplaceHttp
from adapters.marketplaces._json import GarbledBody, JsonNode
from core.ports import Clock

REFRESH_MARGIN = timedelta(minutes=30)


def client_secret_sign(client_id: str, client_secret: str, timestamp_ms: int) -> str:
    """base64(bcrypt(f"{client_id}_{timestamp}", salt=client_secret)); the secret is a salt."""
    hashed = bcrypt.hashpw(f"{client_id}_{timestamp_ms}".encode(), client_secret.encode())
    return base64.b64encode(hashed).decode("ascii")


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: datetime


def _parse_token(body: JsonNode) -> tuple[str, int]:
    token, lifetime = body["access_token"].as_str(), body["expires_in"].as_int()
    if not token or lifetime <= 0:
        raise GarbledBody("$: empty access_token or non-positive expires_in")
    return token, lifetime


class NaverTokens:
    """Issues and caches the bearer token of one application (type SELF) or seller (SELLER)."""

    def __init__(
        self,
        http: MarketplaceHttp,
        *,
        token_path: str,
        client_id: str,
        client_secret: str,
        clock: Clock,
        token_type: str = "SELF",
        seller_account_id: str | None = None,
        refresh_margin: timedelta = REFRESH_MARGIN,
    ) -> None:
        if token_type == "SELLER" and not seller_account_id:
            raise ValueError("token_type SELLER needs seller_account_id")
        self._http = http
        self._path = token_path
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._type = token_type
        self._seller_account_id = seller_account_id
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: _Token | None = None

    def __repr__(self) -> str:
        return f"NaverTokens(client_id={self._client_id!r}, <secret hidden>)"

    def get(self) -> str:
        with self._lock:
            token = self._token
            if token is None or token.expires_at - self._clock.now() < self._margin:
                token = self._token = self._issue()
            return token.value

    def invalidate(self, value: str) -> None:
        """Forget `value` (the gateway refused it); a newer token is left alone."""
        with self._lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _issue(self) -> _Token:
        issued_at = self._clock.now()
        timestamp = int(issued_at.timestamp() * 1000)
        try:
            sign = client_secret_sign(self._client_id, self._client_secret, timestamp)
        except ValueError:
            # bcrypt's "Invalid salt": the configured secret is not a Naver client secret.
            raise self._http.error(
                "client_secret is not a bcrypt salt; check the application's secret",
                f"POST {self._path}",
            ) from None
        form = {
            "client_id": self._client_id,
            "timestamp": str(timestamp),
            "grant_type": "client_credentials",
            "client_secret_sign": sign,
            "type": self._type,
        }
        if self._seller_account_id:
            form["account_id"] = self._seller_account_id
        # data= sends application/x-www-form-urlencoded, the form Naver asks for.
        value, lifetime = self._http.call("POST", self._path, _parse_token, data=form)
        return _Token(value, issued_at + timedelta(seconds=lifetime))
