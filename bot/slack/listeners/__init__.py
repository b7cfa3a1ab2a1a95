"""Slack listeners, one module per kind; `register` wires them all to an App."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import accept, cancels, confirm, details, errors, home
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.permissions import Permissions

__all__ = ["ListenerContext", "Permissions", "register"]


def register(app: App, ctx: ListenerContext) -> None:
    cancels.register(app, ctx)
    confirm.register(app, ctx)
    accept.register(app, ctx)
    details.register(app, ctx)
    home.register(app, ctx)
    errors.register(app, ctx)
