"""The confirmation state machine of the unit tier, on a real SQLite database: the SQL
repositories' conditional updates keep the same promises as the fake."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from hypothesis import settings

from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.ports import UnitOfWork
from tests.conftest import SEOUL
from tests.unit.core.test_confirmation import ConfirmationMachine


class ConfirmationOnSqlite(ConfirmationMachine):
    def storage(self) -> Callable[[], UnitOfWork]:
        self.dir = tempfile.TemporaryDirectory()
        url = f"sqlite:///{self.dir.name}/m.db"
        migrate.upgrade(url)
        self.engine = make_engine(url)
        factory = make_session_factory(self.engine)
        return lambda: SqlAlchemyUnitOfWork(factory, SEOUL)

    def teardown(self) -> None:
        self.engine.dispose()
        self.dir.cleanup()


ConfirmationOnSqlite.TestCase.settings = settings(
    max_examples=15, stateful_step_count=12, deadline=None
)
test_confirmation_state_machine_on_sqlite = ConfirmationOnSqlite.TestCase
