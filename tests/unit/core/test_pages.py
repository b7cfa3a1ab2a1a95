"""A /cancels page that holds every match is its own count: one statement, not two."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import apply, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.queries import CancelFilter, parse_filter
from tests.fakes import FakeResults, FakeStore, fake_uow_factory

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def a_claim(i: int) -> Claim:
    return Claim(
        marketplace="coupang",
        account="main",
        claim_id=f"C{i}",
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id=f"O{i}",
        marketplace_item_id=f"I{i}",
        cancel_qty=1,
        ordered_qty=1,
        claimed_at=T0,
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[CancelFilter]:
    """Every filter counted by its own statement."""
    asked: list[CancelFilter] = []
    original = FakeResults.count_and_max_id

    def count_and_max_id(self: FakeResults, flt: CancelFilter) -> tuple[int, int]:
        asked.append(flt)
        return original(self, flt)

    monkeypatch.setattr(FakeResults, "count_and_max_id", count_and_max_id)
    return asked


def test_a_page_that_holds_every_match_is_its_own_count(counted: list[CancelFilter]) -> None:
    store = FakeStore()
    make_uow = fake_uow_factory(store)
    apply.apply_claims(make_uow, [a_claim(i) for i in range(7)], T0)
    everything = parse_filter("all")

    few = read_models.list_results(make_uow, everything, limit=10)
    assert (few.total, few.snapshot_id, len(few.items)) == (7, max(store.results), 7)
    assert counted == []
    one = read_models.list_results(make_uow, parse_filter("all order:NO-SUCH-ORDER"), limit=10)
    assert (one.total, one.snapshot_id, one.items) == (0, 0, [])

    page = read_models.list_results(make_uow, everything, limit=5)
    assert (page.total, page.snapshot_id, len(page.items)) == (7, max(store.results), 5)
    assert counted == [everything]
    second = read_models.list_results(make_uow, everything, limit=5, offset=5)
    assert (second.total, len(second.items)) == (7, 2)
