"""Shared by the Slack tests of every tier: constants, injected time, fixtures (a fake Slack
Web API, a migrated database with real services) and helpers to sign and send Slack
requests. tests/e2e/slack/conftest.py makes the fixtures available there."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.i18n import Locale
from bot.runtime.bootstrap import build
from bot.runtime.config import Config, default_config
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.slack.client import make_client
from bot.slack.publisher import Publisher
from tests.conftest import SEOUL
from tests.support.fake_slack import FakeSlack

os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")

SECRET = "test-signing-secret-5f1e2d3c"
BOT_TOKEN = "xoxb-fake-secrettokenvalue"
APP_TOKEN = "xapp-1-A111-secretapptoken"
CHANNEL = "C0ALERTS1"
AGENT = "U0AGENT01"
OTHER = "U0OTHER02"


class FakeTime:
    """Injected time: `sleep` only moves the clock. `now()` runs on from the real time, so
    rows the code under test writes with the system clock are never in its future."""

    def __init__(self) -> None:
        self._elapsed = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.monotonic())


class InlineExecutor(Executor):
    """Runs a listener at once, so dispatch() returns after its Slack calls were made."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def timed_slack(fake_time: FakeTime) -> Iterator[FakeSlack]:
    """A fake Slack that stamps each call with the injected clock."""
    fake = FakeSlack(clock=fake_time.monotonic).start()
    yield fake
    fake.stop()


@pytest.fixture
def deps(database_url: str) -> Iterator[Deps]:
    d = build(database_url, SEOUL)
    yield d
    d.close()


def make_settings(fake: FakeSlack, **overrides: Any) -> Settings:
    settings = Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SECRET,
        alert_channel=CHANNEL,
        api_url=fake.base_url,
        locale=Locale.EN,
        timezone=SEOUL,
    )
    return replace(settings, **overrides)


@pytest.fixture
def config() -> Config:
    return default_config()


def make_publisher(
    deps: Deps,
    fake: FakeSlack,
    fake_time: FakeTime,
    *,
    threshold: int = 20,
    locale: str = "en",
    timeout: int = 5,
    accept_accounts: frozenset[str] = frozenset(),
) -> Publisher:
    return Publisher(
        deps.make_uow,
        make_client(BOT_TOKEN, fake.base_url, timeout=timeout),
        channel=CHANNEL,
        locale=locale,
        tz=SEOUL,
        clock=fake_time,
        timer=fake_time,
        backlog_threshold=threshold,
        accept_accounts=accept_accounts,
    )


# --- Slack requests --------------------------------------------------------------------


def signed_headers(
    body: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    secret: str = SECRET,
    timestamp: int | None = None,
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def interaction_body(payload: dict[str, Any]) -> str:
    return "payload=" + quote(json.dumps(payload))


def block_action(
    action_id: str,
    value: str,
    *,
    user: str = AGENT,
    channel: str = CHANNEL,
    message_ts: str | None = None,
    message: dict[str, Any] | None = None,
    response_url: str = "http://127.0.0.1:9/webhook",
    trigger_id: str = "1234.5678.abcd",
) -> dict[str, Any]:
    """A block_actions payload as Slack sends it for a button in a channel message."""
    msg = dict(message or {})
    if message_ts:
        msg.setdefault("ts", message_ts)
    return {
        "type": "block_actions",
        "team": {"id": "T0TEAM01", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
        "api_app_id": "A0APP01",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "channel": {"id": channel, "name": "cancel-alerts"},
        "message": {"type": "message", "user": "UBOT0001", "text": "alert", **msg},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "alert_actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
