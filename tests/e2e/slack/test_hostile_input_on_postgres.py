"""Hypothesis feeds random bytes, strings and integers into the /api/orders JSON, the
/cancels text and button values, against PostgreSQL (which refuses what SQLite takes):
every answer is 2xx or 4xx, never 5xx, never "Something went wrong", never a traceback."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App, BoltRequest

from bot.i18n import t
from bot.runtime.bootstrap import Deps, build
from bot.runtime.config import Config
from bot.runtime.process import ORDERS_PATH, orders_handler
from bot.runtime.server import Router, serve_in_thread
from bot.slack.app import create_app
from bot.slack.ids import ActionId
from core import apply, order_book
from core.orders import OrderStatus
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    AGENT,
    CHANNEL,
    InlineExecutor,
    block_action,
    interaction_body,
    make_settings,
    signed_headers,
)

TOKEN = "fuzz-orders-token"
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
UNEXPECTED = t("en", "error.unexpected")

# Text as Slack or a client could send it (any code point UTF-8 can carry: NUL included).
any_text = st.text(st.characters(codec="utf-8"), max_size=60)
huge_ints = st.integers(min_value=-(10**40), max_value=10**40) | st.sampled_from(
    [2**31 - 1, 2**31, 2**63, -(2**63) - 1, 0, -1, 10**4000]
)
digits = st.integers(min_value=0, max_value=10**30).map(str) | st.sampled_from(
    ["²", "١٢", "9" * 5000, "0", "-1", "+7", "1_000", " 1", "1e3"]
)
scalar = st.none() | st.booleans() | huge_ints | st.floats() | any_text | digits
json_value = st.recursive(
    scalar, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4)
)
FIELDS = [
    "management_no",
    "marketplace",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "option",
    "quantity",
    "status",
    "invoice_no",
    "shipped_at",
    "force",
]
plausible = st.fixed_dictionaries(
    {
        "management_no": any_text | digits,
        "marketplace": st.sampled_from(["coupang", "naver", "쿠팡", "ebay", ""]) | any_text,
        "marketplace_order_id": any_text | digits,
        "quantity": huge_ints | digits,
        "status": st.sampled_from(["RECEIVED", "SHIPPED", "배송", "x"]),
    },
    optional={
        "marketplace_item_id": scalar,
        "product_name": any_text,
        "option": scalar,
        "invoice_no": scalar,
        "shipped_at": st.sampled_from(["0001-01-01", "9999-12-31T23:59:59-09:00", "2026-11-20"])
        | any_text
        | huge_ints,
        "force": scalar,
    },
)
order_bodies = st.one_of(
    st.lists(plausible, max_size=5).map(lambda rows: json.dumps(rows).encode()),
    st.lists(
        st.dictionaries(st.sampled_from(FIELDS) | any_text, json_value, max_size=6), max_size=4
    ).map(lambda rows: json.dumps(rows).encode()),
    json_value.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=5000).map(lambda n: b"[" * n + b"]" * n),
)
cancels_text = st.one_of(
    any_text,
    st.tuples(
        st.sampled_from(["confirm", "unconfirm", "확인", "확인취소", "export", "stats", ""]),
        st.lists(digits | any_text, max_size=4),
    ).map(lambda parts: " ".join([parts[0], *parts[1]])),
    st.tuples(
        st.sampled_from(["from:", "to:", "order:", "market:", "status:", "phase:", "withdrawals "]),
        any_text | digits | st.dates().map(str),
    ).map("".join),
)
button_values = st.one_of(digits, any_text, huge_ints.map(str), st.just(""))
BUTTONS = [
    ActionId.CANCEL_CONFIRM,
    ActionId.CANCEL_UNCONFIRM,
    ActionId.CANCEL_DETAILS,
    ActionId.WITHDRAWAL_CONFIRM,
    ActionId.WITHDRAWAL_UNCONFIRM,
    ActionId.CANCELS_PAGE_NEXT,
    ActionId.CANCELS_PAGE_PREV,
    ActionId.CANCELS_CONFIRM_SELECTED,
    ActionId.CANCELS_CONFIRM_ALL,
    ActionId.CANCELS_WITHDRAWAL_CONFIRM,
]


@pytest.fixture
def deps(pg_url: str) -> Iterator[Deps]:
    deps = build(pg_url, SEOUL)
    now = datetime.now(UTC)
    orders = [make_order(status=status) for status in OrderStatus]
    order_book.import_orders(deps.make_uow, orders, now)
    apply.apply_claims(deps.make_uow, [claim_for(o, cancel_qty=1) for o in orders], now)
    yield deps
    deps.close()


@pytest.fixture
def app(deps: Deps, fake_slack: FakeSlack, config: Config) -> App:
    return create_app(deps, make_settings(fake_slack), config, listener_executor=InlineExecutor())


@pytest.fixture
def post_orders(deps: Deps) -> Iterator[httpx.Client]:
    base_url, stop = serve_in_thread(Router().add("POST", ORDERS_PATH, orders_handler(deps, TOKEN)))
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield client
    stop()


def dispatch(app: App, body: str) -> int:
    signed = signed_headers(body)
    headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in signed.items()}
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


def answers(fake: FakeSlack) -> str:
    said = [json.dumps(c.args, ensure_ascii=False) for c in fake.calls]
    return "\n".join(said)


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


@FUZZ
@given(body=order_bodies)
def test_any_orders_body_is_answered_2xx_or_4xx(
    post_orders: httpx.Client, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.clear()
    response = post_orders.post(
        ORDERS_PATH, content=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert isinstance(response.json(), dict)  # an answer, not a traceback
    assert failures(caplog) == []


@FUZZ
@given(text=cancels_text)
def test_any_cancels_text_is_answered_without_an_unexpected_error(
    app: App, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    caplog.clear()
    fake_slack.reset_calls()
    body = urlencode(
        {
            "team_id": "T0TEAM01",
            "channel_id": CHANNEL,
            "user_id": AGENT,
            "command": "/cancels",
            "text": text,
            "response_url": fake_slack.webhook_url + "/fuzz",
            "trigger_id": "1.2.3",
        }
    )
    assert dispatch(app, body) == 200
    said = answers(fake_slack)
    assert said and UNEXPECTED not in said, (text, said[:500])
    assert failures(caplog) == []


@FUZZ
@given(action_id=st.sampled_from(BUTTONS), value=button_values)
def test_any_button_value_is_answered_without_an_unexpected_error(
    app: App, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    caplog.clear()
    fake_slack.reset_calls()
    payload = block_action(
        action_id,
        value,
        message_ts=f"{time.time():.6f}",
        response_url=fake_slack.webhook_url + "/fuzz",
    )
    payload["state"] = {
        "values": {
            "cancels_selection": {"cancels_select": {"selected_options": [{"value": value}]}}
        }
    }
    assert dispatch(app, interaction_body(payload)) == 200
    assert UNEXPECTED not in answers(fake_slack), (action_id, value)
    assert failures(caplog) == []


def test_the_fuzzed_examples_reach_the_database(deps: Deps) -> None:
    """The seeded results are there: the fuzz above ran against real rows on PostgreSQL."""
    with deps.make_uow() as uow:
        assert uow.results.max_id() >= 1
        assert type(uow).__name__ == "SqlAlchemyUnitOfWork"
        assert uow.session.get_bind().dialect.name == "postgresql"  # type: ignore[attr-defined]
