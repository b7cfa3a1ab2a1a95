"""SQLAlchemy implementations of core's repositories. Hot paths use Core statements in
batches: a sync window is thousands of claims, not one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, tzinfo
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.db import bulk, mapping
from adapters.db.filters import Shape, Where, all_of, condition, phases_of, result_where
from adapters.db.ids import among
from adapters.db.tables import (
    CancelResultRow as R,
)
from adapters.db.tables import (
    ConfirmationEventRow,
    CsHistoryRow,
    OrderRow,
)
from adapters.db.tables import (
    WithdrawalRow as W,
)
from core.claims import ClaimKey
from core.errors import ConcurrentUpdate
from core.orders import Order, Phase
from core.queries import CancelFilter
from core.results import (
    CancelResult,
    Category,
    ConfirmationEvent,
    CsHistoryEntry,
    ResultStamp,
    SummaryRow,
    TargetKind,
    Withdrawal,
    WithdrawalState,
)
from core.rules import LineIds

T = TypeVar("T")
IMPORTED_FIELDS = (
    "marketplace",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "option",
    "quantity",
    "status",
    "invoice_no",
    "shipped_at",
)


def _table(model: type[Any]) -> Table:
    """The Core table of an ORM class, for executemany statements without ORM overhead."""
    return cast(Table, model.__table__)


# Hot-path reads go through the Core tables: rows, not ORM instances in an identity map.
ORDERS, RESULTS, WITHDRAWALS = _table(OrderRow), _table(R), _table(W)
HISTORY, AUDIT = _table(CsHistoryRow), _table(ConfirmationEventRow)
# Rows to unpack into core objects (mapping.*_from_values), not to read by attribute.
ORDER_ROWS = select(*(ORDERS.c[n] for n in mapping.ORDER_COLUMNS))
RESULT_ROWS = select(*(RESULTS.c[n] for n in mapping.RESULT_COLUMNS))
STAMP_ROWS = select(*(RESULTS.c[n] for n in mapping.STAMP_COLUMNS))
WITHDRAWAL_ROWS = select(*(WITHDRAWALS.c[n] for n in mapping.WITHDRAWAL_COLUMNS))


# What tells inserted rows apart, to pair the ids RETURNING gives back with their rows.
RESULT_KEY = ("marketplace", "account", "claim_id", "marketplace_item_id")  # the claim key
WITHDRAWAL_KEY = ("management_no", "result_id")  # a batch opens one per order


def _insert_returning_ids(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> list[int]:
    """Insert `rows` set-based and return their ids, in the order of `rows`.

    RETURNING from a multi-row INSERT comes in no promised order (SQLite, PostgreSQL), so
    each id comes back with its row's `key` columns and is paired by them. (SQLAlchemy's
    own ordered RETURNING inserts row by row on SQLite.) Rows the key cannot tell apart
    take that slow, ordered way."""
    wanted = [tuple(row[c] for c in key) for row in rows]
    conn = session.connection()
    if len(set(wanted)) < len(wanted):
        ordered = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [int(i) for i in conn.execute(ordered, rows).scalars()]
    got = {tuple(r[1:]): int(r[0]) for r in bulk.insert_returning(conn, table, rows, ["id", *key])}
    return [got[k] for k in wanted]


PAGE_PARAMETERS = ("page_limit", "page_offset", "page_end")


@cache  # per filter shape: built once, its values bound at each execution
def _page(shape: Shape, merged_phases: tuple[str, ...]) -> Select[Any]:
    """A page of the results a filter of `shape` selects, newest first."""
    newest = (RESULTS.c.claimed_at.desc(), RESULTS.c.id.desc())
    base = select(RESULTS).where(condition(shape)).order_by(*newest)
    limit, offset, end = (bindparam(n, type_=Integer()) for n in PAGE_PARAMETERS)
    if not merged_phases:
        return base.limit(limit).offset(offset)
    # A view across both phases ("전체 …") on SQLite, which cannot merge the two phase
    # ranges of a (phase, claimed_at, …) index in claimed_at order, so it read and sorted
    # every match (~120k rows, ~0.5 s at 5M results). The newest page of each phase,
    # merged, reads about a page of index per phase. PostgreSQL walks
    # ix_cancel_results_claimed_at backwards already.
    per_phase = [
        select(base.where(RESULTS.c.phase == p).limit(end).subquery()) for p in merged_phases
    ]
    both = union_all(*per_phase).subquery()
    return (
        select(both)
        .order_by(both.c.claimed_at.desc(), both.c.id.desc())
        .limit(limit)
        .offset(offset)
    )


def _mark(
    session: Session,
    model: type[R] | type[W],
    ids: Collection[int],
    actor: str | None,
    at: datetime | None,
) -> list[int]:
    """Confirm (actor given) or unconfirm (None) as a conditional update: only rows in the
    other state change, so two people clicking at once record one confirmation. Returns
    the ids that changed. A withdrawal's state moves with it: OPEN ⇄ CONFIRMED (a
    superseded one is never confirmed)."""
    table = _table(model)
    values: dict[str, Any] = {"confirmed_by": actor, "confirmed_at": at}
    if model is W:
        state = table.c.state == (
            WithdrawalState.OPEN.value if actor else WithdrawalState.CONFIRMED.value
        )
        values["state"] = (WithdrawalState.CONFIRMED if actor else WithdrawalState.OPEN).value
    else:
        state = table.c.confirmed_by.is_(None) if actor else table.c.confirmed_by.is_not(None)
    changed: list[int] = []
    for wanted in among(session, table.c.id, ids):
        stmt = update(table).where(wanted, state).values(**values).returning(table.c.id)
        changed.extend(session.execute(stmt).scalars())
    return changed


class SqlOrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, management_no: str) -> Order | None:
        row = self.session.execute(
            select(OrderRow).where(OrderRow.management_no == management_no)
        ).scalar_one_or_none()
        return mapping.order_from_row(row) if row else None

    def get_many(self, management_nos: Collection[str], *, lock: bool = False) -> dict[str, Order]:
        out: dict[str, Order] = {}
        for wanted in among(self.session, ORDERS.c.management_no, management_nos):
            # Only what an Order holds: created_at/updated_at would cost two timestamp
            # conversions a row for nothing (an import reads every row it touches).
            stmt = ORDER_ROWS.where(wanted)
            if lock:
                stmt = stmt.order_by(ORDERS.c.id).with_for_update()
            rows = self.session.execute(stmt).all()  # one fetchall, not a fetch a row
            out.update((r[0], mapping.order_from_values(r)) for r in rows)
        return out

    def candidates(self, claims: Collection[LineIds], *, lock: bool) -> list[Order]:
        by_order: dict[str, set[str]] = defaultdict(set)
        by_item: dict[str, set[str]] = defaultdict(set)
        for c in claims:
            if c.marketplace_order_id:
                by_order[c.marketplace].add(c.marketplace_order_id)
            elif c.marketplace_item_id:
                by_item[c.marketplace].add(c.marketplace_item_id)
        conds: list[ColumnElement[bool]] = []
        for market, ids in by_order.items():
            for wanted in among(self.session, ORDERS.c.marketplace_order_id, ids):
                conds.append(and_(ORDERS.c.marketplace == market, wanted))
        for market, ids in by_item.items():
            for wanted in among(self.session, ORDERS.c.marketplace_item_id, ids):
                conds.append(and_(ORDERS.c.marketplace == market, wanted))
        found: dict[str, Order] = {}
        for cond in conds:
            stmt = ORDER_ROWS.where(cond).order_by(ORDERS.c.id)
            if lock:
                # Two processes cancelling the same order wait for each other (PostgreSQL;
                # SQLite already holds its one write lock).
                stmt = stmt.with_for_update()
            for row in self.session.execute(stmt).all():
                found[row[0]] = mapping.order_from_values(row)
        return list(found.values())

    def save_hold(self, orders: Collection[Order], now: datetime) -> None:
        rows = [
            {
                "management_no": o.management_no,
                "cancelled": o.cancelled,
                "on_hold": o.on_hold,
                "held_at": o.held_at,
                "held_qty": o.held_qty,
                "updated_at": now,
            }
            for o in orders
        ]
        bulk.update_many(self.session.connection(), ORDERS, rows, where="management_no")

    def count_by_marketplace(self) -> dict[str, int]:
        stmt = select(OrderRow.marketplace, func.count()).group_by(OrderRow.marketplace)
        return {str(m): int(n) for m, n in self.session.execute(stmt)}

    def insert(self, orders: Sequence[Order], now: datetime) -> None:
        rows = [mapping.order_values(o) | {"created_at": now, "updated_at": now} for o in orders]
        try:
            bulk.insert_many(self.session.connection(), ORDERS, rows)
        except IntegrityError as exc:
            raise ConcurrentUpdate("another import created the same orders") from exc

    def update(self, orders: Sequence[Order], now: datetime) -> None:
        """The imported fields by management number; cancelled/on_hold are cancelbot's own."""
        rows = []
        for o in orders:
            values = mapping.order_values(o)
            row = {k: values[k] for k in IMPORTED_FIELDS}
            rows.append(row | {"updated_at": now, "management_no": o.management_no})
        bulk.update_many(self.session.connection(), ORDERS, rows, where="management_no")


