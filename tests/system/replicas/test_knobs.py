"""In-process checks of the two production changes the multi-process tests needed: the
post pacing setting and credentials masked in marketplace errors (no PostgreSQL needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.marketplaces.coupang import CoupangClaimSource
from bot.runtime.settings import SettingsError, load_settings
from core.errors import MarketplaceError
from tests.system.replicas.harness import RealClock

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "signing",
    "CANCELBOT_ALERT_CHANNEL": "C0ALERTS1",
}


def test_the_post_interval_defaults_to_one_second_and_can_be_lowered() -> None:
    assert load_settings(GOOD).post_interval == 1.0
    assert load_settings(GOOD | {"CANCELBOT_POST_INTERVAL_SECONDS": "0.05"}).post_interval == 0.05


@pytest.mark.parametrize("value", ["fast", "-1", "nan", "61"])
def test_a_bad_post_interval_is_named(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(GOOD | {"CANCELBOT_POST_INTERVAL_SECONDS": value})
    assert "CANCELBOT_POST_INTERVAL_SECONDS" in str(caught.value)


def test_credentials_quoted_in_a_marketplace_error_are_masked() -> None:
    access, secret = "ak-quoted-1234", "sk-quoted-5678"

    def gateway(request: httpx.Request) -> httpx.Response:
        quoted = f"{request.headers['Authorization']} (secret {secret})"
        return httpx.Response(401, json={"code": access, "message": f"refused: {quoted}"})

    source = CoupangClaimSource(
        "main",
        "A0001",
        access,
        secret,
        transport=httpx.MockTransport(gateway),
        rate_limit=None,
        clock=RealClock(),
    )
    end = datetime.now(UTC)
    with source, pytest.raises(MarketplaceError) as caught:
        source.fetch_claims(end - timedelta(hours=1), end)
    text = str(caught.value)
    assert "refused: CEA algorithm=HmacSHA256" in text
    assert access not in text and secret not in text
    assert "[redacted]" in text
