"""`/cancels`: query cancel results by filter, page through them, confirm in bulk (the
OMS's 취소결과조회 with 선택 확인 / 전체 확인), and the subcommands help, confirm, unconfirm,
withdrawals, stats and export."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.ids import ActionId, CallbackId, SlashCommand
from bot.slack.listeners.answer import answering
from bot.slack.listeners.cancels.clicks import (
    ack_only,
    confirm_all_handler,
    confirm_all_submission_handler,
    confirm_all_submission_precheck,
    confirm_selected_handler,
    page_handler,
    withdrawal_handler,
)
from bot.slack.listeners.cancels.command import command_handler
from bot.slack.listeners.cancels.filter import (
    filter_submission_handler,
    filter_submission_precheck,
    open_filter_handler,
)
from bot.slack.listeners.context import ListenerContext
from bot.slack.listeners.deferred import Deferral, Kind
from core.results import ConfirmAction

__all__ = ["register"]


def register(app: App, ctx: ListenerContext, defer: Deferral) -> None:
    # Each acks at once; its work runs on the lazy pool after the ack was sent.
    app.command(SlashCommand.CANCELS.value)(
        **defer(Kind.COMMAND, answering(ctx, command_handler(ctx)))
    )
    app.action(ActionId.CANCELS_SELECT.value)(ack_only)
    app.action(ActionId.CANCELS_PAGE_PREV.value)(
        **defer(Kind.ACTION, answering(ctx, page_handler(ctx, -1)))
    )
    app.action(ActionId.CANCELS_PAGE_NEXT.value)(
        **defer(Kind.ACTION, answering(ctx, page_handler(ctx, +1)))
    )
    app.action(ActionId.CANCELS_CONFIRM_SELECTED.value)(
        **defer(Kind.ACTION, answering(ctx, confirm_selected_handler(ctx)))
    )
    app.action(ActionId.CANCELS_CONFIRM_ALL.value)(
        **defer(Kind.ACTION, answering(ctx, confirm_all_handler(ctx)))
    )
    app.view(CallbackId.CANCELS_CONFIRM_ALL_MODAL.value)(
        **defer(
            Kind.VIEW,
            answering(ctx, confirm_all_submission_handler(ctx)),
            precheck=confirm_all_submission_precheck(ctx),
        )
    )
    # Filter without typing (issue 18).
    app.action(ActionId.CANCELS_FILTER_OPEN.value)(
        **defer(Kind.ACTION, answering(ctx, open_filter_handler(ctx)))
    )
    app.view(CallbackId.CANCELS_FILTER_MODAL.value)(
        **defer(
            Kind.VIEW,
            answering(ctx, filter_submission_handler(ctx)),
            precheck=filter_submission_precheck(ctx),
        )
    )
    for action_id, kind in (
        (ActionId.CANCELS_WITHDRAWAL_CONFIRM, ConfirmAction.CONFIRM),
        (ActionId.CANCELS_WITHDRAWAL_UNCONFIRM, ConfirmAction.UNCONFIRM),
    ):
        app.action(action_id.value)(
            **defer(Kind.ACTION, answering(ctx, withdrawal_handler(ctx, kind)))
        )
