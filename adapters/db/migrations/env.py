"""Alembic environment: our metadata, DATABASE_URL, and one migrator at a time."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import text

from adapters.db import tables  # noqa: F401  (registers the tables on Base.metadata)
from adapters.db.base import Base
from adapters.db.engine import DEFAULT_DATABASE_URL, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or os.environ.get(
        "DATABASE_URL", DEFAULT_DATABASE_URL
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Several replicas may start at once: only one of them migrates, the others
            # wait and then find nothing to do.
            connection.execute(text("SELECT pg_advisory_lock(hashtext('cancelbot-alembic'))"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            compare_server_default=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(hashtext('cancelbot-alembic'))"))
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
