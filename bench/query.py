"""/cancels query speed on 1,000,000 (or 5,000,000) results, and bulk confirm of ~10,000.

For typical filters, p50/p99 of what /cancels runs (core.read_models.list_results: count +
one page, newest first) next to the same query as hand-written SQL (the floor), their ratio,
and the plan our statements use (SQLite EXPLAIN QUERY PLAN, PostgreSQL EXPLAIN). Then "confirm
all" of ~10,000 results next to one UPDATE of the same rows (the floor). Runs on SQLite, and
on PostgreSQL when --pg-url answers.

    python bench/query.py [--results 1000000] [--runs 40] [--db-path /tmp/q1m.db]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--pg-db bench_q1m]

The results are seeded by one SQL statement per million (a recursive CTE on SQLite,
generate_series on PostgreSQL). With --db-path / --pg-db the seeded database is kept and
reused by the next run with the same --results (migrations still run, so new indexes are
built); without them a scratch database is made and dropped. Bulk confirm is undone after
each measurement, so a kept database stays as seeded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from bench.floors import copy_rows, insert_rows
from bot.runtime import collector
from core import confirmation, read_models
from core.queries import parse_filter

TZ = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, tzinfo=UTC)
SPAN = 24_000_000  # seconds the results span (~280 days), oldest first
PAGE = 8
BULK_ACTOR = "U0BULK"
AUDITED = ("confirmation_events", "cs_history", "outbox")  # what a confirm writes beside

OPEN = "confirmed_by IS NULL AND snoozed_until IS NULL"
AFTER_OPEN = f"phase='AFTER_SHIPPING' AND {OPEN}"

# (label, filter words, WHERE of the same filter by hand; :a/:b are the week's bounds)
FILTERS: list[tuple[str, str, str]] = [
    ("default (after, unconfirmed)", "", AFTER_OPEN),
    (
        "coupang partial",
        "market:coupang partial",
        f"marketplace='coupang' AND partial AND {AFTER_OPEN}",
    ),
    ("coupang", "쿠팡", f"marketplace='coupang' AND {AFTER_OPEN}"),
    ("returns (type)", "반품", f"claim_type='RETURN' AND {AFTER_OPEN}"),
    (
        "category 송장-취소",
        "송장 취소",
        # 송장 is before shipping (rules.phase_for): the best hand query says so
        f"phase='BEFORE_SHIPPING' AND order_status='INVOICED' AND claim_type='CANCEL' AND {OPEN}",
    ),
    ("claim requested", "state:requested", f"claim_state='REQUESTED' AND {AFTER_OPEN}"),
    ("unmatched", "미매칭", f"unmatched AND {AFTER_OPEN}"),
    (
        "before shipping, unconfirmed",
        "배송전",
        f"phase='BEFORE_SHIPPING' AND {OPEN}",
    ),
    (
        "snoozed",
        "미룸",
        "phase='AFTER_SHIPPING' AND confirmed_by IS NULL AND snoozed_until IS NOT NULL",
    ),
    (
        "confirmed, one week",
        "확인 from:2026-09-01 to:2026-09-07",
        "phase='AFTER_SHIPPING' AND confirmed_by IS NOT NULL AND snoozed_until IS NULL "
        "AND claimed_at >= :a AND claimed_at < :b",
    ),
    (
        "one week, everything",
        "전체 from:2026-11-10 to:2026-11-16",
        "claimed_at >= :a AND claimed_at < :b",
    ),
    (
        "one order",
        "전체 order:M0500000",
        "management_no IN ('M0500000','m0500000') "
        "OR marketplace_order_id IN ('M0500000','m0500000')",
    ),
    (
        "confirmed, all time",
        "확인",
        "phase='AFTER_SHIPPING' AND confirmed_by IS NOT NULL AND snoozed_until IS NULL",
    ),
]


def _pad(dialect: str, col: str, width: int) -> str:
    if dialect == "sqlite":
        return f"printf('%0{width}d', {col})"
    return f"lpad({col}::text, {width}, '0')"


def _at(dialect: str, seconds: str) -> str:
    """NOW minus `seconds`, as each database stores an aware time (SQLite: naive UTC text)."""
    epoch = int(NOW.timestamp())
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:%S', {epoch} - ({seconds}), 'unixepoch') || '.000000'"
    return f"to_timestamp({epoch} - ({seconds}))"


def seed_sql(dialect: str, n: int, lo: int, hi: int) -> str:
    """One INSERT … SELECT of results lo..hi-1 of n: ~10% unconfirmed (the newest), a mix of
    markets, phases, types, states and partials, 1% unmatched, a few taken or snoozed."""

    def h(salt: int) -> str:  # a deterministic scramble of i
        return f"(((i + {salt}) * 2654435761) % 1000003)"

    true, false = ("1", "0") if dialect == "sqlite" else ("true", "false")
    confirmed_from = int(n * 0.9)
    ago = f"(({n} - i) * {SPAN} / {n})"
    if dialect == "sqlite":
        series = (
            f"WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi - 1})"
        )
        source = "s"
    else:
        series = ""
        source = f"generate_series({lo}::bigint, {hi - 1}) AS s(i)"
    inner = f"""
        SELECT i, {h(1)} % 4 AS st, {h(2)} % 2 AS rt, {h(3)} % 10 AS cs,
               CASE {h(4)} % 5 WHEN 3 THEN 2 WHEN 4 THEN 3 ELSE 1 END AS oq,
               {h(5)} AS r5, {ago} AS ago
        FROM {source}"""
    status = "CASE WHEN st < 2 THEN 'SHIPPED' WHEN st = 2 THEN 'INVOICED' ELSE 'RECEIVED' END"
    ctype = "CASE WHEN st < 2 AND rt = 0 THEN 'RETURN' ELSE 'CANCEL' END"
    category = (
        "CASE WHEN st < 2 AND rt = 0 THEN 'SHIPPED_RETURN' WHEN st < 2 THEN 'SHIPPED_CANCEL' "
        "WHEN st = 2 THEN 'INVOICED_CANCEL' ELSE 'RECEIVED_CANCEL' END"
    )
    open_ = f"i >= {confirmed_from}"
    claimed = _at(dialect, "ago")
    return f"""{series}
    INSERT INTO cancel_results (marketplace, account, claim_id, marketplace_order_id,
        marketplace_item_id, management_no, product_name, option, claim_type, claim_state,
        order_status, phase, category, ordered_qty, cancel_qty, partial, unmatched, anomaly,
        claimed_at, completed_at, shipped_at, confirmed_by, confirmed_at, created_at,
        updated_at, taken_by, taken_at, snoozed_until, snoozed_by)
    SELECT
        CASE i % 5 WHEN 0 THEN 'coupang' WHEN 1 THEN 'naver' WHEN 2 THEN '11st'
            WHEN 3 THEN 'gmarket' ELSE 'auction' END,
        'main', 'C' || {_pad(dialect, "i", 8)}, 'O' || {_pad(dialect, "i", 8)},
        'I' || {_pad(dialect, "i", 8)},
        CASE WHEN i % 97 = 3 THEN NULL ELSE 'M' || {_pad(dialect, "i", 7)} END,
        '상품 ' || (i % 997), '', {ctype},
        CASE WHEN cs = 0 THEN 'REQUESTED' ELSE 'COMPLETED' END, {status},
        CASE WHEN st < 2 THEN 'AFTER_SHIPPING' ELSE 'BEFORE_SHIPPING' END, {category},
        oq, 1 + r5 % oq, CASE WHEN 1 + r5 % oq < oq THEN {true} ELSE {false} END,
        CASE WHEN i % 97 = 3 THEN {true} ELSE {false} END, {false},
        {claimed}, {claimed}, NULL,
        CASE WHEN {open_} THEN NULL ELSE 'U0BENCH' END,
        CASE WHEN {open_} THEN NULL ELSE {_at(dialect, "ago - 10800")} END,
        {claimed}, {claimed},
        CASE WHEN {open_} AND i % 50 = 7 THEN 'U0TAKER' END,
        CASE WHEN {open_} AND i % 50 = 7 THEN {claimed} END,
        CASE WHEN {open_} AND i % 100 = 11 THEN {_at(dialect, "-86400")} END,
        CASE WHEN {open_} AND i % 100 = 11 THEN 'U0SNOOZE' END
    FROM ({inner}) AS t"""


def fill(engine: Engine, n: int) -> None:
    """Seed n results unless the database already holds exactly them."""
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*), coalesce(max(id), 0) FROM cancel_results")).one()
    if tuple(have) == (n, n):
        print(f"  reusing the {n:,} results already seeded")
        _analyze(engine)
        return
    if have[0]:
        sys.exit(f"  the database holds {have[0]:,} results, not {n:,}: use another one")
    started = time.perf_counter()
    step = 1_000_000
    for lo in range(0, n, step):
        with engine.begin() as conn:
            conn.execute(text(seed_sql(engine.dialect.name, n, lo, min(n, lo + step))))
    print(f"  seeded {n:,} results in {time.perf_counter() - started:.0f}s")
    _analyze(engine)


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cancel_results"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timings(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm the caches, as a running bot's would be
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return statistics.median(samples), p99


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) run on `engine` meanwhile, as the driver saw them."""
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def explain(engine: Engine, statement: str, params: Any) -> list[str]:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            return [str(r[3]) for r in cur.fetchall()]
        cur.execute("EXPLAIN " + statement, params)
        return [str(r[0]).strip() for r in cur.fetchall()]
    finally:
        raw.close()


