"""Short texts about a confirmation: the thread reply under an alert, and the ephemeral
answer to somebody who clicks what another person already confirmed."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.slack.blocks.common import when, who


def build_thread_note(
    text_key: str, actor: str, at: datetime | None, *, locale: str, tz: tzinfo
) -> str:
    """ "✅ confirmed by <@U…> at …" (`text_key` "confirmed") or the undo ("unconfirmed")."""
    return t(locale, f"thread.{text_key}", who=who(actor), at=when(at, locale, tz))


def build_already_confirmed(
    by: str | None, at: datetime | None, *, locale: str, tz: ZoneInfo
) -> str:
    """Who confirmed it first and when, for the person whose click changed nothing."""
    return t(locale, "confirm.already", who=who(by or "?"), at=when(at, locale, tz))
