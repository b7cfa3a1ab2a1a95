"""Ack time of the Confirm button in HTTP mode, with 10,000 results in the database.

200 signed `cancel_confirm` clicks (each on a different result) go through cancelbot's
HTTP server and Bolt app, the Web API pointed at a local fake; p50/p99 of the time to the
HTTP answer (the ack) is printed next to a bare Bolt app on the same server that only
acks (the floor).

    python bench/ack.py [--clicks 200] [--results 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from slack_bolt import App

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")

from bot.runtime.bootstrap import build, upgrade_database
from bot.runtime.config import default_config
from bot.runtime.server import serve_in_thread
from bot.slack.alerts import METADATA_EVENT
from bot.slack.app import create_app
from bot.slack.client import make_client
from core import apply, order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus
from core.queries import parse_filter
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    BOT_TOKEN,
    SECRET,
    block_action,
    interaction_body,
    make_settings,
    signed_headers,
)

T0 = datetime(2026, 11, 20, tzinfo=UTC)


def seed(deps: object, n: int) -> list[int]:
    make_uow = deps.make_uow  # type: ignore[attr-defined]
    orders = [
        Order(
            f"M{i:06d}",
            "coupang",
            f"O{i}",
            f"I{i}",
            f"상품 {i}",
            "",
            1,
            OrderStatus.SHIPPED,
            shipped_at=T0,
        )
        for i in range(n)
    ]
    order_book.import_orders(make_uow, orders, T0)
    ids: list[int] = []
    for start in range(0, n, 1000):
        claims = [
            Claim(
                "coupang",
                "bench",
                f"C{i}",
                ClaimType.CANCEL,
                ClaimState.COMPLETED,
                f"O{i}",
                f"I{i}",
                1,
                T0 + timedelta(minutes=i),
                ordered_qty=1,
            )
            for i in range(start, min(start + 1000, n))
        ]
        ids += apply.apply_claims(make_uow, claims, T0).changed_ids
    return ids


def clicks(base_url: str, ids: list[int], client: httpx.Client) -> list[float]:
    times = []
    for rid in ids:
        # The alert carries its metadata, so the click re-renders it (chat.update) as in Slack.
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"target": "result", "target_id": rid},
        }
        payload = block_action(
            "cancel_confirm",
            str(rid),
            message_ts=f"1700000000.{rid:06d}",
            message={"metadata": metadata},
        )
        body = interaction_body(payload)
        started = time.perf_counter()
        response = client.post(
            base_url + "/slack/events", content=body, headers=signed_headers(body)
        )
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return times


def summary(label: str, samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{label:28} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--results", type=int, default=10_000)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = f"sqlite:///{tmp.name}/ack.db"
    upgrade_database(url)
    from zoneinfo import ZoneInfo

    deps = build(url, ZoneInfo("Asia/Seoul"))
    ids = seed(deps, args.results)
    print(f"database: {len(ids):,} results")
    fake = FakeSlack().start()
    settings = make_settings(fake)
    app = create_app(deps, settings, default_config(), client=make_client(BOT_TOKEN, fake.base_url))

    bare = App(
        signing_secret=SECRET,
        client=make_client(BOT_TOKEN, fake.base_url),
        token_verification_enabled=False,
    )

    @bare.action("cancel_confirm")
    def only_ack(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    with httpx.Client(timeout=10) as client:
        ours_url, stop_ours = serve_in_thread(app)
        bare_url, stop_bare = serve_in_thread(bare)
        try:
            clicks(bare_url, ids[: args.clicks // 10], client)  # warm up both
            clicks(ours_url, ids[-args.clicks // 10 :], client)
            floor = clicks(bare_url, ids[: args.clicks], client)
            ours = clicks(ours_url, ids[args.clicks : 2 * args.clicks], client)
        finally:
            stop_ours()
            stop_bare()
    time.sleep(1.0)  # let the confirmations' chat.update calls finish before counting
    _, floor_p99 = summary("bare Bolt app (ack only)", floor)
    _, ours_p99 = summary("cancelbot Confirm", ours)
    print(f"ratio p99: {ours_p99 / floor_p99:.2f}x the floor")
    updates = len(fake.calls_to("chat.update"))
    confirmed = read_models.list_results(deps.make_uow, parse_filter("confirmed:yes")).total
    print(f"after the clicks: {confirmed} results confirmed, {updates} alerts re-rendered")
    fake.stop()
    deps.close()


if __name__ == "__main__":
    main()
