"""Engines per database: SQLite tuned for one writer at a time, PostgreSQL pooled; and the
session factories units of work open, one for work that writes and one for reads."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///cancelbot.db"
# Execution option carried by the connections of read-only units of work.
READ_ONLY = "cancelbot_read_only"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for SQLite's write lock
_GATE = "cancelbot_write_gate"  # set in a connection's info while it holds the gate


class FairGate:
    """A lock handed over in arrival order. SQLite's own wait for its write lock is a
    poll with growing sleeps, so a writer that commits page after page (a long sync) would
    take the lock again before a waiting Confirm wakes up: within one process, writers
    queue here first and are let in one by one, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ended
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()  # straight to the next in line
            else:
                self._held = False


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the only PostgreSQL driver we ship)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    # pre_ping finds connections a restarted server dropped; recycle keeps them younger
    # than typical load-balancer idle timeouts.
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_recycle", 1800)
    return create_engine(url, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    gate = FairGate()

    def leave(info: dict[str, Any]) -> None:
        if info.pop(_GATE, False):
            gate.release()

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" below issue BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A reader takes no lock: in WAL mode it reads a snapshot while one writer
            # writes, so a /cancels query never waits for a sync or the outbox.
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        # IMMEDIATE takes the write lock up front, so two processes applying claims wait
        # for each other instead of failing to upgrade a read snapshot; the gate lets this
        # process's writers in first come, first served.
        if not gate.acquire(BUSY_TIMEOUT):
            raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))
        connection.info[_GATE] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            leave(connection.info)
            raise

    @event.listens_for(engine, "commit")
    def _commit(connection: Any) -> None:
        leave(connection.info)

    @event.listens_for(engine, "rollback")
    def _rollback(connection: Any) -> None:
        leave(connection.info)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        leave(record.info)  # a connection that went back without commit or rollback

    @event.listens_for(engine, "invalidate")
    def _invalidate(_dbapi_connection: Any, record: Any, _exc: Any) -> None:
        leave(record.info)


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for units of work; `read_only` ones begin without the write lock on SQLite
    and as READ ONLY transactions on PostgreSQL (a write there fails loudly)."""
    if read_only:
        options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        engine = engine.execution_options(**options)
    return sessionmaker(bind=engine, expire_on_commit=False)
