"""What the database can hold, said once for every entry point: the longest id a column
takes, the integer range, the dates cancelbot accepts, and the characters PostgreSQL
refuses (NUL, lone surrogates) or that have no business in a record.

SQLite would take a 70-digit order id or a NUL; PostgreSQL refuses it and fails the whole
transaction. Checking here makes both databases answer the same, before anything is
written. adapters/db/tables.py declares the same lengths (a test keeps them equal).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

# Column lengths (adapters/db/tables.py).
ACCOUNT_MAX: Final = 64
MARKETPLACE_MAX: Final = 16
CLAIM_ID_MAX: Final = 128
ID_MAX: Final = 64  # management_no, marketplace_order_id, marketplace_item_id, invoice_no
ACTOR_MAX: Final = 128  # who confirmed: a Slack user id or a --by name

# Integer columns are 32-bit on PostgreSQL: quantities and row ids.
INT_MAX: Final = 2**31 - 1

# Dates outside these are typos or garbage (0001-01-01, 9999-12-31), and the extremes
# cannot even be moved to UTC without overflowing.
TIME_MIN: Final = datetime(1970, 1, 1, tzinfo=UTC)
TIME_MAX: Final = datetime(2200, 1, 1, tzinfo=UTC)

# Control characters (C0 but tab/newline/return, DEL, C1) and lone surrogates: dropped from
# free text, where nothing is lost without them.
_TEXT_JUNK: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# In an id every control character is refused: removing one would make it another id.
_ID_JUNK: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Free text (a product name, an option) without control characters or lone surrogates."""
    return _TEXT_JUNK.sub("", text) if _TEXT_JUNK.search(text) else text


def id_problem(value: str, limit: int) -> str | None:
    """Why `value` cannot be stored as an id of at most `limit` characters, or None."""
    if len(value) > limit:
        return f"is {len(value)} characters long, the most is {limit}"
    if _ID_JUNK.search(value):
        return "contains a control character"
    return None


def count_problem(value: int, minimum: int = 0) -> str | None:
    """Why `value` cannot be stored as a quantity, or None."""
    if value < minimum:
        return f"{value} is less than {minimum}"
    if value > INT_MAX:
        return f"is more than {INT_MAX}"
    return None


def time_problem(value: datetime) -> str | None:
    """Why `value` is not a date cancelbot accepts, or None."""
    if value.tzinfo is None:
        return "has no time zone"
    try:
        inside = TIME_MIN <= value < TIME_MAX
    except OverflowError:  # an offset that pushes it past year 1 or 9999
        inside = False
    if not inside:
        return f"is outside {TIME_MIN.year}–{TIME_MAX.year - 1}"
    return None


def is_row_id(value: int) -> bool:
    """A value a stored row's id can have (1 … INT_MAX)."""
    return 1 <= value <= INT_MAX
