"""The whole path through the real Bolt app and the real HTTP server, against a local fake
Slack Web API: sandbox sync → alerts → Confirm → refused second Confirm → Undo."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.runtime import jobs
from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.runtime.process import health_handler
from bot.runtime.server import build_router, serve_in_thread
from bot.slack.app import create_app
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.orders import Phase
from core.results import TargetKind
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


@pytest.fixture
def server(deps: Deps, timed_slack: FakeSlack, config: Config) -> Iterator[str]:
    app = create_app(deps, make_settings(timed_slack), config)
    router = build_router(app, health_handler(deps, config, mode="http"))
    base_url, stop = serve_in_thread(router)
    yield base_url
    stop()


def expected_alerts(deps: Deps) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(what SPEC §4 sends to the channel, what it does not), read from the database."""
    wanted: set[tuple[str, int]] = set()
    quiet: set[tuple[str, int]] = set()
    with deps.make_uow() as uow:
        for result_id in range(1, uow.results.max_id() + 1):
            result = uow.results.get(result_id)
            assert result is not None
            alerting = result.phase is Phase.AFTER_SHIPPING or result.unmatched or result.anomaly
            (wanted if alerting else quiet).add(("result", result_id))
        withdrawals = uow.withdrawals.get_many(range(1, 100))
    wanted |= {("withdrawal", w) for w in withdrawals}
    return wanted, quiet


def targets(messages: list[Message]) -> list[tuple[str, int]]:
    return [
        (m.metadata["event_payload"]["target"], int(m.metadata["event_payload"]["target_id"]))
        for m in messages
        if m.metadata
    ]


