"""Fixtures for the multi-process tests: a database of their own (created here, dropped
after the test), a fake Slack, and a registry that kills every replica a test started."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.conftest import _PG
from tests.support.fake_slack import FakeSlack
from tests.system.replicas.harness import Db, Replicas

os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")


def _admin_url(url: URL) -> URL:
    return url.set(database="postgres")


@pytest.fixture
def pg_server() -> URL:
    if _PG is None:
        pytest.skip("PostgreSQL is not reachable at CANCELBOT_TEST_PG_URL / 127.0.0.1:5432")
    return make_url(_PG)


@pytest.fixture
def replica_db(pg_server: URL) -> Iterator[URL]:
    """A new, empty database on the shared server (not migrated: the test runs
    `cancelbot db upgrade`), dropped with whatever is still connected afterwards."""
    name = f"cancelbot_replicas_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(pg_server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"cannot create a database of our own: {exc.__class__.__name__}")
    try:
        yield pg_server.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def admin_engine(pg_server: URL) -> Iterator[object]:
    engine = create_engine(_admin_url(pg_server), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def db(replica_db: URL) -> Iterator[Db]:
    handle = Db(replica_db.render_as_string(hide_password=False))
    yield handle
    handle.close()


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[Replicas]:
    registry = Replicas(tmp_path)
    try:
        yield registry
    finally:
        registry.close_all()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()
