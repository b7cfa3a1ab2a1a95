"""11st 주문취소 승인처리 (approve a buyer's cancel request) against the fake claimservice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.eleventh_street_actions import EleventhStreetClaimActions
from core.claims import ClaimState, ClaimType
from core.marketplace_actions import ActionRequest, ActionState, ClaimAtMarketplace
from core.ports import ClaimActions

from .builders import EXACT_RETRY, eleventh_street_actions, eleventh_street_source
from .fake_11st import FakeEleventhStreet, Row, make_rows
from .faketime import FakeTime
from .faults import Fault, applied_then_timeout, http_answer, timeout
from .http_server import serve

FILED = datetime(2025, 3, 6, 9, 0, tzinfo=KST)


def open_request() -> Row:
    [row] = make_rows(1, FILED, lists=("cancelorders",))  # claim 81900000, 1 unit
    return row


@pytest.fixture
def fake(clock: FakeTime) -> FakeEleventhStreet:
    return FakeEleventhStreet(clock=clock, rows=[open_request()])


def request_for(row: Row) -> ActionRequest:
    return ActionRequest(
        marketplace="11st",
        account="11st-main",
        claim_id=row.claim_id,
        marketplace_order_id=row.fields["ordNo"],
        marketplace_item_id=row.fields["ordPrdSeq"],
        claimed_at=FILED,
    )


def approvals(fake: FakeEleventhStreet) -> list[str]:
    return [r.url.path for r in fake.requests if "/cancelreqconf/" in r.url.path]


def test_accept_approves_the_request_once_with_one_get(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    row = fake.rows[0]
    actions: ClaimActions = eleventh_street_actions(fake, clock)

    outcome = actions.accept_cancel(request_for(row))

    assert outcome.state is ActionState.DONE
    assert (outcome.code, outcome.message, outcome.http_status, outcome.write_calls) == (
        "0",
        "전체 1건이 정상적으로 취소처리가 되었습니다.",
        200,
        1,
    )
    assert approvals(fake) == [
        f"/rest/claimservice/cancelreqconf/{row.claim_id}/{row.fields['ordNo']}/1"
    ]
    assert [r.method for r in fake.requests] == ["GET"]  # a write sent as a GET, once
    assert actions.read_claim(request_for(row)) == ClaimAtMarketplace(
        True, ClaimState.COMPLETED, False, "ordPrdStatNm 취소완료 (ordPrdStat 702), ordCnQty 1"
    )


def test_an_approved_cancel_syncs_back_as_completed(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    clock.current = FILED + timedelta(hours=1)
    row = fake.rows[0]
    assert eleventh_street_actions(fake, clock).accept_cancel(request_for(row)).state is (
        ActionState.DONE
    )

    source = eleventh_street_source(fake, clock)
    claims = source.fetch_claims(FILED, clock.now() + timedelta(minutes=1))

    assert [(c.claim_id, c.claim_type, c.claim_state) for c in claims] == [
        (row.claim_id, ClaimType.CANCEL, ClaimState.COMPLETED)
    ]


def test_a_repeat_is_already_done_and_counts_as_done_because_the_re_read_agrees(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    actions = eleventh_street_actions(fake, clock)
    assert actions.accept_cancel(request_for(fake.rows[0])).state is ActionState.DONE

    again = actions.accept_cancel(request_for(fake.rows[0]))

    assert again.state is ActionState.DONE
    assert (again.code, again.http_status, again.write_calls) == ("-1", 200, 1)
    assert again.message.startswith("이미 취소 완료된 신청건 입니다. (the marketplace shows")
    assert fake.writes == 2


def test_already_done_on_a_partly_cancelled_line_is_unknown(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    # 1 of 2 units cancelled: the line is back in 배송준비중, whoever cancelled the unit.
    row = fake.rows[0]
    fake.ordered[(row.fields["ordNo"], "1")] = 2
    actions = eleventh_street_actions(fake, clock)
    assert actions.accept_cancel(request_for(row)).state is ActionState.DONE

    again = actions.accept_cancel(request_for(row))

    assert again.state is ActionState.UNKNOWN
    assert again.message.startswith("이미 취소 완료된 신청건 입니다.: check the seller page")
    assert "배송준비중" in again.message


def test_a_shipped_line_is_refused_with_11sts_code_and_message(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    row = fake.rows[0]
    fake.shipped.add((row.fields["ordNo"], "1"))

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(row))

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.message, outcome.http_status, outcome.write_calls) == (
        "-1",
        "이미 발송처리된 주문은 취소승인할 수 없습니다.",
        200,
        1,
    )
    assert len(fake.requests) == 1  # a refusal needs no re-read


def test_a_timeout_after_11st_applied_it_ends_done_after_the_re_read(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    fake.faults[1] = applied_then_timeout()

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(fake.rows[0]))

    assert outcome.state is ActionState.DONE
    assert outcome.write_calls == 1 and fake.writes == 1 and len(approvals(fake)) == 1
    assert [r.url.path.split("/")[3] for r in fake.requests] == ["cancelreqconf", "orderlistall"]


def test_a_500_business_error_fails_with_its_message_and_is_not_retried(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    page = (
        '<?xml version="1.0" encoding="euc-kr"?><ResultOrder><result_code>-1</result_code>'
        "<result_text>처리중 오류가 발생하였습니다.</result_text></ResultOrder>"
    )
    fake.faults[1] = http_answer(500, page.encode("euc-kr"), "text/xml;charset=EUC-KR")

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(fake.rows[0]))

    assert outcome.state is ActionState.FAILED
    assert (outcome.code, outcome.http_status) == ("-1", 500)
    assert outcome.message.startswith("처리중 오류가 발생하였습니다.: not applied")
    assert len(approvals(fake)) == 1 and clock.sleeps == []


def test_a_timeout_11st_did_not_apply_ends_failed_not_applied(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    fake.faults[1] = timeout()

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(fake.rows[0]))

    assert outcome.state is ActionState.FAILED
    assert "not applied" in outcome.message and "취소신청" in outcome.message
    assert len(approvals(fake)) == 1


def test_a_re_read_that_finds_neither_ends_unknown(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    row = fake.rows[0]

    def withdrawn() -> None:  # the buyer withdraws while the write is on its way
        row.list_name = "withdrawcanceledorders"

    fake.faults[1] = Fault(before=withdrawn, timeout=True)

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(row))

    assert outcome.state is ActionState.UNKNOWN
    assert "check the seller page" in outcome.message and "배송준비중" in outcome.message


def test_a_key_quoted_back_never_reaches_the_outcome(
    fake: FakeEleventhStreet, clock: FakeTime
) -> None:
    page = (
        "<ResultOrder><result_code>-22001</result_code>"
        f"<result_text>판매자 번호를 알 수 없습니다. key={fake.api_key}</result_text></ResultOrder>"
    )
    fake.faults[1] = http_answer(200, page.encode(), "text/xml")

    outcome = eleventh_street_actions(fake, clock).accept_cancel(request_for(fake.rows[0]))

    assert outcome.state is ActionState.FAILED
    assert outcome.message == "판매자 번호를 알 수 없습니다. key=[redacted]"


def test_read_claim_tells_an_open_request_a_shipped_line_and_an_unknown_order(
    clock: FakeTime,
) -> None:
    rows = make_rows(2, FILED, lists=("cancelorders",))
    fake = FakeEleventhStreet(clock=clock, rows=rows)
    fake.shipped.add((rows[1].fields["ordNo"], rows[1].fields["ordPrdSeq"]))
    actions = eleventh_street_actions(fake, clock)

    open_one = actions.read_claim(request_for(rows[0]))
    shipped = actions.read_claim(request_for(rows[1]))
    unknown = actions.read_claim(
        ActionRequest("11st", "11st-main", "1", "209900000000000", "1", FILED)
    )

    assert open_one == ClaimAtMarketplace(
        True, ClaimState.REQUESTED, False, "ordPrdStatNm 취소신청 (ordPrdStat 701), ordCnQty 1"
    )
    assert (shipped.claim_state, shipped.shipped) == (None, True)
    assert (unknown.found, unknown.claim_state) == (False, None)


def test_over_http_an_approval_whose_answer_is_lost_ends_done() -> None:
    fake = FakeEleventhStreet(
        clock=SystemClock(), rows=[open_request()], faults={1: applied_then_timeout()}
    )
    with serve(fake) as base_url:
        source = EleventhStreetClaimSource(
            "11st-main",
            fake.api_key,
            base_url=base_url,
            sleep=lambda _: None,
            rate_limit=None,
            retry=EXACT_RETRY,
        )
        with EleventhStreetClaimActions(source) as actions:
            outcome = actions.accept_cancel(request_for(fake.rows[0]))

    assert outcome.state is ActionState.DONE
    assert fake.writes == 1
