"""Screening: the step between a marketplace (or a claims file) and the rules. Each claim is
either made storable without losing anything (control characters dropped from its free
text) or set aside by itself, with the reason: an id longer than its column is never
truncated (a cut id would match another order, or none), a quantity or a date no column
holds is not guessed at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from core.claims import Claim
from core.set_aside import SetAside, raw_text
from core.storable import (
    ACCOUNT_MAX,
    CLAIM_ID_MAX,
    ID_MAX,
    MARKETPLACE_MAX,
    clean_text,
    count_problem,
    id_problem,
    time_problem,
)

_IDS = (
    ("account", ACCOUNT_MAX),
    ("marketplace", MARKETPLACE_MAX),
    ("claim_id", CLAIM_ID_MAX),
    ("marketplace_order_id", ID_MAX),
    ("marketplace_item_id", ID_MAX),
)


@dataclass(frozen=True)
class Screened:
    claims: list[Claim] = field(default_factory=list)  # storable, free text cleaned
    set_aside: list[SetAside] = field(default_factory=list)


def problems(claim: Claim) -> list[str]:
    """Why `claim` cannot be stored as it is; empty when it can (after clean())."""
    found = []
    for name, limit in _IDS:
        problem = id_problem(getattr(claim, name), limit)
        if problem:
            found.append(f"{name} {problem}")
    for name in ("cancel_qty", "ordered_qty"):
        value = getattr(claim, name)
        if value is not None and (problem := count_problem(value)):
            found.append(f"{name} {problem}")
    for name in ("claimed_at", "completed_at"):
        moment = getattr(claim, name)
        if moment is not None and (problem := time_problem(moment)):
            found.append(f"{name} {problem}")
    return found


def clean(claim: Claim) -> Claim:
    """The claim with control characters dropped from its product name and option."""
    name, option = clean_text(claim.product_name), clean_text(claim.option)
    if (name, option) == (claim.product_name, claim.option):
        return claim
    return replace(claim, product_name=name, option=option)


def screen(claims: Iterable[Claim]) -> Screened:
    out = Screened()
    for claim in claims:
        found = problems(claim)
        if not found:
            out.claims.append(clean(claim))
            continue
        out.set_aside.append(
            SetAside(
                account=claim.account,
                marketplace=claim.marketplace,
                claim_id=claim.claim_id,
                reason="cannot be stored: " + "; ".join(found),
                raw=raw_text(claim_record(claim)),
                line=claim.marketplace_item_id,
            )
        )
    return out


def claim_record(claim: Claim) -> dict[str, object]:
    """The claim's own fields as JSON values (what a person reads in `quarantine --json`).
    Adapters read these from named fields of the marketplace's answer: no credential is
    among them."""
    out: dict[str, object] = {}
    for f in fields(claim):  # its fields only: vars() would include cached properties
        value = getattr(claim, f.name)
        out[f.name] = value.isoformat() if isinstance(value, datetime) else value
    return out