class SqlResultRepository:
    def __init__(self, session: Session, tz: tzinfo) -> None:
        self.session = session
        self.tz = tz

    def _lockable(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def get(self, result_id: int) -> CancelResult | None:
        row = self.session.get(R, result_id)
        return mapping.result_from_row(row) if row else None

    def get_many(self, ids: Collection[int]) -> dict[int, CancelResult]:
        out: dict[int, CancelResult] = {}
        for wanted in among(self.session, RESULTS.c.id, ids):
            for row in self.session.execute(RESULT_ROWS.where(wanted)):
                out[row[0]] = mapping.result_from_values(row)
        return out

    def stamps(self, keys: Collection[ClaimKey]) -> dict[ClaimKey, ResultStamp]:
        wanted = set(keys)
        by_market: dict[str, set[str]] = defaultdict(set)
        for k in wanted:
            by_market[k.marketplace].add(k.claim_id)
        out: dict[ClaimKey, ResultStamp] = {}
        for market, claim_ids in by_market.items():
            for among_ids in among(self.session, RESULTS.c.claim_id, claim_ids):
                stmt = STAMP_ROWS.where(RESULTS.c.marketplace == market, among_ids)
                if self._lockable():
                    stmt = stmt.order_by(RESULTS.c.id).with_for_update()
                for row in self.session.execute(stmt).all():  # one fetchall, not a fetch a row
                    key, stamp = mapping.stamp_from_values(row)
                    if key in wanted:
                        out[key] = stamp
        return out

    def add(self, results: Sequence[CancelResult]) -> None:
        if not results:
            return
        rows = [mapping.result_values(r) for r in results]
        try:
            ids = _insert_returning_ids(self.session, RESULTS, rows, RESULT_KEY)
        except IntegrityError as exc:
            raise ConcurrentUpdate("another process stored the same claim first") from exc
        for result, new_id in zip(results, ids, strict=True):
            result.id = new_id

    def update(self, results: Sequence[CancelResult]) -> None:
        if results:
            table = _table(R)
            stmt = update(table).where(table.c.id == bindparam("b_id"))
            self.session.connection().execute(
                stmt, [mapping.result_values(r) | {"b_id": r.id} for r in results]
            )

    def clear_confirmations(self, ids: Collection[int]) -> None:
        table = _table(R)
        for wanted in among(self.session, table.c.id, ids):
            self.session.execute(
                update(table).where(wanted).values(confirmed_by=None, confirmed_at=None)
            )

    def unmatched_for(self, orders: Collection[Order]) -> list[CancelResult]:
        by_order: dict[str, set[str]] = defaultdict(set)
        by_item: dict[str, set[str]] = defaultdict(set)
        for o in orders:
            by_order[o.marketplace].add(o.marketplace_order_id)
            if o.marketplace_item_id:
                by_item[o.marketplace].add(o.marketplace_item_id)
        conds: list[ColumnElement[bool]] = []
        for market, ids in by_order.items():
            for wanted in among(self.session, RESULTS.c.marketplace_order_id, ids):
                conds.append(and_(R.marketplace == market, wanted))
        for market, ids in by_item.items():
            for wanted in among(self.session, RESULTS.c.marketplace_item_id, ids):
                conds.append(and_(R.marketplace == market, R.marketplace_order_id == "", wanted))
        found: dict[int, CancelResult] = {}
        for cond in conds:
            stmt = select(R).where(R.unmatched == true(), cond).order_by(R.id)
            if self._lockable():
                stmt = stmt.with_for_update()
            for row in self.session.execute(stmt).scalars():
                found[row.id] = mapping.result_from_row(row)
        return [found[i] for i in sorted(found)]

    def for_order(self, management_no: str) -> list[CancelResult]:
        rows = self.session.execute(
            select(R).where(R.management_no == management_no).order_by(R.id)
        ).scalars()
        return [mapping.result_from_row(r) for r in rows]

    def management_nos(self, ids: Collection[int]) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        for wanted in among(self.session, RESULTS.c.id, ids):
            stmt = select(RESULTS.c.id, RESULTS.c.management_no).where(wanted)
            out.update((int(i), n) for i, n in self.session.execute(stmt))
        return out

    def for_orders(
        self, management_nos: Collection[str], *, besides: Collection[int] = ()
    ) -> list[CancelResult]:
        skip = set(besides)
        out: list[CancelResult] = []
        for numbers in among(self.session, RESULTS.c.management_no, management_nos):
            # Ids first: rows the caller already holds are not read (and mapped) again.
            ids = self.session.execute(select(RESULTS.c.id).where(numbers)).scalars().all()
            for wanted in among(self.session, RESULTS.c.id, set(ids) - skip):
                stmt = RESULT_ROWS.where(wanted)
                out.extend(mapping.result_from_values(r) for r in self.session.execute(stmt).all())
        return sorted(out, key=lambda r: r.id or 0)

    def _where(self, flt: CancelFilter, max_id: int | None) -> Where:
        return result_where(flt, self.tz, max_id=max_id)

    def find(
        self, flt: CancelFilter, *, limit: int, offset: int, max_id: int | None
    ) -> list[CancelResult]:
        # Core rows, not ORM instances: a page is read to be shown, never changed.
        where = self._where(flt, max_id)
        phases = phases_of(flt)
        merged = (
            len(phases) > 1
            and not flt.order  # one order's few rows: sorting them is nothing
            and self.session.get_bind().dialect.name == "sqlite"
        )
        stmt = _page(where.shape, tuple(p.value for p in phases) if merged else ())
        page = dict(zip(PAGE_PARAMETERS, (limit, offset, limit + offset), strict=True))
        params = where.params | page
        return [mapping.result_from_row(r) for r in self.session.execute(stmt, params)]

    def count(self, flt: CancelFilter, *, max_id: int | None) -> int:
        where = self._where(flt, max_id)
        stmt = select(func.count()).select_from(RESULTS).where(where.clause)
        return int(self.session.execute(stmt, where.params).scalar_one())

    def count_by_category_marketplace(self, flt: CancelFilter) -> dict[tuple[Category, str], int]:
        where = self._where(flt, None)
        stmt = (
            select(R.category, R.marketplace, func.count())
            .where(where.clause)
            .group_by(R.category, R.marketplace)
        )
        rows = self.session.execute(stmt, where.params)
        return {(Category(c), str(m)): int(n) for c, m, n in rows}

    def count_and_max_id(self, flt: CancelFilter) -> tuple[int, int]:
        """How many match and the highest id among them, in one statement: a later
        "confirm all N" stops at that id, so results that arrive after the count stay out."""
        where = self._where(flt, None)
        stmt = select(func.count(), func.coalesce(func.max(R.id), 0)).where(where.clause)
        count, top = self.session.execute(stmt, where.params).one()
        return int(count), int(top)

    def max_id(self) -> int:
        return int(self.session.execute(select(func.coalesce(func.max(R.id), 0))).scalar_one())

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        return _mark(self.session, R, ids, actor, at)

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        return _mark(self.session, R, ids, None, None)

    def matching_unconfirmed_ids(self, flt: CancelFilter, max_id: int) -> list[int]:
        where = self._where(flt, max_id)
        stmt = select(R.id).where(where.clause, R.confirmed_by.is_(None))
        return list(self.session.execute(stmt, where.params).scalars())

    def unconfirmed_summary(self) -> list[SummaryRow]:
        cols = (R.category, R.marketplace, R.partial, R.unmatched, R.anomaly, R.phase)
        unconfirmed = and_(R.confirmed_by.is_(None), R.snoozed_until.is_(None))
        stmt = select(*cols, func.count()).where(unconfirmed).group_by(*cols)
        return [
            SummaryRow(
                category=Category(c),
                marketplace=m,
                partial=bool(p),
                unmatched=bool(u),
                anomaly=bool(a),
                after_shipping=ph == Phase.AFTER_SHIPPING.value,
                count=int(n),
            )
            for c, m, p, u, a, ph, n in self.session.execute(stmt)
        ]

    def stale_unconfirmed(self, cutoff: datetime, limit: int) -> tuple[list[CancelResult], int]:
        where = and_(
            R.confirmed_by.is_(None),
            R.snoozed_until.is_(None),  # snoozed: out of the digest until its time
            R.phase == Phase.AFTER_SHIPPING.value,
            R.created_at < cutoff,
        )
        total = int(
            self.session.execute(select(func.count()).select_from(R).where(where)).scalar_one()
        )
        rows = self.session.execute(
            select(R).where(where).order_by(R.created_at, R.id).limit(limit)
        )
        return [mapping.result_from_row(r) for r in rows.scalars()], total


class SqlWithdrawalRepository:
    def __init__(self, session: Session, tz: tzinfo) -> None:
        self.session = session
        self.tz = tz

    def get_many(self, ids: Collection[int]) -> dict[int, Withdrawal]:
        out: dict[int, Withdrawal] = {}
        for wanted in among(self.session, WITHDRAWALS.c.id, ids):
            for row in self.session.execute(WITHDRAWAL_ROWS.where(wanted)):
                out[row[0]] = mapping.withdrawal_from_values(row)
        return out

    def add(self, withdrawals: Sequence[Withdrawal]) -> None:
        if not withdrawals:
            return
        rows = [mapping.withdrawal_values(w) for w in withdrawals]
        try:
            ids = _insert_returning_ids(self.session, WITHDRAWALS, rows, WITHDRAWAL_KEY)
        except IntegrityError as exc:
            # The one-open-per-order index: another process settled the order first.
            raise ConcurrentUpdate("another process opened a withdrawal first") from exc
        for w, new_id in zip(withdrawals, ids, strict=True):
            w.id = new_id

    def update(self, withdrawals: Sequence[Withdrawal]) -> None:
        if not withdrawals:
            return
        table = _table(W)
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        try:
            self.session.connection().execute(
                stmt, [mapping.withdrawal_values(w) | {"b_id": w.id} for w in withdrawals]
            )
        except IntegrityError as exc:
            raise ConcurrentUpdate("another process changed the same withdrawals") from exc

    def for_orders(self, management_nos: Collection[str]) -> list[Withdrawal]:
        out: list[Withdrawal] = []
        for numbers in among(self.session, WITHDRAWALS.c.management_no, management_nos):
            stmt = WITHDRAWAL_ROWS.where(numbers)
            out.extend(
                mapping.withdrawal_from_values(r)
                for r in self.session.execute(stmt.order_by(WITHDRAWALS.c.id)).all()
            )
        return out

    def for_results(self, result_ids: Collection[int]) -> list[Withdrawal]:
        out: list[Withdrawal] = []
        for wanted in among(self.session, WITHDRAWALS.c.result_id, result_ids):
            rows = self.session.execute(select(W).where(wanted).order_by(W.id))
            out.extend(mapping.withdrawal_from_row(r) for r in rows.scalars())
        return out

    def for_order(self, management_no: str) -> list[Withdrawal]:
        rows = self.session.execute(
            select(W).where(W.management_no == management_no).order_by(W.id)
        ).scalars()
        return [mapping.withdrawal_from_row(r) for r in rows]

    def _where(self, flt: CancelFilter) -> ColumnElement[bool]:
        """Withdrawals take the filter words that make sense for them: market, confirmed,
        dates (of the cancel) and order."""
        conds: list[ColumnElement[bool]] = []
        if flt.marketplaces:
            conds.append(R.marketplace.in_(sorted(flt.marketplaces)))
        if flt.confirmed is True:
            conds.append(W.state == WithdrawalState.CONFIRMED.value)
        elif flt.confirmed is False:
            conds.append(W.state == WithdrawalState.OPEN.value)
        start, end = flt.claimed_range(self.tz)
        if start is not None:
            conds.append(R.claimed_at >= start)
        if end is not None:
            conds.append(R.claimed_at < end)
        if flt.order:
            variants = flt.order_variants()
            conds.append(or_(W.management_no.in_(variants), R.marketplace_order_id.in_(variants)))
        return all_of(conds)

    def find(self, flt: CancelFilter, *, limit: int, offset: int) -> list[Withdrawal]:
        stmt = (
            select(W)
            .join(R, R.id == W.result_id)
            .where(self._where(flt))
            .order_by(W.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [mapping.withdrawal_from_row(r) for r in self.session.execute(stmt).scalars()]

    def count(self, flt: CancelFilter) -> int:
        stmt = (
            select(func.count()).select_from(W).join(R, R.id == W.result_id).where(self._where(flt))
        )
        return int(self.session.execute(stmt).scalar_one())

    def mark_confirmed(self, ids: Collection[int], actor: str, at: datetime) -> list[int]:
        return _mark(self.session, W, ids, actor, at)

    def mark_unconfirmed(self, ids: Collection[int]) -> list[int]:
        return _mark(self.session, W, ids, None, None)

    def open_count(self) -> int:
        stmt = select(func.count()).select_from(W).where(W.state == WithdrawalState.OPEN.value)
        return int(self.session.execute(stmt).scalar_one())

    def stale_open(self, cutoff: datetime, limit: int) -> tuple[list[Withdrawal], int]:
        where = and_(W.state == WithdrawalState.OPEN.value, W.created_at < cutoff)
        total = int(
            self.session.execute(select(func.count()).select_from(W).where(where)).scalar_one()
        )
        rows = self.session.execute(
            select(W).where(where).order_by(W.created_at, W.id).limit(limit)
        )
        return [mapping.withdrawal_from_row(r) for r in rows.scalars()], total


class SqlHistoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entries: Iterable[CsHistoryEntry]) -> None:
        rows = [
            {
                "management_no": e.management_no,
                "at": e.at,
                "text": e.text,
                "actor": e.actor,
                "result_id": e.result_id,
            }
            for e in entries
        ]
        bulk.insert_many(self.session.connection(), HISTORY, rows)

    def for_order(self, management_no: str) -> list[CsHistoryEntry]:
        rows = self.session.execute(
            select(CsHistoryRow)
            .where(CsHistoryRow.management_no == management_no)
            .order_by(CsHistoryRow.id)
        ).scalars()
        return [mapping.history_from_row(r) for r in rows]


class SqlAuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, events: Iterable[ConfirmationEvent]) -> None:
        rows = [
            {
                "target": e.target.value,
                "target_id": e.target_id,
                "action": e.action.value,
                "actor": e.actor,
                "at": e.at,
                "reason": e.reason,
            }
            for e in events
        ]
        bulk.insert_many(self.session.connection(), AUDIT, rows)

    def for_target(self, target: TargetKind, target_id: int) -> list[ConfirmationEvent]:
        rows = self.session.execute(
            select(ConfirmationEventRow)
            .where(
                ConfirmationEventRow.target == target.value,
                ConfirmationEventRow.target_id == target_id,
            )
            .order_by(ConfirmationEventRow.id)
        ).scalars()
        return [mapping.event_from_row(r) for r in rows]
