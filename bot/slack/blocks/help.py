"""`/cancels help` and the answer to bad `/cancels` input: what was wrong, the part that
was wrong, and the right form, in the team's language."""

from __future__ import annotations

from typing import Final

from bot.i18n import t
from bot.slack.blocks.common import Block, clip, escape, mrkdwn, section
from core.cancels_command import MAX_IDS, SUBCOMMANDS, Action, CommandError
from core.queries import USAGE
from core.storable import clean_text

BAD_MAX: Final = 200
FORM_MAX: Final = 1500

# core's error codes, each with its catalogue text (core keeps the English for the CLI).
_REASONS: Final = frozenset(
    {
        "unknown_word",
        "unknown_filter_word",
        "unknown_value",
        "needs_value",
        "date_range",
        "bad_value",
        "bad_date",
        "date_order",
        "no_ids",
        "too_many_ids",
        "bad_id",
    }
)


def _code(text: str, limit: int) -> str:
    """Text for inside a mrkdwn code span: clipped, escaped, no backtick to close it, and
    no control character (a NUL typed into /cancels is not sent back)."""
    return escape(clean_text(clip(text, limit)).replace("`", "'"))


def _names(action: Action) -> str:
    names = [name for name, a in SUBCOMMANDS.items() if a is action]
    return "/cancels " + "|".join(names)


def usage_reason(error: CommandError, locale: str) -> str:
    if error.reason in _REASONS:
        subcommands = ", ".join(k for k in SUBCOMMANDS if k.isascii())
        return t(
            locale,
            f"cancels.reason.{error.reason}",
            subcommands=subcommands,
            max=MAX_IDS,
            name=error.name,
        )
    return t(locale, "cancels.reason.other", message=escape(clip(str(error), 500)))


def build_usage_error(error: CommandError, *, locale: str) -> tuple[list[Block], str]:
    reason = usage_reason(error, locale)
    form = _code(error.form, FORM_MAX)
    if error.bad.strip():
        text = t(locale, "cancels.usage", reason=reason, bad=_code(error.bad, BAD_MAX), form=form)
    else:
        text = t(locale, "cancels.usage_no_bad", reason=reason, form=form)
    return [section(mrkdwn(text))], t(locale, "cancels.usage_text", reason=reason)


def build_help(*, locale: str) -> tuple[list[Block], str]:
    lines = [
        t(locale, "help.title"),
        t(locale, "help.query"),
        t(locale, "help.confirm", names=_names(Action.CONFIRM), max=MAX_IDS),
        t(locale, "help.unconfirm", names=_names(Action.UNCONFIRM)),
        t(locale, "help.withdrawals", names=_names(Action.WITHDRAWALS)),
        t(locale, "help.stats", names=_names(Action.STATS)),
        t(locale, "help.export", names=_names(Action.EXPORT)),
        t(locale, "help.help", names=_names(Action.HELP)),
    ]
    usage = "\n".join(escape(part) for part in USAGE.split(" · "))
    blocks = [
        section(mrkdwn("\n".join(lines))),
        section(mrkdwn(f"{t(locale, 'help.filters')}\n```{usage}```")),
        section(mrkdwn(t(locale, "help.example"))),
    ]
    return blocks, t(locale, "help.text")
