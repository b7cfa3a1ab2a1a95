"""Time helpers every marketplace adapter needs: KST and query windows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from core.sync import windows

# Korean marketplaces speak KST (no daylight saving), often without saying so.
KST = timezone(timedelta(hours=9), "KST")


def check_window(start: datetime, end: datetime) -> None:
    """A window is [start, end) of aware datetimes; naive ones would silently mean local time."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    if end < start:
        raise ValueError(f"window ends before it starts: [{start.isoformat()}, {end.isoformat()})")


def split_window(
    start: datetime, end: datetime, size: timedelta
) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive half-open pieces no longer than `size`."""
    check_window(start, end)
    if size <= timedelta(0):
        raise ValueError("window size must be positive")
    return windows(start, end, size)


def day_chunks(
    start: datetime, end: datetime, days: int, tz: timezone = KST
) -> list[tuple[date, date]]:
    """The calendar days (in `tz`) that [start, end) touches, as inclusive (first, last) ranges
    of at most `days` days each: for APIs that filter on whole dates."""
    check_window(start, end)
    if days < 1:
        raise ValueError("days must be at least 1")
    if start == end:
        return []
    first = start.astimezone(tz).date()
    # end is exclusive, so the last day touched is the one holding the instant just before it.
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    chunks = []
    cursor = first
    while cursor <= last:
        stop = min(cursor + timedelta(days=days - 1), last)
        chunks.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    return chunks
