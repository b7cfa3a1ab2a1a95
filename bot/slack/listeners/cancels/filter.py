"""Filter without typing (issue 18): the results page's Filter button opens the filter
modal, prefilled with the page's filter; its submission replaces the page with the new
filter's first page, which says the same filter as one would type it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.i18n import t
from bot.slack.blocks.cancels_common import BadState, ListKind, ModalMetadata, PageState
from bot.slack.blocks.confirm_all_modal import build_modal_error
from bot.slack.blocks.filter_modal import (
    FilterProblem,
    build_filter_modal,
    filter_from_view,
    typed_command,
)
from bot.slack.listeners.answer import Answer, tell_error
from bot.slack.listeners.cancels.pages import load_results, results_message
from bot.slack.listeners.context import ListenerContext, user_id
from core.errors import InvalidInput

log = logging.getLogger(__name__)

Handler = Callable[..., None]


def open_filter_handler(ctx: ListenerContext) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        state = PageState.decode(action.get("value"))
        if state.kind is not ListKind.RESULTS:
            raise BadState("a filter button with a withdrawals state")
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            raise InvalidInput("the click carries no trigger_id to open a modal with")
        answer = Answer.of(client, body)
        metadata = ModalMetadata(state.at(0), answer.response_url or "", answer.channel or "")
        view = build_filter_modal(state.filter(), metadata.encode(), locale=ctx.locale)
        client.views_open(trigger_id=trigger_id, view=view)

    return handle


def filter_submission_precheck(ctx: ListenerContext) -> Callable[[Ack, Mapping[str, Any]], bool]:
    """In the ack (no database): a filter that cannot be read stays in the modal with the
    field's error; a modal whose metadata is not ours is replaced by a message."""

    def check(ack: Ack, body: Mapping[str, Any]) -> bool:
        view = body.get("view") or {}
        try:
            metadata = ModalMetadata.decode(view.get("private_metadata"))
            filter_from_view(view, metadata.state.filter())
        except FilterProblem as problem:
            ack(response_action="errors", errors={problem.block_id: t(ctx.locale, problem.key)})
            return False
        except BadState as exc:
            log.warning("a filter modal with bad metadata: %s", exc)
            error = build_modal_error(t(ctx.locale, "cancels.bad_state"), locale=ctx.locale)
            ack(response_action="update", view=error)
            return False
        return True

    return check


def filter_submission_handler(ctx: ListenerContext) -> Handler:
    """The page the filter modal came from, replaced by the new filter's first page (the
    modal was checked in the ack: filter_submission_precheck)."""

    def handle(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        metadata = ModalMetadata.decode(view.get("private_metadata"))
        flt = filter_from_view(view, metadata.state.filter())
        user = user_id(body)
        answer = Answer(client, metadata.response_url or None, metadata.channel or None, user)
        try:
            notice = [t(ctx.locale, "filter.typed", command=typed_command(flt, ctx.locale))]
            message = results_message(ctx, flt, load_results(ctx, flt), notice)
            answer.send(*message, replace=True)
        except Exception as exc:
            tell_error(ctx, answer, exc)

    return handle
