"""Outbox delivery against the fake Web API, with injected time: rate limits, pacing,
backlog summaries, retries, updates in place, thread notes and the daily digest."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from bot.runtime.deps import Deps
from bot.slack.client import make_client
from core import apply, confirmation, dashboard, order_book
from core.claims import ClaimState, ClaimType
from core.delivery import backoff
from core.orders import OrderStatus
from core.outbox import OutboxKind, post_alert, update_alert
from core.results import TargetKind
from tests.factories import claim_for, make_order
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import AGENT, CHANNEL, FakeTime, make_publisher


def unmatched_results(deps: Deps, count: int) -> list[int]:
    """`count` new unmatched results: each one wants an alert (SPEC §4)."""
    stats = apply.apply_claims(
        deps.make_uow, [claim_for() for _ in range(count)], datetime.now(UTC)
    )
    return stats.changed_ids


def shipped_results(deps: Deps, count: int) -> list[int]:
    """`count` cancels of shipped orders: after shipping, so they alert and are digested."""
    orders = [make_order() for _ in range(count)]
    order_book.import_orders(deps.make_uow, orders, datetime.now(UTC))
    claims = [claim_for(order) for order in orders]
    return apply.apply_claims(deps.make_uow, claims, datetime.now(UTC)).changed_ids


def pending(deps: Deps, *kinds: OutboxKind) -> int:
    with deps.make_uow() as uow:
        return uow.outbox.pending_count(list(kinds) or None)


def test_a_429_is_waited_out_for_retry_after_then_posted_once(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 1)
    timed_slack.fail("chat.postMessage", status=429, error="ratelimited", retry_after=2)

    report = make_publisher(deps, timed_slack, fake_time).deliver()

    attempts = timed_slack.calls_to("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 2
    assert sum(fake_time.sleeps) >= 2
    assert len(timed_slack.alerts(CHANNEL)) == 1
    assert report.counts["posted"] == 1 and report.counts["retried"] == 0
    assert pending(deps) == 0


def test_a_run_of_100_alerts_never_posts_faster_than_one_per_second(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 100)

    make_publisher(deps, timed_slack, fake_time, threshold=1000).deliver()

    times = [c.at for c in timed_slack.posts(CHANNEL)]
    assert len(times) == 100
    assert len(timed_slack.alerts(CHANNEL)) == 100
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 1.0 - 1e-9
    assert all(int(times[-1] - t) < 100 for t in times)  # no call outside the paced run


def test_a_backlog_becomes_one_summary(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 100)
    publisher = make_publisher(deps, timed_slack, fake_time, threshold=20)

    report = publisher.deliver()
    publisher.deliver()

    posts = timed_slack.posts(CHANNEL)
    assert len(posts) == 1
    assert timed_slack.alerts(CHANNEL) == []
    assert "100 new cancel results" in posts[0].args["text"]
    assert report.counts["summaries"] == 1 and report.counts["summarized"] == 100
    assert pending(deps, OutboxKind.POST_ALERT) == 0


def test_a_server_error_is_retried_with_backoff(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 1)
    timed_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    publisher = make_publisher(deps, timed_slack, fake_time)

    report = publisher.deliver()

    assert report.counts["retried"] == 1 and report.counts["posted"] == 0
    with deps.make_uow() as uow:
        assert uow.outbox.last_error() == "chat.postMessage: service_unavailable (HTTP 503)"
    assert publisher.deliver().handled == 0  # not due before its backoff

    fake_time.advance(backoff(1).total_seconds() + 1)
    report = publisher.deliver()

    assert report.counts["posted"] == 1
    assert len(timed_slack.alerts(CHANNEL)) == 1
    assert pending(deps) == 0


def test_a_post_that_reached_slack_is_not_posted_again(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    """The answer times out although Slack kept the message: the retry finds it by its
    metadata in the channel history instead of posting a duplicate."""
    [result_id] = unmatched_results(deps, 1)
    timed_slack.fail("chat.postMessage", delay=0.8)
    publisher = make_publisher(deps, timed_slack, fake_time)
    publisher.client = make_client("xoxb-fake-secrettokenvalue", timed_slack.base_url)
    publisher.client.timeout = 0.3  # type: ignore[assignment]

    assert publisher.deliver().counts["retried"] == 1
    fake_time.advance(60)
    publisher.deliver()

    assert len(timed_slack.alerts(CHANNEL)) == 1
    assert len(timed_slack.calls_to("chat.postMessage")) == 1
    assert timed_slack.calls_to("conversations.history")
    with deps.make_uow() as uow:
        ref = uow.alerts.get(TargetKind.RESULT, result_id)
    assert ref == (CHANNEL, timed_slack.alerts(CHANNEL)[0].ts)


def test_a_message_slack_refuses_for_good_is_dropped(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 2)
    timed_slack.fail("chat.postMessage", error="invalid_blocks")

    report = make_publisher(deps, timed_slack, fake_time).deliver()

    assert report.counts["dropped"] == 1 and report.counts["posted"] == 1
    assert pending(deps) == 0


def test_a_setup_error_is_retried_and_reported(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    unmatched_results(deps, 1)
    timed_slack.fail("chat.postMessage", error="not_in_channel")

    report = make_publisher(deps, timed_slack, fake_time).deliver()

    assert report.counts["retried"] == 1
    with deps.make_uow() as uow:
        assert uow.outbox.last_error() == "chat.postMessage: not_in_channel (HTTP 200)"


def test_a_changed_claim_updates_its_message_in_place(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    order = make_order()
    order_book.import_orders(deps.make_uow, [order], datetime.now(UTC))
    requested = claim_for(order, claim_type=ClaimType.CANCEL, claim_state=ClaimState.REQUESTED)
    apply.apply_claims(deps.make_uow, [requested], datetime.now(UTC))
    publisher = make_publisher(deps, timed_slack, fake_time)
    publisher.deliver()
    [alert] = timed_slack.alerts(CHANNEL)
    assert "Requested" in str(alert.blocks)

    completed = claim_for(
        order,
        claim_id=requested.claim_id,
        claim_state=ClaimState.COMPLETED,
        completed_at=datetime.now(UTC),
    )
    apply.apply_claims(deps.make_uow, [completed], datetime.now(UTC))
    report = publisher.deliver()

    assert report.counts["updated"] == 1
    # One message, and under it a thread reply saying what changed (issue 18).
    assert len(timed_slack.alerts(CHANNEL)) == 1
    [reply] = [c for c in timed_slack.posts() if c.args.get("thread_ts") == alert.ts]
    assert "Claim state: Requested → Completed" in reply.args["text"]
    assert report.counts["notes"] == 1
    [update] = timed_slack.calls_to("chat.update")
    assert update.args["ts"] == alert.ts
    assert "Completed" in str(timed_slack.message(CHANNEL, alert.ts).blocks)


def test_an_update_before_the_post_queues_the_post_once(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    [result_id] = unmatched_results(deps, 1)
    now = datetime.now(UTC)
    with deps.make_uow() as uow:
        # The post was folded into a summary long ago; a later update must not post it.
        uow.outbox.enqueue([update_alert(TargetKind.RESULT, result_id, "x")], now)
        uow.outbox.enqueue([post_alert(TargetKind.RESULT, result_id)], now)
        uow.commit()

    make_publisher(deps, timed_slack, fake_time).deliver()

    assert len(timed_slack.alerts(CHANNEL)) == 1


def test_notes_without_an_alert_are_skipped(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    order = make_order(status=OrderStatus.RECEIVED)
    order_book.import_orders(deps.make_uow, [order], datetime.now(UTC))
    stats = apply.apply_claims(deps.make_uow, [claim_for(order)], datetime.now(UTC))
    confirmation.confirm(
        deps.make_uow, TargetKind.RESULT, stats.changed_ids, AGENT, datetime.now(UTC)
    )

    make_publisher(deps, timed_slack, fake_time).deliver()

    assert timed_slack.posts() == []  # before shipping: no alert, so nothing to reply under
    assert pending(deps) == 0


def test_the_digest_is_posted_once_a_day(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    shipped_results(deps, 3)
    publisher = make_publisher(deps, timed_slack, fake_time)
    publisher.deliver()
    timed_slack.reset_calls()
    fake_time.advance(timedelta(hours=25).total_seconds())

    # Two replicas enqueue the same day's digest.
    first = dashboard.queue_digest(deps.make_uow, fake_time.now(), deps.tz)
    second = dashboard.queue_digest(deps.make_uow, fake_time.now(), deps.tz)
    publisher.deliver()
    publisher.deliver()

    assert first == second and first.startswith("digest:")
    [digest] = timed_slack.posts(CHANNEL)
    assert "3 unconfirmed after-shipping cancel results" in digest.args["text"]


def test_an_empty_digest_is_not_posted(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    dashboard.queue_digest(deps.make_uow, fake_time.now(), deps.tz)

    make_publisher(deps, timed_slack, fake_time).deliver()

    assert timed_slack.posts() == []
    assert pending(deps) == 0


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff(50) == timedelta(minutes=10)


def test_two_replicas_delivering_at_once_post_each_alert_once(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    unmatched_results(deps, 15)
    shipped_results(deps, 5)
    replicas = [make_publisher(deps, fake_slack, FakeTime()) for _ in range(2)]

    threads = [threading.Thread(target=p.deliver) for p in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    posted = [m.metadata["event_payload"]["target_id"] for m in fake_slack.alerts(CHANNEL)]
    assert sorted(posted) == list(range(1, 21))
    assert pending(deps) == 0
