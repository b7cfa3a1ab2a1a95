"""Sync state, the outbox and alert message refs: the tables replicas coordinate through."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from adapters.db import bulk
from adapters.db.ids import among
from adapters.db.tables import (
    AlertMessageRow,
    MarketplaceActionRow,
    OutboxRow,
    PaceRow,
    SyncStateRow,
)
from core.marketplace_actions import ActionKind, ActionState, MarketplaceAction
from core.outbox import OutboxItem, OutboxKind
from core.results import TargetKind
from core.sync_state import SyncState

ERROR_TEXT_MAX = 1000
OUTBOX = cast(Table, OutboxRow.__table__)


def _upsert_insert(session: Session, model: Any) -> Any:
    """INSERT … ON CONFLICT for the running dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


class SqlSyncStateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _ensure(self, account: str, marketplace: str) -> None:
        stmt = _upsert_insert(self.session, SyncStateRow).values(
            account=account, marketplace=marketplace
        )
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["account"]))

    @staticmethod
    def _state(row: SyncStateRow) -> SyncState:
        return SyncState(
            account=row.account,
            marketplace=row.marketplace,
            watermark=row.watermark,
            last_success_at=row.last_success_at,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
            last_claim_at=row.last_claim_at,
            lease_owner=row.lease_owner,
            lease_until=row.lease_until,
        )

    def get(self, account: str) -> SyncState | None:
        row = self.session.get(SyncStateRow, account)
        return self._state(row) if row else None

    def all(self) -> list[SyncState]:
        rows = self.session.execute(select(SyncStateRow).order_by(SyncStateRow.account))
        return [self._state(r) for r in rows.scalars()]

    def set_watermark(
        self, account: str, marketplace: str, watermark: datetime, newest_claim: datetime | None
    ) -> None:
        self._ensure(account, marketplace)
        self.session.execute(
            update(SyncStateRow).where(SyncStateRow.account == account).values(watermark=watermark)
        )
        if newest_claim is not None:
            self.session.execute(
                update(SyncStateRow)
                .where(
                    SyncStateRow.account == account,
                    or_(
                        SyncStateRow.last_claim_at.is_(None),
                        SyncStateRow.last_claim_at < newest_claim,
                    ),
                )
                .values(last_claim_at=newest_claim)
            )

    def record_success(self, account: str, marketplace: str, at: datetime) -> None:
        self._ensure(account, marketplace)
        self.session.execute(
            update(SyncStateRow)
            .where(SyncStateRow.account == account)
            .values(last_success_at=at, last_error=None, last_error_at=None)
        )

    def record_error(self, account: str, marketplace: str, error: str, at: datetime) -> None:
        self._ensure(account, marketplace)
        self.session.execute(
            update(SyncStateRow)
            .where(SyncStateRow.account == account)
            .values(last_error=error[:ERROR_TEXT_MAX], last_error_at=at)
        )

    def try_lease(
        self, account: str, marketplace: str, owner: str, now: datetime, ttl: timedelta
    ) -> bool:
        self._ensure(account, marketplace)
        # One conditional update: free, expired, or already ours. Row locking makes two
        # replicas racing for it see one winner.
        taken = self.session.execute(
            update(SyncStateRow)
            .where(
                SyncStateRow.account == account,
                or_(
                    SyncStateRow.lease_owner.is_(None),
                    SyncStateRow.lease_until < now,
                    SyncStateRow.lease_owner == owner,
                ),
            )
            .values(lease_owner=owner, lease_until=now + ttl)
            .returning(SyncStateRow.account)
        ).first()
        return taken is not None

    def release_lease(self, account: str, owner: str) -> None:
        self.session.execute(
            update(SyncStateRow)
            .where(SyncStateRow.account == account, SyncStateRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, items: Iterable[OutboxItem], now: datetime) -> None:
        rows = [
            {
                "kind": i.kind.value,
                "target": i.target.value if i.target else None,
                "target_id": i.target_id,
                "dedupe_key": i.dedupe_key,
                "ordering_key": i.ordering_key,
                "payload": json.dumps(i.payload, ensure_ascii=False) if i.payload else "{}",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for i in items
        ]
        # An item queued before (its dedupe key stored) is not queued again.
        bulk.insert_many(self.session.connection(), OUTBOX, rows, unless_exists="dedupe_key")

    def claim_due(
        self, kinds: Collection[OutboxKind], now: datetime, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        stmt = (
            select(OutboxRow)
            .where(
                OutboxRow.done_at.is_(None),
                OutboxRow.kind.in_([k.value for k in kinds]),
                OutboxRow.next_attempt_at <= now,
                or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until < now),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        # In order per ordering key: an item waits while an older one with the same key is
        # still undelivered (being sent, or failing and waiting for its retry).
        older = aliased(OutboxRow)
        stmt = stmt.where(
            or_(
                OutboxRow.ordering_key.is_(None),
                ~exists().where(
                    older.ordering_key == OutboxRow.ordering_key,
                    older.id < OutboxRow.id,
                    older.done_at.is_(None),
                ),
            )
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.session.execute(stmt).scalars())
        attempts = {r.id: r.attempts + 1 for r in rows}  # before the update refreshes them
        if rows:
            self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_([r.id for r in rows]))
                .values(locked_until=now + lease, attempts=OutboxRow.attempts + 1)
            )
        return [
            OutboxItem(
                kind=OutboxKind(r.kind),
                target=TargetKind(r.target) if r.target else None,
                target_id=r.target_id,
                dedupe_key=r.dedupe_key,
                payload=json.loads(r.payload or "{}"),
                ordering_key=r.ordering_key,
                id=r.id,
                attempts=attempts[r.id],
                created_at=r.created_at,
            )
            for r in rows
        ]

    def renew(self, item_ids: Collection[int], until: datetime) -> None:
        if not item_ids:
            return
        self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(list(item_ids)),
                OutboxRow.done_at.is_(None),
                OutboxRow.locked_until.is_not(None),
            )
            .values(locked_until=until)
        )

    def stale_claims(self, now: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.done_at.is_(None), OutboxRow.locked_until < now)
        )
        return int(self.session.execute(stmt).scalar_one())

    def mark_done(self, item_id: int, now: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == item_id)
            .values(done_at=now, locked_until=None, last_error=None)
        )

    def mark_retry(self, item_id: int, error: str, next_attempt_at: datetime) -> None:
        self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == item_id)
            .values(
                next_attempt_at=next_attempt_at,
                locked_until=None,
                last_error=error[:ERROR_TEXT_MAX],
            )
        )

    def _pending(self, kinds: Collection[OutboxKind] | None) -> Any:
        cond: Any = OutboxRow.done_at.is_(None)
        if kinds:
            cond = and_(cond, OutboxRow.kind.in_([k.value for k in kinds]))
        return cond

    def pending_count(self, kinds: Collection[OutboxKind] | None = None) -> int:
        stmt = select(func.count()).select_from(OutboxRow).where(self._pending(kinds))
        return int(self.session.execute(stmt).scalar_one())

    def pending_targets(self, kind: OutboxKind, limit: int) -> list[tuple[TargetKind, int]]:
        stmt = (
            select(OutboxRow.target, OutboxRow.target_id)
            .where(
                self._pending([kind]),
                OutboxRow.target.is_not(None),
                OutboxRow.target_id.is_not(None),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [(TargetKind(str(t)), int(i or 0)) for t, i in self.session.execute(stmt)]

    def last_error(self, kinds: Collection[OutboxKind] | None = None) -> str | None:
        stmt = (
            select(OutboxRow.last_error)
            .where(self._pending(kinds), OutboxRow.last_error.is_not(None))
            .order_by(OutboxRow.id.desc())
            .limit(1)
        )
        return self.session.execute(stmt).scalar_one_or_none()


class SqlAlertMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, target: TargetKind, target_id: int) -> tuple[str, str] | None:
        row = self.session.execute(
            select(AlertMessageRow.channel, AlertMessageRow.ts).where(
                AlertMessageRow.target == target.value, AlertMessageRow.target_id == target_id
            )
        ).first()
        return (row[0], row[1]) if row else None

    def posted(self, target: TargetKind, target_ids: Collection[int]) -> set[int]:
        out: set[int] = set()
        column = AlertMessageRow.__table__.c.target_id
        for wanted in among(self.session, column, target_ids):
            stmt = select(AlertMessageRow.target_id).where(
                AlertMessageRow.target == target.value, wanted
            )
            out.update(int(i) for i in self.session.execute(stmt).scalars())
        return out

    def save(
        self, target: TargetKind, target_id: int, channel: str, ts: str, now: datetime
    ) -> None:
        stmt = _upsert_insert(self.session, AlertMessageRow).values(
            target=target.value, target_id=target_id, channel=channel, ts=ts, posted_at=now
        )
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["target", "target_id"]))


