"""The scheduler's jobs and the HTTP server's routing, threading and limits."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import replace
from datetime import datetime
from datetime import time as clock_time

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime.bootstrap import Deps
from bot.runtime.config import AccountConfig, Config
from bot.runtime.scheduler import _guarded, build_scheduler
from bot.runtime.server import MAX_BODY, Request, Response, Router, serve_in_thread
from bot.slack.app import create_app
from core.dashboard import digest_key
from tests.conftest import SEOUL
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import FakeTime, get, make_publisher, make_settings, post


def test_one_job_per_account_plus_outbox_and_digest(
    deps: Deps, fake_slack: FakeSlack, fake_time: FakeTime, config: Config
) -> None:
    config = replace(
        config,
        accounts=[
            AccountConfig("a", "sandbox", {}, {}, interval_seconds=60),
            AccountConfig("b", "sandbox", {}, {}, interval_seconds=600),
        ],
        digest_time=clock_time(8, 30),
    )
    publisher = make_publisher(deps, fake_slack, fake_time)

    scheduler = build_scheduler(
        deps, config, publisher, tz=SEOUL, stop=threading.Event(), start_syncs_now=False
    )

    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"sync:a", "sync:b", "outbox", "digest", "snoozes"}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
        assert job.misfire_grace_time
    # Each replica looks every 10 s whether an account is due (its interval passed since
    # any replica's last pass) and free: a dead replica's account moves on soon.
    sync_a = jobs["sync:a"].trigger
    assert isinstance(sync_a, IntervalTrigger) and sync_a.interval.total_seconds() == 10
    assert jobs["outbox"].trigger.interval.total_seconds() == 2
    digest = jobs["digest"].trigger
    assert isinstance(digest, CronTrigger) and str(digest.timezone) == "Asia/Seoul"
    fields = {f.name: str(f) for f in digest.fields}
    assert (fields["hour"], fields["minute"]) == ("8", "30")


def test_a_failing_job_logs_and_keeps_its_schedule(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.runtime.scheduler"):
        _guarded("sync:x", broken)()  # returns: the scheduler runs it again next time

    assert "job sync:x failed" in caplog.text


def test_the_digest_key_is_the_local_date() -> None:
    from datetime import UTC, datetime

    late_utc = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # already March 2nd in Seoul
    assert digest_key(late_utc, SEOUL) == "digest:2026-03-02"


# --- HTTP server --------------------------------------------------------------------------


def test_routes_answer_404_405_and_head() -> None:
    router = Router().add("GET", "/x", lambda r: Response.text(200, "x"))
    base_url, stop = serve_in_thread(router)
    try:
        assert get(f"{base_url}/x") == (200, b"x")
        assert get(f"{base_url}/y")[0] == 404
        assert post(f"{base_url}/x", "", {})[0] == 405
    finally:
        stop()
    with pytest.raises(ValueError, match="GET /x"):
        router.add("get", "/x", lambda r: Response(200))


def test_a_slow_request_does_not_hold_up_another() -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(2)
        return Response.text(200, "slow")

    router = Router().add("GET", "/slow", slow).add("GET", "/fast", lambda r: Response(204))
    base_url, stop = serve_in_thread(router)
    try:
        waiter = threading.Thread(target=get, args=(f"{base_url}/slow",))
        waiter.start()
        time.sleep(0.05)
        started = time.monotonic()
        assert get(f"{base_url}/fast")[0] == 204
        assert time.monotonic() - started < 0.5
        release.set()
        waiter.join()
    finally:
        stop()


def test_a_huge_body_is_refused() -> None:
    seen: list[Request] = []
    router = Router().add("POST", "/in", lambda r: seen.append(r) or Response(200))
    base_url, stop = serve_in_thread(router)
    host, port = base_url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=5) as conn:
            # Only the headers: the server must answer before reading a body that big.
            conn.sendall(f"POST /in HTTP/1.1\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n".encode())
            status_line = conn.makefile("rb").readline().decode()
    finally:
        stop()
    assert status_line.split()[1] == "413" and seen == []


def test_a_handler_bug_is_a_500_and_the_server_keeps_serving() -> None:
    def broken(request: Request) -> Response:
        raise RuntimeError("bug")

    router = Router().add("GET", "/bug", broken).add("GET", "/ok", lambda r: Response(200))
    base_url, stop = serve_in_thread(router)
    try:
        assert get(f"{base_url}/bug")[0] == 500
        assert get(f"{base_url}/ok")[0] == 200
    finally:
        stop()


def test_serve_in_thread_takes_a_bolt_app(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    app = create_app(deps, make_settings(fake_slack), config)
    base_url, stop = serve_in_thread(app)
    try:
        # Unsigned: refused by Bolt's signature check, which proves the route reaches Bolt.
        assert post(f"{base_url}/slack/events", "payload=%7B%7D", {})[0] == 401
        assert get(f"{base_url}/healthz")[0] == 404
    finally:
        stop()


def test_scheduler_bookkeeping_is_debug_and_an_idle_job_writes_nothing(
    deps: Deps, fake_slack: FakeSlack, fake_time: FakeTime, config: Config
) -> None:
    publisher = make_publisher(deps, fake_slack, fake_time)
    scheduler = build_scheduler(deps, config, publisher, tz=SEOUL, stop=threading.Event())
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        scheduler.start()
        scheduler.modify_job("outbox", next_run_time=datetime.now(SEOUL))
        time.sleep(1.0)  # the outbox job runs with nothing to do
        scheduler.shutdown()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    info = [r for r in records if r.levelno >= logging.INFO]
    assert not [r for r in info if r.name.startswith("apscheduler")], [r.getMessage() for r in info]
    assert not [r for r in info if r.getMessage().startswith("outbox")]


def test_a_long_delivery_does_not_fill_the_log_with_skips(
    deps: Deps, fake_slack: FakeSlack, fake_time: FakeTime, config: Config
) -> None:
    publisher = make_publisher(deps, fake_slack, fake_time)
    build_scheduler(deps, config, publisher, tz=SEOUL, stop=threading.Event())
    logger = logging.getLogger("apscheduler.scheduler")
    skip = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'

    def passes(job: str) -> bool:
        record = logger.makeRecord(logger.name, logging.WARNING, "x", 1, skip, (job, 1), None)
        return all(f.filter(record) for f in logger.filters)

    assert not passes("outbox (trigger: interval[0:00:02], next run at: 2026-01-01)")
    assert passes("sync:a (trigger: interval[0:05:00], next run at: 2026-01-01)")
