"""Records set aside for a person instead of guessed at or failing the window, and the
quarantine entries they become.

Failing the window instead would fail every later pass too (the record comes back each
time) and hold up every other claim of the account; skipping it silently would lose it.
So the record is kept, by itself, with why, and the rest of the window goes on.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from core.storable import ACCOUNT_MAX, CLAIM_ID_MAX, ID_MAX, id_problem

RAW_LIMIT: Final = 4096  # bytes of a record kept (UTF-8): enough for a person to read it
REASON_LIMIT: Final = 1000
_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL text refuses these


@dataclass(frozen=True)
class SetAside:
    """A claim record that could not become a stored claim without guessing or losing
    something: an adapter could not read it, or screening found a value no column holds.

    `claim_id` is the marketplace's claim id as far as it is known ("" when not at all);
    `line` the claim line (item id) when one line of a claim was the problem, "" for the
    whole record. `raw` is the record as sent (JSON or XML text), cut to RAW_LIMIT and
    with the account's credentials masked by whoever made it. `window` is the sync window
    [start, end) it came in, None for a claims file."""

    account: str
    marketplace: str
    claim_id: str
    reason: str
    raw: str
    line: str = ""
    window: tuple[datetime, datetime] | None = None

    @property
    def key(self) -> QuarantineKey:
        return QuarantineKey(
            key_text(self.account, ACCOUNT_MAX),
            key_text(self.claim_id, CLAIM_ID_MAX) or "raw:" + _digest(self.raw),
            key_text(self.line, ID_MAX),
        )


@dataclass(frozen=True)
class QuarantineKey:
    """What makes a quarantined record the same record when it is seen again."""

    account: str
    claim_id: str
    line: str


@dataclass(frozen=True)
class QuarantinedRecord:
    """A set-aside record as stored: when it was first and last seen, how often, and the
    window it came in (None: from a claims file), so `quarantine retry` can read it again."""

    id: int
    account: str
    marketplace: str
    claim_id: str
    line: str
    reason: str
    raw: str
    first_seen_at: datetime
    last_seen_at: datetime
    times_seen: int
    window_start: datetime | None = None
    window_end: datetime | None = None

    @property
    def key(self) -> QuarantineKey:
        return QuarantineKey(self.account, self.claim_id, self.line)

    @property
    def from_file(self) -> bool:
        return self.window_start is None or self.window_end is None


def key_text(value: str, limit: int) -> str:
    """`value` as a storable key: itself when it fits, else a clean prefix and a digest of
    the whole, so two different over-long ids stay two records."""
    if id_problem(value, limit) is None:
        return value
    prefix = re.sub("[\x00-\x1f\x7f-\x9f\ud800-\udfff]", "?", value[: limit - 18])
    return f"{prefix}…{_digest(value)}"


def _digest(text: str) -> str:
    data = text.encode("utf-8", errors="surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


def raw_text(record: object) -> str:
    """A decoded JSON value (or text as sent) as storable text of at most RAW_LIMIT bytes."""
    text = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)
    return cap_utf8(storable_text(text), RAW_LIMIT)


def storable_text(text: str) -> str:
    """`text` with what PostgreSQL refuses written as escapes (\\u0000, \\udc80)."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def cap_utf8(text: str, limit: int = RAW_LIMIT) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def reason_text(reason: str) -> str:
    return storable_text(reason)[:REASON_LIMIT]
