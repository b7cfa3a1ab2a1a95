"""The SQLAlchemy unit of work: one session, one transaction, rolled back unless committed.
A read-only one (`read_only()`) takes no write lock and cannot commit."""

from __future__ import annotations

import weakref
from datetime import tzinfo
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from adapters.db.cases import SqlCaseRepository, SqlEscalationRepository
from adapters.db.coordination import (
    SqlActionRepository,
    SqlAlertMessageRepository,
    SqlOutboxRepository,
    SqlPaceRepository,
    SqlSyncStateRepository,
)
from adapters.db.engine import make_session_factory
from adapters.db.quarantine import SqlQuarantineRepository
from adapters.db.repositories import (
    SqlAuditLog,
    SqlHistoryRepository,
    SqlOrderRepository,
    SqlResultRepository,
    SqlWithdrawalRepository,
)
from core.errors import ConcurrentUpdate, StorageError
from core.ports import (
    ActionRepository,
    AlertMessageRepository,
    AuditLog,
    CaseRepository,
    EscalationRepository,
    HistoryRepository,
    OrderRepository,
    OutboxRepository,
    PaceRepository,
    QuarantineRepository,
    ResultRepository,
    SyncStateRepository,
    WithdrawalRepository,
)

# The read-only twin of each session factory, for units of work built without one.
_readers: weakref.WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]] = (
    weakref.WeakKeyDictionary()
)

# PostgreSQL's "try again" answers: serialization failure and deadlock.
RETRYABLE_SQLSTATES = {"40001", "40P01"}


class SqlAlchemyUnitOfWork:
    orders: OrderRepository
    results: ResultRepository
    withdrawals: WithdrawalRepository
    history: HistoryRepository
    audit: AuditLog
    sync: SyncStateRepository
    outbox: OutboxRepository
    alerts: AlertMessageRepository
    actions: ActionRepository
    quarantine: QuarantineRepository
    pace: PaceRepository
    cases: CaseRepository
    escalations: EscalationRepository
    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        tz: tzinfo,
        *,
        oms_events: bool = False,
        accept_accounts: frozenset[str] = frozenset(),
        read_session_factory: sessionmaker[Session] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory
        self.tz = tz
        self.oms_events = oms_events
        self.accept_accounts = accept_accounts
        self.reading = False

    def read_only(self) -> Self:
        self.reading = True
        return self

    def _factory(self) -> sessionmaker[Session]:
        if not self.reading:
            return self.session_factory
        if self.read_session_factory is None:
            self.read_session_factory = _readers.get(self.session_factory)
        if self.read_session_factory is None:
            reader = make_session_factory(self.session_factory.kw["bind"], read_only=True)
            self.read_session_factory = _readers.setdefault(self.session_factory, reader)
        return self.read_session_factory

    def __enter__(self) -> Self:
        self.session = self._factory()()
        self.orders = SqlOrderRepository(self.session)
        self.results = SqlResultRepository(self.session, self.tz)
        self.withdrawals = SqlWithdrawalRepository(self.session, self.tz)
        self.history = SqlHistoryRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        self.sync = SqlSyncStateRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.alerts = SqlAlertMessageRepository(self.session)
        self.actions = SqlActionRepository(self.session)
        self.quarantine = SqlQuarantineRepository(self.session)
        self.pace = SqlPaceRepository(self.session)
        self.cases = SqlCaseRepository(self.session)
        self.escalations = SqlEscalationRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if isinstance(exc, DBAPIError) and _retryable(exc):
            raise ConcurrentUpdate(str(exc.orig)) from exc
        if isinstance(exc, SQLAlchemyError):
            # Callers know core's errors only; the driver's own words say what failed.
            raise StorageError(describe(exc)) from exc

    def commit(self) -> None:
        if self.reading:
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            self.session.commit()
        except IntegrityError as exc:
            raise ConcurrentUpdate("another process wrote the same rows first") from exc
        except DBAPIError as exc:
            if _retryable(exc):
                raise ConcurrentUpdate(str(exc.orig)) from exc
            raise StorageError(describe(exc)) from exc

    def rollback(self) -> None:
        self.session.rollback()


def _retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def describe(exc: SQLAlchemyError) -> str:
    """The failure as the driver put it (first line), without SQLAlchemy's statement dump."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__
