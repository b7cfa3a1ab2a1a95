"""Serve a fake marketplace app (httpx.Request -> httpx.Response) over real local HTTP.

    with serve(FakeCoupang(...)) as base_url:
        source = CoupangClaimSource(..., base_url=base_url)

Binds 127.0.0.1 on an ephemeral port; one thread per connection, HTTP/1.1 keep-alive. An
app that raises httpx.TimeoutException (an injected timeout) gets its connection dropped
without an answer, which a client sees as a transport failure, as it would a dead server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

App = Callable[[httpx.Request], httpx.Response]

# Framing is the server's job: it re-frames the body the app produced.
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@contextmanager
def serve(app: App) -> Iterator[str]:
    """Yield the base URL (`http://127.0.0.1:PORT`) while the server runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(app))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # how soon shutdown() is noticed
        name="fake-marketplace",
        daemon=True,
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _handler_for(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one segment, and small answers are not held back by
        # Nagle + delayed ACK (~40 ms a request on keep-alive connections).
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            # self.path is the raw target as sent, so the query keeps its exact encoding
            # (signature checks depend on it).
            request = httpx.Request(
                self.command,
                f"http://{self.headers.get('Host', 'localhost')}{self.path}",
                headers=list(self.headers.items()),
                content=body,
            )
            try:
                response = app(request)
            except httpx.TimeoutException:
                self.close_connection = True
                return
            content = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test and benchmark output clean

    return Handler
