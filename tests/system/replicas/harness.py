"""Real `cancelbot run` processes against a fake Coupang, a fake Slack and PostgreSQL.

The pieces every test in this package shares:

- `Replica`: one `cancelbot run --port N` subprocess, its log in a file, /healthz polling,
  SIGTERM (timed) and SIGKILL;
- `Marketplace`: a FakeCoupang on a real clock served over local HTTP, behind a switch that
  injects faults (5xx, 429, garbled bodies, slowness) into every request while it is on,
  and a gate that holds every request while it is closed;
- builders for receipts that all become after-shipping results, and the matching orders;
- small database helpers (the tests read and seed the database the replicas share).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from tests.integration.marketplaces.fake_coupang import FakeCoupang, _stamp
from tests.integration.marketplaces.http_server import serve

REPO = Path(__file__).resolve().parents[3]
# The command as the installed entry point runs it, from the interpreter running the tests:
# a fresh clone's venv need not be on PATH.
CANCELBOT = [sys.executable, "-m", "bot.cli"]

ACCOUNT = "coupang-main"
VENDOR_ID = "A00077777"
CHANNEL = "C0REPLICA1"
KST_ZONE = "Asia/Seoul"

# What each receipt kind becomes: (receiptType, receiptStatus, releaseStatus). All three are
# results (a stop-shipment request, a completed return, a paid-stage cancel); matched to a
# SHIPPED order each one is AFTER_SHIPPING and alerted.
RESULT_KINDS = [
    ("RETURN", "RELEASE_STOP_UNCHECKED", "S"),
    ("RETURN", "RETURNS_COMPLETED", "Y"),
    ("CANCEL", None, "N"),
]


class RealClock:
    """core.ports.Clock on the wall clock (the fake checks signed dates against it)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def wait_until(
    condition: Callable[[], Any], timeout: float, *, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll `condition` until it returns something truthy (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or condition}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- receipts and orders ---------------------------------------------------------------


def receipt_ids(i: int) -> tuple[int, int, int]:
    """(receiptId, orderId, vendorItemId) of receipt number i."""
    return 500_000_000 + i, 23_000_000_000_000 + i, 80_000_000_000 + i


def make_result_receipt(i: int, at: datetime) -> dict[str, Any]:
    """Receipt i, filed (and last changed) at `at`: one item, always a result."""
    receipt_type, status, release = RESULT_KINDS[i % len(RESULT_KINDS)]
    receipt_id, order_id, item_id = receipt_ids(i)
    stamp = _stamp(at, v6=True)
    completed = status == "RETURNS_COMPLETED"
    receipt: dict[str, Any] = {
        "receiptId": receipt_id,
        "orderId": order_id,
        "paymentId": 33_000_000_000_000 + i,
        "receiptType": receipt_type,
        "createdAt": stamp,
        "modifiedAt": stamp,
        "cancelCountSum": 1,
        "enclosePrice": {"currencyCode": "KRW", "units": 0, "nanos": 0},
        "returnShippingCharge": {"currencyCode": "KRW", "units": -3000, "nanos": 0},
        "completeConfirmType": "VENDOR_CONFIRM" if completed else "UNDEFINED",
        "completeConfirmDate": stamp if completed else "",
        "returnItems": [
            {
                "vendorItemId": item_id,
                "vendorItemName": f"테스트상품 {i}, 블랙, L",
                "purchaseCount": 2,
                "cancelCount": 1,
                "shipmentBoxId": 910_000_000_000_000_000 + i,
                "sellerProductId": 12_000_000 + i,
                "sellerProductName": f"테스트상품 {i}",
                "releaseStatus": release,
                "cancelCompleteUser": None,
            }
        ],
        "returnDeliveryDtos": [],
    }
    if status is not None:
        receipt["receiptStatus"] = status
    return receipt


def alert_target(message: Any) -> tuple[str, int]:
    """(target kind, id) named by an alert message's metadata (fake_slack.Message)."""
    payload = (message.metadata or {}).get("event_payload") or {}
    return str(payload.get("target")), int(payload.get("target_id") or 0)


def claim_keys(numbers: Sequence[int]) -> set[tuple[str, str]]:
    """(claim_id, marketplace_item_id) the results of these receipts must have."""
    return {(str(receipt_ids(i)[0]), str(receipt_ids(i)[2])) for i in numbers}


ORDER_HEADER = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,option,"
    "quantity,status,invoice_no,shipped_at"
)


def order_row(i: int, shipped_at: datetime) -> dict[str, str]:
    _receipt, order_id, item_id = receipt_ids(i)
    return {
        "management_no": f"CB-{i:05d}",
        "marketplace": "coupang",
        "marketplace_order_id": str(order_id),
        "marketplace_item_id": str(item_id),
        "product_name": f"테스트상품 {i}",
        "option": "블랙, L",
        "quantity": "2",
        "status": "SHIPPED",
        "invoice_no": f"INV{i:08d}",
        "shipped_at": shipped_at.astimezone(UTC).isoformat(timespec="seconds"),
    }


