"""Acks first, always: through the real Bolt app, an ack never waits for the work of other
requests, a full work pool answers "busy, try again" instead of silence, and a click on a
button nobody knows is acked and told it is out of date."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest

from bot.i18n import t
from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.slack.app import create_app
from bot.slack.ids import ActionId
from bot.slack.listeners import Admission
from core import apply
from tests.factories import claim_for
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    AGENT,
    CHANNEL,
    InlineExecutor,
    block_action,
    interaction_body,
    make_settings,
    signed_headers,
)

SLOW = 1.5  # seconds the fake's response_url takes to answer: the work is slow


def send(app: App, body: str) -> tuple[int, float, Any]:
    """Dispatch a signed form body; (status, seconds to the ack, the ack's body)."""
    headers = {k.lower(): [v] for k, v in signed_headers(body).items()}
    started = time.monotonic()
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    return response.status, time.monotonic() - started, response.body


def cancels(fake: FakeSlack, n: int, text: str = "") -> str:
    return urlencode(
        {
            "team_id": "T0TEAM01",
            "channel_id": CHANNEL,
            "user_id": AGENT,
            "command": "/cancels",
            "text": text,
            "response_url": f"{fake.webhook_url}/cmd{n}",
            "trigger_id": f"1.2.{n}",
        }
    )


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(max_workers=2)
    yield executor
    executor.shutdown(wait=True)


def test_acks_come_back_at_once_while_every_worker_is_busy(
    deps: Deps, fake_slack: FakeSlack, config: Config, pool: ThreadPoolExecutor
) -> None:
    app = create_app(
        deps, make_settings(fake_slack), config, listener_executor=pool, admission=Admission(6)
    )
    fake_slack.fail("webhook", delay=SLOW, times=6)  # every answer is slow to go out

    acks = [send(app, cancels(fake_slack, n)) for n in range(6)]

    assert [status for status, _, _ in acks] == [200] * 6
    assert max(seconds for _, seconds, _ in acks) < 0.5, acks
    # Two workers, six admitted requests: all of them are answered in the end.
    answers = fake_slack.wait_for("webhook", 6, timeout=4 * SLOW + 5)
    assert {c.path for c in answers} == {f"/webhook/cmd{n}" for n in range(6)}


def test_a_full_pool_answers_busy_at_once_and_does_nothing(
    deps: Deps, fake_slack: FakeSlack, config: Config, pool: ThreadPoolExecutor
) -> None:
    [result_id] = apply.apply_claims(deps.make_uow, [claim_for()], datetime.now(UTC)).changed_ids
    app = create_app(
        deps, make_settings(fake_slack), config, listener_executor=pool, admission=Admission(1)
    )
    fake_slack.fail("webhook", delay=SLOW)  # the first answer holds the only slot

    first = send(app, cancels(fake_slack, 1))
    command = send(app, cancels(fake_slack, 2))
    click = interaction_body(
        block_action(
            ActionId.CANCEL_CONFIRM, str(result_id), response_url=f"{fake_slack.webhook_url}/c"
        )
    )
    clicked = send(app, click)

    assert first[0] == command[0] == clicked[0] == 200
    assert max(first[1], command[1], clicked[1]) < 0.5
    # The command's busy answer is its ack: ephemeral, at once.
    assert json.loads(command[2]) == {"text": t("en", "error.busy"), "response_type": "ephemeral"}
    # The click is told through its response_url, and nothing was confirmed.
    busy = [
        c for c in fake_slack.wait_for("webhook", 2) if c.args.get("text") == t("en", "error.busy")
    ]
    assert busy
    with deps.make_uow() as uow:
        result = uow.results.get(result_id)
    assert result is not None and result.confirmed_by is None
    # Once the slot is free again (the slow answer went out), the next request is worked.
    time.sleep(SLOW + 0.5)
    assert send(app, cancels(fake_slack, 3))[2] == ""
    assert "/webhook/cmd3" in {c.path for c in fake_slack.wait_for("webhook", 3)}


def test_a_click_on_an_unknown_button_is_acked_and_told_it_is_out_of_date(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    app = create_app(deps, make_settings(fake_slack), config, listener_executor=InlineExecutor())
    payload = block_action("retired_button_v1", "7", response_url=f"{fake_slack.webhook_url}/old")

    status, seconds, _ = send(app, interaction_body(payload))

    assert status == 200 and seconds < 1.0
    [answer] = fake_slack.responses(path="/webhook/old")
    assert t("en", "error.stale_button") in str(answer)
