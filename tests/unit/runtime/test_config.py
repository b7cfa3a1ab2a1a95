"""cancelbot.toml: clear errors naming the account and key, never a secret's value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.config import ConfigError, load_config, parse_config

SECRET = "s3cr3t-value-never-printed"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cancelbot.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_no_file_means_one_sandbox_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None, {})
    assert [(a.name, a.marketplace) for a in config.accounts] == [("sandbox", "sandbox")]


def test_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nope.toml"), {})


def test_accounts_read_secrets_from_the_environment(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
allowed_users = ["U1"]
oms_order_url = "https://oms.example/orders/{management_no}"
digest_time = "08:30"
[seller_page_urls]
coupang = "https://wing.coupang.com/orders/{marketplace_order_id}"
[[accounts]]
name = "coupang-main"
marketplace = "coupang"
vendor_id = "A00012345"
access_key_env = "CP_AK"
secret_key_env = "CP_SK"
interval_seconds = 120
[[accounts]]
name = "naver-store"
marketplace = "네이버"
client_id_env = "NV_ID"
client_secret_env = "NV_SECRET"
""",
    )
    env = {"CP_AK": "ak", "CP_SK": SECRET, "NV_ID": "id", "NV_SECRET": SECRET}
    config = load_config(path, env)
    coupang = config.account("coupang-main")
    assert coupang.secret("secret_key_env") == SECRET
    assert coupang.interval_seconds == 120
    assert config.account("naver-store").marketplace == "naver"
    assert config.allowed_users == {"U1"}
    assert config.digest_time.isoformat() == "08:30:00"
    assert SECRET not in repr(config)


@pytest.mark.parametrize(
    ("toml", "needles"),
    [
        (
            '[[accounts]]\nname = "x"\nmarketplace = "ebay"\n',
            ["account 'x'", "'marketplace'", "ebay"],
        ),
        (
            '[[accounts]]\nname = "x"\nmarketplace = "sandbox"\ncolour = "red"\n',
            ["account 'x'", "unknown key 'colour'"],
        ),
        (
            '[[accounts]]\nname = "cp"\nmarketplace = "coupang"\nvendor_id = "A"\n'
            'access_key_env = "CP_AK"\nsecret_key_env = "UNSET_VAR"\n',
            ["account 'cp'", "'secret_key_env'", "UNSET_VAR", "not set"],
        ),
        ('[[accounts]]\nname = "cp"\nmarketplace = "coupang"\n', ["'vendor_id' is required"]),
        (
            '[[accounts]]\nname = "s"\nmarketplace = "sandbox"\ninterval_seconds = "fast"\n',
            ["'interval_seconds' must be a whole number from 2 to 86400"],
        ),
        ('typo = 1\n[[accounts]]\nname = "s"\nmarketplace = "sandbox"\n', ["unknown key 'typo'"]),
        (
            '[[accounts]]\nname = "s"\nmarketplace = "sandbox"\n[[accounts]]\nname = "s"\n'
            'marketplace = "sandbox"\n',
            ["used twice"],
        ),
        ("not toml = = =", ["not valid TOML"]),
    ],
)
def test_config_errors_name_the_account_and_key(
    tmp_path: Path, toml: str, needles: list[str]
) -> None:
    path = _write(tmp_path, toml)
    with pytest.raises(ConfigError) as err:
        load_config(path, {"CP_AK": SECRET})
    for needle in needles:
        assert needle in str(err.value)
    assert SECRET not in str(err.value)


def test_unknown_account_name_lists_the_configured_ones() -> None:
    config = parse_config({"accounts": [{"name": "a", "marketplace": "sandbox"}]}, {})
    with pytest.raises(ConfigError, match="configured: a"):
        config.account("b")


