"""Claims: a cancel or return line exactly as a marketplace reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple

from core.vocabulary import parse_code


class Marketplace(StrEnum):
    COUPANG = "coupang"
    NAVER = "naver"
    ELEVENTH_STREET = "11st"
    GMARKET = "gmarket"
    AUCTION = "auction"
    SANDBOX = "sandbox"

    @classmethod
    def parse(cls, text: str) -> Marketplace:
        word = text.strip().lower()
        if word in MARKETPLACE_KOREAN:
            return MARKETPLACE_KOREAN[word]
        try:
            return cls(word)
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown marketplace {text!r}: use one of {valid}") from None


MARKETPLACE_KOREAN: dict[str, Marketplace] = {
    "쿠팡": Marketplace.COUPANG,
    "네이버": Marketplace.NAVER,
    "스마트스토어": Marketplace.NAVER,
    "11번가": Marketplace.ELEVENTH_STREET,
    "지마켓": Marketplace.GMARKET,
    "옥션": Marketplace.AUCTION,
}


class ClaimType(StrEnum):
    CANCEL = "CANCEL"  # 취소
    RETURN = "RETURN"  # 반품

    @classmethod
    def parse(cls, text: str) -> ClaimType:
        return parse_code(cls, text, {"취소": cls.CANCEL, "반품": cls.RETURN}, "claim_type")


class ClaimState(StrEnum):
    REQUESTED = "REQUESTED"  # 요청
    COMPLETED = "COMPLETED"  # 완료
    WITHDRAWN = "WITHDRAWN"  # 철회

    @classmethod
    def parse(cls, text: str) -> ClaimState:
        korean = {"요청": cls.REQUESTED, "완료": cls.COMPLETED, "철회": cls.WITHDRAWN}
        return parse_code(cls, text, korean, "claim_state")


class ClaimKey(NamedTuple):
    """What makes a claim line the same claim line when it is seen again (SPEC rule 10).
    A named tuple, so hashed and compared in C: a batch looks its keys up many times."""

    marketplace: str
    account: str
    claim_id: str
    line: str  # the marketplace_item_id, "" when the marketplace reports none


@dataclass(frozen=True)
class Claim:
    """One claim line. `cancel_qty` is None when the marketplace does not report it (ESM)."""

    marketplace: str
    account: str
    claim_id: str
    claim_type: ClaimType
    claim_state: ClaimState
    marketplace_order_id: str
    marketplace_item_id: str
    cancel_qty: int | None
    claimed_at: datetime
    ordered_qty: int | None = None
    completed_at: datetime | None = None
    shipped_hint: bool | None = None  # the marketplace's own "already shipped" flag
    product_name: str = ""
    option: str = ""

    @cached_property
    def key(self) -> ClaimKey:
        # Cached: a batch asks each claim for its key several times.
        return ClaimKey(self.marketplace, self.account, self.claim_id, self.marketplace_item_id)
