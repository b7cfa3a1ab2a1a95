"""Results as CSV, for `/cancels export`: the same fields as `cancelbot results --json`,
UTF-8 with a BOM so Excel in Korea opens it without mangling Hangul."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime, tzinfo

from core.results import CancelResult

COLUMNS = (
    "id",
    "marketplace",
    "account",
    "claim_id",
    "management_no",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "option",
    "category",
    "phase",
    "claim_type",
    "claim_state",
    "ordered_qty",
    "cancel_qty",
    "partial",
    "unmatched",
    "anomaly",
    "shipped_at",
    "claimed_at",
    "completed_at",
    "confirmed",
    "confirmed_by",
    "confirmed_at",
)


def _time(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).isoformat() if value else ""


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def results_csv(results: Iterable[CancelResult], tz: tzinfo) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in results:
        writer.writerow(
            _cell(v)
            for v in (
                r.id,
                r.marketplace,
                r.account,
                r.claim_id,
                r.management_no,
                r.marketplace_order_id,
                r.marketplace_item_id,
                r.product_name,
                r.option,
                r.category.value,
                r.phase.value,
                r.claim_type.value,
                r.claim_state.value,
                r.ordered_qty,
                r.cancel_qty,
                r.partial,
                r.unmatched,
                r.anomaly,
                _time(r.shipped_at, tz),
                _time(r.claimed_at, tz),
                _time(r.completed_at, tz),
                r.confirmed,
                r.confirmed_by,
                _time(r.confirmed_at, tz),
            )
        )
    return out.getvalue().encode("utf-8-sig")
