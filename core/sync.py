"""The sync engine: walk one account's windows, apply what the marketplace reports, and
advance the watermark only after the window's results are committed."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import services
from core.claims import Claim
from core.errors import CancelbotError, ConcurrentUpdate
from core.ports import ClaimSource, UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_LOOKBACK = timedelta(days=7)
APPLY_BATCH = 1000
PREFETCH_JOIN_SECONDS = 2.0


@dataclass
class SyncState:
    account: str
    marketplace: str
    watermark: datetime | None = None  # everything before it has been applied
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_claim_at: datetime | None = None  # the newest claim this account ever reported


@dataclass
class SyncReport:
    account: str
    fetched: int = 0
    stats: services.ApplyStats = field(default_factory=services.ApplyStats)
    windows: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def windows(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows no longer than `size`."""
    out = []
    cursor = start
    while cursor < end:
        nxt = min(cursor + size, end)
        out.append((cursor, nxt))
        cursor = nxt
    return out


def sync_account(
    make_uow: Callable[[], UnitOfWork],
    source: ClaimSource,
    now: datetime,
    *,
    overlap: timedelta = DEFAULT_OVERLAP,
    lookback: timedelta = DEFAULT_LOOKBACK,
    max_windows: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> SyncReport:
    """One pass for one account. Consecutive passes overlap by `overlap` so a change the
    marketplace files late is still seen; re-applying what overlaps changes nothing.

    Each window is one transaction: its results and the new watermark commit together, so
    a failure anywhere in a window leaves nothing of it applied and the watermark where it
    was. A failure stops this account's pass (recorded, not raised: one account's failure
    never stops the others)."""
    report = SyncReport(account=source.account)
    with make_uow() as uow:
        state = uow.sync.get(source.account) or SyncState(source.account, source.marketplace)
    start = state.watermark - overlap if state.watermark else now - lookback
    todo = windows(start, now, source.max_window)
    if max_windows is not None:
        todo = todo[:max_windows]  # a long outage catches up over several passes
    try:
        for w_start, w_end in todo:
            if should_stop():
                log.info("sync stopping before window", extra={"account": source.account})
                break
            _sync_window(make_uow, source, state, w_start, w_end, now, report, should_stop)
            report.windows += 1
    except (CancelbotError, StopRequested) as exc:
        report.error = str(exc) or exc.__class__.__name__
    with make_uow() as uow:
        if report.error is None:
            uow.sync.record_success(source.account, source.marketplace, now)
        else:
            log.warning("sync failed: %s", report.error, extra={"account": source.account})
            uow.sync.record_error(source.account, source.marketplace, report.error, now)
        uow.commit()
    return report


class StopRequested(Exception):
    """The process is stopping: the current window is abandoned, not half-applied."""

    def __str__(self) -> str:
        return "stopped before the window finished (shutdown)"


def _sync_window(
    make_uow: Callable[[], UnitOfWork],
    source: ClaimSource,
    state: SyncState,
    start: datetime,
    end: datetime,
    now: datetime,
    report: SyncReport,
    should_stop: Callable[[], bool],
) -> None:
    fetched: list[Claim] = []
    stream = _prefetch(_pages(source, start, end))
    pages: Iterable[Sequence[Claim]] = stream
    for attempt in range(1, services.APPLY_ATTEMPTS + 1):
        stats = services.ApplyStats()
        try:
            with make_uow() as uow:
                for page in pages:
                    if should_stop():
                        raise StopRequested
                    if attempt == 1:
                        fetched.extend(page)
                    for i in range(0, len(page), APPLY_BATCH):
                        stats += services.apply_batch(uow, page[i : i + APPLY_BATCH], now)
                newest = max((c.claimed_at for c in fetched), default=None)
                uow.sync.set_watermark(state.account, state.marketplace, end, newest)
                uow.commit()
        except ConcurrentUpdate:
            if attempt == services.APPLY_ATTEMPTS:
                raise
            # Another writer raced us: finish fetching, then apply the whole window again.
            fetched.extend(claim for page in stream for claim in page)
            pages = [list(fetched)]
            continue
        state.watermark = end
        report.fetched += len(fetched)
        report.stats += stats
        return


def _pages(source: ClaimSource, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
    """Page by page when the source can stream, else the whole window at once."""
    stream = getattr(source, "iter_claims", None)
    if stream is not None:
        yield from stream(start, end)
    else:
        yield source.fetch_claims(start, end)


_DONE = object()


def _prefetch(pages: Iterator[Sequence[Claim]], depth: int = 8) -> Iterator[Sequence[Claim]]:
    """Fetch the next pages on a thread while the caller applies this one: the database
    work overlaps the marketplace's response time. Errors arrive in order, as raised."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    abandoned = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if abandoned.is_set():
                    return
                buffer.put(page)
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, who raises it
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        abandoned.set()
        # Unblock a producer waiting on a full queue; one stuck in a request is left to
        # its timeout (it is a daemon and will put nothing more).
        deadline = time.monotonic() + PREFETCH_JOIN_SECONDS
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)
