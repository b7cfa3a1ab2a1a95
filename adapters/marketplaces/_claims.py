"""Helpers for adapters: merging one claim seen in several lists of one fetch, and the
records an adapter sets aside instead of guessing (core.set_aside.SetAside, each source's
`set_aside` list; the sync keeps them in the quarantine)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

from core.claims import Claim, ClaimKey, ClaimState
from core.set_aside import RAW_LIMIT, SetAside, cap_utf8, raw_text, reason_text

log = logging.getLogger(__name__)

# States only move forward (core.rules.next_state): the later one is the news.
_STATE_RANK = {ClaimState.REQUESTED: 0, ClaimState.COMPLETED: 1, ClaimState.WITHDRAWN: 2}
cap_raw = cap_utf8  # (the name adapters and their tests use)
__all__ = ["RAW_LIMIT", "SetAside", "cap_raw", "keep_latest", "set_aside"]


def keep_latest(claims: dict[ClaimKey, Claim], claim: Claim) -> None:
    """Add `claim` unless the same claim is already there in the same or a later state (a
    cancel seen in the requested and the completed list of one window is completed)."""
    known = claims.get(claim.key)
    if known is None or _STATE_RANK[claim.claim_state] > _STATE_RANK[known.claim_state]:
        claims[claim.key] = claim


def set_aside(
    into: list[SetAside],
    *,
    account: str,
    marketplace: str,
    claim_id: str,
    reason: str,
    record: object,
    window: tuple[datetime, datetime] | None = None,
    redact: Callable[[str], str] = lambda text: text,
) -> SetAside:
    """Append a SetAside for `record` (a decoded JSON value, or text as sent) and log it.
    `redact` masks the account's credentials in the kept text (a marketplace may echo
    them). The log names the account, the claim and the reason only: a record carries
    customers' names and addresses, and nothing of it belongs in a log line."""
    text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
    entry = SetAside(
        account,
        marketplace,
        claim_id,
        reason_text(redact(reason)),
        raw_text(redact(text)),
        window=window,
    )
    into.append(entry)
    log.warning(
        "%s account %s: claim %s set aside: %s", marketplace, account, claim_id or "?", reason
    )
    return entry
