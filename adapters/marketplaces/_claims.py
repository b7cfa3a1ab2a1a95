"""Helpers for adapters that read one claim from several lists in one fetch."""

from __future__ import annotations

from core.claims import Claim, ClaimKey, ClaimState

# States only move forward (core.rules.next_state): the later one is the news.
_STATE_RANK = {ClaimState.REQUESTED: 0, ClaimState.COMPLETED: 1, ClaimState.WITHDRAWN: 2}


def keep_latest(claims: dict[ClaimKey, Claim], claim: Claim) -> None:
    """Add `claim` unless the same claim is already there in the same or a later state (a
    cancel seen in the requested and the completed list of one window is completed)."""
    known = claims.get(claim.key)
    if known is None or _STATE_RANK[claim.claim_state] > _STATE_RANK[known.claim_state]:
        claims[claim.key] = claim
