"""`cancelbot run`: the Bolt app, the scheduler and the HTTP server in one process.

Socket Mode when SLACK_APP_TOKEN is set (no public URL needed; /healthz is still served on
--port), HTTP mode otherwise (Slack requests at /slack/events on --port). SIGTERM or
SIGINT stops everything within a few seconds: the HTTP server and the Socket Mode
connection first, then the scheduler, whose jobs see the stop flag and abandon cleanly.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from http import HTTPStatus
from types import FrameType
from typing import Any, Final

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.runtime import bootstrap
from bot.runtime.config import Config, load_config
from bot.runtime.deps import Deps
from bot.runtime.logs import configure_logging
from bot.runtime.orders_api import authorized, post_orders
from bot.runtime.scheduler import build_scheduler
from bot.runtime.server import (
    HEALTH_PATH,
    Handler,
    HttpServer,
    Request,
    Response,
    Router,
    build_router,
)
from bot.runtime.settings import Settings, SettingsError, load_settings
from bot.runtime.socket_mode import FIRST_DELAY, PING_INTERVAL, SocketConnection
from bot.slack.app import create_app
from bot.slack.client import AUTH_ERRORS, make_client
from bot.slack.home_view import home_view
from bot.slack.pacing import SharedSlots, SystemTimer, Timer
from bot.slack.publisher import Publisher
from core import dashboard
from core.errors import CancelbotError, InvalidInput
from core.sync_state import SyncState

log = logging.getLogger(__name__)

DEFAULT_PORT: Final = 3000
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
STOP_GRACE: Final = 8.0  # seconds the scheduler's running jobs get to finish


# --- health --------------------------------------------------------------------------


def health_report(
    deps: Deps,
    config: Config,
    *,
    mode: str,
    socket: tuple[bool, str | None] | None = None,
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of /healthz: 200 when the database answers (and, in Socket
    Mode, the socket is connected: `socket` is (connected, why not)), else 503.

    Each account's sync lease is shown; `stale: true` means its owner stopped renewing it
    (a dead replica) and another replica takes the account over within one lease. The
    outbox's `stale_claims` counts items a dead worker held, due again for the others."""
    report: dict[str, Any] = {"status": "ok", "mode": mode}
    now = deps.clock.now()
    try:
        health = dashboard.health(deps.make_uow, now)
    except Exception as exc:
        # Any failure here means "not healthy"; only the class name is shown, since a
        # driver message may quote the connection string.
        log.warning("health check: database unreachable (%s)", exc.__class__.__name__)
        report |= {"status": "error", "database": {"ok": False, "error": exc.__class__.__name__}}
        return HTTPStatus.SERVICE_UNAVAILABLE, report
    accounts = []
    for account in config.accounts:
        status = health.account(account.name)
        state = status.state if status else None
        accounts.append(
            {
                "name": account.name,
                "marketplace": account.marketplace,
                "last_success_at": _iso(state.last_success_at if state else None),
                "last_error": state.last_error if state else None,
                "last_error_at": _iso(state.last_error_at if state else None),
                "last_claim_at": _iso(state.last_claim_at if state else None),
                "quarantined": health.quarantined.get(account.name, 0),
                "lease": _lease(state, now),
            }
        )
    report |= {
        "database": {"ok": True},
        "accounts": accounts,
        "quarantined": sum(health.quarantined.values()),
        "outbox": {
            "pending": health.slack.pending,
            "last_error": health.slack.last_error,
            "stale_claims": health.stale_claims,
        },
        "oms_webhook": {
            "configured": bool(config.oms_webhook_url),
            "pending": health.oms_webhook.pending,
            "last_error": health.oms_webhook.last_error,
        },
    }
    if socket is not None:
        connected, reason = socket
        report["socket"] = {"connected": connected, "reason": reason}
        if not connected:
            # The bot hears nothing from Slack: not healthy, whatever else works.
            report["status"] = "error"
            return HTTPStatus.SERVICE_UNAVAILABLE, report
    return HTTPStatus.OK, report


