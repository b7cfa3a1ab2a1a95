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
            ["'interval_seconds' has the wrong type"],
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
