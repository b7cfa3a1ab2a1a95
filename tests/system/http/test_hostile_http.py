"""A real `cancelbot run` in HTTP mode under hostile requests: unsigned and oversized
bodies, bad timestamps, garbage content types, malformed Content-Length. Every one is a
4xx, the log grows by a line per request (no body, no traceback) and the bot keeps
serving."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    BOT_TOKEN,
    SECRET,
    block_action,
    interaction_body,
    signed_headers,
)
from tests.system.replicas.harness import Replica, base_env, cli

API_TOKEN = "api-token-hostile-0001"
MB = 1024 * 1024


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[Replica]:
    env = base_env() | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "CANCELBOT_ALERT_CHANNEL": "C0HOSTILE1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/hostile.db",
        "CANCELBOT_API_TOKEN": API_TOKEN,
        "CANCELBOT_LOCALE": "en",
        "PYTHONUNBUFFERED": "1",
    }
    cli(["db", "upgrade"], env, tmp_path)
    replica = Replica("hostile", env, tmp_path)
    try:
        replica.wait_ready(timeout=40)
        yield replica
    finally:
        replica.close()


def raw_request(port: int, head: bytes, body: bytes = b"", *, timeout: float = 10) -> int:
    """Send bytes as they are (no client fixes them up); the status code answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head)
        if body:
            # The server may answer and close before reading all of it.
            with contextlib.suppress(OSError):
                conn.sendall(body)
        status_line = conn.makefile("rb").readline().decode("latin-1")
    return int(status_line.split()[1])


def http(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if "Content-Length" not in headers:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return raw_request(port, head, body)


def signed_bytes(body: bytes) -> dict[str, str]:
    """Headers signed over raw bytes, as Slack signs (the helper signs text)."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def test_hostile_requests_are_4xx_with_a_log_line_each_and_no_traceback(bot: Replica) -> None:
    port = bot.port
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    good = interaction_body(block_action("cancel_confirm", "1"))
    stale = signed_headers(good, timestamp=int(time.time()) - 3600)
    wrong_secret = signed_headers(good, secret="not-the-secret")
    json_garbage = "{not json"
    signed_garbage = signed_headers(json_garbage, content_type="application/json")
    xml = "<xml>payload</xml>"
    signed_xml = signed_headers(xml, content_type="text/xml")
    latin = b"payload=caf\xe9"
    time.sleep(1.0)  # let start-up logging settle
    before = bot.log_path.stat().st_size

    cases: list[tuple[str, int, int]] = [
        # (what, expected status, observed status)
        (
            "unsigned 20 MB body",
            413,
            http(port, "POST", "/slack/events", form, b"a=" + b"x" * (20 * MB)),
        ),
        ("unsigned small body", 401, http(port, "POST", "/slack/events", form, good.encode())),
        (
            "non-numeric timestamp",
            401,
            http(
                port,
                "POST",
                "/slack/events",
                form | {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
                good.encode(),
            ),
        ),
        (
            "non-ASCII digits as timestamp",
            401,
            http(
                port,
                "POST",
                "/slack/events",
                form | {"X-Slack-Request-Timestamp": "１７００", "X-Slack-Signature": "v0=00"},
                good.encode(),
            ),
        ),
        ("stale timestamp", 401, http(port, "POST", "/slack/events", stale, good.encode())),
        (
            "wrong signing secret",
            401,
            http(port, "POST", "/slack/events", wrong_secret, good.encode()),
        ),
        (
            "unsigned non-JSON body with a JSON content type",
            401,
            http(port, "POST", "/slack/events", {"Content-Type": "application/json"}, b"{not json"),
        ),
        (
            "signed non-JSON body with a JSON content type",
            400,
            http(port, "POST", "/slack/events", signed_garbage, json_garbage.encode()),
        ),
        (
            "signed body with a garbage content type",
            400,
            http(port, "POST", "/slack/events", signed_xml, xml.encode()),
        ),
        (
            "signed body that is not UTF-8",
            400,
            http(port, "POST", "/slack/events", signed_bytes(latin), latin),
        ),
        (
            "Content-Length \\xb2",
            400,
            raw_request(
                port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: \xb2\r\n\r\n"
            ),
        ),
        (
            "negative Content-Length",
            400,
            raw_request(
                port, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
            ),
        ),
        (
            "not HTTP at all",
            400,
            raw_request(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
        ),
        (
            "headers over 64 kB",
            431,
            raw_request(
                port,
                b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * (70 * 1024) + b"\r\n\r\n",
            ),
        ),
        (
            "orders API body over 32 MB (headers only)",
            413,
            raw_request(
                port,
                b"POST /api/orders HTTP/1.1\r\nHost: x\r\n"
                + f"Content-Length: {33 * MB}\r\n\r\n".encode(),
            ),
        ),
        (
            "orders API without its token",
            401,
            http(port, "POST", "/api/orders", {"Content-Type": "application/json"}, b"[]"),
        ),
        (
            "orders API with a non-JSON body",
            400,
            http(
                port,
                "POST",
                "/api/orders",
                {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
                b"\xff\xfe{",
            ),
        ),
        ("GET on the Slack route", 405, http(port, "GET", "/slack/events", {})),
        ("unknown path", 404, http(port, "GET", "/wp-login.php", {})),
    ]
    time.sleep(0.5)
    grown = bot.log_path.stat().st_size - before
    log = bot.output()

    wrong = [(what, want, got) for what, want, got in cases if got != want]
    assert not wrong, wrong
    assert grown < 10 * 1024, f"the log grew by {grown} bytes"
    assert "Traceback" not in log
    tail = log.encode()[before:].decode("utf-8", "replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    assert lines, "every refusal is logged"
    for line in lines:
        event = json.loads(line)  # one JSON line each, nothing else
        assert "x" * 100 not in line and SECRET not in line and API_TOKEN not in line
        assert event["level"] in ("info", "warning")
    assert len(lines) >= len(cases) - 2  # (a client that hangs up early may leave no line)
    assert bot.health() is not None and bot.health()[0] == 200  # still serving
