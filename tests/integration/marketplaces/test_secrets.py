"""Credentials never reach a log line, an error message or a repr."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
import pytest

from adapters.marketplaces._time import KST
from core.errors import MarketplaceError
from core.marketplace_actions import ActionRequest
from core.ports import ClaimActions, ClaimSource

from .builders import coupang_actions, coupang_source, naver_actions, naver_source
from .fake_coupang import FakeCoupang, make_receipts, make_stop_request
from .fake_naver import FakeNaver, make_product_orders, make_secret
from .faketime import FakeTime
from .faults import http_error, rate_limited, run_first, timeout

START = datetime(2025, 3, 4, tzinfo=KST)
END = datetime(2025, 3, 6, tzinfo=KST)


def test_no_credential_in_logs_errors_or_reprs(
    clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    coupang = FakeCoupang(
        clock=clock,
        receipts=make_receipts(20, START),
        faults={
            1: http_error(503, {"code": "ERROR", "message": "busy"}),
            2: timeout(),
            3: rate_limited({"code": "ERROR", "message": "slow down"}, retry_after="1"),
            5: http_error(403, {"code": "ERROR", "message": "IP not allowed"}),
        },
    )
    naver = FakeNaver(
        clock=clock,
        product_orders=make_product_orders(20, START),
        faults={
            1: http_error(500, {"code": "GW.INTERNAL_SERVER_ERROR", "message": "x"}),
            4: run_first(lambda: naver.expire_tokens()),
            7: http_error(403, {"code": "GW.IP_NOT_ALLOWED", "message": "IP not allowed"}),
        },
    )
    wrong_secret = make_secret()
    sources: list[ClaimSource] = [
        coupang_source(coupang, clock),
        naver_source(naver, clock),
        naver_source(FakeNaver(clock=clock), clock, client_secret=wrong_secret),
        naver_source(FakeNaver(clock=clock), clock, client_secret="not-a-bcrypt-salt"),
    ]
    errors: list[MarketplaceError] = []
    for source in sources:
        with pytest.raises(MarketplaceError) as caught:
            source.fetch_claims(START, END)
        errors.append(caught.value)

    signs = [
        dict(httpx.QueryParams(r.content.decode()))["client_secret_sign"]
        for r in naver.requests
        if r.url.path.endswith("/oauth2/token")
    ]
    secrets = [
        coupang.access_key,
        coupang.secret_key,
        naver.client_secret,
        wrong_secret,
        "not-a-bcrypt-salt",
        "naver-token-1",
        "naver-token-2",
        *signs,
    ]
    said = "\n".join(
        [caplog.text]
        + [f"{e!s} {e!r} {e.request} {e.__cause__!r}" for e in errors]
        + [repr(s) for s in sources]
    )
    # The run did log retries and did sign three token requests (a 500, its retry, a re-issue).
    assert "retry" in caplog.text and len(signs) == 3
    leaked = [s for s in secrets if s in said]
    assert leaked == []
    assert "Authorization" not in caplog.text and "CEA algorithm" not in said


def test_no_credential_in_claim_actions_logs_outcomes_or_reprs(
    clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    coupang = FakeCoupang(
        clock=clock,
        receipts=[make_stop_request(500_000_001, START)],
        faults={2: timeout(), 3: http_error(503, {"code": "ERROR", "message": "busy"})},
    )
    naver = FakeNaver(
        clock=clock,
        product_orders=make_product_orders(1, START),  # a CANCEL_REQUEST
        faults={2: run_first(lambda: naver.expire_tokens())},
    )
    order = naver.product_orders[0]
    actions: list[ClaimActions] = [coupang_actions(coupang, clock), naver_actions(naver, clock)]
    requests = [
        ActionRequest("coupang", "coupang-main", "500000001", "", "", START),
        ActionRequest(
            "naver", "naver-main", order.claim_id, order.order_id, order.product_order_id, START
        ),
    ]
    outcomes = [a.accept_cancel(r) for a, r in zip(actions, requests, strict=True)]
    outcomes += [a.accept_cancel(r) for a, r in zip(actions, requests, strict=True)]

    # A lost write settled by a re-read, a refused token, and one success each.
    assert [o.state.value for o in outcomes] == ["FAILED", "FAILED", "DONE", "DONE"]
    secrets = [
        coupang.access_key,
        coupang.secret_key,
        naver.client_secret,
        "naver-token-1",
        "naver-token-2",
        *(r.headers["Authorization"].split("signature=")[-1] for r in coupang.requests),
    ]
    said = "\n".join(
        [caplog.text] + [f"{o.code} {o.message}" for o in outcomes] + [repr(a) for a in actions]
    )
    assert [s for s in secrets if s in said] == []
    assert "Authorization" not in caplog.text and "CEA algorithm" not in said
