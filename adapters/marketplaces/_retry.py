"""The retry decision: given what one attempt produced, try again, and after how long?

Pure (no I/O, no sleeping), so every branch is testable without HTTP. The request runner in
`_http` asks it after each failed attempt and does the sleeping itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

# Naver Commerce API gateway rate-limit headers (docs/restriction).
NAVER_REPLENISH_RATE = "GNCP-GW-RateLimit-Replenish-Rate"
NAVER_QUOTA_PERIOD = "GNCP-GW-Quota-Period"


@dataclass(frozen=True)
class RetryDecision:
    retry: bool
    delay: float  # seconds to wait before the next attempt (0 when not retrying)
    reason: str  # what went wrong, for logs and the final error message
    transient: bool  # the failure may pass: worth trying again later even if not now


@dataclass(frozen=True)
class RetryPolicy:
    """Capped, jittered exponential backoff for transient failures; server-sent waits win.

    `max_wait` bounds a wait the server asks for (Retry-After, rate-limit headers): a longer
    one gives up now with a transient error instead of blocking the sync thread for minutes.
    """

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_wait: float = 60.0
    # Returns a float in [0, 1) that spreads the backoff; injectable so tests get exact delays.
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def decide(
        self, outcome: httpx.Response | Exception, attempt: int, now: datetime
    ) -> RetryDecision:
        """`attempt` counts from 1 and is the attempt that produced `outcome`."""
        reason, transient = classify(outcome)
        if not transient:
            return RetryDecision(False, 0.0, reason, transient=False)
        if attempt >= self.max_attempts:
            return RetryDecision(False, 0.0, f"{reason} (gave up after {attempt} attempts)", True)
        asked = server_delay(outcome, now) if isinstance(outcome, httpx.Response) else None
        if asked is None:
            return RetryDecision(True, self.backoff(attempt), reason, transient=True)
        if asked > self.max_wait:
            wait = "an unknown time" if math.isinf(asked) else f"{asked:.0f}s"
            return RetryDecision(False, 0.0, f"{reason} (server asks to wait {wait})", True)
        return RetryDecision(True, asked, reason, transient=True)

    def backoff(self, attempt: int) -> float:
        """Equal jitter: half the capped exponential step is fixed, half random, so retries
        from many accounts spread out but never fire instantly."""
        step = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return step / 2 + self.jitter() * step / 2


def classify(outcome: httpx.Response | Exception) -> tuple[str, bool]:
    """(reason, transient) for one attempt's exception or non-2xx response."""
    if isinstance(outcome, httpx.TimeoutException):
        return f"timeout ({type(outcome).__name__})", True
    if isinstance(outcome, httpx.NetworkError | httpx.RemoteProtocolError):
        return f"connection failed ({type(outcome).__name__})", True
    if isinstance(outcome, Exception):
        return f"request failed ({type(outcome).__name__})", False
    status = outcome.status_code
    if status == 429:
        return "rate limited (HTTP 429)", True
    # 501 (not implemented) will not change by asking again; other 5xx are the server's trouble.
    if status == 408 or (status >= 500 and status != 501):
        return f"server error (HTTP {status})", True
    return f"HTTP {status}", False


def server_delay(response: httpx.Response, now: datetime) -> float | None:
    """The wait the server asked for, in seconds; None when it did not say; inf when it
    said "not within this call" (a Naver quota counted per round)."""
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None:
        parsed = parse_retry_after(retry_after, now)
        if parsed is not None:
            return parsed
    if response.status_code != 429:
        return None
    return _naver_rate_limit_delay(response.headers)


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        return None
    return max(0.0, (when - now).total_seconds())


def _naver_rate_limit_delay(headers: httpx.Headers) -> float | None:
    """Naver answers 429 without Retry-After but says how its token bucket refills."""
    period = headers.get(NAVER_QUOTA_PERIOD)
    if period is not None:
        # A per-second quota refills within a second; a per-"ROUND" one has no published length.
        return 1.0 if period.strip().upper() == "SECONDS" else math.inf
    rate = _positive_float(headers.get(NAVER_REPLENISH_RATE))
    # A 429 means the bucket is empty; one request needs one token, refilled at `rate`/s.
    return None if rate is None else 1.0 / rate


def _positive_float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None
