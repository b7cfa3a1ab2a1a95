"""Accepting a buyer's cancel request at the marketplace (issue 19): once, safely, or
honestly unknown.

None of the marketplaces has an idempotency key, so: the action row is claimed in the
database before any call (double clicks, two people, several replicas → one call); the
precondition is checked in the bot (a cancel request on an order cancelbot holds before
shipping) and again at the marketplace just before the call; the write is made once and
never retried; how it ended is recorded with who and when, in the order's C/S history, on
the alert (updated in place) and in its thread. The claim's own state follows at the next
sync (COMPLETED), through the usual reconciliation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.claims import ClaimState, ClaimType
from core.errors import MarketplaceError, NotFound
from core.marketplace_actions import (
    ActionKind,
    ActionOutcome,
    ActionRequest,
    ActionState,
    MarketplaceAction,
)
from core.orders import OrderStatus
from core.outbox import thread_note, update_alert
from core.ports import ClaimActions, UnitOfWork
from core.results import CancelResult, CsHistoryEntry, TargetKind
from core.transactions import in_transaction

UowFactory = Callable[[], UnitOfWork]
ActionsFor = Callable[[str], ClaimActions | None]  # account name → its actions, if on

ACCEPTED_TEXT = "판매처 취소승인"
_SLACK_USER = re.compile(r"[UW][A-Z0-9]+")


class Refusal(StrEnum):
    """Why an accept was refused before any write (stable codes for translations)."""

    NOT_ENABLED = "not_enabled"  # the account's config does not switch the action on
    NOT_A_REQUEST = "not_a_request"  # not a cancel, or no longer REQUESTED in cancelbot
    UNMATCHED = "unmatched"  # no order: nothing cancelbot holds
    SHIPPED = "shipped"  # the order book says the goods left
    NOT_HELD = "not_held"  # cancelbot does not hold the order
    TAKEN = "taken"  # another click, person or replica has it, or it is done
    CLOSED_AT_MARKETPLACE = "closed_at_marketplace"  # the re-read: no open request
    SHIPPED_AT_MARKETPLACE = "shipped_at_marketplace"  # the re-read: the goods left


@dataclass(frozen=True)
class AcceptOutcome:
    """How an accept ended: `refused` before any write (and why), or the action row as
    recorded (DONE, FAILED or UNKNOWN)."""

    result_id: int
    action: MarketplaceAction | None
    refused: Refusal | None = None
    detail: str = ""  # what the marketplace's re-read said, for a refusal there

    @property
    def state(self) -> ActionState | None:
        return self.action.state if self.action else None


def precheck(make_uow: UowFactory, accounts: Collection[str], result_id: int) -> Refusal | None:
    """Why an accept would be refused in the bot, before anything is claimed or called
    (for a modal to say so at once); None when it may go ahead. `accounts`: those whose
    config switches accepting on. accept_cancel checks again, atomically, when it runs."""
    with make_uow() as uow:
        result = uow.results.get(result_id)
        if result is None:
            raise NotFound(f"no result with id {result_id}", ids=[result_id])
        if result.account not in accounts:
            return Refusal.NOT_ENABLED
        if (refusal := _refusal(uow, result)) is not None:
            return refusal
        current = uow.actions.for_claim(
            result.marketplace, result.account, result.claim_id, ActionKind.ACCEPT_CANCEL
        )
    if current is not None and current.state is not ActionState.FAILED:
        return Refusal.TAKEN
    return None


def accept_cancel(
    make_uow: UowFactory, actions_for: ActionsFor, result_id: int, actor: str, now: datetime
) -> AcceptOutcome:
    """Accept the cancel request of result `result_id` at its marketplace, on behalf of
    `actor`. Raises NotFound for an unknown result; every other way it ends is an
    AcceptOutcome."""

    def claim(uow: UnitOfWork) -> AcceptOutcome | tuple[CancelResult, MarketplaceAction]:
        result = uow.results.get(result_id)
        if result is None:
            raise NotFound(f"no result with id {result_id}", ids=[result_id])
        refusal = _refusal(uow, result)
        if refusal is not None:
            return AcceptOutcome(result_id, None, refusal)
        row = MarketplaceAction(
            result_id=result_id,
            marketplace=result.marketplace,
            account=result.account,
            claim_id=result.claim_id,
            action=ActionKind.ACCEPT_CANCEL,
            state=ActionState.PENDING,
            by=actor,
            at=now,
        )
        claimed = uow.actions.claim(row)
        if claimed is None:
            current = uow.actions.for_claim(
                result.marketplace, result.account, result.claim_id, ActionKind.ACCEPT_CANCEL
            )
            return AcceptOutcome(result_id, current, Refusal.TAKEN)
        return result, claimed

    actions = _enabled(make_uow, actions_for, result_id)
    if actions is None:
        return AcceptOutcome(result_id, None, Refusal.NOT_ENABLED)
    try:
        claimed = in_transaction(make_uow, claim, what="accept claim")
        if isinstance(claimed, AcceptOutcome):
            return claimed
        result, row = claimed
        request = ActionRequest.for_result(result)
        try:
            now_there = actions.read_claim(request)
        except MarketplaceError as exc:
            return _finish(make_uow, result, row, _unread(exc), now)
        if now_there.shipped:
            why = Refusal.SHIPPED_AT_MARKETPLACE
            return _release(make_uow, row, result_id, why, now_there.detail)
        if not now_there.found or now_there.claim_state is not ClaimState.REQUESTED:
            why = Refusal.CLOSED_AT_MARKETPLACE
            return _release(make_uow, row, result_id, why, now_there.detail)
        return _finish(make_uow, result, row, actions.accept_cancel(request), now)
    finally:
        actions.close()


def _enabled(make_uow: UowFactory, actions_for: ActionsFor, result_id: int) -> ClaimActions | None:
    """The account's actions when its config switches accepting on; None otherwise."""
    with make_uow() as uow:
        result = uow.results.get(result_id)
    if result is None:
        raise NotFound(f"no result with id {result_id}", ids=[result_id])
    return actions_for(result.account)