def bench(url: str, label: str, n: int, runs: int, bulk_runs: int) -> None:
    print(f"== {label}, {n:,} results")
    migrate.upgrade(url)
    engine = make_engine(url)
    fill(engine, n)
    factory = make_session_factory(engine)
    collector.tune()  # as `cancelbot` does once wired (bot/runtime/bootstrap.build)

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, TZ)

    raw = create_engine(make_url(url))
    print(
        f"  {'filter':30} {'ours p50':>9} {'p99':>8} {'floor p50':>10} {'p99':>8}"
        f"  {'ratio p50':>9} {'p99':>6}  total"
    )
    plans: list[tuple[str, list[str]]] = []
    for name, words, where in FILTERS:
        flt = parse_filter(words)
        # :a/:b are the filter's own date bounds (SQLite stores naive UTC text)
        bounds = dict(zip("ab", flt.claimed_range(TZ), strict=True))
        params: dict[str, Any] = {
            k: v.replace(tzinfo=None).isoformat(sep=" ") if raw.dialect.name == "sqlite" else v
            for k, v in bounds.items()
            if v is not None
        }
        ours = timings(lambda flt=flt: read_models.list_results(make_uow, flt, limit=PAGE), runs)
        count_sql = f"SELECT count(*), coalesce(max(id), 0) FROM cancel_results WHERE {where}"
        page_sql = (
            f"SELECT * FROM cancel_results WHERE {where} "
            f"ORDER BY claimed_at DESC, id DESC LIMIT {PAGE}"
        )
        total = 0

        def floor(
            count_sql: str = count_sql, page_sql: str = page_sql, params: Any = params
        ) -> None:
            nonlocal total
            with raw.connect() as conn:
                total = conn.execute(text(count_sql), params).one()[0]
                conn.execute(text(page_sql), params).all()

        base = timings(floor, runs)
        print(
            f"  {name:30} {ours[0]:7.2f}ms {ours[1]:6.2f}ms {base[0]:8.2f}ms {base[1]:6.2f}ms"
            f"  {ours[0] / base[0]:8.2f}x {ours[1] / base[1]:5.2f}x  {total:,}",
            flush=True,
        )
        with captured(engine) as seen:
            page = read_models.list_results(make_uow, flt, limit=PAGE)
        assert page.total == total, (name, page.total, total)
        plans.append((name, [line for s, p in seen for line in explain(engine, s, p)]))
    print("  plans of our statements (count, then page):")
    for name, lines in plans:
        print(f"    {name}:")
        for line in lines:
            print(f"      {line}")
    bulk(engine, raw, make_uow, n, bulk_runs)
    engine.dispose()
    raw.dispose()


