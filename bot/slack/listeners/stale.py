"""One catch-all for clicks no listener knows (a button on an old message, from a version
of cancelbot that had it): acked, and the person told that the button is out of date."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.listeners.answer import Answer
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded

ANY_ACTION = re.compile(".*")


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    """Register after every other action listener: Bolt gives a click to the first match."""
    app.action(ANY_ACTION)(**defer(Kind.ACTION, guarded(ctx, stale_button_handler(ctx))))


def stale_button_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(body: dict[str, Any], client: WebClient) -> None:
        Answer.of(client, body).note(ctx, "error.stale_button")

    return handle
