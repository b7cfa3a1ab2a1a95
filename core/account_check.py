"""What one cheap authenticated call proved about a marketplace account (`cancelbot
accounts check`): a value, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccountCheck:
    ok: bool
    summary: str  # one line: what the call found, or what failed
    code: str = ""  # the marketplace's own error code ("" when it sent none)
    message: str = ""  # the marketplace's own error message
    status: int | None = None  # the HTTP status of a refused call
    hint: str = ""  # what to fix (or, when ok, what the answer cannot prove)
