"""Ack time in HTTP mode, with 10,000 results in the database.

Default: 200 signed `cancel_confirm` clicks (each on a different result) go through
cancelbot's HTTP server and Bolt app, the Web API pointed at a local fake; p50/p99 of the
time to the HTTP answer (the ack) is printed next to a bare Bolt app on the same server
that only acks (the floor). Each clicked alert is first posted to the fake as the
publisher would post it (rendered, with its metadata, recorded as posted), and the click
carries that message's ts: the re-renders counted are the chat.update calls Slack
accepted, with the ones it refused counted apart.

--burst: a whole `cancelbot run` (Runtime: waitress, the Bolt app, the scheduler running
its jobs: a sandbox sync every 2 s, the outbox, its 10,000 alerts) gets 200 /cancels (five
typical filters) and 200 Confirm clicks, sent by `--clients` threads at `--rate` requests
a second; the bare Bolt app on the same server kind gets the same requests meanwhile.
Prints p50/p99 of both, how many were acked, and how many were answered "busy". Runs on
SQLite, or on PostgreSQL with --database-url (a database of its own is created there).

    python bench/ack.py [--clicks 200] [--results 10000]
    python bench/ack.py --burst [--database-url postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_bolt import App
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")

from bot.runtime.bootstrap import build, upgrade_database
from bot.runtime.config import AccountConfig, default_config
from bot.runtime.process import Runtime
from bot.runtime.server import serve_in_thread
from bot.slack.alerts import alert_metadata, render_alert
from bot.slack.app import create_app
from bot.slack.client import make_client
from core import apply, order_book, read_models
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus
from core.queries import parse_filter
from core.results import TargetKind
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    BOT_TOKEN,
    CHANNEL,
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


def post_alerts(deps: object, fake: FakeSlack, ids: list[int]) -> dict[int, str]:
    """The alerts of `ids` posted to the fake Slack as the publisher posts them and
    recorded as posted: result id -> the message's ts, for the clicks to refer to."""
    from zoneinfo import ZoneInfo

    make_uow = deps.make_uow  # type: ignore[attr-defined]
    client = make_client(BOT_TOKEN, fake.base_url)
    ts_of: dict[int, str] = {}
    for rid in ids:
        alert = render_alert(
            make_uow, TargetKind.RESULT, rid, locale="ko", tz=ZoneInfo("Asia/Seoul")
        )
        assert alert is not None
        answer = client.chat_postMessage(
            channel=CHANNEL,
            text=alert.text,
            blocks=alert.blocks,
            metadata=alert_metadata(TargetKind.RESULT, rid),
        )
        ts_of[rid] = str(answer["ts"])
    with make_uow() as uow:
        for rid, ts in ts_of.items():
            uow.alerts.save(TargetKind.RESULT, rid, CHANNEL, ts, T0)
        uow.commit()
    return ts_of


