"""The account sync lease: one replica at a time, renewed during a long pass, and given up
when another replica took it over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.runtime import jobs
from bot.runtime.bootstrap import build
from bot.runtime.config import AccountConfig
from core.sync import lease_heartbeat, take_lease
from tests.conftest import SEOUL
from tests.support.slack_app import FakeTime

ACCOUNT = AccountConfig("sandbox", "sandbox", {}, {})


def test_a_held_lease_keeps_other_replicas_out(database_url: str) -> None:
    deps = build(database_url, SEOUL)
    now = deps.clock.now()
    with deps.make_uow() as uow:
        assert uow.sync.try_lease("sandbox", "sandbox", "other-replica", now, timedelta(minutes=5))
        uow.commit()
    skipped = jobs.sync_one(deps, ACCOUNT)
    assert skipped.report is None and "another replica" in (skipped.skipped_reason or "")
    with deps.make_uow() as uow:  # an expired lease is taken over
        assert uow.sync.try_lease("sandbox", "sandbox", "other-replica", now, timedelta(0))
        uow.commit()
    later = jobs.sync_one(deps, ACCOUNT)
    assert later.report is not None and later.report.ok
    deps.close()


def test_a_long_pass_renews_and_stops_when_the_lease_is_lost(database_url: str) -> None:
    time = FakeTime()
    deps = build(database_url, SEOUL, clock=time, lease_seconds=30)
    assert take_lease(deps.make_uow, "sandbox", "sandbox", deps.lease, time.now())
    beat = lease_heartbeat(deps.make_uow, "sandbox", "sandbox", deps.lease, time, time.monotonic)
    time.advance(10)
    beat.beat()  # a third of the lease gone: renewed, still ours
    assert beat.lost is False

    def lease() -> Any:
        with deps.make_uow() as uow:
            from sqlalchemy import text

            return uow.session.execute(  # type: ignore[attr-defined]
                text("SELECT lease_owner FROM sync_state WHERE account = 'sandbox'")
            ).scalar()

    assert lease() == deps.lease.owner
    time.advance(40)  # it expired (renewed at 10 s for 30 s); another replica takes it
    with deps.make_uow() as uow:
        assert uow.sync.try_lease("sandbox", "sandbox", "thief", time.now(), timedelta(minutes=5))
        uow.commit()
    beat.beat()
    assert beat.lost is True  # lost: the pass stops
    assert lease() == "thief"
    deps.close()
