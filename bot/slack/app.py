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
from bot.slack.listeners import Admission, Deferral, ListenerContext, Permissions, register
from bot.slack.listeners.deferred import lazy_pool
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
    admission: Admission | None = None,
) -> App:
    """The Slack app with every listener registered.

    Acks run on the request's own thread (`process_before_response`) and never wait for
    the database or the Web API; the work runs on `listener_executor` (the bounded lazy
    pool), admitted while `admission` has room (bot.slack.listeners.deferred).

    `client` defaults to a WebClient on SLACK_API_URL; tests pass `listener_executor` (an
    inline one makes dispatch() return after the work ran) and a fake `clock`.
    """
    app = App(
        client=client or make_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        # Settings insist on a secret in HTTP mode; Socket Mode requests are not signed.
        request_verification_enabled=bool(settings.signing_secret),
        # auth.test runs lazily on the first request (and once in `cancelbot run`), so
        # building the app never calls Slack.
        token_verification_enabled=False,
        # The ack function runs before the answer goes back (it only acks); the work is
        # a lazy listener on the executor, so an ack never queues behind other work.
        process_before_response=True,
        listener_executor=listener_executor or lazy_pool(),
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
    register(app, ctx, Deferral(ctx, admission or Admission()))
    return app
