"""The Bolt app: built from settings and services, with no side effect on import."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime.config import Config
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.slack.client import make_client
from bot.slack.listeners import ListenerContext, Permissions, register
from core.ports import Clock


def create_app(
    deps: Deps,
    settings: Settings,
    config: Config,
    *,
    client: WebClient | None = None,
    clock: Clock | None = None,
    listener_executor: Executor | None = None,
    permissions: Permissions | None = None,
) -> App:
    """The Slack app with every listener registered.

    `client` defaults to a WebClient on SLACK_API_URL; tests pass `listener_executor` (an
    inline one makes dispatch() return after the listener ran) and a fake `clock`.
    """
    app = App(
        client=client or make_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        # Settings insist on a secret in HTTP mode; Socket Mode requests are not signed.
        request_verification_enabled=bool(settings.signing_secret),
        # auth.test runs lazily on the first request (and once in `cancelbot run`), so
        # building the app never calls Slack.
        token_verification_enabled=False,
        listener_executor=listener_executor,
        logger=logging.getLogger("bot.bolt"),
    )
    ctx = ListenerContext(
        make_uow=deps.make_uow,
        clock=clock or deps.clock,
        config=config,
        locale=settings.locale.value,
        tz=settings.timezone,
        permissions=permissions or Permissions(config.allowed_users, config.allowed_usergroups),
        claim_actions=deps.claim_actions,
    )
    register(app, ctx)
    return app
