"""Socket Mode for `cancelbot run`: a first connection that waits out Slack's transient
failures, a state that /healthz reports, and reconnection after a drop.

- At start, `apps.connections.open` or the WebSocket itself may fail for a moment (a 503,
  a reset): retried with backoff while the rest of the bot runs. Only Slack refusing the
  token itself (invalid_auth, not_allowed_token_type, …) is fatal: `cancelbot run` exits 2.
- Once connected, slack_sdk's client reconnects by itself after a drop (on close, and on
  its monitor every `ping_interval` seconds).
- `status()` says whether the socket is connected and, when not, why: /healthz answers
  503 with that reason, so a load balancer or an operator sees a bot that hears nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Final

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Slack's answers that mean the app-level token itself is wrong: no retry can help.
TOKEN_REFUSED: Final = frozenset(
    {
        "invalid_auth",
        "not_allowed_token_type",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
    }
)
FIRST_DELAY: Final = 1.0  # seconds before the first retry; doubled up to MAX_DELAY
MAX_DELAY: Final = 30.0
PING_INTERVAL: Final = 10.0  # seconds: how soon a dropped connection is noticed


class SocketConnection:
    def __init__(
        self,
        app: App,
        app_token: str,
        client: WebClient,
        *,
        stop: threading.Event,
        on_refused: Callable[[str], None],
        ping_interval: float = PING_INTERVAL,
        first_delay: float = FIRST_DELAY,
    ) -> None:
        self.handler = SocketModeHandler(
            app, app_token=app_token, web_client=client, ping_interval=ping_interval
        )
        self._stop = stop
        self._on_refused = on_refused
        self._first_delay = first_delay
        self._reason: str | None = "not connected yet"
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect on a thread of its own; returns at once."""
        self._thread = threading.Thread(target=self._connect, name="socket-mode", daemon=True)
        self._thread.start()

    def _connect(self) -> None:
        delay = self._first_delay
        while not self._stop.is_set():
            try:
                self.handler.connect()  # type: ignore[no-untyped-call]
            except SlackApiError as exc:
                code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
                if code in TOKEN_REFUSED:
                    self._reason = f"SLACK_APP_TOKEN was refused ({code})"
                    self._on_refused(f"Socket Mode did not connect: {self._reason}")
                    return
                self._reason = (
                    f"apps.connections.open failed ({code or 'error'}, "
                    f"HTTP {exc.response.status_code})"
                )
            except Exception as exc:  # the WebSocket itself: refused, reset, timed out
                self._reason = f"the WebSocket did not open ({exc.__class__.__name__})"
            else:
                self._reason = None
                log.info("Socket Mode connected")
                return
            # A URL that failed to open is not reused: the next try asks for a new one.
            self.handler.client.wss_uri = None
            log.warning("Socket Mode: %s; retrying in %.0fs", self._reason, delay)
            self._stop.wait(delay)
            delay = min(delay * 2, MAX_DELAY)

    def status(self) -> tuple[bool, str | None]:
        """(connected, why not)."""
        if self.handler.client.is_connected():
            return True, None
        if self._reason is not None:
            return False, self._reason
        return False, "the Socket Mode connection dropped (reconnecting)"

    def close(self) -> None:
        self._stop.set()
        self.handler.close()  # type: ignore[no-untyped-call]
        if self._thread is not None:
            self._thread.join(timeout=5)
