"""Three `cancelbot run` replicas on one PostgreSQL database, one fake Coupang, one fake
Slack: 500 after-shipping claims arrive over several sync cycles, one replica is SIGKILLed
while it holds the account's sync lease, and afterwards every claim is stored once, every
alert posted once, the digest posted once, and no lease outlives its expiry (SPEC §5)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import URL

from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.claims import ClaimState, ClaimType
from core.orders import OrderStatus, Phase
from core.results import CancelResult, Category
from tests.support.fake_slack import FakeSlack
from tests.system.replicas.harness import (
    ACCOUNT,
    CHANNEL,
    KST_ZONE,
    Db,
    Replicas,
    alert_target,
    claim_keys,
    cli,
    make_result_receipt,
    marketplace,
    now_utc,
    orders_csv,
    owner_pid,
    run_env,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.postgres

CLAIMS = 500
BATCHES = 10  # claims arrive in BATCHES batches of CLAIMS // BATCHES
BATCH_GAP = 2.2  # seconds between two batches: about one sync interval
SYNC_INTERVAL = 2  # seconds (interval_seconds in the TOML)
LEASE_SECONDS = 10  # CANCELBOT_SYNC_LEASE_SECONDS
POST_INTERVAL = "0.05"  # CANCELBOT_POST_INTERVAL_SECONDS: 20 posts/s per replica
STALE_RESULTS = 3  # old unconfirmed results the digest must list
DIGEST_LEAD = 25  # seconds at least between writing the config and the digest minute
TIMINGS_FILE = Path("/tmp/cancelbot-replicas-timings.json")


def _digest_minute(tz: ZoneInfo) -> datetime:
    """The first whole minute at least DIGEST_LEAD seconds from now, local time."""
    soon = datetime.now(tz) + timedelta(seconds=DIGEST_LEAD)
    return (soon + timedelta(minutes=1)).replace(second=0, microsecond=0)


def _seed_stale_results(url: str, tz: ZoneInfo) -> list[int]:
    """Unconfirmed after-shipping results filed two days ago, written straight into the
    database (no outbox item: only the digest may mention them)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    two_days_ago = now_utc() - timedelta(days=2)
    results = [
        CancelResult(
            marketplace="coupang",
            account="coupang-old",
            claim_id=f"OLD-{n}",
            marketplace_order_id=f"OLD-ORDER-{n}",
            marketplace_item_id=f"OLD-ITEM-{n}",
            management_no=None,
            product_name=f"오래된 상품 {n}",
            option="",
            claim_type=ClaimType.RETURN,
            claim_state=ClaimState.COMPLETED,
            order_status=OrderStatus.SHIPPED,
            phase=Phase.AFTER_SHIPPING,
            category=Category.SHIPPED_RETURN,
            ordered_qty=1,
            cancel_qty=1,
            unmatched=True,
            anomaly=False,
            claimed_at=two_days_ago,
            completed_at=two_days_ago,
            shipped_at=None,
            created_at=two_days_ago,
            updated_at=two_days_ago,
        )
        for n in range(STALE_RESULTS)
    ]
    with SqlAlchemyUnitOfWork(factory, tz) as uow:
        uow.results.add(results)
        uow.commit()
    engine.dispose()
    return [r.id for r in results if r.id is not None]


def _top_level(fake: FakeSlack) -> list[Any]:
    with fake._lock:
        return [m for m in fake.messages[CHANNEL] if m.thread_ts is None]


def _is_digest(message: Any) -> bool:
    return any(b.get("block_id") == "digest_summary" for b in message.blocks)


def _is_summary(message: Any) -> bool:
    return any(b.get("block_id") == "summary_counts" for b in message.blocks)


