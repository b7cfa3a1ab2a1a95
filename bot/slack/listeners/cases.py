"""Issue 18 on an alert: 🙋 take or let go (cancel_claim), take over from the private
"X is handling it" (cancel_takeover), 📝 note (cancel_note, then cancel_note_modal), the ⋯
menu (cancel_more: snooze, C/S details, note) and the OMS link (cancel_open_oms: a link
button, only acked).

Each acks first (listeners.deferred), checks the same permissions as Confirm, runs
core.cases, and re-renders the case's alerts in place from the database; the outbox
re-renders them once more and posts the thread replies and App Home refreshes core queued
with the change. The note modal's submission is checked in the ack for what needs no
database (an empty or too long note stays in the modal with its error); otherwise the
modal turns into "saving…" and then says whether the note was kept, the only place its
author is looking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import t
from bot.slack.blocks.case import (
    MORE_DETAILS,
    MORE_NOTE,
    MoreChoice,
    build_held_by_other,
)
from bot.slack.blocks.common import when, who
from bot.slack.blocks.note_modal import (
    build_note_modal,
    build_note_notice,
    note_result_id,
    note_text,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.answer import Answer
from bot.slack.listeners.context import ListenerContext, target_id, tell, user_id
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.details import details_view
from bot.slack.listeners.errors import guarded
from bot.slack.listeners.permissions import Verdict
from bot.slack.listeners.refresh import refresh_alerts
from core import cases
from core.errors import InvalidInput, NotFound

log = logging.getLogger(__name__)

Handler = Callable[..., None]
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    for action_id, handler in (
        (ActionId.CANCEL_CLAIM, claim_handler(ctx)),
        (ActionId.CANCEL_TAKEOVER, takeover_handler(ctx)),
        (ActionId.CANCEL_NOTE, note_button_handler(ctx)),
        (ActionId.CANCEL_MORE, more_handler(ctx)),
    ):
        app.action(action_id.value)(**defer(Kind.ACTION, guarded(ctx, handler)))
    app.action(ActionId.CANCEL_OPEN_OMS.value)(ack_link)
    app.view(CallbackId.CANCEL_NOTE_MODAL.value)(
        **defer(
            Kind.VIEW,
            guarded(ctx, note_submission_handler(ctx)),
            precheck=note_precheck(ctx),
            admitted=lambda _: {
                "response_action": "update",
                "view": build_note_notice(t(ctx.locale, "note.saving"), locale=ctx.locale),
            },
        )
    )


def ack_link(ack: Ack) -> None:
    """A link button opens its URL in the browser; Slack still wants the click acked."""
    ack()


def refused(ctx: ListenerContext, client: WebClient, user: str) -> str | None:
    """The catalogue key saying why `user` may not act on cases, or None when they may
    (allowed_users / allowed_usergroups, as for Confirm)."""
    verdict = ctx.permissions.check(user, client)
    if verdict is Verdict.ALLOWED:
        return None
    return "case.not_allowed" if verdict is Verdict.REFUSED else "confirm.permission_unknown"


def allowed(ctx: ListenerContext, client: WebClient, body: Mapping[str, Any], user: str) -> bool:
    key = refused(ctx, client, user)
    if key is not None:
        tell(client, body, t(ctx.locale, key))
    return key is None


def claim_handler(ctx: ListenerContext) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = user_id(body)
        result_id = target_id(action.get("value"))
        if not allowed(ctx, client, body, user):
            return
        outcome = cases.take(ctx.make_uow, result_id, user, ctx.clock.now())
        if outcome.outcome is cases.Taken.HELD_BY_OTHER:
            blocks, text = build_held_by_other(
                outcome.holder or "?", outcome.since, result_id, locale=ctx.locale, tz=ctx.tz
            )
            tell_blocks(client, body, blocks, text)
            return
        refresh_alerts(ctx, client, outcome.alerts)

    return handle


def takeover_handler(ctx: ListenerContext) -> Handler:
    """Take over, from the private answer: that answer is replaced by what happened."""

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = user_id(body)
        result_id = target_id(action.get("value"))
        answer = Answer.of(client, body)
        key = refused(ctx, client, user)
        if key is not None:
            answer.send([], t(ctx.locale, key), replace=True)
            return
        outcome = cases.take_over(ctx.make_uow, result_id, user, ctx.clock.now())
        said = {
            cases.Taken.TOOK_OVER: "case.took_over",
            cases.Taken.TOOK: "case.took",
            cases.Taken.ALREADY_YOURS: "case.already_yours",
        }[outcome.outcome]
        text = t(ctx.locale, said, id=result_id, previous=who(outcome.previous or "?"))
        answer.send([], text, replace=True)
        refresh_alerts(ctx, client, outcome.alerts)

    return handle


def open_note(ctx: ListenerContext, client: WebClient, body: Mapping[str, Any], rid: int) -> None:
    trigger_id = body.get("trigger_id")
    if not trigger_id:
        raise InvalidInput("the click carries no trigger_id to open a modal with")
    view = build_note_modal(cases.result_of(ctx.make_uow, rid), locale=ctx.locale)
    client.views_open(trigger_id=trigger_id, view=view)


def note_button_handler(ctx: ListenerContext) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        result_id = target_id(action.get("value"))
        if allowed(ctx, client, body, user_id(body)):
            open_note(ctx, client, body, result_id)

    return handle


def note_precheck(ctx: ListenerContext) -> Callable[[Ack, Mapping[str, Any]], bool]:
    """In the ack: a note modal without its result, or with nothing or too much typed, is
    answered in the modal itself (its input shows the error)."""

    def check(ack: Ack, body: Mapping[str, Any]) -> bool:
        view = body.get("view") or {}
        text = note_text(view).strip()
        try:
            note_result_id(view)
        except InvalidInput:
            error = t(ctx.locale, "error.invalid")
        else:
            if text and len(text) <= cases.NOTE_MAX:
                return True
            error = t(ctx.locale, "note.too_long", max=cases.NOTE_MAX) if text else ""
            error = error or t(ctx.locale, "note.empty")
        ack(response_action="errors", errors={BlockId.NOTE.value: error})
        return False

    return check


def note_submission_handler(ctx: ListenerContext) -> Handler:
    def handle(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = user_id(body)
        result_id = note_result_id(view)
        key = refused(ctx, client, user)
        if key is None:
            try:
                cases.add_note(
                    ctx.make_uow, result_id, user, note_text(view).strip(), ctx.clock.now()
                )
                key = "note.saved"
            except NotFound:
                key = "note.gone"
        shown = build_note_notice(t(ctx.locale, key), locale=ctx.locale)
        try:
            client.views_update(view_id=view.get("id"), view=shown)
        except SLACK_ERRORS as exc:
            log.info("the note modal could not be updated: %s", exc.__class__.__name__)

    return handle


def more_handler(ctx: ListenerContext) -> Handler:
    """The ⋯ menu: C/S details (anyone), a note, or a snooze (those allowed)."""

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        choice = MoreChoice.parse((action.get("selected_option") or {}).get("value"))
        if choice.kind == MORE_DETAILS:
            trigger_id = body.get("trigger_id")
            if not trigger_id:
                raise InvalidInput("the click carries no trigger_id to open a modal with")
            client.views_open(trigger_id=trigger_id, view=details_view(ctx, choice.result_id))
            return
        user = user_id(body)
        if not allowed(ctx, client, body, user):
            return
        if choice.kind == MORE_NOTE:
            open_note(ctx, client, body, choice.result_id)
            return
        now = ctx.clock.now()
        until = cases.snooze_until(choice.snooze, now, ctx.tz)
        outcome = cases.snooze(ctx.make_uow, choice.result_id, user, until, now)
        if outcome.outcome is cases.Snoozed.CONFIRMED:
            tell(client, body, t(ctx.locale, "case.snooze_confirmed"))
            return
        text = t(
            ctx.locale,
            "case.snoozed_you",
            id=choice.result_id,
            until=when(until, ctx.locale, ctx.tz),
        )
        tell(client, body, text)
        refresh_alerts(ctx, client, outcome.alerts)

    return handle


def tell_blocks(
    client: WebClient, body: Mapping[str, Any], blocks: list[dict[str, Any]], text: str
) -> None:
    """An ephemeral message with blocks to the person who clicked, where they clicked."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    user = (body.get("user") or {}).get("id")
    if not channel or not user:
        log.info("no channel to answer the interaction in; the answer is dropped")
        return
    client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
