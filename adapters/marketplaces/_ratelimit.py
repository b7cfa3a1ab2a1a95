"""Client-side rate limiting: a token bucket per marketplace account.

Marketplaces limit per seller (Coupang: per vendorId, "more than 10 calls/s" gets 429 and a
block of minutes). Staying under the limit is far cheaper than backing off after a 429.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.ports import Clock


@dataclass(frozen=True)
class RateLimit:
    """`per_second` sustained; `burst` calls may go back to back after an idle spell.
    burst=1 spaces calls evenly, so no one-second window ever holds more than `per_second`."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs per_second > 0 and burst >= 1")


class TokenBucket:
    """Blocks (through the injected `sleep`) until a call may go out. Thread-safe: callers
    queue on the lock, which is exactly the serialisation a rate limit asks for."""

    def __init__(self, limit: RateLimit, *, clock: Clock, sleep: Callable[[float], None]) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(limit.burst)
        self._stamp = clock.now().timestamp()

    def acquire(self) -> None:
        with self._lock:
            self._refill()
            if self._tokens < 1.0:
                self._sleep((1.0 - self._tokens) / self.limit.per_second)
                self._refill()
                # The sleep paid for exactly one token; a clock that did not move (a fake in
                # tests, or a coarse one) must not make us wait twice.
                self._tokens = max(self._tokens, 1.0)
            self._tokens -= 1.0

    def _refill(self) -> None:
        now = self._clock.now().timestamp()
        # max(0, …): a wall clock stepped backwards must not drain the bucket.
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(float(self.limit.burst), self._tokens + elapsed * self.limit.per_second)
