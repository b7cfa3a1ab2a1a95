"""Known secret values through a whole run, and through runs that fail to start: none of
them may appear in the process output, in anything sent to Slack, or in the database
(SPEC §5: secrets come from the environment and never reach a log line)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL

from bot.slack.ids import ActionId
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import block_action, interaction_body, signed_headers
from tests.system.replicas.harness import (
    CANCELBOT,
    CHANNEL,
    Db,
    Replicas,
    alert_target,
    cli,
    make_result_receipt,
    marketplace,
    now_utc,
    order_row,
    run_env,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.postgres

BOT_TOKEN = "xoxb-fake-SeCrEtBoTtOkEnQz9"
SIGNING_SECRET = "SeCrEtSiGnInG-5e1f0c9d"
ACCESS_KEY = "ak-SeCrEtAcCeSs-77aa"
SECRET_KEY = "sk-SeCrEtKeY-88bb-cc"
API_TOKEN = "api-SeCrEtToKeN-99cc"
DB_PASSWORD = "SeCrEtDbPaSsWoRd-11"  # the server trusts local connections: it is ignored
SECRETS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "COUPANG_ACCESS_KEY": ACCESS_KEY,
    "COUPANG_SECRET_KEY": SECRET_KEY,
    "CANCELBOT_API_TOKEN": API_TOKEN,
    "DB password": DB_PASSWORD,
}
CLAIMS = 12  # under the backlog threshold: each alert is its own message
AGENT = "U0AGENT77"


def leaks(text: str) -> list[str]:
    """The names of the secrets found in `text`."""
    return [name for name, value in SECRETS.items() if value in text]


def with_password(url: URL) -> str:
    return url.set(password=DB_PASSWORD).render_as_string(hide_password=False)


def secret_env(database_url: str, slack: FakeSlack, config: Path, **extra: str) -> dict[str, str]:
    return run_env(
        database_url=database_url,
        slack_api_url=slack.base_url,
        config_path=config,
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        CANCELBOT_API_TOKEN=API_TOKEN,
        CANCELBOT_SYNC_LEASE_SECONDS="10",
        CANCELBOT_POST_INTERVAL_SECONDS="0.05",
        **extra,
    )


def request(
    method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_a_full_run_leaks_no_secret(
    replica_db: URL, db: Db, replicas: Replicas, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    captured: list[tuple[str, str]] = []  # (where, text) of everything that left a process
    database_url = with_password(replica_db)
    with marketplace(access_key=ACCESS_KEY, secret_key=SECRET_KEY) as market:
        config = write_config(tmp_path / "cancelbot.toml", market.url, digest_time="03:33")
        env = secret_env(database_url, fake_slack, config)
        captured.append(("db upgrade", cli(["db", "upgrade"], env, tmp_path)))

        # The marketplace refuses the first passes (a key problem), and its error answers
        # quote the credentials back, as some gateways do.
        market.mode = "echo"
        replica = replicas.start("replica", env)
        replica.wait_ready(timeout=40)

        # Orders arrive through the orders API, with the API token.
        orders = [order_row(i, now_utc() - timedelta(days=1)) for i in range(CLAIMS)]
        status, answer = request(
            "POST",
            f"{replica.url}/api/orders",
            json.dumps(orders).encode(),
            {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
        )
        assert status == 200, answer
        captured.append(("orders api answer", answer))
        status, answer = request(
            "POST",
            f"{replica.url}/api/orders",
            b"[]",
            {"Authorization": f"Bearer {API_TOKEN}x", "Content-Type": "application/json"},
        )
        assert status == 401
        captured.append(("orders api refusal", answer))

        market.add([make_result_receipt(i, now_utc()) for i in range(CLAIMS)])
        wait_until(lambda: (db.sync_state() or {}) and db.sync_state().last_error, 30)
        health = replica.health()
        assert health is not None
        captured.append(("healthz while failing", json.dumps(health, ensure_ascii=False)))

        market.mode = None
        wait_until(
            lambda: (
                db.results() == CLAIMS
                and db.pending_outbox() == 0
                and len(fake_slack.alerts(CHANNEL)) == CLAIMS
            ),
            40,
            what="the claims synced and alerted",
        )

        # A person confirms one alert: a signed click through the HTTP server.
        alert = fake_slack.alerts(CHANNEL)[0]
        result_id = alert_target(alert)[1]
        payload = block_action(
            ActionId.CANCEL_CONFIRM,
            str(result_id),
            user=AGENT,
            channel=CHANNEL,
            message_ts=alert.ts,
            message={"metadata": alert.metadata, "blocks": alert.blocks},
        )
        body = interaction_body(payload)
        status, answer = request(
            "POST",
            f"{replica.url}/slack/events",
            body.encode(),
            signed_headers(body, secret=SIGNING_SECRET),
        )
        assert status == 200, answer
        forged = request(
            "POST",
            f"{replica.url}/slack/events",
            body.encode(),
            signed_headers(body, secret="not-the-secret"),
        )
        assert forged[0] == 401
        wait_until(
            lambda: (
                db.scalar("SELECT confirmed_by FROM cancel_results WHERE id = :i", i=result_id)
                == AGENT
            ),
            15,
            what="the confirmation stored",
        )

        def noted() -> bool:
            with fake_slack._lock:
                return any(m.thread_ts == alert.ts for m in fake_slack.messages[CHANNEL])

        wait_until(noted, 20, what="the thread note under the alert")
        wait_until(lambda: db.pending_outbox() == 0, 20, what="the outbox drained")
        health = replica.health()
        captured.append(("healthz", json.dumps(health, ensure_ascii=False)))
        assert replica.terminate(timeout=15) < 10
        assert replica.proc.returncode == 0

        for args in (["status", "--json"], ["results", "--json", "confirmed:all"]):
            captured.append((f"cancelbot {args[0]}", cli(args, env, tmp_path)))
        captured.append(("replica output", replica.output()))

    # Sanity: the run did what it should, so the absence of secrets means something.
    log = replica.output()
    assert "cancelbot running: http mode" in log and "cancelbot stopped" in log
    assert fake_slack.calls_to("chat.update"), "the confirm re-rendered the alert"
    assert db.scalar("SELECT count(*) FROM alert_messages") == CLAIMS
    assert db.scalar("SELECT count(*) FROM confirmation_events") == 1

    found = {where: leaks(text) for where, text in captured if leaks(text)}
    assert not found, f"secrets in process output: {found}"

    slack_traffic = [
        (call.method, json.dumps(call.args, ensure_ascii=False, default=str))
        for call in fake_slack.calls
    ]
    with fake_slack._lock:
        slack_traffic += [
            ("message", json.dumps([m.text, m.blocks, m.metadata], ensure_ascii=False))
            for messages in fake_slack.messages.values()
            for m in messages
        ]
    found = {method: leaks(text) for method, text in slack_traffic if leaks(text)}
    assert not found, f"secrets sent to Slack: {found}"

    dump = db.dump_text()
    assert "coupang-main" in dump and str(result_id) in dump
    assert not leaks(dump), f"secrets in the database: {leaks(dump)}"


# --- runs that fail to start --------------------------------------------------------------


def run_once(env: Mapping[str, str], cwd: Path, timeout: float = 40) -> tuple[int, str, float]:
    """`cancelbot run` that is expected to give up: (exit code, output, seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [*CANCELBOT, "run", "--port", "0"],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        raise AssertionError(f"cancelbot run did not give up:\n{output}") from None
    return proc.returncode, output, time.monotonic() - started


def _unset(name: str) -> Any:
    return lambda env, url: {k: v for k, v in env.items() if k != name}


def _set(**values: str) -> Any:
    return lambda env, url: env | values


def _missing_database(env: dict[str, str], url: URL) -> dict[str, str]:
    return env | {"DATABASE_URL": with_password(url.set(database="cancelbot_no_such_db_x9"))}


def _unreachable_database(env: dict[str, str], url: URL) -> dict[str, str]:
    return env | {"DATABASE_URL": with_password(url.set(port=1))}


BAD_CONFIGS = [
    # (id, change to a good environment, exit code, words the error must contain)
    ("secret-key-env-unset", _unset("COUPANG_SECRET_KEY"), 2, "COUPANG_SECRET_KEY"),
    (
        "user-token-as-bot-token",
        _set(SLACK_BOT_TOKEN="xoxp-" + BOT_TOKEN[5:]),
        2,
        "SLACK_BOT_TOKEN",
    ),
    ("bot-token-refused-by-slack", None, 2, "SLACK_BOT_TOKEN was refused"),
    ("missing-database", _missing_database, 1, "database"),
    ("unreachable-database", _unreachable_database, 1, "database"),
    (
        "malformed-database-url",
        _set(DATABASE_URL=f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:port/x"),
        2,
        "DATABASE_URL",
    ),
    (
        "bad-post-interval-and-channel",
        _set(CANCELBOT_POST_INTERVAL_SECONDS="fast", CANCELBOT_ALERT_CHANNEL="#alerts"),
        2,
        "CANCELBOT_POST_INTERVAL_SECONDS",
    ),
]


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [pytest.param(c, code, w, id=i) for i, c, code, w in BAD_CONFIGS],
)
def test_a_wrong_configuration_prints_no_secret(
    change: Any,
    code: int,
    words: str,
    replica_db: URL,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    database_url = with_password(replica_db)
    config = write_config(tmp_path / "cancelbot.toml", "http://127.0.0.1:9")
    env = secret_env(database_url, fake_slack, config)
    cli(["db", "upgrade"], env, tmp_path)
    if change is None:
        fake_slack.fail("auth.test", error="invalid_auth")
    else:
        env = change(env, replica_db)

    exit_code, output, seconds = run_once(env, tmp_path)

    assert exit_code == code, output
    assert words in output, output
    assert seconds < 30
    assert not leaks(output), f"{leaks(output)} in:\n{output}"
    assert "cancelbot: error:" in output
