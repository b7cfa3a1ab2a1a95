"""The sync engine: walk one account's windows, apply what the marketplace reports, and
advance the watermark only after the window's results are committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import services
from core.errors import CancelbotError, MarketplaceError
from core.ports import ClaimSource, UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=10)
DEFAULT_LOOKBACK = timedelta(days=7)
APPLY_BATCH = 1000


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

    A failure stops this account's pass at the failing window: the watermark stays at the
    last committed window, the error is recorded, and nothing is raised (one account's
    failure never stops the others)."""
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
            claims = source.fetch_claims(w_start, w_end)
            report.fetched += len(claims)
            for i in range(0, len(claims), APPLY_BATCH):
                report.stats += services.apply_claims(make_uow, claims[i : i + APPLY_BATCH], now)
            newest = max((c.claimed_at for c in claims), default=None)
            _advance(make_uow, state, w_end, newest, now)
            report.windows += 1
    except (MarketplaceError, CancelbotError) as exc:
        report.error = str(exc)
    if report.error is None:
        with make_uow() as uow:
            uow.sync.record_success(source.account, source.marketplace, now)
            uow.commit()
    else:
        log.warning("sync failed: %s", report.error, extra={"account": source.account})
        with make_uow() as uow:
            uow.sync.record_error(source.account, source.marketplace, report.error, now)
            uow.commit()
    return report


def _advance(
    make_uow: Callable[[], UnitOfWork],
    state: SyncState,
    watermark: datetime,
    newest_claim: datetime | None,
    now: datetime,
) -> None:
    with make_uow() as uow:
        uow.sync.set_watermark(state.account, state.marketplace, watermark, newest_claim)
        uow.commit()
    state.watermark = watermark
