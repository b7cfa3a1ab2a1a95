"""Naver 취소 요청 승인 (approve a buyer's cancel request) against the fake Commerce API."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from adapters.marketplaces.naver import NaverClaimSource
from adapters.marketplaces.naver_actions import NaverClaimActions
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionRequest, ActionState, ClaimAtMarketplace
from core.ports import ClaimActions

from .builders import EXACT_RETRY, naver_actions, naver_source
from .fake_naver import FakeNaver, ProductOrder, make_secret
from .faketime import FakeTime
from .faults import Fault, applied_then_timeout, http_error, run_first, timeout
from .http_server import serve

PRODUCT_ORDER = "2025030500000101"
FILED = datetime(2025, 3, 6, 9, 0, tzinfo=KST)


def cancel_request(product_order_id: str = PRODUCT_ORDER, *, shipped: bool = False) -> ProductOrder:
    return ProductOrder(
        order_id=product_order_id[:-2] + "00",
        product_order_id=product_order_id,
        last_changed_type="CLAIM_REQUESTED",
        claim_type="CANCEL",
        claim_status="CANCEL_REQUEST",
        product_order_status="PAYED",
        last_changed=FILED,
        quantity=2,
        request_quantity=2,
        shipped=shipped,
    )


def request_for(product_order_id: str = PRODUCT_ORDER, claim_id: str = "") -> ActionRequest:
    return ActionRequest(
        marketplace="naver",
        account="naver-main",
        claim_id=claim_id or f"C{product_order_id}",  # the fake's claim ids
        marketplace_order_id=product_order_id[:-2] + "00",
        marketplace_item_id=product_order_id,
        claimed_at=FILED,
    )


@pytest.fixture
def fake(clock: FakeTime) -> FakeNaver:
    return FakeNaver(clock=clock, product_orders=[cancel_request()])


def approvals(fake: FakeNaver) -> list[str]:
    return [r.url.path for r in fake.requests if r.url.path.endswith("/claim/cancel/approve")]


def test_accept_approves_the_cancel_request_once(fake: FakeNaver, clock: FakeTime) -> None:
    actions: ClaimActions = naver_actions(fake, clock)

    outcome = actions.accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert (outcome.code, outcome.message, outcome.http_status, outcome.write_calls) == (
        "",
        f"successProductOrderIds: {PRODUCT_ORDER}",
        200,
        1,
    )
    [approve] = [r for r in fake.requests if r.url.path.endswith("/approve")]
    assert approve.url.path == (
        f"/external/v1/pay-order/seller/product-orders/{PRODUCT_ORDER}/claim/cancel/approve"
    )
    assert approve.content == b""  # the API takes no body
    assert approve.headers["Authorization"] == "Bearer naver-token-1"
    assert actions.read_claim(request_for()) == ClaimAtMarketplace(
        True,
        ClaimState.COMPLETED,
        False,
        "claimType CANCEL, claimStatus CANCEL_DONE, productOrderStatus CANCELED",
    )


def test_an_approved_cancel_syncs_back_as_completed(fake: FakeNaver, clock: FakeTime) -> None:
    clock.current = FILED + timedelta(hours=1)
    assert naver_actions(fake, clock).accept_cancel(request_for()).state is ActionState.DONE

    [claim] = naver_source(fake, clock).fetch_claims(FILED, clock.now() + timedelta(seconds=1))

    assert (claim.claim_type, claim.claim_state, claim.completed_at) == (
        ClaimType.CANCEL,
        ClaimState.COMPLETED,
        clock.now(),
    )


def test_a_repeat_is_refused_but_counts_as_done_because_the_re_read_agrees(
    fake: FakeNaver, clock: FakeTime
) -> None:
    actions = naver_actions(fake, clock)
    assert actions.accept_cancel(request_for()).state is ActionState.DONE

    again = actions.accept_cancel(request_for())

    assert again.state is ActionState.DONE
    assert again.code == "105306"
    assert again.message.startswith("변경을 요청한 상태가 기존과 동일 (the marketplace shows it")
    assert again.write_calls == 1 and fake.writes == 2


def test_a_refusal_stays_failed_when_the_re_read_does_not_show_the_cancel_done(
    fake: FakeNaver, clock: FakeTime
) -> None:
    order = fake.product_order(PRODUCT_ORDER)
    assert order is not None
    order.claim_status = "CANCEL_REJECT"  # the buyer's request was rejected meanwhile

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.message) == ("104442", "상품 주문 상태 확인 필요")


def test_a_shipped_product_order_is_refused_with_navers_code_and_message(clock: FakeTime) -> None:
    fake = FakeNaver(clock=clock, product_orders=[cancel_request(shipped=True)])

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.message, outcome.http_status) == (
        "104442",
        "상품 주문 상태 확인 필요",
        200,  # Naver refuses with HTTP 200
    )
    assert outcome.write_calls == 1 and len(approvals(fake)) == 1


def test_a_timeout_after_naver_applied_it_ends_done_after_the_re_read(
    fake: FakeNaver, clock: FakeTime
) -> None:
    fake.faults[2] = applied_then_timeout()  # 1 is the token

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert outcome.message.startswith("no answer (ReadTimeout) (the marketplace shows it")
    assert outcome.write_calls == 1 and fake.writes == 1 and len(approvals(fake)) == 1


def test_a_500_business_error_fails_with_its_message_and_is_not_retried(
    fake: FakeNaver, clock: FakeTime
) -> None:
    body = {"code": "9999", "message": "일시적인 오류입니다.", "traceId": "t"}
    fake.faults[2] = http_error(500, body)

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.http_status) == ("9999", 500)
    assert outcome.message.startswith("일시적인 오류입니다.: not applied")
    assert len(approvals(fake)) == 1 and clock.sleeps == []


def test_a_timeout_naver_did_not_apply_ends_failed_not_applied(
    fake: FakeNaver, clock: FakeTime
) -> None:
    fake.faults[2] = timeout()

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.FAILED
    assert "not applied" in outcome.message
    assert len(approvals(fake)) == 1


def test_a_re_read_that_finds_neither_ends_unknown(fake: FakeNaver, clock: FakeTime) -> None:
    order = fake.product_order(PRODUCT_ORDER)
    assert order is not None

    def processing() -> None:
        order.claim_status = "CANCELING"  # before or after approval: undocumented

    fake.faults[2] = Fault(before=processing, timeout=True)

    outcome = naver_actions(fake, clock).accept_cancel(request_for())

    assert outcome.state is ActionState.UNKNOWN
    assert "check the seller page" in outcome.message and "CANCELING" in outcome.message
    assert outcome.write_calls == 1


def test_a_token_refused_at_the_gateway_fails_unsent_and_the_next_click_gets_a_new_one(
    fake: FakeNaver, clock: FakeTime
) -> None:
    fake.faults[2] = run_first(fake.expire_tokens)
    actions = naver_actions(fake, clock)

    refused = actions.accept_cancel(request_for())
    again = actions.accept_cancel(request_for())

    assert (refused.state, refused.code, refused.http_status) == (
        ActionState.FAILED,
        "GW.AUTHN",
        401,
    )
    assert again.state is ActionState.DONE
    assert [r.headers["Authorization"] for r in fake.requests if "approve" in r.url.path] == [
        "Bearer naver-token-1",
        "Bearer naver-token-2",
    ]


def test_read_claim_finds_the_open_request_and_not_another_claim(
    fake: FakeNaver, clock: FakeTime
) -> None:
    actions = naver_actions(fake, clock)

    mine = actions.read_claim(request_for())
    other = actions.read_claim(request_for(claim_id="C-an-older-claim"))
    unknown = actions.read_claim(request_for("2025030500000999"))

    detail = "claimType CANCEL, claimStatus CANCEL_REQUEST, productOrderStatus PAYED"
    assert mine == ClaimAtMarketplace(True, ClaimState.REQUESTED, False, detail)
    assert other == ClaimAtMarketplace(False, None, False, f"{detail} (claim C{PRODUCT_ORDER})")
    assert (unknown.found, unknown.claim_state) == (False, None)


def test_over_http_an_approval_whose_answer_is_lost_ends_done() -> None:
    fake = FakeNaver(
        clock=SystemClock(), product_orders=[cancel_request()], faults={2: applied_then_timeout()}
    )
    with serve(fake) as base_url:
        source = NaverClaimSource(
            "naver-main",
            fake.client_id,
            fake.client_secret,
            base_url=base_url,
            sleep=lambda _: None,
            rate_limit=None,
            retry=EXACT_RETRY,
        )
        with NaverClaimActions(source) as actions:
            outcome = actions.accept_cancel(request_for())

    assert outcome.state is ActionState.DONE
    assert fake.writes == 1 and len(approvals(fake)) == 1


def test_without_a_token_nothing_is_sent(fake: FakeNaver, clock: FakeTime) -> None:
    source = naver_source(fake, clock, client_secret=make_secret())  # not the app's secret
    outcome = NaverClaimActions(source).accept_cancel(request_for())

    assert (outcome.state, outcome.write_calls) == (ActionState.FAILED, 0)
    assert (outcome.code, outcome.http_status) == ("GW.AUTHN.SIGNATURE", 403)
    assert outcome.message.startswith("not sent: no access token: naver: client_secret_sign")
    assert approvals(fake) == []
