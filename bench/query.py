"""/cancels query speed on 1,000,000 results, and bulk confirm of 10,000.

For five typical filters, p50/p99 of what /cancels runs (core.read_models.list_results: count +
one page, newest first) next to the same query as hand-written SQL (the floor). Then one
"confirm all" of 10,000 results. Runs on SQLite, and on PostgreSQL when --pg-url answers.

    python bench/query.py [--rows 1000000] [--runs 40] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.tables import CancelResultRow
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core import confirmation, read_models
from core.queries import parse_filter

TZ = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, tzinfo=UTC)
MARKETS = ["coupang", "naver", "11st", "gmarket", "auction"]
CATEGORIES = {
    ("SHIPPED", "RETURN"): "SHIPPED_RETURN",
    ("SHIPPED", "CANCEL"): "SHIPPED_CANCEL",
    ("INVOICED", "CANCEL"): "INVOICED_CANCEL",
    ("RECEIVED", "CANCEL"): "RECEIVED_CANCEL",
}
PAGE = 8

# (label, filter words, hand-written SQL for count + page; :a/:b are dates when needed)
FILTERS: list[tuple[str, str, str, str]] = [
    (
        "default (after, unconfirmed)",
        "",
        "SELECT count(*), max(id) FROM cancel_results "
        "WHERE phase='AFTER_SHIPPING' AND confirmed_by IS NULL",
        "SELECT * FROM cancel_results WHERE phase='AFTER_SHIPPING' AND confirmed_by IS NULL "
        "ORDER BY claimed_at DESC, id DESC LIMIT 8",
    ),
    (
        "coupang partial",
        "market:coupang partial",
        "SELECT count(*), max(id) FROM cancel_results WHERE marketplace='coupang' AND partial "
        "AND phase='AFTER_SHIPPING' AND confirmed_by IS NULL",
        "SELECT * FROM cancel_results WHERE marketplace='coupang' AND partial "
        "AND phase='AFTER_SHIPPING' AND confirmed_by IS NULL "
        "ORDER BY claimed_at DESC, id DESC LIMIT 8",
    ),
    (
        "one week, everything",
        "전체 from:2026-11-10 to:2026-11-16",
        "SELECT count(*), max(id) FROM cancel_results WHERE claimed_at >= :a AND claimed_at < :b",
        "SELECT * FROM cancel_results WHERE claimed_at >= :a AND claimed_at < :b "
        "ORDER BY claimed_at DESC, id DESC LIMIT 8",
    ),
    (
        "one order",
        "전체 order:M0500000",
        "SELECT count(*), max(id) FROM cancel_results WHERE management_no='M0500000' "
        "OR marketplace_order_id='M0500000'",
        "SELECT * FROM cancel_results WHERE management_no='M0500000' "
        "OR marketplace_order_id='M0500000' ORDER BY claimed_at DESC, id DESC LIMIT 8",
    ),
    (
        "before shipping, unconfirmed",
        "배송전",
        "SELECT count(*), max(id) FROM cancel_results WHERE phase='BEFORE_SHIPPING' "
        "AND confirmed_by IS NULL",
        "SELECT * FROM cancel_results WHERE phase='BEFORE_SHIPPING' AND confirmed_by IS NULL "
        "ORDER BY claimed_at DESC, id DESC LIMIT 8",
    ),
]


def rows(n: int, seed: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        status = rng.choice(["SHIPPED", "SHIPPED", "INVOICED", "RECEIVED"])
        ctype = "RETURN" if status == "SHIPPED" and rng.random() < 0.5 else "CANCEL"
        claimed = NOW - timedelta(minutes=(n - i) * 400_000 / n)  # ~280 days, oldest first
        ordered = rng.choice([1, 1, 1, 2, 3])
        cancel = rng.randint(1, ordered)
        confirmed = i < n * 0.9  # the old ones were handled long ago
        out.append(
            {
                "marketplace": MARKETS[i % 5],
                "account": "main",
                "claim_id": f"C{i:08d}",
                "marketplace_order_id": f"O{i:08d}",
                "marketplace_item_id": f"I{i:08d}",
                "management_no": f"M{i:07d}",
                "product_name": f"상품 {i % 997}",
                "option": "",
                "claim_type": ctype,
                "claim_state": "COMPLETED" if rng.random() < 0.9 else "REQUESTED",
                "order_status": status,
                "phase": "AFTER_SHIPPING" if status == "SHIPPED" else "BEFORE_SHIPPING",
                "category": CATEGORIES[
                    (status, ctype) if status == "SHIPPED" else (status, "CANCEL")
                ],
                "ordered_qty": ordered,
                "cancel_qty": cancel,
                "partial": cancel < ordered,
                "unmatched": False,
                "anomaly": False,
                "claimed_at": claimed,
                "completed_at": claimed,
                "shipped_at": None,
                "confirmed_by": "U0BENCH" if confirmed else None,
                "confirmed_at": claimed + timedelta(hours=3) if confirmed else None,
                "created_at": claimed,
                "updated_at": claimed,
            }
        )
    return out


def fill(url: str, n: int) -> None:
    engine = make_engine(url)
    table = CancelResultRow.__table__
    started = time.perf_counter()
    chunk = 20_000
    for start in range(0, n, chunk):
        batch = rows(min(chunk, n - start), seed=start)
        for k, row in enumerate(batch):  # unique keys across chunks
            i = start + k
            row.update(
                claim_id=f"C{i:08d}",
                management_no=f"M{i:07d}",
                marketplace_order_id=f"O{i:08d}",
                marketplace_item_id=f"I{i:08d}",
                marketplace=MARKETS[i % 5],
            )
            claimed = NOW - timedelta(minutes=(n - i) * 400_000 / n)
            done = i < n * 0.9
            row.update(
                claimed_at=claimed,
                completed_at=claimed,
                created_at=claimed,
                updated_at=claimed,
                confirmed_by="U0BENCH" if done else None,
                confirmed_at=claimed + timedelta(hours=3) if done else None,
            )
        with engine.begin() as conn:
            conn.execute(insert(table), batch)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE cancel_results"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    print(f"  loaded {n:,} results in {time.perf_counter() - started:.0f}s")


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


def bench(url: str, label: str, n: int, runs: int) -> None:
    print(f"== {label}")
    migrate.upgrade(url)
    fill(url, n)
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, TZ)

    raw = create_engine(make_url(url))
    week = parse_filter("from:2026-11-10 to:2026-11-16").claimed_range(TZ)
    params = {"a": week[0], "b": week[1]}
    if raw.dialect.name == "sqlite":  # stored as naive UTC text there
        params = {k: v.replace(tzinfo=None).isoformat(sep=" ") for k, v in params.items()}
    print(f"  {'filter':32} {'/cancels p50':>12} {'p99':>8} {'SQL p50':>9} {'p99':>8}  ratio(p99)")
    for name, words, count_sql, page_sql in FILTERS:
        flt = parse_filter(words)
        ours = timings(lambda flt=flt: read_models.list_results(make_uow, flt, limit=PAGE), runs)

        def floor(count_sql: str = count_sql, page_sql: str = page_sql) -> None:
            with raw.connect() as conn:
                conn.execute(text(count_sql), params).scalar()
                conn.execute(text(page_sql), params).all()

        base = timings(floor, runs)
        print(
            f"  {name:32} {ours[0]:10.1f}ms {ours[1]:6.1f}ms {base[0]:7.1f}ms {base[1]:6.1f}ms"
            f"  {ours[1] / base[1]:.2f}x"
        )

    # Bulk confirm: the 10,000 newest unconfirmed after-shipping results in one go.
    flt = parse_filter("")
    page = read_models.list_results(make_uow, flt, limit=1)
    cutoff = NOW - timedelta(minutes=10_000 * 400_000 / n * 2.1)
    flt = parse_filter(f"from:{cutoff.astimezone(TZ).date().isoformat()}")
    counted = read_models.list_results(make_uow, flt, limit=1)
    started = time.perf_counter()
    outcome = confirmation.confirm_all_matching(
        make_uow, flt, "U0BULK", NOW, snapshot_id=page.snapshot_id, counted=counted.total
    )
    elapsed = time.perf_counter() - started
    print(f"  bulk confirm: {len(outcome.confirmed_ids):,} results in {elapsed:.2f}s")
    engine.dispose()
    raw.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    bench(f"sqlite:///{tmp.name}/query.db", "SQLite", args.rows, args.runs)
    if args.skip_pg:
        return
    admin_url = make_url(args.pg_url)
    name = f"cancelbot_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"== PostgreSQL skipped: {exc.__class__.__name__}")
        return
    try:
        bench(
            admin_url.set(database=name).render_as_string(False), "PostgreSQL", args.rows, args.runs
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
