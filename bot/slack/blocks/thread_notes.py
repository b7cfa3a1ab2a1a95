"""Thread replies under an alert, from the outbox's THREAD_NOTE payloads: a confirmation and
its undo, and since issue 18 a note, a take over, a snooze that ended, an escalation to the
team's user group, and what the marketplace or the order book changed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, Final

from bot.i18n import has_text, t
from bot.slack.blocks.common import safe, when, who
from bot.slack.blocks.notes import build_thread_note
from core.changes import CHANGED_NOTE, Change, Field, parse_changes
from core.escalation import ESCALATED
from core.results import TargetKind

NOTE_TEXT_MAX: Final = 3000
# A user group id as Slack writes it (S…); anything else is shown, never mentioned.
_USERGROUP: Final = re.compile(r"S[A-Z0-9]{2,}")


def usergroup_mention(group: str) -> str:
    return f"<!subteam^{group}>" if _USERGROUP.fullmatch(group) else safe(group)


def thread_text(
    payload: Mapping[str, Any], target: TargetKind | None, *, locale: str, tz: tzinfo
) -> str:
    """The reply's mrkdwn: people's words escaped, people and the group mentioned."""
    key = str(payload.get("text_key", "confirmed"))
    actor = str(payload.get("actor", "?"))
    at = _time(payload.get("at"))
    params = payload.get("params") or {}
    if not isinstance(params, Mapping):
        params = {}
    if key == "note":
        text = safe(str(params.get("text", "")), NOTE_TEXT_MAX)
        return t(locale, "thread.note", who=who(actor), at=when(at, locale, tz), text=text)
    if key == "taken_over":
        previous = who(str(params.get("previous", "?")))
        return t(
            locale, "thread.taken_over", who=who(actor), previous=previous, at=when(at, locale, tz)
        )
    if key == "unsnoozed":
        return t(locale, "thread.unsnoozed", who=who(actor), at=when(at, locale, tz))
    if key == ESCALATED:
        which = (
            "thread.escalated_withdrawal" if target is TargetKind.WITHDRAWAL else "thread.escalated"
        )
        minutes = params.get("minutes")
        return t(
            locale,
            which,
            group=usergroup_mention(str(params.get("usergroup", ""))),
            minutes=int(minutes) if isinstance(minutes, int) else "?",
        )
    if key.startswith("accept_"):  # how an accept at the marketplace went (issue 19)
        detail = safe(str(params.get("detail") or "-"), 500)
        return t(locale, f"thread.{key}", who=who(actor), at=when(at, locale, tz), detail=detail)
    if key == CHANGED_NOTE:
        lines = [change_line(c, locale) for c in parse_changes(params.get("changes"))]
        return t(locale, "thread.changed", at=when(at, locale, tz), changes="\n".join(lines))
    if not has_text(f"thread.{key}"):
        key = "confirmed"
    return build_thread_note(key, actor, at, locale=locale, tz=tz)


def change_line(change: Change, locale: str) -> str:
    """One change in words: labels for states, phases and categories; numbers as they are."""
    old, new = _label(change, change.old, locale), _label(change, change.new, locale)
    if change.field is Field.CONFIRMATION_CLEARED:
        old = who(change.old)
    return t(locale, f"change.{change.field.value}", old=old, new=new)


def _label(change: Change, value: str, locale: str) -> str:
    prefix = {
        Field.CLAIM_STATE: "claim_state",
        Field.SHIPPED: "phase",
        Field.UNSHIPPED: "phase",
        Field.CATEGORY: "category",
    }.get(change.field)
    if prefix and has_text(f"{prefix}.{value}"):
        return t(locale, f"{prefix}.{value}")
    if not value:
        return t(locale, "value.none")
    return safe(value)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
