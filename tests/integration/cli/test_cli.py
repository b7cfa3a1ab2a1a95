"""`cancelbot` as an operator or a script runs it: a subprocess, exit codes, output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.runtime.bootstrap import build
from core import cases
from tests.conftest import SEOUL

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "samples"
RESULT_FIELDS = {
    "id",
    "marketplace",
    "account",
    "claim_id",
    "management_no",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "category",
    "phase",
    "claim_type",
    "claim_state",
    "ordered_qty",
    "cancel_qty",
    "partial",
    "unmatched",
    "anomaly",
    "shipped_at",
    "claimed_at",
    "confirmed",
    "confirmed_by",
    "confirmed_at",
    "claimed_by",
    "snoozed_until",
}
WITHDRAWAL_FIELDS = {
    "id",
    "management_no",
    "result_id",
    "reason",
    "restore_qty",
    "confirmed",
    "confirmed_by",
}


class Cli:
    def __init__(self, cwd: Path, database_url: str) -> None:
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CANCELBOT_")}
        self.env["DATABASE_URL"] = database_url

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
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def json(self, *args: str) -> object:
        return json.loads(self.ok(*args, "--json"))


@pytest.fixture
def cli(tmp_path: Path, database_url: str) -> Cli:
    return Cli(tmp_path, database_url)


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    cli.ok("db", "upgrade")
    cli.ok("orders", "import", str(SAMPLES / "orders.csv"))
    cli.ok("claims", "import", str(SAMPLES / "claims.csv"))
    return cli


def test_walkthrough_lists_the_after_shipping_results(loaded: Cli) -> None:
    results = loaded.json("results")
    assert isinstance(results, list)
    assert {r["category"] for r in results} == {"SHIPPED_RETURN", "SHIPPED_CANCEL"}
    assert all(r["phase"] == "AFTER_SHIPPING" and not r["confirmed"] for r in results)
    assert set(results[0]) >= RESULT_FIELDS
    assert results[0]["claimed_at"].endswith("+09:00")
    table = loaded.ok("results")
    assert "PARTIAL" in table and "4 result(s)" in table


def test_second_claims_import_changes_nothing(loaded: Cli) -> None:
    out = loaded.ok("claims", "import", str(SAMPLES / "claims.csv"))
    assert "0 new, 0 updated, 8 unchanged" in out


def test_filters_json_withdrawals_and_history(loaded: Cli) -> None:
    everything = loaded.json("results", "전체")
    assert len(everything) == 8
    assert {r["category"] for r in everything} == {
        "SHIPPED_RETURN",
        "SHIPPED_CANCEL",
        "INVOICED_CANCEL",
        "RECEIVED_CANCEL",
    }
    partial = loaded.json("results", "partial", "phase:all")
    assert {r["management_no"] for r in partial} == {"M1002", "M1004"}
    assert [r["management_no"] for r in loaded.json("results", "unmatched")] == [None]
    assert len(loaded.json("results", "--limit", "1", "phase:all")) == 1
    [w] = loaded.json("withdrawals")
    assert set(w) >= WITHDRAWAL_FIELDS
    assert (w["management_no"], w["reason"], w["restore_qty"]) == ("M1002", "PARTIAL", 1)
    history = loaded.json("history", "M1002")
    assert history["order"]["on_hold"] is True
    assert [e["text"] for e in history["history"]] == ["Client 자동취소(배송전)"]


def test_confirm_then_confirm_again_names_the_first(loaded: Cli) -> None:
    rid = str(loaded.json("results")[0]["id"])
    assert "confirmed by kim" in loaded.ok("confirm", rid, "--by", "kim")
    again = loaded.ok("confirm", rid, "--by", "lee")
    assert "already confirmed by kim" in again
    [r] = loaded.json("results", "confirmed:yes")
    assert (r["id"], r["confirmed_by"]) == (int(rid), "kim")
    loaded.ok("unconfirm", rid, "--by", "kim")
    assert loaded.json("results", "confirmed:yes") == []


def test_results_json_says_who_took_a_case_and_until_when_it_is_snoozed(
    loaded: Cli, database_url: str
) -> None:
    first, second = (r["id"] for r in loaded.json("results")[:2])
    assert loaded.json("results")[0]["claimed_by"] is None
    deps = build(database_url, SEOUL)
    now = datetime.now(UTC).replace(microsecond=0)
    until = now + timedelta(hours=4)
    cases.take(deps.make_uow, first, "U0KIM0001", now)
    cases.snooze(deps.make_uow, second, "U0LEE0002", until, now)
    deps.close()

    by_id = {r["id"]: r for r in loaded.json("results", "snoozed:all")}
    assert (by_id[first]["claimed_by"], by_id[first]["snoozed_until"]) == ("U0KIM0001", None)
    assert by_id[second]["snoozed_until"] == until.astimezone(SEOUL).isoformat()
    # A snoozed result leaves the default list until its time.
    assert second not in {r["id"] for r in loaded.json("results")}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["results", "bogus"], '"bogus"'),
        (["results", "from:2026-11-30", "to:2026-11-01"], "from:2026-11-30"),
        (["confirm", "999", "--by", "kim"], "999"),
        (["confirm", "abc", "--by", "kim"], "'abc'"),
        (["history", "NOPE"], "NOPE"),
        (["orders", "import", "/no/such/file.csv"], "/no/such/file.csv"),
        (["results", "--limit", "0"], "--limit"),
    ],
)
def test_usage_and_input_errors_exit_2_and_name_the_bad_thing(
    loaded: Cli, args: list[str], needle: str
) -> None:
    proc = loaded(*args)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_schema_is_an_operational_failure(cli: Cli, tmp_path: Path) -> None:
    cli.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.db'}"
    proc = cli("results")
    assert proc.returncode == 1
    assert "cancelbot db upgrade" in proc.stderr


def test_bad_order_rows_are_reported_by_line_and_nothing_is_applied(
    loaded: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,"
        "option,quantity,status,invoice_no,shipped_at\n"
        "N1,coupang,1,1,a,,1,접수,,\n"
        "N2,ebay,2,2,b,,1,접수,,\n"
        "N3,coupang,3,3,c,,zero,접수,,\n"
        "N4,coupang,4,4,d,,1,LOST,,\n",
        encoding="utf-8",
    )
    proc = loaded("orders", "import", str(bad))
    assert proc.returncode == 2
    assert "line 3: marketplace" in proc.stderr
    assert "line 4: quantity" in proc.stderr
    assert "line 5: status" in proc.stderr
    assert loaded("history", "N1").returncode == 2  # N1 was not applied either


def test_cp949_and_bom_files_import(loaded: Cli, tmp_path: Path) -> None:
    header = (
        "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,"
        "option,quantity,status,invoice_no,shipped_at\n"
    )
    (tmp_path / "cp949.csv").write_bytes(
        (header + "K1,쿠팡,9,9,한글 상품,옵션,1,송장,,\n").encode("cp949")
    )
    (tmp_path / "bom.csv").write_bytes(
        (header + "K2,naver,8,8,상품,,1,배송,,2026-11-20\n").encode("utf-8-sig")
    )
    assert "1 created" in loaded.ok("orders", "import", str(tmp_path / "cp949.csv"))
    assert "1 created" in loaded.ok("orders", "import", str(tmp_path / "bom.csv"))
    k1 = loaded.json("history", "K1")
    assert (k1["order"]["product_name"], k1["order"]["status"]) == ("한글 상품", "INVOICED")
    assert "1 unchanged" in loaded.ok("orders", "import", str(tmp_path / "cp949.csv"))


def test_sync_with_no_config_uses_the_sandbox(cli: Cli) -> None:
    cli.ok("db", "upgrade")
    out = cli.ok("sync")
    assert "sandbox" in out
    results = cli.json("results", "전체")
    assert isinstance(results, list) and len(results) == 11
    again = cli.ok("sync")
    assert "ERROR" in again  # the header; no account failed


def test_sync_exits_1_when_an_account_fails(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[accounts]]\nname = "cp"\nmarketplace = "coupang"\nvendor_id = "A1"\n'
        'access_key_env = "CP_AK"\nsecret_key_env = "CP_SK"\nbase_url = "http://127.0.0.1:9"\n'
        'timeout_seconds = 1\n\n[[accounts]]\nname = "sb"\nmarketplace = "sandbox"\n',
        encoding="utf-8",
    )
    cli.env |= {"CANCELBOT_CONFIG": str(config), "CP_AK": "ak-value", "CP_SK": "sk-value-secret"}
    proc = cli("sync")
    assert proc.returncode == 1, proc.stderr
    assert "cp" in proc.stdout and "sb" in proc.stdout
    assert "sk-value-secret" not in proc.stdout + proc.stderr
    assert len(cli.json("results", "전체")) == 11  # the sandbox still synced


def test_config_error_exits_2_naming_the_key(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    config = tmp_path / "bad.toml"
    config.write_text('[[accounts]]\nname = "x"\nmarketplace = "ebay"\n', encoding="utf-8")
    cli.env["CANCELBOT_CONFIG"] = str(config)
    proc = cli("sync")
    assert proc.returncode == 2
    assert "account 'x'" in proc.stderr and "ebay" in proc.stderr


def test_status_shows_sync_health_and_backlog(cli: Cli) -> None:
    cli.ok("db", "upgrade")
    cli.ok("sync")
    status = cli.json("status")
    assert isinstance(status, dict)
    [account] = status["accounts"]
    assert account["account"] == "sandbox" and account["last_error"] is None
    assert account["last_success_at"].endswith("+09:00")
    assert status["outbox"]["slack"] == 9  # the alerts waiting for `cancelbot run`
    assert "outbox slack: 9 pending" in cli.ok("status")


ORDERS_HEADER = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,"
    "option,quantity,status,invoice_no,shipped_at\n"
)


def test_one_management_number_on_two_lines_is_refused_naming_both(
    loaded: Cli, tmp_path: Path
) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text(
        ORDERS_HEADER
        + "D1,coupang,71,71,a,,1,접수,,\n"
        + "D2,coupang,72,72,b,,1,접수,,\n"
        + "D1,coupang,71,71,a,,2,송장,,\n",
        encoding="utf-8",
    )
    proc = loaded("orders", "import", str(twice))
    assert proc.returncode == 2, proc.stderr
    assert "line 4" in proc.stderr and "as line 2" in proc.stderr
    assert loaded("history", "D2").returncode == 2  # nothing was imported


def test_empty_lists_print_their_header_and_exit_0(cli: Cli) -> None:
    cli.ok("db", "upgrade")
    assert "0 of 0 result(s)" in cli.ok("results")
    assert "0 of 0 withdrawal(s)" in cli.ok("withdrawals")
    assert "outbox slack: 0 pending" in cli.ok("status")
    assert cli.json("withdrawals") == [] and cli.json("status")["accounts"] == []


def test_order_filter_ignores_case(loaded: Cli) -> None:
    found = loaded.json("results", "전체", "order:m1002")
    assert {r["management_no"] for r in found} == {"M1002"}


def test_a_backwards_status_in_a_file_says_what_a_file_can_do(loaded: Cli, tmp_path: Path) -> None:
    back = tmp_path / "back.csv"
    back.write_text(ORDERS_HEADER + "M1001,coupang,27100000001,3000000101,a,,1,접수,,\n")
    proc = loaded("orders", "import", str(back))
    assert proc.returncode == 2
    assert "M1001 SHIPPED→RECEIVED" in proc.stderr
    assert "correct the status in the file" in proc.stderr


def test_people_read_korean_labels_and_scripts_read_codes(loaded: Cli) -> None:
    table = loaded.ok("results", "전체")
    assert "배송-반품" in table and "접수-취소" in table and "SHIPPED_RETURN" not in table
    assert loaded.json("results", "전체")[0]["category"] in {
        "SHIPPED_RETURN",
        "SHIPPED_CANCEL",
        "INVOICED_CANCEL",
        "RECEIVED_CANCEL",
    }
    loaded.env["CANCELBOT_LOCALE"] = "en"
    assert "Shipped – return" in loaded.ok("results", "전체")
    history = loaded.ok("history", "M1002")
    assert "Client 자동취소(배송전)" in history


def test_withdrawals_say_what_the_warehouse_needs(loaded: Cli) -> None:
    [w] = loaded.json("withdrawals")
    assert w["state"] == "OPEN"
    assert (w["product_name"], w["marketplace"], w["order_status"]) == (
        "스테인리스 텀블러 500ml",
        "coupang",
        "RECEIVED",
    )
    assert w["marketplace_order_id"] == "27100000002"
    # The order ships: the withdrawal no longer applies and leaves the default list.
    shipped = loaded.cwd / "shipped.csv"
    shipped.write_text(
        ORDERS_HEADER
        + "M1002,coupang,27100000002,3000000102,스테인리스 텀블러 500ml,실버,2,배송,X1,"
        + "2026-11-22 10:00\n",
        encoding="utf-8",
    )
    loaded.ok("orders", "import", str(shipped))
    assert loaded.json("withdrawals") == []
    [gone] = loaded.json("withdrawals", "confirmed:all")
    assert (gone["state"], gone["closed_reason"]) == ("SUPERSEDED", "shipped")


def test_every_path_queues_the_order_systems_events(loaded: Cli, tmp_path: Path) -> None:
    config = tmp_path / "oms.toml"
    config.write_text(
        'oms_webhook_url = "https://oms.example.com/hooks"\n'
        'oms_webhook_secret_env = "OMS_SECRET"\n\n'
        '[[accounts]]\nname = "sb"\nmarketplace = "sandbox"\n',
        encoding="utf-8",
    )
    loaded.env |= {"CANCELBOT_CONFIG": str(config)}  # the secret is run's, not the CLI's
    rid = str(next(r["id"] for r in loaded.json("results") if r["management_no"]))
    loaded.ok("confirm", rid, "--by", "kim")
    before = tmp_path / "claims.csv"
    before.write_text(
        "marketplace,account,claim_id,claim_type,claim_state,marketplace_order_id,"
        "marketplace_item_id,cancel_qty,ordered_qty,claimed_at,completed_at,shipped_hint,"
        "product_name\n"
        "coupang,main,CLI-1,CANCEL,COMPLETED,27100000002,3000000102,1,2,2026-11-22 09:00,,,\n",
        encoding="utf-8",
    )
    loaded.ok("claims", "import", str(before))
    status = loaded.json("status")
    # result.confirmed; then the claim: the order held again, its withdrawal superseded
    assert status["outbox"]["oms_webhook"] == 3
    events = loaded.json("history", "M1002")
    assert events["order"]["on_hold"] is True


def test_a_claims_file_row_no_column_holds_is_quarantined_and_the_rest_applied(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("db", "upgrade")
    header = (SAMPLES / "claims.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        "coupang,cp,Q1,CANCEL,COMPLETED,O1,I1,1,1,2026-11-20 10:00,,,상품\x01 A",
        "coupang,cp,Q2,CANCEL,COMPLETED," + "9" * 70 + ",I2,1,1,2026-11-20 10:00,,,상품 B",
    ]
    path = tmp_path / "claims.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    out = cli.ok("claims", "import", str(path))

    assert "1 new" in out and "1 quarantined (cancelbot quarantine)" in out
    [stored] = cli.json("results", "전체")
    assert (stored["claim_id"], stored["product_name"]) == ("Q1", "상품 A")
    [record] = cli.json("quarantine")
    assert record["claim_id"] == "Q2" and record["source"] == "claims file"
    assert "marketplace_order_id is 70 characters long" in record["reason"]
    assert "1 record(s)" in cli.ok("quarantine")
