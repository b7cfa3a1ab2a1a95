"""The C/S team's day between "alert arrives" and "confirmed" (issue 18): a person takes a
case (🙋) or lets it go, takes it over from a colleague, leaves a note, snoozes it until
later; cancelbot wakes snoozes when their time comes.

Each is one transaction with its audit event, the alerts' updates, thread replies and
App Home refreshes in the outbox. Writes are conditional (core.ports.CaseRepository): when
somebody else changed the case between the read and the write, the transaction runs again
on what is true now, so two clicks on two replicas never both win.

"The case" is the result: a withdrawal's alert shows (and takes) the case of the result it
points at, so every alert of a case says the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from enum import StrEnum

from core.errors import ConcurrentUpdate, InvalidInput, NotFound
from core.outbox import OutboxItem, refresh_home, thread_note, update_alert
from core.ports import UnitOfWork
from core.results import (
    CancelResult,
    ConfirmAction,
    ConfirmationEvent,
    CsHistoryEntry,
    TargetKind,
    WithdrawalState,
)
from core.transactions import in_transaction

UowFactory = Callable[[], UnitOfWork]
Target = tuple[TargetKind, int]

SYSTEM = "cancelbot"
NOTE_MAX = 3000  # characters: Slack's plain_text_input holds at most 3000
SNOOZE_MAX = timedelta(days=7)
SNOOZE_TOMORROW = "tomorrow"
TOMORROW_AT = time(9, 0)  # "tomorrow 09:00", local time
PERSONAL_MAX = 10

# Thread notes (their text keys; the Slack side words them).
NOTE = "note"
TAKEN_OVER = "taken_over"
UNSNOOZED = "unsnoozed"

# The audit events of a case, as the C/S details modal lists them.
CASE_ACTIONS = frozenset(
    {
        ConfirmAction.TAKE,
        ConfirmAction.RELEASE,
        ConfirmAction.TAKE_OVER,
        ConfirmAction.SNOOZE,
        ConfirmAction.WAKE,
    }
)


class Taken(StrEnum):
    TOOK = "took"
    RELEASED = "released"  # the holder clicked again
    HELD_BY_OTHER = "held_by_other"  # nothing changed: somebody else has it
    TOOK_OVER = "took_over"
    ALREADY_YOURS = "already_yours"  # a take over of one's own case


@dataclass(frozen=True)
class CaseOutcome:
    result_id: int
    outcome: Taken
    holder: str | None  # who holds the case now
    since: datetime | None
    previous: str | None = None  # whom a take over took it from
    alerts: tuple[Target, ...] = ()  # the alerts that show this case

    @property
    def changed(self) -> bool:
        return self.outcome in (Taken.TOOK, Taken.RELEASED, Taken.TOOK_OVER)


def take(make_uow: UowFactory, result_id: int, user: str, now: datetime) -> CaseOutcome:
    """🙋 "I'm on it": take the case if nobody has it, let it go if `user` has it. When
    somebody else has it nothing changes, and the outcome says who and since when."""

    def work(uow: UnitOfWork) -> CaseOutcome:
        result = _get(uow, result_id)
        targets = _alerts_of(uow, result)
        if result.taken_by == user:
            if not uow.cases.release(result_id, user):
                raise ConcurrentUpdate("the case changed meanwhile")
            _record(uow, result_id, ConfirmAction.RELEASE, user, now, targets, [user])
            return CaseOutcome(result_id, Taken.RELEASED, None, None, alerts=targets)
        if result.taken_by is not None:
            return CaseOutcome(
                result_id, Taken.HELD_BY_OTHER, result.taken_by, result.taken_at, alerts=targets
            )
        if not uow.cases.take(result_id, user, now):
            raise ConcurrentUpdate("the case changed meanwhile")
        _record(uow, result_id, ConfirmAction.TAKE, user, now, targets, [user])
        return CaseOutcome(result_id, Taken.TOOK, user, now, alerts=targets)

    return in_transaction(make_uow, work, what="taking a case")


def take_over(make_uow: UowFactory, result_id: int, user: str, now: datetime) -> CaseOutcome:
    """Take the case from whoever has it; they are told in the alert's thread."""

    def work(uow: UnitOfWork) -> CaseOutcome:
        result = _get(uow, result_id)
        targets = _alerts_of(uow, result)
        previous = result.taken_by
        if previous == user:
            return CaseOutcome(
                result_id, Taken.ALREADY_YOURS, user, result.taken_at, alerts=targets
            )
        if not uow.cases.take(result_id, user, now, previous=previous):
            raise ConcurrentUpdate("the case changed meanwhile")
        if previous is None:
            _record(uow, result_id, ConfirmAction.TAKE, user, now, targets, [user])
            return CaseOutcome(result_id, Taken.TOOK, user, now, alerts=targets)
        _record(uow, result_id, ConfirmAction.TAKE_OVER, user, now, targets, [user, previous])
        uow.outbox.enqueue(
            [
                thread_note(target, target_id, TAKEN_OVER, user, now, params={"previous": previous})
                for target, target_id in targets
            ],
            now,
        )
        return CaseOutcome(result_id, Taken.TOOK_OVER, user, now, previous, targets)

    return in_transaction(make_uow, work, what="taking a case over")


