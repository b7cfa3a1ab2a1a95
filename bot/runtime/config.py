"""cancelbot.toml: accounts and team settings. Credentials are the *names* of environment
variables; their values are read from the environment and never printed.

Every key is checked for its type, range and length against a small schema (careful
code rather than a validation library: some twenty keys, each with its own words, and a
rule no library enforces for us: never quote a value that holds or names a secret)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.claims import Marketplace
from core.errors import InvalidInput
from core.storable import ACCOUNT_MAX

DEFAULT_CONFIG_PATH = "cancelbot.toml"
DEFAULT_INBOX_MAX_MB = 50
DEFAULT_INBOX_ROWS = 5000

# --- the schema ----------------------------------------------------------------------
# Each key has a check that returns what is wrong with a value, or None. Its words never
# quote the value: a secret pasted into an *_env key must not come back in the error, and
# the others gain little from being echoed. Only `marketplace` and `digest_time` quote
# theirs (short, and how a typo is recognised).

Check = Callable[[Any], str | None]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{1,31}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def text(max_len: int, *, printable: bool = True) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        if not value.strip():
            return "must not be empty"
        if len(value) > max_len:
            return f"is longer than {max_len} characters"
        if printable and not value.isprintable():
            return "contains a control character"
        return None

    return check


def whole(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if not _is_int(value):
            return f"must be a whole number from {low} to {high}"
        if not low <= value <= high:
            return f"must be from {low} to {high}"
        return None

    return check


def number(low: float, high: float) -> Check:
    """A number > low and <= high (finite)."""

    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number above {low:g}, at most {high:g}"
        if not low < value <= high:  # also refuses nan and inf
            return f"must be above {low:g} and at most {high:g}"
        return None

    return check


def flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def env_name(value: Any) -> str | None:
    """The *name* of an environment variable (the secret itself is never in the file)."""
    if isinstance(value, str) and _ENV_NAME.fullmatch(value):
        return None
    return (
        "must name an environment variable (letters, digits and _, e.g. COUPANG_SECRET_KEY), "
        "not hold the secret itself; its value is not shown"
    )


def url(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 1000 or not value.isprintable():
        return "must be an http(s) URL of at most 1000 characters"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an http(s) URL (https://…)"
    return None


def ids(pattern: re.Pattern[str], example: str) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or len(value) > 1000:
            return f'must be a list of ids, e.g. ["{example}"]'
        if not all(isinstance(v, str) and pattern.fullmatch(v) for v in value):
            return f'must hold Slack ids like "{example}" only'
        return None

    return check


def usergroup(value: Any) -> str | None:
    """One Slack user group id (S…), as the group's page or usergroups.list shows it."""
    if isinstance(value, str) and _GROUP_ID.fullmatch(value):
        return None
    return 'must be a user group id, e.g. "S0123ABCD"'


def codes(value: Any) -> str | None:
    if not isinstance(value, list) or len(value) > 50:
        return 'must be a list of result codes, e.g. ["0"]'
    if not all(((isinstance(v, str) and len(v) <= 32) or _is_int(v)) for v in value):
        return "must hold result codes (text or whole numbers) only"
    return None


def marketplace_urls(value: Any) -> str | None:
    if not isinstance(value, dict) or any(m not in MARKETPLACE_KEYS for m in value):
        return 'must be a table of marketplace = "https://…{marketplace_order_id}"'
    bad = [m for m, v in value.items() if url(v)]
    return f"{', '.join(sorted(bad))}: must be an http(s) URL" if bad else None


