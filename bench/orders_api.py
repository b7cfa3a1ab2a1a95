"""100,000 order upserts over POST /api/orders in batches of 1,000 (SQLite by default).

Prints orders/s and the p50/p99 batch latency, for new orders and again for the same orders
with a status change (updates, which re-classify nothing here).

    python bench/orders_api.py [--orders 100000] [--batch 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime.bootstrap import build, upgrade_database
from bot.runtime.process import ORDERS_PATH, orders_handler
from bot.runtime.server import Router, serve_in_thread

TOKEN = "bench-token"


def batch(start: int, size: int, status: str) -> bytes:
    rows = [
        {
            "management_no": f"M{i:08d}",
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


def run(label: str, base_url: str, n: int, size: int, status: str, client: httpx.Client) -> None:
    latencies = []
    started = time.perf_counter()
    for start in range(0, n, size):
        body = batch(start, size, status)
        t = time.perf_counter()
        response = client.post(
            base_url + ORDERS_PATH, content=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        latencies.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{label:8} {n:,} orders in {elapsed:.1f}s = {n / elapsed:,.0f} orders/s; batch "
        f"p50 {statistics.median(latencies):.0f} ms, p99 {p99:.0f} ms ({response.json()})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/orders.db"
    upgrade_database(url)
    deps = build(url, ZoneInfo("Asia/Seoul"))
    base_url, stop = serve_in_thread(Router().add("POST", ORDERS_PATH, orders_handler(deps, TOKEN)))
    try:
        with httpx.Client(timeout=60) as client:
            run("create", base_url, args.orders, args.batch, "RECEIVED", client)
            run("update", base_url, args.orders, args.batch, "INVOICED", client)
            run("same", base_url, args.orders, args.batch, "INVOICED", client)
    finally:
        stop()
        deps.close()


if __name__ == "__main__":
    main()
