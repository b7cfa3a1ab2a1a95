"""Structured logs: one JSON line per event, with the account, job and request ids the
event belongs to, and every known secret value masked before it is written."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

# Set by the scheduler (job) and the HTTP server (request) around their work.
JOB_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
ACCOUNT: contextvars.ContextVar[str | None] = contextvars.ContextVar("account", default=None)

MASK = "[redacted]"
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@contextmanager
def bound(**values: str | None) -> Iterator[None]:
    """`with bound(job="sync:coupang-main", account="coupang-main"): …`"""
    tokens = []
    for name, value in values.items():
        var = {"job": JOB_ID, "request_id": REQUEST_ID, "account": ACCOUNT}[name]
        tokens.append((var, var.set(value)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class SecretMask(logging.Filter):
    """Replaces secret values anywhere in the rendered message and exception text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.mask(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        context = {"account": ACCOUNT.get(), "job": JOB_ID.get(), "request_id": REQUEST_ID.get()}
        event.update({k: v for k, v in context.items() if v})
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                event[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_text:
            event["exc"] = record.exc_text
        elif record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False)


def configure_logging(secrets: Iterable[str], *, level: str = "INFO", stream: Any = None) -> None:
    """JSON lines on stderr; every handler masks `secrets`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SecretMask(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs request URLs at INFO; the URL holds no secret, but it is noise per call.
    logging.getLogger("httpx").setLevel(logging.WARNING)
