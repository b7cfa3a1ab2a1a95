"""Socket Mode against a local WebSocket server standing in for Slack's: a first connection
that waits out transient failures, an interactive envelope acked at once, a reconnection
after a drop, and /healthz answering 503 with the reason while the socket is down."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.runtime.process import Runtime
from bot.slack.ids import ActionId
from core import apply
from tests.factories import claim_for
from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.slack_app import AGENT, APP_TOKEN, block_action, get, make_settings


@pytest.fixture
def socket_server() -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    yield server
    server.stop()


API_TOKEN = "tok-health-socket"


def health(rt: Runtime) -> tuple[int, dict[str, Any]]:
    """/healthz with its details (they need the API token)."""
    status, body = get(f"{rt.base_url}/healthz", {"Authorization": f"Bearer {API_TOKEN}"})
    return status, json.loads(body)


def wait_until(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def confirmed_by(deps: Deps, result_id: int) -> str | None:
    with deps.make_uow() as uow:
        result = uow.results.get(result_id)
    return result.confirmed_by if result else None


def test_socket_mode_connects_through_503s_acks_reconnects_and_health_follows(
    deps: Deps, fake_slack: FakeSlack, config: Config, socket_server: FakeSocketMode
) -> None:
    [result_id, other_id] = apply.apply_claims(
        deps.make_uow, [claim_for(), claim_for()], datetime.now(UTC)
    ).changed_ids
    fake_slack.socket_url = socket_server.url
    fake_slack.fail("apps.connections.open", status=503, error="service_unavailable", times=2)
    settings = make_settings(
        fake_slack, app_token=APP_TOKEN, signing_secret="", api_token=API_TOKEN
    )
    rt = Runtime(
        settings,
        config,
        deps,
        port=0,
        host="127.0.0.1",
        start_syncs_now=False,
        socket_timing=(0.5, 0.2),
    ).start()
    try:
        # Two transient 503s at start: retried with backoff, the process keeps running.
        wait_until(lambda: health(rt)[0] == 200)
        assert len(fake_slack.calls_to("apps.connections.open")) == 3
        assert rt.fatal is None
        assert health(rt)[1]["socket"] == {"connected": True, "reason": None}

        # An interactive envelope is acked over the socket at once; the work follows.
        started = time.monotonic()
        envelope = socket_server.send(
            "interactive", block_action(ActionId.CANCEL_CONFIRM, str(result_id))
        )
        socket_server.ack_for(envelope)
        assert time.monotonic() - started < 1.0
        wait_until(lambda: confirmed_by(deps, result_id) == AGENT)

        # Slack's side goes away: /healthz says so, with the reason, until it is back.
        socket_server.accepting = False
        socket_server.drop()
        _, body = wait_until(lambda: (h := health(rt))[0] == 503 and h)
        assert body["status"] == "error" and body["socket"]["connected"] is False
        assert "reconnecting" in body["socket"]["reason"]
        socket_server.accepting = True
        wait_until(lambda: health(rt)[0] == 200)
        assert socket_server.opened >= 2

        envelope = socket_server.send(
            "interactive", block_action(ActionId.CANCEL_CONFIRM, str(other_id))
        )
        socket_server.ack_for(envelope)
        wait_until(lambda: confirmed_by(deps, other_id) == AGENT)
    finally:
        rt.stop()


def test_a_refused_app_token_stops_the_runtime_without_retrying(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    settings = make_settings(
        fake_slack, app_token=APP_TOKEN, signing_secret="", api_token=API_TOKEN
    )
    rt = Runtime(
        settings,
        config,
        deps,
        port=0,
        host="127.0.0.1",
        start_syncs_now=False,
        socket_timing=(0.5, 0.1),
    ).start()
    try:
        wait_until(lambda: rt.stop_event.is_set())
        assert rt.fatal == "Socket Mode did not connect: SLACK_APP_TOKEN was refused (invalid_auth)"
        time.sleep(0.3)
        assert len(fake_slack.calls_to("apps.connections.open")) == 1
    finally:
        rt.stop()
