"""POST /api/orders over real HTTP (the same server and route `cancelbot run` uses): auth,
whole-batch validation, idempotent upserts, forced regressions."""

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
from tests.conftest import SEOUL

TOKEN = "orders-api-token-value"
Post = Callable[..., ApiResponse]


@pytest.fixture
def deps(database_url: str) -> Iterator[Deps]:
    d = build(database_url, SEOUL)
    yield d
    d.close()


@pytest.fixture
def post(deps: Deps) -> Iterator[Post]:
    servers = {}
    for token in (TOKEN, None):  # with and without CANCELBOT_API_TOKEN
        router = Router().add("POST", ORDERS_PATH, orders_handler(deps, token))
        servers[token] = serve_in_thread(router)
    client = httpx.Client(timeout=60)

    def call(body: Any, *, token: str | None = TOKEN, auth: str | None = None) -> ApiResponse:
        headers = {"Authorization": auth if auth is not None else f"Bearer {TOKEN}"}
        if auth == "":
            headers = {}
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        base_url = servers[token][0]
        response = client.post(base_url + ORDERS_PATH, content=raw, headers=headers)
        return ApiResponse(response.status_code, response.json())

    yield call
    client.close()
    for _, stop in servers.values():
        stop()


def order(n: int, **over: Any) -> dict[str, Any]:
    row = {
        "management_no": f"API{n:06d}",
        "marketplace": "coupang",
        "marketplace_order_id": f"O{n}",
        "marketplace_item_id": f"I{n}",
        "product_name": f"상품 {n}",
        "option": "",
        "quantity": 1,
        "status": "RECEIVED",
        "invoice_no": "",
        "shipped_at": None,
    }
    return row | over


def test_the_token_is_required_and_compared_whole(post: Post) -> None:
    assert post([order(1)], token=None).status == 404
    assert post([order(1)], auth="").status == 401
    assert post([order(1)], auth="Bearer wrong").status == 401
    assert post([order(1)], auth=f"Basic {TOKEN}").status == 401
    assert post([order(1)]).status == 200


def test_ten_thousand_orders_then_the_same_again(post: Post, deps: Deps) -> None:
    batch = [order(n) for n in range(10_000)]
    first = post(batch)
    assert (first.status, first.body) == (200, {"created": 10_000, "updated": 0, "unchanged": 0})
    again = post(batch)
    assert again.body == {"created": 0, "updated": 0, "unchanged": 10_000}
    batch[5]["status"] = "송장"
    assert post(batch).body == {"created": 0, "updated": 1, "unchanged": 9_999}


def test_one_bad_row_rejects_the_batch(post: Post, deps: Deps) -> None:
    batch = [order(1), order(2, quantity=0), order(3, marketplace="ebay"), order(4, color="red")]
    response = post(batch)
    assert response.status == 400
    errors = response.body["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {
        (1, "quantity"),
        (2, "marketplace"),
        (3, "color"),
    }
    with pytest.raises(Exception, match="API000001"):
        read_models.order_details(deps.make_uow, "API000001")


@pytest.mark.parametrize("body", [b"{not json", b'{"an": "object"}', b"[1, 2]"])
def test_malformed_bodies(post: Post, body: bytes) -> None:
    response = post(body)
    assert response.status == 400 and response.body["errors"]


def test_backwards_status_needs_force_and_is_recorded(post: Post, deps: Deps) -> None:
    assert post([order(7, status="SHIPPED", shipped_at="2026-11-20 10:00")]).status == 200
    refused = post([order(8), order(7, status="RECEIVED")])
    assert refused.status == 400
    assert refused.body["errors"] == [
        {"index": 1, "field": "status", "error": refused.body["errors"][0]["error"]}
    ]
    assert "force" in refused.body["errors"][0]["error"]
    accepted = post([order(7, status="RECEIVED", force=True)])
    assert accepted.body == {"created": 0, "updated": 1, "unchanged": 0}
    history = read_models.order_details(deps.make_uow, "API000007").history
    assert [e.text for e in history] == ["주문상태 변경 (강제): 배송 → 접수"]
