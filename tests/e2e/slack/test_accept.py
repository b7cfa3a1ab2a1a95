"""Accepting a buyer's cancel at the marketplace from Slack (issue 19), end to end: the real
sync against the fake Coupang over HTTP, the real Bolt app behind the real HTTP server, the
fake Slack Web API. Button → modal → submission → one write at the fake → the alert updated
in place → the order's history → the next sync marks the claim COMPLETED, no new alert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.clock import SystemClock
from bot.runtime import jobs
from bot.runtime.bootstrap import build
from bot.runtime.config import Config, parse_config
from bot.runtime.deps import Deps
from bot.runtime.process import health_handler
from bot.runtime.server import build_router, serve_in_thread
from bot.slack.app import create_app
from bot.slack.ids import ActionId, BlockId, CallbackId
from core import order_book, read_models
from core.claims import ClaimState
from core.marketplace_actions import ActionState
from core.orders import Order, OrderStatus
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.integration.marketplaces.fake_coupang import FakeCoupang, make_stop_request
from tests.integration.marketplaces.http_server import serve
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

RECEIPT = 500_000_123
ORDER_ID = str(13_100_000_000_000 + RECEIPT)
ITEM_ID = str(70_000_000_000 + (RECEIPT % 1000) * 10)  # the receipt's one line
ACCOUNT = "coupang-main"


@pytest.fixture
def coupang() -> Iterator[tuple[FakeCoupang, str]]:
    filed = datetime.now(UTC) - timedelta(hours=1)
    fake = FakeCoupang(clock=SystemClock(), receipts=[make_stop_request(RECEIPT, filed, lines=1)])
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def allowed_users() -> list[str]:
    return []


@pytest.fixture
def accept_config(coupang: tuple[FakeCoupang, str], allowed_users: list[str]) -> Config:
    fake, base_url = coupang
    account = {
        "name": ACCOUNT,
        "marketplace": "coupang",
        "base_url": base_url,
        "vendor_id": fake.vendor_id,
        "access_key_env": "CP_AK",
        "secret_key_env": "CP_SK",
        "rate_limit_per_second": 50,
        "actions": ["accept_cancel"],
    }
    env = {"CP_AK": fake.access_key, "CP_SK": fake.secret_key}
    return parse_config({"accounts": [account], "allowed_users": allowed_users}, env)


@pytest.fixture
def accept_deps(database_url: str, accept_config: Config) -> Iterator[Deps]:
    deps = build(database_url, SEOUL, config=accept_config)
    yield deps
    deps.close()


@pytest.fixture
def server(accept_deps: Deps, timed_slack: FakeSlack, accept_config: Config) -> Iterator[str]:
    app = create_app(accept_deps, make_settings(timed_slack), accept_config)
    handler = health_handler(accept_deps, accept_config, mode="http")
    base_url, stop = serve_in_thread(build_router(app, handler))
    yield base_url
    stop()


def the_order() -> Order:
    return Order(
        management_no="M-500",
        marketplace="coupang",
        marketplace_order_id=ORDER_ID,
        marketplace_item_id=ITEM_ID,
        product_name="캠핑 의자",
        option="카키",
        quantity=1,
        status=OrderStatus.INVOICED,
    )


def click(
    server: str,
    action_id: str,
    value: str,
    *,
    user: str = AGENT,
    ts: str = "",
    in_modal: bool = False,
) -> int:
    payload = block_action(action_id, value, user=user, message_ts=ts or None)
    if in_modal:  # a button inside the C/S details modal: a view, no channel or message
        for key in ("channel", "message", "response_url"):
            payload.pop(key)
        payload["container"] = {"type": "view", "view_id": "V0DETAILS"}
        payload["view"] = {"id": "V0DETAILS", "type": "modal", "callback_id": "cs_details_modal"}
    body = interaction_body(payload)
    status, _ = post(f"{server}/slack/events", body, signed_headers(body))
    return status


def submit(server: str, view: dict[str, Any], *, user: str = AGENT) -> dict[str, Any]:
    payload = {
        "type": "view_submission",
        "team": {"id": "T0TEAM01", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
        "api_app_id": "A0APP01",
        "token": "legacy",
        "trigger_id": "555.666.submit",
        "view": {"id": "V0ACCEPT1", "state": {"values": {}}, "hash": "1.x", **view},
        "response_urls": [],
    }
    body = interaction_body(payload)
    status, answer = post(f"{server}/slack/events", body, signed_headers(body))
    assert status == 200
    return json.loads(answer) if answer else {}


def opened_view(slack: FakeSlack, count: int) -> dict[str, Any]:
    call = slack.wait_for("views.open", count)[count - 1]
    view = call.args["view"]
    return json.loads(view) if isinstance(view, str) else view


def elements(message: Message) -> list[dict[str, Any]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def block_text(message: Message, block_id: str) -> str:
    block = next(b for b in message.blocks if b.get("block_id") == block_id)
    return " ".join(e.get("text", "") for e in block.get("elements", [])) or block["text"]["text"]


def test_accept_from_the_alert_writes_once_and_the_next_sync_completes_it(
    accept_deps: Deps,
    accept_config: Config,
    coupang: tuple[FakeCoupang, str],
    timed_slack: FakeSlack,
    fake_time: FakeTime,
    server: str,
) -> None:
    fake, _ = coupang
    deps = accept_deps
    publisher = make_publisher(
        deps, timed_slack, fake_time, accept_accounts=accept_config.accept_accounts()
    )
    order_book.import_orders(deps.make_uow, [the_order()], deps.clock.now())
    [synced] = jobs.sync_all(deps, accept_config)
    assert synced.report is not None and synced.report.ok
    [result] = read_models.order_details(deps.make_uow, "M-500").results
    assert (result.claim_state, result.management_no) == (ClaimState.REQUESTED, "M-500")
    result_id = str(result.id)

    # A held cancel request is alerted when people can accept it, the button first.
    publisher.deliver()
    [alert] = timed_slack.alerts(CHANNEL)
    first = elements(alert)[0]
    assert (first["action_id"], first["value"]) == (ActionId.CANCEL_ACCEPT, result_id)

    # The button opens the modal that says what will happen; nothing is sent yet.
    assert click(server, ActionId.CANCEL_ACCEPT, result_id, ts=alert.ts) == 200
    modal = opened_view(timed_slack, 1)
    assert modal["callback_id"] == CallbackId.CANCEL_ACCEPT_MODAL
    assert modal["private_metadata"] == result_id
    texts = json.dumps(modal, ensure_ascii=False)
    assert "every item" in texts and "cannot be undone" in texts and "Invoiced" in texts
    assert fake.writes == 0

    # The submission is answered at once; the write follows, once.
    answer = submit(server, modal)
    assert answer.get("response_action") == "update"
    [shown] = timed_slack.wait_for("views.update", 1)
    assert "Accepted at the marketplace" in json.dumps(shown.args["view"])
    assert fake.writes == 1
    assert fake.receipt(str(RECEIPT))["releaseStopStatus"] == "처리(출고중지)"  # type: ignore[index]

    # The alert says so in place, without its button; the history has an entry.
    timed_slack.wait_for("chat.update", 1)
    now = timed_slack.message(CHANNEL, alert.ts)
    assert "Accepted at the marketplace" in block_text(now, BlockId.ALERT_MARKETPLACE_ACTION)
    assert AGENT in block_text(now, BlockId.ALERT_MARKETPLACE_ACTION)
    assert ActionId.CANCEL_ACCEPT not in [e["action_id"] for e in elements(now)]
    history = read_models.order_details(deps.make_uow, "M-500").history
    assert any(e.text == f"판매처 취소승인 (<@{AGENT}>)" and e.actor == AGENT for e in history)
    publisher.deliver()
    notes = [m for m in timed_slack.messages[CHANNEL] if m.thread_ts == alert.ts]
    assert any("Accepted at the marketplace" in m.text for m in notes)
    action = read_models.marketplace_actions(deps.make_uow, [result.id or 0])[result.id or 0]
    assert (action.state, action.by, action.write_calls) == (ActionState.DONE, AGENT, 1)

    # A second click, by anyone, sends nothing: the modal says it is done.
    assert click(server, ActionId.CANCEL_ACCEPT, result_id, user=OTHER, ts=alert.ts) == 200
    refused = opened_view(timed_slack, 2)
    assert "submit" not in refused and "handled already" in json.dumps(refused)
    assert fake.writes == 1

    # The next sync reads the receipt as a completed cancel: no new alert.
    alerts_before = len(timed_slack.alerts(CHANNEL))
    [again] = jobs.sync_all(deps, accept_config)
    assert again.report is not None and again.report.ok
    publisher.deliver()
    [after] = read_models.order_details(deps.make_uow, "M-500").results
    assert after.claim_state is ClaimState.COMPLETED
    assert len(timed_slack.alerts(CHANNEL)) == alerts_before
    assert fake.writes == 1
    ref = read_models.alert_message(deps.make_uow, TargetKind.RESULT, result.id or 0)
    assert ref == (CHANNEL, alert.ts)


def test_a_submission_refused_in_the_bot_answers_in_the_modal_and_sends_nothing(
    accept_deps: Deps,
    accept_config: Config,
    coupang: tuple[FakeCoupang, str],
    timed_slack: FakeSlack,
    server: str,
) -> None:
    fake, _ = coupang
    deps = accept_deps
    order_book.import_orders(deps.make_uow, [the_order()], deps.clock.now())
    jobs.sync_all(deps, accept_config)
    [result] = read_models.order_details(deps.make_uow, "M-500").results
    # The order ships between the modal opening and its submission.
    shipped = Order(**{**the_order().__dict__, "status": OrderStatus.SHIPPED})
    order_book.import_orders(deps.make_uow, [shipped], deps.clock.now())

    view = {
        "type": "modal",
        "callback_id": CallbackId.CANCEL_ACCEPT_MODAL.value,
        "private_metadata": str(result.id),
    }
    answer = submit(server, view)

    assert answer["response_action"] == "update"  # "sending…", at once
    [shown] = timed_slack.wait_for("views.update", 1)
    assert shown.args["view_id"] == "V0ACCEPT1"
    assert "says it shipped" in json.dumps(shown.args["view"])
    assert fake.writes == 0
    assert read_models.marketplace_actions(deps.make_uow, [result.id or 0]) == {}


@pytest.mark.parametrize("allowed_users", [[OTHER]])
def test_someone_not_allowed_is_told_in_the_modal_and_nothing_is_sent(
    accept_deps: Deps,
    accept_config: Config,
    coupang: tuple[FakeCoupang, str],
    timed_slack: FakeSlack,
    server: str,
) -> None:
    fake, _ = coupang
    order_book.import_orders(accept_deps.make_uow, [the_order()], accept_deps.clock.now())
    jobs.sync_all(accept_deps, accept_config)
    [result] = read_models.order_details(accept_deps.make_uow, "M-500").results

    assert click(server, ActionId.CANCEL_ACCEPT, str(result.id)) == 200
    notice = opened_view(timed_slack, 1)
    assert "submit" not in notice and "may not accept" in json.dumps(notice)
    view = {
        "type": "modal",
        "callback_id": CallbackId.CANCEL_ACCEPT_MODAL.value,
        "private_metadata": str(result.id),
    }
    submit(server, view)  # a stale modal, submitted anyway
    [shown] = timed_slack.wait_for("views.update", 1)
    assert "may not accept" in json.dumps(shown.args["view"])
    assert fake.writes == 0


def test_from_the_details_modal_the_step_is_stacked_on_it(
    accept_deps: Deps,
    accept_config: Config,
    coupang: tuple[FakeCoupang, str],
    timed_slack: FakeSlack,
    server: str,
) -> None:
    order_book.import_orders(accept_deps.make_uow, [the_order()], accept_deps.clock.now())
    jobs.sync_all(accept_deps, accept_config)
    [result] = read_models.order_details(accept_deps.make_uow, "M-500").results

    assert click(server, ActionId.CANCEL_ACCEPT, str(result.id), in_modal=True) == 200

    [pushed] = timed_slack.wait_for("views.push", 1)
    view = pushed.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == CallbackId.CANCEL_ACCEPT_MODAL
    assert timed_slack.calls_to("views.open") == []
