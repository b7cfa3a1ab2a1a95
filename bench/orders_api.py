"""100,000 order upserts over POST /api/orders in batches of 1,000, next to a floor.

Three passes: new orders (create), the same orders with a status change (update), and the
same again (same: nothing changes). Each batch of ours is followed by the same batch sent
to the floor, so both see the same machine and a table of the same size.

The floor is the same HTTP request (same body, same server, same client) to a handler
that only does what any upsert endpoint must: `json.loads` the body and write the rows by
DB-API `executemany` — `INSERT … ON CONFLICT (management_no) DO UPDATE` of the imported
fields — in one transaction per batch, into the same `orders` table (its management
numbers carry an "F" so the two never meet). It validates nothing, reads nothing back,
keeps no C/S history and classifies nothing: that is what ours adds, and what the ratio
prices. Wall and process CPU time (client and server share this process).

    python bench/orders_api.py [--orders 100000] [--batch 1000] [--database-url URL]

A PostgreSQL `--database-url` is emptied first: give it a database of its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db.engine import make_engine
from adapters.db.repositories import IMPORTED_FIELDS as IMPORTED  # the columns an import sets
from bench.floors import Timed, Timer, compare, fresh_database
from bot.runtime.bootstrap import build
from bot.runtime.process import ORDERS_PATH, orders_handler
from bot.runtime.server import Request, Response, Router, serve_in_thread

TOKEN = "bench-token"
FLOOR_PATH = "/floor/orders"
PASSES = (("create", "RECEIVED"), ("update", "INVOICED"), ("same", "INVOICED"))


def batch(start: int, size: int, status: str, prefix: str = "M") -> bytes:
    rows = [
        {
            "management_no": f"{prefix}{i:08d}",
            "marketplace": "coupang",
            "marketplace_order_id": f"O{i:08d}",
            "marketplace_item_id": f"I{i:08d}",
            "product_name": f"상품 {i}",
            "option": "블랙 / L",
            "quantity": 1 + i % 3,
            "status": status,
            "invoice_no": "" if status == "RECEIVED" else f"INV{i}",
            "shipped_at": None,
        }
        for i in range(start, start + size)
    ]
    return json.dumps(rows).encode()


def floor_handler(engine: Engine) -> Callable[[Request], Response]:
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    # cancelled/on_hold: cancelbot's own, set on insert only (their defaults are ORM-side)
    columns = ("management_no", *IMPORTED, "cancelled", "on_hold", "created_at", "updated_at")
    names = ", ".join(f'"{c}"' for c in columns)
    changes = ", ".join(f'"{c}" = excluded."{c}"' for c in (*IMPORTED, "updated_at"))
    upsert = (
        f"INSERT INTO orders ({names}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT (management_no) DO UPDATE SET {changes}"
    )

    def handle(request: Request) -> Response:
        rows = json.loads(request.body)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now  # as the UTC type
        fixed = (False, False, stamp, stamp)
        values = [(r["management_no"], *(r[c] for c in IMPORTED), *fixed) for r in rows]
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            if sqlite:  # the engine's sqlite3 connections autocommit unless told
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(upsert, values)
            raw.commit()
        finally:
            raw.close()
        return Response.json(200, {"upserted": len(values)})

    return handle


class Pass:
    def __init__(self) -> None:
        self.timed = Timed()
        self.latencies: list[float] = []
        self.answer: object = None

    def send(self, client: httpx.Client, url: str, body: bytes) -> None:
        with Timer() as t:
            response = client.post(url, content=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        self.timed.wall += t.wall
        self.timed.cpu += t.cpu
        self.latencies.append(t.wall * 1000)
        self.answer = response.json()

    def line(self, label: str, n: int) -> str:
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (
            f"{label:12} {self.timed.line(n, 'orders')}; batch p50 "
            f"{statistics.median(lat):.0f} ms, p99 {p99:.0f} ms ({self.answer})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url", help="PostgreSQL (emptied); default: SQLite temp")
    args = parser.parse_args()
    url, cleanup = fresh_database(args.database_url)
    deps = build(url, ZoneInfo("Asia/Seoul"))
    router = Router().add("POST", ORDERS_PATH, orders_handler(deps, TOKEN))
    engine = make_engine(url)  # the floor's own, on the same database
    router.add("POST", FLOOR_PATH, floor_handler(engine))
    base_url, stop = serve_in_thread(router)
    print(f"{engine.dialect.name}: {args.orders:,} orders in batches of {args.batch:,}")
    try:
        with httpx.Client(timeout=60) as client:
            for label, status in PASSES:
                ours, floor = Pass(), Pass()
                for start in range(0, args.orders, args.batch):
                    ours.send(client, base_url + ORDERS_PATH, batch(start, args.batch, status))
                    body = batch(start, args.batch, status, prefix="F")
                    floor.send(client, base_url + FLOOR_PATH, body)
                print(ours.line(label, args.orders))
                print(floor.line(f"{label} floor", args.orders))
                print(compare(f"{label}: ours / floor / ratio", ours.timed, floor.timed))
    finally:
        stop()
        deps.close()
        engine.dispose()
        cleanup()


if __name__ == "__main__":
    main()
