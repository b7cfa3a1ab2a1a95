"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL when
CANCELBOT_TEST_DATABASE_URL names one), Hypothesis profiles, and the tier markers.

Tiers follow the folders: tests/unit (core against fakes, pure code: `pytest -m unit`,
seconds), tests/integration (SQLite/PostgreSQL, marketplace fakes over HTTP), tests/e2e
(signed requests through the real Bolt app) and tests/system (real processes)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from adapters.db import migrate
from adapters.db.base import Base
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.ports import UnitOfWork

SEOUL = ZoneInfo("Asia/Seoul")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=120
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def postgres_url() -> str | None:
    """The PostgreSQL the postgres-marked tests use, or None when none answers."""
    url = os.environ.get("CANCELBOT_TEST_PG_URL", DEFAULT_PG_URL)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return url


_PG = postgres_url()
_CREATED: list[str] = []


def isolated_database(base_url: str) -> str:
    """A new database on the same server, so concurrent test runs (a developer's and CI's,
    or two helpers') never truncate each other's tables. Falls back to `base_url` when the
    role may not create databases."""
    url = make_url(base_url)
    name = f"{url.database or 'cancelbot'}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return base_url
    finally:
        admin.dispose()
    _CREATED.append(name)
    return url.set(database=name).render_as_string(hide_password=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _CREATED or _PG is None:
        return
    admin = create_engine(make_url(_PG).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in _CREATED:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    """A clean, migrated schema: drop everything once per session, then truncate per test."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    migrate.upgrade(url)


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _main_pg() -> str | None:
    url = os.environ.get("CANCELBOT_TEST_DATABASE_URL")
    if url:
        url = isolated_database(url)
        _reset_postgres(url)
    return url


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _main_pg: str | None) -> str:
    """The suite's database: a fresh migrated SQLite file, or the PostgreSQL named by
    CANCELBOT_TEST_DATABASE_URL, emptied."""
    if _main_pg:
        truncate_all(_main_pg)
        return _main_pg
    path = tmp_path / "cancelbot.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_uow(database_url: str) -> Iterator[Callable[[], UnitOfWork]]:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    yield lambda: SqlAlchemyUnitOfWork(factory, SEOUL)
    engine.dispose()


@pytest.fixture(scope="session")
def _pg_migrated() -> str:
    if _PG is None:
        pytest.skip("PostgreSQL is not reachable at CANCELBOT_TEST_PG_URL / 127.0.0.1:5432")
    url = isolated_database(_PG)
    _reset_postgres(url)
    return url


@pytest.fixture
def pg_url(_pg_migrated: str) -> str:
    """A real PostgreSQL, migrated and emptied; the test is skipped when none answers."""
    truncate_all(_pg_migrated)
    return _pg_migrated


TIERS = {
    "unit": "unit",
    "integration": "integration",
    "e2e": "e2e",
    "system": "system",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test is marked with its tier, from the folder it lives in."""
    root = Path(__file__).parent
    for item in items:
        parts = Path(str(item.fspath)).relative_to(root).parts
        tier = TIERS.get(parts[0]) if len(parts) > 1 else None
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid} is outside the tier folders")
        item.add_marker(getattr(pytest.mark, tier))
