"""POST /api/orders with what an attacker or a careless script sends: every value out of
range, too long or not representable is a 400 naming the row and the field, on SQLite and
PostgreSQL alike, and `force` belongs to the row that carries it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bot.runtime.bootstrap import Deps, build
from bot.runtime.orders_api import ApiResponse
from bot.runtime.process import ORDERS_PATH, orders_handler
from bot.runtime.server import Router, serve_in_thread
from core import read_models
from core.errors import NotFound
from core.orders import OrderStatus
from tests.conftest import SEOUL

TOKEN = "orders-api-token-value"
Post = Callable[[Any], ApiResponse]


@pytest.fixture(params=["sqlite", "postgresql"])
def deps(request: pytest.FixtureRequest) -> Iterator[Deps]:
    fixture = "database_url" if request.param == "sqlite" else "pg_url"
    deps = build(str(request.getfixturevalue(fixture)), SEOUL)
    yield deps
    deps.close()


@pytest.fixture
def post(deps: Deps) -> Iterator[Post]:
    base_url, stop = serve_in_thread(Router().add("POST", ORDERS_PATH, orders_handler(deps, TOKEN)))
    client = httpx.Client(timeout=60)

    def call(body: Any) -> ApiResponse:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        response = client.post(base_url + ORDERS_PATH, content=raw, headers=headers)
        return ApiResponse(response.status_code, response.json())

    yield call
    client.close()
    stop()


def order(no: str, **over: Any) -> dict[str, Any]:
    return {
        "management_no": no,
        "marketplace": "coupang",
        "marketplace_order_id": f"O-{no}",
        "quantity": 1,
        "status": "RECEIVED",
    } | over


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (order("H1", quantity=2**31), "quantity"),
        (order("H2", quantity=2**63), "quantity"),
        (order("H3", quantity="1_000"), "quantity"),
        (order("H4", shipped_at="0001-01-01", status="SHIPPED"), "shipped_at"),
        (order("H5", shipped_at="9999-12-31T23:59:59-09:00"), "shipped_at"),
        (order("H6\u0000"), "management_no"),
        (order("M" * 65), "management_no"),
        (order("H7", marketplace_order_id="9" * 70), "marketplace_order_id"),
        (order("H8", invoice_no="INV\u0000"), "invoice_no"),
        (order("H9", marketplace_item_id="\ud800"), "marketplace_item_id"),
        (order("H10", quantity=1.5), "quantity"),
        (order("H11", status=["SHIPPED"]), "status"),
        ({**order("H12"), "\ud800bad": 1}, "\\ud800bad"),
    ],
)
def test_a_value_the_database_cannot_hold_is_a_400_naming_row_and_field(
    post: Post, deps: Deps, row: dict[str, Any], field: str
) -> None:
    response = post([order("OK1"), row])

    assert response.status == 400
    assert [(e["index"], e["field"]) for e in response.body["errors"]] == [(1, field)]
    with pytest.raises(NotFound):
        read_models.order_details(deps.make_uow, "OK1")  # nothing of the batch applied


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the parser goes
        b"[" + b"9" * 5000 + b"]",  # an integer int() refuses
        b"\xff\xfe[]",
        json.dumps([order("N1", product_name="\u0000\u0001")]).encode()[:-3],
    ],
)
def test_bodies_that_are_not_json_arrays_are_a_400(post: Post, body: bytes) -> None:
    response = post(body)
    assert response.status == 400 and response.body["errors"][0]["index"] is None


def test_control_characters_in_free_text_are_dropped_and_the_order_stored(
    post: Post, deps: Deps
) -> None:
    response = post([order("T1", product_name="상품\u0000이름\u001b", option="L\u0000")])
    assert response.status == 200
    stored = read_models.order_details(deps.make_uow, "T1").order
    assert stored is not None and (stored.product_name, stored.option) == ("상품이름", "L")


def test_force_applies_to_the_row_that_carries_it(post: Post, deps: Deps) -> None:
    assert post([order("S1", status="SHIPPED")]).status == 200

    # The backwards row is the one without force: refused, naming both rows.
    sneaky = post([order("S1", status="SHIPPED", force=True), order("S1", status="RECEIVED")])

    assert sneaky.status == 400
    first, second = sneaky.body["errors"]
    assert (first["index"], first["field"], second["index"]) == (0, "management_no", 1)
    assert "row 1" in first["error"] and "row 0" in second["error"]
    stored = read_models.order_details(deps.make_uow, "S1").order
    assert stored is not None and stored.status is OrderStatus.SHIPPED
    forced = post([order("S1", status="RECEIVED", force=True)])
    assert forced.status == 200 and forced.body["updated"] == 1
