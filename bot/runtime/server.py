"""A small threaded HTTP server with a route table: Slack requests at /slack/events, the
health check at /healthz, and room for more routes (e.g. `POST /api/orders`).

Standard library only. Each request runs on its own thread, and Bolt acks on its own
listener thread pool, so a slow listener never holds up another request's ack.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH: Final = "/slack/events"
HEALTH_PATH: Final = "/healthz"
MAX_BODY: Final = 32 * 1024 * 1024  # bytes: a 10,000-order batch to /api/orders fits
SOCKET_TIMEOUT: Final = 30.0  # seconds a client may take to send its request


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, Sequence[str]]  # lower-cased names
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8"})

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})


Handler = Callable[[Request], Response]


class Router:
    """Exact path + method → handler. 404 for an unknown path, 405 for a known path with
    another method."""

    def __init__(self) -> None:
        self._routes: dict[str, dict[str, Handler]] = {}

    def add(self, method: str, path: str, handler: Handler) -> Router:
        methods = self._routes.setdefault(path, {})
        if method.upper() in methods:
            raise ValueError(f"{method.upper()} {path} has a handler already")
        methods[method.upper()] = handler
        return self

    def routes(self) -> list[tuple[str, str]]:
        return sorted((m, p) for p, methods in self._routes.items() for m in methods)

    def handle(self, request: Request) -> Response:
        methods = self._routes.get(request.path)
        if methods is None:
            return Response.json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        handler = methods.get(request.method)
        if handler is None and request.method == "HEAD":
            handler = methods.get("GET")
        if handler is None:
            allow = ", ".join(sorted(methods))
            return Response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                b'{"error": "method not allowed"}',
                {"Allow": allow, "Content-Type": "application/json"},
            )
        return handler(request)


def slack_handler(app: App) -> Handler:
    """Slack's HTTP requests (events, interactivity, commands) into the Bolt app.

    Bolt checks the signature and the timestamp (5 minutes) itself and answers 401."""

    def handle(request: Request) -> Response:
        bolt_request = BoltRequest(
            body=request.body.decode("utf-8", errors="replace"),
            query=request.query,
            headers={k: list(v) for k, v in request.headers.items()},
        )
        bolt_response = app.dispatch(bolt_request)
        headers = {
            name: values[0] if isinstance(values, list | tuple) else str(values)
            for name, values in bolt_response.headers.items()
            if values and name.lower() != "content-length"
        }
        body = bolt_response.body
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        return Response(bolt_response.status, data, headers)

    return handle


def build_router(app: App | None = None, health: Handler | None = None) -> Router:
    """The routes `cancelbot run` serves; more can be added to the result."""
    router = Router()
    if app is not None:
        router.add("POST", SLACK_EVENTS_PATH, slack_handler(app))
    if health is not None:
        router.add("GET", HEALTH_PATH, health)
    return router


class _RequestHandler(BaseHTTPRequestHandler):
    server: HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive: Slack and load balancers reuse connections
    timeout = SOCKET_TIMEOUT
    server_version = "cancelbot"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            # Slack always sends Content-Length; a body we cannot delimit ends the connection.
            self.close_connection = True
            self._send(Response.json(HTTPStatus.LENGTH_REQUIRED, {"error": "length required"}))
            return
        length_header = self.headers.get("Content-Length", "0") or "0"
        if not length_header.isdigit():
            self.close_connection = True
            self._send(Response.json(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"}))
            return
        length = int(length_header)
        if length > MAX_BODY:
            self.close_connection = True
            self._send(Response.json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"}))
            return
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        request = Request(self.command, url.path, url.query, headers, body)
        try:
            response = self.server.router.handle(request)
        except Exception:
            # A bug in one handler answers 500 for that request; the server keeps serving.
            log.exception("%s %s failed", request.method, request.path)
            response = Response.json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal"})
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The access log never carries bodies or headers (signatures, tokens).
        log.debug("%s - %s", self.address_string(), format % args)


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client never blocks shutdown
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        super().__init__(address, _RequestHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = "127.0.0.1" if name in ("0.0.0.0", "") else name
        return f"http://{shown}:{port}"


def serve_in_thread(
    target: Router | App, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[str, Callable[[], None]]:
    """Serve `target` (a Router, or a Bolt App at /slack/events) on a background thread.

    Returns the base URL (port 0 picks a free port) and a `stop()` that shuts the server
    down and waits for its thread.
    """
    router = target if isinstance(target, Router) else build_router(target)
    server = HttpServer((host, port), router)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http", daemon=True
    )
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return server.base_url, stop