def bulk(engine: Engine, raw: Engine, make_uow: Any, n: int, runs: int) -> None:
    """Confirm all ~10,000 newest unconfirmed after-shipping results: ours, then two floors
    of the same rows, alternating, each undone before the next. One UPDATE is the least a
    confirm can be; the UPDATE with the rows ours wrote beside it (confirmation events,
    C/S history, outbox: what an audited confirm must keep), inserted by `executemany` in
    the same transaction, is the floor of the same work."""
    cutoff = NOW - timedelta(seconds=10_000 * SPAN / n * 2.1)
    day = cutoff.astimezone(TZ).date()
    flt = parse_filter(f"from:{day.isoformat()}")
    start = flt.claimed_range(TZ)[0]
    assert start is not None
    counted = read_models.list_results(make_uow, flt, limit=1)
    lite = raw.dialect.name == "sqlite"  # stored as naive UTC text there
    at: Any = start.replace(tzinfo=None).isoformat(sep=" ") if lite else start
    floor_sql = text(
        "UPDATE cancel_results SET confirmed_by = :u, confirmed_at = :now "
        f"WHERE claimed_at >= :a AND {AFTER_OPEN} AND id <= :snap RETURNING id"
    )
    now: Any = NOW.replace(tzinfo=None).isoformat(sep=" ") if lite else NOW
    params = {"u": BULK_ACTOR, "now": now, "a": at, "snap": counted.snapshot_id}
    ours_s: list[float] = []
    update_s: list[float] = []
    same_s: list[float] = []
    changed = 0
    for _ in range(runs):
        started = time.perf_counter()
        outcome = confirmation.confirm_all_matching(
            make_uow, flt, BULK_ACTOR, NOW, snapshot_id=counted.snapshot_id, counted=counted.total
        )
        ours_s.append(time.perf_counter() - started)
        changed = len(outcome.confirmed_ids)
        written = copy_rows(raw, AUDITED)  # and emptied
        undo(raw, n)
        started = time.perf_counter()
        with raw.begin() as conn:
            floor_ids = conn.execute(floor_sql, params).all()
        update_s.append(time.perf_counter() - started)
        assert len(floor_ids) == changed, (len(floor_ids), changed)
        undo(raw, n)
        started = time.perf_counter()
        with raw.begin() as conn:
            conn.execute(floor_sql, params).all()
            insert_rows(conn, written)
        same_s.append(time.perf_counter() - started)
        copy_rows(raw, AUDITED)
        undo(raw, n)
    o, u, f = (statistics.median(t) for t in (ours_s, update_s, same_s))
    rows = ", ".join(f"{len(t.rows):,} {t.table}" for t in written)
    print(
        f"  bulk confirm {changed:,} results (median of {runs}), ours / floor / ratio:"
        f"   [ours {' '.join(f'{s:.2f}' for s in ours_s)}]\n"
        f"    against one UPDATE:                {o:.2f}s / {u:.2f}s / {o / u:.2f}x\n"
        f"    against the UPDATE and its rows:   {o:.2f}s / {f:.2f}s / {o / f:.2f}x ({rows})"
    )


