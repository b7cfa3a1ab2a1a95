"""Accept at the marketplace (issue 19): the `cancel_accept` button opens a modal that says
what will happen; its submission runs core.accepting once.

The submission is acked at once (listeners.deferred) with the modal turned into
"sending…": a marketplace can take longer than Slack's 3 s. The work then checks who is
asking and core's precheck, calls the marketplace, and the modal shows how it went (or why
nothing was sent); the alert is updated in place (and again, with its thread note, through
the outbox). Who may: allowed_users / allowed_usergroups, at the click and at the submission.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.i18n import t
from bot.slack.blocks.accept_modal import (
    build_accept_modal,
    build_accept_notice,
    build_accept_outcome,
)
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.context import ListenerContext, target_id, user_id
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded
from bot.slack.listeners.permissions import Verdict
from bot.slack.listeners.refresh import refresh_alerts
from core import accepting, read_models
from core.accepting import AcceptOutcome, Refusal
from core.errors import InvalidInput, NotFound
from core.results import TargetKind
from core.storable import is_row_id

log = logging.getLogger(__name__)


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    app.action(ActionId.CANCEL_ACCEPT.value)(**defer(Kind.ACTION, guarded(ctx, open_handler(ctx))))
    app.view(CallbackId.CANCEL_ACCEPT_MODAL.value)(
        **defer(
            Kind.VIEW,
            guarded(ctx, submission_handler(ctx)),
            precheck=submission_precheck(ctx),
            admitted=lambda _: {"response_action": "update", "view": working(ctx)},
        )
    )


def working(ctx: ListenerContext) -> dict[str, Any]:
    return build_accept_notice(t(ctx.locale, "accept.working"), locale=ctx.locale)


def submission_precheck(ctx: ListenerContext) -> Callable[[Ack, Mapping[str, Any]], bool]:
    """In the ack: a modal that does not carry a result id is answered there and then."""

    def check(ack: Ack, body: Mapping[str, Any]) -> bool:
        if _result_id(body.get("view") or {}) is not None:
            return True
        log.warning("an accept modal without a result id in its private_metadata")
        notice = t(ctx.locale, "error.invalid")
        ack(response_action="update", view=build_accept_notice(notice, locale=ctx.locale))
        return False

    return check


def _result_id(view: Mapping[str, Any]) -> int | None:
    text = str(view.get("private_metadata") or "")
    return int(text) if text.isdigit() and is_row_id(int(text)) else None


def open_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            raise InvalidInput("the click carries no trigger_id to open a modal with")
        result_id = target_id(action.get("value"))
        # views.open must follow the click within 3 s: a permission check and two reads.
        refusal = _why_not(ctx, client, user_id(body), result_id)
        if refusal is not None:
            view = build_accept_notice(refusal, locale=ctx.locale)
        else:
            details = read_models.result_details(ctx.make_uow, result_id)
            [result] = [r for r in details.results if r.id == result_id]
            view = build_accept_modal(result, details.order, locale=ctx.locale)
        # From inside a modal (C/S details) the step is stacked on it; elsewhere it opens.
        if body.get("view") and (body.get("container") or {}).get("type") == "view":
            client.views_push(trigger_id=trigger_id, view=view)
        else:
            client.views_open(trigger_id=trigger_id, view=view)

    return handle


def submission_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        result_id = _result_id(view)
        if result_id is None:  # answered in the ack
            return
        try:
            refusal = _why_not(ctx, client, user_id(body), result_id)
        except NotFound:
            refusal = t(ctx.locale, "error.not_found")
        if refusal is not None:
            _show(client, view, build_accept_notice(refusal, locale=ctx.locale))
            return
        outcome = accepting.accept_cancel(
            ctx.make_uow, ctx.claim_actions, result_id, user_id(body), ctx.clock.now()
        )
        _show_outcome(ctx, client, view, outcome)
        if outcome.action is not None:
            refresh_alerts(ctx, client, [(TargetKind.RESULT, result_id)])

    return handle


def _why_not(ctx: ListenerContext, client: WebClient, user: str, result_id: int) -> str | None:
    """Why `user` may not accept result `result_id` now (their permission, then core's
    precheck), in their language; None when they may."""
    verdict = ctx.permissions.check(user, client)
    if verdict is not Verdict.ALLOWED:
        key = "accept.not_allowed" if verdict is Verdict.REFUSED else "confirm.permission_unknown"
        return t(ctx.locale, key)
    return _refusal_text(ctx, accepting.precheck(ctx.make_uow, ctx.accept_accounts, result_id))


def _refusal_text(ctx: ListenerContext, refusal: Refusal | None, detail: str = "") -> str | None:
    if refusal is None:
        return None
    return t(ctx.locale, f"accept.refused.{refusal.value}", detail=detail or "-")


def _show_outcome(
    ctx: ListenerContext, client: WebClient, view: Mapping[str, Any], outcome: AcceptOutcome
) -> None:
    """The submitted modal, now saying how it went."""
    if outcome.refused is not None:
        text = _refusal_text(ctx, outcome.refused, outcome.detail) or ""
        _show(client, view, build_accept_notice(text, locale=ctx.locale))
    elif outcome.action is not None:
        _show(client, view, build_accept_outcome(outcome.action, locale=ctx.locale, tz=ctx.tz))


def _show(client: WebClient, view: Mapping[str, Any], shown: dict[str, Any]) -> None:
    """Replace the submitted modal (the ack made it "working…"; it may be closed since)."""
    view_id = view.get("id")
    if not view_id:
        return
    try:
        client.views_update(view_id=view_id, view=shown)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.info("the accept modal could not be updated: %s", exc.__class__.__name__)
