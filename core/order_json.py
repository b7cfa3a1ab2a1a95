"""Orders as JSON (POST /api/orders): the orders-CSV fields, validated as a whole batch.

Whatever a client sends is answered by a list of problems naming the row and the field,
never by a server error: every value is checked against what the database holds
(core.storable) the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from core.csv_import import ORDER_FIELDS, RowError, order_from_mapping
from core.orders import Order

MAX_BATCH = 10_000
MAX_ERRORS = 200  # problems reported per request: enough to fix a batch, not a flood
FIELD_SHOWN = 64  # characters of an unknown field name quoted back
ALLOWED = set(ORDER_FIELDS) | {"force"}


@dataclass(frozen=True)
class BatchError:
    index: int | None  # 0-based position in the array; None for the batch itself
    field: str | None
    error: str

    def as_json(self) -> dict[str, Any]:
        field = None if self.field is None else _printable(self.field[:FIELD_SHOWN])
        return {"index": self.index, "field": field, "error": _printable(self.error)}


def _printable(text: str) -> str:
    """Text a JSON answer can carry as UTF-8 (a lone surrogate cannot be encoded)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class OrderBatch:
    orders: list[Order]
    # Management numbers sent with "force": true. A management number is on one row only
    # (a second row is refused), so force belongs to exactly the row that carries it.
    forced: set[str]
    index_of: dict[str, int]  # management number -> its position


def parse_order_batch(payload: Any, tz: tzinfo) -> OrderBatch | list[BatchError]:
    """Every problem in the batch, or the orders: nothing is applied unless all are good."""
    if not isinstance(payload, list):
        return [BatchError(None, None, "the body must be a JSON array of orders")]
    if len(payload) > MAX_BATCH:
        return [BatchError(None, None, f"at most {MAX_BATCH} orders per request")]
    errors: list[BatchError] = []
    orders: list[Order] = []
    forced: set[str] = set()
    index_of: dict[str, int] = {}
    for index, row in enumerate(payload):
        if not isinstance(row, dict):
            errors.append(BatchError(index, None, "each order must be a JSON object"))
            continue
        found_before = len(errors)
        if not ALLOWED.issuperset(row):
            for key in sorted(set(row) - ALLOWED):
                errors.append(BatchError(index, key, "unknown field"))
        force = row.get("force", False)
        if not isinstance(force, bool):
            errors.append(BatchError(index, "force", "must be true or false"))
        fields: dict[str, str] = {}
        for key in ORDER_FIELDS:
            value = row.get(key)
            if value is None:
                fields[key] = ""
            elif type(value) is str:  # the usual case, first
                fields[key] = value.strip()
            elif isinstance(value, bool) or not isinstance(value, str | int):
                errors.append(BatchError(index, key, "must be a string or a number"))
            else:
                fields[key] = str(value).strip()
        if len(errors) > found_before:
            continue
        try:
            order = order_from_mapping(fields, tz)
        except RowError as exc:
            errors.append(BatchError(index, exc.field, str(exc)))
            continue
        if (first := index_of.get(order.management_no)) is not None:
            # Which row is right is not ours to guess: both are named, nothing applied.
            errors.append(BatchError(first, "management_no", f"also on row {index}"))
            errors.append(BatchError(index, "management_no", f"also on row {first}"))
            continue
        orders.append(order)
        index_of[order.management_no] = index
        if force is True:
            forced.add(order.management_no)
    if len(errors) > MAX_ERRORS:
        more = BatchError(None, None, f"… and {len(errors) - MAX_ERRORS} more problems")
        errors = [*errors[:MAX_ERRORS], more]
    return errors or OrderBatch(orders, forced, index_of)
