"""Posted alerts re-rendered in place right after a click changed them, so the person sees
the change at once; the outbox's UPDATE_ALERT renders them again (and is what counts when
this fails)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.alerts import RenderedAlert, alert_metadata, render_alert
from bot.slack.listeners.context import ListenerContext
from core.results import TargetKind

log = logging.getLogger(__name__)


def rendered(ctx: ListenerContext, target: TargetKind, target_id: int) -> RenderedAlert | None:
    """The target's alert as the database has it now, with the config's options."""
    return render_alert(
        ctx.make_uow,
        target,
        target_id,
        locale=ctx.locale,
        tz=ctx.tz,
        accept_accounts=ctx.accept_accounts,
        oms_order_url=ctx.config.oms_order_url,
    )


def refresh_alerts(
    ctx: ListenerContext, client: WebClient, targets: Iterable[tuple[TargetKind, int]]
) -> None:
    for target, target_id in targets:
        alert = rendered(ctx, target, target_id)
        if alert is None or alert.message is None:
            continue
        channel, ts = alert.message
        try:
            client.chat_update(
                channel=channel,
                ts=ts,
                text=alert.text,
                blocks=alert.blocks,
                metadata=alert_metadata(target, target_id),
            )
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("updating an alert in place failed: %s", exc.__class__.__name__)
