"""Domain errors. Each one names the bad thing so a person can fix it."""

from __future__ import annotations

from collections.abc import Sequence


class CancelbotError(Exception):
    """Base class for every error cancelbot reports to a person."""


class InvalidInput(CancelbotError):
    """Bad input from a person or a file (CLI exit 2, an ephemeral usage message)."""


class InvalidFilter(InvalidInput):
    """A filter word that the parser does not understand. `reason` is a stable code for
    translations (unknown_filter_word, unknown_value, needs_value, bad_date, date_order);
    `name` the filter key it concerns, when there is one."""

    def __init__(self, message: str, bad: str, reason: str = "", name: str = "") -> None:
        super().__init__(message)
        self.bad = bad
        self.reason = reason
        self.name = name


class NotFound(InvalidInput):
    """An id that names nothing. `ids` are the ids not found, when ids were asked for."""

    def __init__(self, message: str, *, ids: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.ids = list(ids)


class ConcurrentUpdate(CancelbotError):
    """Another process wrote the same rows at the same moment; the work can be retried."""


class StorageError(CancelbotError):
    """The database failed (unreachable, refused the statement); the message names what
    failed, never the connection string."""


class MarketplaceError(CancelbotError):
    """A marketplace call failed. `code` and `message` are the marketplace's own when it sent
    them; `request` names the call (method and path, never a credential)."""

    def __init__(
        self,
        message: str,
        *,
        account: str = "",
        request: str = "",
        code: str = "",
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.account = account
        self.request = request
        self.code = code
        self.status = status
        self.retryable = retryable

    def __str__(self) -> str:
        parts = [self.args[0] if self.args else "marketplace error"]
        if self.code:
            parts.append(f"code={self.code}")
        if self.status is not None:
            parts.append(f"http={self.status}")
        if self.request:
            parts.append(f"request={self.request}")
        if self.account:
            parts.append(f"account={self.account}")
        return " ".join(parts)


class DeliveryError(CancelbotError):
    """An outbox item could not be delivered this time; it is retried later."""
