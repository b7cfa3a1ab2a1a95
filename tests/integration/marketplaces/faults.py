"""Fault injection shared by the fake marketplaces, and their common request bookkeeping.

A fake answers every request normally unless `faults` names its request number (1-based,
counting every request the fake has received, token calls included).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from core.ports import Clock

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or to) the normal answer. Build one with the functions below."""

    status: int | None = None  # answer this status with `body` and `headers` instead
    body: object = None
    content: bytes | None = None  # with `status`: these bytes instead of `body` as JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: bool = False  # raise httpx.ReadTimeout (over real HTTP: drop the connection)
    # answer normally (so a write changes the fake's state), then lose the answer
    timeout_after: bool = False
    raw: bytes | None = None  # replace the normal answer's body with these bytes
    mutate: Callable[[Any], None] | None = None  # edit the normal JSON answer in place
    before: Callable[[], None] | None = None  # run first, then answer normally

    def apply(self, request: httpx.Request, handle: Handler) -> httpx.Response:
        if self.before is not None:
            self.before()
        if self.timeout:
            raise httpx.ReadTimeout("injected timeout", request=request)
        if self.timeout_after:
            handle(request)
            raise httpx.ReadTimeout("injected timeout after the answer", request=request)
        if self.status is not None and self.content is not None:
            return httpx.Response(self.status, headers=dict(self.headers), content=self.content)
        if self.status is not None:
            return httpx.Response(self.status, headers=dict(self.headers), json=self.body)
        response = handle(request)
        if self.raw is not None:
            return httpx.Response(
                response.status_code,
                headers={"Content-Type": "application/json"},
                content=self.raw,
            )
        if self.mutate is not None:
            payload = response.json()
            self.mutate(payload)
            return httpx.Response(response.status_code, json=payload)
        return response


def http_error(status: int, body: object, **headers: str) -> Fault:
    return Fault(status=status, body=body, headers=headers)


def http_answer(status: int, content: bytes, content_type: str) -> Fault:
    """Answer `status` with a body that is not JSON (11st's XML)."""
    return Fault(status=status, content=content, headers={"Content-Type": content_type})


def rate_limited(body: object, retry_after: str | None = None, **headers: str) -> Fault:
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Fault(status=429, body=body, headers=headers)


def timeout() -> Fault:
    return Fault(timeout=True)


def applied_then_timeout() -> Fault:
    """The marketplace does the work, but its answer never arrives (a write that took)."""
    return Fault(timeout_after=True)


def invalid_json() -> Fault:
    return Fault(raw=b'{"code": 200, "data": [{"receiptId": 1,')


def missing(path: str) -> Fault:
    """Delete the member at a dotted path (`data.0.receiptId`) from the normal answer."""

    def drop(payload: Any) -> None:
        parent, key = _walk(payload, path)
        del parent[key]

    return Fault(mutate=drop)


def wrong_type(path: str, value: object) -> Fault:
    """Replace the member at a dotted path with a value of the wrong type."""

    def replace(payload: Any) -> None:
        parent, key = _walk(payload, path)
        parent[key] = value

    return Fault(mutate=replace)


def run_first(action: Callable[[], None]) -> Fault:
    return Fault(before=action)


def _walk(payload: Any, path: str) -> tuple[Any, Any]:
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, (int(last) if isinstance(node, list) else last)


class FakeApp(ABC):
    """Callable as `httpx.MockTransport(app)` or through `http_server.serve(app)`.
    Subclasses implement `handle`; this records requests and applies faults."""

    def __init__(self, clock: Clock, faults: Mapping[int, Fault] | None = None) -> None:
        self.clock = clock
        self.faults: dict[int, Fault] = dict(faults or {})
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()  # real-HTTP mode serves requests on several threads

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            request.read()
            self.requests.append(request)
            fault = self.faults.get(len(self.requests))
            if fault is None:
                return self.handle(request)
            return fault.apply(request, self.handle)

    @abstractmethod
    def handle(self, request: httpx.Request) -> httpx.Response: ...
