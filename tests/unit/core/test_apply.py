"""Applying claims seen again (rule 10): each is compared with its stored result's stamp,
and only the results some claim changes are read whole and written."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core import apply
from core.claims import Claim, ClaimState, ClaimType
from core.results import CancelResult
from tests.fakes import FakeResults, FakeStore, fake_uow_factory

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def a_claim(i: int, state: ClaimState = ClaimState.REQUESTED) -> Claim:
    return Claim(
        marketplace="coupang",
        account="main",
        claim_id=f"C{i}",
        claim_type=ClaimType.CANCEL,
        claim_state=state,
        marketplace_order_id=f"O{i}",
        marketplace_item_id=f"I{i}",
        cancel_qty=1,
        ordered_qty=2,
        claimed_at=T0,
        product_name="텀블러",
    )


@pytest.fixture
def read_whole(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of every result read whole, in order."""
    asked: list[int] = []
    original = FakeResults.get_many

    def get_many(self: FakeResults, ids: Collection[int]) -> dict[int, CancelResult]:
        asked.extend(sorted(ids))
        return original(self, ids)

    monkeypatch.setattr(FakeResults, "get_many", get_many)
    return asked


def test_claims_that_change_nothing_read_no_result_whole(read_whole: list[int]) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    batch = [a_claim(i) for i in range(5)]
    apply.apply_claims(make_uow, batch, T0)
    before = {i: replace(r) for i, r in store.results.items()}
    read_whole.clear()

    stats = apply.apply_claims(make_uow, batch, T0 + timedelta(minutes=2))

    assert (stats.new, stats.updated, stats.unchanged) == (0, 0, 5)
    assert read_whole == []
    assert store.results == before


def test_only_the_results_a_claim_changes_are_read_and_written(read_whole: list[int]) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    apply.apply_claims(make_uow, [a_claim(i) for i in range(5)], T0)
    ids = {r.claim_id: i for i, r in store.results.items()}
    read_whole.clear()
    later = T0 + timedelta(minutes=2)
    # C3 completes; C1 is seen twice, the second time renamed.
    again = [a_claim(i) for i in range(5)]
    again[3] = replace(again[3], claim_state=ClaimState.COMPLETED)
    again.append(replace(again[1], product_name="텀블러 (화이트)"))

    stats = apply.apply_claims(make_uow, again, later)

    assert read_whole == sorted([ids["C1"], ids["C3"]])
    assert (stats.updated, stats.unchanged) == (2, 4)
    assert store.results[ids["C3"]].claim_state is ClaimState.COMPLETED
    assert store.results[ids["C1"]].product_name == "텀블러 (화이트)"
    assert store.results[ids["C0"]].updated_at == T0
