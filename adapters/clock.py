"""The real clock (core.ports.Clock): the one every adapter and the composition root use."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """core.ports.Clock on the real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