def undo(raw: Engine, n: int) -> None:
    """Take a bulk confirm back, leaving the database as seeded."""
    with raw.begin() as conn:
        conn.execute(
            text(
                "UPDATE cancel_results SET confirmed_by = NULL, confirmed_at = NULL "
                "WHERE id > :lo AND confirmed_by = :u"
            ),
            {"lo": int(n * 0.9) - 1, "u": BULK_ACTOR},
        )
        for table in ("confirmation_events", "cs_history"):
            conn.execute(text(f"DELETE FROM {table} WHERE actor = :u"), {"u": BULK_ACTOR})
        conn.execute(text("DELETE FROM outbox"))
    if raw.dialect.name == "postgresql":
        with raw.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM cancel_results"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", "--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--bulk-runs", type=int, default=3)
    parser.add_argument("--db-path", help="SQLite file to seed once and reuse")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-db", help="PostgreSQL database to seed once and reuse")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()

    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.db_path or f"{tmp}/query.db"
            bench(f"sqlite:///{path}", "SQLite", args.results, args.runs, args.bulk_runs)
    if args.skip_pg:
        return
    admin_url = make_url(args.pg_url)
    name = args.pg_db or f"cancelbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"== PostgreSQL skipped: {exc.__class__.__name__}")
        return
    try:
        url = admin_url.set(database=name).render_as_string(False)
        bench(url, "PostgreSQL", args.results, args.runs, args.bulk_runs)
    finally:
        if not args.pg_db:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