def clicks(
    base_url: str, ids: list[int], client: httpx.Client, ts_of: dict[int, str] | None = None
) -> list[float]:
    """Confirm clicks on `ids`; on their posted alerts when `ts_of` has them."""
    times = []
    for rid in ids:
        # The alert carries its metadata, so the click re-renders it (chat.update) as in Slack.
        payload = block_action(
            "cancel_confirm",
            str(rid),
            message_ts=(ts_of or {}).get(rid, f"1700000000.{rid:06d}"),
            message={"metadata": alert_metadata(TargetKind.RESULT, rid)},
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


FILTERS = ["", "market:coupang partial", "all order:M000042", "type:return", "phase:all"]


def cancels_body(n: int, words: str, response_url: str) -> str:
    return urlencode(
        {
            "team_id": "T0TEAM01",
            "channel_id": "C0ALERTS1",
            "user_id": "U0AGENT01",
            "command": "/cancels",
            "text": words,
            "response_url": f"{response_url}/burst{n}",
            "trigger_id": f"1.2.{n}",
        }
    )


def confirm_body(rid: int, ts: str, response_url: str) -> str:
    payload = block_action(
        "cancel_confirm",
        str(rid),
        message_ts=ts,
        message={"metadata": alert_metadata(TargetKind.RESULT, rid)},
        response_url=f"{response_url}/click{rid}",
    )
    return interaction_body(payload)


def fire(
    base_url: str, bodies: list[str], *, clients: int, rate: float
) -> list[tuple[float, int, str]]:
    """Each body POSTed to /slack/events, started at `rate` a second over `clients`
    threads: (ms to the answer, status, answer body)."""
    out: list[tuple[float, int, str]] = []
    lock = threading.Lock()
    began = time.perf_counter()

    def send(i: int, body: str, client: httpx.Client) -> None:
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        started = time.perf_counter()
        response = client.post(
            base_url + "/slack/events", content=body, headers=signed_headers(body)
        )
        took = (time.perf_counter() - started) * 1000
        with lock:
            out.append((took, response.status_code, response.text))

    def worker(k: int) -> None:
        with httpx.Client(timeout=10) as client:
            for i in range(k, len(bodies), clients):
                send(i, bodies[i], client)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def own_database(url: str) -> tuple[str, Callable[[], None]]:
    """A new database on the server `url` names, and how to drop it."""
    base = make_url(url)
    name = f"cancelbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def burst(args: argparse.Namespace) -> None:
    from zoneinfo import ZoneInfo

    logging.basicConfig(level=logging.ERROR)  # keep the output short

    tmp = tempfile.TemporaryDirectory()
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if args.database_url:
        url, drop = own_database(args.database_url)
    else:
        url = f"sqlite:///{tmp.name}/burst.db"
    try:
        upgrade_database(url)
        deps = build(url, ZoneInfo("Asia/Seoul"))
        ids = seed(deps, args.results)
        fake = FakeSlack().start()
        ts_of = post_alerts(deps, fake, ids[: args.clicks])
        settings = make_settings(fake)
        config = replace(
            default_config(),
            accounts=[AccountConfig("sandbox", "sandbox", {}, {}, interval_seconds=2)],
        )
        runtime = Runtime(settings, config, deps, port=0, host="127.0.0.1").start()
        # The floor: a bare Bolt app that only acks, in the same mode as cancelbot's (the
        # ack on the request's thread), behind the same server.
        bare = App(
            signing_secret=SECRET,
            client=make_client(BOT_TOKEN, fake.base_url),
            token_verification_enabled=False,
            process_before_response=True,
        )
        bare.command("/cancels")(lambda ack: ack())
        bare.action("cancel_confirm")(lambda ack: ack())
        bare_url, stop_bare = serve_in_thread(bare, signing_secret=SECRET)
        try:
            print(f"database: {make_url(url).get_backend_name()}, {len(ids):,} results")
            warm = [cancels_body(-k, FILTERS[k % 5], fake.webhook_url) for k in range(10)]
            fire(runtime.base_url, warm, clients=1, rate=50)
            fire(bare_url, warm, clients=1, rate=50)
            time.sleep(1.0)
            bodies = [
                cancels_body(n, FILTERS[n % len(FILTERS)], fake.webhook_url)
                for n in range(args.commands)
            ]
            bodies += [
                confirm_body(rid, ts_of[rid], fake.webhook_url) for rid in ids[: args.clicks]
            ]
            random.Random(7).shuffle(bodies)
            jobs_before = len(fake.calls)
            results: dict[str, list[tuple[float, int, str]]] = {}
            both = [
                threading.Thread(
                    target=lambda k=k, u=u: results.__setitem__(
                        k, fire(u, bodies, clients=args.clients, rate=args.rate)
                    )
                )
                for k, u in (("cancelbot", runtime.base_url), ("floor", bare_url))
            ]
            for thread in both:
                thread.start()
            for thread in both:
                thread.join()
            time.sleep(2.0)
        finally:
            stop_bare()
            runtime.stop(grace=120)  # its outbox job hands its claims back before we drop
            fake.stop()
        busy_text = "Busy right now"
        for label, answers in (
            ("bare Bolt app (the floor)", results["floor"]),
            ("cancelbot", results["cancelbot"]),
        ):
            acked = sum(1 for _, status, _ in answers if status == 200)
            busy = sum(1 for _, _, body in answers if busy_text in body)
            print(f"{label:28} acked {acked}/{len(answers)}, busy {busy}")
        _, floor_p99 = summary("bare Bolt app (ack only)", [t for t, _, _ in results["floor"]])
        _, ours_p99 = summary("cancelbot /cancels+Confirm", [t for t, _, _ in results["cancelbot"]])
        print(f"ratio p99: {ours_p99 / floor_p99:.2f}x the floor")
        confirmed = read_models.list_results(deps.make_uow, parse_filter("confirmed:yes")).total
        answered = len([c for c in fake.calls_to("webhook") if "/burst" in c.path])
        print(
            f"meanwhile: {confirmed} results confirmed, {answered} /cancels answered, "
            f"{len(fake.calls) - jobs_before} Web API calls in all (scheduler jobs included)"
        )
        deps.close()
    finally:
        drop()


def settle(fake: FakeSlack, method: str, most: int, quiet: float = 2.0) -> None:
    """Wait until `most` calls to `method` came, or none came for `quiet` seconds."""
    seen, since = -1, time.monotonic()
    while (n := len(fake.calls_to(method))) < most:
        if n != seen:
            seen, since = n, time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="requests a second (burst)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (burst)")
    args = parser.parse_args()
    if args.burst:
        burst(args)
        return

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

    # Ours clicks alerts that were posted: its warm-up ones and its measured ones.
    warm, measured = ids[-args.clicks // 10 :], ids[args.clicks : 2 * args.clicks]
    ts_of = post_alerts(deps, fake, [*warm, *measured])
    with httpx.Client(timeout=10) as client:
        ours_url, stop_ours = serve_in_thread(app, signing_secret=SECRET)
        bare_url, stop_bare = serve_in_thread(bare, signing_secret=SECRET)
        try:
            clicks(bare_url, ids[: args.clicks // 10], client)  # warm up both
            clicks(ours_url, warm, client, ts_of)
            fake.wait_for("chat.update", len(warm), timeout=10)
            fake.reset_calls()
            floor = clicks(bare_url, ids[: args.clicks], client)
            ours = clicks(ours_url, measured, client, ts_of)
            # The re-render follows the ack: wait until they stop coming before counting.
            # (Clicks faster than the work drains get the busy answer: no re-render.)
            settle(fake, "chat.update", len(measured))
        finally:
            stop_ours()
            stop_bare()
    _, floor_p99 = summary("bare Bolt app (ack only)", floor)
    _, ours_p99 = summary("cancelbot Confirm", ours)
    print(f"ratio p99: {ours_p99 / floor_p99:.2f}x the floor")
    updates = fake.calls_to("chat.update")
    rerendered = sum(1 for c in updates if c.ok)
    confirmed = read_models.list_results(deps.make_uow, parse_filter("confirmed:yes")).total
    print(
        f"after {len(measured)} clicks: {confirmed} results confirmed (warm-up included), "
        f"{rerendered} alerts re-rendered, {len(updates) - rerendered} re-renders refused, "
        f"{len(measured) - len(updates)} clicks answered busy (not worked)"
    )
    fake.stop()
    deps.close()


if __name__ == "__main__":
    main()
