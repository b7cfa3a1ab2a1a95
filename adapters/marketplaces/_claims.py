"""Helpers for adapters: merging one claim seen in several lists of one fetch, and the
records an adapter sets aside instead of guessing."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from core.claims import Claim, ClaimKey, ClaimState

log = logging.getLogger(__name__)

# States only move forward (core.rules.next_state): the later one is the news.
_STATE_RANK = {ClaimState.REQUESTED: 0, ClaimState.COMPLETED: 1, ClaimState.WITHDRAWN: 2}
RAW_LIMIT = 4096  # bytes of a set-aside record kept (UTF-8): enough for a person to read it


def keep_latest(claims: dict[ClaimKey, Claim], claim: Claim) -> None:
    """Add `claim` unless the same claim is already there in the same or a later state (a
    cancel seen in the requested and the completed list of one window is completed)."""
    known = claims.get(claim.key)
    if known is None or _STATE_RANK[claim.claim_state] > _STATE_RANK[known.claim_state]:
        claims[claim.key] = claim


@dataclass(frozen=True)
class SetAside:
    """A claim record that could not become a Claim without guessing.

    Failing the window instead would fail every later pass too (the record comes back each
    time) and hold up every other claim of the account; skipping it silently would lose it.
    So the adapter reports the window's other claims and keeps this one for a person.
    `raw` is the record as the marketplace sent it (JSON or XML text), cut to RAW_LIMIT."""

    account: str
    marketplace: str
    claim_id: str
    reason: str
    raw: str


def set_aside(
    into: list[SetAside],
    *,
    account: str,
    marketplace: str,
    claim_id: str,
    reason: str,
    record: object,
) -> SetAside:
    """Append a SetAside for `record` (a decoded JSON value, or text as sent) and log it.
    The log names the account, the claim and the reason only: a record carries customers'
    names and addresses, and nothing of it belongs in a log line."""
    text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
    entry = SetAside(account, marketplace, claim_id, reason, cap_raw(text))
    into.append(entry)
    log.warning(
        "%s account %s: claim %s set aside: %s", marketplace, account, claim_id or "?", reason
    )
    return entry


def cap_raw(text: str, limit: int = RAW_LIMIT) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")
