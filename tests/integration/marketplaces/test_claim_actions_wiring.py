"""The composition root hands out each configured account's claim actions, wired to the
account's own settings (base URL, keys): a cancel accepted through them at each fake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from bot.runtime.bootstrap import claim_actions
from bot.runtime.config import parse_config
from core.claims import ClaimState
from core.marketplace_actions import ActionRequest, ActionState

from .fake_11st import FakeEleventhStreet, make_rows
from .fake_coupang import FakeCoupang, make_stop_request
from .fake_esm import FakeEsm, make_claims
from .fake_naver import FakeNaver, ProductOrder
from .faults import FakeApp
from .http_server import serve

FILED = datetime(2025, 3, 6, 9, 0, tzinfo=KST)


def coupang() -> tuple[FakeApp, dict[str, Any], dict[str, str], ActionRequest]:
    fake = FakeCoupang(clock=SystemClock(), receipts=[make_stop_request(500_000_001, FILED)])
    keys = {"vendor_id": fake.vendor_id, "access_key_env": "CP_AK", "secret_key_env": "CP_SK"}
    env = {"CP_AK": fake.access_key, "CP_SK": fake.secret_key}
    return fake, keys, env, ActionRequest("coupang", "a", "500000001", "", "", FILED)


def naver() -> tuple[FakeApp, dict[str, Any], dict[str, str], ActionRequest]:
    order = ProductOrder(
        "2025030500000100",
        "2025030500000101",
        "CLAIM_REQUESTED",
        "CANCEL",
        "CANCEL_REQUEST",
        "PAYED",
        FILED,
        1,
        1,
        False,
    )
    fake = FakeNaver(clock=SystemClock(), product_orders=[order])
    keys = {"client_id_env": "NV_ID", "client_secret_env": "NV_SECRET"}
    env = {"NV_ID": fake.client_id, "NV_SECRET": fake.client_secret}
    request = ActionRequest("naver", "a", order.claim_id, order.order_id, "2025030500000101", FILED)
    return fake, keys, env, request


def eleventh_street() -> tuple[FakeApp, dict[str, Any], dict[str, str], ActionRequest]:
    [row] = make_rows(1, FILED, lists=("cancelorders",))
    fake = FakeEleventhStreet(clock=SystemClock(), rows=[row])
    order, line = row.fields["ordNo"], row.fields["ordPrdSeq"]
    request = ActionRequest("11st", "a", row.claim_id, order, line, FILED)
    return fake, {"api_key_env": "ST_KEY"}, {"ST_KEY": fake.api_key}, request


def esm(marketplace: str) -> tuple[FakeApp, dict[str, Any], dict[str, str], ActionRequest]:
    site = "A" if marketplace == "auction" else "G"
    fake = FakeEsm(clock=SystemClock(), claims=make_claims(1, FILED, site=site))
    keys = {"master_id": fake.master_id, "seller_id": fake.sellers[site], "secret_key_env": "K"}
    request = ActionRequest(marketplace, "a", "cancel-2943000000", "2943000000", "", FILED)
    return fake, keys, {"K": fake.secret_key}, request


@pytest.mark.parametrize(
    ("marketplace", "setup"),
    [
        ("coupang", coupang),
        ("naver", naver),
        ("11st", eleventh_street),
        ("gmarket", lambda: esm("gmarket")),
        ("auction", lambda: esm("auction")),
    ],
)
def test_a_configured_account_accepts_a_cancel_through_its_claim_actions(
    marketplace: str, setup: Any
) -> None:
    fake, keys, env, request = setup()
    with serve(fake) as base_url:
        entry = {"name": "a", "marketplace": marketplace, "base_url": base_url, **keys}
        [account] = parse_config(
            {"accounts": [entry | {"rate_limit_per_second": 50}]}, env
        ).accounts
        actions = claim_actions(account, clock=SystemClock())
        assert actions is not None
        try:
            outcome = actions.accept_cancel(request)
            found = actions.read_claim(request)
        finally:
            actions.close()

    assert (outcome.state, outcome.write_calls) == (ActionState.DONE, 1)
    assert (found.found, found.claim_state) == (True, ClaimState.COMPLETED)
    assert fake.writes == 1


def test_the_sandbox_has_no_marketplace_to_act_at() -> None:
    [account] = parse_config({"accounts": [{"name": "s", "marketplace": "sandbox"}]}, {}).accounts
    assert claim_actions(account, clock=SystemClock()) is None
