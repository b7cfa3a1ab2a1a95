"""`/cancels [subcommand] [FILTER…|ID…]`: acked at once, answered after (a lazy listener,
so the answer may take longer than Slack's 3 seconds in every run mode)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient

from bot.i18n import t
from bot.slack.blocks.cancels_common import filter_text, words_of
from bot.slack.blocks.cancels_notes import build_notice, confirm_lines, id_list
from bot.slack.blocks.common import Block
from bot.slack.blocks.help import build_help
from bot.slack.blocks.stats import build_stats
from bot.slack.listeners.answer import SLACK_ERRORS, Answer, may_confirm, may_export
from bot.slack.listeners.cancels.pages import load_results, results_message, withdrawals_message
from bot.slack.listeners.context import ListenerContext
from core import confirmation, read_models
from core.cancels_command import Action, Command, parse_command
from core.csv_export import results_csv
from core.errors import InvalidInput, NotFound
from core.queries import CancelFilter
from core.results import TargetKind

log = logging.getLogger(__name__)

EXPORT_FILENAME = "cancel-results-{at:%Y%m%d-%H%M%S}.csv"


def command_handler(ctx: ListenerContext) -> Callable[..., None]:
    def handle(body: dict[str, Any], client: WebClient) -> None:
        answer = Answer.of(client, body)
        command = parse_command(str(body.get("text") or ""))
        user = answer.user
        if not user:
            raise InvalidInput("the command names no user")
        if command.action is Action.EXPORT:
            if may_export(ctx, answer, user):
                export(ctx, answer, user, command.filter)
            return
        if command.action in (Action.CONFIRM, Action.UNCONFIRM):
            if may_confirm(ctx, answer, user):
                answer.send(*confirm_ids(ctx, command.action, command.ids, user))
            return
        answer.send(*respond_to(ctx, command))

    return handle


def respond_to(ctx: ListenerContext, command: Command) -> tuple[list[Block], str]:
    """The answer to a read-only subcommand (anyone may ask)."""
    flt = command.filter
    if command.action is Action.HELP:
        return build_help(locale=ctx.locale)
    if command.action is Action.WITHDRAWALS:
        return withdrawals_message(ctx, flt)
    if command.action is Action.STATS:
        return build_stats(read_models.stats(ctx.make_uow, flt), words_of(flt), locale=ctx.locale)
    return results_message(ctx, flt, load_results(ctx, flt))


def confirm_ids(
    ctx: ListenerContext, action: Action, ids: Sequence[int], user: str
) -> tuple[list[Block], str]:
    """`/cancels confirm|unconfirm ID…`: each id's outcome; unknown ids change nothing."""
    use_case = confirmation.confirm if action is Action.CONFIRM else confirmation.unconfirm
    try:
        outcomes = use_case(ctx.make_uow, TargetKind.RESULT, ids, user, ctx.clock.now())
    except NotFound as exc:
        missing = exc.ids
        return build_notice([t(ctx.locale, "cancels.not_found", ids=id_list(missing, ctx.locale))])
    return build_notice(confirm_lines(outcomes, locale=ctx.locale, tz=ctx.tz))


def export(ctx: ListenerContext, answer: Answer, user: str, flt: CancelFilter) -> None:
    """The matching results as a CSV file in the person's DM (files.uploadV2 flow)."""
    results, total = read_models.export_results(ctx.make_uow, flt)
    if not results:
        answer.note(ctx, "cancels.export_empty")
        return
    data = results_csv(results, ctx.tz)
    at = ctx.clock.now().astimezone(ctx.tz)
    try:
        opened = answer.client.conversations_open(users=user)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise InvalidInput("conversations.open returned no channel")
        answer.client.files_upload_v2(
            channel=channel,
            content=data,
            filename=EXPORT_FILENAME.format(at=at),
            title=t(ctx.locale, "cancels.export_title", at=at.strftime("%Y-%m-%d %H:%M")),
            initial_comment=t(
                ctx.locale,
                "cancels.export_comment",
                count=len(results),
                words=filter_text(words_of(flt)),
            ),
        )
    except (*SLACK_ERRORS, InvalidInput) as exc:
        log.warning("the CSV export could not be sent: %s", exc.__class__.__name__)
        answer.note(ctx, "cancels.export_failed")
        return
    lines = [t(ctx.locale, "cancels.export_sent", count=len(results))]
    if total > len(results):
        lines.append(t(ctx.locale, "cancels.export_capped", count=len(results), total=total))
    answer.send(*build_notice(lines))
