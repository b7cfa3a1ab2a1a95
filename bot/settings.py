"""Process settings for `cancelbot run`, read from the environment.

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

from sqlalchemy.engine import make_url

from bot.bootstrap import DEFAULT_DATABASE_URL
from bot.i18n import Locale
from core.errors import InvalidInput

DEFAULT_TIMEZONE: Final = "Asia/Seoul"
DEFAULT_POST_INTERVAL: Final = 1.0  # seconds; CANCELBOT_POST_INTERVAL_SECONDS
MAX_POST_INTERVAL: Final = 60.0
# Public channel ids start with C, private ones with G (older) or C (newer).
_CHANNEL_ID: Final = re.compile(r"[CG][A-Z0-9]{2,}")


class SettingsError(InvalidInput):
    """One or more settings are missing or invalid; `problems` names each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("missing or invalid settings:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(repr=False)
    signing_secret: str = field(repr=False)
    alert_channel: str
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

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def secrets(self) -> list[str]:
        """Every value that must never reach a log line (for the log redaction filter)."""
        values = [self.bot_token, self.signing_secret, self.app_token or "", self.api_token or ""]
        try:
            password = make_url(self.database_url).password
        except Exception:  # an unparseable URL has no password we could find
            password = None
        if password:
            values.append(str(password))
        return [v for v in values if len(v) >= 4]


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from `environ`; raises SettingsError naming every missing or bad variable."""
    problems: list[str] = []

    def get(name: str) -> str:
        return environ.get(name, "").strip()

    bot_token = get("SLACK_BOT_TOKEN")
    if not bot_token:
        problems.append("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…)")
    elif not bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN is not a bot token (it must start with xoxb-)")

    app_token = get("SLACK_APP_TOKEN") or None
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN is not an app-level token (it must start with xapp-)")

    # Socket Mode requests come over the app's own connection and carry no signature.
    signing_secret = get("SLACK_SIGNING_SECRET")
    if not signing_secret and app_token is None:
        problems.append(
            "SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret; "
            "needed in HTTP mode, i.e. without SLACK_APP_TOKEN)"
        )

    api_url = get("SLACK_API_URL") or None
    if api_url is not None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f"SLACK_API_URL={api_url!r} is not an http(s) URL (e.g. https://slack.com/api/)"
            )
        elif not api_url.endswith("/"):
            api_url += "/"

    channel = get("CANCELBOT_ALERT_CHANNEL")
    if not channel:
        problems.append(
            "CANCELBOT_ALERT_CHANNEL is not set (the alert channel's id, e.g. C0123ABC)"
        )
    elif not _CHANNEL_ID.fullmatch(channel):
        problems.append(
            f"CANCELBOT_ALERT_CHANNEL={channel!r} is not a channel id (e.g. C0123ABC, "
            "not #name): open the channel's details in Slack to copy it"
        )

    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        make_url(database_url)
    except Exception:  # SQLAlchemy raises ArgumentError; the value may hold a password
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
    )
