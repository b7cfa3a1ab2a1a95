"""Escalation (issue 18) with two replicas running at once on one database: an open
withdrawal and an unconfirmed, unsnoozed result after shipping that waited longer than
escalate_after_minutes each get one thread reply mentioning the user group, never two;
what is recent, confirmed or snoozed gets none."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime.bootstrap import build
from bot.runtime.config import default_config
from bot.runtime.deps import Deps
from bot.runtime.scheduler import ESCALATION_JOB, OUTBOX_JOB, build_scheduler
from core import apply, cases, confirmation, order_book
from core.orders import OrderStatus
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import CHANNEL, FakeTime, make_publisher

GROUP = "S0CSTEAM1"
ROUNDS = 4


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    if not database_url.startswith("sqlite"):
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    return database_url


@pytest.fixture
def replicas(url: str) -> Iterator[list[Deps]]:
    """Two processes' worth of wiring: separate engines on the same database."""
    both = [build(url, SEOUL), build(url, SEOUL)]
    yield both
    for deps in both:
        deps.close()


def seed(deps: Deps) -> dict[str, int]:
    """Three hours ago: a shipped cancel (waits for a person), a partial cancel before
    shipping (its withdrawal: goods on hold), one confirmed, one snoozed; and one just now."""
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    waiting, confirmed, snoozed, recent = (make_order(status=OrderStatus.SHIPPED) for _ in range(4))
    held = make_order(status=OrderStatus.INVOICED, quantity=2)
    order_book.import_orders(deps.make_uow, [waiting, confirmed, snoozed, recent, held], long_ago)
    old = [
        claim_for(waiting),
        claim_for(confirmed),
        claim_for(snoozed),
        claim_for(held, cancel_qty=1),
    ]
    ids = apply.apply_claims(deps.make_uow, old, long_ago).changed_ids
    [fresh] = apply.apply_claims(deps.make_uow, [claim_for(recent)], datetime.now(UTC)).changed_ids
    confirmation.confirm(deps.make_uow, TargetKind.RESULT, [ids[1]], "U0KIM0001", long_ago)
    cases.snooze(
        deps.make_uow, ids[2], "U0KIM0001", datetime.now(UTC) + timedelta(days=1), long_ago
    )
    with deps.make_uow() as uow:
        [withdrawal] = uow.withdrawals.for_orders([held.management_no])
    assert withdrawal.id is not None
    return {
        "waiting": ids[0],
        "confirmed": ids[1],
        "snoozed": ids[2],
        "recent": fresh,
        "withdrawal": withdrawal.id,
    }


def escalations_under(fake: FakeSlack) -> dict[tuple[str, int], int]:
    """How many thread replies mentioning the group each alert got."""
    by_ts = {
        m.ts: (m.metadata["event_payload"]["target"], m.metadata["event_payload"]["target_id"])
        for m in fake.alerts(CHANNEL)
        if m.metadata
    }
    counts: dict[tuple[str, int], int] = {}
    for call in fake.posts(CHANNEL):
        ts = call.args.get("thread_ts")
        if ts in by_ts and f"<!subteam^{GROUP}>" in call.args["text"]:
            counts[by_ts[ts]] = counts.get(by_ts[ts], 0) + 1
    return counts


def test_two_replicas_escalate_each_waiting_alert_once(
    replicas: list[Deps], fake_slack: FakeSlack
) -> None:
    ids = seed(replicas[0])
    config = replace(default_config(), escalate_usergroup=GROUP, escalate_after_minutes=120)
    stop = threading.Event()
    jobs = []
    for deps in replicas:
        publisher = make_publisher(deps, fake_slack, FakeTime())
        scheduler = build_scheduler(deps, config, publisher, tz=SEOUL, stop=stop)
        jobs.append((scheduler.get_job(ESCALATION_JOB).func, scheduler.get_job(OUTBOX_JOB).func))
    jobs[0][1]()  # the alerts are in the channel
    assert escalations_under(fake_slack) == {}

    barrier = threading.Barrier(len(jobs))

    def replica(escalate: object, deliver: object) -> None:
        for _ in range(ROUNDS):
            barrier.wait()
            escalate()  # type: ignore[operator]
            deliver()  # type: ignore[operator]

    threads = [threading.Thread(target=replica, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for _, deliver in jobs:
        deliver()

    assert escalations_under(fake_slack) == {
        ("result", ids["waiting"]): 1,
        ("withdrawal", ids["withdrawal"]): 1,
    }
    texts = [c.args["text"] for c in fake_slack.posts(CHANNEL) if GROUP in c.args.get("text", "")]
    assert any("goods on hold" in text for text in texts)  # the withdrawal says why it matters
    assert all("120 minutes" in text for text in texts)
