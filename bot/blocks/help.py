"""`/cancels help` and the answer to bad `/cancels` input: what was wrong, the part that
was wrong, and the right form, in the team's language."""

from __future__ import annotations

import re
from typing import Final

from bot.blocks._common import Block, clip, escape, mrkdwn, section
from bot.i18n import t
from core.cancels_command import MAX_IDS, SUBCOMMANDS, Action, CommandError
from core.queries import USAGE

BAD_MAX: Final = 200
FORM_MAX: Final = 1500

# core's CommandError messages are English sentences; each kind maps to a catalogue text
# here (core keeps the English for the CLI). Anything unknown falls back to core's text.
_REASONS: Final[list[tuple[re.Pattern[str], str]]] = [
    (re.compile(r'^unknown word "'), "cancels.reason.unknown_word"),
    (re.compile(r"^unknown filter word"), "cancels.reason.unknown_filter_word"),
    (re.compile(r"^unknown (?P<name>[a-z]+) "), "cancels.reason.unknown_value"),
    (re.compile(r"^(?P<name>[a-z]+): needs"), "cancels.reason.needs_value"),
    (re.compile(r"^bad date"), "cancels.reason.bad_date"),
    (re.compile(r"^from:\S+ is after to:"), "cancels.reason.date_order"),
    (re.compile(r"needs at least one result id$"), "cancels.reason.no_ids"),
    (re.compile(r"^at most \d+ ids at a time"), "cancels.reason.too_many_ids"),
    (re.compile(r"is not a result id"), "cancels.reason.bad_id"),
]


def _code(text: str, limit: int) -> str:
    """Text for inside a mrkdwn code span: clipped, escaped, no backtick to close it."""
    return escape(clip(text, limit).replace("`", "'"))


def _names(action: Action) -> str:
    names = [name for name, a in SUBCOMMANDS.items() if a is action]
    return "/cancels " + "|".join(names)


def usage_reason(error: CommandError, locale: str) -> str:
    message = str(error)
    for pattern, key in _REASONS:
        found = pattern.search(message)
        if found:
            subcommands = ", ".join(k for k in SUBCOMMANDS if k.isascii())
            return t(locale, key, subcommands=subcommands, max=MAX_IDS, **found.groupdict())
    return t(locale, "cancels.reason.other", message=escape(clip(message, 500)))


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
