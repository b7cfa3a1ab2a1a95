"""The pace of Web API calls: at most one post per second per channel, and every call held
while Slack asks us to wait (a 429's Retry-After)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.slack.client import Failure, describe

log = logging.getLogger(__name__)

POST_INTERVAL: Final = 1.0  # seconds between two chat.postMessage to one channel
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


class SlackFailed(Exception):
    """A Web API call failed; `failure` says whether a retry can help."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.description)
        self.failure = failure


class Interrupted(Exception):
    """Shutdown began while a call waited for its turn."""


class Pacer:
    """Spaces chat.postMessage per channel, and holds every call after a 429."""

    def __init__(self, timer: Timer, interval: float = POST_INTERVAL) -> None:
        self._timer = timer
        self._interval = interval
        self._next: dict[str, float] = {}
        self._hold_until = 0.0
        self._lock = threading.Lock()

    def wait(self, channel: str | None, should_stop: Callable[[], bool]) -> bool:
        """Sleep until a call (a post to `channel`, or any call for None) may go out;
        False when asked to stop meanwhile."""
        while not should_stop():
            with self._lock:
                due = self._hold_until
                if channel is not None:
                    due = max(due, self._next.get(channel, 0.0))
            delay = due - self._timer.monotonic()
            if delay <= 0:
                return True
            self._timer.sleep(delay)
        return False

    def posted(self, channel: str, started: float) -> None:
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), started + self._interval)

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._hold_until = max(self._hold_until, self._timer.monotonic() + seconds)

    def call(
        self,
        method: str,
        send: Callable[[], SlackResponse],
        *,
        post_to: str | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> SlackResponse:
        """`send()` once its turn comes. A 429 holds every call for Retry-After seconds and
        is waited out in place a few times; other failures raise SlackFailed at once."""
        failure = Failure(f"{method}: ratelimited")
        for _attempt in range(RATE_LIMIT_RETRIES + 1):
            if not self.wait(post_to, should_stop):
                raise Interrupted()
            started = self._timer.monotonic()
            try:
                response = send()
            except SlackApiError as exc:
                failure = describe(method, exc)
                if not failure.rate_limited:
                    raise SlackFailed(failure) from exc
                log.warning("%s rate limited; waiting %.0fs", method, failure.retry_after)
                self.hold(failure.retry_after)
                continue
            except Exception as exc:  # timeouts, connection errors: retried with backoff
                raise SlackFailed(describe(method, exc)) from exc
            finally:
                if post_to is not None:
                    self.posted(post_to, started)
            return response
        raise SlackFailed(failure)
