"""An alert's case (issue 18): the line saying who is on it and what is snoozed, and the
controls next to Confirm — 🙋 take it, 📝 note, "Open in OMS", and the ⋯ menu (snooze,
details, note) — plus the private answer to a take refused because somebody else has it.

A withdrawal's alert shows and acts on the case of the result it points at: every value
here is a result id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Final

from bot.i18n import t
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    fill_url,
    mrkdwn,
    plain,
    section,
    when,
    who,
)
from bot.slack.blocks.limits import BUTTON_URL_MAX
from bot.slack.ids import ActionId, BlockId
from core.cases import SNOOZE_TOMORROW
from core.errors import InvalidInput
from core.results import CancelResult

OPTION_TEXT_MAX: Final = 75
SNOOZE_CHOICES: Final = (("60", "more.snooze_60"), ("240", "more.snooze_240"))
MORE_SNOOZE: Final = "snooze"
MORE_DETAILS: Final = "details"
MORE_NOTE: Final = "note"


def case_lines(result: CancelResult | None, *, done: bool, locale: str, tz: tzinfo) -> list[str]:
    """ "🙋 <@U> is on it · since …" and "💤 snoozed by … until …"; nothing once the
    alert is `done` (confirmed: nobody needs to be on it any more)."""
    if result is None or done:
        return []
    lines = []
    if result.taken_by is not None:
        since = when(result.taken_at, locale, tz)
        lines.append(t(locale, "case.taken", who=who(result.taken_by), since=since))
    if result.snoozed_until is not None:
        until = when(result.snoozed_until, locale, tz)
        lines.append(t(locale, "case.snoozed", who=who(result.snoozed_by or "?"), until=until))
    return lines


def case_blocks(
    result: CancelResult | None, *, done: bool, locale: str, tz: tzinfo, block_id: str
) -> list[Block]:
    lines = case_lines(result, done=done, locale=locale, tz=tz)
    return [context(*lines, block_id=block_id)] if lines else []


def oms_link(template: str | None, result: CancelResult | None) -> str | None:
    """The order's page in the OMS (config `oms_order_url`), for a matched result."""
    if not template or result is None or result.management_no is None:
        return None
    url = fill_url(template, result.management_no, result.marketplace_order_id)
    return url if len(url) <= BUTTON_URL_MAX else None


def case_controls(
    result_id: int,
    *,
    locale: str,
    confirmed: bool,
    oms_url: str | None = None,
    snooze: bool = True,
) -> list[Block]:
    """The elements after Confirm and C/S details: 🙋 (not once confirmed), 📝, the OMS
    link, and the ⋯ menu (with the snoozes while there is something to wait for)."""
    value = str(result_id)
    elements: list[Block] = []
    if not confirmed:
        elements.append(button(t(locale, "button.claim"), ActionId.CANCEL_CLAIM, value))
    elements.append(button(t(locale, "button.note"), ActionId.CANCEL_NOTE, value))
    if oms_url:
        link = button(t(locale, "button.open_oms"), ActionId.CANCEL_OPEN_OMS, value)
        link["url"] = oms_url
        elements.append(link)
    elements.append(more_menu(result_id, locale=locale, snooze=snooze and not confirmed))
    return elements


def more_menu(result_id: int, *, locale: str, snooze: bool) -> Block:
    options = []
    if snooze:
        options += [
            _option(t(locale, key), f"{MORE_SNOOZE}:{result_id}:{minutes}")
            for minutes, key in SNOOZE_CHOICES
        ]
        options.append(
            _option(
                t(locale, "more.snooze_tomorrow"), f"{MORE_SNOOZE}:{result_id}:{SNOOZE_TOMORROW}"
            )
        )
    options += [
        _option(t(locale, "more.details"), f"{MORE_DETAILS}:{result_id}"),
        _option(t(locale, "more.note"), f"{MORE_NOTE}:{result_id}"),
    ]
    return {"type": "overflow", "action_id": str(ActionId.CANCEL_MORE), "options": options}


def _option(text: str, value: str) -> Block:
    return {"text": plain(clip(text, OPTION_TEXT_MAX)), "value": value}


@dataclass(frozen=True)
class MoreChoice:
    """What an entry of the ⋯ menu asks for: `kind` (snooze, details, note), the result,
    and for a snooze its choice (minutes, or "tomorrow")."""

    kind: str
    result_id: int
    snooze: str = ""

    @classmethod
    def parse(cls, value: object) -> MoreChoice:
        """Raises InvalidInput for anything the menu did not offer."""
        parts = str(value or "").split(":")
        kind = parts[0]
        shape = {MORE_SNOOZE: 3, MORE_DETAILS: 2, MORE_NOTE: 2}.get(kind)
        if shape is None or len(parts) != shape or not parts[1].isdigit() or len(parts[1]) > 12:
            raise InvalidInput(f"{value!r} is not a choice of the alert's menu")
        choice = cls(kind, int(parts[1]), parts[2] if kind == MORE_SNOOZE else "")
        if choice.result_id <= 0 or (kind == MORE_SNOOZE and not choice.snooze):
            raise InvalidInput(f"{value!r} is not a choice of the alert's menu")
        return choice


def build_held_by_other(
    holder: str, since: datetime | None, result_id: int, *, locale: str, tz: tzinfo
) -> tuple[list[Block], str]:
    """The private answer to 🙋 on somebody else's case, with Take over."""
    text = t(locale, "case.held_by_other", who=who(holder), since=when(since, locale, tz))
    takeover = button(t(locale, "button.takeover"), ActionId.CANCEL_TAKEOVER, str(result_id))
    blocks = [section(mrkdwn(text)), actions(takeover, block_id=BlockId.TAKEOVER)]
    return blocks, text
