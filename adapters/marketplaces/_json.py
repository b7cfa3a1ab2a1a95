"""Typed reads of a decoded JSON body that say exactly which field was wrong.

Adapters walk a response with JsonNode; any surprise raises GarbledBody naming the path
(`$.data[3].receiptId: expected an integer, got str`). The request runner in `_http` turns
that into a MarketplaceError carrying the account and the request.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from adapters.marketplaces._time import KST
from core.storable import time_problem


class GarbledBody(ValueError):
    """The body parsed as JSON but is not the shape the adapter expects."""


class JsonNode:
    """One value inside a JSON document, with its path for error messages."""

    __slots__ = ("path", "value")

    def __init__(self, value: object, path: str = "$") -> None:
        self.value = value
        self.path = path

    def _fail(self, expected: str) -> GarbledBody:
        return GarbledBody(f"{self.path}: expected {expected}, got {_type_name(self.value)}")

    def __getitem__(self, key: str) -> JsonNode:
        """A required member: it must be present (null is allowed; the typed read decides)."""
        members = self._object()
        if key not in members:
            raise GarbledBody(f"{self.path}: missing field {key!r}")
        return JsonNode(members[key], f"{self.path}.{key}")

    def get(self, key: str) -> JsonNode | None:
        """An optional member: None when it is absent or null."""
        value = self._object().get(key)
        return None if value is None else JsonNode(value, f"{self.path}.{key}")

    def has(self, key: str) -> bool:
        """Whether the member is present at all (null counts as present)."""
        return key in self._object()

    def is_null(self) -> bool:
        return self.value is None

    def _object(self) -> dict[str, object]:
        if not isinstance(self.value, dict):
            raise self._fail("an object")
        return self.value

    def as_list(self) -> list[JsonNode]:
        if not isinstance(self.value, list):
            raise self._fail("a list")
        return [JsonNode(item, f"{self.path}[{i}]") for i, item in enumerate(self.value)]

    def raw_list(self) -> list[object]:
        """The items as decoded, for a reader that makes its own nodes only when needed."""
        if not isinstance(self.value, list):
            raise self._fail("a list")
        return self.value

    def as_str(self) -> str:
        if not isinstance(self.value, str):
            raise self._fail("a string")
        return self.value

    def as_int(self) -> int:
        # bool is an int subclass in Python but never a count in JSON.
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise self._fail("an integer")
        return self.value

    def as_id(self) -> str:
        """An identifier sent as a JSON integer or string, as the exact decimal text."""
        if isinstance(self.value, str) and self.value:
            return self.value
        if isinstance(self.value, int) and not isinstance(self.value, bool):
            return str(self.value)
        raise self._fail("an id (integer or non-empty string)")

    def as_decimal(self) -> Decimal:
        """A plain JSON number (v4-style money, or an amount field)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self._fail("a number")
        # str() first: Decimal(0.1) would carry the binary float error into the amount.
        return Decimal(str(self.value))

    def as_datetime(self, default_tz: timezone = KST) -> datetime:
        """ISO-8601 text; without an offset it is taken to be in `default_tz` (KST)."""
        text = self.as_str()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise GarbledBody(
                f"{self.path}: expected an ISO-8601 timestamp, got {text!r}"
            ) from None
        moment = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)
        if problem := time_problem(moment):  # 0001-01-01 and the like: garbage, not a date
            raise GarbledBody(f"{self.path}: the timestamp {problem}")
        return moment


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__
