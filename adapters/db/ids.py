"""`column IN (ids)` for lists of any length, the way each database parses fastest.

PostgreSQL gets one array parameter (`column = ANY(%(ids)s)`): the statement text stays the
same whatever the number of ids, so the server parses (and psycopg prepares) it once,
instead of re-parsing thousands of literals per call. SQLite has no arrays: it keeps
`IN (?, ?, …)`, in batches below its bound-variable limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

T = TypeVar("T")

# SQLite allows 32,766 bound variables since 3.32; stay far below it, leaving room for the
# statement's other parameters.
SQLITE_BATCH = 5000


def among(
    session: Session, column: ColumnElement[Any], values: Iterable[T]
) -> Iterator[ColumnElement[bool]]:
    """Conditions `column IN values`, one per statement to run: a single one on PostgreSQL,
    batches of SQLITE_BATCH on SQLite. Values are deduplicated and sorted (rows are then
    visited, and locked, in one order); nothing is yielded for no values."""
    wanted = sorted(set(values))  # type: ignore[type-var]
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, wanted, type_=ARRAY(column.type), unique=True)
        yield column == any_(array)
        return
    for start in range(0, len(wanted), SQLITE_BATCH):
        yield column.in_(wanted[start : start + SQLITE_BATCH])
