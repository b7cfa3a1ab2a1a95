"""Sync 20,000 Coupang claims over real HTTP into SQLite (or the PostgreSQL you name).

The fake Coupang's pages are rendered once, before anything is timed, and then served
as they are by a static server in its own process: the fake's own work (it scans every
receipt per request) is no part of any number below. Printed as `ours / floor / ratio`:

- fetch floor: the same requests, signed headers included, by a plain httpx client that
  only `json.loads` each body;
- apply floor: the rows the sync wrote (cancel_results and outbox) inserted again by
  DB-API `executemany` into the same schema, in as many transactions as the sync committed;
- sync against max(fetch floor, apply floor): the sync may overlap fetching and applying,
  so the slower of the two is what it cannot beat;
- and against their sum: both are CPU work in one interpreter, so while the GIL lets one
  thread run at a time the sum is the floor a sync in one process meets in practice.

Wall and process CPU time (all of this process's threads; the server is another process).

    python bench/sync.py [--claims 20000] [--page-size 50] [--database-url URL]

A PostgreSQL `--database-url` is emptied first: give it a database of its own.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from adapters.marketplaces.coupang import CoupangClaimSource
from bench.floors import (
    Recording,
    StaticServer,
    Timed,
    Timer,
    compare,
    copy_rows,
    fetch_floor,
    fresh_database,
    insert_floor,
)
from bot.runtime import collector
from core.sync import sync_account, windows
from tests.integration.marketplaces.fake_coupang import FakeCoupang, make_receipts
from tests.integration.marketplaces.faketime import FakeTime

# make_receipts: per 6 receipts, 4 are results (the pending-return kinds are skipped),
# and every third receipt carries two items.
CLAIMS_PER_RECEIPT = 17_787 / 22_500
LOOKBACK = timedelta(days=30)
WRITTEN = ("cancel_results", "outbox")  # what a sync of unmatched claims stores


def source(
    keys: tuple[str, str, str],
    base_url: str,
    transport: httpx.BaseTransport | None,
    page_size: int,
    clock: FakeTime,
) -> CoupangClaimSource:
    return CoupangClaimSource(
        "bench",
        *keys,
        base_url=base_url,
        clock=clock,
        transport=transport,
        rate_limit=None,  # measure our work, not the politeness delay
        page_size=page_size,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--database-url", help="PostgreSQL (emptied); default: SQLite temp")
    args = parser.parse_args()

    clock = FakeTime()
    n = int(args.claims / CLAIMS_PER_RECEIPT) + 1
    every = timedelta(seconds=28 * 86400 * CLAIMS_PER_RECEIPT / args.claims)
    fake = FakeCoupang(
        clock=clock, receipts=make_receipts(n, clock.now() - timedelta(days=28), every=every)
    )

    # Render: every page the sync will ask for, read through the fake in this process.
    keys = (fake.vendor_id, fake.access_key, fake.secret_key)
    recording = Recording(httpx.MockTransport(fake))
    rendering = source(keys, "http://coupang.test", recording, args.page_size, clock)
    pages = 0
    for start, end in windows(clock.now() - LOOKBACK, clock.now(), rendering.max_window):
        pages += sum(1 for _ in rendering.iter_claims(start, end))
    # The fake's receipts stay out of the timed part: a heap that large would make every
    # garbage collection of the sync (not of the floors, which allocate little) slower.
    del fake, rendering
    gc.collect()
    collector.tune()  # as `cancelbot` does once wired (bot/runtime/bootstrap.build)

    url, cleanup = fresh_database(args.database_url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    tz = ZoneInfo("Asia/Seoul")
    commits = [0]
    event.listen(engine, "commit", lambda conn: commits.__setitem__(0, commits[0] + 1))
    with StaticServer(recording.answers) as base_url:
        with Timer() as synced:
            report = sync_account(
                lambda: SqlAlchemyUnitOfWork(factory, tz),
                source(keys, base_url, None, args.page_size, clock),
                clock.now(),
                lookback=LOOKBACK,
            )
        assert report.ok, report.error
        fetched = fetch_floor(base_url, recording.sent)
    transactions = commits[0]
    applied = insert_floor(engine, copy_rows(engine, WRITTEN), transactions)
    engine.dispose()
    cleanup()

    n = report.fetched
    floor = max(fetched, applied, key=lambda t: t.wall)
    print(
        f"{engine.dialect.name}: {n:,} claims over {len(recording.sent):,} requests, "
        f"{pages} pages; stored new {report.stats.new:,} in {transactions} transactions"
    )
    print(f"sync:        {synced.line(n, 'claims')}")
    print(f"fetch floor: {fetched.line(n, 'claims')} (plain httpx + json.loads)")
    print(f"apply floor: {applied.line(n, 'claims')} (executemany, as many commits)")
    print(compare("sync / fetch floor", synced, fetched))
    print(compare("sync / apply floor", synced, applied))
    print(compare("sync / max(fetch, apply) floor", synced, floor))
    both = Timed(fetched.wall + applied.wall, fetched.cpu + applied.cpu)
    print(compare("sync / fetch + apply floors", synced, both))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
