"""The durable outbox: what must reach Slack or the order system, written in the same
transaction as the change that caused it, delivered later with retries."""

from __future__ import annotations

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


# What the Slack side delivers; the rest (WEBHOOK) goes to the order system.
SLACK_KINDS = (
    OutboxKind.POST_ALERT,
    OutboxKind.UPDATE_ALERT,
    OutboxKind.THREAD_NOTE,
    OutboxKind.DIGEST,
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
    target: TargetKind, target_id: int, text_key: str, actor: str, at: datetime, detail: str = ""
) -> OutboxItem:
    """A reply under the target's alert; `detail` is shown with it (e.g. an error)."""
    payload = {"text_key": text_key, "actor": actor, "at": at.isoformat()}
    if detail:
        payload["detail"] = detail
    return OutboxItem(
        OutboxKind.THREAD_NOTE,
        target,
        target_id,
        f"note:{target.value}:{target_id}:{text_key}:{at.isoformat()}",
        payload,
    )
