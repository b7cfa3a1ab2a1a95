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
