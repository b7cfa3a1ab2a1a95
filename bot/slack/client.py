"""The Slack Web API client and how its failures are read.

One `WebClient` serves Bolt's listeners (Bolt copies its base_url, timeout and retry
handlers into the per-request clients) and the outbox publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

DEFAULT_TIMEOUT: Final = 10  # seconds; Slack answers in well under one

# Errors that no retry can fix for *this* message: it is broken, or gone. Errors an admin
# can fix (not_in_channel, channel_not_found, invalid_auth, missing_scope, …) are retried
# with backoff instead, so the alert still goes out once the setup is repaired.
PERMANENT_ERRORS: Final = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "thread_not_found",
        "is_archived",
        "invalid_arguments",
    }
)
# Answers that mean the bot token itself is wrong: `cancelbot run` stops at start-up.
AUTH_ERRORS: Final = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


def make_client(token: str, base_url: str | None, *, timeout: int = DEFAULT_TIMEOUT) -> WebClient:
    kwargs: dict[str, object] = {}
    if base_url:
        kwargs["base_url"] = base_url
    return WebClient(
        token=token,
        timeout=timeout,
        # Only connection resets are retried in place; 429 and 5xx are the publisher's
        # business (it paces, backs off and records the error in the outbox).
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Failure:
    """A failed Web API call, read: what to do about it and what to record."""

    description: str  # safe to log and store: method, error code, HTTP status; no secret
    rate_limited: bool = False
    retry_after: float = 0.0
    permanent: bool = False
    error_code: str = ""


def describe(method: str, exc: Exception) -> Failure:
    """What `exc`, raised by a `method` call, means for a retry."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = ""
        if isinstance(exc.response.data, dict):
            code = str(exc.response.data.get("error") or "")
        text = f"{method}: {code or 'error'} (HTTP {status})"
        if status == 429:
            return Failure(text, rate_limited=True, retry_after=retry_after(exc), error_code=code)
        return Failure(text, permanent=status < 500 and code in PERMANENT_ERRORS, error_code=code)
    if isinstance(exc, TimeoutError):
        return Failure(f"{method}: timed out")
    if isinstance(exc, SlackClientError | OSError):
        return Failure(f"{method}: {exc.__class__.__name__}: {exc}")
    return Failure(f"{method}: {exc.__class__.__name__}")


def retry_after(exc: SlackApiError, default: float = 1.0) -> float:
    """Seconds Slack asked us to wait (the Retry-After header of a 429)."""
    headers = exc.response.headers or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                return default
    return default