def orders_csv(numbers: Sequence[int], shipped_at: datetime) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ORDER_HEADER.split(","), lineterminator="\n")
    writer.writeheader()
    for i in numbers:
        writer.writerow(order_row(i, shipped_at))
    return out.getvalue().encode("utf-8")


# --- the fake marketplace --------------------------------------------------------------


HOLD_LIMIT = 20.0  # seconds a request waits at a closed gate


@dataclass
class Marketplace:
    """FakeCoupang on the real clock behind a fault switch; `url` while served."""

    fake: FakeCoupang
    mode: str | None = None  # None | "5xx" | "429" | "garbled" | "refuse" | "echo"
    delay: float = 0.0  # seconds every request waits first
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    answers: list[tuple[float, int]] = field(default_factory=list)  # (when, status)
    url: str = ""
    held: int = 0  # requests waiting at the closed gate right now
    _open: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._open.set()

    def hold(self) -> None:
        """Close the gate: from now on every request waits until `release`, up to HOLD_LIMIT
        at a time (under the client's 30 s read timeout, so a pass stalls but never fails)."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.arrivals.append(time.monotonic())
        if not self._open.is_set():
            with self._lock:
                self.held += 1
            try:
                self._open.wait(HOLD_LIMIT)
            finally:
                with self._lock:
                    self.held -= 1
        if self.delay:
            time.sleep(self.delay)
        response = self._answer(request)
        with self._lock:
            self.answers.append((time.monotonic(), response.status_code))
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        mode = self.mode
        if mode == "5xx":
            return httpx.Response(503, json={"code": "ERROR", "message": "Service Unavailable"})
        if mode == "429":
            return httpx.Response(
                429,
                headers={"Retry-After": "1"},
                json={"code": "ERROR", "message": "Too many requests"},
            )
        if mode == "refuse":
            return httpx.Response(401, json={"code": "ERROR", "message": "Invalid signature."})
        if mode == "echo":  # a gateway that quotes the credentials it refused
            quoted = request.headers.get("Authorization", "")
            return httpx.Response(
                401, json={"code": "ERROR", "message": f"Invalid signature: {quoted}"}
            )
        response = self.fake(request)
        if mode == "garbled" and response.status_code == 200:
            return httpx.Response(
                200,
                headers={"Content-Type": "application/json"},
                content=b'{"code": 200, "message": "OK", "data": [{"receiptId": 4',
            )
        return response

    def add(self, receipts: Sequence[dict[str, Any]]) -> None:
        """Claims "arrive": visible to the next request."""
        with self.fake._lock:
            self.fake.receipts.extend(receipts)

    def requests_since(self, moment: float) -> list[float]:
        with self._lock:
            return [t for t in self.arrivals if t >= moment]

    def ok_answers_since(self, moment: float) -> int:
        with self._lock:
            return sum(1 for t, status in self.answers if t >= moment and status == 200)


@contextmanager
def marketplace(
    *, access_key: str = "ak-replicas-0001", secret_key: str = "sk-replicas-0001-secret"
) -> Iterator[Marketplace]:
    fake = FakeCoupang(
        clock=RealClock(), vendor_id=VENDOR_ID, access_key=access_key, secret_key=secret_key
    )
    market = Marketplace(fake)
    with serve(market) as url:
        market.url = url
        try:
            yield market
        finally:
            market.release()  # no request thread outlives the test


# --- configuration and environment -----------------------------------------------------


def write_config(
    path: Path,
    market_url: str,
    *,
    digest_time: str = "09:00",
    backlog_threshold: int = 20,
    interval_seconds: int = 2,
    extra_account: Mapping[str, Any] | None = None,
) -> Path:
    account = {
        "name": ACCOUNT,
        "marketplace": "coupang",
        "vendor_id": VENDOR_ID,
        "access_key_env": "COUPANG_ACCESS_KEY",
        "secret_key_env": "COUPANG_SECRET_KEY",
        "base_url": market_url,
        "interval_seconds": interval_seconds,
        "lookback_days": 1,
        "rate_limit_per_second": 200,
        "timeout_seconds": 5,
        **(extra_account or {}),
    }
    lines = [
        f'digest_time = "{digest_time}"',
        f"alert_backlog_threshold = {backlog_threshold}",
        "",
        "[[accounts]]",
    ]
    for key, value in account.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def base_env() -> dict[str, str]:
    """The test's environment without anything cancelbot reads."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "CANCELBOT_", "COUPANG_")) and k != "DATABASE_URL"
    }