def test_three_replicas_sync_alert_and_digest_exactly_once_through_a_sigkill(
    replica_db: URL, db: Db, replicas: Replicas, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    began = time.monotonic()
    timings: dict[str, float] = {}

    def mark(name: str) -> None:
        timings[name] = round(time.monotonic() - began, 1)

    tz = ZoneInfo(KST_ZONE)
    url = replica_db.render_as_string(hide_password=False)
    per_batch = CLAIMS // BATCHES
    with marketplace() as market:
        digest_at = _digest_minute(tz)
        config = write_config(
            tmp_path / "cancelbot.toml",
            market.url,
            digest_time=digest_at.strftime("%H:%M"),
            backlog_threshold=1000,  # every alert on its own, so each can be counted
            interval_seconds=SYNC_INTERVAL,
        )
        env = run_env(
            database_url=url,
            slack_api_url=fake_slack.base_url,
            config_path=config,
            CANCELBOT_SYNC_LEASE_SECONDS=str(LEASE_SECONDS),
            CANCELBOT_POST_INTERVAL_SECONDS=POST_INTERVAL,
        )
        cli(["db", "upgrade"], env, tmp_path)
        (tmp_path / "orders.csv").write_bytes(
            orders_csv(range(CLAIMS), now_utc() - timedelta(days=2))
        )
        assert "500 created" in cli(["orders", "import", "orders.csv"], env, tmp_path)
        stale_ids = _seed_stale_results(url, tz)
        mark("prepared")

        fleet = [replicas.start(f"replica-{k}", env) for k in range(3)]
        for replica in fleet:
            replica.wait_ready(timeout=40)
        mark("replicas ready")
        ahead = (digest_at - datetime.now(tz)).total_seconds()
        assert ahead > 5, f"the replicas took too long to start: the digest is due in {ahead:.0f}s"
        by_pid = {r.pid: r for r in fleet}

        def add_batch(b: int) -> None:
            at = now_utc()
            market.add(
                [make_result_receipt(i, at) for i in range(b * per_batch, (b + 1) * per_batch)]
            )

        def digest_posted() -> bool:
            return any(_is_digest(m) for m in _top_level(fake_slack))

        # --- the first half arrives over several sync cycles -----------------------------
        for b in range(BATCHES // 2):
            add_batch(b)
            time.sleep(BATCH_GAP)
        half = (BATCHES // 2) * per_batch

        # Kill while the victim holds the sync lease and nothing else: every alert so far is
        # out (so it holds no outbox item), and the digest is not about to be claimed.
        def quiet() -> bool:
            near_digest = datetime.now(tz) >= digest_at - timedelta(seconds=8)
            return (
                db.results() == half
                and db.pending_outbox() == 0
                and (not near_digest or digest_posted())
            )

        wait_until(quiet, 90, what=f"{half} results stored and alerted")
        mark("first half alerted")

        market.delay = 0.5  # a sync pass now takes ~10 s: long enough to be caught in it
        slowed = time.monotonic()

        def leased_pid() -> int | None:
            if not market.requests_since(slowed):
                return None
            state = db.sync_state()
            pid = owner_pid(state.lease_owner if state else None)
            return pid if pid in by_pid else None

        victim = by_pid[wait_until(leased_pid, 20, interval=0.02, what="a replica mid-sync")]
        victim.kill()
        killed = time.monotonic()
        stuck = db.sync_state()
        market.delay = 0.0
        mark("victim killed")
        assert owner_pid(stuck.lease_owner) == victim.pid, "the dead replica's lease stays"
        lease_left = (stuck.lease_until - now_utc()).total_seconds()
        assert 0 < lease_left <= LEASE_SECONDS + 1

        survivors = [r for r in fleet if r is not victim]

        # --- the second half arrives while the lease is stuck, and after ------------------
        for b in range(BATCHES // 2, BATCHES):
            add_batch(b)
            time.sleep(BATCH_GAP)

        def taken_over() -> bool:
            state = db.sync_state()
            return bool(
                state.last_success_at is not None
                and state.last_success_at > stuck.lease_until
                and state.lease_owner != stuck.lease_owner
            )

        wait_until(taken_over, LEASE_SECONDS + 30, what="a survivor syncing the account")
        mark("account taken over")

        def all_alerted() -> bool:
            return (
                db.results() == CLAIMS
                and db.pending_outbox() == 0
                and len(fake_slack.alerts(CHANNEL)) >= CLAIMS
            )

        wait_until(all_alerted, 120, what="all 500 claims stored and alerted")
        mark("all alerted")

        digest_deadline = (digest_at - datetime.now(tz)).total_seconds() + 30
        wait_until(digest_posted, max(digest_deadline, 5), what="the digest")
        mark("digest posted")
        time.sleep(SYNC_INTERVAL * 1.5)  # a late duplicate would show up now

        # No replica synced while the dead one's lease was live: after the kill the fake saw
        # nothing until the lease ran out (the victim's own in-flight request aside).
        after_kill = market.requests_since(killed + 0.3)
        assert after_kill, "nobody synced after the kill"
        assert after_kill[0] - killed >= lease_left - 0.5, (
            f"a replica called the marketplace {after_kill[0] - killed:.1f}s after the kill, "
            f"with {lease_left:.1f}s of the dead replica's lease left"
        )

        # Leases: none held past its expiry while the survivors run.
        for row in db.rows("SELECT account, lease_owner, lease_until FROM sync_state"):
            assert row.lease_until is None or row.lease_until > now_utc() - timedelta(seconds=1)
        assert (
            db.scalar("SELECT count(*) FROM outbox WHERE done_at IS NULL AND locked_until < now()")
            == 0
        )

        stop_seconds = [r.terminate(timeout=15) for r in survivors]
        mark("survivors stopped")

    # --- every claim stored once ---------------------------------------------------------
    stored = db.rows(
        "SELECT id, claim_id, marketplace_item_id, phase FROM cancel_results WHERE account = :a",
        a=ACCOUNT,
    )
    assert len(stored) == CLAIMS
    keys = {(r.claim_id, r.marketplace_item_id) for r in stored}
    assert keys == claim_keys(range(CLAIMS))
    assert {r.phase for r in stored} == {"AFTER_SHIPPING"}
    result_ids = {r.id for r in stored}

    # --- every alert posted exactly once ---------------------------------------------------
    alerts = fake_slack.alerts(CHANNEL)
    per_target = Counter(alert_target(m)[1] for m in alerts if alert_target(m)[0] == "result")
    duplicates = {k: n for k, n in per_target.items() if n > 1}
    assert not duplicates, f"alerts posted more than once: {duplicates}"
    assert set(per_target) == result_ids, (
        f"missing: {sorted(result_ids - set(per_target))[:10]}, "
        f"unexpected: {sorted(set(per_target) - result_ids)[:10]}"
    )
    assert not set(per_target) & set(stale_ids), "old results are only for the digest"
    recorded = {
        r.target_id: r.ts
        for r in db.rows("SELECT target_id, ts FROM alert_messages WHERE target = 'result'")
    }
    assert recorded == {alert_target(m)[1]: m.ts for m in alerts}, (
        "each alert's (channel, ts) is the message that was posted"
    )

    # --- the digest once, and nothing else ---------------------------------------------------
    top = _top_level(fake_slack)
    digests = [m for m in top if _is_digest(m)]
    assert len(digests) == 1, f"{len(digests)} digests"
    assert not [m for m in top if _is_summary(m)], "no backlog summary was expected"
    assert len(top) == CLAIMS + 1
    assert len(fake_slack.posts(CHANNEL)) == CLAIMS + 1, "one chat.postMessage per message"
    assert db.scalar("SELECT count(*) FROM outbox WHERE kind = 'digest'") == 1
    digest_text = json.dumps(digests[0].blocks, ensure_ascii=False)
    assert str(STALE_RESULTS) in digest_text
    ran_digest = [
        r.name
        for r in fleet
        if any(e.get("msg", "").startswith("digest: digest:") for e in r.events())
    ]
    assert len(ran_digest) >= 2, f"the digest job ran on {ran_digest} only"

    # --- leases and the outbox after the stop ------------------------------------------------
    assert stop_seconds and max(stop_seconds) < 10
    for replica in survivors:
        assert replica.proc.returncode == 0, replica.output()[-2000:]
    for row in db.rows("SELECT account, lease_owner, lease_until FROM sync_state"):
        assert row.lease_owner is None and row.lease_until is None, row
    assert db.pending_outbox() == 0
    assert db.scalar("SELECT count(*) FROM outbox WHERE locked_until IS NOT NULL") == 0

    errors = [
        (r.name, e["msg"])
        for r in survivors
        for e in r.events()
        if e.get("level") in ("error", "critical")
    ]
    assert not errors, errors
    mark("checked")
    report = {
        "timings_s": timings,
        "stop_seconds": [round(s, 2) for s in stop_seconds],
        "lease_left_at_kill_s": round(lease_left, 1),
        "first_request_after_kill_s": round(after_kill[0] - killed, 1),
        "posts": len(fake_slack.posts(CHANNEL)),
        "history_lookups": len(fake_slack.calls_to("conversations.history")),
        "marketplace_requests": len(market.arrivals),
        "digest_ran_on": ran_digest,
        "victim": victim.name,
        "finished_at": datetime.now(UTC).isoformat(),
    }
    TIMINGS_FILE.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
