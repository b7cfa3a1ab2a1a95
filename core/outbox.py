"""The durable outbox: what must reach Slack or the order system, written in the same
transaction as the change that caused it, delivered later with retries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.orders import Phase
from core.results import CancelResult, TargetKind


class OutboxKind(StrEnum):
    POST_ALERT = "post_alert"  # first channel message for a result or withdrawal
    UPDATE_ALERT = "update_alert"  # its data or confirmation changed: chat.update
    THREAD_NOTE = "thread_note"  # a confirm / undo recorded under the alert
    DIGEST = "digest"  # the daily digest (one per day, not one per replica)
    WEBHOOK = "webhook"  # an event for the order system
    REFRESH_HOME = "refresh_home"  # a person's App Home, after their own items changed


# What the Slack side delivers; the rest (WEBHOOK) goes to the order system.
SLACK_KINDS = (
    OutboxKind.POST_ALERT,
    OutboxKind.UPDATE_ALERT,
    OutboxKind.THREAD_NOTE,
    OutboxKind.DIGEST,
    OutboxKind.REFRESH_HOME,
)


@dataclass(frozen=True)
class OutboxItem:
    kind: OutboxKind
    target: TargetKind | None
    target_id: int | None
    dedupe_key: str  # enqueuing the same key twice keeps one row
    payload: dict[str, Any] = field(default_factory=dict)
    # Items with the same ordering key are delivered one at a time, oldest first.
    ordering_key: str | None = None
    id: int | None = None
    attempts: int = 0
    created_at: datetime | None = None


def needs_alert(result: CancelResult) -> bool:
    """SPEC §4: after shipping, unmatched and anomalous results go to the channel."""
    return result.phase is Phase.AFTER_SHIPPING or result.unmatched or result.anomaly


def post_alert(target: TargetKind, target_id: int) -> OutboxItem:
    return OutboxItem(OutboxKind.POST_ALERT, target, target_id, f"post:{target.value}:{target_id}")


def update_alert(target: TargetKind, target_id: int, revision: str) -> OutboxItem:
    """`revision` makes the key unique per change, so each change is delivered once."""
    return OutboxItem(
        OutboxKind.UPDATE_ALERT, target, target_id, f"update:{target.value}:{target_id}:{revision}"
    )


def thread_note(
    target: TargetKind,
    target_id: int,
    text_key: str,
    actor: str,
    at: datetime,
    *,
    params: Mapping[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxItem:
    """A reply under the target's alert. `params` (JSON values) fill the text in;
    `dedupe_key` replaces the default one (per key and time) where "once" means more,
    e.g. one escalation per target whoever queues it."""
    payload: dict[str, Any] = {"text_key": text_key, "actor": actor, "at": at.isoformat()}
    if params:
        payload["params"] = dict(params)
    return OutboxItem(
        OutboxKind.THREAD_NOTE,
        target,
        target_id,
        dedupe_key or f"note:{target.value}:{target_id}:{text_key}:{at.isoformat()}",
        payload,
    )


def refresh_home(user: str, at: datetime) -> OutboxItem:
    """Publish `user`'s App Home again: something on their personal list changed."""
    return OutboxItem(
        OutboxKind.REFRESH_HOME, None, None, f"home:{user}:{at.isoformat()}", {"user": user}
    )
