"""Confirm and Undo on an alert (results and withdrawals alike).

ack() first (Slack wants it within 3 s), then the use case, then the clicked message is
re-rendered in place from the database. The thread note and a second, idempotent
re-render come from the outbox items core enqueued with the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import t
from bot.slack.alerts import METADATA_EVENT, alert_metadata
from bot.slack.blocks.notes import build_already_confirmed
from bot.slack.ids import ActionId
from bot.slack.listeners.context import ListenerContext, message_ref, target_id, tell, user_id
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded
from bot.slack.listeners.permissions import Verdict
from bot.slack.listeners.refresh import rendered
from core import confirmation, read_models
from core.results import ConfirmAction, TargetKind

log = logging.getLogger(__name__)

Handler = Callable[..., None]


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    for action_id, target, action in (
        (ActionId.CANCEL_CONFIRM, TargetKind.RESULT, ConfirmAction.CONFIRM),
        (ActionId.CANCEL_UNCONFIRM, TargetKind.RESULT, ConfirmAction.UNCONFIRM),
        (ActionId.WITHDRAWAL_CONFIRM, TargetKind.WITHDRAWAL, ConfirmAction.CONFIRM),
        (ActionId.WITHDRAWAL_UNCONFIRM, TargetKind.WITHDRAWAL, ConfirmAction.UNCONFIRM),
    ):
        app.action(action_id.value)(
            **defer(Kind.ACTION, guarded(ctx, confirmation_handler(ctx, target, action)))
        )


def confirmation_handler(
    ctx: ListenerContext, target: TargetKind, action: ConfirmAction
) -> Handler:
    use_case = confirmation.confirm if action is ConfirmAction.CONFIRM else confirmation.unconfirm

    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = user_id(body)
        item_id = target_id(action.get("value"))
        verdict = ctx.permissions.check(user, client)
        if verdict is not Verdict.ALLOWED:
            key = (
                "confirm.not_allowed"
                if verdict is Verdict.REFUSED
                else "confirm.permission_unknown"
            )
            tell(client, body, t(ctx.locale, key))
            return
        [outcome] = use_case(ctx.make_uow, target, [item_id], user, ctx.clock.now())
        if outcome.outcome is confirmation.Outcome.ALREADY_CONFIRMED:
            if outcome.by != user:  # a double click of one's own confirm needs no answer
                text = build_already_confirmed(outcome.by, outcome.at, locale=ctx.locale, tz=ctx.tz)
                tell(client, body, text)
            return
        if outcome.outcome is confirmation.Outcome.NOT_CONFIRMED:
            tell(client, body, t(ctx.locale, "confirm.not_confirmed"))
            return
        if outcome.outcome is confirmation.Outcome.SUPERSEDED:
            tell(client, body, t(ctx.locale, "confirm.superseded"))
            # The message may still show the Confirm of before: show it as it is now.
        refresh_message(ctx, client, body, target, item_id)

    return handle


def refresh_message(
    ctx: ListenerContext,
    client: WebClient,
    body: Mapping[str, Any],
    target: TargetKind,
    item_id: int,
) -> None:
    """Re-render the clicked alert now, so the clicker sees the change at once."""
    ref = message_ref(body)
    if ref is None or not _is_alert(ctx, body, target, item_id, ref):
        return
    alert = rendered(ctx, target, item_id)
    if alert is None:
        return
    try:
        client.chat_update(
            channel=ref[0],
            ts=ref[1],
            text=alert.text,
            blocks=alert.blocks,
            metadata=alert_metadata(target, item_id),
        )
    except (SlackApiError, SlackClientError, OSError) as exc:
        # The change is committed; the outbox's UPDATE_ALERT renders the message again.
        log.warning("updating the clicked alert failed: %s", exc.__class__.__name__)


def _is_alert(
    ctx: ListenerContext,
    body: Mapping[str, Any],
    target: TargetKind,
    item_id: int,
    ref: tuple[str, str],
) -> bool:
    """Only the target's own alert is overwritten with alert blocks, never another surface
    that happens to carry the same button."""
    metadata = (body.get("message") or {}).get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") == METADATA_EVENT:
        return bool(
            payload.get("target") == target.value and str(payload.get("target_id")) == str(item_id)
        )
    return read_models.alert_message(ctx.make_uow, target, item_id) == ref
