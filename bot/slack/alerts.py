"""A channel alert rendered from what core knows now: the outbox's posts and updates and the
listeners' in-place refreshes render the same way, so a late or repeated delivery shows the
current state, never an old one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.slack.blocks import build_alert, build_withdrawal_alert
from core.outbox import needs_alert
from core.ports import UnitOfWork
from core.read_models import AlertSubject, alert_subject
from core.results import TargetKind, WithdrawalState
from core.rules import acceptable

METADATA_EVENT: Final = "cancelbot_alert"


@dataclass(frozen=True)
class RenderedAlert:
    blocks: list[dict[str, Any]]
    text: str
    wanted: bool  # whether the target gets a channel alert at all (SPEC §4)
    message: tuple[str, str] | None  # (channel, ts) once posted


def render(
    subject: AlertSubject,
    *,
    locale: str,
    tz: ZoneInfo,
    accept_accounts: frozenset[str] = frozenset(),
    oms_order_url: str | None = None,
) -> RenderedAlert:
    """`accept_accounts`: accounts where people accept cancel requests at the marketplace
    from Slack: their open requests get the button, and an alert of their own.
    `oms_order_url` (config) gives matched alerts an "Open in OMS" link."""
    if subject.withdrawal is not None:
        view = subject.withdrawal
        blocks, text = build_withdrawal_alert(
            view.withdrawal, view.origin, locale=locale, tz=tz, oms_order_url=oms_order_url
        )
        # One that no longer applies is not worth a new message; a posted one is updated.
        wanted = view.withdrawal.state is not WithdrawalState.SUPERSEDED
        return RenderedAlert(blocks, text, wanted, subject.message)
    result = subject.result
    if result is None:
        raise ValueError("an alert subject with neither a result nor a withdrawal")
    # Showing when the marketplace last changed the claim tells people an updated message is
    # not the one they read before; derived from the row, so re-rendering the same state
    # gives the same message.
    changed = result.updated_at if result.updated_at > result.created_at else None
    can_accept = result.account in accept_accounts
    blocks, text = build_alert(
        result,
        locale=locale,
        tz=tz,
        now=changed,
        can_accept=can_accept,
        action=subject.action,
        oms_order_url=oms_order_url,
    )
    wanted = needs_alert(result) or (can_accept and acceptable(result))
    return RenderedAlert(blocks, text, wanted, subject.message)


def render_alert(
    make_uow: Callable[[], UnitOfWork],
    target: TargetKind,
    target_id: int,
    *,
    locale: str,
    tz: ZoneInfo,
    accept_accounts: frozenset[str] = frozenset(),
    oms_order_url: str | None = None,
) -> RenderedAlert | None:
    """The alert of a result or withdrawal as the database has it now; None if it is gone."""
    subject = alert_subject(make_uow, target, target_id)
    if subject is None:
        return None
    return render(
        subject,
        locale=locale,
        tz=tz,
        accept_accounts=accept_accounts,
        oms_order_url=oms_order_url,
    )


def alert_metadata(target: TargetKind, target_id: int) -> dict[str, Any]:
    """Message metadata that names the alert's target: ids only, never customer data."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"target": target.value, "target_id": target_id},
    }
