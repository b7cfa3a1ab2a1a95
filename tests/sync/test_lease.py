"""The account sync lease: one replica at a time, renewed during a long pass, and given up
when another replica took it over."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from bot import jobs
from bot.bootstrap import build
from bot.config import AccountConfig
from tests.conftest import SEOUL

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


def test_a_long_pass_renews_and_stops_when_the_lease_is_lost(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = build(database_url, SEOUL)
    monkeypatch.setattr(jobs, "LEASE_TTL", timedelta(seconds=0.3))
    now = deps.clock.now()
    with deps.make_uow() as uow:
        assert uow.sync.try_lease("sandbox", "sandbox", jobs.OWNER, now, jobs.LEASE_TTL)
        uow.commit()
    check = jobs._renewing(deps, ACCOUNT, lambda: False)
    time.sleep(0.15)
    assert check() is False  # renewed: still ours

    def lease() -> Any:
        with deps.make_uow() as uow:
            from sqlalchemy import text

            return uow.session.execute(  # type: ignore[attr-defined]
                text("SELECT lease_owner FROM sync_state WHERE account = 'sandbox'")
            ).scalar()

    assert lease() == jobs.OWNER
    time.sleep(0.35)  # it expired; another replica takes it
    with deps.make_uow() as uow:
        assert uow.sync.try_lease(
            "sandbox", "sandbox", "thief", deps.clock.now(), timedelta(minutes=5)
        )
        uow.commit()
    time.sleep(0.15)
    assert check() is True  # lost: the pass stops
    deps.close()
