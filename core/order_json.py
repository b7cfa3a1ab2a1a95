"""Orders as JSON (POST /api/orders): the orders-CSV fields, validated as a whole batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from core.csv_import import ORDER_FIELDS, RowError, order_from_mapping
from core.orders import Order

MAX_BATCH = 10_000
ALLOWED = set(ORDER_FIELDS) | {"force"}


@dataclass(frozen=True)
class BatchError:
    index: int | None  # 0-based position in the array; None for the batch itself
    field: str | None
    error: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "error": self.error}


@dataclass(frozen=True)
class OrderBatch:
    orders: list[Order]
    forced: set[str]  # management numbers sent with "force": true
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
        unknown = sorted(set(row) - ALLOWED)
        for key in unknown:
            errors.append(BatchError(index, key, "unknown field"))
        force = row.get("force", False)
        if not isinstance(force, bool):
            errors.append(BatchError(index, "force", "must be true or false"))
        fields: dict[str, str] = {}
        for key in ORDER_FIELDS:
            value = row.get(key)
            if value is None:
                fields[key] = ""
            elif isinstance(value, bool) or not isinstance(value, str | int):
                errors.append(BatchError(index, key, "must be a string or a number"))
            else:
                fields[key] = str(value).strip()
        if unknown:
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
    return errors or OrderBatch(orders, forced, index_of)
