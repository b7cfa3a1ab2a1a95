"""Sync 20,000 claims from the local fake Coupang server (real HTTP) into SQLite.

Prints claims/s and peak RSS next to the floor: the same pages fetched over the same HTTP
with no processing (each request replayed with its signed headers, bodies read and dropped).
The fake server runs in its own process, as a marketplace would, so it does not compete
with the sync for this process's interpreter lock.

    python bench/sync.py [--claims 20000] [--page-size 50]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from adapters.marketplaces.coupang import CoupangClaimSource
from core.sync import sync_account
from tests.integration.marketplaces.fake_coupang import FakeCoupang, make_receipts
from tests.integration.marketplaces.faketime import FakeTime
from tests.integration.marketplaces.http_server import serve

# make_receipts: per 6 receipts, 4 are results (the pending-return kinds are skipped),
# and every third receipt carries two items.
CLAIMS_PER_RECEIPT = 17_787 / 22_500


class Recording(httpx.BaseTransport):
    """Keeps each request's path and signed headers, to replay them for the floor."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.url.raw_path.decode(), dict(request.headers)))
        return self.inner.handle_request(request)


def _serve(n: int, every_seconds: float, conn: Connection) -> None:
    clock = FakeTime()
    receipts = make_receipts(
        n, clock.now() - timedelta(days=28), every=timedelta(seconds=every_seconds)
    )
    with serve(FakeCoupang(clock=clock, receipts=receipts)) as base_url:
        conn.send(base_url)
        conn.recv()  # until the parent is done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()

    clock = FakeTime()
    n = int(args.claims / CLAIMS_PER_RECEIPT) + 1
    every = 28 * 86400 * CLAIMS_PER_RECEIPT / args.claims
    fake = FakeCoupang(clock=clock)  # only for its default keys; the server is the child's
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(n, every, child), daemon=True)
    server.start()
    base_url = parent.recv()
    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{tmp.name}/bench.db"
    migrate.upgrade(url)
    factory = make_session_factory(make_engine(url))
    tz = ZoneInfo("Asia/Seoul")

    recording = Recording()
    try:
        source = CoupangClaimSource(
            "bench",
            fake.vendor_id,
            fake.access_key,
            fake.secret_key,
            base_url=base_url,
            clock=clock,
            transport=recording,
            rate_limit=None,  # measure our work, not the politeness delay
            page_size=args.page_size,
        )
        started = time.perf_counter()
        report = sync_account(
            lambda: SqlAlchemyUnitOfWork(factory, tz),
            source,
            clock.now(),
            lookback=timedelta(days=30),
        )
        synced = time.perf_counter() - started
        assert report.ok, report.error
        requests = recording.sent

        # The floor: the very same requests, answered by the same server, bodies dropped.
        with httpx.Client(base_url=base_url) as client:
            started = time.perf_counter()
            for path, headers in requests:
                client.get(path, headers=headers).read()
            floor = time.perf_counter() - started
    finally:
        parent.send("done")
        server.join(timeout=5)

    n = report.fetched
    print(f"claims fetched: {n:,} over {len(requests):,} requests; stored new {report.stats.new:,}")
    print(f"sync:  {synced:.2f}s = {n / synced:,.0f} claims/s")
    print(f"floor: {floor:.2f}s = {n / floor:,.0f} claims/s (fetch only, no processing)")
    print(f"ratio: {synced / floor:.2f}x the floor")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
