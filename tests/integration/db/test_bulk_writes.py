"""Set-based writes (issue 17): results and withdrawals are inserted many rows to a
statement, and RETURNING promises no order, so each id must still land on its own row.
Runs on SQLite, and on PostgreSQL when CANCELBOT_TEST_DATABASE_URL names one."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from adapters.db import bulk
from core.claims import ClaimState, ClaimType
from core.errors import ConcurrentUpdate, StorageError
from core.orders import OrderStatus, Phase
from core.outbox import OutboxItem, OutboxKind
from core.results import (
    CancelResult,
    Category,
    CsHistoryEntry,
    ResultStamp,
    Withdrawal,
    WithdrawalReason,
    WithdrawalState,
)

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")
STATUSES = list(OrderStatus)


def _result(i: int) -> CancelResult:
    """Every field tells result i apart from the others."""
    status = STATUSES[i % 3]
    return CancelResult(
        marketplace=("coupang", "naver", "11st")[i % 3],
        account=f"acct{i % 7}",
        claim_id=f"C{i:06d}",
        marketplace_order_id=f"O{i:06d}",
        marketplace_item_id=f"I{i % 5:02d}" if i % 4 else "",
        management_no=f"M{i:06d}" if i % 11 else None,
        product_name=f"상품 {i}",
        option=f"옵션 {i % 13}",
        claim_type=ClaimType.RETURN if i % 2 else ClaimType.CANCEL,
        claim_state=ClaimState.COMPLETED if i % 3 else ClaimState.REQUESTED,
        order_status=status,
        phase=Phase.AFTER_SHIPPING if status is OrderStatus.SHIPPED else Phase.BEFORE_SHIPPING,
        category=list(Category)[i % 4],
        ordered_qty=2 + i % 9,
        cancel_qty=None if i % 17 == 0 else 1 + i % 2,
        unmatched=i % 11 == 0,
        anomaly=i % 19 == 0,
        # Some in Seoul time: stored as UTC, read back as the same instant.
        claimed_at=(T0 + timedelta(seconds=i)).astimezone(SEOUL if i % 2 else UTC),
        completed_at=T0 + timedelta(minutes=i) if i % 3 else None,
        shipped_at=T0 - timedelta(days=1, seconds=i) if status is OrderStatus.SHIPPED else None,
        created_at=T0 + timedelta(microseconds=i),
        updated_at=T0 + timedelta(hours=1, microseconds=i),
    )


@contextmanager
def statements(uow: Any) -> Iterator[list[str]]:
    """The SQL statements sent to the driver while the block runs."""
    seen: list[str] = []
    engine = uow.session.get_bind()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_results(make_uow: Callable[[], Any], results: list[CancelResult]) -> None:
    with make_uow() as uow:
        uow.results.add(results)
        uow.commit()


def test_bulk_inserted_results_keep_their_ids(make_uow: Callable[[], Any]) -> None:
    results = [_result(i) for i in range(2500)]
    random.Random(17).shuffle(results)

    with make_uow() as uow, statements(uow) as sent:
        uow.results.add(results)
        uow.commit()

    ids = [r.id for r in results]
    assert None not in ids
    assert len(set(ids)) == len(results)
    inserts = [s for s in sent if s.lstrip().upper().startswith("INSERT")]
    if uow.session.get_bind().dialect.name == "sqlite":
        assert len(inserts) <= 3  # a statement per ~1,000 rows, not one per row
    else:  # one pipeline by psycopg itself (bulk._pipelined), not a row at a time by us
        assert inserts == []
    with make_uow() as uow:
        stored = uow.results.get_many(ids)
        by_key = uow.results.stamps([r.key for r in results[:700]])
    # Read back by id, each row is the very result that was given that id.
    assert [stored[r.id] for r in results] == results  # type: ignore[index]
    assert by_key == {r.key: ResultStamp.of(r) for r in results[:700]}


def test_ids_are_paired_by_key_whatever_order_returning_gives(
    make_uow: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both databases happen to return RETURNING rows in VALUES order today; neither
    # promises it. Reversing them stands in for the day one does not.
    real = bulk.insert_returning

    def reversed_returning(*args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return real(*args, **kwargs)[::-1]

    monkeypatch.setattr(bulk, "insert_returning", reversed_returning)
    results = [_result(i) for i in range(50)]
    _add_results(make_uow, results)

    with make_uow() as uow:
        stored = uow.results.get_many([r.id for r in results])  # type: ignore[misc]
    assert [stored[r.id] for r in results] == results  # type: ignore[index]


def test_a_claim_stored_meanwhile_by_another_is_a_race_and_nothing_is_written(
    make_uow: Callable[[], Any],
) -> None:
    _add_results(make_uow, [_result(3)])
    again = [_result(i) for i in range(10)]  # result 3 is stored already
    with make_uow() as uow, pytest.raises(ConcurrentUpdate, match="stored the same claim"):
        uow.results.add(again)
    with make_uow() as uow:
        assert uow.results.stamps([r.key for r in again]).keys() == {_result(3).key}


def test_bulk_inserted_withdrawals_keep_their_ids(make_uow: Callable[[], Any]) -> None:
    results = [_result(i) for i in range(2500)]
    _add_results(make_uow, results)
    withdrawals = [
        Withdrawal(
            management_no=f"W{i:06d}",
            result_id=r.id or 0,
            reason=WithdrawalReason.PARTIAL if i % 2 else WithdrawalReason.WITHDRAWN,
            restore_qty=1 + i % 5,
            created_at=T0 + timedelta(seconds=i),
            updated_at=T0 + timedelta(seconds=2 * i),
        )
        for i, r in enumerate(results)
    ]
    random.Random(18).shuffle(withdrawals)

    with make_uow() as uow:
        uow.withdrawals.add(withdrawals)
        uow.commit()

    ids = [w.id for w in withdrawals]
    assert None not in ids
    assert len(set(ids)) == len(withdrawals)
    with make_uow() as uow:
        stored = uow.withdrawals.get_many(ids)  # type: ignore[arg-type]
    assert [stored[w.id] for w in withdrawals] == withdrawals  # type: ignore[index]


def test_withdrawals_the_key_cannot_tell_apart_still_get_their_own_ids(
    make_uow: Callable[[], Any],
) -> None:
    [result] = [_result(5)]
    _add_results(make_uow, [result])
    # The same order and result: only the quantities differ (closed ones, so the
    # one-open-per-order index allows them).
    same = [
        Withdrawal(
            management_no="M000005",
            result_id=result.id or 0,
            reason=WithdrawalReason.PARTIAL,
            restore_qty=qty,
            created_at=T0,
            state=WithdrawalState.SUPERSEDED,
        )
        for qty in (3, 1, 2)
    ]

    with make_uow() as uow:
        uow.withdrawals.add(same)
        uow.commit()

    with make_uow() as uow:
        stored = uow.withdrawals.get_many([w.id for w in same])  # type: ignore[misc]
    assert [stored[w.id].restore_qty for w in same] == [3, 1, 2]  # type: ignore[index]


def test_a_naive_datetime_is_refused_and_nothing_is_written(
    make_uow: Callable[[], Any],
) -> None:
    naive = _result(1)
    naive.claimed_at = datetime(2026, 11, 3, 9, 0)  # no time zone: a bug, not a time
    fine = _result(2)

    with pytest.raises(StorageError, match="naive datetime"), make_uow() as uow:
        uow.results.add([fine, naive])
    with pytest.raises(StorageError, match="naive datetime"), make_uow() as uow:
        uow.history.add([CsHistoryEntry("M1", datetime(2026, 11, 3), "text")])

    with make_uow() as uow:
        assert uow.results.stamps([fine.key]) == {}


def test_sqlite_keeps_utc_text_that_sorts(make_uow: Callable[[], Any]) -> None:
    result = _result(1)  # claimed in Seoul time, 09:00:01 UTC
    _add_results(make_uow, [result])
    with make_uow() as uow:
        if uow.session.get_bind().dialect.name != "sqlite":
            pytest.skip("PostgreSQL stores timestamptz, not text")
        stored = uow.session.execute(
            text("SELECT claimed_at, completed_at, shipped_at FROM cancel_results")
        ).one()
    assert tuple(stored) == ("2026-11-03 09:00:01.000000", "2026-11-03 09:01:00.000000", None)


def test_outbox_items_queued_twice_are_kept_once(make_uow: Callable[[], Any]) -> None:
    item = OutboxItem(OutboxKind.POST_ALERT, None, None, "post:x", {"n": "하나"})
    other = OutboxItem(OutboxKind.DIGEST, None, None, "digest:x")
    with make_uow() as uow:
        uow.outbox.enqueue([item, other, item], T0)
        uow.outbox.enqueue([item], T0 + timedelta(minutes=1))
        uow.commit()

    with make_uow() as uow:
        due = uow.outbox.claim_due(list(OutboxKind), T0 + timedelta(hours=1), 10, timedelta(1))
    assert [(i.dedupe_key, i.payload, i.created_at) for i in due] == [
        ("post:x", {"n": "하나"}, T0),
        ("digest:x", {}, T0),
    ]
