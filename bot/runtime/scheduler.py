"""The background jobs of `cancelbot run` (APScheduler 3, threads).

- `sync:<account>`: one sync pass per account every interval_seconds (between all the
  replicas: each looks every SYNC_POLL seconds whether the account is due and free);
- `outbox`: deliver due outbox items to Slack every few seconds;
- `digest`: once a day at config.digest_time (local time) enqueue the daily digest;
- `orders-inbox`: import CSV files dropped in config.orders_inbox (when set);
- `oms-events`: deliver order-system events to config.oms_webhook_url (when set);
- `snoozes`: end the snoozes whose time has come (issue 18);
- `escalation`: one thread reply for the user group on what waited too long (when
  config.escalate_usergroup is set).

Job ids are stable, each job runs at most once at a time and missed runs are coalesced.
Several replicas may run the same schedule: the account lease (bot.runtime.jobs), the outbox lease
and the digest's dedupe key (`digest:<local date>`) make each piece of work happen once.
A job that fails logs the failure and simply runs again at its next time.

Logging: APScheduler's bookkeeping ("Running job", "executed successfully") is DEBUG; a
job writes one INFO line when it did something, and nothing when it had nothing to do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
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
from core import cases, dashboard, escalation
from core.oms_delivery import deliver_oms_events

log = logging.getLogger(__name__)

OUTBOX_JOB: Final = "outbox"
DIGEST_JOB: Final = "digest"
INBOX_JOB: Final = "orders-inbox"
OMS_JOB: Final = "oms-events"
SNOOZE_JOB: Final = "snoozes"
ESCALATION_JOB: Final = "escalation"
SNOOZE_INTERVAL: Final = 30.0  # seconds: a snooze ends at most this late
ESCALATION_INTERVAL: Final = 60.0
INBOX_INTERVAL: Final = 30.0  # seconds
OMS_INTERVAL: Final = 5.0
OUTBOX_INTERVAL: Final = 2.0  # seconds
# How often a replica looks whether an account is due and its lease free: a dead replica's
# account is synced by another at most this long after its lease ran out.
SYNC_POLL: Final = 10
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


class _Bookkeeping(logging.Filter):
    """APScheduler's INFO lines (a job ran, a job was added, the scheduler started) are
    bookkeeping: written as DEBUG, and only when DEBUG is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _bookkeeping_at_debug() -> None:
    for name in ("apscheduler.scheduler", "apscheduler.executors.default"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Bookkeeping) for f in logger.filters):
            logger.addFilter(_Bookkeeping())


def _did(what: str, counts: Mapping[str, int]) -> None:
    """The job's one INFO line, written only when it did something."""
    done = {note: n for note, n in counts.items() if n}
    if done:
        log.info("%s: %s", what, ", ".join(f"{n} {note}" for note, n in sorted(done.items())))


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
    _bookkeeping_at_debug()
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(config.accounts) + 2)},
        timezone=tz,
    )
    now = datetime.now(tz)
    for account in config.accounts:
        interval = max(account.interval_seconds, 2)
        poll = min(interval, SYNC_POLL)

        def sync(account: AccountConfig = account, interval: int = interval) -> None:
            if stop.is_set():
                return
            with bound(account=account.name):
                result = jobs.sync_one(
                    deps,
                    account,
                    should_stop=stop.is_set,
                    due_every=timedelta(seconds=interval),
                )
                report = result.report
                if report is not None and report.error:
                    log.warning("sync of %s failed: %s", account.name, report.error)
                elif report is not None and (report.stats.new or report.stats.updated):
                    log.info(
                        "sync of %s: %d fetched, %d new, %d updated",
                        account.name,
                        report.fetched,
                        report.stats.new,
                        report.stats.updated,
                    )

        # (next_run_time=None would pause the job: leave it out to wait one interval.)
        first = {"next_run_time": now} if start_syncs_now else {}
        scheduler.add_job(
            _guarded(sync_job_id(account), sync),
            IntervalTrigger(seconds=poll, timezone=tz),
            id=sync_job_id(account),
            name=sync_job_id(account),
            misfire_grace_time=poll,
            replace_existing=True,
            **ONCE,
            **first,
        )
    scheduler.add_job(
        _guarded(OUTBOX_JOB, lambda: _did("outbox", publisher.deliver().counts)),
        IntervalTrigger(seconds=outbox_interval, timezone=tz),
        id=OUTBOX_JOB,
        name=OUTBOX_JOB,
        misfire_grace_time=30,
        replace_existing=True,
        **ONCE,
    )

    def digest() -> None:
        key = dashboard.queue_digest(deps.make_uow, deps.clock.now(), tz)
        log.info("digest: %s is queued (once, whichever replica queues it)", key)

    scheduler.add_job(
        _guarded(DIGEST_JOB, digest),
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
    scheduler.add_job(
        _guarded(SNOOZE_JOB, lambda: cases.wake_snoozes(deps.make_uow, deps.clock.now())),
        IntervalTrigger(seconds=SNOOZE_INTERVAL, timezone=tz),
        id=SNOOZE_JOB,
        name=SNOOZE_JOB,
        misfire_grace_time=60,
        replace_existing=True,
        **ONCE,
    )
    if config.escalate_usergroup:
        group = config.escalate_usergroup
        after = timedelta(minutes=config.escalate_after_minutes)
        scheduler.add_job(
            _guarded(
                ESCALATION_JOB,
                lambda: escalation.escalate(
                    deps.make_uow, deps.clock.now(), usergroup=group, after=after
                ),
            ),
            IntervalTrigger(seconds=ESCALATION_INTERVAL, timezone=tz),
            id=ESCALATION_JOB,
            name=ESCALATION_JOB,
            misfire_grace_time=120,
            replace_existing=True,
            **ONCE,
        )
    if deps.oms_sender is not None:
        sender = deps.oms_sender
        scheduler.add_job(
            _guarded(
                OMS_JOB,
                lambda: _did(
                    "order-system events",
                    deliver_oms_events(
                        deps.make_uow, sender, deps.clock, should_stop=stop.is_set
                    ).counts,
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
