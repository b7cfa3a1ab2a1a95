"""CancelFilter -> SQL conditions, shared by every query on results and withdrawals."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import ColumnElement, and_, or_, true

from adapters.db.tables import CancelResultRow as R
from core.orders import Phase
from core.queries import CancelFilter
from core.rules import phase_for


def phases_of(flt: CancelFilter) -> list[Phase]:
    """The phases a filter's results can be in. A result's phase follows its order status
    (rules.phase_for, and reconcile moves both together), so a view by status is a view
    of that status's phase: 송장 is before shipping."""
    if flt.phase is not None:
        return [flt.phase]
    if flt.statuses:
        return sorted({phase_for(s) for s in flt.statuses})
    return list(Phase)


def result_conditions(flt: CancelFilter, tz: tzinfo) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if flt.marketplaces:
        conds.append(R.marketplace.in_(sorted(flt.marketplaces)))
    if flt.phase is not None:
        conds.append(R.phase == flt.phase.value)
    if flt.statuses:
        conds.append(R.order_status.in_(sorted(s.value for s in flt.statuses)))
        if flt.phase is None and len(phases_of(flt)) == 1:
            # Implied, but said: the indexes lead with phase, so the category views (no
            # phase of their own) read one phase's range instead of every open result.
            conds.append(R.phase == phases_of(flt)[0].value)
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
