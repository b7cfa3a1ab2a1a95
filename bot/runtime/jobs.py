"""Jobs the CLI and the scheduler share: one sync pass over the configured accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime.config import AccountConfig, Config
from bot.runtime.deps import Deps
from core import order_book
from core.errors import CancelbotError
from core.sync import (
    SyncReport,
    lease_heartbeat,
    never_synced,
    record_failure,
    release_lease,
    sync_account,
    sync_due,
    take_lease,
)

log = logging.getLogger(__name__)


@dataclass
class AccountSync:
    account: AccountConfig
    report: SyncReport | None  # None: skipped (not due, or another replica holds its lease)
    skipped_reason: str | None = None


def sync_one(
    deps: Deps,
    account: AccountConfig,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    max_windows: int | None = None,
    due_every: timedelta | None = None,
) -> AccountSync:
    """One pass for `account` under its lease, kept alive by a heartbeat while the pass
    runs. `due_every`: only when that long has passed since the account's last pass (by
    whichever replica): the scheduler looks often, so a dead replica's account is picked
    up soon after its lease runs out."""
    now = deps.clock.now()
    if due_every is not None and not sync_due(deps.make_uow, account.name, now, due_every):
        return AccountSync(account, None, "not due yet")
    first_time = never_synced(deps.make_uow, account.name)
    if not take_lease(deps.make_uow, account.name, account.marketplace, deps.lease, now):
        return AccountSync(account, None, "another replica is syncing this account")
    beat = lease_heartbeat(deps.make_uow, account.name, account.marketplace, deps.lease, deps.clock)
    try:
        with beat:
            return _pass(
                deps, account, now, first_time, max_windows, should_stop, lambda: beat.lost
            )
    finally:
        release_lease(deps.make_uow, account.name, deps.lease)


def _pass(
    deps: Deps,
    account: AccountConfig,
    now: datetime,
    first_time: bool,
    max_windows: int | None,
    should_stop: Callable[[], bool],
    lease_lost: Callable[[], bool],
) -> AccountSync:
    if first_time and (orders := deps.sandbox_orders(account)):
        order_book.import_orders(deps.make_uow, orders, now)
    try:
        source = deps.claim_source(account)
    except (CancelbotError, ValueError) as exc:
        record_failure(deps.make_uow, account.name, account.marketplace, str(exc), now)
        return AccountSync(account, SyncReport(account=account.name, error=str(exc)))

    def stop_now() -> bool:
        if lease_lost():
            log.warning("sync lease lost; stopping this pass", extra={"account": account.name})
            return True
        return should_stop()

    try:
        report = sync_account(
            deps.make_uow,
            source,
            now,
            overlap=timedelta(minutes=account.overlap_minutes),
            lookback=timedelta(days=account.lookback_days),
            max_windows=max_windows,
            should_stop=stop_now,
        )
    finally:
        source.close()
    return AccountSync(account, report)


def sync_all(deps: Deps, config: Config, only: str | None = None) -> list[AccountSync]:
    """One pass over every account (or one); one account's failure never stops the others."""
    accounts = [config.account(only)] if only else config.accounts
    out = []
    for account in accounts:
        try:
            out.append(sync_one(deps, account))
        except Exception as exc:  # a bug in one adapter must not stop the other accounts
            log.exception("sync crashed", extra={"account": account.name})
            out.append(AccountSync(account, SyncReport(account=account.name, error=repr(exc))))
    return out
