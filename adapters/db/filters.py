"""CancelFilter -> SQL conditions, shared by every query on results and withdrawals.

A filter's condition on results is built once per *shape* (which words are set, not what
they say) with named parameters, and its values are bound at each execution: building
the expression was most of a one-order lookup's time (issue 17), and a condition of a
known shape is a statement SQLAlchemy has compiled already. The SQL is the same as with
the values written in: each value was a bound parameter then too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Integer, Table, and_, bindparam, or_, true

from adapters.db.tables import CancelResultRow
from core.orders import Phase
from core.queries import CancelFilter
from core.rules import phase_for

R = cast(Table, CancelResultRow.__table__).c


def phases_of(flt: CancelFilter) -> list[Phase]:
    """The phases a filter's results can be in. A result's phase follows its order status
    (rules.phase_for, and reconcile moves both together), so a view by status is a view
    of that status's phase: 송장 is before shipping."""
    if flt.phase is not None:
        return [flt.phase]
    if flt.statuses:
        return sorted({phase_for(s) for s in flt.statuses})
    return list(Phase)


class Shape(NamedTuple):
    """Which conditions a filter has; two-way and three-way words keep their value."""

    markets: bool
    phase: bool  # the filter's phase, or the one its statuses imply
    statuses: bool
    types: bool
    confirmed: bool | None
    states: bool
    partial: bool
    unmatched: bool
    start: bool
    end: bool
    order: bool
    snoozed: bool | None
    max_id: bool


@dataclass(frozen=True)
class Where:
    """A filter's condition on results (the same object for every filter of its shape)
    and the values to execute it with."""

    shape: Shape
    clause: ColumnElement[bool]
    params: dict[str, Any]


def result_where(flt: CancelFilter, tz: tzinfo, *, max_id: int | None = None) -> Where:
    """The results `flt` selects (with ids up to `max_id`, when given)."""
    params: dict[str, Any] = {}
    if flt.marketplaces:
        params["f_markets"] = sorted(flt.marketplaces)
    phases = phases_of(flt)
    if flt.phase is not None or (flt.statuses and len(phases) == 1):
        # A status's phase is implied, but said: the indexes lead with phase, so the
        # category views (no phase of their own) read one phase's range, not every result.
        params["f_phase"] = phases[0].value
    if flt.statuses:
        params["f_statuses"] = sorted(s.value for s in flt.statuses)
    if flt.types:
        params["f_types"] = sorted(t.value for t in flt.types)
    if flt.states:
        params["f_states"] = sorted(s.value for s in flt.states)
    start, end = flt.claimed_range(tz)
    if start is not None:
        params["f_start"] = start
    if end is not None:
        params["f_end"] = end
    if flt.order:
        params["f_order"] = flt.order_variants()
    if max_id is not None:
        params["f_max_id"] = max_id
    shape = Shape(
        markets="f_markets" in params,
        phase="f_phase" in params,
        statuses="f_statuses" in params,
        types="f_types" in params,
        confirmed=flt.confirmed,
        states="f_states" in params,
        partial=flt.partial,
        unmatched=flt.unmatched,
        start="f_start" in params,
        end="f_end" in params,
        order="f_order" in params,
        snoozed=flt.snoozed,
        max_id="f_max_id" in params,
    )
    return Where(shape, condition(shape), params)


@cache  # a few dozen shapes at most: 2**13 in theory, the words people type in practice
def condition(shape: Shape) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    if shape.markets:
        conds.append(R.marketplace.in_(_values("f_markets", R.marketplace)))
    if shape.phase:
        conds.append(R.phase == bindparam("f_phase", type_=R.phase.type))
    if shape.statuses:
        conds.append(R.order_status.in_(_values("f_statuses", R.order_status)))
    if shape.types:
        conds.append(R.claim_type.in_(_values("f_types", R.claim_type)))
    if shape.confirmed is True:
        conds.append(R.confirmed_by.is_not(None))
    elif shape.confirmed is False:
        conds.append(R.confirmed_by.is_(None))
    if shape.states:
        conds.append(R.claim_state.in_(_values("f_states", R.claim_state)))
    if shape.partial:
        conds.append(R.partial == true())
    if shape.unmatched:
        conds.append(R.unmatched == true())
    if shape.start:
        conds.append(R.claimed_at >= bindparam("f_start", type_=R.claimed_at.type))
    if shape.end:
        conds.append(R.claimed_at < bindparam("f_end", type_=R.claimed_at.type))
    if shape.order:
        # One parameter for both lists; each IN is expanded from it.
        variants = _values("f_order", R.management_no)
        conds.append(or_(R.management_no.in_(variants), R.marketplace_order_id.in_(variants)))
    if shape.snoozed is True:
        conds.append(R.snoozed_until.is_not(None))
    elif shape.snoozed is False:
        conds.append(R.snoozed_until.is_(None))
    if shape.max_id:
        conds.append(R.id <= bindparam("f_max_id", type_=Integer()))
    return all_of(conds)


def _values(name: str, column: ColumnElement[Any]) -> Any:
    return bindparam(name, type_=column.type, expanding=True)


def all_of(conds: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(true(), *conds)
