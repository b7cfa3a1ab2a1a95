"""Set-based INSERTs for the hot path: one driver `executemany`, or one multi-row
`INSERT … RETURNING` per chunk, with each value converted by its column's own type.

SQLAlchemy's executemany builds and processes a parameter dict per row; at a few rows per
claim that cost more than the database's own work (issue 17). Here the statement text
and the columns' converters are made once per table and dialect, and each row is one
tuple."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError

Row = Mapping[str, Any]
MAX_PARAMETERS = 30_000  # per statement: under SQLite's 32,766 and PostgreSQL's 65,535
MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


@dataclass(frozen=True)
class _Shape:
    """How rows of some columns of a table go to one dialect's driver."""

    table: str
    columns: str
    mark: str
    values: Callable[[Row], tuple[Any, ...]]
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]

    def tuples(self, rows: Sequence[Row], sql: str) -> list[tuple[Any, ...]]:
        if not self.converters:
            return [self.values(r) for r in rows]
        out = []
        try:
            for row in rows:
                values = list(self.values(row))
                for i, convert in self.converters:
                    values[i] = convert(values[i])
                out.append(tuple(values))
        except (TypeError, ValueError) as exc:
            # As SQLAlchemy reports a value its type refuses (a naive datetime).
            raise StatementError(str(exc), sql, None, exc) from exc
        return out

    def placeholders(self, rows: int) -> str:
        return _placeholders(self.mark, self.width, rows)

    @property
    def width(self) -> int:
        return self.columns.count(",") + 1


@cache
def _placeholders(mark: str, width: int, rows: int) -> str:
    one = f"({', '.join(mark for _ in range(width))})"
    return ", ".join(one for _ in range(rows))


@cache
def _shape(table: Table, names: tuple[str, ...], dialect: Dialect) -> _Shape:
    mark = MARKS.get(dialect.paramstyle)
    if mark is None:
        raise ValueError(f"{dialect.driver}: cancelbot writes through sqlite3 or psycopg")
    quote = dialect.identifier_preparer
    converters = []
    for i, name in enumerate(names):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            converters.append((i, convert))
    getter = itemgetter(*names)
    return _Shape(
        table=quote.format_table(table),
        columns=", ".join(quote.quote(n) for n in names),
        mark=mark,
        values=getter if len(names) > 1 else lambda row: (getter(row),),
        converters=tuple(converters),
    )


def insert_many(
    conn: Connection, table: Table, rows: Sequence[Row], *, unless_exists: str | None = None
) -> None:
    """INSERT every row (all with the same keys) with one executemany. `unless_exists`
    names a unique column: a row whose value is stored already is left out
    (ON CONFLICT DO NOTHING, the same words on SQLite and PostgreSQL)."""
    if not rows:
        return
    shape = _shape(table, tuple(rows[0]), conn.dialect)
    conflict = f" ON CONFLICT ({unless_exists}) DO NOTHING" if unless_exists else ""
    sql = f"INSERT INTO {shape.table} ({shape.columns}) VALUES {shape.placeholders(1)}{conflict}"
    conn.exec_driver_sql(sql, shape.tuples(rows, sql))


def insert_returning(
    conn: Connection, table: Table, rows: Sequence[Row], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """INSERT every row (all with the same keys) and return the `returning` columns of the
    inserted rows, as the driver gives them (ids, text, integers), in no promised order.

    PostgreSQL: one row per statement, all sent in one pipeline (psycopg's executemany
    with `returning`), faster there than a statement of many rows to parse. SQLite (whose
    driver returns nothing from executemany): multi-row VALUES, chunked, whose RETURNING
    neither database promises to keep in the order of VALUES."""
    if not rows:
        return []
    shape = _shape(table, tuple(rows[0]), conn.dialect)
    quote = conn.dialect.identifier_preparer
    back = ", ".join(quote.quote(c) for c in returning)
    head = f"INSERT INTO {shape.table} ({shape.columns}) VALUES "
    values = shape.tuples(rows, head)
    if conn.dialect.name == "postgresql":
        return _pipelined(conn, f"{head}{shape.placeholders(1)} RETURNING {back}", values)
    per = max(1, min(1000, MAX_PARAMETERS // shape.width))
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(values), per):
        part = values[start : start + per]
        sql = f"{head}{shape.placeholders(len(part))} RETURNING {back}"
        flat = tuple(chain.from_iterable(part))
        out.extend(conn.exec_driver_sql(sql, flat).all())  # one fetchall, rows are tuples
    return out


def _pipelined(conn: Connection, sql: str, values: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """psycopg's `executemany(returning=True)`, its errors raised as SQLAlchemy raises
    them (an IntegrityError is one still), parameters left out of the message."""
    dbapi = conn.dialect.loaded_dbapi
    cursor: Any = conn.connection.cursor()  # psycopg's own: DB-API has no `returning`
    try:
        cursor.executemany(sql, values, returning=True)
        out: list[tuple[Any, ...]] = []
        while True:
            out.extend(cursor.fetchall())
            if not cursor.nextset():
                return out
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            sql, None, exc, dbapi.Error, hide_parameters=True, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()


def update_many(conn: Connection, table: Table, rows: Sequence[Row], *, where: str) -> None:
    """UPDATE one row per mapping (all with the same keys) with one executemany: the
    `where` column picks the row, the others are set."""
    if not rows:
        return
    names = tuple(rows[0])
    sets = tuple(n for n in names if n != where)
    shape = _shape(table, (*sets, where), conn.dialect)
    quote = conn.dialect.identifier_preparer
    assign = ", ".join(f"{quote.quote(n)} = {shape.mark}" for n in sets)
    sql = f"UPDATE {shape.table} SET {assign} WHERE {quote.quote(where)} = {shape.mark}"
    conn.exec_driver_sql(sql, shape.tuples(rows, sql))
