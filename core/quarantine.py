"""The quarantine: records a sync or a claims file could not store are kept by themselves,
with why, and everything else goes on (the window is applied, the watermark advances).

- `apply_storable`: screen a batch, keep what cannot be stored, release the records that
  arrive clean now, apply the rest (core.apply). The sync and claims files both use it.
- `keep_set_aside`: the records a source set aside while reading a window.
- `retry`: read the records' windows again (after the marketplace or cancelbot was fixed);
  what comes back clean is stored and leaves the quarantine.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from core import screening
from core.apply import ApplyStats, apply_batch
from core.claims import Claim, ClaimState, ClaimType
from core.errors import CancelbotError, NotFound
from core.ports import ClaimSource, UnitOfWork
from core.set_aside import QuarantinedRecord, QuarantineKey, SetAside
from core.transactions import in_transaction

log = logging.getLogger(__name__)

Window = tuple[datetime, datetime]
LIST_MAX = 1000


def apply_storable(
    uow: UnitOfWork, claims: Sequence[Claim], now: datetime, *, window: Window | None
) -> ApplyStats:
    """apply_batch for what can be stored; the rest kept in the quarantine, in the same
    transaction. A record that comes back clean leaves the quarantine by itself."""
    return _apply_storable(uow, claims, now, window)[0]


def _apply_storable(
    uow: UnitOfWork, claims: Sequence[Claim], now: datetime, window: Window | None
) -> tuple[ApplyStats, int]:
    screened = screening.screen(claims)
    aside = [replace(s, window=window) for s in screened.set_aside]
    _release(uow, screened.claims, {s.key for s in aside})
    if aside:
        uow.quarantine.keep(aside, now)
    stats = apply_batch(uow, screened.claims, now) if screened.claims else ApplyStats()
    return stats, len(aside)


def keep_set_aside(uow: UnitOfWork, source: ClaimSource, window: Window, now: datetime) -> int:
    """Keep the records `source` set aside while reading `window`; returns how many."""
    return _keep(uow, source.set_aside, window, now)


def _keep(uow: UnitOfWork, aside: Iterable[SetAside], window: Window, now: datetime) -> int:
    records = [s for s in aside if s.window == window]
    if records:
        uow.quarantine.keep(records, now)
    return len(records)


def _release(
    uow: UnitOfWork, stored: Iterable[Claim], still_bad: Collection[QuarantineKey]
) -> None:
    """Remove the records these claims make good: the same claim line, or the whole record
    (line "") of the same claim, unless it is set aside again in this batch."""
    by_account: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for claim in stored:
        by_account[claim.account][claim.claim_id].add(claim.marketplace_item_id)
    gone: list[int] = []
    for account, lines in by_account.items():
        for record in uow.quarantine.for_claims(account, list(lines)):
            made_good = record.line == "" or record.line in lines.get(record.claim_id, ())
            if made_good and record.key not in still_bad:
                gone.append(record.id)
    if gone:
        log.info("%d quarantined record(s) arrived clean and were released", len(gone))
        uow.quarantine.remove(gone)


# --- claims files --------------------------------------------------------------------


@dataclass
class FileImport:
    stats: ApplyStats
    quarantined: int


def import_claims(
    make_uow: Callable[[], UnitOfWork], claims: Sequence[Claim], now: datetime, batch: int = 1000
) -> FileImport:
    """A claims file, screened like a sync: one transaction per `batch` claims."""
    out = FileImport(ApplyStats(), 0)
    for start in range(0, len(claims), batch):
        part = claims[start : start + batch]

        def work(uow: UnitOfWork, part: Sequence[Claim] = part) -> tuple[ApplyStats, int]:
            return _apply_storable(uow, part, now, None)

        stats, kept = in_transaction(make_uow, work, what="claim batch")
        out.stats += stats
        out.quarantined += kept
    return out


# --- reading and retrying --------------------------------------------------------------


def listing(make_uow: Callable[[], UnitOfWork], limit: int = LIST_MAX) -> list[QuarantinedRecord]:
    with make_uow() as uow:
        return uow.quarantine.listing(limit)


class RetryStatus(StrEnum):
    STORED = "stored"  # came back clean (or, from a file, is now storable) and was applied
    GONE = "gone"  # its window no longer reports it: a later sync sees it where it moved
    STILL = "still"  # set aside again, for the reason shown
    FAILED = "failed"  # could not be read again (the marketplace failed, no such account)


@dataclass(frozen=True)
class RetryOutcome:
    record: QuarantinedRecord
    outcome: RetryStatus
    detail: str = ""


def retry(
    make_uow: Callable[[], UnitOfWork],
    source_for: Callable[[str], ClaimSource | None],
    now: datetime,
    ids: Collection[int] = (),
) -> list[RetryOutcome]:
    """Read the records (`ids`, or all) again: a sync record's window from its marketplace,
    a claims-file record from what was kept of it. Each window is one transaction, as in a
    sync; its other claims are applied again, which changes nothing."""
    with make_uow() as uow:
        records = uow.quarantine.get_many(ids) if ids else uow.quarantine.listing(LIST_MAX)
    missing = sorted(set(ids) - {r.id for r in records})
    if missing:
        raise NotFound(f"no quarantined record with id {', '.join(map(str, missing))}", ids=missing)
    out: list[RetryOutcome] = []
    by_account: dict[str, list[QuarantinedRecord]] = defaultdict(list)
    for record in records:
        if record.from_file:
            out.append(_retry_from_file(make_uow, record, now))
        else:
            by_account[record.account].append(record)
    for account, group in sorted(by_account.items()):
        out += _retry_account(make_uow, source_for, account, group, now)
    return out


def _retry_account(
    make_uow: Callable[[], UnitOfWork],
    source_for: Callable[[str], ClaimSource | None],
    account: str,
    records: list[QuarantinedRecord],
    now: datetime,
) -> list[RetryOutcome]:
    source = source_for(account)
    if source is None:
        return [
            RetryOutcome(r, RetryStatus.FAILED, "no such account is configured") for r in records
        ]
    out = []
    try:
        for window in _windows(records, source.max_window):
            inside = [r for r in records if _within(r, window)]
            mark = len(source.set_aside)  # what this reading sets aside comes after
            try:
                pages = list(source.iter_claims(*window))
            except CancelbotError as exc:
                out += [RetryOutcome(r, RetryStatus.FAILED, str(exc)) for r in inside]
                continue

            def work(
                uow: UnitOfWork,
                window: Window = window,
                pages: list[Sequence[Claim]] = pages,
                inside: list[QuarantinedRecord] = inside,
                aside: list[SetAside] = source.set_aside[mark:],
            ) -> list[RetryOutcome]:
                return _reapply(uow, aside, window, pages, inside, now)

            out += in_transaction(make_uow, work, what="quarantine retry")
    finally:
        source.close()
    return out


def _reapply(
    uow: UnitOfWork,
    aside: list[SetAside],
    window: Window,
    pages: list[Sequence[Claim]],
    records: list[QuarantinedRecord],
    now: datetime,
) -> list[RetryOutcome]:
    for page in pages:
        apply_storable(uow, page, now, window=window)
    _keep(uow, aside, window, now)
    return _settle(uow, records, now)


def _settle(uow: UnitOfWork, records: list[QuarantinedRecord], now: datetime) -> list[RetryOutcome]:
    """What became of each record after its window was read again."""
    after = {r.id: r for r in uow.quarantine.get_many([r.id for r in records])}
    out, unseen = [], []
    for record in records:
        now_record = after.get(record.id)
        if now_record is None:
            out.append(RetryOutcome(record, RetryStatus.STORED))
        elif now_record.last_seen_at == now:
            out.append(RetryOutcome(now_record, RetryStatus.STILL, now_record.reason))
        else:
            unseen.append(record.id)
            out.append(RetryOutcome(record, RetryStatus.GONE, "not reported in its window again"))
    if unseen:
        uow.quarantine.remove(unseen)
    return out


def _retry_from_file(
    make_uow: Callable[[], UnitOfWork], record: QuarantinedRecord, now: datetime
) -> RetryOutcome:
    claim = claim_from_record(record.raw)
    if claim is None:
        return RetryOutcome(
            record,
            RetryStatus.FAILED,
            "what was kept of it is not a whole claim: import the file again",
        )

    def work(uow: UnitOfWork) -> list[RetryOutcome]:
        apply_storable(uow, [claim], now, window=None)
        return _settle(uow, [record], now)

    return in_transaction(make_uow, work, what="quarantine retry")[0]


def claim_from_record(raw: str) -> Claim | None:
    """The claim screening kept (core.screening.claim_record), or None when the text is
    not one (cut at its size limit, or an adapter's own record)."""
    try:
        data = json.loads(raw)
        return Claim(
            marketplace=str(data["marketplace"]),
            account=str(data["account"]),
            claim_id=str(data["claim_id"]),
            claim_type=ClaimType(data["claim_type"]),
            claim_state=ClaimState(data["claim_state"]),
            marketplace_order_id=str(data["marketplace_order_id"]),
            marketplace_item_id=str(data["marketplace_item_id"]),
            cancel_qty=_optional_int(data["cancel_qty"]),
            claimed_at=datetime.fromisoformat(data["claimed_at"]),
            ordered_qty=_optional_int(data["ordered_qty"]),
            completed_at=_optional_time(data["completed_at"]),
            shipped_hint=data["shipped_hint"] if data["shipped_hint"] in (True, False) else None,
            product_name=str(data["product_name"]),
            option=str(data["option"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _optional_time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _within(record: QuarantinedRecord, window: Window) -> bool:
    assert record.window_start is not None and record.window_end is not None
    return window[0] <= record.window_start and record.window_end <= window[1]


def _windows(records: Iterable[QuarantinedRecord], longest: timedelta) -> list[Window]:
    """The records' windows, overlapping ones merged, none longer than `longest` (records
    whose window is longer than that are read over their whole window, in one piece each)."""
    spans = sorted(
        (r.window_start, r.window_end)
        for r in records
        if r.window_start is not None and r.window_end is not None
    )
    merged: list[Window] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] and max(end, merged[-1][1]) - merged[-1][0] <= longest:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
