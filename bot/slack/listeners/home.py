"""App Home: the viewer's own cases, what needs attention, and each account's sync health.
Published when the tab opens, and again (by the outbox) when the viewer's items change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.home_view import home_view as build_home_view
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    app.event("app_home_opened")(**defer(Kind.EVENT, guarded(ctx, home_handler(ctx))))


def home_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        user = str(event["user"])
        client.views_publish(user_id=user, view=home_view(ctx, user))

    return handle


def home_view(ctx: ListenerContext, user: str | None = None) -> dict[str, Any]:
    return build_home_view(
        ctx.make_uow, ctx.config, locale=ctx.locale, tz=ctx.tz, now=ctx.clock.now(), user=user
    )
