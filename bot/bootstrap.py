"""The composition root: the one module in bot/ that knows the adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from adapters.db import migrate
from adapters.db.engine import DEFAULT_DATABASE_URL, make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.errors import CancelbotError
from core.ports import UnitOfWork

__all__ = ["DEFAULT_DATABASE_URL", "Deps", "build", "upgrade_database"]


class DatabaseNotReady(CancelbotError):
    """The schema is missing or older than this version of cancelbot."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Deps:
    engine: Engine
    make_uow: Callable[[], UnitOfWork]
    tz: tzinfo
    clock: SystemClock

    def close(self) -> None:
        self.engine.dispose()


def build(database_url: str, tz: tzinfo, *, check_schema: bool = True) -> Deps:
    engine = make_engine(database_url)
    if check_schema:
        _check_schema(engine)
    factory = make_session_factory(engine)

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(factory, tz)

    return Deps(engine=engine, make_uow=make_uow, tz=tz, clock=SystemClock())


def upgrade_database(database_url: str) -> str | None:
    migrate.upgrade(database_url)
    return migrate.current_head()


def _check_schema(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                raise DatabaseNotReady(
                    "the database has no cancelbot tables yet: run `cancelbot db upgrade`"
                )
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise DatabaseNotReady(f"cannot reach the database: {exc.__class__.__name__}") from exc
    head = migrate.current_head()
    if current != head:
        raise DatabaseNotReady(
            f"the database schema is at {current}, this cancelbot needs {head}: "
            "run `cancelbot db upgrade`"
        )
