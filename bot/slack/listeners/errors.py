"""Errors in listeners: mapped to a text in the person's language and told ephemerally.

`report` is the one mapping. The app's @app.error handler uses it for failures outside a
listener body (middleware), and `guarded` uses it for failures inside one: those must not
escape, because when a listener raises right after ack(), Bolt (1.30, thread_runner)
resets the ack and holds the HTTP answer for its full 3 s ack timeout before failing it,
so Slack would show the person an error on top of ours.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import t
from bot.slack.listeners.context import ListenerContext, tell
from core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])


def error_key(error: BaseException) -> str:
    """The catalogue text for an error a listener raised."""
    if isinstance(error, NotFound):
        return "error.not_found"
    if isinstance(error, InvalidInput):
        return "error.invalid"
    if isinstance(error, SlackApiError | SlackClientError):
        return "error.slack"
    return "error.unexpected"


def report(
    ctx: ListenerContext,
    client: WebClient | None,
    body: Mapping[str, Any] | None,
    error: BaseException,
) -> None:
    key = error_key(error)
    if key == "error.unexpected":
        log.error("a Slack listener failed", exc_info=error)
    else:
        log.warning("a Slack listener failed: %s", error)
    if client is None or not body:
        return
    try:
        tell(client, body, t(ctx.locale, key))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not tell the user about the error: %s", exc.__class__.__name__)


def guarded(ctx: ListenerContext, handler: F) -> F:
    """`handler`, with its failures reported instead of raised (see the module doc).

    functools.wraps keeps the signature Bolt reads to inject arguments by name."""

    @functools.wraps(handler)
    def run(**kwargs: Any) -> None:
        try:
            handler(**kwargs)
        except Exception as exc:
            report(ctx, kwargs.get("client"), kwargs.get("body"), exc)

    return run  # type: ignore[return-value]


def register(app: App, ctx: ListenerContext) -> None:
    @app.error
    def on_error(error: Exception, body: Mapping[str, Any] | None, client: WebClient) -> None:
        report(ctx, client, body, error)
