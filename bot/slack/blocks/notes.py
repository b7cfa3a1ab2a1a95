"""Short texts about a confirmation: the thread reply under an alert, and the ephemeral
answer to somebody who clicks what another person already confirmed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.slack.blocks.common import safe, when, who


def build_thread_note(
    text_key: str,
    actor: str,
    at: datetime | None,
    *,
    locale: str,
    tz: ZoneInfo,
    detail: str = "",
) -> str:
    """ "✅ confirmed by <@U…> at …" (`text_key` "confirmed"), the undo ("unconfirmed"), or
    how an accept at the marketplace went ("accept_done" …, with the marketplace's words)."""
    params = {"who": who(actor), "at": when(at, locale, tz)}
    if text_key.startswith("accept_"):
        params["detail"] = safe(detail or "-", 500)
    return t(locale, f"thread.{text_key}", **params)


def build_already_confirmed(
    by: str | None, at: datetime | None, *, locale: str, tz: ZoneInfo
) -> str:
    """Who confirmed it first and when, for the person whose click changed nothing."""
    return t(locale, "confirm.already", who=who(by or "?"), at=when(at, locale, tz))