SANDBOX = '[[accounts]]\nname = "s"\nmarketplace = "sandbox"\n'
COUPANG = (
    '[[accounts]]\nname = "cp"\nmarketplace = "coupang"\nvendor_id = "A1"\n'
    'access_key_env = "CP_AK"\n'
)


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('allowed_users = "U1"\n' + SANDBOX, "key 'allowed_users' must be a list of ids"),
        ('allowed_users = ["#general"]\n' + SANDBOX, "must hold Slack ids like"),
        ("orders_inbox = 5\n" + SANDBOX, "key 'orders_inbox' must be a folder's path"),
        ("orders_inbox_max_mb = 0\n" + SANDBOX, "key 'orders_inbox_max_mb' must be from 1"),
        ("alert_backlog_threshold = true\n" + SANDBOX, "must be a whole number from 1"),
        (SANDBOX + "lookback_days = -3\n", "key 'lookback_days' must be from 1 to 90"),
        (SANDBOX + "timeout_seconds = -1\n", "key 'timeout_seconds' must be above 0"),
        (SANDBOX + "timeout_seconds = nan\n", "key 'timeout_seconds' must be above 0"),
        (SANDBOX + "rate_limit_per_second = inf\n", "'rate_limit_per_second' must be above 0"),
        (SANDBOX + "interval_seconds = 9223372036854775807\n", "must be from 2 to 86400"),
        (SANDBOX + 'base_url = "ftp://x"\n', "key 'base_url' must be an http(s) URL"),
        (
            '[[accounts]]\nname = "' + "n" * 65 + '"\nmarketplace = "sandbox"\n',
            "key 'name' is longer than 64 characters",
        ),
        ('oms_webhook_url = "file:///etc/passwd"\n' + SANDBOX, "key 'oms_webhook_url' must"),
        ('digest_time = "25:99"\n' + SANDBOX, "digest_time '25:99': use HH:MM"),
    ],
)
def test_every_key_is_checked_for_type_range_and_length(
    tmp_path: Path, toml: str, needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, toml), {})
    assert needle in str(err.value)


@pytest.mark.parametrize(
    "toml",
    [
        COUPANG + f'secret_key_env = "{SECRET}"\n',
        COUPANG + f'secret_key_env = "xoxb-{SECRET}"\n',
        COUPANG + 'secret_key_env = "' + SECRET + '\\nMORE"\n',
        f'oms_webhook_secret_env = "{SECRET}"\n' + SANDBOX,
        COUPANG + f'secret_key_env = "CP_SK"\n{SECRET} = 1\n'.replace(SECRET, "sk-" + "x" * 60),
    ],
)
def test_a_secret_pasted_into_an_env_key_is_never_printed_back(tmp_path: Path, toml: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, toml), {"CP_AK": "ak", "CP_SK": "sk"})
    text = str(err.value)
    assert SECRET not in text and "x" * 50 not in text
    assert (
        "key 'secret_key_env'" in text or "oms_webhook_secret_env" in text or "unknown key" in text
    )


def test_the_inbox_limits_are_read_with_their_defaults(tmp_path: Path) -> None:
    plain = load_config(_write(tmp_path, 'orders_inbox = "/srv/inbox"\n' + SANDBOX), {})
    assert (plain.orders_inbox_max_mb, plain.orders_inbox_rows_per_transaction) == (50, 5000)
    text = "orders_inbox_max_mb = 5\norders_inbox_rows_per_transaction = 1000\n" + SANDBOX
    tuned = load_config(_write(tmp_path, text), {})
    assert (tuned.orders_inbox_max_mb, tuned.orders_inbox_rows_per_transaction) == (5, 1000)


SANDBOX_ACCOUNTS = [{"name": "s", "marketplace": "sandbox"}]


def test_escalation_is_off_until_a_user_group_is_named() -> None:
    config = parse_config({"accounts": SANDBOX_ACCOUNTS}, {})
    assert (config.escalate_usergroup, config.escalate_after_minutes) == (None, 120)
    config = parse_config(
        {
            "accounts": SANDBOX_ACCOUNTS,
            "escalate_usergroup": "S0CSTEAM1",
            "escalate_after_minutes": 45,
        },
        {},
    )
    assert (config.escalate_usergroup, config.escalate_after_minutes) == ("S0CSTEAM1", 45)


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"escalate_usergroup": "@cs-team"}, "key 'escalate_usergroup' must be a user group"),
        ({"escalate_usergroup": 12}, "key 'escalate_usergroup' must be a user group"),
        ({"escalate_after_minutes": 0}, "key 'escalate_after_minutes' must be from 1"),
        ({"escalate_after_minutes": "2h"}, "key 'escalate_after_minutes' must be a whole"),
        ({"escalate_after_minutes": True}, "key 'escalate_after_minutes' must be a whole"),
    ],
)
def test_escalation_settings_that_cannot_work_are_named(
    values: dict[str, object], needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"accounts": SANDBOX_ACCOUNTS, **values}, {})
    assert needle in str(err.value)
