"""Slack listeners, one module per kind; `register` wires them all to an App."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    accept,
    cancels,
    cases,
    confirm,
    details,
    errors,
    home,
    home_lists,
    stale,
)
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.deferred import Admission, Deferral, Notices
from bot.slack.listeners.permissions import Permissions

__all__ = ["Admission", "Deferral", "ListenerContext", "Notices", "Permissions", "register"]


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    cancels.register(app, ctx, defer)
    confirm.register(app, ctx, defer)
    accept.register(app, ctx, defer)
    details.register(app, ctx, defer)
    home.register(app, ctx, defer)
    cases.register(app, ctx, defer)
    home_lists.register(app, ctx, defer)
    errors.register(app, ctx)
    stale.register(app, ctx, defer)  # last: it answers every click nothing else took
