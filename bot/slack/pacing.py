"""The pace of Web API calls: at most one post per second per channel, chat.update at
Slack's Tier 3 (about 50 a minute per workspace), and every call held while Slack asks us
to wait (a 429's Retry-After).

Paced calls take slots from `Slots`: in production the slots live in the database
(SharedSlots), so the pace holds across replicas: one channel never sees more than one
post a second however many replicas post to it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.client import Failure, describe
from core.pacing import hold_slots, reserve_slot
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

POST_INTERVAL: Final = 1.0  # seconds between two chat.postMessage to one channel
# chat.update is Tier 3: "50+ per minute" per workspace. One every 1.25 s is 48 a minute,
# a little under the tier, so clicks' own updates fit in beside the outbox's.
UPDATE_INTERVAL: Final = 60.0 / 48
RATE_LIMIT_RETRIES: Final = 3  # 429s waited out in place before the call is given up


class Timer(Protocol):
    """Monotonic seconds and a sleep; tests inject fake time, production a stoppable one."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    """Real time; `sleep` returns early once `stop` is set, so shutdown never waits on it."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self._stop = stop

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if self._stop is None:
            time.sleep(seconds)
        else:
            self._stop.wait(seconds)


class Slots(Protocol):
    """Consecutive slots per kind of call (`key`), `interval` seconds apart."""

    def take(self, key: str, interval: float) -> float:
        """Take the next slot for `key`; seconds from now until it starts (0: now)."""
        ...

    def hold(self, key: str, seconds: float) -> None:
        """No slot for `key` in the next `seconds`."""
        ...


class LocalSlots:
    """Slots kept in this process, on its timer (one process; tests on injected time)."""

    def __init__(self, timer: Timer) -> None:
        self._timer = timer
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, interval: float) -> float:
        with self._lock:
            now = self._timer.monotonic()
            start = max(self._next.get(key, now), now)
            self._next[key] = start + interval
            return start - now

    def hold(self, key: str, seconds: float) -> None:
        with self._lock:
            until = self._timer.monotonic() + seconds
            self._next[key] = max(self._next.get(key, until), until)


class SharedSlots:
    """Slots in the database, shared by every replica (core.pacing): the wall clock is
    the common time, as it is for leases."""

    def __init__(
        self, make_uow: Callable[[], UnitOfWork], wall: Callable[[], float] = time.time
    ) -> None:
        self._make_uow = make_uow
        self._wall = wall

    def take(self, key: str, interval: float) -> float:
        now = self._wall()
        return max(reserve_slot(self._make_uow, key, now, interval) - now, 0.0)

    def hold(self, key: str, seconds: float) -> None:
        hold_slots(self._make_uow, key, self._wall() + seconds)


class SlackFailed(Exception):
    """A Web API call failed; `failure` says whether a retry can help."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.description)
        self.failure = failure


class Interrupted(Exception):
    """Shutdown began while a call waited for its turn."""


class Pacer:
    """Spaces chat.postMessage per channel and chat.update per workspace through `slots`,
    and holds every call after a 429."""

    def __init__(
        self,
        timer: Timer,
        interval: float = POST_INTERVAL,
        *,
        slots: Slots | None = None,
        update_interval: float = UPDATE_INTERVAL,
    ) -> None:
        self._timer = timer
        self._slots = slots or LocalSlots(timer)
        self._intervals = {"chat.update": update_interval}
        self._interval = interval
        self._hold_until = 0.0
        self._lock = threading.Lock()

    def pace_of(self, method: str, post_to: str | None) -> tuple[str, float] | None:
        """(slot key, interval) of a call, None when it is not paced."""
        if post_to is not None:
            return f"post:{post_to}", self._interval
        if method in self._intervals:
            return method, self._intervals[method]
        return None

    def wait(self, pace: tuple[str, float] | None, should_stop: Callable[[], bool]) -> bool:
        """Sleep until the call's slot (and any 429 hold) has come; False when asked to
        stop meanwhile."""
        now = self._timer.monotonic()
        due = now + (self._slots.take(*pace) if pace is not None and pace[1] > 0 else 0.0)
        while not should_stop():
            with self._lock:
                until = max(due, self._hold_until)
            delay = until - self._timer.monotonic()
            if delay <= 0:
                return True
            self._timer.sleep(delay)
        return False

    def hold(self, seconds: float, pace: tuple[str, float] | None = None) -> None:
        with self._lock:
            self._hold_until = max(self._hold_until, self._timer.monotonic() + seconds)
        if pace is not None:
            self._slots.hold(pace[0], seconds)

    def call(
        self,
        method: str,
        send: Callable[[], SlackResponse],
        *,
        post_to: str | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> SlackResponse:
        """`send()` once its turn comes. A 429 holds every call for Retry-After seconds (and
        the call's kind for every replica) and is waited out in place a few times; other
        failures raise SlackFailed at once."""
        pace = self.pace_of(method, post_to)
        failure = Failure(f"{method}: ratelimited")
        for _attempt in range(RATE_LIMIT_RETRIES + 1):
            if not self.wait(pace, should_stop):
                raise Interrupted()
            try:
                return send()
            except SlackApiError as exc:
                failure = describe(method, exc)
                if not failure.rate_limited:
                    raise SlackFailed(failure) from exc
                log.warning("%s rate limited; waiting %.0fs", method, failure.retry_after)
                self.hold(failure.retry_after, pace)
            except Exception as exc:  # timeouts, connection errors: retried with backoff
                raise SlackFailed(describe(method, exc)) from exc
        raise SlackFailed(failure)
