"""The /cancels pages on SQLite and PostgreSQL: a view across both phases (which SQLite
reads as the newest page of each phase, merged) pages newest first, every result once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core import apply, order_book, read_models
from core.orders import OrderStatus
from core.queries import parse_filter
from tests.factories import claim_for, make_order
from tests.integration.db.test_cases_on_sql import make_uow, url  # noqa: F401 (fixtures)

NOW = datetime(2026, 11, 25, 5, 3, tzinfo=UTC)
T = datetime(2026, 11, 20, tzinfo=UTC)


def test_both_phases_page_newest_first_each_result_once(make_uow: Callable[[], Any]) -> None:  # noqa: F811
    # before and after shipping interleaved in time, some at the same moment (id decides)
    statuses = [
        OrderStatus.RECEIVED,
        OrderStatus.SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.INVOICED,
    ]
    orders = [make_order(status=statuses[i % 4]) for i in range(22)]
    order_book.import_orders(make_uow, orders, NOW)
    claims = [claim_for(o, claimed_at=T + timedelta(minutes=i // 3)) for i, o in enumerate(orders)]
    ids = apply.apply_claims(make_uow, claims, NOW).changed_ids
    everything = parse_filter("전체")
    assert everything.phase is None

    seen = []
    for offset in range(0, 24, 5):
        page = read_models.list_results(make_uow, everything, limit=5, offset=offset)
        assert page.total == len(ids)
        seen.extend(page.items)
    assert sorted(r.id for r in seen) == sorted(ids)
    keys = [(r.claimed_at, r.id) for r in seen]
    assert keys == sorted(keys, reverse=True)
    assert {r.phase for r in seen} == {"BEFORE_SHIPPING", "AFTER_SHIPPING"}
