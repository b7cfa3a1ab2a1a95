"""How a listener answers a person (/cancels, a busy or a stale click): ephemerally,
through the interaction's response_url (the only way into a channel the bot is not a
member of), falling back to chat.postEphemeral; and how a failure becomes a message
instead of a stack trace or silence."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.i18n import t
from bot.slack.blocks.cancels_common import BadState, FilterTooLong
from bot.slack.blocks.cancels_notes import build_notice
from bot.slack.blocks.common import Block
from bot.slack.blocks.help import build_usage_error
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.errors import error_key
from bot.slack.listeners.permissions import Verdict
from core.cancels_command import CommandError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., None])
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


@dataclass(frozen=True)
class Answer:
    """Where the person who typed or clicked is answered."""

    client: WebClient
    response_url: str | None
    channel: str | None
    user: str | None

    @classmethod
    def of(cls, client: WebClient, body: Mapping[str, Any]) -> Answer:
        """From a slash command (flat `channel_id`, `user_id`) or an interaction payload."""
        channel = (
            body.get("channel_id")
            or (body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id")
        )
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        url = body.get("response_url")
        return cls(
            client,
            str(url) if url else None,
            str(channel) if channel else None,
            str(user) if user else None,
        )

    def send(self, blocks: Sequence[Block], text: str, *, replace: bool = False) -> None:
        """Ephemerally; `replace` swaps the message the click came from (paging)."""
        if self.response_url:
            try:
                webhook = WebhookClient(self.response_url)
                response = webhook.send(
                    text=text,
                    blocks=list(blocks) or None,
                    response_type=None if replace else "ephemeral",
                    replace_original=replace,
                )
                if response.status_code == 200:
                    return
                log.warning("response_url answered HTTP %s", response.status_code)
            except SLACK_ERRORS as exc:
                log.warning("response_url failed: %s", exc.__class__.__name__)
        if not self.channel or not self.user:
            log.info("no response_url and no channel to answer in; the answer is dropped")
            return
        self.client.chat_postEphemeral(
            channel=self.channel, user=self.user, text=text, blocks=list(blocks) or None
        )

    def note(self, ctx: ListenerContext, key: str, **params: object) -> None:
        self.send(*build_notice([t(ctx.locale, key, **params)]))


def may_confirm(ctx: ListenerContext, answer: Answer, user: str) -> bool:
    """Whether `user` may confirm and unconfirm; when not, they are told so."""
    return _allowed(ctx, answer, user, "confirm.not_allowed")


def may_export(ctx: ListenerContext, answer: Answer, user: str) -> bool:
    """Whether `user` may take results out of Slack as a file: the same people who may
    confirm (allowed_users / allowed_usergroups, when set); when not, they are told so."""
    return _allowed(ctx, answer, user, "cancels.export_not_allowed")


def _allowed(ctx: ListenerContext, answer: Answer, user: str, refused: str) -> bool:
    verdict = ctx.permissions.check(user, answer.client)
    if verdict is Verdict.ALLOWED:
        return True
    answer.note(ctx, refused if verdict is Verdict.REFUSED else "confirm.permission_unknown")
    return False


def error_message(ctx: ListenerContext, error: BaseException) -> tuple[list[Block], str]:
    if isinstance(error, CommandError):
        return build_usage_error(error, locale=ctx.locale)
    if isinstance(error, BadState):
        key = "cancels.bad_state"
    elif isinstance(error, FilterTooLong):
        key = "cancels.filter_too_long"
    else:
        key = error_key(error)
    return build_notice([t(ctx.locale, key)])


def tell_error(ctx: ListenerContext, answer: Answer | None, error: BaseException) -> None:
    if isinstance(error, CommandError):
        log.info("bad /cancels input: %s", error)
    elif error_key(error) == "error.unexpected":
        log.error("a /cancels listener failed", exc_info=error)
    else:
        log.warning("a /cancels listener failed: %s", error)
    if answer is None:
        return
    try:
        answer.send(*error_message(ctx, error))
    except SLACK_ERRORS as exc:
        log.warning("could not tell the user about the error: %s", exc.__class__.__name__)


def answering(ctx: ListenerContext, handler: F) -> F:
    """`handler` with every failure answered to the person (never raised: see
    bot.slack.listeners.errors). functools.wraps keeps the signature Bolt injects by."""

    @functools.wraps(handler)
    def run(**kwargs: Any) -> None:
        try:
            handler(**kwargs)
        except Exception as exc:
            client, body = kwargs.get("client"), kwargs.get("body")
            answer = Answer.of(client, body) if client is not None and body else None
            tell_error(ctx, answer, exc)

    return run  # type: ignore[return-value]
