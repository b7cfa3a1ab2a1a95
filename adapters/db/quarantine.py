"""The quarantine table (core.ports.QuarantineRepository): set-aside claim records, one row
per account, claim id and line, upserted so a record seen again is the same row."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.db.tables import QuarantineRow as Q
from core.set_aside import QuarantinedRecord, SetAside

CHUNK = 500  # bound IN lists well below every driver's parameter limit


class SqlQuarantineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # Accounts with no record, as this transaction saw them: every page of a sync asks
        # for_claims, and the answer is almost always "none"; one query per account and
        # transaction instead of one per page (each one a point where the prefetch thread
        # takes the interpreter for up to 5 ms).
        self._none: set[str] = set()

    def keep(self, records: Sequence[SetAside], now: datetime) -> None:
        # One row per key, the last sighting in this batch winning (a key twice in one
        # statement would make ON CONFLICT update a row twice, which PostgreSQL refuses).
        latest = {r.key: r for r in records}
        if not latest:
            return
        rows = [
            {
                "account": key.account,
                "marketplace": r.marketplace,
                "claim_id": key.claim_id,
                "line": key.line,
                "reason": r.reason,
                "raw": r.raw,
                "first_seen_at": now,
                "last_seen_at": now,
                "times_seen": 1,
                "window_start": r.window[0] if r.window else None,
                "window_end": r.window[1] if r.window else None,
            }
            for key, r in latest.items()
        ]
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(Q)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Q.account, Q.claim_id, Q.line],
            set_={
                "marketplace": stmt.excluded.marketplace,
                "reason": stmt.excluded.reason,
                "raw": stmt.excluded.raw,
                "last_seen_at": stmt.excluded.last_seen_at,
                "times_seen": Q.times_seen + 1,
                "window_start": stmt.excluded.window_start,
                "window_end": stmt.excluded.window_end,
            },
        )
        for start in range(0, len(rows), CHUNK):
            self.session.execute(stmt, rows[start : start + CHUNK])
        self._none -= {key.account for key in latest}

    def for_claims(self, account: str, claim_ids: Collection[str]) -> list[QuarantinedRecord]:
        if account in self._none:
            return []
        if self.session.scalar(select(Q.id).where(Q.account == account).limit(1)) is None:
            self._none.add(account)
            return []
        ids = list(claim_ids)
        out: list[QuarantinedRecord] = []
        for start in range(0, len(ids), CHUNK):
            rows = self.session.scalars(
                select(Q).where(Q.account == account, Q.claim_id.in_(ids[start : start + CHUNK]))
            )
            out += [_record(row) for row in rows]
        return out

    def get_many(self, ids: Collection[int]) -> list[QuarantinedRecord]:
        wanted = list(ids)
        out: list[QuarantinedRecord] = []
        for start in range(0, len(wanted), CHUNK):
            rows = self.session.scalars(
                select(Q).where(Q.id.in_(wanted[start : start + CHUNK])).order_by(Q.id)
            )
            out += [_record(row) for row in rows]
        return sorted(out, key=lambda r: r.id)

    def remove(self, ids: Collection[int]) -> None:
        wanted = list(ids)
        for start in range(0, len(wanted), CHUNK):
            self.session.execute(delete(Q).where(Q.id.in_(wanted[start : start + CHUNK])))

    def listing(self, limit: int) -> list[QuarantinedRecord]:
        rows = self.session.scalars(
            select(Q).order_by(Q.last_seen_at.desc(), Q.id.desc()).limit(limit)
        )
        return [_record(row) for row in rows]

    def count_by_account(self) -> dict[str, int]:
        rows = self.session.execute(select(Q.account, func.count()).group_by(Q.account))
        return {account: count for account, count in rows}


def _record(row: Q) -> QuarantinedRecord:
    return QuarantinedRecord(
        id=row.id,
        account=row.account,
        marketplace=row.marketplace,
        claim_id=row.claim_id,
        line=row.line,
        reason=row.reason,
        raw=row.raw,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        times_seen=row.times_seen,
        window_start=row.window_start,
        window_end=row.window_end,
    )
