"""Id lists far longer than any bound-variable limit, on SQLite and PostgreSQL: one
parameter (an array there, a JSON array here), one statement, and exactly the rows asked
for either way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session

from adapters.db.engine import make_engine
from adapters.db.ids import among
from adapters.db.repositories import RESULTS, SqlResultRepository
from tests.conftest import SEOUL

NOW = datetime(2026, 11, 25, 5, 3, tzinfo=UTC)
STORED = 42_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    if request.param == "postgres":
        url = str(request.getfixturevalue("pg_url"))
    elif database_url.startswith("sqlite"):
        url = database_url
    else:
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _row(i: int) -> dict[str, Any]:
    at = NOW - timedelta(minutes=i)
    return {
        "marketplace": "coupang",
        "account": "main",
        "claim_id": f"C{i}",
        "marketplace_order_id": f"O{i}",
        "marketplace_item_id": "",
        "management_no": f"M{i}" if i % 3 else None,
        "product_name": "",
        "option": "",
        "claim_type": "RETURN",
        "claim_state": "COMPLETED",
        "order_status": "SHIPPED",
        "phase": "AFTER_SHIPPING",
        "category": "SHIPPED_RETURN",
        "ordered_qty": 1,
        "cancel_qty": 1,
        "partial": False,
        "unmatched": i % 3 == 0,
        "anomaly": False,
        "claimed_at": at,
        "completed_at": at,
        "created_at": at,
        "updated_at": at,
    }


@pytest.fixture
def ids(engine: Engine) -> list[int]:
    """The ids of STORED results, in insertion order."""
    with engine.begin() as conn:
        conn.execute(insert(RESULTS), [_row(i) for i in range(STORED)])
        return list(conn.execute(select(RESULTS.c.id).order_by(RESULTS.c.id)).scalars())


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_forty_thousand_ids_find_exactly_their_rows(engine: Engine, ids: list[int]) -> None:
    wanted = ids[::4] + ids[1::4] + ids[2::4][:9_000]  # 30,000, with gaps, unsorted
    asked = wanted + wanted[:5000] + [max(ids) + k for k in range(1, 5001)]  # repeats, unknowns
    assert len(asked) == 40_000
    seen = _statements(engine)
    with Session(engine) as session:
        found = [
            i
            for cond in among(session, RESULTS.c.id, asked)
            for i in session.scalars(select(RESULTS.c.id).where(cond))
        ]
    assert sorted(found) == sorted(wanted)
    # One statement whatever the count, its ids in one parameter.
    selects = [s for s in seen if s.lstrip().startswith("SELECT")]
    assert len(selects) == 1
    assert selects[0].count("?") + selects[0].count("%(") == 1


def test_text_columns_take_the_same_path(engine: Engine, ids: list[int]) -> None:
    numbers = [f"M{i}" for i in range(40_000)]  # every third one is stored as NULL
    with Session(engine) as session:
        found = {
            n
            for cond in among(session, RESULTS.c.management_no, numbers)
            for n in session.scalars(select(RESULTS.c.management_no).where(cond))
        }
    assert found == {f"M{i}" for i in range(40_000) if i % 3}


def test_no_ids_ask_nothing(engine: Engine) -> None:
    with Session(engine) as session:
        assert list(among(session, RESULTS.c.id, [])) == []


def test_confirming_forty_thousand_results_changes_exactly_those(
    engine: Engine, ids: list[int]
) -> None:
    wanted = ids[:40_000]
    with Session(engine) as session:
        repo = SqlResultRepository(session, SEOUL)
        assert sorted(repo.mark_confirmed([*wanted, max(ids) + 1], "U0KIM", NOW)) == wanted
        assert repo.mark_confirmed(wanted, "U0LEE", NOW) == []  # confirmed once
        numbers = repo.management_nos(wanted)
        assert numbers == {i: (f"M{k}" if k % 3 else None) for k, i in enumerate(wanted)}
        assert set(repo.get_many(ids[39_990:40_010])) == set(ids[39_990:40_010])
        session.commit()
        confirmed = session.scalars(
            select(RESULTS.c.id).where(RESULTS.c.confirmed_by == "U0KIM")
        ).all()
        assert sorted(confirmed) == wanted
        assert sorted(repo.mark_unconfirmed(ids)) == wanted
