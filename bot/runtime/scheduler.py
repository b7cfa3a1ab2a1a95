"""The background jobs of `cancelbot run` (APScheduler 3, threads).

- `sync:<account>`: one sync pass per account at its interval_seconds;
- `outbox`: deliver due outbox items to Slack every few seconds;
- `digest`: once a day at config.digest_time (local time) enqueue the daily digest;
- `orders-inbox`: import CSV files dropped in config.orders_inbox (when set);
- `oms-events`: deliver order-system events to config.oms_webhook_url (when set).

Job ids are stable, each job runs at most once at a time and missed runs are coalesced.
Several replicas may run the same schedule: the account lease (bot.runtime.jobs), the outbox lease
and the digest's dedupe key (`digest:<local date>`) make each piece of work happen once.
A job that fails logs the failure and simply runs again at its next time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Final

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import jobs
from bot.runtime.config import AccountConfig, Config
from bot.runtime.deps import Deps
from bot.runtime.inbox import process_inbox
from bot.runtime.logs import bound
from bot.slack.publisher import Publisher
from core import dashboard
from core.oms_delivery import deliver_oms_events

log = logging.getLogger(__name__)

OUTBOX_JOB: Final = "outbox"
DIGEST_JOB: Final = "digest"
INBOX_JOB: Final = "orders-inbox"
OMS_JOB: Final = "oms-events"
INBOX_INTERVAL: Final = 30.0  # seconds
OMS_INTERVAL: Final = 5.0
OUTBOX_INTERVAL: Final = 2.0  # seconds
DIGEST_GRACE: Final = 3 * 3600  # a replica that was down at digest time still sends it
# Never two runs of one job at a time; runs missed while busy or down collapse into one.
ONCE: Final = {"max_instances": 1, "coalesce": True}


def sync_job_id(account: AccountConfig) -> str:
    return f"sync:{account.name}"


class _QuietOutboxSkips(logging.Filter):
    """A long delivery (100 alerts at one per second) makes APScheduler warn every 2 s
    that the outbox job is still running; that is by design, so those lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith(f'Execution of job "{OUTBOX_JOB} ') and "skipped" in message)


def _quiet_outbox_skips() -> None:
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _QuietOutboxSkips) for f in logger.filters):
        logger.addFilter(_QuietOutboxSkips())


def _guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            with bound(job=name):
                job()
        except Exception:
            # Logged here with the job's name; the schedule stays, so it runs again next time.
            log.exception("job %s failed", name)

    return run


def build_scheduler(
    deps: Deps,
    config: Config,
    publisher: Publisher,
    *,
    tz: tzinfo,
    stop: threading.Event,
    outbox_interval: float = OUTBOX_INTERVAL,
    start_syncs_now: bool = True,
) -> BackgroundScheduler:
    """A scheduler with every job added, not started yet."""
    _quiet_outbox_skips()
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(config.accounts) + 2)},
        timezone=tz,
    )
    now = datetime.now(tz)
    for account in config.accounts:
        interval = max(account.interval_seconds, 2)

        def sync(account: AccountConfig = account) -> None:
            if stop.is_set():
                return
            with bound(account=account.name):
                result = jobs.sync_one(deps, account, should_stop=stop.is_set)
            if result.report is not None and result.report.error:
                log.warning("sync of %s failed: %s", account.name, result.report.error)

        # (next_run_time=None would pause the job: leave it out to wait one interval.)
        first = {"next_run_time": now} if start_syncs_now else {}
        scheduler.add_job(
            _guarded(sync_job_id(account), sync),
            IntervalTrigger(seconds=interval, timezone=tz),
            id=sync_job_id(account),
            name=sync_job_id(account),
            misfire_grace_time=interval,
            replace_existing=True,
            **ONCE,
            **first,
        )
    scheduler.add_job(
        _guarded(OUTBOX_JOB, publisher.deliver),
        IntervalTrigger(seconds=outbox_interval, timezone=tz),
        id=OUTBOX_JOB,
        name=OUTBOX_JOB,
        misfire_grace_time=30,
        replace_existing=True,
        **ONCE,
    )
    scheduler.add_job(
        _guarded(DIGEST_JOB, lambda: dashboard.queue_digest(deps.make_uow, deps.clock.now(), tz)),
        CronTrigger(hour=config.digest_time.hour, minute=config.digest_time.minute, timezone=tz),
        id=DIGEST_JOB,
        name=DIGEST_JOB,
        misfire_grace_time=DIGEST_GRACE,
        replace_existing=True,
        **ONCE,
    )
    if config.orders_inbox:
        inbox = config.orders_inbox
        max_bytes = config.orders_inbox_max_mb * 1024 * 1024
        chunk = config.orders_inbox_rows_per_transaction
        scheduler.add_job(
            _guarded(
                INBOX_JOB,
                lambda: process_inbox(deps, inbox, max_bytes=max_bytes, chunk=chunk),
            ),
            IntervalTrigger(seconds=INBOX_INTERVAL, timezone=tz),
            id=INBOX_JOB,
            name=INBOX_JOB,
            misfire_grace_time=60,
            replace_existing=True,
            **ONCE,
        )
    if deps.oms_sender is not None:
        sender = deps.oms_sender
        scheduler.add_job(
            _guarded(
                OMS_JOB,
                lambda: deliver_oms_events(
                    deps.make_uow, sender, deps.clock, should_stop=stop.is_set
                ),
            ),
            IntervalTrigger(seconds=OMS_INTERVAL, timezone=tz),
            id=OMS_JOB,
            name=OMS_JOB,
            misfire_grace_time=30,
            replace_existing=True,
            **ONCE,
        )
    return scheduler
