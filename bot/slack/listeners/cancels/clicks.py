"""Clicks on a /cancels page: Previous/Next, Confirm selected, Confirm all N (its modal
and the modal's submission), and Confirm/Undo on a withdrawals row.

Each acks first, then reads the page state its button carried and answers through the
click's response_url, replacing the page it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.i18n import t
from bot.slack.blocks.cancels_common import PAGE_SIZE, BadState, ListKind, ModalMetadata, PageState
from bot.slack.blocks.cancels_notes import build_notice, confirm_all_lines, confirm_lines
from bot.slack.blocks.common import safe
from bot.slack.blocks.confirm_all_modal import build_confirm_all_modal, build_modal_error
from bot.slack.blocks.notes import build_already_confirmed
from bot.slack.blocks.withdrawals_page import parse_row_block_id
from bot.slack.ids import ActionId, BlockId
from bot.slack.listeners.answer import Answer, may_confirm, tell_error
from bot.slack.listeners.cancels.pages import load_results, results_message, withdrawals_message
from bot.slack.listeners.context import ListenerContext, target_id, user_id
from core import confirmation
from core.errors import InvalidInput
from core.results import ConfirmAction, TargetKind

log = logging.getLogger(__name__)

Handler = Callable[..., None]


def ack_only(ack: Ack) -> None:
    """Ticking a checkbox: Slack wants an ack; the selection is read at Confirm selected."""
    ack()


def _results_state(value: object) -> PageState:
    state = PageState.decode(value)
    if state.kind is not ListKind.RESULTS:
        raise BadState("a results button with a withdrawals state")
    return state


def page_handler(ctx: ListenerContext, step: int) -> Handler:
    """Previous (`step` -1) or Next (+1); the snapshot keeps the pages stable."""

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        state = PageState.decode(action.get("value"))
        flt = state.filter()
        offset = state.offset + step * PAGE_SIZE
        if state.kind is ListKind.RESULTS:
            view = load_results(ctx, flt, offset=offset, snapshot_id=state.snapshot_id)
            message = results_message(ctx, flt, view)
        else:
            message = withdrawals_message(ctx, flt, offset=offset)
        Answer.of(client, body).send(*message, replace=True)

    return handle


def selected_ids(body: Mapping[str, Any]) -> list[int]:
    """The result ids ticked on the page the click came from."""
    values = (body.get("state") or {}).get("values") or {}
    element = (values.get(BlockId.CANCELS_SELECTION.value) or {}).get(
        ActionId.CANCELS_SELECT.value
    ) or {}
    options = element.get("selected_options") or []
    if not isinstance(options, list) or len(options) > PAGE_SIZE:
        raise BadState("not a /cancels selection")
    return list(dict.fromkeys(target_id((o or {}).get("value")) for o in options))


def confirm_selected_handler(ctx: ListenerContext) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        answer = Answer.of(client, body)
        state = _results_state(action.get("value"))
        user = user_id(body)
        if not may_confirm(ctx, answer, user):
            return
        ids = selected_ids(body)
        if not ids:
            answer.note(ctx, "cancels.nothing_selected")
            return
        outcomes = confirmation.confirm(ctx.make_uow, TargetKind.RESULT, ids, user, ctx.clock.now())
        notice = confirm_lines(outcomes, locale=ctx.locale, tz=ctx.tz)
        # A fresh count: what is left to do now, the confirmed ones gone from the default view.
        flt = state.filter()
        view = load_results(ctx, flt, offset=state.offset)
        answer.send(*results_message(ctx, flt, view, notice), replace=True)

    return handle


def confirm_all_handler(ctx: ListenerContext) -> Handler:
    """Confirm all N: first an explicit confirmation, in a modal stating count and filter."""

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        answer = Answer.of(client, body)
        state = _results_state(action.get("value"))
        if not may_confirm(ctx, answer, user_id(body)):
            return
        if not state.unconfirmed:
            answer.note(ctx, "cancels.nothing_to_confirm")
            return
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            raise InvalidInput("the click carries no trigger_id to open a modal with")
        metadata = ModalMetadata(state, answer.response_url or "", answer.channel or "")
        view = build_confirm_all_modal(
            state.unconfirmed, state.words, metadata.encode(), locale=ctx.locale
        )
        client.views_open(trigger_id=trigger_id, view=view)

    return handle


def confirm_all_submission_precheck(
    ctx: ListenerContext,
) -> Callable[[Ack, Mapping[str, Any]], bool]:
    """In the ack: a modal whose private_metadata is not what we sent is answered in the
    modal itself (nowhere else to answer), and not worked."""

    def check(ack: Ack, body: Mapping[str, Any]) -> bool:
        view = body.get("view") or {}
        try:
            ModalMetadata.decode(view.get("private_metadata"))
        except BadState as exc:
            log.warning("a confirm-all modal with bad metadata: %s", exc)
            error = build_modal_error(t(ctx.locale, "cancels.bad_state"), locale=ctx.locale)
            ack(response_action="update", view=error)
            return False
        return True

    return check


def confirm_all_submission_handler(ctx: ListenerContext) -> Handler:
    """The modal's Confirm: exactly the results counted (ids up to the page's snapshot),
    then the page is replaced by a fresh one saying what happened. (The metadata was
    checked in the ack: confirm_all_submission_precheck.)"""

    def handle(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        metadata = ModalMetadata.decode(view.get("private_metadata"))
        user = user_id(body)
        answer = Answer(client, metadata.response_url or None, metadata.channel or None, user)
        try:
            if not may_confirm(ctx, answer, user):
                return
            state = metadata.state
            if state.kind is not ListKind.RESULTS:
                raise BadState("a confirm-all modal for withdrawals")
            flt = state.filter()
            outcome = confirmation.confirm_all_matching(
                ctx.make_uow,
                flt,
                user,
                ctx.clock.now(),
                snapshot_id=state.snapshot_id,
                counted=state.unconfirmed,
            )
            fresh = load_results(ctx, flt)
            arrived = fresh.unconfirmed if fresh.page.snapshot_id > state.snapshot_id else 0
            notice = confirm_all_lines(outcome, state.unconfirmed, arrived, locale=ctx.locale)
            answer.send(*results_message(ctx, flt, fresh, notice), replace=True)
        except Exception as exc:
            tell_error(ctx, answer, exc)

    return handle


def withdrawal_handler(ctx: ListenerContext, action_kind: ConfirmAction) -> Handler:
    """Confirm/Undo on a row of `/cancels withdrawals`: the list is re-rendered in place
    (the alert listener would try to update a channel alert, which this is not)."""
    use_case = (
        confirmation.confirm if action_kind is ConfirmAction.CONFIRM else confirmation.unconfirm
    )

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        answer = Answer.of(client, body)
        user = user_id(body)
        item_id = target_id(action.get("value"))
        state = parse_row_block_id(action.get("block_id"))
        if not may_confirm(ctx, answer, user):
            return
        [outcome] = use_case(ctx.make_uow, TargetKind.WITHDRAWAL, [item_id], user, ctx.clock.now())
        notice = withdrawal_notice(ctx, outcome, user)
        if state is None or state.kind is not ListKind.WITHDRAWALS:
            if notice:
                answer.send(*build_notice(notice))
            return
        message = withdrawals_message(ctx, state.filter(), offset=state.offset, notice=notice)
        answer.send(*message, replace=True)

    return handle


def withdrawal_notice(
    ctx: ListenerContext, outcome: confirmation.ConfirmOutcome, user: str
) -> list[str]:
    if outcome.outcome is confirmation.Outcome.ALREADY_CONFIRMED:
        if outcome.by == user:  # a double click of one's own confirm
            return []
        return [build_already_confirmed(outcome.by, outcome.at, locale=ctx.locale, tz=ctx.tz)]
    if outcome.outcome is confirmation.Outcome.NOT_CONFIRMED:
        return [t(ctx.locale, "confirm.not_confirmed")]
    if outcome.outcome is confirmation.Outcome.SUPERSEDED:
        return [t(ctx.locale, "confirm.superseded")]
    key = (
        "cancels.withdrawal_confirmed"
        if outcome.outcome is confirmation.Outcome.CONFIRMED
        else "cancels.withdrawal_unconfirmed"
    )
    number = outcome.management_no or "?"
    return [t(ctx.locale, key, id=outcome.target_id, management_no=safe(number))]
