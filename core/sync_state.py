"""What cancelbot knows about one marketplace account's syncing: a value, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class SyncState:
    account: str
    marketplace: str
    watermark: datetime | None = None  # everything before it has been applied
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_claim_at: datetime | None = None  # the newest claim this account ever reported
    lease_owner: str | None = None  # the replica syncing it now (`host:pid:nonce`)
    lease_until: datetime | None = None  # renewed while that replica's pass runs

    def lease_is_stale(self, now: datetime) -> bool:
        """Held by an owner that stopped renewing it (a dead replica): it runs out, and
        another replica syncs the account, within one lease."""
        return self.lease_owner is not None and (self.lease_until is None or self.lease_until < now)
