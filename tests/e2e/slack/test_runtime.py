"""`cancelbot run`: settings from the environment, the process with its scheduler and HTTP
server, /healthz, Socket Mode, graceful stop, and secrets that never reach the output."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.i18n import Locale
from bot.runtime import process as runtime
from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.runtime.logs import SecretMask as RedactSecrets
from bot.runtime.process import Runtime, health_handler, health_report
from bot.runtime.server import Request
from bot.runtime.settings import SettingsError, load_settings
from bot.slack.ids import ActionId
from core.outbox import OutboxKind, post_alert
from core.results import TargetKind
from core.set_aside import SetAside
from tests.conftest import SEOUL
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    APP_TOKEN,
    BOT_TOKEN,
    CHANNEL,
    SECRET,
    FakeTime,
    block_action,
    get,
    interaction_body,
    make_settings,
    post,
    signed_headers,
)

REPO = Path(__file__).resolve().parents[3]
SECRETS = (BOT_TOKEN, SECRET, APP_TOKEN)


def env_for(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "CANCELBOT_ALERT_CHANNEL": CHANNEL,
        "DATABASE_URL": database_url,
        "CANCELBOT_LOCALE": "en",
        **extra,
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "CANCELBOT_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no cancelbot.toml here: the default sandbox config
    yield monkeypatch


# --- settings --------------------------------------------------------------------------


def test_missing_settings_are_all_named() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({})

    names = [p.split()[0] for p in caught.value.problems]
    assert names == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "CANCELBOT_ALERT_CHANNEL"]


def test_invalid_settings_are_named_without_their_secret_values() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxp-user-token-SECRET1",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "xoxb-not-an-app-token-SECRET2",
        "SLACK_API_URL": "ftp://proxy",
        "CANCELBOT_ALERT_CHANNEL": "#cancel-alerts",
        "CANCELBOT_LOCALE": "fr",
        "CANCELBOT_TIMEZONE": "Mars/Olympus_Mons",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(env)

    message = str(caught.value)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "CANCELBOT_ALERT_CHANNEL",
        "CANCELBOT_LOCALE",
        "CANCELBOT_TIMEZONE",
    ):
        assert name in message
    assert "SECRET1" not in message and "SECRET2" not in message and SECRET not in message


def test_settings_from_a_full_environment() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "CANCELBOT_ALERT_CHANNEL": CHANNEL,
            "CANCELBOT_LOCALE": "EN",
            "CANCELBOT_TIMEZONE": "UTC",
        }
    )

    assert settings.locale is Locale.EN
    assert settings.api_url == "http://127.0.0.1:9/api/"
    assert str(settings.timezone) == "UTC"
    assert not settings.socket_mode
    assert BOT_TOKEN not in repr(settings) and SECRET not in repr(settings)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "CANCELBOT_ALERT_CHANNEL": CHANNEL,
        }
    )
    assert settings.socket_mode and settings.signing_secret == ""
    assert str(settings.timezone) == "Asia/Seoul" and settings.locale is Locale.KO


def test_run_with_missing_settings_exits_2_with_one_message(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.setenv("SLACK_APP_TOKEN", "xoxb-" + APP_TOKEN)  # the wrong kind of token

    assert runtime.run(argparse.Namespace(port=0)) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("cancelbot: error:") == 1
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "CANCELBOT_ALERT_CHANNEL"):
        assert name in err
    assert APP_TOKEN not in err


def test_run_stops_when_slack_refuses_the_token(
    clean_env: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in env_for(fake_slack, database_url).items():
        clean_env.setenv(name, value)
    fake_slack.fail("auth.test", error="invalid_auth")

    assert runtime.run(argparse.Namespace(port=0)) == 2

    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in err
    assert BOT_TOKEN not in err


def test_socket_mode_connects_with_the_app_token(
    clean_env: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The fake refuses apps.connections.open: Socket Mode was tried, and said so."""
    for name, value in env_for(fake_slack, database_url, SLACK_APP_TOKEN=APP_TOKEN).items():
        clean_env.setenv(name, value)

    assert runtime.run(argparse.Namespace(port=0)) == 2

    err = capsys.readouterr().err
    assert "SLACK_APP_TOKEN was refused" in err and APP_TOKEN not in err
    assert fake_slack.calls_to("apps.connections.open")


