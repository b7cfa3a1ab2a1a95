"""Calls per routine 5-minute pass, per marketplace, with each adapter's defaults: the
figures the README gives. A routine pass reads [last watermark − 10 min overlap, now)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from adapters.marketplaces._time import KST
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.esm import EsmClaimSource
from adapters.marketplaces.naver import NaverClaimSource

from .fake_11st import FakeEleventhStreet
from .fake_coupang import FakeCoupang
from .fake_esm import FakeEsm
from .fake_naver import FakeNaver
from .faketime import FakeTime

PASS = timedelta(minutes=15)  # 5 minutes since the last pass, plus the 10-minute overlap


@pytest.mark.parametrize(
    "now",
    [datetime(2025, 3, 6, 12, 0, tzinfo=KST), datetime(2025, 3, 6, 0, 5, tzinfo=KST)],
    ids=["midday", "across-midnight"],
)
def test_calls_per_routine_pass(now: datetime) -> None:
    clock = FakeTime(now)
    coupang, naver = FakeCoupang(clock=clock), FakeNaver(clock=clock)
    eleventh, esm = FakeEleventhStreet(clock=clock), FakeEsm(clock=clock)
    common = {"clock": clock, "sleep": clock.sleep}
    sources = [
        CoupangClaimSource(
            "c",
            coupang.vendor_id,
            coupang.access_key,
            coupang.secret_key,
            transport=httpx.MockTransport(coupang),
            **common,
        ),
        NaverClaimSource(
            "n",
            naver.client_id,
            naver.client_secret,
            transport=httpx.MockTransport(naver),
            **common,
        ),
        EleventhStreetClaimSource(
            "e", eleventh.api_key, transport=httpx.MockTransport(eleventh), **common
        ),
        EsmClaimSource(
            "g",
            "gmarket",
            esm.master_id,
            esm.sellers["G"],
            esm.secret_key,
            transport=httpx.MockTransport(esm),
            **common,
        ),
    ]

    waited = []
    for source in sources:
        before = len(clock.sleeps)
        source.fetch_claims(now - PASS, now)
        waited.append(sum(clock.sleeps[before:]))

    # Coupang: RU and CANCEL over 14 days in 7-day ranges (3 each), completed returns over
    # 31 days in one call. Naver: a token (kept for 2.5 h) and one page of changes; the
    # detail call only when a claim changed. 11st: its six lists. ESM: five queries.
    assert [len(f.requests) for f in (coupang, naver, eleventh, esm)] == [7, 2, 6, 5]
    # The default paces: Coupang 10/s, Naver 2/s, 11st 2/s, ESM 1 call / 5 s, which puts
    # its five calls inside 20 s of the 5 minutes.
    assert waited == pytest.approx([0.6, 0.5, 2.5, 20.0])
