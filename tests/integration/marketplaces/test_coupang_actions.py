"""Coupang 출고중지완료 (accept a stop-shipment request) against the fake WING gateway."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.coupang_actions import CoupangClaimActions
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionRequest, ActionState, ClaimAtMarketplace
from core.ports import ClaimActions

from .builders import EXACT_RETRY, coupang_actions, coupang_source
from .fake_coupang import FakeCoupang, make_stop_request
from .faketime import FakeTime
from .faults import Fault, applied_then_timeout, http_error, timeout
from .http_server import serve

RECEIPT = 500_000_001
FILED = datetime(2025, 3, 5, 10, 0, tzinfo=KST)


def request_for(receipt: int = RECEIPT, item: str = "70000001000") -> ActionRequest:
    return ActionRequest(
        marketplace="coupang",
        account="coupang-main",
        claim_id=str(receipt),
        marketplace_order_id=str(13_100_000_000_000 + receipt),
        marketplace_item_id=item,
        claimed_at=FILED,
    )


@pytest.fixture
def fake(clock: FakeTime) -> FakeCoupang:
    return FakeCoupang(clock=clock, receipts=[make_stop_request(RECEIPT, FILED, lines=2)])


def writes(fake: FakeCoupang) -> list[dict[str, object]]:
    """The bodies of the 출고중지완료 requests the fake received."""
    return [json.loads(r.content) for r in fake.requests if r.url.path.endswith("/stoppedShipment")]


def test_accept_stops_the_whole_receipt_once_with_its_total_count(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    actions: ClaimActions = coupang_actions(fake, clock)

    outcome = actions.accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert (outcome.code, outcome.message, outcome.http_status) == (
        "SUCCESS",
        "출고중지완료요청이 성공하였습니다",
        200,
    )
    assert outcome.write_calls == 1
    # Two lines of 1 and 2 units: cancelCount is the receipt's total, 3.
    assert writes(fake) == [{"vendorId": fake.vendor_id, "receiptId": RECEIPT, "cancelCount": 3}]
    assert [r.method for r in fake.requests] == ["GET", "PUT"]
    assert fake.receipt(str(RECEIPT))["releaseStopStatus"] == "처리(출고중지)"  # type: ignore[index]
    assert actions.read_claim(request_for()) == ClaimAtMarketplace(
        True,
        ClaimState.COMPLETED,
        False,
        "receiptStatus RETURNS_COMPLETED, releaseStopStatus 처리(출고중지)",
    )


def test_a_stopped_receipt_syncs_back_as_a_completed_cancel_not_a_return(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    clock.current = FILED + timedelta(hours=1)
    assert coupang_actions(fake, clock).accept_cancel(request_for()).state is ActionState.DONE

    claims = coupang_source(fake, clock, lookback=timedelta(days=1)).fetch_claims(
        FILED, clock.now() + timedelta(minutes=1)
    )

    assert {(c.claim_type, c.claim_state, c.shipped_hint) for c in claims} == {
        (ClaimType.CANCEL, ClaimState.COMPLETED, False)
    }
    assert len(claims) == 2  # both lines of the receipt


def test_a_repeat_is_already_done_and_counts_as_done_because_the_re_read_agrees(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    actions = coupang_actions(fake, clock)
    assert actions.accept_cancel(request_for()).state is ActionState.DONE

    again = actions.accept_cancel(request_for())

    assert again.state is ActionState.DONE
    assert again.http_status == 400
    assert again.message.startswith(
        "이미 반품이 완료 되었습니다. (the marketplace shows it completed"
    )
    assert again.write_calls == 1
    assert fake.writes == 2  # one per click; nothing resent


def test_already_done_is_not_done_when_the_re_read_disagrees(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    # The seller marked it 이미출고 on the seller page: closed, but not as a stopped shipment.
    receipt = fake.receipt(str(RECEIPT))
    assert receipt is not None
    receipt["releaseStopStatus"] = "처리(이미출고)"

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.UNKNOWN
    assert outcome.message.startswith("이미 반품이 완료 되었습니다.: check the seller page")
    assert "처리(이미출고)" in outcome.message
    assert outcome.write_calls == 1


def test_a_delivered_parcel_is_refused_with_coupangs_code_and_message(clock: FakeTime) -> None:
    fake = FakeCoupang(
        clock=clock, receipts=[make_stop_request(RECEIPT, FILED, lines=1, released=True)]
    )
    fake.delivered.add(str(RECEIPT))

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.message, outcome.http_status) == (
        "ERROR",
        "상품준비 중 또는 배송지시 상태가 아닙니다. 배송완료",
        400,
    )
    assert outcome.write_calls == 1
    assert [r.method for r in fake.requests] == ["GET", "PUT"]  # a refusal needs no re-read


def test_the_500_business_error_fails_with_its_message_and_is_not_retried(clock: FakeTime) -> None:
    fake = FakeCoupang(
        clock=clock, receipts=[make_stop_request(RECEIPT, FILED, lines=1, released=True)]
    )

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert outcome.http_status == 500
    assert outcome.message.startswith("출고 되어 처리할 수 없습니다.: not applied")
    assert outcome.write_calls == 1
    assert fake.writes == 1 and clock.sleeps == []  # the read policy retries 5xx; writes never


def test_a_timeout_after_coupang_applied_it_ends_done_after_the_re_read(clock: FakeTime) -> None:
    # Requests: 1 the receipt's total, 2 the write (applied, answer lost), 3 the re-read.
    fake = FakeCoupang(
        clock=clock,
        receipts=[make_stop_request(RECEIPT, FILED)],
        faults={2: applied_then_timeout()},
    )

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert outcome.http_status is None and outcome.code == ""
    assert "no answer (ReadTimeout)" in outcome.message
    assert outcome.write_calls == 1 and fake.writes == 1
    assert [r.method for r in fake.requests] == ["GET", "PUT", "GET"]


def test_a_timeout_coupang_did_not_apply_ends_failed_not_applied(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    fake.faults[2] = timeout()

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert "not applied" in outcome.message
    assert outcome.write_calls == 1
    assert len(writes(fake)) == 1  # received (and dropped), never sent again


def test_a_re_read_that_finds_neither_ends_unknown(fake: FakeCoupang, clock: FakeTime) -> None:
    # The buyer withdraws the request while the write is lost on its way.
    fake.faults[2] = Fault(before=fake.receipts.clear, timeout=True)

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.UNKNOWN
    assert "check the seller page" in outcome.message
    assert "no longer shows the claim" in outcome.message
    assert outcome.write_calls == 1


def test_a_re_read_that_fails_ends_unknown(fake: FakeCoupang, clock: FakeTime) -> None:
    # The write is lost, and the re-read fails all its attempts (5 x 503).
    fake.faults[2] = timeout()
    for n in range(3, 8):
        fake.faults[n] = http_error(503, {"code": "ERROR", "message": "busy"})

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.UNKNOWN
    assert "the claim could not be read again" in outcome.message
    assert fake.writes == 0 and len(writes(fake)) == 1


def test_nothing_is_sent_when_the_receipts_total_cannot_be_read(
    fake: FakeCoupang, clock: FakeTime
) -> None:
    fake.receipts.clear()

    outcome = coupang_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert outcome.write_calls == 0 and writes(fake) == []
    assert "no longer shows the receipt" in outcome.message


def test_read_claim_reports_an_open_request_a_released_one_and_a_missing_one(
    clock: FakeTime,
) -> None:
    fake = FakeCoupang(
        clock=clock,
        receipts=[
            make_stop_request(RECEIPT, FILED),
            make_stop_request(RECEIPT + 1, FILED, released=True),
        ],
    )
    actions = coupang_actions(fake, clock)

    open_one = actions.read_claim(request_for())
    released = actions.read_claim(request_for(RECEIPT + 1))
    missing = actions.read_claim(request_for(RECEIPT + 2))

    detail = "receiptStatus RELEASE_STOP_UNCHECKED, releaseStopStatus 미처리"
    assert open_one == ClaimAtMarketplace(True, ClaimState.REQUESTED, False, detail)
    shipped = detail + ", releaseStatus Y"  # says why it cannot be stopped
    assert released == ClaimAtMarketplace(True, ClaimState.REQUESTED, True, shipped)
    assert (missing.found, missing.claim_state) == (False, None)


def test_over_http_a_dropped_answer_after_the_write_ends_done() -> None:
    fake = FakeCoupang(
        clock=SystemClock(),
        receipts=[make_stop_request(RECEIPT, FILED)],
        faults={2: applied_then_timeout()},
    )
    with serve(fake) as base_url:
        source = CoupangClaimSource(
            "coupang-main",
            fake.vendor_id,
            fake.access_key,
            fake.secret_key,
            base_url=base_url,
            sleep=lambda _: None,
            rate_limit=None,
            retry=EXACT_RETRY,
        )
        with CoupangClaimActions(source) as actions:
            outcome = actions.accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert "no answer (RemoteProtocolError)" in outcome.message  # the server hung up
    assert fake.writes == 1
