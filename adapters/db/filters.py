"""CancelFilter -> SQL conditions, shared by every query on results and withdrawals."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import ColumnElement, and_, or_, true

from adapters.db.tables import CancelResultRow as R
from core.queries import CancelFilter


def result_conditions(flt: CancelFilter, tz: tzinfo) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.marketplaces:
        conds.append(R.marketplace.in_(sorted(flt.marketplaces)))
    if flt.phase is not None:
        conds.append(R.phase == flt.phase.value)
    if flt.statuses:
        conds.append(R.order_status.in_(sorted(s.value for s in flt.statuses)))
    if flt.types:
        conds.append(R.claim_type.in_(sorted(t.value for t in flt.types)))
    if flt.confirmed is True:
        conds.append(R.confirmed_by.is_not(None))
    elif flt.confirmed is False:
        conds.append(R.confirmed_by.is_(None))
    if flt.states:
        conds.append(R.claim_state.in_(sorted(s.value for s in flt.states)))
    if flt.partial:
        conds.append(R.partial == true())
    if flt.unmatched:
        conds.append(R.unmatched == true())
    start, end = flt.claimed_range(tz)
    if start is not None:
        conds.append(R.claimed_at >= start)
    if end is not None:
        conds.append(R.claimed_at < end)
    if flt.order:
        variants = flt.order_variants()
        conds.append(or_(R.management_no.in_(variants), R.marketplace_order_id.in_(variants)))
    if flt.snoozed is True:
        conds.append(R.snoozed_until.is_not(None))
    elif flt.snoozed is False:
        conds.append(R.snoozed_until.is_(None))
    return conds


def all_of(conds: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conds)
