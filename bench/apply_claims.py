"""Apply 100,000 claims to a fresh SQLite file, then apply them again.

Prints claims/s for each pass and the peak RSS. Claims are generated and streamed in
batches, as a sync applies them; the order book they match is loaded first.

    python bench/apply_claims.py [--claims 100000] [--batch 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp dir")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tz = ZoneInfo("Asia/Seoul")

    def make_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, tz)

    started = time.perf_counter()
    for batch in batched(orders(args.claims), 5000):  # type: ignore[arg-type]
        order_book.import_orders(make_uow, batch, datetime.now(UTC))  # type: ignore[arg-type]
    print(f"orders loaded: {args.claims:,} in {time.perf_counter() - started:.1f}s")

    for label in ("first pass", "second pass"):
        stats = apply.ApplyStats()
        started = time.perf_counter()
        for batch in batched(claims(args.claims), args.batch):
            stats += apply.apply_claims(make_uow, batch, datetime.now(UTC))
            stats.changed_ids.clear()  # keep memory flat: the counts are what we report
        elapsed = time.perf_counter() - started
        print(
            f"{label}: {args.claims:,} claims in {elapsed:.1f}s = {args.claims / elapsed:,.0f} "
            f"claims/s (new {stats.new:,}, unchanged {stats.unchanged:,}, "
            f"unmatched {stats.unmatched:,})"
        )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
