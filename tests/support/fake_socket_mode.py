"""A local Socket Mode endpoint, the URL a fake apps.connections.open hands out (slack_sdk's
own tests run one the same way): it accepts the client's WebSocket, sends envelopes as
Slack does, records the client's acks, and can drop its connections or refuse new ones
while it is "down"."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.accepting = True
        self.opened = 0  # WebSocket connections accepted so far
        self._live: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: Server = serve(
            self._serve, "127.0.0.1", 0, process_request=self._admit, ping_interval=None
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=fake"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop()
        self._server.shutdown()

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.accepting:
            return None
        return Response(503, "Service Unavailable", Headers(), b"down")

    def _serve(self, ws: ServerConnection) -> None:
        with self._lock:
            self._live.append(ws)
            self.opened += 1
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        try:
            for message in ws:
                data = json.loads(message)
                if isinstance(data, dict) and data.get("envelope_id"):
                    with self._lock:
                        self.acks.append(data)
        except Exception:
            pass  # the client went away
        finally:
            with self._lock:
                if ws in self._live:
                    self._live.remove(ws)

    def connected(self) -> bool:
        with self._lock:
            return bool(self._live)

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """An envelope of `kind` ("interactive", "slash_commands", "events_api") on the
        newest connection; its envelope_id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": kind != "events_api",
            "payload": payload,
        }
        with self._lock:
            ws = self._live[-1]
        ws.send(json.dumps(envelope))
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [a for a in self.acks if a.get("envelope_id") == envelope_id]
            if found:
                return found[0]
            time.sleep(0.01)
        raise AssertionError(f"no ack for {envelope_id}")

    def drop(self) -> None:
        """Close every open connection, as Slack does when it moves a socket."""
        with self._lock:
            live = list(self._live)
        for ws in live:
            ws.close()
