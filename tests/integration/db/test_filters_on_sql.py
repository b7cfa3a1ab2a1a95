"""Every /cancels filter word in SQL selects what it says (tests.fakes.result_matches, the
same filter in Python), on SQLite and PostgreSQL. A filter's condition is built once per
shape and its values bound at each execution (adapters.db.filters), so each shape is run
twice with other values: a value kept from the first run would show here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import read_models
from core.claims import ClaimState, ClaimType
from core.orders import OrderStatus, Phase
from core.queries import CancelFilter
from core.results import CancelResult
from tests.fakes import result_matches
from tests.integration.db.test_bulk_writes import T0, _result
from tests.integration.db.test_cases_on_sql import make_uow, url  # noqa: F401 (fixtures)

SEOUL = ZoneInfo("Asia/Seoul")
DAY = T0.astimezone(SEOUL).date()

# Pairs of filters of one shape (the same words set, other values).
SHAPES: list[tuple[CancelFilter, CancelFilter]] = [
    (CancelFilter(), CancelFilter(phase=Phase.BEFORE_SHIPPING)),
    (CancelFilter(phase=None, confirmed=None), CancelFilter(phase=None, confirmed=True)),
    (
        CancelFilter(phase=None, marketplaces=frozenset({"coupang"})),
        CancelFilter(phase=None, marketplaces=frozenset({"naver", "11st"})),
    ),
    (
        CancelFilter(phase=None, statuses=frozenset({OrderStatus.SHIPPED})),
        CancelFilter(phase=None, statuses=frozenset({OrderStatus.INVOICED})),
    ),
    (
        CancelFilter(phase=None, statuses=frozenset({OrderStatus.RECEIVED, OrderStatus.SHIPPED})),
        CancelFilter(phase=None, statuses=frozenset({OrderStatus.INVOICED, OrderStatus.SHIPPED})),
    ),
    (
        CancelFilter(types=frozenset({ClaimType.RETURN}), confirmed=None),
        CancelFilter(types=frozenset({ClaimType.CANCEL}), confirmed=None),
    ),
    (
        CancelFilter(phase=None, states=frozenset({ClaimState.REQUESTED})),
        CancelFilter(phase=None, states=frozenset({ClaimState.COMPLETED})),
    ),
    (CancelFilter(phase=None, partial=True), CancelFilter(phase=None, unmatched=True)),
    (
        CancelFilter(phase=None, confirmed=None, date_from=DAY, date_to=DAY),
        CancelFilter(phase=None, confirmed=None, date_from=DAY + timedelta(days=1)),
    ),
    (
        CancelFilter(phase=None, confirmed=None, order="M000012"),
        CancelFilter(phase=None, confirmed=None, order="o000013"),  # any case finds it
    ),
    (CancelFilter(phase=None, snoozed=True), CancelFilter(phase=None, snoozed=None)),
    (
        CancelFilter(
            marketplaces=frozenset({"coupang"}),
            types=frozenset({ClaimType.RETURN}),
            date_to=DAY + timedelta(days=1),
            phase=None,
            confirmed=None,
        ),
        CancelFilter(
            marketplaces=frozenset({"naver"}),
            types=frozenset({ClaimType.CANCEL}),
            date_to=DAY + timedelta(days=3),
            phase=None,
            confirmed=None,
        ),
    ),
]


def stored(make_uow: Callable[[], Any]) -> list[CancelResult]:  # noqa: F811
    """120 results unlike each other, an hour apart; every fifth confirmed, every seventh
    snoozed."""
    results = [replace(_result(i), claimed_at=T0 + timedelta(hours=i)) for i in range(120)]
    with make_uow() as uow:
        uow.results.add(results)
        ids = [r.id for r in results]
        uow.results.mark_confirmed(ids[::5], "kim", T0)
        for i in ids[3::7]:
            if i not in ids[::5]:
                uow.cases.snooze(i, T0 + timedelta(days=1), "lee")
        uow.commit()
    with make_uow() as uow:
        return [found for r in results if (found := uow.results.get(r.id)) is not None]


@pytest.mark.parametrize(("first", "second"), SHAPES)
def test_each_filter_selects_what_it_says_and_its_shape_takes_new_values(
    make_uow: Callable[[], Any],  # noqa: F811
    first: CancelFilter,
    second: CancelFilter,
) -> None:
    results = stored(make_uow)
    for flt in (first, second, first):
        expected = sorted(
            (r for r in results if result_matches(r, flt, SEOUL, None)),
            key=lambda r: (r.claimed_at, r.id),
            reverse=True,
        )
        whole = read_models.list_results(make_uow, flt, limit=500)
        assert [r.id for r in whole.items] == [r.id for r in expected], flt
        assert whole.total == len(expected)
        # A snapshot's count and a later page (the id bound and the offset are bound too).
        snap = read_models.list_results(make_uow, flt, limit=3, offset=2, snapshot_id=60)
        within = [r for r in expected if (r.id or 0) <= 60]
        assert [r.id for r in snap.items] == [r.id for r in within[2:5]], flt
        assert snap.total == len(within)


def test_the_filters_exercise_every_shape_word(make_uow: Callable[[], Any]) -> None:  # noqa: F811
    # Each value above selects something and not everything, so a wrong value shows.
    results = stored(make_uow)
    for pair in SHAPES[1:]:
        for flt in pair:
            n = sum(result_matches(r, flt, SEOUL, None) for r in results)
            assert 0 < n < len(results), flt