def click(base_url: str, payload: dict[str, Any]) -> tuple[int, float]:
    body = interaction_body(payload)
    started = time.monotonic()
    status, _ = post(f"{base_url}/slack/events", body, signed_headers(body))
    return status, time.monotonic() - started


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def confirmed_line(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        if block.get("block_id") in (BlockId.ALERT_CONFIRMED, BlockId.WITHDRAWAL_CONFIRMED):
            return str(block["elements"][0]["text"])
    return None


def test_sync_alert_confirm_refuse_undo(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config, server: str
) -> None:
    fake = timed_slack
    jobs.sync_all(deps, config)
    publisher = make_publisher(deps, fake, fake_time)

    report = publisher.deliver()

    posted = targets(fake.alerts(CHANNEL))
    wanted, quiet = expected_alerts(deps)
    assert sorted(posted) == sorted(wanted)
    assert quiet, "the sandbox has before-shipping results, which are handled automatically"
    assert len(posted) == len(set(posted)), "an alert was posted twice"
    assert {kind for kind, _ in posted} == {"result", "withdrawal"}
    assert report.counts["posted"] == len(posted) and report.counts["retried"] == 0
    # Stored refs make a second delivery (or a second replica) post nothing.
    publisher.deliver()
    assert len(fake.posts()) == len(posted)
    with deps.make_uow() as uow:
        for kind, target_id in posted:
            assert uow.alerts.get(TargetKind(kind), target_id) is not None

    # Customer PII never reaches the channel; ids only in metadata.
    for message in fake.alerts(CHANNEL):
        assert set(message.metadata["event_payload"]) == {"target", "target_id"}
        Block.parse_all(message.blocks)

    result_id = next(i for kind, i in posted if kind == "result")
    alert = next(m for m in fake.alerts(CHANNEL) if targets([m]) == [("result", result_id)])
    assert ActionId.CANCEL_CONFIRM in buttons(alert.blocks)

    # Confirm: acked at once, then the message shows who confirmed and offers Undo.
    status, took = click(
        server,
        block_action(
            ActionId.CANCEL_CONFIRM,
            str(result_id),
            user=AGENT,
            message_ts=alert.ts,
            message={"metadata": alert.metadata},
        ),
    )
    assert status == 200
    assert took < 1.5
    update = fake.wait_for("chat.update")[-1]
    assert update.args["channel"] == CHANNEL and update.args["ts"] == alert.ts
    blocks = update.args["blocks"]
    assert f"<@{AGENT}>" in (confirmed_line(blocks) or "")
    assert ActionId.CANCEL_UNCONFIRM in buttons(blocks)
    assert ActionId.CANCEL_CONFIRM not in buttons(blocks)

    # The outbox records it in the alert's thread, once, and re-renders idempotently.
    publisher.deliver()
    notes = [c for c in fake.posts() if c.args.get("thread_ts") == alert.ts]
    assert len(notes) == 1
    assert f"Confirmed by <@{AGENT}>" in notes[0].args["text"]
    assert confirmed_line(fake.message(CHANNEL, alert.ts).blocks) is not None
    publisher.deliver()
    assert len([c for c in fake.posts() if c.args.get("thread_ts") == alert.ts]) == 1

    # Somebody else's Confirm changes nothing and says who confirmed it and when.
    updates_before = len(fake.calls_to("chat.update"))
    status, _ = click(
        server,
        block_action(ActionId.CANCEL_CONFIRM, str(result_id), user=OTHER, message_ts=alert.ts),
    )
    assert status == 200
    ephemeral = fake.wait_for("chat.postEphemeral")[-1]
    assert ephemeral.args["user"] == OTHER and ephemeral.args["channel"] == CHANNEL
    assert f"<@{AGENT}>" in ephemeral.args["text"]
    assert "KST" in ephemeral.args["text"]  # when, in the team's time zone
    time.sleep(0.2)
    assert len(fake.calls_to("chat.update")) == updates_before
    with deps.make_uow() as uow:
        stored = uow.results.get(result_id)
        assert stored is not None and stored.confirmed_by == AGENT

    # Undo restores the Confirm button; the thread records the undo.
    status, _ = click(
        server,
        block_action(ActionId.CANCEL_UNCONFIRM, str(result_id), user=AGENT, message_ts=alert.ts),
    )
    assert status == 200
    undo = fake.wait_for("chat.update", updates_before + 1)[-1]
    assert ActionId.CANCEL_CONFIRM in buttons(undo.args["blocks"])
    assert confirmed_line(undo.args["blocks"]) is None
    publisher.deliver()
    notes = [c for c in fake.posts() if c.args.get("thread_ts") == alert.ts]
    assert [n.args["text"].split(" by ")[0] for n in notes] == ["✅ Confirmed", "↩️ Undone"]
    assert ActionId.CANCEL_CONFIRM in buttons(fake.message(CHANNEL, alert.ts).blocks)


def test_withdrawal_confirm_and_undo(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config, server: str
) -> None:
    fake = timed_slack
    jobs.sync_all(deps, config)
    make_publisher(deps, fake, fake_time).deliver()
    alert = next(m for m in fake.alerts(CHANNEL) if targets([m])[0][0] == "withdrawal")
    withdrawal_id = targets([alert])[0][1]

    status, _ = click(
        server,
        block_action(ActionId.WITHDRAWAL_CONFIRM, str(withdrawal_id), message_ts=alert.ts),
    )
    assert status == 200
    blocks = fake.wait_for("chat.update")[-1].args["blocks"]
    assert ActionId.WITHDRAWAL_UNCONFIRM in buttons(blocks)
    assert f"<@{AGENT}>" in (confirmed_line(blocks) or "")

    undo = block_action(ActionId.WITHDRAWAL_UNCONFIRM, str(withdrawal_id), message_ts=alert.ts)
    click(server, undo)
    blocks = fake.wait_for("chat.update", 2)[-1].args["blocks"]
    assert ActionId.WITHDRAWAL_CONFIRM in buttons(blocks)


def test_details_button_opens_the_order_modal(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config, server: str
) -> None:
    fake = timed_slack
    jobs.sync_all(deps, config)
    with deps.make_uow() as uow:
        unmatched = next(
            r for i in range(1, 20) if (r := uow.results.get(i)) is not None and r.unmatched
        )
        matched = next(
            r
            for i in range(1, 20)
            if (r := uow.results.get(i)) is not None and r.management_no is not None
        )

    click(server, block_action(ActionId.CANCEL_DETAILS, str(matched.id), trigger_id="111.222.x"))
    opened = fake.wait_for("views.open")[-1]
    assert opened.args["trigger_id"] == "111.222.x"
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.CS_DETAILS_MODAL
    assert matched.management_no in json.dumps(view, ensure_ascii=False)

    click(server, block_action(ActionId.CANCEL_DETAILS, str(unmatched.id)))
    view = fake.wait_for("views.open", 2)[-1].args["view"]
    assert unmatched.marketplace_order_id in json.dumps(view, ensure_ascii=False)


def test_app_home_is_published(
    deps: Deps, timed_slack: FakeSlack, config: Config, server: str
) -> None:
    jobs.sync_all(deps, config)
    event = {
        "token": "legacy",
        "team_id": "T0TEAM01",
        "api_app_id": "A0APP01",
        "type": "event_callback",
        "event_id": "Ev01",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": AGENT,
            "channel": "D0DM01",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event)
    status, _ = post(
        f"{server}/slack/events", body, signed_headers(body, content_type="application/json")
    )
    assert status == 200
    published = timed_slack.wait_for("views.publish")[-1]
    assert published.args["user_id"] == AGENT
    view = published.args["view"]
    assert view["type"] == "home"
    assert "sandbox" in json.dumps(view, ensure_ascii=False)


def test_forged_and_stale_requests_are_refused(
    deps: Deps, timed_slack: FakeSlack, server: str
) -> None:
    body = interaction_body(block_action(ActionId.CANCEL_CONFIRM, "1"))
    forged = signed_headers(body, secret="not-the-secret")
    assert post(f"{server}/slack/events", body, forged)[0] == 401
    stale = signed_headers(body, timestamp=int(time.time()) - 301)
    assert post(f"{server}/slack/events", body, stale)[0] == 401
    tampered = signed_headers(body)
    assert post(f"{server}/slack/events", body.replace("1", "2"), tampered)[0] == 401
    time.sleep(0.1)
    assert timed_slack.calls_to("chat.update") == []
    with deps.make_uow() as uow:
        assert uow.results.get(1) is None or not uow.results.get(1).confirmed  # type: ignore[union-attr]
