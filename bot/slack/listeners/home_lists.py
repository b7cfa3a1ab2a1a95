"""App Home's counts as lists (issue 18): a count's button opens its list in a modal, which
pages (Previous/Next) and confirms the ticked ones (Confirm selected) in place, by
views.update; the modal's private_metadata carries where it is."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.i18n import t
from bot.slack.blocks.cancels_common import PAGE_SIZE, BadState, ListKind, PageState
from bot.slack.blocks.cancels_notes import confirm_lines
from bot.slack.blocks.home_list import build_list_modal, list_state
from bot.slack.ids import ActionId, BlockId
from bot.slack.listeners.cancels.pages import last_offset, load_results
from bot.slack.listeners.context import ListenerContext, target_id, user_id
from bot.slack.listeners.deferred import Deferral, Kind
from bot.slack.listeners.errors import guarded
from bot.slack.listeners.permissions import Verdict
from core import confirmation, read_models
from core.errors import InvalidInput
from core.results import TargetKind

log = logging.getLogger(__name__)

Handler = Callable[..., None]


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    opens = re.compile(rf"^{ActionId.HOME_OPEN_LIST.value}(:[0-9]+)?$")
    app.action(opens)(**defer(Kind.ACTION, guarded(ctx, open_handler(ctx))))
    app.action(ActionId.HOME_LIST_SELECT.value)(ack_only)
    for action_id, handler in (
        (ActionId.HOME_LIST_PAGE_PREV, page_handler(ctx, -1)),
        (ActionId.HOME_LIST_PAGE_NEXT, page_handler(ctx, +1)),
        (ActionId.HOME_LIST_CONFIRM_SELECTED, confirm_handler(ctx)),
    ):
        app.action(action_id.value)(**defer(Kind.ACTION, guarded(ctx, handler)))


def ack_only(ack: Ack) -> None:
    ack()


def list_view(
    ctx: ListenerContext, state: PageState, *, offset: int, notice: Sequence[str] = ()
) -> dict[str, Any]:
    """The modal for `state`'s list at `offset` (the last page when it got shorter)."""
    flt = state.filter()
    if state.kind is ListKind.WITHDRAWALS:
        page = read_models.list_withdrawals(ctx.make_uow, flt, limit=PAGE_SIZE, offset=offset)
        if not page.items and page.offset > 0 and page.total:
            offset = last_offset(page.total)
            page = read_models.list_withdrawals(ctx.make_uow, flt, limit=PAGE_SIZE, offset=offset)
        now = list_state(state.kind, state.words, page)
        return build_list_modal(now, page.items, locale=ctx.locale, tz=ctx.tz, notice=notice)
    view = load_results(ctx, flt, offset=offset)
    now = list_state(state.kind, state.words, view.page, unconfirmed=view.unconfirmed)
    return build_list_modal(now, view.page.items, locale=ctx.locale, tz=ctx.tz, notice=notice)


def open_handler(ctx: ListenerContext) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        trigger_id = body.get("trigger_id")
        if not trigger_id:
            raise InvalidInput("the click carries no trigger_id to open a modal with")
        state = PageState.decode(action.get("value"))
        client.views_open(trigger_id=trigger_id, view=list_view(ctx, state, offset=0))

    return handle


def _modal(body: Mapping[str, Any]) -> tuple[PageState, Mapping[str, Any]]:
    view = body.get("view") or {}
    if not isinstance(view, Mapping) or not view.get("id"):
        raise BadState("a list click outside its modal")
    return PageState.decode(view.get("private_metadata")), view


def _update(client: WebClient, shown: Mapping[str, Any], view: dict[str, Any]) -> None:
    client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)


def page_handler(ctx: ListenerContext, step: int) -> Handler:
    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        state, shown = _modal(body)
        offset = max(state.offset + step * PAGE_SIZE, 0)
        _update(client, shown, list_view(ctx, state, offset=offset))

    return handle


def selected(view: Mapping[str, Any]) -> list[int]:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(BlockId.HOME_LIST_SELECTION.value) or {}).get(
        ActionId.HOME_LIST_SELECT.value
    ) or {}
    options = element.get("selected_options") or []
    if not isinstance(options, list) or len(options) > PAGE_SIZE:
        raise BadState("not a list selection")
    return list(dict.fromkeys(target_id((o or {}).get("value")) for o in options))


def confirm_handler(ctx: ListenerContext) -> Handler:
    """Confirm selected, in the modal: the same permissions and use case as everywhere;
    the modal then shows what happened over a fresh page of its list."""

    def handle(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        state, shown = _modal(body)
        user = user_id(body)
        verdict = ctx.permissions.check(user, client)
        if verdict is not Verdict.ALLOWED:
            key = (
                "confirm.not_allowed"
                if verdict is Verdict.REFUSED
                else "confirm.permission_unknown"
            )
            notice = [t(ctx.locale, key)]
        elif not (ids := selected(shown)):
            notice = [t(ctx.locale, "cancels.nothing_selected")]
        else:
            kind = (
                TargetKind.WITHDRAWAL if state.kind is ListKind.WITHDRAWALS else TargetKind.RESULT
            )
            outcomes = confirmation.confirm(ctx.make_uow, kind, ids, user, ctx.clock.now())
            notice = confirm_lines(outcomes, locale=ctx.locale, tz=ctx.tz)
        _update(client, shown, list_view(ctx, state, offset=state.offset, notice=notice))

    return handle
