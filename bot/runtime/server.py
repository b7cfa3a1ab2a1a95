"""The HTTP side of `cancelbot run`: a route table (Slack requests at /slack/events, the
health check at /healthz, `POST /api/orders`) served by waitress, a production WSGI server.

Why waitress: it is pure Python (no compiler, runs wherever cancelbot runs), maintained by
the Pylons project, embeds in a process that also runs a scheduler and a Socket Mode
connection (gunicorn and uWSGI want to own the process), and gives what `http.server`
lacks: a bounded pool of request threads, a connection limit (which bounds its request
queue), a body-size limit, idle-connection timeouts for slow clients, and an HTTP parser
that refuses malformed requests itself. Bolt speaks WSGI through its own adapter
(slack_bolt.adapter.wsgi), which serves /slack/events.

Every refused request is a 4xx with a JSON body and one JSON log line (method, path,
status, reason: never a body or a header value); a bug in a handler is a 500 and one
log line, and the server keeps serving.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from bot.runtime.logs import bound

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH: Final = "/slack/events"
HEALTH_PATH: Final = "/healthz"
MAX_BODY: Final = 32 * 1024 * 1024  # bytes: a 10,000-order batch to /api/orders fits
SLACK_MAX_BODY: Final = 1024 * 1024  # Slack's own requests are a few kB
SOCKET_TIMEOUT: Final = 30.0  # seconds a connection may sit idle (slow clients)
THREADS: Final = 8  # request threads; Slack requests only ack, the work runs elsewhere
CONNECTION_LIMIT: Final = 100  # open connections; more wait in the listen backlog
BACKLOG: Final = 128
MAX_HEADERS: Final = 64 * 1024
SLACK_TOLERANCE: Final = 300  # seconds a Slack request's timestamp may be off (Slack's rule)

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, Sequence[str]]  # lower-cased names
    body: bytes
    environ: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the WSGI one

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""  # why a request was refused: logged, never sent

    @classmethod
    def json(cls, status: int, data: Any) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json; charset=utf-8"})

    @classmethod
    def text(cls, status: int, text: str) -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": "text/plain; charset=utf-8"})

    @classmethod
    def refuse(cls, status: int, error: str, reason: str = "") -> Response:
        """A 4xx with `{"error": …}`; `reason` (default: the error) goes to the log."""
        refused = cls.json(status, {"error": error})
        return cls(refused.status, refused.body, refused.headers, reason or error)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    handler: Handler
    max_body: int


class Router:
    """Exact path + method → handler. 404 for an unknown path, 405 for a known path with
    another method, 413 for a body over the route's limit (before it is read)."""

    def __init__(self) -> None:
        self._routes: dict[str, dict[str, Route]] = {}

    def add(self, method: str, path: str, handler: Handler, *, max_body: int = MAX_BODY) -> Router:
        methods = self._routes.setdefault(path, {})
        if method.upper() in methods:
            raise ValueError(f"{method.upper()} {path} has a handler already")
        methods[method.upper()] = Route(handler, min(max_body, MAX_BODY))
        return self

    def routes(self) -> list[tuple[str, str]]:
        return sorted((m, p) for p, methods in self._routes.items() for m in methods)

    def route(self, method: str, path: str) -> Route | Response:
        """The route for a request, or the refusal when there is none."""
        methods = self._routes.get(path)
        if methods is None:
            return Response.refuse(HTTPStatus.NOT_FOUND, "not found")
        route = methods.get(method)
        if route is None and method == "HEAD":
            route = methods.get("GET")
        if route is None:
            allow = ", ".join(sorted(methods))
            refused = Response.refuse(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")
            return Response(refused.status, refused.body, {**refused.headers, "Allow": allow})
        return route

    def handle(self, request: Request) -> Response:
        found = self.route(request.method, request.path)
        return found if isinstance(found, Response) else found.handler(request)


# --- the WSGI application --------------------------------------------------------------


class WsgiApp:
    """The router as a WSGI application: limits checked before a body is read, and every
    refusal and failure logged as one line."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        path = str(environ.get("PATH_INFO") or "/")
        with bound(request_id=uuid.uuid4().hex[:12]):
            response = self._respond(method, path, environ)
            if response.status >= 500:
                log.error("%s %s answered %d", method, path, response.status)
            elif response.status >= 400:
                log.info(
                    "refused %s %s: %s",
                    method,
                    path,
                    response.reason or HTTPStatus(response.status).phrase,
                    extra={"status": response.status},
                )
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
        return [] if method == "HEAD" else [response.body]

    def _respond(self, method: str, path: str, environ: dict[str, Any]) -> Response:
        found = self.router.route(method, path)
        if isinstance(found, Response):
            return found
        raw_length = str(environ.get("CONTENT_LENGTH") or "0")
        if not (raw_length.isascii() and raw_length.isdigit()):
            return Response.refuse(HTTPStatus.BAD_REQUEST, "bad Content-Length")
        length = int(raw_length)
        if length > found.max_body:
            return Response.refuse(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "too large",
                f"a body of {length} bytes (at most {found.max_body})",
            )
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(
            method, path, str(environ.get("QUERY_STRING") or ""), _headers(environ), body, environ
        )
        try:
            return found.handler(request)
        except Exception:
            # A bug in one handler answers 500 for that request; the server keeps serving.
            log.exception("%s %s failed", method, path)
            return Response.json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal"})


def _headers(environ: Mapping[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in environ.items():
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.lower().replace("_", "-")
        elif key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-")
        else:
            continue
        out.setdefault(name, []).append(str(value))
    return out


# --- Slack's requests ------------------------------------------------------------------


def slack_signature_problem(
    request: Request, signing_secret: str, now: float, tolerance: int = SLACK_TOLERANCE
) -> str | None:
    """Why this is not a request Slack signed (None when it is): checked on the raw bytes
    before anything in it is parsed."""
    timestamp = request.header("x-slack-request-timestamp") or ""
    signature = request.header("x-slack-signature") or ""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "no valid X-Slack-Request-Timestamp"
    if abs(now - int(timestamp)) > tolerance:
        return "a stale X-Slack-Request-Timestamp"
    base = b"v0:" + timestamp.encode() + b":" + request.body
    expected = "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "a wrong X-Slack-Signature"
    return None


def _readable(request: Request) -> str | None:
    """Why Bolt could not read this body (None when it can), as Bolt parses it."""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return "a body that is not UTF-8"
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json" or text.startswith("{"):
            parsed = json.loads(text) if text else {}
            return None if isinstance(parsed, dict) else "a JSON body that is not an object"
        if content_type not in ("", "application/x-www-form-urlencoded"):
            return f"an unexpected Content-Type {content_type[:60]!r}"
        if "payload=" in text:
            payload = parse_qs(text, keep_blank_values=True).get("payload") or ["{}"]
            if not isinstance(json.loads(payload[0]), dict):
                return "a payload that is not a JSON object"
    except ValueError:
        return "a body that is not valid JSON"
    return None


def slack_handler(
    app: App, signing_secret: str, *, clock: Callable[[], float] = time.time
) -> Handler:
    """Slack's HTTP requests (events, interactivity, commands) into the Bolt app, through
    Bolt's WSGI adapter, once the signature and the timestamp are verified (401 otherwise)
    and the body is known to be readable (400 otherwise)."""
    bolt = SlackRequestHandler(app, path=SLACK_EVENTS_PATH)

    def handle(request: Request) -> Response:
        if signing_secret:
            problem = slack_signature_problem(request, signing_secret, clock())
            if problem:
                return Response.refuse(HTTPStatus.UNAUTHORIZED, "invalid request", problem)
        unreadable = _readable(request)
        if unreadable:
            return Response.refuse(HTTPStatus.BAD_REQUEST, "unreadable body", unreadable)
        environ = dict(request.environ)
        environ["wsgi.input"] = io.BytesIO(request.body)
        environ["CONTENT_LENGTH"] = str(len(request.body))
        return _call_wsgi(bolt, environ)

    return handle


def _call_wsgi(wsgi: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> Response:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k: v for k, v in headers if k.lower() != "content-length"}

    body = b"".join(wsgi(environ, start_response))
    status = answer["status"]
    reason = "Bolt found no listener" if status == HTTPStatus.NOT_FOUND else ""
    return Response(status, body, answer["headers"], reason)


def build_router(
    app: App | None = None, health: Handler | None = None, *, signing_secret: str = ""
) -> Router:
    """The routes `cancelbot run` serves; more can be added to the result."""
    router = Router()
    if app is not None:
        router.add(
            "POST",
            SLACK_EVENTS_PATH,
            slack_handler(app, signing_secret),
            max_body=SLACK_MAX_BODY,
        )
    if health is not None:
        router.add("GET", HEALTH_PATH, health, max_body=0)
    return router


# --- waitress ----------------------------------------------------------------------------


class _LoggedErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's answer to a request its parser refused (a Content-Length that is not a
    number, a start line that is not HTTP, headers too large), logged as one line."""

    def execute(self) -> None:
        error = self.request.error
        log.info(
            "refused a malformed request: %s",
            getattr(error, "reason", "bad request"),
            extra={"status": int(getattr(error, "code", 400))},
        )
        super().execute()


class _Channel(HTTPChannel):  # type: ignore[misc]
    error_task_class = _LoggedErrorTask


class HttpServer:
    """waitress serving a Router, on a thread of its own; `stop()` closes every connection
    and waits for the request threads."""

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        self._server: BaseWSGIServer = create_server(
            WsgiApp(router),
            host=address[0],
            port=address[1],
            threads=THREADS,
            connection_limit=CONNECTION_LIMIT,
            backlog=BACKLOG,
            channel_timeout=SOCKET_TIMEOUT,
            max_request_body_size=MAX_BODY,
            max_request_header_size=MAX_HEADERS,
            clear_untrusted_proxy_headers=True,
            asyncore_use_poll=True,
            ident="cancelbot",
        )
        self._server.channel_class = _Channel
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = str(self._server.effective_host)
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{shown}:{self._server.effective_port}"

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._loop, name="http", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        server = self._server
        try:
            while not self._stopping.is_set():
                server.asyncore.loop(timeout=0.2, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown(timeout=5)
            wasyncore.close_all(server._map)

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.pull_trigger()
        if self._thread is not None:
            self._thread.join(timeout=10)


def serve_in_thread(
    target: Router | App, *, host: str = "127.0.0.1", port: int = 0, signing_secret: str = ""
) -> tuple[str, Callable[[], None]]:
    """Serve `target` (a Router, or a Bolt App at /slack/events) on a background thread.

    Returns the base URL (port 0 picks a free port) and a `stop()` that shuts the server
    down and waits for its thread.
    """
    router = (
        target
        if isinstance(target, Router)
        else build_router(target, signing_secret=signing_secret)
    )
    server = HttpServer((host, port), router).start()
    return server.base_url, server.stop
