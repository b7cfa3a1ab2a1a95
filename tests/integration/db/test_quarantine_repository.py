"""The quarantine table on SQLite and PostgreSQL: one row per record however often it is
seen, storable whatever screening refused, and found again in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.ports import UnitOfWork
from core.set_aside import SetAside, raw_text
from tests.conftest import SEOUL

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
WINDOW = (T0 - timedelta(hours=1), T0)


@pytest.fixture(params=["sqlite", "postgresql"])
def make_uow(request: pytest.FixtureRequest) -> Callable[[], UnitOfWork]:
    fixture = "database_url" if request.param == "sqlite" else "pg_url"
    engine = make_engine(str(request.getfixturevalue(fixture)))
    request.addfinalizer(engine.dispose)
    factory = make_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(factory, SEOUL)


def test_a_record_seen_again_is_one_row_with_its_first_sighting_kept(
    make_uow: Callable[[], UnitOfWork],
) -> None:
    record = SetAside("acct", "coupang", "R1", "why", "{}", window=WINDOW)
    for n in range(3):
        with make_uow() as uow:
            uow.quarantine.keep([record, record], T0 + timedelta(minutes=n))
            uow.commit()
    with make_uow() as uow:
        [row] = uow.quarantine.listing(10)
        assert (row.times_seen, row.first_seen_at, row.last_seen_at) == (
            3,
            T0,
            T0 + timedelta(minutes=2),
        )
        assert (row.window_start, row.window_end) == WINDOW
        assert uow.quarantine.count_by_account() == {"acct": 1}


def test_whatever_screening_refused_fits_the_table(make_uow: Callable[[], UnitOfWork]) -> None:
    hostile = SetAside(
        "a" * 200 + "\x00",
        "coupang",
        "9" * 500 + "\x00",
        "cannot be stored: marketplace_order_id is 500 characters long",
        raw_text({"orderId": "\x00" + "9" * 10_000, "name": "\ud800"}),
        line="\x00" * 100,
    )
    with make_uow() as uow:
        uow.quarantine.keep([hostile], T0)
        uow.commit()
    with make_uow() as uow:
        [row] = uow.quarantine.listing(10)
    assert len(row.account) <= 64 and len(row.claim_id) <= 128 and len(row.line) <= 64
    assert "\\u0000" in row.raw and len(row.raw.encode()) <= 4096 and row.from_file


def test_a_record_kept_in_this_transaction_is_found_in_it(
    make_uow: Callable[[], UnitOfWork],
) -> None:
    with make_uow() as uow:
        assert uow.quarantine.for_claims("acct", ["R1"]) == []  # none yet: remembered
        uow.quarantine.keep([SetAside("acct", "coupang", "R1", "why", "{}")], T0)
        [found] = uow.quarantine.for_claims("acct", ["R1", "R2"])
        uow.quarantine.remove([found.id])
        assert uow.quarantine.for_claims("acct", ["R1"]) == []
        uow.commit()
