"""`cancelbot accounts check` end to end: bot.cli.main with a cancelbot.toml that points each
account at a fake marketplace served over real local HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from adapters.clock import SystemClock
from bot.cli import main

from .fake_11st import FakeEleventhStreet
from .fake_coupang import FakeCoupang
from .fake_esm import FakeEsm
from .fake_naver import FakeNaver, make_secret
from .faults import FakeApp
from .http_server import serve

WRONG = "wrong-" + "k" * 30  # a credential none of the fakes knows
Run = Callable[..., tuple[int, str, str]]  # run(accounts, *args) -> (exit code, out, err)


@dataclass
class Account:
    """One account: its fake server, its cancelbot.toml table and its secrets."""

    name: str
    fake: FakeApp | None
    settings: dict[str, str | int | float]
    secrets: dict[str, str] = field(default_factory=dict)


def coupang(problem: str = "") -> Account:
    fake = FakeCoupang(clock=SystemClock(), ip_allowed=problem != "ip")
    return Account(
        "coupang-main",
        fake,
        {
            "marketplace": "coupang",
            "vendor_id": "A0999" if problem == "id" else fake.vendor_id,
            "access_key_env": "T_COUPANG_AK",
            "secret_key_env": "T_COUPANG_SK",
        },
        {
            "T_COUPANG_AK": fake.access_key,
            "T_COUPANG_SK": WRONG if problem == "key" else fake.secret_key,
        },
    )


def naver(problem: str = "") -> Account:
    fake = FakeNaver(clock=SystemClock(), ip_allowed=problem != "ip")
    return Account(
        "naver-store",
        fake,
        {
            "marketplace": "naver",
            "client_id_env": "T_NAVER_ID",
            "client_secret_env": "T_NAVER_SECRET",
        },
        {
            "T_NAVER_ID": "another-app" if problem == "id" else fake.client_id,
            "T_NAVER_SECRET": make_secret() if problem == "key" else fake.client_secret,
        },
    )


def eleventh_street(problem: str = "") -> Account:
    fake = FakeEleventhStreet(clock=SystemClock(), ip_allowed=problem != "ip")
    return Account(
        "11st-main",
        fake,
        {"marketplace": "11st", "api_key_env": "T_11ST_KEY"},
        {"T_11ST_KEY": WRONG if problem == "key" else fake.api_key},
    )


def gmarket(problem: str = "") -> Account:
    fake = FakeEsm(clock=SystemClock(), ip_allowed=problem != "ip")
    return Account(
        "gmarket-main",
        fake,
        {
            "marketplace": "gmarket",
            "master_id": fake.master_id,
            "seller_id": "someone_else" if problem == "id" else fake.sellers["G"],
            "secret_key_env": "T_ESM_SECRET",
        },
        {"T_ESM_SECRET": WRONG if problem == "key" else fake.secret_key},
    )


def sandbox() -> Account:
    return Account("sandbox", None, {"marketplace": "sandbox"})


def toml_value(value: str | int | float) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Run]:
    """run(accounts, *args) -> (exit code, stdout, stderr), with every fake being served."""
    with ExitStack() as stack:

        def invoke(accounts: list[Account], *args: str) -> tuple[int, str, str]:
            tables = []
            for account in accounts:
                settings = dict(account.settings)
                if account.fake is not None:
                    settings["base_url"] = stack.enter_context(serve(account.fake))
                    settings["rate_limit_per_second"] = 50  # no politeness waits in tests
                lines = [f'name = "{account.name}"']
                lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
                tables.append("[[accounts]]\n" + "\n".join(lines))
                for name, value in account.secrets.items():
                    monkeypatch.setenv(name, value)
            config = tmp_path / "cancelbot.toml"
            config.write_text("\n\n".join(tables) + "\n", encoding="utf-8")
            monkeypatch.setenv("CANCELBOT_CONFIG", str(config))
            code = main(["accounts", "check", *args])
            out = capsys.readouterr()
            return code, out.out, out.err

        yield invoke


def test_every_account_answers_ok(run: Run) -> None:
    code, out, _ = run([coupang(), naver(), eleventh_street(), gmarket(), sandbox()])

    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "coupang-main: OK, 0 stop-shipment receipt(s) since yesterday (status RU)"
    assert lines[1] == "naver-store: OK, 0 product order(s) changed in the last 24 hours"
    assert lines[2] == "11st-main: OK, 0 cancel request(s) in the last 24 hours"
    assert lines[3].startswith("gmarket-main: OK, 0 cancel(s) requested in the last 6 days")
    # An empty G마켓 Cancels answer cannot prove the SiteType, and the check says so.
    assert lines[4] == (
        "  note: no cancels in 6 days: an empty answer cannot prove the SiteType "
        "(3, the Cancels page's)"
    )
    assert lines[5].startswith("sandbox: OK, built-in sandbox (no keys needed)")
    assert len(lines) == 6


@pytest.mark.parametrize(
    ("account", "problem", "failure", "fix"),
    [
        (
            coupang,
            "key",
            "FAILED (HTTP 401 ERROR): Invalid signature.",
            "keys expire after 6 months",
        ),
        (
            coupang,
            "ip",
            "FAILED (HTTP 403 ERROR): 허용되지 않은 IP 입니다.",
            "register its outbound IP",
        ),
        (
            coupang,
            "id",
            "FAILED (HTTP 400 ERROR): Invalid vendor ID",
            "vendor_id is not the WING vendor ID",
        ),
        (
            naver,
            "key",
            "FAILED (HTTP 403 GW.AUTHN.SIGNATURE): client_secret_sign invalid",
            "does not match the client id",
        ),
        (
            naver,
            "ip",
            "FAILED (HTTP 403 GW.IP_NOT_ALLOWED): 허용되지 않은 IP 입니다.",
            "register this server's outbound IP",
        ),
        (
            naver,
            "id",
            "FAILED (HTTP 400 BAD_REQUEST): unknown client_id",
            "not a 커머스API센터 application id",
        ),
        (
            eleventh_street,
            "key",
            "FAILED (HTTP 200 -28005): 올바른 판매자가 아닙니다.",
            "openapikey is wrong, or this server's IP",
        ),
        (
            eleventh_street,
            "ip",
            "FAILED (HTTP 200 -28005): 올바른 판매자가 아닙니다.",
            "openapikey is wrong, or this server's IP",
        ),
        (
            gmarket,
            "key",
            "FAILED (HTTP 401 401): The user does not have right access to the api",
            "check master_id",
        ),
        (
            gmarket,
            "ip",
            "FAILED (HTTP 403 403): Forbidden: IP address is not allowed",
            "etapihelp@gmail.com",
        ),
        (
            gmarket,
            "id",
            "FAILED (HTTP 401 401): The user does not have right access to the api",
            "seller_id (the G마켓 seller ID",
        ),
    ],
    ids=[
        "coupang-key",
        "coupang-ip",
        "coupang-vendor-id",
        "naver-key",
        "naver-ip",
        "naver-client-id",
        "11st-key",
        "11st-ip",
        "gmarket-key",
        "gmarket-ip",
        "gmarket-seller-id",
    ],
)
def test_a_refused_account_shows_the_marketplace_code_and_the_fix(
    run: Run, account: Callable[[str], Account], problem: str, failure: str, fix: str
) -> None:
    broken = account(problem)

    code, out, err = run([broken, sandbox()])

    assert code == 1
    name, *rest = out.splitlines()
    assert name == f"{broken.name}: {failure}"
    assert rest[0].startswith("  fix: ") and fix in rest[0]
    assert rest[1].startswith("sandbox: OK")  # one account's failure does not stop the rest
    said = out + err
    assert [v for v in broken.secrets.values() if len(v) > 8 and v in said] == []


def test_one_named_account_is_checked_alone(run: Run) -> None:
    broken = coupang("key")

    code, out, _ = run([broken, sandbox()], "sandbox")

    assert code == 0 and len(out.splitlines()) == 1
    assert out.startswith("sandbox: OK")
    assert broken.fake is not None and broken.fake.requests == []  # not asked at all


def test_an_unknown_account_name_is_a_usage_error(run: Run) -> None:
    code, out, err = run([sandbox()], "coupang-typo")
    assert code == 2 and out == ""
    assert "no account named 'coupang-typo' (configured: sandbox)" in err
