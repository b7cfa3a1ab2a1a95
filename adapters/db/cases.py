"""A person's hands on a result (who took it, its snooze) and escalations (issue 18).

Every write is one conditional UPDATE (or an insert that keeps the first row): two
people clicking at once, on two replicas, change a case once, and the loser's use case
runs again on what is true now (core.cases).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from adapters.db import mapping
from adapters.db.coordination import _upsert_insert
from adapters.db.ids import among
from adapters.db.repositories import RESULTS, WITHDRAWALS
from adapters.db.tables import CsHistoryRow, EscalationRow
from core.orders import Phase
from core.results import CancelResult, CsHistoryEntry, TargetKind, WithdrawalState

R = RESULTS.c
W = WITHDRAWALS.c


class SqlCaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _set(self, result_id: int, condition: Any, **values: Any) -> bool:
        stmt = update(RESULTS).where(R.id == result_id, condition).values(**values).returning(R.id)
        return self.session.execute(stmt).first() is not None

    def take(self, result_id: int, user: str, at: datetime, *, previous: str | None = None) -> bool:
        holder = R.taken_by.is_(None) if previous is None else R.taken_by == previous
        return self._set(result_id, holder, taken_by=user, taken_at=at)

    def release(self, result_id: int, user: str) -> bool:
        return self._set(result_id, R.taken_by == user, taken_by=None, taken_at=None)

    def snooze(self, result_id: int, until: datetime, by: str) -> bool:
        return self._set(result_id, R.confirmed_by.is_(None), snoozed_until=until, snoozed_by=by)

    def due_snoozes(self, now: datetime, limit: int) -> list[CancelResult]:
        stmt = (
            select(RESULTS)
            .where(R.snoozed_until.is_not(None), R.snoozed_until <= now)
            .order_by(R.snoozed_until, R.id)
            .limit(limit)
        )
        return [mapping.result_from_row(r) for r in self.session.execute(stmt)]

    def wake(self, result_id: int, now: datetime) -> bool:
        due = and_(R.snoozed_until.is_not(None), R.snoozed_until <= now)
        return self._set(result_id, due, snoozed_until=None, snoozed_by=None)

    def _listed(self, where: Any, order: list[Any], limit: int) -> tuple[list[CancelResult], int]:
        total = int(
            self.session.execute(
                select(func.count()).select_from(RESULTS).where(where)
            ).scalar_one()
        )
        rows = self.session.execute(select(RESULTS).where(where).order_by(*order).limit(limit))
        return [mapping.result_from_row(r) for r in rows], total

    def taken_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        where = and_(R.taken_by == user, R.confirmed_by.is_(None))
        return self._listed(where, [R.taken_at.desc(), R.id.desc()], limit)

    def snoozed_by(self, user: str, limit: int) -> tuple[list[CancelResult], int]:
        where = and_(R.snoozed_by == user, R.snoozed_until.is_not(None))
        return self._listed(where, [R.snoozed_until, R.id], limit)

    def holders(self, result_ids: Collection[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for wanted in among(self.session, R.id, result_ids):
            stmt = select(R.id, R.taken_by).where(wanted, R.taken_by.is_not(None))
            out.update((int(i), str(u)) for i, u in self.session.execute(stmt))
        return out

    def unmatched_notes(self, result_ids: Collection[int]) -> list[CsHistoryEntry]:
        out: list[CsHistoryEntry] = []
        column = CsHistoryRow.__table__.c.result_id
        for wanted in among(self.session, column, result_ids):
            rows = self.session.execute(
                select(CsHistoryRow)
                .where(CsHistoryRow.management_no == "", wanted)
                .order_by(CsHistoryRow.id)
            ).scalars()
            out.extend(mapping.history_from_row(r) for r in rows)
        return out


class SqlEscalationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _not_escalated(self, target: TargetKind, column: Any) -> Any:
        return ~exists().where(
            EscalationRow.target == target.value, EscalationRow.target_id == column
        )

    def due(self, cutoff: datetime, limit: int) -> list[tuple[TargetKind, int]]:
        withdrawals = (
            select(W.created_at, W.id)
            .where(
                W.state == WithdrawalState.OPEN.value,
                W.created_at < cutoff,
                self._not_escalated(TargetKind.WITHDRAWAL, W.id),
            )
            .order_by(W.created_at, W.id)
            .limit(limit)
        )
        results = (
            select(R.created_at, R.id)
            .where(
                R.confirmed_by.is_(None),
                R.snoozed_until.is_(None),
                R.phase == Phase.AFTER_SHIPPING.value,
                R.created_at < cutoff,
                self._not_escalated(TargetKind.RESULT, R.id),
            )
            .order_by(R.created_at, R.id)
            .limit(limit)
        )
        waiting = [
            (at, TargetKind.WITHDRAWAL, int(i)) for at, i in self.session.execute(withdrawals)
        ]
        waiting += [(at, TargetKind.RESULT, int(i)) for at, i in self.session.execute(results)]
        waiting.sort(key=lambda w: (w[0], w[1].value, w[2]))
        return [(target, target_id) for _, target, target_id in waiting[:limit]]

    def record(self, targets: Collection[tuple[TargetKind, int]], at: datetime) -> None:
        rows = [
            {"target": target.value, "target_id": target_id, "escalated_at": at}
            for target, target_id in targets
        ]
        if not rows:
            return
        stmt = _upsert_insert(self.session, EscalationRow.__table__)
        self.session.connection().execute(
            stmt.on_conflict_do_nothing(index_elements=["target", "target_id"]), rows
        )