def test_socket_mode_serves_the_health_check_and_orders_api_but_not_slack_events(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    settings = make_settings(fake_slack, app_token=APP_TOKEN, signing_secret="")
    rt = Runtime(settings, config, deps, port=0, host="127.0.0.1")
    assert rt.mode == "socket"
    # Slack's events arrive over the socket; the order system still posts over HTTP.
    assert rt.router.routes() == [("GET", "/healthz"), ("POST", "/api/orders")]


# --- the running process ---------------------------------------------------------------


API_TOKEN = "api-token-runtime-0001"


def wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_runtime_syncs_posts_serves_and_stops(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config
) -> None:
    settings = make_settings(timed_slack, api_token=API_TOKEN)
    rt = Runtime(settings, config, deps, port=0, host="127.0.0.1", timer=fake_time).start()
    try:
        jobs = {job.id: job for job in rt.scheduler.get_jobs()}
        assert set(jobs) == {"sync:sandbox", "outbox", "digest", "snoozes"}

        def synced() -> bool:
            with deps.make_uow() as uow:
                state = uow.sync.get("sandbox")
            return state is not None and state.last_success_at is not None

        wait_until(synced)
        rt.scheduler.modify_job("outbox", next_run_time=datetime.now(SEOUL))
        wait_until(lambda: len(timed_slack.alerts(CHANNEL)) >= 9)

        status, body = get(f"{rt.base_url}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})  # public: status only
        status, body = get(
            f"{rt.base_url}/healthz", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        health = json.loads(body)
        assert status == 200
        assert health["status"] == "ok" and health["mode"] == "http"
        assert health["database"] == {"ok": True}
        [account] = health["accounts"]
        assert account["name"] == "sandbox" and account["last_success_at"]
        assert account["last_error"] is None
        assert set(health["outbox"]) == {"pending", "last_error", "stale_claims"}
        assert health["outbox"]["stale_claims"] == 0

        payload = interaction_body(block_action(ActionId.CANCEL_CONFIRM, "1"))
        assert post(f"{rt.base_url}/slack/events", payload, signed_headers(payload))[0] == 200
        assert get(f"{rt.base_url}/slack/events")[0] == 405
        assert get(f"{rt.base_url}/nothing")[0] == 404
    finally:
        started = time.monotonic()
        rt.stop()
        assert time.monotonic() - started < 3


def test_health_details_need_the_api_token_and_count_the_quarantine(
    deps: Deps, config: Config
) -> None:
    with deps.make_uow() as uow:
        record = SetAside("sandbox", "sandbox", "C1", "vendor A00012345 said no", "{}")
        uow.quarantine.keep([record], datetime.now(SEOUL))
        uow.sync.record_error(
            "sandbox", "sandbox", "HTTP 403 vendor A00012345", datetime.now(SEOUL)
        )
        uow.commit()

    def ask(token: str | None, auth: str | None) -> tuple[int, dict[str, object]]:
        handler = health_handler(deps, config, mode="http", token=token)
        headers = {"authorization": [auth]} if auth is not None else {}
        response = handler(Request("GET", "/healthz", "", headers, b""))
        return response.status, json.loads(response.body)

    public = (200, {"status": "ok"})
    assert ask(None, None) == public  # no token configured: nobody gets details over HTTP
    assert ask(None, "Bearer ") == public
    assert ask("tok-health-1", None) == public
    assert ask("tok-health-1", "Bearer tok-health-2") == public
    status, details = ask("tok-health-1", "Bearer tok-health-1")
    assert status == 200 and details["quarantined"] == 1
    [account] = details["accounts"]  # type: ignore[misc]
    assert account["quarantined"] == 1 and "A00012345" in account["last_error"]
    assert "A00012345" not in json.dumps(ask("tok-health-1", None))


def test_health_shows_a_lease_its_dead_owner_stopped_renewing(deps: Deps, config: Config) -> None:
    now = deps.clock.now()
    with deps.make_uow() as uow:
        uow.sync.try_lease("sandbox", "sandbox", "host:4242:dead", now, timedelta(seconds=-1))
        uow.outbox.enqueue([post_alert(TargetKind.RESULT, 1)], now)
        uow.outbox.claim_due([OutboxKind.POST_ALERT], now, 10, timedelta(seconds=-1))
        uow.commit()

    status, report = health_report(deps, config, mode="http")

    assert status == 200
    [account] = report["accounts"]
    assert account["lease"]["owner"] == "host:4242:dead" and account["lease"]["stale"] is True
    assert report["outbox"]["stale_claims"] == 1
    with deps.make_uow() as uow:  # a live owner's lease is not stale
        uow.sync.try_lease("sandbox", "sandbox", "host:1:alive", now, timedelta(seconds=30))
        uow.commit()
    assert health_report(deps, config, mode="http")[1]["accounts"][0]["lease"]["stale"] is False


def test_health_says_503_when_the_database_is_gone(
    deps: Deps, config: Config, tmp_path: Path
) -> None:
    from bot.runtime.bootstrap import build

    broken = build(f"sqlite:///{tmp_path}/missing/dir/x.db", SEOUL, check_schema=False)
    status, report = health_report(broken, config, mode="http")
    assert status == 503
    assert report["database"]["ok"] is False
    broken.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_stops_the_process_gracefully_and_logs_no_secret(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANCELBOT_"))}
    env |= env_for(fake_slack, database_url) | {"PYTHONPATH": str(REPO)}
    code = (
        "import argparse, sys; from bot.runtime.process import run; "
        "sys.exit(run(argparse.Namespace(port=%d)))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code % port],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=20)
        wait_until(lambda: len(fake_slack.alerts(CHANNEL)) >= 1, timeout=10)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "cancelbot running: http mode" in output
    assert "cancelbot stopped" in output
    for secret in SECRETS:
        assert secret not in output


def _answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


def test_the_log_filter_redacts_secrets_in_messages_and_tracebacks() -> None:
    redactor = RedactSecrets([BOT_TOKEN, SECRET])
    try:
        raise ValueError(f"token {BOT_TOKEN} rejected")
    except ValueError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "using %s", (SECRET,), sys.exc_info()
        )
    assert redactor.filter(record)
    assert record.getMessage() == "using [redacted]"
    assert BOT_TOKEN not in (record.exc_text or "") and "[redacted]" in (record.exc_text or "")
