"""One bad record never stops the flow: the poison test through the fake Coupang server over
HTTP and real `cancelbot` commands, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.clock import SystemClock
from tests.integration.marketplaces.fake_coupang import FakeCoupang
from tests.integration.marketplaces.http_server import serve

REPO = Path(__file__).resolve().parents[3]
KST_OFFSET = timedelta(hours=9)
SECRET_KEY = "sk-5a6b7c8d-secret"


def completed_return(i: int, created: datetime) -> dict[str, Any]:
    """A completed return with one item: each one a cancel result."""
    modified = created + timedelta(seconds=30)
    return {
        "receiptId": 500_000_000 + i,
        "orderId": 13_000_000_000_000 + i,
        "receiptType": "RETURN",
        "receiptStatus": "RETURNS_COMPLETED",
        "createdAt": _stamp(created),
        "modifiedAt": _stamp(modified),
        "releaseStopStatus": "비대상",
        "completeConfirmDate": _stamp(modified),
        "returnItems": [
            {
                "vendorItemId": 70_000_000_000 + i,
                "vendorItemName": f"상품 {i}, 블랙, L",
                "purchaseCount": 1,
                "cancelCount": 1,
                "releaseStatus": "Y",
            }
        ],
    }


def _stamp(moment: datetime) -> str:
    return (moment.astimezone(UTC) + KST_OFFSET).replace(tzinfo=None).isoformat(timespec="seconds")


class Cli:
    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=self.cwd,
            env=self.env | {"PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str) -> str:
        proc = self(*args)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "database_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def coupang() -> Iterator[tuple[FakeCoupang, str]]:
    now = datetime.now(UTC)
    receipts = [completed_return(i, now - timedelta(days=3, hours=-i)) for i in range(30)]
    fake = FakeCoupang(clock=SystemClock(), secret_key=SECRET_KEY, receipts=receipts)
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def cli(tmp_path: Path, db_url: str, coupang: tuple[FakeCoupang, str]) -> Cli:
    fake, base_url = coupang
    config = tmp_path / "cancelbot.toml"
    config.write_text(
        f'[[accounts]]\nname = "coupang-main"\nmarketplace = "coupang"\n'
        f'vendor_id = "{fake.vendor_id}"\naccess_key_env = "CP_AK"\nsecret_key_env = "CP_SK"\n'
        f'base_url = "{base_url}"\nrate_limit_per_second = 100\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANCELBOT_")}
    env |= {
        "DATABASE_URL": db_url,
        "CANCELBOT_CONFIG": str(config),
        "CP_AK": fake.access_key,
        "CP_SK": SECRET_KEY,
    }
    return Cli(tmp_path, env)


def results_by_claim(cli: Cli) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for result in cli.json("results", "전체", "--limit", "500"):
        out.setdefault(result["claim_id"], []).append(result)
    return out


def test_two_poison_receipts_leave_the_other_28_synced_and_are_stored_once_when_clean(
    cli: Cli, coupang: tuple[FakeCoupang, str]
) -> None:
    fake, _ = coupang
    nul, long_id = fake.receipts[5], fake.receipts[17]
    nul["returnItems"][0]["vendorItemName"] = "상품\u00005, 블랙"
    long_id["orderId"] = int("9" * 70)
    cli.ok("db", "upgrade")

    sync = cli("sync")

    assert sync.returncode == 0, sync.stdout + sync.stderr  # the window did not fail
    stored = results_by_claim(cli)
    # 28 clean ones, and the NUL one: cleaning its product name loses nothing.
    assert len(stored) == 29 and str(long_id["receiptId"]) not in stored
    [cleaned] = stored[str(nul["receiptId"])]
    assert cleaned["product_name"] == "상품5, 블랙"
    [record] = cli.json("quarantine")
    assert record["account"] == "coupang-main" and record["claim_id"] == str(long_id["receiptId"])
    assert "marketplace_order_id is 70 characters long, the most is 64" in record["reason"]
    assert "9" * 70 in record["raw"] and record["times_seen"] == 1
    assert SECRET_KEY not in cli.ok("quarantine", "--json")
    status = cli.json("status")
    [account] = status["accounts"]
    assert account["quarantined"] == 1 and status["quarantined"] == 1
    assert account["last_error"] is None and account["watermark"] is not None

    # A claim that arrives afterwards is synced: the account is not stuck.
    fake.receipts.append(completed_return(30, datetime.now(UTC) - timedelta(minutes=1)))
    cli.ok("sync")
    assert len(results_by_claim(cli)) == 30

    # The marketplace serves it clean: retry reads its window again and stores it, once.
    long_id["orderId"] = 13_000_000_000_017
    out = cli.ok("quarantine", "retry")
    assert "stored: it came back clean" in out
    stored = results_by_claim(cli)
    assert len(stored) == 31 and len(stored[str(long_id["receiptId"])]) == 1
    assert cli.json("quarantine") == []
    assert cli.json("status")["accounts"][0]["quarantined"] == 0
    cli.ok("sync")
    assert sum(map(len, results_by_claim(cli).values())) == 31  # no second result


def test_a_record_that_is_still_bad_stays_and_retry_says_why(
    cli: Cli, coupang: tuple[FakeCoupang, str]
) -> None:
    fake, _ = coupang
    fake.receipts[3]["orderId"] = "1" * 65
    cli.ok("db", "upgrade")
    cli.ok("sync")
    [record] = cli.json("quarantine")

    again = cli.json("quarantine", "retry", str(record["id"]))

    assert again == [
        {
            "id": record["id"],
            "outcome": "still",
            "detail": "cannot be stored: marketplace_order_id is 65 characters long, "
            "the most is 64",
        }
    ]
    [kept] = cli.json("quarantine")
    assert kept["times_seen"] == 2 and kept["first_seen_at"] == record["first_seen_at"]
    unknown = cli("quarantine", "retry", "999999")
    assert unknown.returncode == 2 and "no quarantined record with id 999999" in unknown.stderr