def _refusal(uow: UnitOfWork, result: CancelResult) -> Refusal | None:
    """The in-bot precondition: a cancel request on an order cancelbot holds before
    shipping, as the order book says now."""
    request = result.claim_type is ClaimType.CANCEL and result.claim_state is ClaimState.REQUESTED
    if not request:
        return Refusal.NOT_A_REQUEST
    if result.management_no is None:
        return Refusal.UNMATCHED
    order = uow.orders.get_many([result.management_no], lock=True).get(result.management_no)
    if order is None:
        return Refusal.UNMATCHED
    if order.status is OrderStatus.SHIPPED:
        return Refusal.SHIPPED
    if not order.on_hold:
        return Refusal.NOT_HELD
    return None


def _mention(actor: str) -> str:
    """A Slack user as a mention in the history line; a name from the CLI as itself."""
    return f"<@{actor}>" if _SLACK_USER.fullmatch(actor) else actor


def _unread(exc: MarketplaceError) -> ActionOutcome:
    """The re-read before the call failed: nothing was written."""
    message = f"not sent: the claim could not be read ({exc})"
    return ActionOutcome(ActionState.FAILED, exc.code, message, exc.status, 0)


def _release(
    make_uow: UowFactory, row: MarketplaceAction, result_id: int, why: Refusal, detail: str
) -> AcceptOutcome:
    """The marketplace's re-read says the action no longer applies: recorded as FAILED
    with that reason (a person may try again), and refused."""
    outcome = ActionOutcome(ActionState.FAILED, why.value, detail, None, 0)
    row = _ended(row, outcome)

    def record(uow: UnitOfWork) -> None:
        uow.actions.finish(row)

    in_transaction(make_uow, record, what="accept refused")
    return AcceptOutcome(result_id, row, why, detail)


def _ended(row: MarketplaceAction, outcome: ActionOutcome) -> MarketplaceAction:
    row.state = outcome.state
    row.code, row.message = outcome.code, outcome.message
    row.http_status, row.write_calls = outcome.http_status, outcome.write_calls
    return row


def _finish(
    make_uow: UowFactory,
    result: CancelResult,
    row: MarketplaceAction,
    outcome: ActionOutcome,
    now: datetime,
) -> AcceptOutcome:
    """Record the outcome: the row, the order's history, the alert and its thread."""
    row = _ended(row, outcome)
    row.finished_at = now
    result_id = result.id or 0

    def record(uow: UnitOfWork) -> None:
        uow.actions.finish(row)
        if result.management_no:
            done = row.state is ActionState.DONE
            text = f"{ACCEPTED_TEXT} ({_mention(row.by)})"
            if not done:
                text = f"{ACCEPTED_TEXT} {row.state.value} ({_mention(row.by)}): {row.error}"
            uow.history.add([CsHistoryEntry(result.management_no, now, text, row.by, result_id)])
        revision = f"accept:{row.state.value}:{now.isoformat()}"
        note = thread_note(
            TargetKind.RESULT,
            result_id,
            f"accept_{row.state.value.lower()}",
            row.by,
            now,
            params={"detail": row.error} if row.error else None,
        )
        uow.outbox.enqueue([update_alert(TargetKind.RESULT, result_id, revision), note], now)

    in_transaction(make_uow, record, what="accept outcome")
    return AcceptOutcome(result_id, row)
