"""Confirmation (SPEC §3 rule 8): confirm, unconfirm, confirm selected and confirm all,
each recorded with who and when; an unconfirm is an audit event, never a deletion."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from core import reconcile
from core.errors import NotFound
from core.oms_events import OmsEvent, oms_event
from core.outbox import refresh_home, thread_note, update_alert
from core.ports import UnitOfWork
from core.queries import CancelFilter
from core.results import (
    CancelResult,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    TargetKind,
    Withdrawal,
    WithdrawalState,
)
from core.transactions import in_transaction

UowFactory = Callable[[], UnitOfWork]


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    UNCONFIRMED = "unconfirmed"
    NOT_CONFIRMED = "not_confirmed"
    SUPERSEDED = "superseded"  # a withdrawal that no longer applies: nothing to confirm


@dataclass(frozen=True)
class ConfirmOutcome:
    target: TargetKind
    target_id: int
    outcome: Outcome
    by: str | None = None  # who holds the confirmation now (for "already confirmed by X")
    at: datetime | None = None
    management_no: str | None = None  # the order it belongs to, None when unmatched

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.CONFIRMED, Outcome.UNCONFIRMED)


def confirm(
    make_uow: UowFactory, target: TargetKind, ids: Sequence[int], actor: str, now: datetime
) -> list[ConfirmOutcome]:
    """Confirm results or withdrawals. Unknown ids are an error and change nothing; ids
    somebody else confirmed first come back as ALREADY_CONFIRMED with who and when."""
    return _set_confirmation(make_uow, target, ids, actor, now, ConfirmAction.CONFIRM)


def unconfirm(
    make_uow: UowFactory, target: TargetKind, ids: Sequence[int], actor: str, now: datetime
) -> list[ConfirmOutcome]:
    """Take a confirmation back: an audit event, never a deletion."""
    return _set_confirmation(make_uow, target, ids, actor, now, ConfirmAction.UNCONFIRM)


def _set_confirmation(
    make_uow: UowFactory,
    target: TargetKind,
    ids: Sequence[int],
    actor: str,
    now: datetime,
    action: ConfirmAction,
) -> list[ConfirmOutcome]:
    wanted = list(dict.fromkeys(ids))

    def work(uow: UnitOfWork) -> list[ConfirmOutcome]:
        repo = uow.results if target is TargetKind.RESULT else uow.withdrawals
        found = repo.get_many(wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"no {target.value} with id {', '.join(map(str, missing))}", ids=missing)
        numbers = {f.management_no for f in found.values() if f.management_no}
        if target is TargetKind.WITHDRAWAL:
            # Orders first, as every writer takes them: a released withdrawal changes what
            # the order's ledger says (SPEC rule 11), settled below in this transaction.
            uow.orders.get_many(numbers, lock=True)
        if action is ConfirmAction.CONFIRM:
            changed = set(repo.mark_confirmed(wanted, actor, now))
        else:
            changed = set(repo.mark_unconfirmed(wanted))
        owners = {i: (f.management_no, _result_id(f)) for i, f in found.items()}
        _record(uow, target, sorted(changed), owners, action, actor, now)
        if target is TargetKind.WITHDRAWAL and changed:
            reconcile.settle(uow, {owners[i][0] or "" for i in changed} - {""}, now)
        after = repo.get_many([i for i in wanted if i not in changed])
        return [
            _outcome(target, i, action, actor, now, found[i].management_no)
            if i in changed
            else _unchanged(target, i, action, after[i])
            for i in wanted
        ]

    return in_transaction(make_uow, work, what="confirmation")


def _outcome(
    target: TargetKind,
    target_id: int,
    action: ConfirmAction,
    actor: str,
    now: datetime,
    management_no: str | None,
) -> ConfirmOutcome:
    ok = Outcome.CONFIRMED if action is ConfirmAction.CONFIRM else Outcome.UNCONFIRMED
    return ConfirmOutcome(target, target_id, ok, actor, now, management_no)


def _unchanged(
    target: TargetKind, target_id: int, action: ConfirmAction, now_: CancelResult | Withdrawal
) -> ConfirmOutcome:
    if isinstance(now_, Withdrawal) and now_.state is WithdrawalState.SUPERSEDED:
        outcome = Outcome.SUPERSEDED
    elif action is ConfirmAction.CONFIRM:
        outcome = Outcome.ALREADY_CONFIRMED
    else:
        outcome = Outcome.NOT_CONFIRMED
    return ConfirmOutcome(
        target, target_id, outcome, now_.confirmed_by, now_.confirmed_at, now_.management_no
    )


def _record(
    uow: UnitOfWork,
    target: TargetKind,
    changed: Sequence[int],
    owners: Mapping[int, tuple[str | None, int | None]],
    action: ConfirmAction,
    actor: str,
    now: datetime,
    *,
    thread_notes: bool = True,
) -> None:
    """Audit, C/S history, the alert update and the order-system event of a (un)confirm.
    `owners` gives each id's management number and result id."""
    uow.audit.add(ConfirmationEvent(target, i, action, actor, now) for i in changed)
    # The channel alert shows the new state and its thread records who did it. A bulk
    # confirm only updates the alerts: thousands of thread replies would drown the channel.
    note = "confirmed" if action is ConfirmAction.CONFIRM else "unconfirmed"
    items = [update_alert(target, i, f"{note}:{now.isoformat()}") for i in changed]
    if thread_notes:
        items += [thread_note(target, i, note, actor, now) for i in changed]
    if target is TargetKind.RESULT and changed:
        # Whoever took these cases sees them leave (or come back to) their own list.
        holders = set(uow.cases.holders(changed).values())
        items += [refresh_home(user, now) for user in sorted(holders)]
    if uow.oms_events:
        kind = {
            (TargetKind.RESULT, ConfirmAction.CONFIRM): OmsEvent.RESULT_CONFIRMED,
            (TargetKind.RESULT, ConfirmAction.UNCONFIRM): OmsEvent.RESULT_UNCONFIRMED,
            (TargetKind.WITHDRAWAL, ConfirmAction.CONFIRM): OmsEvent.WITHDRAWAL_CONFIRMED,
            (TargetKind.WITHDRAWAL, ConfirmAction.UNCONFIRM): OmsEvent.WITHDRAWAL_UNCONFIRMED,
        }[(target, action)]
        items += [
            oms_event(
                kind,
                no,
                owners[i][1],
                now,
                subject=str(i),
                by=actor,
                **({"withdrawal_id": i} if target is TargetKind.WITHDRAWAL else {}),
            )
            for i in changed
            if (no := owners[i][0])
        ]
    # One batch of every row: the writes cost per statement, not per row.
    uow.outbox.enqueue(items, now)
    verb = "확인" if action is ConfirmAction.CONFIRM else "확인취소"
    label = "취소결과" if target is TargetKind.RESULT else "취소철회"
    uow.history.add(
        CsHistoryEntry(
            management_no=no,
            at=now,
            text=f"{label} #{i} {verb}",
            actor=actor,
            result_id=i if target is TargetKind.RESULT else None,
        )
        for i in changed
        if (no := owners[i][0])
    )


