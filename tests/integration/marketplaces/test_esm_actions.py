"""ESM 취소승인 (approve a buyer's cancel request, G마켓 and 옥션) against the fake ESM API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from adapters.marketplaces.esm import EsmClaimSource, EsmMarketplace
from adapters.marketplaces.esm_actions import EsmClaimActions
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionRequest, ActionState, ClaimAtMarketplace
from core.ports import ClaimActions

from .builders import EXACT_RETRY, esm_actions, esm_source
from .fake_esm import FakeEsm, make_claims
from .faketime import FakeTime
from .faults import Fault, applied_then_timeout, http_error, timeout
from .http_server import serve

FILED = datetime(2025, 3, 6, 9, 0, tzinfo=KST)
ORDER_NO = "2943000000"
SITES: list[EsmMarketplace] = ["gmarket", "auction"]
# What each site answers (marketplace-actions.md §4.1): (code, message) after the prefix.
REPEAT = {
    "gmarket": ("8668", "이미 취소 승인 되었습니다."),
    "auction": ("8668/W8-2", "이미 취소 승인 되었습니다"),
}
NOT_APPROVABLE = {
    "gmarket": ("8668", "취소 승인 대상이 없습니다."),
    "auction": ("8668/W8-1", "취소 가능한 주문상태가 아닙니다"),
}


def site(marketplace: EsmMarketplace) -> str:
    return "A" if marketplace == "auction" else "G"


def fake_for(clock: FakeTime, marketplace: EsmMarketplace = "gmarket") -> FakeEsm:
    # make_claims' first row is a 취소요청 (CancelStatus 1) for OrderNo 2943000000.
    return FakeEsm(clock=clock, claims=make_claims(1, FILED, site=site(marketplace)))


def request_for(marketplace: EsmMarketplace = "gmarket", order_no: str = ORDER_NO) -> ActionRequest:
    return ActionRequest(
        marketplace=marketplace,
        account=f"{marketplace}-main",
        claim_id=f"cancel-{order_no}",
        marketplace_order_id=order_no,
        marketplace_item_id="",
        claimed_at=FILED,
    )


def approvals(fake: FakeEsm) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in fake.requests if r.method == "PUT"]


def row(fake: FakeEsm, marketplace: EsmMarketplace = "gmarket") -> dict[str, Any]:
    found = fake.cancel_of(ORDER_NO, site(marketplace))
    assert found is not None
    return found


@pytest.mark.parametrize(("marketplace", "site_type"), [("gmarket", 2), ("auction", 1)])
def test_accept_approves_the_whole_order_number_once(
    clock: FakeTime, marketplace: EsmMarketplace, site_type: int
) -> None:
    fake = fake_for(clock, marketplace)
    actions: ClaimActions = esm_actions(fake, clock, marketplace)

    outcome = actions.accept_cancel(request_for(marketplace))

    assert outcome.state is ActionState.DONE
    assert (outcome.code, outcome.message, outcome.http_status, outcome.write_calls) == (
        "0",
        "Success",
        200,
        1,
    )
    assert approvals(fake) == [{"SiteType": site_type}]  # the write pages' SiteType
    assert [r.url.path for r in fake.requests] == [f"/claim/v1/sa/Cancel/{ORDER_NO}"]
    assert actions.read_claim(request_for(marketplace)) == ClaimAtMarketplace(
        True, ClaimState.COMPLETED, None, "CancelStatus 3 (취소완료)"
    )


def test_the_re_read_asks_cancels_by_order_number_from_the_request_day(clock: FakeTime) -> None:
    fake = fake_for(clock)

    found = esm_actions(fake, clock).read_claim(request_for())

    assert found == ClaimAtMarketplace(
        True, ClaimState.REQUESTED, None, "CancelStatus 1 (취소요청)"
    )
    [query] = [json.loads(r.content) for r in fake.requests]
    assert query == {
        "SiteType": 3,  # the Cancels page's G마켓
        "CancelStatus": 0,
        "Type": 0,
        "OrderNo": int(ORDER_NO),
        "StartDate": "2025-03-06",
        "EndDate": "2025-03-12",
    }


def test_an_approved_cancel_syncs_back_as_completed(clock: FakeTime) -> None:
    fake = fake_for(clock)
    clock.current = FILED + timedelta(hours=1)
    assert esm_actions(fake, clock).accept_cancel(request_for()).state is ActionState.DONE

    claims = esm_source(fake, clock).fetch_claims(FILED, clock.now() + timedelta(minutes=1))

    assert [(c.claim_id, c.claim_type, c.claim_state) for c in claims] == [
        (f"cancel-{ORDER_NO}", ClaimType.CANCEL, ClaimState.COMPLETED)
    ]


@pytest.mark.parametrize("marketplace", SITES)
def test_a_repeat_is_already_done_and_counts_as_done_because_the_re_read_agrees(
    clock: FakeTime, marketplace: EsmMarketplace
) -> None:
    fake = fake_for(clock, marketplace)
    actions = esm_actions(fake, clock, marketplace)
    assert actions.accept_cancel(request_for(marketplace)).state is ActionState.DONE

    again = actions.accept_cancel(request_for(marketplace))

    assert again.state is ActionState.DONE
    code, message = REPEAT[marketplace]
    assert again.code == code
    assert again.message.startswith(f"{message} (the marketplace shows it completed")
    assert again.write_calls == 1 and fake.writes == 2


def test_already_done_is_failed_when_the_re_read_shows_the_request_still_open(
    clock: FakeTime,
) -> None:
    fake = fake_for(clock)
    repeat = {"ResultCode": 8668, "Message": "ShowAlertException$이미 취소 승인 되었습니다."}
    fake.faults[1] = http_error(200, repeat)  # said, but not so: the request is still open

    outcome = esm_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert outcome.message.startswith(
        "이미 취소 승인 되었습니다. (the marketplace still shows the request open"
    )
    assert row(fake)["CancelStatus"] == 1


@pytest.mark.parametrize("marketplace", SITES)
def test_a_shipped_order_is_refused_with_esms_code_and_message(
    clock: FakeTime, marketplace: EsmMarketplace
) -> None:
    fake = fake_for(clock, marketplace)
    fake.shipped.add(ORDER_NO)

    outcome = esm_actions(fake, clock, marketplace).accept_cancel(request_for(marketplace))

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.message, outcome.http_status) == (
        *NOT_APPROVABLE[marketplace],
        200,
    )
    assert outcome.write_calls == 1 and len(fake.requests) == 1  # no re-read needed


def test_a_timeout_after_esm_applied_it_ends_done_after_the_re_read(clock: FakeTime) -> None:
    fake = fake_for(clock)
    fake.faults[1] = applied_then_timeout()

    outcome = esm_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert "CancelStatus 3" in outcome.message
    assert outcome.write_calls == 1 and fake.writes == 1 and len(approvals(fake)) == 1


def test_a_500_business_error_fails_with_its_message_and_is_not_retried(
    clock: FakeTime,
) -> None:
    fake = fake_for(clock)
    fake.faults[1] = http_error(500, {"ResultCode": 99999, "Message": "API Error - 처리 실패"})

    outcome = esm_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.http_status) == ("99999", 500)
    assert outcome.message.startswith("API Error - 처리 실패: not applied")
    assert len(approvals(fake)) == 1 and clock.sleeps == []


def test_a_timeout_esm_did_not_apply_ends_failed_not_applied(clock: FakeTime) -> None:
    fake = fake_for(clock)
    fake.faults[1] = timeout()

    outcome = esm_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert "not applied" in outcome.message and "CancelStatus 1" in outcome.message
    assert len(approvals(fake)) == 1


@pytest.mark.parametrize(("status", "name"), [(4, "취소철회"), (2, "취소중")])
def test_a_re_read_that_finds_neither_ends_unknown(clock: FakeTime, status: int, name: str) -> None:
    fake = fake_for(clock)

    def moved_on() -> None:  # withdrawn by the buyer, or 취소중: before or after approval?
        row(fake)["CancelStatus"] = status

    fake.faults[1] = Fault(before=moved_on, timeout=True)

    outcome = esm_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.UNKNOWN
    assert "check the seller page" in outcome.message and name in outcome.message


def test_an_order_the_cancels_list_does_not_know_is_not_found(clock: FakeTime) -> None:
    found = esm_actions(fake_for(clock), clock).read_claim(request_for(order_no="2943999999"))
    assert found == ClaimAtMarketplace(False, None, None, "Cancels: 주문정보가 없습니다")


def test_over_http_an_approval_whose_answer_is_lost_ends_done() -> None:
    fake = FakeEsm(
        clock=SystemClock(),
        claims=make_claims(1, FILED),
        faults={1: applied_then_timeout()},
    )
    with serve(fake) as base_url:
        source = EsmClaimSource(
            "gmarket-main",
            "gmarket",
            fake.master_id,
            fake.sellers["G"],
            fake.secret_key,
            base_url=base_url,
            sleep=lambda _: None,
            rate_limit=None,
            retry=EXACT_RETRY,
        )
        with EsmClaimActions(source) as actions:
            outcome = actions.accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert fake.writes == 1


def test_an_order_number_that_is_not_a_number_is_never_sent(clock: FakeTime) -> None:
    fake = fake_for(clock)

    outcome = esm_actions(fake, clock).accept_cancel(request_for(order_no="29430-00000"))

    assert (outcome.state, outcome.write_calls) == (ActionState.FAILED, 0)
    assert outcome.message == "not sent: OrderNo must be a number, not '29430-00000'"
    assert fake.requests == []
