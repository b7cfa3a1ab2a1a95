"""The adapters against the fakes over real local HTTP (the `serve` wrapper)."""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.clock import SystemClock
from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.naver import NaverClaimSource

from .builders import EXACT_RETRY, expected_coupang_rows, expected_naver_rows, rows_of
from .fake_coupang import FakeCoupang, make_receipts
from .fake_naver import FakeNaver, make_product_orders
from .faults import http_error, timeout
from .http_server import serve

START = datetime(2025, 3, 3, tzinfo=KST)
END = datetime(2025, 3, 6, tzinfo=KST)


def test_coupang_over_http_with_a_dropped_connection_and_a_503() -> None:
    fake = FakeCoupang(
        clock=SystemClock(),
        receipts=make_receipts(30, START),
        faults={2: http_error(503, {"code": "ERROR", "message": "busy"}), 3: timeout()},
    )
    waits: list[float] = []
    with serve(fake) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        source = CoupangClaimSource(
            "coupang-main",
            fake.vendor_id,
            fake.access_key,
            fake.secret_key,
            base_url=base_url,
            sleep=waits.append,
            rate_limit=None,
            retry=EXACT_RETRY,
            page_size=2,
            lookback=timedelta(0),
        )
        with source:
            claims = source.fetch_claims(START, END)

    assert claims and rows_of(claims) == expected_coupang_rows(fake.receipts, START, END)
    assert waits == [0.5, 1.0]  # the 503, then the connection the server dropped
    assert any("nextToken" in r.url.params for r in fake.requests)


def test_naver_over_http_with_bcrypt_token_and_paging() -> None:
    fake = FakeNaver(clock=SystemClock(), product_orders=make_product_orders(40, START))
    with (
        serve(fake) as base_url,
        NaverClaimSource(
            "naver-main",
            fake.client_id,
            fake.client_secret,
            base_url=base_url,
            sleep=lambda _: None,
            rate_limit=None,
            page_size=7,
            batch_size=5,
        ) as source,
    ):
        claims = source.fetch_claims(START, END)

    assert claims and rows_of(claims) == expected_naver_rows(fake.product_orders, START, END)
    assert sum(r.url.path.endswith("/oauth2/token") for r in fake.requests) == 1
