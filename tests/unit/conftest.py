"""The unit tier: core's use cases against the dict-backed unit of work (tests/fakes.py),
and pure code. Nothing here opens a database, a socket or a process."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fakes import FakeStore, FakeUnitOfWork, fake_uow_factory


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def make_uow(store: FakeStore) -> Callable[[], FakeUnitOfWork]:
    """The same fixture name as the database tiers', over the fake: core tests run here."""
    return fake_uow_factory(store)
