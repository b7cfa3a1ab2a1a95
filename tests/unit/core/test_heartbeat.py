"""A lease's heartbeat: renewing on its own thread while work runs, and saying when the
lease may be gone."""

from __future__ import annotations

import time

from core.heartbeat import Heartbeat


def test_it_renews_every_third_of_the_lease_while_the_block_runs() -> None:
    beats: list[float] = []

    def renew() -> bool:
        beats.append(time.monotonic())
        return True

    with Heartbeat(renew, ttl=0.3) as beat:
        time.sleep(0.5)
        assert beat.lost is False
    ended = len(beats)
    time.sleep(0.25)
    assert 3 <= ended <= 6
    assert len(beats) == ended  # nothing after the block: a dead owner renews nothing


def test_a_lease_another_owner_took_is_lost_at_once() -> None:
    beat = Heartbeat(lambda: False, ttl=30)
    assert beat.lost is False
    beat.beat()
    assert beat.lost is True


def test_failed_renewals_count_as_lost_before_the_lease_may_have_run_out() -> None:
    now = [0.0]

    def renew() -> bool:
        raise ConnectionError("the database is away")

    beat = Heartbeat(renew, ttl=30, monotonic=lambda: now[0])
    now[0] = 15.0
    beat.beat()  # failed, but the lease still has 15 s
    assert beat.lost is False
    now[0] = 20.5  # past ttl - margin (30 - 10): stop before another owner may take it
    assert beat.lost is True
