"""cancelbot.toml: accounts and team settings. Credentials are the *names* of environment
variables; their values are read from the environment and never printed."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from core.claims import Marketplace
from core.errors import InvalidInput

DEFAULT_CONFIG_PATH = "cancelbot.toml"

# Keys every account may have, with their types.
COMMON_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "marketplace": str,
    "base_url": str,
    "interval_seconds": int,
    "lookback_days": int,
    "overlap_minutes": int,
    "rate_limit_per_second": (int, float),
    "timeout_seconds": (int, float),
    "actions": list,
}
# What a person may do at the marketplace from Slack, per account (off unless listed).
ACTIONS = ("accept_cancel",)
# Per marketplace: plain keys and the *_env keys that name secret variables.
MARKETPLACE_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "coupang": {"vendor_id": str, "access_key_env": str, "secret_key_env": str},
    "naver": {"client_id_env": str, "client_secret_env": str},
    "11st": {"api_key_env": str, "no_rows_codes": list},
    "gmarket": {"master_id": str, "seller_id": str, "secret_key_env": str, "site_type": int},
    "auction": {"master_id": str, "seller_id": str, "secret_key_env": str, "site_type": int},
    "sandbox": {"seed": int, "claim_interval_minutes": int, "load_orders": bool},
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "coupang": ("vendor_id", "access_key_env", "secret_key_env"),
    "naver": ("client_id_env", "client_secret_env"),
    "11st": ("api_key_env",),
    "gmarket": ("master_id", "seller_id", "secret_key_env"),
    "auction": ("master_id", "seller_id", "secret_key_env"),
    "sandbox": (),
}
TOP_KEYS = {
    "accounts",
    "allowed_users",
    "allowed_usergroups",
    "oms_order_url",
    "seller_page_urls",
    "digest_time",
    "alert_backlog_threshold",
    "orders_inbox",
    "oms_webhook_url",
    "oms_webhook_secret_env",
}


class ConfigError(InvalidInput):
    """A configuration mistake; the message names the account and the key."""


@dataclass(frozen=True)
class AccountConfig:
    name: str
    marketplace: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, str] = field(repr=False)  # *_env key -> the variable's value
    interval_seconds: int = 300
    lookback_days: int = 7
    overlap_minutes: int = 10

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(self.settings.get("actions", ()))

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def secret(self, env_key: str) -> str:
        return self.secrets[env_key]


@dataclass(frozen=True)
class Config:
    accounts: list[AccountConfig]
    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: frozenset[str] = frozenset()
    oms_order_url: str | None = None
    seller_page_urls: Mapping[str, str] = field(default_factory=dict)
    digest_time: time = time(9, 0)
    alert_backlog_threshold: int = 20
    orders_inbox: str | None = None
    oms_webhook_url: str | None = None
    oms_webhook_secret: str | None = field(default=None, repr=False)
    path: str | None = None

    def secrets(self) -> list[str]:
        """Every secret value the configuration read from the environment (to mask in logs)."""
        values = [v for a in self.accounts for v in a.secrets.values()]
        return [v for v in [*values, self.oms_webhook_secret or ""] if v]

    def accept_accounts(self) -> frozenset[str]:
        """Accounts where a person can accept a cancel request at the marketplace."""
        return frozenset(a.name for a in self.accounts if "accept_cancel" in a.actions)

    def account(self, name: str) -> AccountConfig:
        for a in self.accounts:
            if a.name == name:
                return a
        known = ", ".join(a.name for a in self.accounts)
        raise ConfigError(f"no account named {name!r} (configured: {known})")


def default_config() -> Config:
    """No file at all: one sandbox account, so a fresh checkout works."""
    return Config(accounts=[AccountConfig("sandbox", "sandbox", {}, {})])


def load_config(path: str | None, environ: Mapping[str, str], *, secrets: bool = True) -> Config:
    """The accounts file at `path` (Settings.config_path, from CANCELBOT_CONFIG), or
    ./cancelbot.toml; no file at all means one sandbox account. `environ` holds the
    variables its *_env keys name; `secrets=False` lets them be unset (commands that never
    call a marketplace or the webhook, e.g. `cancelbot confirm`, need only the settings)."""
    file = Path(path or DEFAULT_CONFIG_PATH)
    if not file.exists():
        if path:
            raise ConfigError(f"config file {file} does not exist (CANCELBOT_CONFIG)")
        return default_config()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    return parse_config(data, environ, str(file), secrets=secrets)


def parse_config(
    data: Mapping[str, Any], env: Mapping[str, str], source: str = "config", *, secrets: bool = True
) -> Config:
    errors: list[str] = []
    for key in data:
        if key not in TOP_KEYS:
            errors.append(f"{source}: unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})")
    raw_accounts = data.get("accounts", [])
    if not isinstance(raw_accounts, list) or not raw_accounts:
        errors.append(f"{source}: [[accounts]] needs at least one account")
        raw_accounts = []
    accounts: list[AccountConfig] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_accounts, start=1):
        account = _account(raw, index, env, errors if secrets else [], errors)
        if account is None:
            continue
        if account.name in seen:
            errors.append(f"account {account.name!r}: name is used twice")
        seen.add(account.name)
        accounts.append(account)
    webhook_secret = None
    if secret_env := data.get("oms_webhook_secret_env"):
        webhook_secret = env.get(str(secret_env)) or None
        if webhook_secret is None and secrets:
            errors.append(f"oms_webhook_secret_env names {secret_env}, which is not set")
    digest = time(9, 0)
    if "digest_time" in data:
        try:
            digest = time.fromisoformat(str(data["digest_time"]))
        except ValueError:
            errors.append(f'digest_time {data["digest_time"]!r}: use HH:MM, e.g. "09:00"')
    urls = data.get("seller_page_urls", {})
    if not isinstance(urls, dict) or any(m not in MARKETPLACE_KEYS for m in urls):
        errors.append(
            'seller_page_urls: a table of marketplace = "https://…{marketplace_order_id}"'
        )
        urls = {}
    threshold = data.get("alert_backlog_threshold", 20)
    if not isinstance(threshold, int) or threshold < 1:
        errors.append("alert_backlog_threshold: a whole number of at least 1")
        threshold = 20
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    return Config(
        accounts=accounts,
        allowed_users=frozenset(map(str, data.get("allowed_users", []))),
        allowed_usergroups=frozenset(map(str, data.get("allowed_usergroups", []))),
        oms_order_url=data.get("oms_order_url"),
        seller_page_urls=dict(urls),
        digest_time=digest,
        alert_backlog_threshold=threshold,
        orders_inbox=data.get("orders_inbox"),
        oms_webhook_url=data.get("oms_webhook_url"),
        oms_webhook_secret=webhook_secret,
        path=source,
    )


def _account(
    raw: Any, index: int, env: Mapping[str, str], unset: list[str], errors: list[str]
) -> AccountConfig | None:
    """The account's settings; `unset` collects variables its *_env keys name that are not
    set (the same list as `errors` when secrets are required)."""
    if not isinstance(raw, dict):
        errors.append(f"accounts #{index}: must be a table")
        return None
    name = raw.get("name")
    label = f"account {name!r}" if isinstance(name, str) and name else f"accounts #{index}"
    if not isinstance(name, str) or not name:
        errors.append(f"{label}: key 'name' is required")
    market = raw.get("marketplace")
    try:
        market = Marketplace.parse(str(market)).value if market is not None else None
    except ValueError:
        valid = " | ".join(m.value for m in Marketplace)
        errors.append(f"{label}: key 'marketplace' = {market!r} is not one of {valid}")
        return None
    if market is None:
        errors.append(f"{label}: key 'marketplace' is required")
        return None
    allowed = COMMON_KEYS | MARKETPLACE_KEYS[market]
    before = len(errors)
    for key, value in raw.items():
        if key not in allowed:
            errors.append(f"{label}: unknown key {key!r} for marketplace {market}")
        elif not isinstance(value, allowed[key]) or isinstance(value, bool) != (
            allowed[key] is bool
        ):
            errors.append(f"{label}: key {key!r} has the wrong type")
    unknown = [a for a in raw.get("actions", []) if a not in ACTIONS]
    if isinstance(raw.get("actions", []), list) and unknown:
        errors.append(
            f"{label}: key 'actions' has {', '.join(map(repr, unknown))}: use {', '.join(ACTIONS)}"
        )
    if "actions" in raw and market == "sandbox" and raw["actions"]:
        errors.append(f"{label}: key 'actions': the sandbox has no marketplace to act at")
    for key in REQUIRED_KEYS[market]:
        if key not in raw:
            errors.append(f"{label}: key {key!r} is required for marketplace {market}")
    secrets: dict[str, str] = {}
    for key, value in raw.items():
        if key.endswith("_env") and isinstance(value, str):
            secret = env.get(value, "")
            if not secret:
                unset.append(
                    f"{label}: key {key!r} names environment variable {value}, which is not set"
                )
            secrets[key] = secret
    if len(errors) > before or not isinstance(name, str):
        return None
    settings = {k: v for k, v in raw.items() if not k.endswith("_env")}
    return AccountConfig(
        name=name,
        marketplace=market,
        settings=settings,
        secrets=secrets,
        interval_seconds=int(raw.get("interval_seconds", 300)),
        lookback_days=int(raw.get("lookback_days", 7)),
        overlap_minutes=int(raw.get("overlap_minutes", 10)),
    )
