"""A clock and a sleep that share one fake timeline, so nothing in the tests really waits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FakeTime:
    """`now()` satisfies core.ports.Clock; `sleep()` records the wait and moves time on."""

    def __init__(self, start: datetime = datetime(2025, 3, 6, 3, 0, tzinfo=UTC)) -> None:
        self.current = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.current

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.current += timedelta(seconds=seconds)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self.current += delta
