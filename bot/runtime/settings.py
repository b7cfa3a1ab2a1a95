"""Process settings, read from the environment once, here and nowhere else: the entry points
(`cancelbot run` and the other commands) load them and pass what is needed on.

Tokens and the signing secret are held with `repr=False` and never echoed: an error names
the variable and what is wrong with it, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import Locale
from core.errors import InvalidInput

DEFAULT_DATABASE_URL: Final = "sqlite:///cancelbot.db"
DEFAULT_TIMEZONE: Final = "Asia/Seoul"
DEFAULT_SYNC_LEASE: Final = 30  # seconds; CANCELBOT_SYNC_LEASE_SECONDS (renewed every 10 s)
MIN_SYNC_LEASE: Final = 5
DEFAULT_POST_INTERVAL: Final = 1.0  # seconds; CANCELBOT_POST_INTERVAL_SECONDS
MAX_POST_INTERVAL: Final = 60.0
# Public channel ids start with C, private ones with G (older) or C (newer).
_CHANNEL_ID: Final = re.compile(r"[CG][A-Z0-9]{2,}")
# scheme://… as SQLAlchemy reads it (sqlite:///file.db, postgresql+psycopg://user@host/db).
_DATABASE_URL: Final = re.compile(r"[a-z][a-z0-9]*(\+[a-z0-9]+)?://.*", re.DOTALL)


class SettingsError(InvalidInput):
    """One or more settings are missing or invalid; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("missing or invalid settings:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """Everything the environment says. The Slack values are "" when not set; `cancelbot
    run` refuses to start without the ones it needs (load_settings(need_slack=True))."""

    bot_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    alert_channel: str = ""
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)  # may hold a password
    app_token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    config_path: str | None = None
    locale: Locale = Locale.KO
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    api_token: str | None = field(default=None, repr=False)  # POST /api/orders; None: off
    # Seconds between two alert posts to one channel from this process. Slack allows about
    # one message per second per channel; lower it only for tests (a fake Slack).
    post_interval: float = DEFAULT_POST_INTERVAL
    # How long an account's sync lease lasts: a crashed replica's accounts are picked up by
    # another after this. A running pass renews it every third of it (a heartbeat).
    sync_lease_seconds: int = DEFAULT_SYNC_LEASE

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def secrets(self) -> list[str]:
        """Every value that must never reach a log line (for the log redaction filter)."""
        values = [self.bot_token, self.signing_secret, self.app_token or "", self.api_token or ""]
        values.append(database_password(self.database_url) or "")
        return [v for v in values if len(v) >= 4]


def database_password(url: str) -> str | None:
    """The password in a database URL, to mask wherever the URL might be shown."""
    try:
        return urlsplit(url).password
    except ValueError:  # an unparseable URL has no password we could find
        return None


def _valid_database_url(url: str) -> bool:
    if not _DATABASE_URL.fullmatch(url):
        return False
    try:
        _ = urlsplit(url).port  # a port that is not a number raises
    except ValueError:
        return False
    return True


def safe_url(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    password = database_password(url)
    return url.replace(f":{password}@", ":***@", 1) if password else url


def load_settings(environ: Mapping[str, str], *, need_slack: bool = True) -> Settings:
    """Settings from `environ`; raises SettingsError naming every missing or bad variable.

    `need_slack`: the Slack variables `cancelbot run` needs must be set (the other commands
    work without Slack, and ignore them)."""
    problems: list[str] = []

    def get(name: str) -> str:
        return environ.get(name, "").strip()

    bot_token = get("SLACK_BOT_TOKEN")
    if not need_slack:
        pass
    elif not bot_token:
        problems.append("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN is not a bot token (it must start with xoxb-)")

    app_token = get("SLACK_APP_TOKEN") or None
    if need_slack and app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)")

    # Socket Mode requests come over the app's own connection and carry no signature.
    signing_secret = get("SLACK_SIGNING_SECRET")
    if need_slack and not signing_secret and app_token is None:
        problems.append(
            "SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret; "
            "needed in HTTP mode, i.e. without SLACK_APP_TOKEN)"
        )

    api_url = get("SLACK_API_URL") or None
    if need_slack and api_url is not None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f"SLACK_API_URL={api_url!r} is not an http(s) URL (e.g. https://slack.com/api/)"
            )
        elif not api_url.endswith("/"):
            api_url += "/"

    channel = get("CANCELBOT_ALERT_CHANNEL")
    if not need_slack:
        pass
    elif not channel:
        problems.append(
            "CANCELBOT_ALERT_CHANNEL is not set (the alert channel's id, e.g. C0123ABC)"
        )
    elif not _CHANNEL_ID.fullmatch(channel):
        problems.append(
            f"CANCELBOT_ALERT_CHANNEL={channel!r} is not a channel id (e.g. C0123ABC, "
            "not #name): open the channel's details in Slack to copy it"
        )

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not _valid_database_url(database_url):  # never echoed: it may hold a password
        problems.append("DATABASE_URL is not a database URL (e.g. postgresql+psycopg://…)")

    locale = Locale.KO
    raw_locale = get("CANCELBOT_LOCALE")
    if raw_locale:
        try:
            locale = Locale(raw_locale.lower())
        except ValueError:
            known = " | ".join(m.value for m in Locale)
            problems.append(f"CANCELBOT_LOCALE={raw_locale!r} is not one of {known}")

    tz = ZoneInfo(DEFAULT_TIMEZONE)
    raw_tz = get("CANCELBOT_TIMEZONE")
    if raw_tz:
        try:
            tz = ZoneInfo(raw_tz)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(f"CANCELBOT_TIMEZONE={raw_tz!r} is not a time zone (e.g. Asia/Seoul)")

    post_interval = DEFAULT_POST_INTERVAL
    raw_interval = get("CANCELBOT_POST_INTERVAL_SECONDS")
    if raw_interval:
        try:
            post_interval = float(raw_interval)
        except ValueError:
            post_interval = -1.0
        if not 0.0 <= post_interval <= MAX_POST_INTERVAL:  # also refuses nan
            problems.append(
                f"CANCELBOT_POST_INTERVAL_SECONDS={raw_interval!r} is not a number of seconds "
                f"from 0 to {MAX_POST_INTERVAL:.0f} (default {DEFAULT_POST_INTERVAL:.0f})"
            )

    lease = DEFAULT_SYNC_LEASE
    raw_lease = get("CANCELBOT_SYNC_LEASE_SECONDS")
    if raw_lease:
        lease = int(raw_lease) if raw_lease.isdigit() else -1
        if lease < MIN_SYNC_LEASE:
            problems.append(
                f"CANCELBOT_SYNC_LEASE_SECONDS={raw_lease!r} is not a whole number of seconds "
                f"of at least {MIN_SYNC_LEASE} (default {DEFAULT_SYNC_LEASE})"
            )

    if problems:
        raise SettingsError(problems)
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        alert_channel=channel,
        database_url=database_url,
        app_token=app_token,
        api_url=api_url,
        config_path=get("CANCELBOT_CONFIG") or None,
        locale=locale,
        timezone=tz,
        api_token=get("CANCELBOT_API_TOKEN") or None,
        post_interval=post_interval,
        sync_lease_seconds=lease,
    )
