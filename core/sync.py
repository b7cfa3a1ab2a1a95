"""The sync engine: walk one account's windows, apply what the marketplace reports page by
page, and advance the watermark only after a whole window is committed; and the account's
sync lease, which keeps one replica syncing each account."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from core import quarantine
from core.apply import ApplyStats
from core.claims import Claim
from core.errors import CancelbotError
from core.heartbeat import Heartbeat
from core.ports import ClaimSource, Clock, UnitOfWork
from core.sync_state import SyncState
from core.transactions import in_transaction

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_LOOKBACK = timedelta(days=7)
# Claims per transaction at most: a page, or the pages fetched while the last was applied,
# so the write lock is held briefly and a slow database catches up in fewer commits.
APPLY_BATCH = 500
PREFETCH_JOIN_SECONDS = 2.0


@dataclass
class SyncReport:
    account: str
    fetched: int = 0
    stats: ApplyStats = field(default_factory=ApplyStats)
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

    A window's pages commit in short transactions of their own (one page, or the whole
    pages already fetched while the last was applied), and the watermark moves past a
    window only once all of it is applied, so a failure anywhere in a window leaves the
    watermark where it was. A failure stops this account's pass (recorded, not raised:
    one account's failure never stops the others)."""
    report = SyncReport(account=source.account)
    with make_uow().read_only() as uow:
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
    if report.error is None:
        with make_uow() as uow:
            uow.sync.record_success(source.account, source.marketplace, now)
            uow.commit()
    else:
        record_failure(make_uow, source.account, source.marketplace, report.error, now)
    return report


def never_synced(make_uow: Callable[[], UnitOfWork], account: str) -> bool:
    with make_uow().read_only() as uow:
        return uow.sync.get(account) is None


def record_failure(
    make_uow: Callable[[], UnitOfWork], account: str, marketplace: str, error: str, now: datetime
) -> None:
    """The account's last error, as App Home, /healthz and `cancelbot status` show it."""
    log.warning("sync failed: %s", error, extra={"account": account})
    with make_uow() as uow:
        uow.sync.record_error(account, marketplace, error, now)
        uow.commit()


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
    """Apply the window as it is fetched, in short transactions of whole pages, then move
    the watermark past the window. Applying a claim twice changes nothing, so a failure
    halfway loses nothing: the watermark still points before this window, and the next pass
    reads it again. Only the pages being fetched are held in memory. A claim no column can
    hold is set aside by itself (core.quarantine); so is a record the adapter could not
    read, kept with the watermark's move."""
    window = (start, end)
    newest: datetime | None = None
    for claims in _prefetch(iter(source.iter_claims(start, end))):
        if should_stop():
            raise StopRequested
        for i in range(0, len(claims), APPLY_BATCH):  # a page larger than a batch
            report.stats += _apply_together(make_uow, claims[i : i + APPLY_BATCH], now, window)
        report.fetched += len(claims)
        newest = max(filter(None, (newest, *(c.claimed_at for c in claims))), default=None)
    # Every page of the window is applied: only now may the watermark pass it.
    with make_uow() as uow:
        quarantine.keep_set_aside(uow, source, window, now)
        uow.sync.set_watermark(state.account, state.marketplace, end, newest)
        uow.commit()
    state.watermark = end


def _apply_together(
    make_uow: Callable[[], UnitOfWork],
    claims: Sequence[Claim],
    now: datetime,
    window: tuple[datetime, datetime],
) -> ApplyStats:
    """Claims in one transaction, run again whole when another writer raced it."""

    def apply(uow: UnitOfWork) -> ApplyStats:
        return quarantine.apply_storable(uow, claims, now, window=window)

    return in_transaction(make_uow, apply, what="sync pages")


_DONE = object()


def _prefetch(pages: Iterator[Sequence[Claim]], depth: int = 8) -> Iterator[Sequence[Claim]]:
    """Fetch the next pages on a thread while the caller applies this one: the database
    work overlaps the marketplace's response time. The pages that arrived meanwhile come
    as one, up to APPLY_BATCH claims (never a page cut in two). Errors arrive in order,
    as raised, after the pages before them."""
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
        held: object = None  # what ended the last gathering: the next item to hand on
        while True:
            item = buffer.get() if held is None else held
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            gathered, held = _gather(cast(Sequence[Claim], item), buffer)
            yield gathered
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


def _gather(first: Sequence[Claim], buffer: queue.Queue[object]) -> tuple[list[Claim], object]:
    """`first` and the pages already waiting behind it, up to APPLY_BATCH claims; and the
    item that ended the gathering (None when the queue ran empty)."""
    gathered = list(first)
    while len(gathered) < APPLY_BATCH:
        try:
            item = buffer.get_nowait()
        except queue.Empty:
            return gathered, None
        if item is _DONE or isinstance(item, BaseException):
            return gathered, item
        page = cast(Sequence[Claim], item)
        if len(gathered) + len(page) > APPLY_BATCH:
            return gathered, page
        gathered.extend(page)
    return gathered, None


# --- the account's sync lease ------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    """Who this process is (`owner`) and how long a lease it takes (`ttl`): a crashed
    replica's accounts are synced by another once its lease runs out. A live pass renews
    it every third of `ttl` (lease_heartbeat), so `ttl` can be short."""

    owner: str
    ttl: timedelta


def take_lease(
    make_uow: Callable[[], UnitOfWork], account: str, marketplace: str, lease: Lease, now: datetime
) -> bool:
    """Take or renew the account's lease; False while another owner holds a live one."""
    with make_uow() as uow:
        taken = uow.sync.try_lease(account, marketplace, lease.owner, now, lease.ttl)
        uow.commit()
    return taken


def release_lease(make_uow: Callable[[], UnitOfWork], account: str, lease: Lease) -> None:
    with make_uow() as uow:
        uow.sync.release_lease(account, lease.owner)
        uow.commit()


def lease_heartbeat(
    make_uow: Callable[[], UnitOfWork],
    account: str,
    marketplace: str,
    lease: Lease,
    clock: Clock,
    monotonic: Callable[[], float] = time.monotonic,
) -> Heartbeat:
    """The account's lease, renewed on a thread of its own every third of its ttl while
    the pass runs (even while a marketplace call hangs); `lost` once another took it."""
    return Heartbeat(
        lambda: take_lease(make_uow, account, marketplace, lease, clock.now()),
        ttl=lease.ttl.total_seconds(),
        name=f"sync-lease:{account}",
        monotonic=monotonic,
    )


def sync_due(
    make_uow: Callable[[], UnitOfWork], account: str, now: datetime, every: timedelta
) -> bool:
    """Whether `every` has passed since the account's last pass ended (by any replica),
    so replicas that look often sync each account once per interval between them."""
    with make_uow().read_only() as uow:
        state = uow.sync.get(account)
    if state is None:
        return True
    ends = [t for t in (state.last_success_at, state.last_error_at) if t is not None]
    return not ends or now - max(ends) >= every
