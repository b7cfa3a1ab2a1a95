"""`column IN (ids)` for lists of any length, the way each database parses fastest.

The statement text stays the same whatever the number of ids, with the ids in one
parameter, read as a table: PostgreSQL gets an array (`column IN (SELECT
unnest(%(ids)s))`, parsed and prepared once), SQLite a JSON array (`column IN (SELECT value
FROM json_each(?))`), each the same index search as a literal list. SQLAlchemy expands a
Python list into one bound parameter per value on every execution, which cost a twentieth
of applying a batch of claims (issue 17). On PostgreSQL the array is a table to join, not
`= ANY(array)`: when the planner scans instead (a table grown since its last ANALYZE),
ANY compares every row with every id, 100 ms a batch at 20,000 rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

T = TypeVar("T")


def among(
    session: Session, column: ColumnElement[Any], values: Iterable[T]
) -> Iterator[ColumnElement[bool]]:
    """The condition `column IN values`, for one statement; nothing is yielded for no
    values (there is nothing to look for). Values are deduplicated and sorted, so rows
    are visited, and locked, in one order."""
    wanted = sorted(set(values))  # type: ignore[type-var]
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, wanted, type_=ARRAY(column.type), unique=True)
        yield column.in_(select(func.unnest(array).column_valued()))
        return
    # Text, integers and str enums: JSON gives each back as the same SQLite value.
    listed = bindparam(None, json.dumps(wanted), type_=String(), unique=True)
    yield column.in_(select(func.json_each(listed).table_valued("value").c.value))