def add_note(
    make_uow: UowFactory, result_id: int, user: str, text: str, now: datetime
) -> tuple[Target, ...]:
    """A note in the order's C/S history (by `user`) and in the alerts' threads. A result
    with no order keeps its notes by itself until the order turns up. Returns the alerts."""
    note = text.strip()
    if not note:
        raise InvalidInput("a note needs some text")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"a note holds at most {NOTE_MAX} characters ({len(note)} given)")

    def work(uow: UnitOfWork) -> tuple[Target, ...]:
        result = _get(uow, result_id)
        targets = _alerts_of(uow, result)
        entry = CsHistoryEntry(result.management_no or "", now, note, user, result_id)
        uow.history.add([entry])
        uow.outbox.enqueue(
            [
                thread_note(target, target_id, NOTE, user, now, params={"text": note})
                for target, target_id in targets
            ],
            now,
        )
        return targets

    return in_transaction(make_uow, work, what="a note")


class Snoozed(StrEnum):
    SNOOZED = "snoozed"
    CONFIRMED = "confirmed"  # nothing changed: a confirmed result waits for nobody


@dataclass(frozen=True)
class SnoozeOutcome:
    result_id: int
    outcome: Snoozed
    until: datetime | None
    alerts: tuple[Target, ...] = ()


def snooze_until(choice: str, now: datetime, tz: tzinfo) -> datetime:
    """When a snooze of `choice` ends: a number of minutes from now, or "tomorrow" (09:00
    local time the next day). Anything else, or more than SNOOZE_MAX, is InvalidInput."""
    if choice == SNOOZE_TOMORROW:
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        return datetime.combine(tomorrow, TOMORROW_AT, tz)
    if not choice.isdigit() or len(choice) > 6:
        raise InvalidInput(f"a snooze of {choice!r}: minutes or {SNOOZE_TOMORROW!r}")
    minutes = timedelta(minutes=int(choice))
    if not timedelta(0) < minutes <= SNOOZE_MAX:
        raise InvalidInput(f"a snooze of {choice} minutes: 1 to {SNOOZE_MAX.days} days")
    return now + minutes


def snooze(
    make_uow: UowFactory, result_id: int, user: str, until: datetime, now: datetime
) -> SnoozeOutcome:
    """Out of the default view and the digest until `until`; then back, with a thread
    reply mentioning `user` (wake_snoozes)."""
    if until <= now:
        raise InvalidInput("a snooze must end in the future")

    def work(uow: UnitOfWork) -> SnoozeOutcome:
        result = _get(uow, result_id)
        targets = _alerts_of(uow, result)
        if result.confirmed:
            return SnoozeOutcome(result_id, Snoozed.CONFIRMED, None, targets)
        if not uow.cases.snooze(result_id, until, user):
            raise ConcurrentUpdate("the result was confirmed meanwhile")
        homes = [user] + ([result.snoozed_by] if result.snoozed_by else [])
        reason = f"until {until.isoformat(timespec='seconds')}"
        _record(uow, result_id, ConfirmAction.SNOOZE, user, now, targets, homes, reason)
        return SnoozeOutcome(result_id, Snoozed.SNOOZED, until, targets)

    return in_transaction(make_uow, work, what="a snooze")


