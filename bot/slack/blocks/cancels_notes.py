"""Short /cancels answers: what a confirm or unconfirm did to each id, what Confirm all
did, and one-line notices, as mrkdwn lines and as a small message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import tzinfo

from bot.i18n import t
from bot.slack.blocks.cancels_common import notice_blocks
from bot.slack.blocks.common import Block, when, who
from core.confirmation import ConfirmAllOutcome, ConfirmOutcome, Outcome

IDS_SHOWN = 20
DETAILS_SHOWN = 20  # lines about ids that did not change; a section holds 3000 chars


def id_list(ids: Sequence[int], locale: str) -> str:
    """`#12, #13, …and 3 more`."""
    shown = ", ".join(f"#{i}" for i in ids[:IDS_SHOWN])
    if len(ids) > IDS_SHOWN:
        shown += " " + t(locale, "details.more", count=len(ids) - IDS_SHOWN)
    return shown


def confirm_lines(outcomes: Iterable[ConfirmOutcome], *, locale: str, tz: tzinfo) -> list[str]:
    """One line for what changed, and one per id that did not change, saying why (who
    confirmed it first, and when)."""
    outcomes = list(outcomes)
    lines = []
    confirmed = [o.target_id for o in outcomes if o.outcome is Outcome.CONFIRMED]
    unconfirmed = [o.target_id for o in outcomes if o.outcome is Outcome.UNCONFIRMED]
    if confirmed:
        lines.append(
            t(locale, "cancels.confirmed_ids", count=len(confirmed), ids=id_list(confirmed, locale))
        )
    if unconfirmed:
        lines.append(
            t(
                locale,
                "cancels.unconfirmed_ids",
                count=len(unconfirmed),
                ids=id_list(unconfirmed, locale),
            )
        )
    details = []
    for o in outcomes:
        if o.outcome is Outcome.ALREADY_CONFIRMED:
            details.append(
                t(
                    locale,
                    "cancels.already_line",
                    id=o.target_id,
                    who=who(o.by or "?"),
                    at=when(o.at, locale, tz),
                )
            )
        elif o.outcome is Outcome.NOT_CONFIRMED:
            details.append(t(locale, "cancels.not_confirmed_line", id=o.target_id))
        elif o.outcome is Outcome.SUPERSEDED:
            details.append(t(locale, "confirm.superseded"))
    lines += details[:DETAILS_SHOWN]
    if len(details) > DETAILS_SHOWN:
        lines.append(t(locale, "details.more", count=len(details) - DETAILS_SHOWN))
    return lines


def confirm_all_lines(
    outcome: ConfirmAllOutcome, counted: int, arrived_since: int, *, locale: str
) -> list[str]:
    lines = [
        t(
            locale,
            "cancels.confirm_all_done",
            confirmed=len(outcome.confirmed_ids),
            counted=counted,
        )
    ]
    if outcome.confirmed_elsewhere:
        lines.append(t(locale, "cancels.confirm_all_elsewhere", count=outcome.confirmed_elsewhere))
    if arrived_since:
        lines.append(t(locale, "cancels.confirm_all_later"))
    return lines


def build_notice(lines: Sequence[str]) -> tuple[list[Block], str]:
    """A small ephemeral message of mrkdwn lines; the first line is its fallback text."""
    return notice_blocks(lines), (lines[0] if lines else "")
