"""`cancelbot accounts check`: one cheap authenticated call per account, and what it proved.

Each claim source has `check() -> AccountCheck`: a call that needs the keys, the seller or
vendor id, an allowed caller IP and (ESM) the site type to all be right, answered with what
it found or with the marketplace's own error code and message plus what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.errors import MarketplaceError
from core.ports import ClaimSource


@dataclass(frozen=True)
class AccountCheck:
    ok: bool
    summary: str  # one line: what the call found, or what failed
    code: str = ""  # the marketplace's own error code ("" when it sent none)
    message: str = ""  # the marketplace's own error message
    status: int | None = None  # the HTTP status of a refused call
    hint: str = ""  # what to fix (or, when ok, what the answer cannot prove)


class CheckableSource(ClaimSource, Protocol):
    def check(self) -> AccountCheck: ...


def failed(error: MarketplaceError, marketplace: str, hint: str) -> AccountCheck:
    """The AccountCheck of a call that failed with `error` (already free of credentials)."""
    message = str(error.args[0]) if error.args else ""
    message = message.removeprefix(f"{marketplace}: ")
    where = f"HTTP {error.status}" if error.status is not None else "no HTTP answer"
    code = f" {error.code}" if error.code else ""
    return AccountCheck(
        ok=False,
        summary=f"FAILED ({where}{code}): {message}",
        code=error.code,
        message=message,
        status=error.status,
        hint=hint,
    )
