"""The ports core needs from the outside world. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from core.claims import Claim


class ClaimSource(Protocol):
    """One marketplace account's cancel/return lists.

    `fetch_claims` returns every claim line whose state changed in [start, end). It either
    returns the whole window or raises core.errors.MarketplaceError: never half a window.
    """

    account: str
    marketplace: str
    max_window: timedelta  # the longest window the marketplace accepts in one query

    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


__all__ = ["Claim", "ClaimSource", "Clock", "Iterable"]
