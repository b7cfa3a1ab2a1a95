"""`cancelbot accept RESULT_ID --by NAME` as an operator or a script runs it, against the fake
Coupang over HTTP: exit 0 when it took, 1 when it failed, 2 when refused before any call;
`results --json` then says how it went in `marketplace_action`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.clock import SystemClock
from tests.integration.marketplaces.fake_coupang import FakeCoupang, make_stop_request
from tests.integration.marketplaces.faults import http_error
from tests.integration.marketplaces.http_server import serve

from .test_cli import RESULT_FIELDS, Cli

RECEIPT = 500_000_321
ORDER_ID = str(13_100_000_000_000 + RECEIPT)
ITEM_ID = str(70_000_000_000 + (RECEIPT % 1000) * 10)
ORDERS = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,option,"
    f"quantity,status,invoice_no,shipped_at\nM-321,coupang,{ORDER_ID},{ITEM_ID},캠핑 의자,"
    "카키,1,INVOICED,,\n"
)


@pytest.fixture
def fake() -> FakeCoupang:
    filed = datetime.now(UTC) - timedelta(hours=1)
    return FakeCoupang(clock=SystemClock(), receipts=[make_stop_request(RECEIPT, filed, lines=1)])


def configured(
    tmp_path: Path, database_url: str, base_url: str, fake: FakeCoupang, actions: str
) -> Cli:
    toml = tmp_path / "cancelbot.toml"
    toml.write_text(
        "[[accounts]]\n"
        'name = "coupang-main"\nmarketplace = "coupang"\n'
        f'base_url = "{base_url}"\nvendor_id = "{fake.vendor_id}"\n'
        'access_key_env = "CP_AK"\nsecret_key_env = "CP_SK"\n'
        f"rate_limit_per_second = 50\n{actions}",
        encoding="utf-8",
    )
    cli = Cli(tmp_path, database_url)
    cli.env |= {
        "CANCELBOT_CONFIG": str(toml),
        "CP_AK": fake.access_key,
        "CP_SK": fake.secret_key,
    }
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    cli.ok("db", "upgrade")
    cli.ok("orders", "import", str(tmp_path / "orders.csv"))
    cli.ok("sync")
    return cli


@pytest.fixture
def served(fake: FakeCoupang) -> Iterator[str]:
    with serve(fake) as base_url:
        yield base_url


def the_result(cli: Cli) -> dict[str, object]:
    [result] = cli.json("results", "order:M-321", "phase:all")  # type: ignore[misc]
    assert isinstance(result, dict)
    return result


def test_accept_once_then_refused_and_results_json_says_how_it_went(
    tmp_path: Path, database_url: str, served: str, fake: FakeCoupang
) -> None:
    cli = configured(tmp_path, database_url, served, fake, 'actions = ["accept_cancel"]\n')
    before = the_result(cli)
    assert set(before) >= RESULT_FIELDS | {"marketplace_action"}
    assert (before["claim_state"], before["marketplace_action"]) == ("REQUESTED", None)

    done = cli("accept", str(before["id"]), "--by", "kim", "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["refused"] is None
    assert answer["marketplace_action"]["state"] == "DONE"
    assert fake.writes == 1

    again = cli("accept", str(before["id"]), "--by", "lee")
    assert again.returncode == 2
    assert "handled already" in again.stdout or "처리" in again.stdout
    assert fake.writes == 1

    action = the_result(cli)["marketplace_action"]
    assert isinstance(action, dict)
    assert set(action) == {"action", "state", "by", "at", "error"}
    assert (action["action"], action["state"], action["by"], action["error"]) == (
        "accept_cancel",
        "DONE",
        "kim",
        None,
    )
    assert str(action["at"]).endswith("+09:00")
    history = cli.json("history", "M-321")
    assert isinstance(history, dict)
    assert any(h["text"] == "판매처 취소승인 (kim)" for h in history["history"])

    cli.ok("sync")
    assert the_result(cli)["claim_state"] == "COMPLETED"


def test_goods_shipped_at_the_marketplace_are_refused_before_the_write(
    tmp_path: Path, database_url: str, served: str, fake: FakeCoupang
) -> None:
    cli = configured(tmp_path, database_url, served, fake, 'actions = ["accept_cancel"]\n')
    result_id = str(the_result(cli)["id"])
    receipt = fake.receipt(str(RECEIPT))
    assert receipt is not None
    # The seller page marked it 이미출고 after the sync.
    receipt["releaseStopStatus"] = "처리(이미출고)"

    proc = cli("accept", result_id, "--by", "kim", "--json")

    assert proc.returncode == 2, proc.stdout
    answer = json.loads(proc.stdout)
    assert answer["refused"] == "shipped_at_marketplace"
    assert "처리(이미출고)" in answer["detail"]
    assert fake.writes == 0


def test_a_500_business_error_exits_1_with_its_message_and_no_retry(
    tmp_path: Path, database_url: str, served: str, fake: FakeCoupang
) -> None:
    cli = configured(tmp_path, database_url, served, fake, 'actions = ["accept_cancel"]\n')
    result_id = str(the_result(cli)["id"])
    # cancelbot's re-read, the adapter's read of the receipt's total, then the write.
    write = len(fake.requests) + 3
    fake.faults[write] = http_error(500, {"code": "ERROR", "message": "일시적인 오류입니다."})

    proc = cli("accept", result_id, "--by", "kim", "--json")

    assert proc.returncode == 1, proc.stdout
    action = json.loads(proc.stdout)["marketplace_action"]
    assert action["state"] == "FAILED" and "일시적인 오류입니다." in action["error"]
    puts = [r for r in fake.requests if r.method in ("PUT", "PATCH")]
    assert len(puts) == 1


def test_refusals_before_any_call_exit_2(
    tmp_path: Path, database_url: str, served: str, fake: FakeCoupang
) -> None:
    cli = configured(tmp_path, database_url, served, fake, "")
    result_id = str(the_result(cli)["id"])
    calls = len(fake.requests)

    off = cli("accept", result_id, "--by", "kim", "--json")
    assert off.returncode == 2
    assert json.loads(off.stdout)["refused"] == "not_enabled"

    unknown = cli("accept", "999999", "--by", "kim")
    assert unknown.returncode == 2 and "999999" in unknown.stderr
    not_an_id = cli("accept", "abc", "--by", "kim")
    assert not_an_id.returncode == 2 and "'abc'" in not_an_id.stderr
    nobody = cli("accept", result_id, "--by", " ")
    assert nobody.returncode == 2 and "--by" in nobody.stderr
    too_long = cli("accept", result_id, "--by", "k" * 129)
    assert too_long.returncode == 2 and "the most is 128" in too_long.stderr
    huge = cli("accept", "99999999999", "--by", "kim")
    assert huge.returncode == 2 and "1 to 2147483647" in huge.stderr
    assert len(fake.requests) == calls and fake.writes == 0
