"""POST /api/orders: the order book kept current by the seller's own systems.

Bearer token from CANCELBOT_API_TOKEN (compared in constant time); no token configured
means the endpoint does not exist (404). The batch is validated whole: any bad row → 400
with every problem as {index, field, error}, and nothing applied."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.runtime.deps import Deps
from core.errors import ConcurrentUpdate, StorageError
from core.order_book import StatusRegression, import_orders
from core.order_json import BatchError, OrderBatch, parse_order_batch

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024 * 1024  # 10,000 orders with long product names fit easily


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any


def _errors(status: int, errors: list[BatchError]) -> ApiResponse:
    return ApiResponse(status, {"errors": [e.as_json() for e in errors]})


def authorized(headers: Mapping[str, str], token: str) -> bool:
    given = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, value = given.partition(" ")
    # compare_digest on bytes: constant time whatever the value, even non-ASCII.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )


def post_orders(
    deps: Deps, token: str | None, headers: Mapping[str, str], body: bytes
) -> ApiResponse:
    if not token:
        return ApiResponse(404, {"error": "not found"})
    if not authorized(headers, token):
        return ApiResponse(401, {"error": "missing or wrong bearer token"})
    if len(body) > MAX_BODY_BYTES:
        return _errors(413, [BatchError(None, None, "the body is too large")])
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        # ValueError: not UTF-8, not JSON, or an integer of thousands of digits;
        # RecursionError: nesting deeper than the parser goes. Neither is a server error.
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        return _errors(400, [BatchError(None, None, f"the body is not valid JSON: {why}")])
    parsed = parse_order_batch(payload, deps.tz)
    if not isinstance(parsed, OrderBatch):
        return _errors(400, parsed)
    try:
        outcome = import_orders(
            deps.make_uow, parsed.orders, deps.clock.now(), forced=parsed.forced
        )
    except StatusRegression as exc:
        return _errors(
            400,
            [
                BatchError(
                    parsed.index_of.get(no),
                    "status",
                    f'moves backwards {old.value} → {new.value}; send "force": true to allow',
                )
                for no, old, new in exc.moves
            ],
        )
    except ConcurrentUpdate:
        return ApiResponse(409, {"error": "another import changed the same orders; retry"})
    except StorageError:
        # Every value was checked before, so this is the database itself (unreachable,
        # full): retry later. Its words are logged, not sent (they may quote a value).
        log.warning("orders api: the database failed", exc_info=True)
        return ApiResponse(503, {"error": "the database is not available; retry later"})
    log.info(
        "orders api: %d created, %d updated, %d unchanged",
        outcome.created,
        outcome.updated,
        outcome.unchanged,
    )
    return ApiResponse(
        200,
        {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged},
    )
