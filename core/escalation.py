"""Escalation (issue 18): what has waited too long gets one thread reply mentioning the
team's user group — an open withdrawal (goods on hold a customer waits for), or an
unconfirmed, unsnoozed result after shipping — never twice, also across replicas.

"Once" is carried twice over: the escalation is recorded (so it is not looked at again),
and its thread reply's dedupe key names the target, so two replicas escalating the same
alert at the same moment queue one reply between them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from core.outbox import thread_note
from core.ports import UnitOfWork
from core.results import TargetKind
from core.transactions import in_transaction

UowFactory = Callable[[], UnitOfWork]

ESCALATED = "escalated"  # the thread note's text key
DEFAULT_AFTER = timedelta(minutes=120)
BATCH = 50  # per run: a first run over a long backlog spreads its replies out


def escalation_key(target: TargetKind, target_id: int) -> str:
    """The one escalation of a target, whoever queues it."""
    return f"escalate:{target.value}:{target_id}"


def escalate(
    make_uow: UowFactory,
    now: datetime,
    *,
    usergroup: str,
    after: timedelta = DEFAULT_AFTER,
    limit: int = BATCH,
) -> list[tuple[TargetKind, int]]:
    """Escalate what has waited longer than `after` and was never escalated; returns the
    targets escalated by this call."""
    minutes = int(after.total_seconds() // 60)

    def work(uow: UnitOfWork) -> list[tuple[TargetKind, int]]:
        due = uow.escalations.due(now - after, limit)
        uow.escalations.record(due, now)
        uow.outbox.enqueue(
            [
                thread_note(
                    target,
                    target_id,
                    ESCALATED,
                    "cancelbot",
                    now,
                    params={"usergroup": usergroup, "minutes": minutes},
                    dedupe_key=escalation_key(target, target_id),
                )
                for target, target_id in due
            ],
            now,
        )
        return due

    return in_transaction(make_uow, work, what="escalation")