def folder(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > 4096:
        return "must be a folder's path"
    if "\x00" in value or not value.isprintable():
        return "contains a control character"
    return None


ACTIONS = ("accept_cancel",)  # what an account's `actions` may switch on (issue 19)


def actions(value: Any) -> str | None:
    """What people may do at the account's marketplace from Slack and the CLI."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f'must be a list of actions, e.g. ["{ACTIONS[0]}"]'
    unknown = [v for v in value if v not in ACTIONS]
    if unknown:
        return f"has {', '.join(repr(v[:40]) for v in unknown)}: use {', '.join(ACTIONS)}"
    return None


# Keys every account may have.
COMMON_KEYS: dict[str, Check] = {
    "name": text(ACCOUNT_MAX),
    "marketplace": text(16),
    "base_url": url,
    "interval_seconds": whole(2, 86_400),  # the scheduler runs nothing more often
    "lookback_days": whole(1, 90),
    "overlap_minutes": whole(0, 1440),
    "rate_limit_per_second": number(0, 1000),
    "timeout_seconds": number(0, 600),
    "actions": actions,  # what people may do at the marketplace (off unless listed)
}

# Per marketplace: plain keys and the *_env keys that name secret variables.
MARKETPLACE_KEYS: dict[str, dict[str, Check]] = {
    "coupang": {"vendor_id": text(64), "access_key_env": env_name, "secret_key_env": env_name},
    "naver": {"client_id_env": env_name, "client_secret_env": env_name},
    "11st": {"api_key_env": env_name, "no_rows_codes": codes},
    "gmarket": {
        "master_id": text(64),
        "seller_id": text(64),
        "secret_key_env": env_name,
        "site_type": whole(1, 9),
    },
    "auction": {
        "master_id": text(64),
        "seller_id": text(64),
        "secret_key_env": env_name,
        "site_type": whole(1, 9),
    },
    "sandbox": {
        "seed": whole(0, 2**31 - 1),
        "claim_interval_minutes": whole(1, 1440),
        "load_orders": flag,
    },
}
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "coupang": ("vendor_id", "access_key_env", "secret_key_env"),
    "naver": ("client_id_env", "client_secret_env"),
    "11st": ("api_key_env",),
    "gmarket": ("master_id", "seller_id", "secret_key_env"),
    "auction": ("master_id", "seller_id", "secret_key_env"),
    "sandbox": (),
}
TOP_KEYS: dict[str, Check] = {
    "accounts": lambda v: None,  # checked account by account
    "allowed_users": ids(_USER_ID, "U0123ABCD"),
    "allowed_usergroups": ids(_GROUP_ID, "S0456EFGH"),
    "oms_order_url": url,
    "seller_page_urls": marketplace_urls,
    "digest_time": lambda v: None,  # parsed below, with its own message
    "alert_backlog_threshold": whole(1, 10_000),
    "orders_inbox": folder,
    "orders_inbox_max_mb": whole(1, 1024),
    "orders_inbox_rows_per_transaction": whole(100, 100_000),
    "oms_webhook_url": url,
    "oms_webhook_secret_env": env_name,
    "escalate_usergroup": usergroup,
    "escalate_after_minutes": whole(1, 7 * 24 * 60),
}
DEFAULT_ESCALATE_AFTER_MINUTES = 120


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
    orders_inbox_max_mb: int = DEFAULT_INBOX_MAX_MB
    orders_inbox_rows_per_transaction: int = DEFAULT_INBOX_ROWS
    oms_webhook_url: str | None = None
    oms_webhook_secret: str | None = field(default=None, repr=False)
    path: str | None = None
    # Issue 18: what waits longer than this gets one thread reply mentioning the group.
    escalate_usergroup: str | None = None
    escalate_after_minutes: int = DEFAULT_ESCALATE_AFTER_MINUTES

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
    for key, value in data.items():
        check = TOP_KEYS.get(key)
        if check is None:
            known = ", ".join(sorted(TOP_KEYS))
            errors.append(f"{source}: unknown key {_key(key)} (known: {known})")
        elif problem := check(value):
            errors.append(f"{source}: key {key!r} {problem}")
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
    secret_env = data.get("oms_webhook_secret_env")
    if isinstance(secret_env, str) and env_name(secret_env) is None:
        webhook_secret = env.get(secret_env) or None
        if webhook_secret is None and secrets:
            errors.append(f"oms_webhook_secret_env names {secret_env}, which is not set")
    digest = time(9, 0)
    if "digest_time" in data:
        raw_time = data["digest_time"]
        try:
            if not isinstance(raw_time, str) or len(raw_time) > 8:
                raise ValueError
            digest = time.fromisoformat(raw_time)
        except ValueError:
            shown = repr(raw_time)[:20] if isinstance(raw_time, str) else "that value"
            errors.append(f'digest_time {shown}: use HH:MM, e.g. "09:00"')
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    return Config(
        accounts=accounts,
        allowed_users=frozenset(data.get("allowed_users", [])),
        allowed_usergroups=frozenset(data.get("allowed_usergroups", [])),
        oms_order_url=data.get("oms_order_url"),
        seller_page_urls=dict(data.get("seller_page_urls", {})),
        digest_time=digest,
        alert_backlog_threshold=data.get("alert_backlog_threshold", 20),
        orders_inbox=data.get("orders_inbox"),
        orders_inbox_max_mb=data.get("orders_inbox_max_mb", DEFAULT_INBOX_MAX_MB),
        orders_inbox_rows_per_transaction=data.get(
            "orders_inbox_rows_per_transaction", DEFAULT_INBOX_ROWS
        ),
        oms_webhook_url=data.get("oms_webhook_url"),
        oms_webhook_secret=webhook_secret,
        path=source,
        escalate_usergroup=data.get("escalate_usergroup"),
        escalate_after_minutes=data.get("escalate_after_minutes", DEFAULT_ESCALATE_AFTER_MINUTES),
    )


def _key(name: object) -> str:
    """A key as an error may name it: quoted, cut short."""
    return repr(str(name)[:40])


def _account(
    raw: Any, index: int, env: Mapping[str, str], unset: list[str], errors: list[str]
) -> AccountConfig | None:
    """The account's settings; `unset` collects variables its *_env keys name that are not
    set (the same list as `errors` when secrets are required)."""
    if not isinstance(raw, dict):
        errors.append(f"accounts #{index}: must be a table")
        return None
    name = raw.get("name")
    named = isinstance(name, str) and COMMON_KEYS["name"](name) is None
    label = f"account {name!r}" if named else f"accounts #{index}"
    if name is None:
        errors.append(f"{label}: key 'name' is required")
    market = raw.get("marketplace")
    try:
        if not isinstance(market, str) or len(market) > 16:
            raise ValueError
        market = Marketplace.parse(market).value
    except ValueError:
        valid = " | ".join(m.value for m in Marketplace)
        if market is None:
            errors.append(f"{label}: key 'marketplace' is required")
        else:
            shown = repr(market)[:20] if isinstance(market, str) else "that value"
            errors.append(f"{label}: key 'marketplace' = {shown} is not one of {valid}")
        return None
    allowed = COMMON_KEYS | MARKETPLACE_KEYS[market]
    before = len(errors)
    for key, value in raw.items():
        check = allowed.get(key)
        if check is None:
            errors.append(f"{label}: unknown key {_key(key)} for marketplace {market}")
        elif key != "marketplace" and (problem := check(value)):
            errors.append(f"{label}: key {key!r} {problem}")
    if market == "sandbox" and raw.get("actions"):
        errors.append(f"{label}: key 'actions': the sandbox has no marketplace to act at")
    for key in REQUIRED_KEYS[market]:
        if key not in raw:
            errors.append(f"{label}: key {key!r} is required for marketplace {market}")
    secrets: dict[str, str] = {}
    for key, value in raw.items():
        if key.endswith("_env") and isinstance(value, str) and env_name(value) is None:
            secret = env.get(value, "")
            if not secret:
                unset.append(
                    f"{label}: key {key!r} names environment variable {value}, which is not set"
                )
            secrets[key] = secret
    if len(errors) > before or not named:
        return None
    settings = {k: v for k, v in raw.items() if not k.endswith("_env")}
    return AccountConfig(
        name=str(name),
        marketplace=market,
        settings=settings,
        secrets=secrets,
        interval_seconds=int(raw.get("interval_seconds", 300)),
        lookback_days=int(raw.get("lookback_days", 7)),
        overlap_minutes=int(raw.get("overlap_minutes", 10)),
    )