def wake_snoozes(make_uow: UowFactory, now: datetime, limit: int = 100) -> list[int]:
    """Every snooze whose time has come ends: the result is back in the lists, its alerts
    say so in their threads, mentioning who snoozed it (an unconfirmed one: a confirmed
    one needs nobody). Once across replicas: the conditional wake and the notes' keys."""

    def work(uow: UnitOfWork) -> list[int]:
        woken: list[int] = []
        items: list[OutboxItem] = []
        for result in uow.cases.due_snoozes(now, limit):
            result_id = _rid(result)
            if not uow.cases.wake(result_id, now):
                continue  # another replica woke it first
            woken.append(result_id)
            targets = _alerts_of(uow, result)
            by, until = result.snoozed_by, result.snoozed_until
            homes = [by] if by else []
            _record(uow, result_id, ConfirmAction.WAKE, SYSTEM, now, targets, homes)
            if result.confirmed or not by or until is None:
                continue
            stamp = until.isoformat()
            items += [
                thread_note(
                    target,
                    target_id,
                    UNSNOOZED,
                    by,
                    now,
                    params={"until": stamp},
                    dedupe_key=f"unsnooze:{target.value}:{target_id}:{stamp}",
                )
                for target, target_id in targets
            ]
        uow.outbox.enqueue(items, now)
        return woken

    return in_transaction(make_uow, work, what="waking snoozes")


# --- what people see -------------------------------------------------------------------


def result_of(make_uow: UowFactory, result_id: int) -> CancelResult:
    """The result a case is about (NotFound when it is gone)."""
    with make_uow() as uow:
        return _get(uow, result_id)


@dataclass(frozen=True)
class Personal:
    """One person's own list (App Home): the unconfirmed cases they took, and their
    snoozes; each capped, with how many there are."""

    taken: list[CancelResult]
    taken_total: int
    snoozed: list[CancelResult]
    snoozed_total: int

    @property
    def empty(self) -> bool:
        return self.taken_total == 0 and self.snoozed_total == 0


def personal(make_uow: UowFactory, user: str, limit: int = PERSONAL_MAX) -> Personal:
    with make_uow() as uow:
        taken, taken_total = uow.cases.taken_by(user, limit)
        snoozed, snoozed_total = uow.cases.snoozed_by(user, limit)
    return Personal(taken, taken_total, snoozed, snoozed_total)


@dataclass(frozen=True)
class CaseLog:
    """What people did with some results' cases (take, release, take over, snooze, wake),
    oldest first, and notes written while a result had no order."""

    events: list[ConfirmationEvent]
    notes: list[CsHistoryEntry]


def case_log(make_uow: UowFactory, result_ids: Collection[int]) -> CaseLog:
    ids = sorted(set(result_ids))
    with make_uow() as uow:
        events = [
            e
            for i in ids
            for e in uow.audit.for_target(TargetKind.RESULT, i)
            if e.action in CASE_ACTIONS
        ]
        notes = uow.cases.unmatched_notes(ids)
    return CaseLog(sorted(events, key=lambda e: e.at), notes)


# --- shared ----------------------------------------------------------------------------


def _get(uow: UnitOfWork, result_id: int) -> CancelResult:
    result = uow.results.get(result_id)
    if result is None:
        raise NotFound(f"no result with id {result_id}", ids=[result_id])
    return result


def _rid(result: CancelResult) -> int:
    if result.id is None:
        raise AssertionError("result was not stored")
    return result.id


def _alerts_of(uow: UnitOfWork, result: CancelResult) -> tuple[Target, ...]:
    """The result's own alert and those of the withdrawals pointing at it (still in
    force), whether posted or not: the outbox skips what has no message."""
    result_id = _rid(result)
    withdrawals = uow.withdrawals.for_results([result_id])
    return (
        (TargetKind.RESULT, result_id),
        *(
            (TargetKind.WITHDRAWAL, w.id)
            for w in withdrawals
            if w.id is not None and w.state is not WithdrawalState.SUPERSEDED
        ),
    )


def _record(
    uow: UnitOfWork,
    result_id: int,
    action: ConfirmAction,
    actor: str,
    now: datetime,
    targets: Sequence[Target],
    homes: Sequence[str],
    reason: str | None = None,
) -> None:
    """The audit event, the alerts updated in place, the App Homes whose lists changed."""
    uow.audit.add([ConfirmationEvent(TargetKind.RESULT, result_id, action, actor, now, reason)])
    items = [update_alert(t, i, f"{action.value.lower()}:{now.isoformat()}") for t, i in targets]
    items += [refresh_home(user, now) for user in dict.fromkeys(homes)]
    uow.outbox.enqueue(items, now)
