"""The shared pace: slots taken from the database by several processes at once come out
consecutive and `interval` apart, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.pacing import hold_slots, reserve_slot
from tests.conftest import SEOUL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    if not database_url.startswith("sqlite"):
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    return database_url


def _replicas(url: str, n: int) -> list[Callable[[], Any]]:
    """Separate engines, as separate processes would have."""
    out = []
    for _ in range(n):
        factory = make_session_factory(make_engine(url))
        out.append(lambda f=factory: SqlAlchemyUnitOfWork(f, SEOUL))
    return out


def test_replicas_taking_slots_at_once_get_consecutive_slots_one_interval_apart(url: str) -> None:
    replicas = _replicas(url, 3)
    now, interval = 1_000_000.0, 1.0
    starts: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def take(make_uow: Callable[[], Any]) -> None:
        barrier.wait()
        for _ in range(5):
            start = reserve_slot(make_uow, "post:C1", now, interval)
            with lock:
                starts.append(start)

    threads = [threading.Thread(target=take, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(starts) == [now + k * interval for k in range(15)]


def test_slots_restart_from_now_after_a_quiet_spell_and_keys_are_independent(url: str) -> None:
    [make_uow] = _replicas(url, 1)
    assert reserve_slot(make_uow, "post:C1", 100.0, 1.0) == 100.0
    assert reserve_slot(make_uow, "post:C1", 100.2, 1.0) == 101.0  # the next slot
    assert reserve_slot(make_uow, "chat.update", 100.2, 1.2) == 100.2  # its own pace
    assert reserve_slot(make_uow, "post:C1", 500.0, 1.0) == 500.0  # long free: now


def test_a_hold_keeps_every_replica_out_until_it_ends(url: str) -> None:
    a, b = _replicas(url, 2)
    hold_slots(a, "chat.update", 130.0)  # a 429 said: wait 30 s
    assert reserve_slot(b, "chat.update", 100.0, 1.2) == 130.0
    gaps = [
        b_ - a_
        for a_, b_ in itertools.pairwise(
            [reserve_slot(b, "chat.update", 100.0, 1.2) for _ in range(3)]
        )
    ]
    assert all(abs(g - 1.2) < 1e-6 for g in gaps)