def _result_id(target: CancelResult | Withdrawal) -> int | None:
    return target.result_id if isinstance(target, Withdrawal) else target.id


@dataclass(frozen=True)
class ConfirmAllOutcome:
    confirmed_ids: list[int]
    confirmed_elsewhere: int  # counted, but somebody else confirmed it meanwhile


def confirm_all_matching(
    make_uow: UowFactory,
    flt: CancelFilter,
    actor: str,
    now: datetime,
    *,
    snapshot_id: int,
    counted: int | None = None,
) -> ConfirmAllOutcome:
    """전체 확인: confirm exactly what was counted — results matching the filter up to the
    snapshot id the count was taken at — in one transaction. Results that arrived after
    the count stay unconfirmed."""
    unconfirmed = replace(flt, confirmed=False)
    with make_uow() as uow:
        ids = uow.results.matching_unconfirmed_ids(unconfirmed, snapshot_id)
        changed = uow.results.mark_confirmed(ids, actor, now)
        numbers = uow.results.management_nos(changed)
        owners = {i: (numbers.get(i), i) for i in changed}
        _record(
            uow,
            TargetKind.RESULT,
            sorted(changed),
            owners,
            ConfirmAction.CONFIRM,
            actor,
            now,
            thread_notes=False,
        )
        uow.commit()
    expected = counted if counted is not None else len(ids)
    return ConfirmAllOutcome(sorted(changed), max(expected - len(changed), 0))


def confirmation_log(
    make_uow: UowFactory, target: TargetKind, target_id: int
) -> list[ConfirmationEvent]:
    with make_uow() as uow:
        return uow.audit.for_target(target, target_id)
