"""An order's life as the channel sees it, through the real Bolt app and HTTP server against
the fake Slack: a withdrawal's alert changes in place when a later cancel makes it moot,
and a held order that ships anyway comes back as a new alert asking for Confirm."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.runtime.config import Config
from bot.runtime.deps import Deps
from bot.runtime.process import health_handler
from bot.runtime.server import build_router, serve_in_thread
from bot.slack.app import create_app
from bot.slack.ids import ActionId, BlockId
from core import apply, confirmation, order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus
from core.queries import CancelFilter
from core.results import TargetKind, WithdrawalState
from tests.support.fake_slack import FakeSlack, Message
from tests.support.slack_app import (
    AGENT,
    CHANNEL,
    OTHER,
    FakeTime,
    block_action,
    interaction_body,
    make_publisher,
    make_settings,
    post,
    signed_headers,
)

# In the past: what the steps queue is due when the publisher (on real time) looks.
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def server(deps: Deps, timed_slack: FakeSlack, config: Config) -> Iterator[str]:
    app = create_app(deps, make_settings(timed_slack), config)
    base_url, stop = serve_in_thread(build_router(app, health_handler(deps, config, mode="http")))
    yield base_url
    stop()


def an_order(status: OrderStatus, quantity: int) -> Order:
    return Order(
        management_no="M-77",
        marketplace="coupang",
        marketplace_order_id="O-77",
        marketplace_item_id="I-77",
        product_name="캠핑 의자",
        option="카키",
        quantity=quantity,
        status=status,
        shipped_at=T0 if status is OrderStatus.SHIPPED else None,
    )


def a_cancel(claim_id: str, qty: int) -> Claim:
    return Claim(
        marketplace="coupang",
        account="main",
        claim_id=claim_id,
        claim_type=ClaimType.CANCEL,
        claim_state=ClaimState.COMPLETED,
        marketplace_order_id="O-77",
        marketplace_item_id="I-77",
        cancel_qty=qty,
        claimed_at=T0,
    )


def alert_of(fake: FakeSlack, target: TargetKind, target_id: int) -> Message:
    [message] = [
        m
        for m in fake.alerts(CHANNEL)
        if m.metadata["event_payload"] == {"target": target.value, "target_id": target_id}
    ]
    return message


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_withdrawals_alert_is_updated_in_place_when_a_second_cancel_supersedes_it(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime
) -> None:
    publisher = make_publisher(deps, timed_slack, fake_time)
    order_book.import_orders(deps.make_uow, [an_order(OrderStatus.RECEIVED, 2)], T0)
    apply.apply_claims(deps.make_uow, [a_cancel("A", 1)], T0)
    publisher.deliver()
    [view] = read_models.list_withdrawals(deps.make_uow, CancelFilter(phase=None)).items
    withdrawal_id = view.withdrawal.id or 0
    before = alert_of(timed_slack, TargetKind.WITHDRAWAL, withdrawal_id)
    before_blocks = copy.deepcopy(before.blocks)  # the fake edits its message in place
    assert ActionId.WITHDRAWAL_CONFIRM in action_ids(before_blocks)
    posts = len(timed_slack.posts())

    # The second unit is cancelled too: nothing is left to release and ship.
    apply.apply_claims(deps.make_uow, [a_cancel("B", 1)], T0 + timedelta(minutes=5))
    publisher.deliver()

    assert len(timed_slack.posts()) == posts, "no new message: the old one changed"
    after = timed_slack.message(CHANNEL, before.ts)
    assert after.blocks != before_blocks
    header = next(b for b in after.blocks if b.get("block_id") == BlockId.WITHDRAWAL_HEADER)
    assert "no longer applies" in header["text"]["text"]
    assert ActionId.WITHDRAWAL_CONFIRM not in action_ids(after.blocks)
    assert ActionId.CANCEL_DETAILS in action_ids(after.blocks)
    # The default list is what the warehouse must release now: nothing.
    assert read_models.list_withdrawals(deps.make_uow, CancelFilter(phase=None)).total == 0
    [stored] = read_models.order_details(deps.make_uow, "M-77").withdrawals
    assert stored.state is WithdrawalState.SUPERSEDED


def test_a_held_order_that_ships_comes_back_as_a_new_alert_asking_for_confirm(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, server: str
) -> None:
    publisher = make_publisher(deps, timed_slack, fake_time)
    order_book.import_orders(deps.make_uow, [an_order(OrderStatus.INVOICED, 1)], T0)
    [result_id] = apply.apply_claims(deps.make_uow, [a_cancel("A", 1)], T0).changed_ids
    publisher.deliver()
    assert timed_slack.alerts(CHANNEL) == []  # held automatically: nothing to post
    confirmation.confirm(deps.make_uow, TargetKind.RESULT, [result_id], OTHER, T0)

    # The OMS reports it shipped anyway: the hold was missed.
    order_book.import_orders(
        deps.make_uow, [an_order(OrderStatus.SHIPPED, 1)], T0 + timedelta(minutes=3)
    )
    publisher.deliver()

    alert = alert_of(timed_slack, TargetKind.RESULT, result_id)
    assert ActionId.CANCEL_CONFIRM in action_ids(alert.blocks)
    assert not any(b.get("block_id") == BlockId.ALERT_CONFIRMED for b in alert.blocks)
    assert "배송-취소" in alert.text or "Shipped – cancel" in alert.text
    assert [r.id for r in read_models.list_results(deps.make_uow, CancelFilter()).items] == [
        result_id
    ]

    # And its Confirm works, through the real app. (The delivery above already updated the
    # alert once: wait for the click's own update, not that one.)
    updates = len(timed_slack.calls_to("chat.update"))
    body = interaction_body(
        block_action(
            ActionId.CANCEL_CONFIRM,
            str(result_id),
            user=AGENT,
            message_ts=alert.ts,
            message={"metadata": alert.metadata},
        )
    )
    status, _ = post(f"{server}/slack/events", body, signed_headers(body))
    assert status == 200
    timed_slack.wait_for("chat.update", updates + 1)
    [result] = read_models.order_details(deps.make_uow, "M-77").results
    assert result.confirmed_by == AGENT
