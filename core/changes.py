"""What changed about a result between two of its states, as its alert's thread tells it
(issue 18): the marketplace moved the claim on (REQUESTED → COMPLETED, another quantity),
or the order book did (the order turned up, shipped after the hold, moved back).

Pure values; core.reconcile decides when to say it (only under an alert that was posted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.orders import Phase
from core.outbox import OutboxItem, thread_note
from core.results import CancelResult, TargetKind

CHANGED_NOTE = "changed"  # the thread note's text key


class Field(StrEnum):
    """What a change is about; the Slack side has a sentence for each."""

    CLAIM_STATE = "claim_state"  # old/new: ClaimState values
    CANCEL_QTY = "cancel_qty"  # old/new: numbers ("" when unknown)
    ORDERED_QTY = "ordered_qty"
    SHIPPED = "shipped"  # the order shipped while held: old/new Phase values
    UNSHIPPED = "unshipped"  # moved back before shipping (a correction)
    CATEGORY = "category"  # old/new: Category values (same phase)
    MATCHED = "matched"  # the order turned up: new is the management number
    CONFIRMATION_CLEARED = "confirmation_cleared"  # old: who had confirmed


@dataclass(frozen=True)
class Change:
    field: Field
    old: str = ""
    new: str = ""

    def as_json(self) -> list[str]:
        return [self.field.value, self.old, self.new]


def _qty(value: int | None) -> str:
    return "" if value is None else str(value)


def result_changes(before: CancelResult, after: CancelResult) -> list[Change]:
    """What a person reading the alert would want to be told, oldest concern first."""
    out: list[Change] = []
    if before.management_no is None and after.management_no is not None:
        out.append(Change(Field.MATCHED, "", after.management_no))
    if before.claim_state is not after.claim_state:
        out.append(Change(Field.CLAIM_STATE, before.claim_state.value, after.claim_state.value))
    if before.cancel_qty != after.cancel_qty:
        out.append(Change(Field.CANCEL_QTY, _qty(before.cancel_qty), _qty(after.cancel_qty)))
    if before.ordered_qty != after.ordered_qty and before.ordered_qty is not None:
        out.append(Change(Field.ORDERED_QTY, _qty(before.ordered_qty), _qty(after.ordered_qty)))
    if before.phase is not after.phase:
        moved = Field.SHIPPED if after.phase is Phase.AFTER_SHIPPING else Field.UNSHIPPED
        out.append(Change(moved, before.phase.value, after.phase.value))
    elif before.category is not after.category:
        out.append(Change(Field.CATEGORY, before.category.value, after.category.value))
    if before.confirmed_by is not None and after.confirmed_by is None:
        out.append(Change(Field.CONFIRMATION_CLEARED, before.confirmed_by, ""))
    return out


def change_note(result_id: int, changes: Sequence[Change], at: datetime) -> OutboxItem:
    """The thread reply saying `changes`, by cancelbot."""
    return thread_note(
        TargetKind.RESULT,
        result_id,
        CHANGED_NOTE,
        "cancelbot",
        at,
        params={"changes": [c.as_json() for c in changes]},
    )


def parse_changes(value: object) -> list[Change]:
    """The changes a thread note's params carry; what is not one is left out."""
    out: list[Change] = []
    if not isinstance(value, list):
        return out
    for item in value:
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(v, str) for v in item)
        ):
            continue
        try:
            out.append(Change(Field(item[0]), item[1], item[2]))
        except ValueError:
            continue
    return out
