"""Slack listeners, one module per kind; `register` wires them all to an App."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import cancels, confirm, details, errors, home
from bot.listeners.context import ListenerContext
from bot.listeners.permissions import Permissions

__all__ = ["ListenerContext", "Permissions", "register"]


def register(app: App, ctx: ListenerContext) -> None:
    cancels.register(app, ctx)  # first: its withdrawal-row listeners precede confirm's
    confirm.register(app, ctx)
    details.register(app, ctx)
    home.register(app, ctx)
    errors.register(app, ctx)