def health_handler(
    deps: Deps,
    config: Config,
    *,
    mode: str,
    token: str | None = None,
    socket: Callable[[], tuple[bool, str | None] | None] = lambda: None,
) -> Handler:
    """/healthz is public (a load balancer asks it): it answers {"status": ...} only. The
    details (accounts, their errors and leases, backlogs, the quarantine) name vendors and
    quote marketplaces, so they need `Authorization: Bearer $CANCELBOT_API_TOKEN`; without
    a token configured, nobody sees them over HTTP (`cancelbot status` shows them)."""

    def handle(request: Request) -> Response:
        status, body = health_report(deps, config, mode=mode, socket=socket())
        headers = {"authorization": request.header("authorization") or ""}
        if token and authorized(headers, token):
            return Response.json(status, body)
        return Response.json(status, {"status": body["status"]})

    return handle


def _lease(state: SyncState | None, now: datetime) -> dict[str, Any] | None:
    if state is None or state.lease_owner is None:
        return None
    return {
        "owner": state.lease_owner,
        "until": _iso(state.lease_until),
        "stale": state.lease_is_stale(now),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- the process ---------------------------------------------------------------------


class Runtime:
    """Everything `cancelbot run` starts, startable and stoppable in-process (tests)."""

    def __init__(
        self,
        settings: Settings,
        config: Config,
        deps: Deps,
        *,
        port: int = DEFAULT_PORT,
        host: str = "0.0.0.0",
        client: WebClient | None = None,
        timer: Timer | None = None,
        start_syncs_now: bool = True,
        routes: Iterable[tuple[str, str, Handler]] = (),
        socket_timing: tuple[float, float] = (PING_INTERVAL, FIRST_DELAY),
    ) -> None:
        """`routes` are extra (method, path, handler) entries for the HTTP server, e.g.
        ("POST", "/api/orders", handler); they are served in both modes. `socket_timing`:
        Socket Mode's (ping interval, first retry delay) in seconds."""
        self.settings = settings
        self.config = config
        self.deps = deps
        self.stop_event = threading.Event()
        self.client = client or make_client(settings.bot_token, settings.api_url)
        self.app: App = create_app(deps, settings, config, client=self.client)
        self.mode = "socket" if settings.socket_mode else "http"
        self.publisher = Publisher(
            deps.make_uow,
            self.client,
            channel=settings.alert_channel,
            locale=settings.locale.value,
            tz=settings.timezone,
            clock=deps.clock,
            timer=timer or SystemTimer(self.stop_event),
            backlog_threshold=config.alert_backlog_threshold,
            post_interval=settings.post_interval,
            should_stop=self.stop_event.is_set,
            accept_accounts=config.accept_accounts(),
            # The pace lives in the database: it holds across replicas.
            slots=SharedSlots(deps.make_uow),
            oms_order_url=config.oms_order_url,
            home=lambda user: home_view(
                deps.make_uow,
                config,
                locale=settings.locale.value,
                tz=settings.timezone,
                now=deps.clock.now(),
                user=user,
            ),
        )
        self.scheduler = build_scheduler(
            deps,
            config,
            self.publisher,
            tz=settings.timezone,
            stop=self.stop_event,
            start_syncs_now=start_syncs_now,
        )
        self.router: Router = build_router(
            None if settings.socket_mode else self.app,
            health_handler(
                deps,
                config,
                mode=self.mode,
                token=settings.api_token,
                socket=self.socket_status,
            ),
            signing_secret=settings.signing_secret,
        )
        # POST /api/orders answers 404 by itself while CANCELBOT_API_TOKEN is not set.
        self.router.add("POST", ORDERS_PATH, orders_handler(deps, settings.api_token))
        for method, path, handler in routes:
            self.router.add(method, path, handler)
        self._address = (host, port)
        self._server: HttpServer | None = None
        self._socket: SocketConnection | None = None
        self._stopped = False
        self.fatal: str | None = None  # why the process must stop (exit 2), once known
        self._socket_timing = socket_timing

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the runtime is not started")
        return self._server.base_url

    def start(self) -> Runtime:
        self._server = HttpServer(self._address, self.router).start()
        if self.settings.app_token is not None:
            # Connects on its own thread, waiting out Slack's transient failures.
            self._socket = SocketConnection(
                self.app,
                self.settings.app_token,
                self.client,
                stop=self.stop_event,
                on_refused=self._refused,
                ping_interval=self._socket_timing[0],
                first_delay=self._socket_timing[1],
            )
            self._socket.start()
        self.scheduler.start()
        log.info(
            "cancelbot running: %s mode, health at %s%s, %d account(s)",
            self.mode,
            self.base_url,
            HEALTH_PATH,
            len(self.config.accounts),
        )
        return self

    def socket_status(self) -> tuple[bool, str | None] | None:
        """(connected, why not) in Socket Mode; None in HTTP mode."""
        if not self.settings.socket_mode:
            return None
        if self._socket is None:
            return False, "not started"
        return self._socket.status()

    def _refused(self, message: str) -> None:
        self.fatal = message
        self.stop_event.set()

    def stop(self, grace: float = STOP_GRACE) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.stop_event.set()
        if self._socket is not None:
            self._socket.close()
        if self._server is not None:
            self._server.stop()
        if self.scheduler.running:
            # shutdown(wait=True) waits for running jobs; they see stop_event and end at
            # their next check, but a marketplace call in flight is not cut off: give it
            # `grace` seconds.
            waiter = threading.Thread(target=self.scheduler.shutdown, name="scheduler-stop")
            waiter.start()
            waiter.join(grace)
            if waiter.is_alive():
                log.warning("a job is still running after %.0fs; stopping anyway", grace)
        log.info("cancelbot stopped")


ORDERS_PATH: Final = "/api/orders"


def orders_handler(deps: Deps, token: str | None) -> Handler:
    def handle(request: Request) -> Response:
        headers = {"authorization": request.header("authorization") or ""}
        answer = post_orders(deps, token, headers, request.body)
        return Response.json(answer.status, answer.body)

    return handle


def check_token(client: WebClient) -> str | None:
    """A problem with SLACK_BOT_TOKEN that Slack reported, or None.

    Slack being unreachable is not a settings problem: the bot starts and retries."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if code in AUTH_ERRORS:
            return f"SLACK_BOT_TOKEN was refused by Slack ({code})"
        log.warning("auth.test failed (%s); starting anyway", code or exc.response.status_code)
    except (SlackClientError, OSError) as exc:
        log.warning("Slack is unreachable at start-up (%s); starting anyway", type(exc).__name__)
    return None


def run(args: argparse.Namespace) -> int:
    """The `cancelbot run` command: blocks until SIGTERM/SIGINT; returns the exit code."""
    # 0 is a port too: the system picks a free one (tests, several bots on one host).
    port = getattr(args, "port", None)
    port = DEFAULT_PORT if port is None else int(port)
    environ = dict(os.environ)  # read once; everything below is given what it needs
    try:
        settings = load_settings(environ)
    except SettingsError as exc:
        _error(str(exc))
        return EXIT_USAGE
    configure_logging(settings.secrets())
    try:
        config = load_config(settings.config_path, environ)
    except InvalidInput as exc:
        _error(str(exc))
        return EXIT_USAGE
    configure_logging([*settings.secrets(), *config.secrets()])
    try:
        deps = bootstrap.from_settings(settings, config)
    except CancelbotError as exc:
        _error(f"database: {exc}")
        return EXIT_FAILURE
    try:
        return _serve(settings, config, deps, port)
    finally:
        deps.close()


def _serve(settings: Settings, config: Config, deps: Deps, port: int) -> int:
    runtime = Runtime(settings, config, deps, port=port)
    problem = check_token(runtime.client)
    if problem:
        _error(problem)
        return EXIT_USAGE
    stop = runtime.stop_event

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()
        signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            runtime.start()
        except OSError as exc:
            _error(f"cannot listen on port {port}: {type(exc).__name__}: {exc}")
            return EXIT_FAILURE
        while not stop.wait(0.5):
            pass
        if runtime.fatal:
            _error(runtime.fatal)
            return EXIT_USAGE
        return EXIT_OK
    finally:
        runtime.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _error(message: str) -> None:
    print(f"cancelbot: error: {message}", file=sys.stderr)
