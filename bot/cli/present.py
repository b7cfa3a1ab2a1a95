"""Plain-text and JSON renderings of results for the terminal (the CLI and the demo).

JSON carries the codes (a contract for scripts); text is for people, in their language
(CANCELBOT_LOCALE), with the same labels Slack shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.i18n import t
from core.accepting import AcceptOutcome
from core.confirmation import ConfirmOutcome, Outcome
from core.dashboard import Health
from core.marketplace_actions import MarketplaceAction
from core.orders import Order
from core.quarantine import RetryOutcome, RetryStatus
from core.read_models import OrderDetails, WithdrawalView
from core.results import CancelResult, CsHistoryEntry, Withdrawal
from core.set_aside import QuarantinedRecord

PARTIAL_MARK = "◀ 부분취소 PARTIAL"


def iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).isoformat() if value else None


def local(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "-"


def result_json(
    r: CancelResult, tz: tzinfo, action: MarketplaceAction | None = None
) -> dict[str, Any]:
    """One result; `marketplace_action` is how accepting it at the marketplace went (None
    when nobody asked)."""
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
        "marketplace_action": action_json(action, tz) if action else None,
        # Issue 18: who took the case, and until when it is snoozed.
        "claimed_by": r.taken_by,
        "snoozed_until": iso(r.snoozed_until, tz),
    }


def action_json(a: MarketplaceAction, tz: tzinfo) -> dict[str, Any]:
    return {
        "action": a.action.value,
        "state": a.state.value,
        "by": a.by,
        "at": iso(a.finished_at or a.at, tz),
        "error": a.error or None,
    }


def withdrawal_json(
    w: Withdrawal, tz: tzinfo, origin: CancelResult | None = None, order: Order | None = None
) -> dict[str, Any]:
    """A withdrawal with what the warehouse needs to find the goods: the product and the
    marketplace's order from the result it points at, the order's current status."""
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
        "state": w.state.value,
        "closed_reason": w.closed_reason.value if w.closed_reason else None,
        "updated_at": iso(w.updated_at, tz),
        "product_name": (origin.product_name if origin else None)
        or (order.product_name if order else None),
        "marketplace": (origin.marketplace if origin else None)
        or (order.marketplace if order else None),
        "marketplace_order_id": (origin.marketplace_order_id if origin else None)
        or (order.marketplace_order_id if order else None),
        "order_status": order.status.value if order else None,
    }


def view_json(v: WithdrawalView, tz: tzinfo) -> dict[str, Any]:
    return withdrawal_json(v.withdrawal, tz, v.origin, v.order)


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
        "held_at": iso(o.held_at, tz),
    }


def history_json(e: CsHistoryEntry, tz: tzinfo) -> dict[str, Any]:
    return {"at": iso(e.at, tz), "text": e.text, "actor": e.actor, "result_id": e.result_id}


def details_json(d: OrderDetails, tz: tzinfo) -> dict[str, Any]:
    return {
        "management_no": d.management_no,
        "order": order_json(d.order, tz) if d.order else None,
        "history": [history_json(e, tz) for e in d.history],
        "results": [result_json(r, tz, d.actions.get(r.id or 0)) for r in d.results],
        "withdrawals": [
            withdrawal_json(
                w, tz, next((r for r in d.results if r.id == w.result_id), None), d.order
            )
            for w in d.withdrawals
        ],
    }


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def qty_text(r: CancelResult) -> str:
    if r.cancel_qty is None:
        return "?/" + (str(r.ordered_qty) if r.ordered_qty is not None else "?")
    text = f"{r.cancel_qty}/{r.ordered_qty if r.ordered_qty is not None else '?'}"
    return f"{text} {PARTIAL_MARK}" if r.partial else text


def flags(r: CancelResult, locale: str) -> str:
    marks = []
    if r.unmatched:
        marks.append(t(locale, "flag.unmatched"))
    if r.anomaly:
        marks.append(t(locale, "flag.anomaly"))
    return " ".join(marks)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the header alone when there are no rows."""
    widths = [max([_width(h), *(_width(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines.extend(_line(r, widths) for r in rows)
    return "\n".join(lines)


def _cols(locale: str, *names: str) -> list[str]:
    return [t(locale, f"cli.col.{name}") for name in names]


def _confirmed(by: str | None, at: datetime | None, tz: tzinfo, locale: str) -> str:
    return f"{by} {local(at, tz)}" if by else t(locale, "value.no")


def _width(text: str) -> int:
    # Hangul is two columns wide in a terminal.
    return sum(2 if "\u1100" <= ch <= "\uffdc" else 1 for ch in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def results_table(results: Sequence[CancelResult], tz: tzinfo, locale: str) -> str:
    headers = _cols(
        locale,
        "id",
        "category",
        "market",
        "management_no",
        "order_no",
        "product",
        "qty",
        "state",
        "cancelled_at",
        "confirmed",
        "flags",
    )
    rows = [
        [
            str(r.id),
            t(locale, f"category.{r.category.value}"),
            f"{r.marketplace}/{r.account}" if r.account else r.marketplace,
            r.management_no or "-",
            r.marketplace_order_id or "-",
            _short(" ".join(filter(None, [r.product_name, r.option])) or "-"),
            qty_text(r),
            t(locale, f"claim_state.{r.claim_state.value}"),
            local(r.claimed_at, tz),
            _confirmed(r.confirmed_by, r.confirmed_at, tz, locale),
            flags(r, locale),
        ]
        for r in results
    ]
    return table(headers, rows)


def withdrawals_table(views: Sequence[WithdrawalView], tz: tzinfo, locale: str) -> str:
    headers = _cols(
        locale,
        "id",
        "management_no",
        "result",
        "state",
        "reason",
        "restore_qty",
        "product",
        "order_status",
        "created_at",
        "confirmed",
    )
    rows = []
    for v in views:
        w, origin, order = v.withdrawal, v.origin, v.order
        state = t(locale, f"withdrawal_state.{w.state.value}")
        if w.closed_reason is not None:
            state += f" ({t(locale, f'superseded.{w.closed_reason.value}')})"
        rows.append(
            [
                str(w.id),
                w.management_no,
                str(w.result_id),
                state,
                t(locale, f"withdrawal_reason.{w.reason.value}"),
                str(w.restore_qty),
                _short((origin.product_name if origin else "") or "-"),
                t(locale, f"order_status.{order.status.value}") if order else "-",
                local(w.created_at, tz),
                _confirmed(w.confirmed_by, w.confirmed_at, tz, locale),
            ]
        )
    return table(headers, rows)


def details_text(d: OrderDetails, tz: tzinfo, locale: str) -> str:
    lines = [t(locale, "details.header", management_no=d.management_no or "-")]
    if d.order:
        o = d.order
        status = t(locale, f"order_status.{o.status.value}")
        held = f" · {t(locale, 'cli.held')}" if o.on_hold else ""
        lines.append(
            f"  {o.marketplace} {o.marketplace_order_id} · {o.product_name} {o.option} · "
            f"{t(locale, 'field.ordered_qty')} {o.quantity} · {status}{held}"
        )
    else:
        lines.append("  " + t(locale, "details.no_order"))
    lines.append(t(locale, "cli.history"))
    lines.extend(f"  {local(e.at, tz)}  {e.text}  ({e.actor})" for e in d.history)
    if not d.history:
        lines.append("  " + t(locale, "details.history_empty"))
    if d.results:
        lines += [t(locale, "cli.results"), results_table(d.results, tz, locale)]
    if d.withdrawals:
        by_id = {r.id: r for r in d.results}
        views = [WithdrawalView(w, by_id.get(w.result_id), d.order) for w in d.withdrawals]
        lines += [t(locale, "cli.withdrawals"), withdrawals_table(views, tz, locale)]
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
    if o.outcome is Outcome.SUPERSEDED:
        return f"{label} no longer applies (superseded); nothing to confirm"
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


def accept_json(o: AcceptOutcome, tz: tzinfo) -> dict[str, Any]:
    """`refused`: the refusal's code when nothing was sent (else None); `marketplace_action`
    as in `results --json`."""
    return {
        "id": o.result_id,
        "refused": o.refused.value if o.refused else None,
        "detail": o.detail or None,
        "marketplace_action": action_json(o.action, tz) if o.action else None,
    }


def accept_text(o: AcceptOutcome, tz: tzinfo, locale: str) -> str:
    label = f"result #{o.result_id}: "
    if o.refused is not None:
        return label + t(locale, f"accept.refused.{o.refused.value}", detail=o.detail or "-")
    if o.action is None:
        raise ValueError("an accept outcome with neither a refusal nor an action")
    a = o.action
    at = local(a.finished_at or a.at, tz)
    return label + t(locale, f"accept.state.{a.state.value}", who=a.by, at=at, error=a.error)


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