def run_env(
    *,
    database_url: str,
    slack_api_url: str,
    config_path: Path,
    bot_token: str = "xoxb-fake-replica-token",
    signing_secret: str = "replica-signing-secret-0001",
    access_key: str = "ak-replicas-0001",
    secret_key: str = "sk-replicas-0001-secret",
    **extra: str,
) -> dict[str, str]:
    # The token also unlocks /healthz's details, which the tests read.
    extra.setdefault("CANCELBOT_API_TOKEN", "api-token-replicas-0001")
    return base_env() | {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack_api_url,
        "CANCELBOT_ALERT_CHANNEL": CHANNEL,
        "DATABASE_URL": database_url,
        "CANCELBOT_CONFIG": str(config_path),
        "CANCELBOT_LOCALE": "en",
        "CANCELBOT_TIMEZONE": KST_ZONE,
        "COUPANG_ACCESS_KEY": access_key,
        "COUPANG_SECRET_KEY": secret_key,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def cli(args: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 60) -> str:
    """Run a `cancelbot` command to completion; its combined output (raises on failure)."""
    done = subprocess.run(
        [*CANCELBOT, *args],
        env=dict(env),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"cancelbot {' '.join(args)} exited {done.returncode}:\n{done.stdout}")
    return done.stdout


# --- the processes ---------------------------------------------------------------------


class Replica:
    """One `cancelbot run` process; stdout and stderr go to `log_path`."""

    def __init__(self, name: str, env: Mapping[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [*CANCELBOT, "run", "--port", str(self.port)],
            cwd=workdir,
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C on the test run does not hit the replicas
        )
        self.killed = False
        self.api_token = env.get("CANCELBOT_API_TOKEN", "")

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def health(self) -> tuple[int, dict[str, Any]] | None:
        """(status, body) of /healthz with its details (the bearer token), None while the
        process does not answer."""
        request = urllib.request.Request(
            f"{self.url}/healthz", headers={"Authorization": f"Bearer {self.api_token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=3) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read())
            except ValueError:
                return exc.code, {}
        except (OSError, ValueError):
            return None

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            if not self.alive():
                raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.output()}")
            answer = self.health()
            return answer is not None and answer[0] == 200

        wait_until(ready, timeout, what=f"{self.name} /healthz")

    def terminate(self, timeout: float = 15) -> float:
        """SIGTERM; seconds until the process was gone (raises if it outlives `timeout`)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} ignored SIGTERM for {timeout}s") from None
        return time.monotonic() - started

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.killed = True
        self.proc.wait(10)

    def close(self) -> None:
        if self.alive():
            self.kill()
        self._log.close()

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines (anything else, e.g. a traceback, is skipped)."""
        out = []
        for line in self.output().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                out.append(event)
        return out


class Replicas:
    """Every replica a test starts; `close_all` kills whatever is still running."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[Replica] = []

    def start(self, name: str, env: Mapping[str, str]) -> Replica:
        replica = Replica(name, env, self.workdir)
        self.started.append(replica)
        return replica

    def close_all(self) -> None:
        for replica in self.started:
            replica.close()


# --- the database ----------------------------------------------------------------------


class Db:
    """The shared database, as the tests read and seed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def results(self) -> int:
        return int(self.scalar("SELECT count(*) FROM cancel_results WHERE account = :a", a=ACCOUNT))

    def pending_outbox(self) -> int:
        return int(self.scalar("SELECT count(*) FROM outbox WHERE done_at IS NULL"))

    def sync_state(self) -> Any:
        rows = self.rows("SELECT * FROM sync_state WHERE account = :a", a=ACCOUNT)
        return rows[0] if rows else None

    def dump_text(self) -> str:
        """Every row of every table in the public schema, as text."""
        tables = [
            r[0]
            for r in self.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        parts = []
        for table in tables:
            for (row,) in self.rows(f'SELECT t::text FROM "{table}" t'):
                parts.append(f"{table}: {row}")
        return "\n".join(parts)

    def close(self) -> None:
        self.engine.dispose()


def terminate_backends(admin: Engine, database: str) -> int:
    """Drop every connection to `database` but our own (what a failover or a proxy restart
    does to a client); returns how many were dropped."""
    with admin.connect() as conn:
        return len(
            list(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :db AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                )
            )
        )


def owner_pid(lease_owner: str | None) -> int | None:
    """The process id in a lease owner (`host:pid:nonce`, bot.runtime.jobs.OWNER)."""
    if not lease_owner:
        return None
    parts = lease_owner.split(":")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def now_utc() -> datetime:
    return datetime.now(UTC)


def minutes_ago(minutes: float) -> datetime:
    return now_utc() - timedelta(minutes=minutes)
