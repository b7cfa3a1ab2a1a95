"""A lease's heartbeat: while work is alive, a thread of its own renews the lease the work
holds, every third of the lease. Leases can then be short: a process that dies (SIGKILL,
power loss) stops renewing, and its work is taken over by another within one lease,
however long the work would have taken."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(renew, ttl=30): …` calls `renew()` every ttl/3 seconds until the
    block ends. `renew()` returns False when the lease was lost (another owner holds it);
    an exception counts as a missed beat. `lost` says whether the lease may be gone: lost
    for sure, or not renewed for longer than `ttl - margin` seconds."""

    def __init__(
        self,
        renew: Callable[[], bool],
        *,
        ttl: float,
        margin: float | None = None,
        name: str = "heartbeat",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._renew = renew
        self.ttl = ttl
        self.margin = ttl / 3 if margin is None else margin
        self._name = name
        self._monotonic = monotonic
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._renewed = monotonic()
        self._taken = False

    @property
    def lost(self) -> bool:
        with self._lock:
            if self._taken:
                return True
            return self._monotonic() > self._renewed + self.ttl - self.margin

    def beat(self) -> None:
        """One renewal (the thread calls it; tests may too)."""
        try:
            kept = self._renew()
        except Exception as exc:  # the database may be away for a moment: try next beat
            log.warning("%s: renewal failed (%s)", self._name, exc.__class__.__name__)
            return
        with self._lock:
            if kept:
                self._renewed = self._monotonic()
            else:
                self._taken = True
        if not kept:
            log.warning("%s: the lease was taken by another owner", self._name)

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            self.beat()
            if self._taken:
                return

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
