"""Plain-text and JSON renderings of results for the terminal (the CLI and the demo)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from core.confirmation import ConfirmOutcome, Outcome
from core.dashboard import Health
from core.orders import Order
from core.quarantine import RetryOutcome, RetryStatus
from core.read_models import OrderDetails
from core.results import CancelResult, CsHistoryEntry, Withdrawal
from core.set_aside import QuarantinedRecord

PARTIAL_MARK = "◀ 부분취소 PARTIAL"


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def local(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "-"


def result_json(r: CancelResult, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": r.id,
        "marketplace": r.marketplace,
        "account": r.account,
        "claim_id": r.claim_id,
        "management_no": r.management_no,
        "marketplace_order_id": r.marketplace_order_id,
        "marketplace_item_id": r.marketplace_item_id,
        "product_name": r.product_name,
        "option": r.option,
        "category": r.category.value,
        "phase": r.phase.value,
        "order_status": r.order_status.value,
        "claim_type": r.claim_type.value,
        "claim_state": r.claim_state.value,
        "ordered_qty": r.ordered_qty,
        "cancel_qty": r.cancel_qty,
        "partial": r.partial,
        "unmatched": r.unmatched,
        "anomaly": r.anomaly,
        "shipped_at": iso(r.shipped_at, tz),
        "claimed_at": iso(r.claimed_at, tz),
        "completed_at": iso(r.completed_at, tz),
        "confirmed": r.confirmed,
        "confirmed_by": r.confirmed_by,
        "confirmed_at": iso(r.confirmed_at, tz),
    }


def withdrawal_json(w: Withdrawal, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": w.id,
        "management_no": w.management_no,
        "result_id": w.result_id,
        "reason": w.reason.value,
        "restore_qty": w.restore_qty,
        "confirmed": w.confirmed,
        "confirmed_by": w.confirmed_by,
        "confirmed_at": iso(w.confirmed_at, tz),
        "created_at": iso(w.created_at, tz),
    }


def order_json(o: Order, tz: tzinfo) -> dict[str, Any]:
    return {
        "management_no": o.management_no,
        "marketplace": o.marketplace,
        "marketplace_order_id": o.marketplace_order_id,
        "marketplace_item_id": o.marketplace_item_id,
        "product_name": o.product_name,
        "option": o.option,
        "quantity": o.quantity,
        "status": o.status.value,
        "invoice_no": o.invoice_no,
        "shipped_at": iso(o.shipped_at, tz),
        "cancelled": o.cancelled,
        "on_hold": o.on_hold,
    }


def history_json(e: CsHistoryEntry, tz: tzinfo) -> dict[str, Any]:
    return {"at": iso(e.at, tz), "text": e.text, "actor": e.actor, "result_id": e.result_id}


def details_json(d: OrderDetails, tz: tzinfo) -> dict[str, Any]:
    return {
        "management_no": d.management_no,
        "order": order_json(d.order, tz) if d.order else None,
        "history": [history_json(e, tz) for e in d.history],
        "results": [result_json(r, tz) for r in d.results],
        "withdrawals": [withdrawal_json(w, tz) for w in d.withdrawals],
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def qty_text(r: CancelResult) -> str:
    if r.cancel_qty is None:
        return "?/" + (str(r.ordered_qty) if r.ordered_qty is not None else "?")
    text = f"{r.cancel_qty}/{r.ordered_qty if r.ordered_qty is not None else '?'}"
    return f"{text} {PARTIAL_MARK}" if r.partial else text


def flags(r: CancelResult) -> str:
    marks = []
    if r.unmatched:
        marks.append("UNMATCHED")
    if r.anomaly:
        marks.append("ANOMALY")
    return " ".join(marks)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines.extend(_line(r, widths) for r in rows)
    return "\n".join(lines)


def _width(text: str) -> int:
    # Hangul is two columns wide in a terminal.
    return sum(2 if "\u1100" <= ch <= "\uffdc" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def results_table(results: Sequence[CancelResult], tz: tzinfo) -> str:
    headers = [
        "ID",
        "CATEGORY",
        "MARKET",
        "MGMT_NO",
        "ORDER_NO",
        "PRODUCT",
        "QTY",
        "STATE",
        "CANCELLED_AT",
        "CONFIRMED",
        "FLAGS",
    ]
    rows = [
        [
            str(r.id),
            r.category.value,
            f"{r.marketplace}/{r.account}" if r.account else r.marketplace,
            r.management_no or "-",
            r.marketplace_order_id or "-",
            _short(" ".join(filter(None, [r.product_name, r.option])) or "-"),
            qty_text(r),
            r.claim_state.value,
            local(r.claimed_at, tz),
            f"{r.confirmed_by} {local(r.confirmed_at, tz)}" if r.confirmed else "no",
            flags(r),
        ]
        for r in results
    ]
    return table(headers, rows)


def withdrawals_table(withdrawals: Sequence[Withdrawal], tz: tzinfo) -> str:
    headers = ["ID", "MGMT_NO", "RESULT", "REASON", "RESTORE_QTY", "CREATED_AT", "CONFIRMED"]
    rows = [
        [
            str(w.id),
            w.management_no,
            str(w.result_id),
            w.reason.value,
            str(w.restore_qty),
            local(w.created_at, tz),
            f"{w.confirmed_by} {local(w.confirmed_at, tz)}" if w.confirmed else "no",
        ]
        for w in withdrawals
    ]
    return table(headers, rows)


def details_text(d: OrderDetails, tz: tzinfo) -> str:
    lines = [f"관리번호 {d.management_no}"]
    if d.order:
        o = d.order
        lines.append(
            f"  {o.marketplace} order {o.marketplace_order_id} · {o.product_name} {o.option} · "
            f"qty {o.quantity} · {o.status.value}"
            + (" · CANCELLED" if o.cancelled else "")
            + (" · ON HOLD" if o.on_hold else "")
        )
    else:
        lines.append("  (not in the order book)")
    lines.append("C/S history:")
    lines.extend(f"  {local(e.at, tz)}  {e.text}  ({e.actor})" for e in d.history)
    if not d.history:
        lines.append("  (none)")
    if d.results:
        lines += ["Results:", results_table(d.results, tz)]
    if d.withdrawals:
        lines += ["Withdrawals:", withdrawals_table(d.withdrawals, tz)]
    return "\n".join(lines)


def outcome_json(o: ConfirmOutcome, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": o.target_id,
        "outcome": o.outcome.value,
        "confirmed_by": o.by,
        "confirmed_at": iso(o.at, tz),
    }


def outcome_text(o: ConfirmOutcome, actor: str, tz: tzinfo) -> str:
    label = f"{o.target.value} #{o.target_id}"
    if o.outcome is Outcome.CONFIRMED:
        return f"{label} confirmed by {o.by} at {local(o.at, tz)}"
    if o.outcome is Outcome.ALREADY_CONFIRMED:
        return f"{label} already confirmed by {o.by} at {local(o.at, tz)}"
    if o.outcome is Outcome.UNCONFIRMED:
        return f"{label} unconfirmed by {actor}"
    return f"{label} was not confirmed; nothing to undo"


def health_json(h: Health, tz: tzinfo) -> dict[str, Any]:
    accounts = [
        {
            "account": a.state.account,
            "marketplace": a.state.marketplace,
            "watermark": iso(a.state.watermark, tz),
            "last_success_at": iso(a.state.last_success_at, tz),
            "last_error": a.state.last_error,
            "last_error_at": iso(a.state.last_error_at, tz),
            "last_claim_at": iso(a.state.last_claim_at, tz),
            "quarantined": a.quarantined,
        }
        for a in h.accounts
    ]
    return {
        "accounts": accounts,
        "quarantined": sum(h.quarantined.values()),
        "outbox": {"slack": h.slack.pending, "oms_webhook": h.oms_webhook.pending},
        "outbox_errors": {"slack": h.slack.last_error, "oms_webhook": h.oms_webhook.last_error},
    }


def health_text(h: Health, tz: tzinfo) -> str:
    rows = [
        [
            a.state.account,
            a.state.marketplace,
            local(a.state.last_success_at, tz),
            local(a.state.watermark, tz),
            str(a.quarantined),
            (a.state.last_error or "")[:60],
        ]
        for a in h.accounts
    ]
    headers = ["ACCOUNT", "MARKET", "LAST_SUCCESS", "WATERMARK", "QUARANTINED", "LAST_ERROR"]
    lines = [table(headers, rows)]
    for name, backlog in (("slack", h.slack), ("oms_webhook", h.oms_webhook)):
        err = f" (last error: {backlog.last_error})" if backlog.last_error else ""
        lines.append(f"outbox {name}: {backlog.pending} pending{err}")
    if total := sum(h.quarantined.values()):
        lines.append(f"quarantine: {total} record(s) set aside (cancelbot quarantine)")
    return "\n".join(lines)


def quarantined_json(r: QuarantinedRecord, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": r.id,
        "account": r.account,
        "marketplace": r.marketplace,
        "claim_id": r.claim_id,
        "line": r.line,
        "reason": r.reason,
        "first_seen_at": iso(r.first_seen_at, tz),
        "last_seen_at": iso(r.last_seen_at, tz),
        "times_seen": r.times_seen,
        "source": "claims file" if r.from_file else "sync",
        "window_start": iso(r.window_start, tz),
        "window_end": iso(r.window_end, tz),
        "raw": r.raw,
    }


def quarantine_table(records: Sequence[QuarantinedRecord], tz: tzinfo) -> str:
    headers = ["ID", "ACCOUNT", "CLAIM_ID", "FIRST_SEEN", "LAST_SEEN", "SEEN", "REASON"]
    rows = [
        [
            str(r.id),
            f"{r.marketplace}/{r.account}",
            _short(r.claim_id + (f" [{r.line}]" if r.line else ""), 32) or "-",
            local(r.first_seen_at, tz),
            local(r.last_seen_at, tz),
            str(r.times_seen),
            _short(r.reason, 70),
        ]
        for r in records
    ]
    return table(headers, rows)


def retry_json(o: RetryOutcome) -> dict[str, Any]:
    return {"id": o.record.id, "outcome": o.outcome.value, "detail": o.detail}


_RETRY_TEXT = {
    RetryStatus.STORED: "stored: it came back clean and left the quarantine",
    RetryStatus.GONE: "left the quarantine: its window no longer reports it",
    RetryStatus.STILL: "still set aside",
    RetryStatus.FAILED: "not retried",
}


def retry_text(o: RetryOutcome) -> str:
    r = o.record
    label = f"#{r.id} {r.marketplace}/{r.account} {r.claim_id or '?'}"
    text = _RETRY_TEXT[o.outcome]
    return f"{label}: {text}" + (f" ({o.detail})" if o.detail else "")
