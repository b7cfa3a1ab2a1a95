"""`cancelbot accounts check`: one cheap authenticated call per account, and what it proved.

Each claim source has `check() -> AccountCheck`: a call that needs the keys, the seller or
vendor id, an allowed caller IP and (ESM) the site type to all be right, answered with what
it found or with the marketplace's own error code and message plus what to fix.
"""

from __future__ import annotations

from core.account_check import AccountCheck
from core.errors import MarketplaceError

__all__ = ["failed"]


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
