"""`/cancels` text → what to do. Filter words are the same as `cancelbot results` (one
parser: core.queries); subcommands have English and Korean names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from core.errors import InvalidFilter, InvalidInput
from core.queries import USAGE, CancelFilter, parse_filter
from core.storable import is_row_id

MAX_IDS = 50
_ID = re.compile(r"[0-9]{1,10}")


class Action(StrEnum):
    QUERY = "query"
    HELP = "help"
    CONFIRM = "confirm"
    UNCONFIRM = "unconfirm"
    WITHDRAWALS = "withdrawals"
    STATS = "stats"
    EXPORT = "export"


SUBCOMMANDS: dict[str, Action] = {
    "help": Action.HELP,
    "도움말": Action.HELP,
    "confirm": Action.CONFIRM,
    "확인": Action.CONFIRM,
    "unconfirm": Action.UNCONFIRM,
    "확인취소": Action.UNCONFIRM,
    "withdrawals": Action.WITHDRAWALS,
    "취소철회": Action.WITHDRAWALS,
    "stats": Action.STATS,
    "통계": Action.STATS,
    "export": Action.EXPORT,
    "내보내기": Action.EXPORT,
}
FORMS = {
    Action.CONFIRM: "/cancels confirm ID… (확인 12 13)",
    Action.UNCONFIRM: "/cancels unconfirm ID… (확인취소 12)",
}


class CommandError(InvalidInput):
    """Bad `/cancels` input: `bad` is the part quoted back, `form` the right form, `reason`
    a stable code for translations (the filter's codes plus unknown_word, no_ids,
    too_many_ids, bad_id) and `name` the filter key concerned, if any."""

    def __init__(self, message: str, bad: str, form: str, reason: str = "", name: str = "") -> None:
        super().__init__(message)
        self.bad = bad
        self.form = form
        self.reason = reason
        self.name = name


@dataclass(frozen=True)
class Command:
    action: Action
    filter: CancelFilter = field(default_factory=CancelFilter)
    ids: tuple[int, ...] = ()


def _ids(action: Action, words: list[str]) -> tuple[int, ...]:
    form = FORMS[action]
    if not words:
        raise CommandError(f"{action.value} needs at least one result id", "", form, "no_ids")
    if len(words) > MAX_IDS:
        raise CommandError(
            f"at most {MAX_IDS} ids at a time ({len(words)} given); use confirm all for more",
            " ".join(words[MAX_IDS : MAX_IDS + 3]),
            form,
            "too_many_ids",
        )
    out: list[int] = []
    for word in words:
        text = word.lstrip("#").rstrip(",")
        # ASCII digits only ("²".isdigit() is true), short enough for int(), and an id a
        # row can have: anything else is a usage answer, never a database error.
        if not _ID.fullmatch(text) or not is_row_id(int(text)):
            shown = word if len(word) <= 20 else word[:20] + "…"
            raise CommandError(
                f'"{shown}" is not a result id (a number like 12)', shown, form, "bad_id"
            )
        out.append(int(text))
    return tuple(dict.fromkeys(out))


def _looks_like_id(word: str) -> bool:
    return word.lstrip("#")[:1].isdigit()


def parse_command(text: str) -> Command:
    """Never raises anything but CommandError: Slack sends whatever people type."""
    words = text.split()
    if not words:
        return Command(Action.QUERY)
    head, rest = words[0], words[1:]
    action = SUBCOMMANDS.get(head.lower(), SUBCOMMANDS.get(head))
    # 확인 alone or before filter words is the filter word (confirmed); before ids, the verb.
    if action is Action.CONFIRM and head == "확인" and not (rest and _looks_like_id(rest[0])):
        action = None
    try:
        if action is None:
            return Command(Action.QUERY, parse_filter(words))
        if action in (Action.CONFIRM, Action.UNCONFIRM):
            return Command(action, ids=_ids(action, rest))
        if action is Action.HELP:
            return Command(action)
        base = CancelFilter(phase=None) if action is Action.WITHDRAWALS else None
        return Command(action, parse_filter(rest, base))
    except InvalidFilter as exc:
        if action is None and exc.bad == head and ":" not in head:
            subs = ", ".join(k for k in SUBCOMMANDS if k.isascii())
            raise CommandError(
                f'unknown word "{head}": not a subcommand ({subs}) nor a filter word',
                head,
                f"/cancels [FILTER…] · /cancels help — filter words: {USAGE}",
                "unknown_word",
            ) from None
        raise CommandError(
            str(exc), exc.bad, f"/cancels [FILTER…] — {USAGE}", exc.reason, exc.name
        ) from None
