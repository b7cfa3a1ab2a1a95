"""Jobs the CLI and the scheduler share: one sync pass over the configured accounts."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.bootstrap import Deps, claim_source, sandbox_orders
from bot.config import AccountConfig, Config
from core import services
from core.errors import CancelbotError
from core.sync import SyncReport, sync_account

log = logging.getLogger(__name__)


def _lease_ttl() -> timedelta:
    """How long an account's sync lease lasts: a crashed replica's accounts are picked up by
    another after this. Longer than any one sync pass; CANCELBOT_SYNC_LEASE_SECONDS."""
    try:
        return timedelta(seconds=max(5, int(os.environ.get("CANCELBOT_SYNC_LEASE_SECONDS", "900"))))
    except ValueError:
        return timedelta(minutes=15)


LEASE_TTL = _lease_ttl()
# One name per process: leases say which replica holds an account.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
    with deps.make_uow() as uow:
        first_time = uow.sync.get(account.name) is None
        leased = uow.sync.try_lease(account.name, account.marketplace, OWNER, now, LEASE_TTL)
        uow.commit()
    if not leased:
        return AccountSync(account, None, "another replica is syncing this account")
    try:
        if first_time and (orders := sandbox_orders(account, deps.clock)):
            services.import_orders(deps.make_uow, orders, now)
        try:
            source = claim_source(account, deps.clock)
        except (CancelbotError, ValueError) as exc:
            report = SyncReport(account=account.name, error=str(exc))
            with deps.make_uow() as uow:
                uow.sync.record_error(account.name, account.marketplace, str(exc), now)
                uow.commit()
            return AccountSync(account, report)
        report = sync_account(
            deps.make_uow,
            source,
            now,
            overlap=timedelta(minutes=account.overlap_minutes),
            lookback=timedelta(days=account.lookback_days),
            max_windows=max_windows,
            should_stop=_renewing(deps, account, should_stop),
        )
        close = getattr(source, "close", None)
        if callable(close):
            close()
        return AccountSync(account, report)
    finally:
        with deps.make_uow() as uow:
            uow.sync.release_lease(account.name, OWNER)
            uow.commit()


def _renewing(
    deps: Deps, account: AccountConfig, should_stop: Callable[[], bool]
) -> Callable[[], bool]:
    """should_stop that also renews the lease a third of the way through it, so a long pass
    keeps the account; if the lease was lost meanwhile, the pass stops at the next check."""
    renewed = time.monotonic()

    def check() -> bool:
        nonlocal renewed
        if should_stop():
            return True
        if time.monotonic() - renewed < LEASE_TTL.total_seconds() / 3:
            return False
        with deps.make_uow() as uow:
            kept = uow.sync.try_lease(
                account.name, account.marketplace, OWNER, deps.clock.now(), LEASE_TTL
            )
            uow.commit()
        renewed = time.monotonic()
        if not kept:
            log.warning("sync lease lost; stopping this pass", extra={"account": account.name})
        return not kept

    return check


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
