"""The pace of Web API calls against the fake Slack: chat.update at Slack's Tier 3 however
many results one Confirm all touches, and one channel's posts one interval apart however
many replicas post to it (the slots live in the database)."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime

from bot.runtime.deps import Deps
from bot.slack.client import make_client
from bot.slack.pacing import UPDATE_INTERVAL, SharedSlots, SystemTimer
from bot.slack.publisher import Publisher
from core import apply, confirmation
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import AGENT, BOT_TOKEN, CHANNEL, FakeTime, make_publisher


def unmatched_results(deps: Deps, count: int) -> list[int]:
    claims = [claim_for() for _ in range(count)]
    return apply.apply_claims(deps.make_uow, claims, datetime.now(UTC)).changed_ids


def test_confirming_200_alerted_results_updates_them_at_tier_3_without_a_429(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    ids = unmatched_results(deps, 200)
    publisher = make_publisher(deps, timed_slack, fake_time, threshold=1000)
    publisher.deliver()
    assert len(timed_slack.alerts(CHANNEL)) == 200

    confirmation.confirm(deps.make_uow, TargetKind.RESULT, ids, AGENT, fake_time.now())
    publisher.deliver()

    updates = [c for c in timed_slack.calls_to("chat.update")]
    assert len(updates) >= 200 and all(c.status == 200 for c in updates)
    times = [c.at for c in updates]
    assert min(b - a for a, b in itertools.pairwise(times)) >= UPDATE_INTERVAL - 1e-9
    # Slack's Tier 3 is about 50 a minute: no 60-second stretch holds more.
    busiest = max(sum(1 for t in times if start <= t < start + 60) for start in times)
    assert busiest <= 50
    assert not [c for c in timed_slack.calls if c.status == 429]


def test_two_replicas_posting_to_one_channel_keep_one_interval_between_their_posts(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    unmatched_results(deps, 16)
    interval = 0.25

    def replica() -> Publisher:
        return Publisher(
            deps.make_uow,
            make_client(BOT_TOKEN, fake_slack.base_url),
            channel=CHANNEL,
            locale="en",
            tz=SEOUL,
            clock=deps.clock,
            timer=SystemTimer(),
            backlog_threshold=1000,
            post_interval=interval,
            slots=SharedSlots(deps.make_uow),
        )

    fleet = [replica(), replica()]
    barrier = threading.Barrier(len(fleet))

    def run(publisher: Publisher) -> None:
        barrier.wait()
        publisher.deliver()

    threads = [threading.Thread(target=run, args=(p,)) for p in fleet]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    times = sorted(c.at for c in fake_slack.posts(CHANNEL))
    assert len(times) == 16 and len(fake_slack.alerts(CHANNEL)) == 16
    # Arrival times carry a few ms of jitter on top of the slots' exact spacing.
    assert min(b - a for a, b in itertools.pairwise(times)) >= interval - 0.05
