"""POSTs order-system events to `oms_webhook_url`, signed with HMAC-SHA256 over the body."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx

from core.errors import DeliveryError

SIGNATURE_HEADER = "X-Cancelbot-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Cancelbot-Event"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """core.oms_delivery.EventSender over HTTP. The receiver should dedupe on the
    Idempotency-Key: a delivery whose answer was lost is sent again."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self._secret = secret
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=5.0), transport=transport
        )

    def __repr__(self) -> str:
        return f"WebhookSender({self.url!r}, secret=<hidden>)"

    def send(self, idempotency_key: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: idempotency_key,
            EVENT_HEADER: str(payload.get("event", "")),
            SIGNATURE_HEADER: sign(self._secret, body),
        }
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{exc.__class__.__name__} posting to the order system") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"the order system answered HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()
