"""Apply 100,000 claims to a fresh SQLite file, then apply them again; next to each pass,
its floor.

Claims are generated and streamed in batches, as a sync applies them; the order book they
match is loaded first. The floors run after our passes, in the same process, on a second
database made by the same migrations with the same engine (so the same pragmas):

- first pass: every row our pass wrote (results, withdrawals, C/S history, outbox, and the
  orders' holds), written again with the driver's own `executemany`, one transaction per
  batch, as ours. The rows are read from our database untimed, so they are the same rows.
- re-apply: the batch's stored results read by claim key with one raw `SELECT` per batch
  (`FOR UPDATE` on PostgreSQL, as ours: a re-apply may write), rows left as tuples.

Each line prints ours / floor / ratio in claims/s, and the process CPU time of both (wall
time is noisy on a shared machine). With --database-url the database must be empty; on
PostgreSQL the floor uses a database `<name>_floor` on the same server (dropped first).

    python bench/apply_claims.py [--claims 100000] [--batch 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from adapters.db.base import Base
from adapters.db.engine import make_engine, make_session_factory, normalize_url
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from bot.runtime import collector
from core import apply, order_book
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus

T0 = datetime(2026, 11, 1, tzinfo=UTC)
STATUSES = [OrderStatus.RECEIVED, OrderStatus.INVOICED, OrderStatus.SHIPPED, OrderStatus.SHIPPED]


def orders(n: int) -> Iterator[Order]:
    for i in range(n):
        status = STATUSES[i % 4]
        yield Order(
            management_no=f"M{i:08d}",
            marketplace="coupang",
            marketplace_order_id=f"O{i:08d}",
            marketplace_item_id=f"I{i:08d}",
            product_name=f"상품 {i}",
            option="기본",
            quantity=1 + i % 3,
            status=status,
            shipped_at=T0 if status is OrderStatus.SHIPPED else None,
        )


def claims(n: int) -> Iterator[Claim]:
    for i in range(n):
        # every 50th claim names an order we do not have: the unmatched path
        order_no = i if i % 50 else n + i
        yield Claim(
            marketplace="coupang",
            account="bench",
            claim_id=f"R{i:08d}",
            claim_type=ClaimType.RETURN if i % 4 == 3 else ClaimType.CANCEL,
            claim_state=ClaimState.COMPLETED,
            marketplace_order_id=f"O{order_no:08d}",
            marketplace_item_id=f"I{order_no:08d}",
            cancel_qty=1,
            ordered_qty=1 + i % 3,
            claimed_at=T0 + timedelta(seconds=i),
            shipped_hint=i % 4 >= 2,
        )


def batched(items: Iterator[Claim], size: int) -> Iterator[list[Claim]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def measure(self) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


# --- the floors: the driver's own calls, no SQLAlchemy in the timed part -----------------


class Raw:
    """A DB-API connection from one of our engines: the engine's connect hooks ran (SQLite's
    pragmas), nothing else of SQLAlchemy's is in the way."""

    def __init__(self, engine: Engine, *, reader: bool = False) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.fairy = engine.raw_connection()
        self.conn: Any = self.fairy.driver_connection
        if reader and not self.sqlite:
            # An open snapshot while our passes run would hold PostgreSQL's cleanup back.
            self.conn.autocommit = True
        self.mark = "?" if self.sqlite else "%s"

    def begin(self) -> None:
        if self.sqlite:  # autocommit mode: our engine's "begin" hook issues this
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.commit() if not self.sqlite else self.conn.execute("COMMIT")

    def select(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", self.mark), params)
        rows = list(cur.fetchall())
        cur.close()
        return rows

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            cur = self.conn.cursor()
            cur.executemany(sql.replace("?", self.mark), rows)
            cur.close()

    def close(self) -> None:
        self.fairy.close()


def _columns(table: str) -> list[str]:
    return [c.name for c in Base.metadata.tables[table].columns]


def _cols(table: str) -> str:
    return ", ".join(f'"{c}"' for c in _columns(table))


def _insert(table: str, tail: str = "") -> str:
    names = _columns(table)
    return f"INSERT INTO {table} ({_cols(table)}) VALUES ({', '.join('?' for _ in names)}){tail}"


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


HOLD = ("cancelled", "on_hold", "held_at", "held_qty", "updated_at")


def copy_orders(source: Raw, floor: Raw) -> None:
    """The order book as it was before our passes (untimed)."""
    last = 0
    while rows := source.select(
        f"SELECT {_cols('orders')} FROM orders WHERE id > ? ORDER BY id LIMIT 5000", (last,)
    ):
        floor.begin()
        floor.executemany(_insert("orders"), rows)
        floor.commit()
        last = rows[-1][0]


def analyzer(engine: Engine) -> Callable[[], None]:
    """ANALYZE, untimed, every 10 batches when the server's autovacuum is off (as on the
    test server): without statistics PostgreSQL keeps the generic plans it prepared on
    empty tables (seq scans) after a statement's fifth run, and the bench would measure
    that instead of applying claims. With autovacuum on it does this by itself."""
    if engine.dialect.name != "postgresql":
        return lambda: None
    with engine.connect() as conn:
        if conn.execute(text("SHOW autovacuum")).scalar_one() == "on":
            return lambda: None
    print(f"{engine.url.database}: autovacuum is off; ANALYZE every 10 batches stands in")
    calls = itertools.count()

    def maybe() -> None:
        if next(calls) % 10 == 0:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))

    return maybe


