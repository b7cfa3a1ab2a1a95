"""Screening and the quarantine against the fake unit of work: what cannot be stored is set
aside by itself, the rest is applied, and a record that comes back clean leaves."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from core import quarantine
from core.claims import Claim
from core.errors import MarketplaceError, NotFound
from core.quarantine import RetryStatus
from core.screening import screen
from core.set_aside import RAW_LIMIT, SetAside, key_text
from core.sync import sync_account
from tests.factories import claim_for
from tests.fakes import FakeClock, FakeStore, fake_uow_factory


@dataclass
class FakeSource:
    """core.ports.ClaimSource whose claims a test edits between reads."""

    claims: list[Claim] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # claim ids it cannot read
    account: str = "main"
    marketplace: str = "coupang"
    max_window: timedelta = timedelta(days=1)
    set_aside: list[SetAside] = field(default_factory=list)
    fail: bool = False

    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]:
        return [c for page in self.iter_claims(start, end) for c in page]

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        if self.fail:
            raise MarketplaceError("HTTP 503", account=self.account)
        yield [c for c in self.claims if start <= c.claimed_at < end]
        for claim_id in self.unreadable:
            record = SetAside(self.account, self.marketplace, claim_id, "missing field", "{}")
            self.set_aside.append(replace(record, window=(start, end)))

    def close(self) -> None:
        pass


# --- screening ------------------------------------------------------------------------


def test_control_characters_are_dropped_from_free_text_and_the_claim_is_kept() -> None:
    claim = claim_for(product_name="상품\x00 A\x1b\u0085\ud800", option="L\x7f\tXL\n")
    [kept] = screen([claim]).claims
    assert (kept.product_name, kept.option) == ("상품 A", "L\tXL\n")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"marketplace_order_id": "9" * 70}, "marketplace_order_id is 70 characters long"),
        ({"marketplace_item_id": "I\x00"}, "marketplace_item_id contains a control character"),
        ({"claim_id": "C" * 129}, "claim_id is 129 characters long, the most is 128"),
        ({"account": "a" * 65}, "account is 65 characters long, the most is 64"),
        ({"cancel_qty": 2**31}, "cancel_qty is more than 2147483647"),
        ({"ordered_qty": -1}, "ordered_qty -1 is less than 0"),
        ({"claimed_at": datetime(1, 1, 1, tzinfo=UTC)}, "claimed_at is outside 1970–2199"),
        ({"completed_at": datetime(9999, 12, 31, tzinfo=UTC)}, "completed_at is outside"),
    ],
)
def test_a_value_no_column_holds_sets_the_claim_aside_never_cut(
    change: dict[str, object], reason: str
) -> None:
    good, bad = claim_for(), claim_for(**change)
    out = screen([good, bad])
    assert out.claims == [good]
    [aside] = out.set_aside
    assert reason in aside.reason and aside.claim_id == bad.claim_id
    assert aside.line == bad.marketplace_item_id
    assert "\x00" not in aside.raw  # storable: PostgreSQL refuses a NUL in text
    assert json.loads(aside.raw)["claim_id"] == bad.claim_id  # the claim as it came


def test_over_long_keys_stay_distinct_and_storable() -> None:
    one, two = "9" * 200 + "1", "9" * 200 + "2"
    assert key_text(one, 128) != key_text(two, 128)
    assert len(key_text(one, 128)) <= 128 and key_text("C1", 128) == "C1"
    assert "\x00" not in key_text("A\x00" * 100, 64)


def test_a_huge_record_is_kept_capped() -> None:
    aside = screen([claim_for(claim_id="C" * 10_000)]).set_aside[0]
    assert len(aside.raw.encode("utf-8")) <= RAW_LIMIT


# --- apply_storable in a sync ------------------------------------------------------------


def test_a_sync_window_with_poison_is_applied_and_its_watermark_advances() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    now = clock.now()
    good = [claim_for(claimed_at=now - timedelta(hours=h)) for h in (1, 2, 3)]
    poison = claim_for(marketplace_order_id="9" * 70, claimed_at=now - timedelta(hours=2))
    source = FakeSource([*good, poison], unreadable=["R1"])

    report = sync_account(make_uow, source, now, lookback=timedelta(hours=12))

    assert report.ok and report.stats.new == 3
    assert store.sync["main"].watermark == now
    kept = {r.claim_id: r for r in store.quarantine.values()}
    assert set(kept) == {poison.claim_id, "R1"}
    assert kept["R1"].window_end == now and kept[poison.claim_id].times_seen == 1


def test_a_record_that_arrives_clean_leaves_the_quarantine_by_itself() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    poison = claim_for(marketplace_order_id="9" * 70)
    with make_uow() as uow:
        quarantine.apply_storable(uow, [poison], clock.now(), window=None)
        uow.commit()
    assert len(store.quarantine) == 1

    with make_uow() as uow:
        fixed = replace(poison, marketplace_order_id="O1")
        stats = quarantine.apply_storable(uow, [fixed], clock.advance(minutes=5), window=None)
        uow.commit()

    assert stats.new == 1 and store.quarantine == {}


def test_one_bad_line_of_a_claim_stays_while_its_other_line_is_stored() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    line_ok = claim_for(claim_id="R9", marketplace_item_id="V1")
    line_bad = claim_for(claim_id="R9", marketplace_item_id="V2", cancel_qty=2**40)
    for _ in range(2):  # seen twice: one record, seen twice, first sighting kept
        with make_uow() as uow:
            quarantine.apply_storable(
                uow, [line_ok, line_bad], clock.advance(minutes=1), window=None
            )
            uow.commit()
    [record] = store.quarantine.values()
    assert (record.claim_id, record.line, record.times_seen) == ("R9", "V2", 2)
    assert record.first_seen_at < record.last_seen_at
    assert len(store.results) == 1


# --- retry ------------------------------------------------------------------------------


def _synced(source: FakeSource) -> tuple[FakeStore, FakeClock]:
    store, clock = FakeStore(), FakeClock()
    sync_account(fake_uow_factory(store), source, clock.now(), lookback=timedelta(hours=12))
    return store, clock


def test_retry_stores_what_now_comes_back_clean_and_keeps_what_does_not() -> None:
    clock = FakeClock()
    at = clock.now() - timedelta(hours=2)
    fixable = claim_for(marketplace_order_id="9" * 70, claimed_at=at)
    stubborn = claim_for(marketplace_order_id="8" * 70, claimed_at=at)
    source = FakeSource([fixable, stubborn])
    store, clock = _synced(source)
    make_uow = fake_uow_factory(store)
    source.claims = [replace(fixable, marketplace_order_id="O1"), stubborn]

    outcomes = quarantine.retry(make_uow, lambda name: source, clock.advance(minutes=5))

    by_claim = {o.record.claim_id: o for o in outcomes}
    assert by_claim[fixable.claim_id].outcome is RetryStatus.STORED
    assert by_claim[stubborn.claim_id].outcome is RetryStatus.STILL
    assert [r.claim_id for r in store.results.values()] == [fixable.claim_id]
    [left] = store.quarantine.values()
    assert left.claim_id == stubborn.claim_id and left.times_seen == 2


def test_retry_drops_a_record_its_window_no_longer_reports() -> None:
    source = FakeSource(unreadable=["R1"])
    store, clock = _synced(source)
    source.unreadable = []  # the marketplace moved it: a later window reports it

    later = clock.advance(minutes=5)
    [outcome] = quarantine.retry(fake_uow_factory(store), lambda name: source, later)

    assert outcome.outcome is RetryStatus.GONE and store.quarantine == {}


def test_retry_reports_an_unknown_account_and_a_failing_marketplace_and_keeps_both() -> None:
    source = FakeSource(unreadable=["R1"])
    store, clock = _synced(source)
    make_uow = fake_uow_factory(store)

    [unknown] = quarantine.retry(make_uow, lambda name: None, clock.now())
    source.fail = True
    [failing] = quarantine.retry(make_uow, lambda name: source, clock.now())

    assert (unknown.outcome, unknown.detail) == (
        RetryStatus.FAILED,
        "no such account is configured",
    )
    assert failing.outcome is RetryStatus.FAILED and "HTTP 503" in failing.detail
    assert len(store.quarantine) == 1


def test_retry_of_an_unknown_id_names_it() -> None:
    with pytest.raises(NotFound, match="no quarantined record with id 42"):
        quarantine.retry(fake_uow_factory(FakeStore()), lambda name: None, FakeClock().now(), [42])


def test_a_claims_file_record_is_screened_again_from_what_was_kept() -> None:
    store, clock = FakeStore(), FakeClock()
    make_uow = fake_uow_factory(store)
    outcome = quarantine.import_claims(make_uow, [claim_for(claim_id="C" * 129)], clock.now())
    assert outcome.quarantined == 1 and outcome.stats.new == 0

    [again] = quarantine.retry(make_uow, lambda name: None, clock.advance(minutes=1))

    assert again.outcome is RetryStatus.STILL and "claim_id is 129" in again.detail