class SqlActionRepository:
    """Marketplace actions (issue 19): the claim before any call is one conditional
    statement, so two clicks, two people or two replicas see one winner."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, action: MarketplaceAction) -> MarketplaceAction | None:
        values = {
            "result_id": action.result_id,
            "marketplace": action.marketplace,
            "account": action.account,
            "claim_id": action.claim_id,
            "action": action.action.value,
            "state": ActionState.PENDING.value,
            "requested_by": action.by,
            "requested_at": action.at,
            "finished_at": None,
            "code": "",
            "message": "",
            "http_status": None,
            "write_calls": 0,
        }
        stmt = _upsert_insert(self.session, MarketplaceActionRow).values(**values)
        # A FAILED action may be tried again by a person; any other state keeps its row.
        stmt = stmt.on_conflict_do_update(
            index_elements=["marketplace", "account", "claim_id", "action"],
            set_={k: stmt.excluded[k] for k in values},
            where=MarketplaceActionRow.state == ActionState.FAILED.value,
        ).returning(MarketplaceActionRow.id)
        new_id = self.session.execute(stmt).scalar_one_or_none()
        if new_id is None:
            return None
        action.id = int(new_id)
        action.state = ActionState.PENDING
        return action

    def finish(self, action: MarketplaceAction) -> None:
        self.session.execute(
            update(MarketplaceActionRow)
            .where(MarketplaceActionRow.id == action.id)
            .values(
                state=action.state.value,
                finished_at=action.finished_at,
                code=action.code[:64],
                message=action.message,
                http_status=action.http_status,
                write_calls=action.write_calls,
            )
        )

    def for_claim(
        self, marketplace: str, account: str, claim_id: str, kind: ActionKind
    ) -> MarketplaceAction | None:
        row = self.session.execute(
            select(MarketplaceActionRow).where(
                MarketplaceActionRow.marketplace == marketplace,
                MarketplaceActionRow.account == account,
                MarketplaceActionRow.claim_id == claim_id,
                MarketplaceActionRow.action == kind.value,
            )
        ).scalar_one_or_none()
        return _action(row) if row else None

    def for_results(self, result_ids: Collection[int]) -> dict[int, MarketplaceAction]:
        out: dict[int, MarketplaceAction] = {}
        column = MarketplaceActionRow.__table__.c.result_id
        for wanted in among(self.session, column, result_ids):
            stmt = select(MarketplaceActionRow).where(wanted).order_by(MarketplaceActionRow.id)
            out.update((r.result_id, _action(r)) for r in self.session.execute(stmt).scalars())
        return out


def _action(row: MarketplaceActionRow) -> MarketplaceAction:
    return MarketplaceAction(
        id=row.id,
        result_id=row.result_id,
        marketplace=row.marketplace,
        account=row.account,
        claim_id=row.claim_id,
        action=ActionKind(row.action),
        state=ActionState(row.state),
        by=row.requested_by,
        at=row.requested_at,
        finished_at=row.finished_at,
        code=row.code,
        message=row.message,
        http_status=row.http_status,
        write_calls=row.write_calls,
    )


class SqlPaceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def reserve(self, key: str, now: float, interval: float) -> float:
        # One statement: the row is locked while it moves on, so two replicas taking a
        # slot at the same moment get consecutive slots.
        later = case((PaceRow.next_at > now, PaceRow.next_at), else_=now)
        stmt = (
            _upsert_insert(self.session, PaceRow)
            .values(key=key, next_at=now + interval)
            .on_conflict_do_update(index_elements=["key"], set_={"next_at": later + interval})
            .returning(PaceRow.next_at)
        )
        next_at = float(self.session.execute(stmt).scalar_one())
        return next_at - interval

    def hold(self, key: str, until: float) -> None:
        later = case((PaceRow.next_at > until, PaceRow.next_at), else_=until)
        stmt = (
            _upsert_insert(self.session, PaceRow)
            .values(key=key, next_at=until)
            .on_conflict_do_update(index_elements=["key"], set_={"next_at": later})
        )
        self.session.execute(stmt)