class Stream:
    """A table's rows in id order, a page at a time. Our pass wrote each batch in one
    transaction, so a batch's rows come before the next batch's in every table; reading
    them this way needs no index the tables do not have (none is on result_id)."""

    def __init__(self, source: Raw, table: str) -> None:
        self.source, self.table, self.last = source, table, 0
        self.rows: list[tuple[Any, ...]] = []

    def take_while(self, belongs: Callable[[tuple[Any, ...]], bool]) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        while True:
            if not self.rows:
                self.rows = self.source.select(
                    f"SELECT {_cols(self.table)} FROM {self.table} WHERE id > ? "
                    "ORDER BY id LIMIT 5000",
                    (self.last,),
                )
                if not self.rows:
                    return out
                self.last = self.rows[-1][0]
                self.rows.reverse()  # pop() from the end: the lowest id first
            if not belongs(self.rows[-1]):
                return out
            out.append(self.rows.pop())


def _up_to(column: int, bound: int) -> Callable[[tuple[Any, ...]], bool]:
    return lambda row: row[column] is None or row[column] <= bound


def _queued_by(
    target: int, target_id: int, last_result: int, last_withdrawal: int
) -> Callable[[tuple[Any, ...]], bool]:
    """Whether an outbox row was queued by the batch whose last ids these are."""
    bounds = {"result": last_result, "withdrawal": last_withdrawal}
    return lambda row: row[target] not in bounds or row[target_id] <= bounds[row[target]]


def floor_first_pass(source: Raw, floor: Raw, batch: int, analyze: Callable[[], None]) -> Timing:
    """Every row our first pass wrote, batch by batch: its results, then what hangs off
    them (history, withdrawals, outbox rows, the orders' holds)."""
    timing = Timing()
    set_hold = f"UPDATE orders SET {', '.join(f'{c} = ?' for c in HOLD)} WHERE management_no = ?"
    outbox = _insert("outbox", " ON CONFLICT (dedupe_key) DO NOTHING")
    result_id = {t: _columns(t).index("result_id") for t in ("cs_history", "withdrawals")}
    target, target_id = _columns("outbox").index("target"), _columns("outbox").index("target_id")
    streams = {t: Stream(source, t) for t in ("cs_history", "withdrawals", "outbox")}
    last, last_withdrawal = 0, 0
    while results := source.select(
        f"SELECT {_cols('cancel_results')} FROM cancel_results WHERE id > ? ORDER BY id LIMIT ?",
        (last, batch),
    ):
        last = results[-1][0]
        history = streams["cs_history"].take_while(_up_to(result_id["cs_history"], last))
        withdrawals = streams["withdrawals"].take_while(_up_to(result_id["withdrawals"], last))
        last_withdrawal = withdrawals[-1][0] if withdrawals else last_withdrawal
        queued_now = _queued_by(target, target_id, last, last_withdrawal)
        items = streams["outbox"].take_while(queued_now)
        numbers = sorted({r[6] for r in results if r[6]})  # management_no
        holds = source.select(
            f"SELECT {', '.join(HOLD)}, management_no FROM orders "
            f"WHERE management_no IN ({_in(numbers)}) AND on_hold",
            numbers,
        )
        analyze()
        with timing.measure():
            floor.begin()
            floor.executemany(_insert("cancel_results"), results)
            floor.executemany(set_hold, holds)
            floor.executemany(_insert("withdrawals"), withdrawals)
            floor.executemany(_insert("cs_history"), history)
            floor.executemany(outbox, items)
            floor.commit()
    return timing


