"""A local fake of the Slack Web API: a threaded http.server that records every call and
answers the methods cancelbot uses the way Slack does, with fault injection.

Point a WebClient at `fake.base_url` (SLACK_API_URL). Messages posted with
chat.postMessage are kept per channel, so chat.update and conversations.history behave
like the real thing. `fail(...)` queues faults for a method: an HTTP status (429 with
Retry-After, 5xx), an `ok: false` error code, or a slow answer (for client timeouts).
Each call's arrival time comes from `clock`, so tests with injected time can assert on
pacing without real waiting.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T0TEAM01"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    ok: bool = True
    path: str = ""
    token: str = ""  # the bearer token it came with (which replica, in multi-process tests)


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: float | None = None
    delay: float = 0.0  # seconds of real time before answering (client timeouts)


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None

    def as_slack(self, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": self.ts,
            "text": self.text,
            "blocks": self.blocks,
        }
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


class FakeSlack:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.calls: list[Call] = []
        self.messages: dict[str, list[Message]] = defaultdict(list)
        self.usergroups: dict[str, list[str]] = {}
        self.uploads: dict[str, bytes] = {}  # file id -> bytes posted to its upload URL
        self.socket_url: str | None = None  # apps.connections.open's answer (None: refused)
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhook"

    # --- faults and queries -----------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: float | None = None,
        delay: float = 0.0,
        times: int = 1,
    ) -> None:
        with self._lock:
            for _ in range(times):
                self._faults[method].append(Fault(status, error, retry_after, delay))

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def posts(self, channel: str | None = None) -> list[Call]:
        """Successful chat.postMessage calls (top-level and thread replies)."""
        return [
            c
            for c in self.calls_to("chat.postMessage", ok_only=True)
            if channel is None or c.args.get("channel") == channel
        ]

    def alerts(self, channel: str) -> list[Message]:
        """Top-level messages in `channel` that carry cancelbot's alert metadata."""
        with self._lock:
            return [
                m
                for m in self.messages[channel]
                if m.thread_ts is None and (m.metadata or {}).get("event_type") == "cancelbot_alert"
            ]

    def message(self, channel: str, ts: str) -> Message:
        with self._lock:
            for m in self.messages[channel]:
                if m.ts == ts:
                    return m
        raise KeyError((channel, ts))

    def wait_for(self, method: str, count: int = 1, timeout: float = 3.0) -> list[Call]:
        """Listeners run on Bolt's thread pool after ack(): poll for their calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.01)
        raise AssertionError(f"expected {count} call(s) to {method}, got {self.calls_to(method)}")

    def responses(self, path: str | None = None) -> list[dict[str, Any]]:
        """JSON bodies posted to response_urls (`webhook_url`, or any URL under it: pass
        its `path` to see only those), oldest first."""
        return [c.args for c in self.calls_to("webhook") if path is None or c.path == path]

    def wait_for_responses(self, count: int = 1, timeout: float = 3.0) -> list[dict[str, Any]]:
        return [c.args for c in self.wait_for("webhook", count, timeout)]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the methods ------------------------------------------------------------------

    def answer(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[int, Any, Fault]:
        with self._lock:
            fault = self._faults[method].popleft() if self._faults[method] else None
        if fault is not None:
            if fault.status != 200:
                return fault.status, {"ok": False, "error": fault.error or "fatal_error"}, fault
            if fault.error:
                return 200, {"ok": False, "error": fault.error}, fault
        fault = fault or Fault()
        if method == "webhook":
            return 200, "ok", fault
        if not token or not token.startswith(("xoxb-", "xapp-")):
            return 200, {"ok": False, "error": "invalid_auth"}, fault
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": True}, fault
        return 200, handler(args), fault

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "fake",
            "user": "cancelbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"{int(time.time())}.{next(self._ts):06d}"  # unique, and real seconds
        message = Message(
            channel=channel,
            ts=ts,
            text=str(args.get("text") or ""),
            blocks=_json_arg(args.get("blocks")) or [],
            metadata=_json_arg(args.get("metadata")),
            thread_ts=args.get("thread_ts"),
        )
        with self._lock:
            self.messages[channel].append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message.as_slack(False)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        try:
            message = self.message(channel, ts)
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        with self._lock:
            message.text = str(args.get("text") or "")
            message.blocks = _json_arg(args.get("blocks")) or []
            if args.get("metadata"):
                message.metadata = _json_arg(args.get("metadata"))
        return {"ok": True, "channel": channel, "ts": ts, "text": message.text}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return {"ok": True, "view": {"id": "V0001", **(_json_arg(args.get("view")) or {})}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user_id"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "view": {"id": "V0002", **(_json_arg(args.get("view")) or {})}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        oldest = float(args.get("oldest") or 0)
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        with self._lock:
            top = [m for m in self.messages[channel] if m.thread_ts is None]
        found = [m for m in reversed(top) if float(m.ts) >= oldest][:limit]
        return {
            "ok": True,
            "messages": [m.as_slack(with_metadata) for m in found],
            "has_more": False,
        }

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users") or "")
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("UW")}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _json_arg(args.get("files")) or []
        with self._lock:
            missing = [f.get("id") for f in files if f.get("id") not in self.uploads]
        if not files or missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def upload(self, file_id: str, data: bytes) -> None:
        with self._lock:
            self.uploads[file_id] = data

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup"))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": self.usergroups[group]}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_url is None:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url}

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)


def _json_arg(value: Any) -> Any:
    """Form-encoded calls send JSON-valued arguments as strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if url.path.startswith("/upload/"):  # files.getUploadURLExternal's upload_url
                self._upload(url.path.removeprefix("/upload/"), raw)
                return
            args: dict[str, Any] = dict(parse_qsl(url.query))
            if raw:
                if "json" in (self.headers.get("Content-Type") or ""):
                    args.update(json.loads(raw))
                else:
                    args.update(parse_qsl(raw.decode("utf-8")))
            if url.path.startswith("/api/"):
                method = url.path.removeprefix("/api/")
            elif url.path.startswith("/webhook"):
                method = "webhook"
            else:
                method = url.path.strip("/")
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ").strip() or args.get("token")
            at = fake.clock()
            status, body, fault = fake.answer(method, args, token)
            ok = status == 200 and (not isinstance(body, dict) or bool(body.get("ok")))
            fake.record(Call(method, args, at, status, ok, url.path, str(token or "")))
            if fault.delay:
                time.sleep(fault.delay)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if fault.retry_after is not None:
                    self.send_header("Retry-After", str(int(fault.retry_after)))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _upload(self, file_id: str, raw: bytes) -> None:
            fake.upload(file_id, raw)
            fake.record(Call("upload", {"file_id": file_id, "size": len(raw)}, fake.clock()))
            data = f"OK - {len(raw)}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
