"""Jobs the CLI and the scheduler share: one sync pass over the configured accounts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.runtime.config import AccountConfig, Config
from bot.runtime.deps import Deps
from core import order_book
from core.errors import CancelbotError
from core.sync import (
    SyncReport,
    never_synced,
    record_failure,
    release_lease,
    renewing,
    sync_account,
    take_lease,
)

log = logging.getLogger(__name__)


@dataclass
class AccountSync:
    account: AccountConfig
    report: SyncReport | None  # None: another replica holds the account's lease
    skipped_reason: str | None = None


def sync_one(
    deps: Deps,
    account: AccountConfig,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    max_windows: int | None = None,
) -> AccountSync:
    now = deps.clock.now()
    first_time = never_synced(deps.make_uow, account.name)
    if not take_lease(deps.make_uow, account.name, account.marketplace, deps.lease, now):
        return AccountSync(account, None, "another replica is syncing this account")
    try:
        if first_time and (orders := deps.sandbox_orders(account)):
            order_book.import_orders(deps.make_uow, orders, now)
        try:
            source = deps.claim_source(account)
        except (CancelbotError, ValueError) as exc:
            record_failure(deps.make_uow, account.name, account.marketplace, str(exc), now)
            return AccountSync(account, SyncReport(account=account.name, error=str(exc)))
        try:
            report = sync_account(
                deps.make_uow,
                source,
                now,
                overlap=timedelta(minutes=account.overlap_minutes),
                lookback=timedelta(days=account.lookback_days),
                max_windows=max_windows,
                should_stop=renewing(
                    deps.make_uow,
                    account.name,
                    account.marketplace,
                    deps.lease,
                    deps.clock,
                    should_stop,
                ),
            )
        finally:
            source.close()
        return AccountSync(account, report)
    finally:
        release_lease(deps.make_uow, account.name, deps.lease)


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