def floor_reapply(floor: Raw, n: int, batch: int) -> Timing:
    """The stored results of each batch of claims, by claim key, as tuples."""
    timing = Timing()
    lock = "" if floor.sqlite else " ORDER BY id FOR UPDATE"
    for keys in batched(claims(n), batch):
        ids = [c.claim_id for c in keys]
        sql = (
            f"SELECT {_cols('cancel_results')} FROM cancel_results "
            f"WHERE marketplace = ? AND claim_id IN ({_in(ids)}){lock}"
        )
        with timing.measure():
            floor.begin()
            rows = floor.select(sql, ["coupang", *ids])
            floor.commit()
        assert len(rows) == len(keys), "the floor must find every stored claim"
    return timing


def row_counts(raw: Raw) -> dict[str, int]:
    tables = ("cancel_results", "withdrawals", "cs_history", "outbox", "confirmation_events")
    counts = {t: raw.select(f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    counts["orders on hold"] = raw.select("SELECT count(*) FROM orders WHERE on_hold")[0][0]
    if not raw.sqlite and not raw.conn.autocommit:
        raw.conn.commit()
    return counts


def drop_database(url: URL, *, create: bool = False) -> None:
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def floor_database(url: str, tmp: str) -> str:
    """A second database like ours: SQLite next to it, PostgreSQL `<name>_floor`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp}/floor.db"
    floor = parsed.set(database=f"{parsed.database}_floor")
    drop_database(floor, create=True)
    return floor.render_as_string(hide_password=False)


def line(label: str, n: int, ours: Timing, floor: Timing) -> str:
    mine, best = n / ours.wall, n / floor.wall
    return (
        f"{label}: ours {mine:,.0f} / floor {best:,.0f} claims/s = {best / mine:.1f}x "
        f"(cpu {ours.cpu:.1f}s / {floor.cpu:.1f}s = {ours.cpu / max(floor.cpu, 1e-9):.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    parser.add_argument("--no-floor", action="store_true", help="ours only (for profiling)")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = normalize_url(args.database_url or f"sqlite:///{tmp.name}/bench.db")
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tz = ZoneInfo("Asia/Seoul")
    with engine.connect() as conn:
        if conn.execute(text("SELECT count(*) FROM cancel_results")).scalar_one():
            sys.exit(f"{url}: not empty; the bench needs an empty database")

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, tz)

    collector.tune()  # as `cancelbot` does once wired (bot/runtime/bootstrap.build)

    started = time.perf_counter()
    for batch in batched(orders(args.claims), 5000):  # type: ignore[arg-type]
        order_book.import_orders(make_uow, batch, datetime.now(UTC))  # type: ignore[arg-type]
    print(f"orders loaded: {args.claims:,} in {time.perf_counter() - started:.1f}s")
    if not args.no_floor:
        floor_engine = make_engine(floor_database(url, tmp.name))
        migrate.upgrade(floor_engine.url.render_as_string(hide_password=False))
        source, floor = Raw(engine, reader=True), Raw(floor_engine)
        copy_orders(source, floor)

    analyze = analyzer(engine)
    ours: list[Timing] = []
    for label in ("first pass", "re-apply"):
        stats = apply.ApplyStats()
        timing = Timing()
        for batch in batched(claims(args.claims), args.batch):
            analyze()
            now = datetime.now(UTC)
            with timing.measure():  # applying only: the floors do not time making rows
                stats += apply.apply_claims(make_uow, batch, now)
            stats.changed_ids.clear()  # keep memory flat: the counts are what we report
        ours.append(timing)
        print(
            f"{label}: {args.claims:,} claims in {timing.wall:.1f}s (cpu {timing.cpu:.1f}s) = "
            f"{args.claims / timing.wall:,.0f} claims/s (new {stats.new:,}, "
            f"updated {stats.updated:,}, unchanged {stats.unchanged:,}, "
            f"unmatched {stats.unmatched:,})"
        )
    print(f"peak RSS after our passes: {peak_rss_mb():.0f} MB")
    if args.no_floor:
        engine.dispose()
        return

    write = floor_first_pass(source, floor, args.batch, analyzer(floor_engine))
    written, again = row_counts(source), row_counts(floor)
    if written != again:
        print(f"WARNING: the floor wrote {again}, ours {written}")
    print(f"rows per pass: {written}")
    read = floor_reapply(floor, args.claims, args.batch)
    print(line("first pass", args.claims, ours[0], write))
    print(line("re-apply", args.claims, ours[1], read))
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    source.close()
    floor.close()
    engine.dispose()
    floor_engine.dispose()
    if floor_engine.dialect.name == "postgresql":
        drop_database(floor_engine.url)


if __name__ == "__main__":
    main()
