"""Acting at a marketplace on a claim (issue 19): what is asked, what a re-read finds, what
came of it. Values only; the port is core.ports.ClaimActions.

None of the marketplaces offers an idempotency key, so an action's outcome is read from
the marketplace's answer and, when the answer is unclear, from a re-read of the claim:
DONE (it took), FAILED (it did not: the marketplace refused, or the claim is still open),
UNKNOWN (nobody can tell from here: a person checks the seller page). PENDING is the state
of an action row claimed before the call; adapters never return it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.claims import ClaimState
from core.results import CancelResult


class ActionKind(StrEnum):
    ACCEPT_CANCEL = "accept_cancel"  # Coupang 출고중지완료, Naver/11st/ESM 취소 승인


class ActionState(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class ActionRequest:
    """The claim to act on, by the ids the marketplace's write call takes (SPEC §2):

    - coupang: `claim_id` = receiptId (the whole receipt: every line of it)
    - naver: `marketplace_item_id` = productOrderId; `claim_id` = claimId (checked on re-read)
    - 11st: `claim_id` = ordPrdCnSeq, `marketplace_order_id` = ordNo, `marketplace_item_id`
      = ordPrdSeq
    - gmarket / auction: `marketplace_order_id` = OrderNo (the whole order number)

    `claimed_at` dates the claim: ESM's claim list wants a date range even when asked by
    order number, so the re-read asks for the days from the request on."""

    marketplace: str
    account: str
    claim_id: str
    marketplace_order_id: str
    marketplace_item_id: str
    claimed_at: datetime

    @classmethod
    def for_result(cls, result: CancelResult) -> ActionRequest:
        return cls(
            marketplace=result.marketplace,
            account=result.account,
            claim_id=result.claim_id,
            marketplace_order_id=result.marketplace_order_id,
            marketplace_item_id=result.marketplace_item_id,
            claimed_at=result.claimed_at,
        )


@dataclass(frozen=True)
class ClaimAtMarketplace:
    """What one re-read of the claim found.

    `found`: the marketplace still shows this claim (False: gone, withdrawn out of its
    lists, or replaced by another claim). `claim_state`: REQUESTED (still open),
    COMPLETED (accepted/cancelled), WITHDRAWN, or None when the marketplace's status does
    not say which without guessing. `shipped`: whether the goods have left, None when the
    answer does not say. `detail`: the marketplace's own status words, for a person."""

    found: bool
    claim_state: ClaimState | None
    shipped: bool | None
    detail: str


@dataclass(frozen=True)
class ActionOutcome:
    """How one action ended. `code` and `message` are the marketplace's own when it sent
    them (else what happened, e.g. a timeout); `http_status` is None when no answer came;
    `write_calls` counts write attempts: 1, or 0 when the adapter stopped before writing (a
    bad id, a read the write depends on failed). Never more: a write is never resent."""

    state: ActionState
    code: str
    message: str
    http_status: int | None
    write_calls: int


@dataclass
class MarketplaceAction:
    """One action at the marketplace, as cancelbot records it: claimed (PENDING) before
    any call, so that double clicks, two people or two replicas make one call; then how
    it ended. `by` and `at` say who asked and when; `error` is the marketplace's own code
    and message (or what happened), empty when DONE."""

    result_id: int
    marketplace: str
    account: str
    claim_id: str
    action: ActionKind
    state: ActionState
    by: str
    at: datetime
    id: int | None = None
    finished_at: datetime | None = None
    code: str = ""
    message: str = ""
    http_status: int | None = None
    write_calls: int = 0

    @property
    def error(self) -> str:
        """What went wrong, in the marketplace's words; empty once DONE (its answer is
        kept in code and message all the same)."""
        if self.state is ActionState.DONE:
            return ""
        return " ".join(part for part in (self.code, self.message) if part)
