"""Every user-facing text of the bot, in Korean (the default) and English.

`t(locale, key, **params)` looks a text up and fills in its `{params}` with str.format.
Both catalogues must hold the same keys with the same params (a test checks), so a
missing translation is a test failure, not a runtime surprise.

Texts used inside mrkdwn may carry mrkdwn (`*bold*`); the params are filled in as given,
so callers escape marketplace-supplied values before passing them.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Final


class Locale(StrEnum):
    KO = "ko"
    EN = "en"


DEFAULT_LOCALE: Final = Locale.KO

_KO: Final[dict[str, str]] = {
    # Category = delivery status × cancel type (SPEC §3 rule 7), as the OMS names them.
    "category.SHIPPED_RETURN": "배송-반품",
    "category.SHIPPED_CANCEL": "배송-취소",
    "category.INVOICED_CANCEL": "송장-취소",
    "category.RECEIVED_CANCEL": "접수-취소",
    "guidance.SHIPPED_RETURN": (
        "배송된 주문이며 판매처에서 반품(환불)이 완료되었습니다. 판매처는 일정 기간이 지나면 "
        "반품을 자동 승인하고 환불합니다(선환불). 반품관리 화면에서 환불이 실제로 "
        "처리되었는지 확인한 뒤 회수를 진행하세요."
    ),
    "guidance.SHIPPED_CANCEL": (
        "이미 배송된 주문인데, 송장번호가 판매처에 전송되기 전에 고객이 취소했습니다. "
        "고객에게 상품이 이미 배송 중임을 알리고, 상품을 받아본 뒤 결정할지 판매처에서 "
        "반품(환불) 완료 처리할지 협의한 뒤 처리하세요."
    ),
    "guidance.INVOICED_CANCEL": (
        "주문에 취소와 보류가 자동으로 설정되었습니다. 관리번호 단위로 취소되므로 "
        "판매자페이지에서 실제로 몇 개가 취소되었는지 꼭 확인해 나머지 상품의 배송 지연을 "
        "막으세요. 일부만 취소되었다면 남은 수량은 취소철회로 등록됩니다."
    ),
    "guidance.RECEIVED_CANCEL": (
        "주문에 취소와 보류가 자동으로 설정되었습니다. 판매자페이지에서 실제로 취소된 "
        "수량을 확인하세요."
    ),
    "claim_state.REQUESTED": "취소요청",
    "claim_state.COMPLETED": "완료",
    "claim_state.WITHDRAWN": "철회",
    "claim_type.CANCEL": "취소",
    "claim_type.RETURN": "반품",
    "phase.BEFORE_SHIPPING": "배송전",
    "phase.AFTER_SHIPPING": "배송후",
    "order_status.RECEIVED": "접수",
    "order_status.INVOICED": "송장",
    "order_status.SHIPPED": "배송",
    "marketplace.coupang": "쿠팡",
    "marketplace.naver": "네이버",
    "marketplace.11st": "11번가",
    "marketplace.gmarket": "G마켓",
    "marketplace.auction": "옥션",
    "marketplace.sandbox": "샌드박스",
    "withdrawal_reason.PARTIAL": "부분취소 후 남은 수량",
    "withdrawal_reason.WITHDRAWN": "취소 철회·거부",
    "withdrawal_reason_detail.PARTIAL": (
        "일부만 취소된 주문의 나머지입니다. 관리번호 전체가 자동으로 취소·보류되었지만 "
        "이 수량은 정상 주문입니다."
    ),
    "withdrawal_reason_detail.WITHDRAWN": (
        "고객이 취소를 철회했거나 판매처가 취소를 거부했습니다. 주문은 그대로 유효합니다."
    ),
    "button.confirm": "확인",
    "button.details": "C/S 상세",
    "button.undo": "확인취소",
    "field.marketplace": "판매처",
    "field.management_no": "관리번호",
    "field.marketplace_order_id": "판매처 주문번호",
    "field.product": "상품",
    "field.option": "옵션",
    "field.quantity": "취소수량/주문수량",
    "field.shipped_at": "배송일",
    "field.claimed_at": "취소일",
    "field.claim_state": "클레임 상태",
    "field.order_status": "주문상태",
    "field.ordered_qty": "주문수량",
    "field.cancelled": "취소",
    "field.on_hold": "보류",
    "field.invoice_no": "송장번호",
    "field.restore_qty": "출고할 수량",
    "field.reason": "사유",
    "field.created_at": "등록일",
    "line.product": "상품: {product}",
    "line.option": "옵션: {option}",
    "value.none": "—",
    "value.yes": "예",
    "value.no": "아니오",
    "value.unmatched": "⚠️ 미매칭",
    "value.marketplace_account": "{marketplace} ({account})",
    "qty.full": "{cancel}/{ordered}",
    "qty.partial": "🔴 *부분취소 {cancel}/{ordered}*",
    "qty.unknown": "수량 미상",
    "qty.unknown_of": "수량 미상/{ordered}",
    "qty.ordered_unknown": "{cancel}/?",
    "qty.units": "{count}개",
    "flag.partial": "🔴 부분취소",
    "flag.unmatched": "⚠️ 미매칭",
    "flag.anomaly": "⚠️ 이상 건",
    "alert.unmatched_warning": (
        "⚠️ *주문장에서 주문을 찾지 못했습니다(미매칭).* 판매처가 알려준 배송상태로 "
        "분류했습니다. 관리번호를 직접 찾아 처리하세요."
    ),
    "alert.anomaly_warning": (
        "⚠️ *이상 건:* 배송되지 않은 주문에 반품이 접수되었습니다. 주문과 판매처의 반품 "
        "내역을 확인하세요."
    ),
    "alert.qty_unknown_warning": (
        "판매처가 취소수량을 알려주지 않았습니다. 판매자페이지에서 실제 취소수량을 확인하세요."
    ),
    "alert.guidance": "💡 {guidance}",
    "alert.updated": "갱신 {at}",
    "alert.confirmed": "✅ {who} 확인 · {at}",
    "alert.text": "{flags}{category} · {marketplace} · {management_no} · {product}",
    "withdrawal.header": "📦 취소철회: 보류 해제 후 출고 필요",
    "withdrawal.body": (
        "*보류 중인 상품 {qty}개를 보류 해제하고 출고해야 합니다.* 관리번호 {management_no} "
        "주문은 보류 상태이며, 고객은 이 상품을 기다리고 있습니다."
    ),
    "withdrawal.no_result": "원래 취소결과를 찾을 수 없습니다.",
    "withdrawal.text": "📦 취소철회 · {management_no} · {qty}개 보류 해제 후 출고 필요",
    "details.title": "C/S 상세",
    "details.close": "닫기",
    "details.header": "관리번호 {management_no}",
    "details.header_unmatched": "판매처 주문번호 {order_id}",
    "details.no_order": "⚠️ 주문장에 이 주문이 없습니다(미매칭).",
    "details.history": "*C/S 이력*",
    "details.history_empty": "이력이 없습니다.",
    "details.history_line": "`{at}` {text} ({actor})",
    "details.results": "*취소결과*",
    "details.results_empty": "취소결과가 없습니다.",
    "details.withdrawals": "*취소철회*",
    "details.result_line": (
        "*{category}* · {marketplace} · {order_id} · {claim_type} {claim_state} · {qty}\n"
        "취소일 {claimed_at} · 배송일 {shipped_at}"
    ),
    "details.withdrawal_line": "📦 {qty}개 출고 필요 · {reason} · 등록 {at}",
    "details.confirmed": "✅ {who} 확인 · {at}",
    "details.unconfirmed": "⬜ 미확인",
    "details.links": "*바로가기*",
    "details.link_oms": "OMS 주문(C/S창)",
    "details.link_seller": "{marketplace} 판매자페이지 {order_id}",
    "details.more": "…외 {count}건 더",
    "home.header": "취소결과 현황",
    "home.total": "*확인이 필요한 취소결과:* {count}건",
    "home.nothing": "확인이 필요한 항목이 없습니다. 🎉",
    "home.by_category": "*분류별 미확인*",
    "home.by_marketplace": "*판매처별 미확인*",
    "home.withdrawals": "📦 *미확인 취소철회:* {count}건 (보류 중인 상품이 출고를 기다립니다)",
    "home.partial": "🔴 *부분취소:* {count}건",
    "home.unmatched": "⚠️ *미매칭:* {count}건",
    "home.count": "{count}건",
    "home.hint": "`/cancels` 로 조회하고 확인하세요.",
    "home.accounts": "판매처 계정 상태",
    "home.no_accounts": "설정된 판매처 계정이 없습니다.",
    "home.more_accounts": "…외 {count}개 계정",
    "home.updated": "갱신 {at}",
    "account.title": "*{name}* · {marketplace}",
    "account.last_success": "마지막 동기화 {at}",
    "account.never_synced": "⚠️ 아직 동기화되지 않았습니다",
    "account.last_claim": "마지막 취소 {at}",
    "account.no_claim": "취소 기록 없음",
    "account.error": "⚠️ 마지막 오류: {error}",
    "account.quiet": ("⚠️ {days}일 동안 취소가 보고되지 않았습니다. 연동이 정상인지 확인하세요."),
    "digest.header": "🔔 24시간 넘게 확인되지 않은 항목",
    "digest.summary": (
        "미확인 배송후 취소결과 *{results}건*, 미확인 취소철회 *{withdrawals}건*이 "
        "24시간 넘게 남아 있습니다."
    ),
    "digest.result_line": (
        "*{category}* · {marketplace} · {management_no} · {order_id} · {qty}\n"
        "{product} · 취소일 {claimed_at}"
    ),
    "digest.withdrawal_line": (
        "📦 *취소철회* · {management_no} · {qty}개 출고 필요 · {reason} · 등록 {at}"
    ),
    "digest.more": "…외 {count}건 더. `/cancels` 로 확인하세요.",
    "digest.empty": "24시간 넘게 확인되지 않은 항목이 없습니다.",
    "digest.text": "미확인 배송후 취소결과 {results}건, 미확인 취소철회 {withdrawals}건",
    "summary.header": "📥 새 취소결과 {total}건",
    "summary.body": "한 번에 많은 취소결과가 들어와 건별 알림 대신 요약을 보냅니다.",
    "summary.hint": "`/cancels` 로 조회하고 확인하세요.",
    "summary.text": "새 취소결과 {total}건. /cancels 로 확인하세요.",
    "summary.withdrawals": "📦 취소철회 {count}건도 함께 들어왔습니다. `/cancels` 에서 확인하세요.",
    # Slack interactions: thread replies under an alert, ephemeral answers, errors.
    "thread.confirmed": "✅ {who} 확인 · {at}",
    "thread.unconfirmed": "↩️ {who} 확인취소 · {at}",
    "confirm.already": "이미 {who}님이 확인했습니다 ({at}). 변경된 내용은 없습니다.",
    "confirm.not_confirmed": (
        "확인되지 않은 항목이라 취소할 확인이 없습니다. 변경된 내용은 없습니다."
    ),
    "confirm.not_allowed": (
        "확인·확인취소 권한이 없습니다. 변경된 내용은 없습니다. 관리자에게 문의하세요."
    ),
    "confirm.permission_unknown": (
        "권한을 확인하지 못해 처리하지 않았습니다. 잠시 후 다시 시도하세요."
    ),
    "error.not_found": "해당 항목을 찾을 수 없습니다. 삭제되었거나 오래된 메시지일 수 있습니다.",
    "error.invalid": "요청을 처리할 수 없습니다: 잘못된 값입니다.",
    "error.slack": "Slack 요청이 실패했습니다. 잠시 후 다시 시도하세요.",
    "error.unexpected": (
        "처리 중 오류가 발생했습니다. 다시 시도하고, 계속되면 관리자에게 알려주세요."
    ),
}

_EN: Final[dict[str, str]] = {
    "category.SHIPPED_RETURN": "Shipped – return",
    "category.SHIPPED_CANCEL": "Shipped – cancel",
    "category.INVOICED_CANCEL": "Invoiced – cancel",
    "category.RECEIVED_CANCEL": "Received – cancel",
    "guidance.SHIPPED_RETURN": (
        "Shipped, and the marketplace completed a return/refund (marketplaces auto-approve "
        "returns and refund after a period: 선환불). Check in return management "
        "that the refund really happened, then arrange pickup (회수)."
    ),
    "guidance.SHIPPED_CANCEL": (
        "Shipped, but the customer cancelled before the invoice number reached the "
        "marketplace. Tell the customer it is already on its way; agree whether they receive "
        "it and decide, or the marketplace completes a return/refund."
    ),
    "guidance.INVOICED_CANCEL": (
        "Cancelled and put on hold automatically, for the whole management number. Check on "
        "the seller page how many units were really cancelled, to avoid delaying the rest; "
        "a partial cancel leaves a withdrawal for the remaining units."
    ),
    "guidance.RECEIVED_CANCEL": (
        "Cancelled and put on hold automatically. Check the real cancelled count on the "
        "seller page."
    ),
    "claim_state.REQUESTED": "Requested",
    "claim_state.COMPLETED": "Completed",
    "claim_state.WITHDRAWN": "Withdrawn",
    "claim_type.CANCEL": "Cancel",
    "claim_type.RETURN": "Return",
    "phase.BEFORE_SHIPPING": "Before shipping",
    "phase.AFTER_SHIPPING": "After shipping",
    "order_status.RECEIVED": "Received",
    "order_status.INVOICED": "Invoiced",
    "order_status.SHIPPED": "Shipped",
    "marketplace.coupang": "Coupang",
    "marketplace.naver": "Naver",
    "marketplace.11st": "11st",
    "marketplace.gmarket": "Gmarket",
    "marketplace.auction": "Auction",
    "marketplace.sandbox": "Sandbox",
    "withdrawal_reason.PARTIAL": "rest of a partial cancel",
    "withdrawal_reason.WITHDRAWN": "cancel withdrawn or rejected",
    "withdrawal_reason_detail.PARTIAL": (
        "These are the units a partial cancel left over. The whole management number was "
        "cancelled and put on hold automatically, but these units were not cancelled."
    ),
    "withdrawal_reason_detail.WITHDRAWN": (
        "The customer withdrew the cancel, or the marketplace rejected it. The order stands."
    ),
    "button.confirm": "Confirm",
    "button.details": "C/S details",
    "button.undo": "Undo",
    "field.marketplace": "Marketplace",
    "field.management_no": "Management no.",
    "field.marketplace_order_id": "Marketplace order no.",
    "field.product": "Product",
    "field.option": "Option",
    "field.quantity": "Cancelled/ordered",
    "field.shipped_at": "Ship date",
    "field.claimed_at": "Cancel date",
    "field.claim_state": "Claim state",
    "field.order_status": "Order status",
    "field.ordered_qty": "Quantity",
    "field.cancelled": "Cancelled",
    "field.on_hold": "On hold",
    "field.invoice_no": "Invoice no.",
    "field.restore_qty": "Units to ship",
    "field.reason": "Reason",
    "field.created_at": "Recorded",
    "line.product": "Product: {product}",
    "line.option": "Option: {option}",
    "value.none": "—",
    "value.yes": "Yes",
    "value.no": "No",
    "value.unmatched": "⚠️ unmatched",
    "value.marketplace_account": "{marketplace} ({account})",
    "qty.full": "{cancel}/{ordered}",
    "qty.partial": "🔴 *Partial cancel {cancel}/{ordered}*",
    "qty.unknown": "quantity unknown",
    "qty.unknown_of": "quantity unknown/{ordered}",
    "qty.ordered_unknown": "{cancel}/?",
    "qty.units": "{count} unit(s)",
    "flag.partial": "🔴 Partial",
    "flag.unmatched": "⚠️ Unmatched",
    "flag.anomaly": "⚠️ Anomaly",
    "alert.unmatched_warning": (
        "⚠️ *The order is not in the order book (unmatched).* It was classified by the "
        "shipping state the marketplace reports. Find the management number and handle it "
        "by hand."
    ),
    "alert.anomaly_warning": (
        "⚠️ *Anomaly:* a return was reported for an order that never shipped. Check the order "
        "and the marketplace's return record."
    ),
    "alert.qty_unknown_warning": (
        "The marketplace did not report the cancelled quantity. Check the real count on the "
        "seller page."
    ),
    "alert.guidance": "💡 {guidance}",
    "alert.updated": "updated {at}",
    "alert.confirmed": "✅ Confirmed by {who} at {at}",
    "alert.text": "{flags}{category} · {marketplace} · {management_no} · {product}",
    "withdrawal.header": "📦 Cancel withdrawal: release the hold and ship",
    "withdrawal.body": (
        "*{qty} unit(s) are on hold and must be released and shipped.* Order "
        "{management_no} is on hold, and the customer is waiting for these goods."
    ),
    "withdrawal.no_result": "The original cancel result was not found.",
    "withdrawal.text": "📦 Cancel withdrawal · {management_no} · release and ship {qty} unit(s)",
    "details.title": "C/S details",
    "details.close": "Close",
    "details.header": "Management no. {management_no}",
    "details.header_unmatched": "Marketplace order {order_id}",
    "details.no_order": "⚠️ This order is not in the order book (unmatched).",
    "details.history": "*C/S history*",
    "details.history_empty": "No history.",
    "details.history_line": "`{at}` {text} ({actor})",
    "details.results": "*Cancel results*",
    "details.results_empty": "No cancel results.",
    "details.withdrawals": "*Cancel withdrawals*",
    "details.result_line": (
        "*{category}* · {marketplace} · {order_id} · {claim_type} {claim_state} · {qty}\n"
        "Cancelled {claimed_at} · shipped {shipped_at}"
    ),
    "details.withdrawal_line": "📦 ship {qty} unit(s) · {reason} · recorded {at}",
    "details.confirmed": "✅ Confirmed by {who} at {at}",
    "details.unconfirmed": "⬜ Unconfirmed",
    "details.links": "*Links*",
    "details.link_oms": "OMS order (C/S window)",
    "details.link_seller": "{marketplace} seller page {order_id}",
    "details.more": "…and {count} more",
    "home.header": "Cancel results",
    "home.total": "*Cancel results to handle:* {count}",
    "home.nothing": "Nothing needs attention. 🎉",
    "home.by_category": "*Unconfirmed by category*",
    "home.by_marketplace": "*Unconfirmed by marketplace*",
    "home.withdrawals": (
        "📦 *Unconfirmed cancel withdrawals:* {count} (goods on hold are waiting to ship)"
    ),
    "home.partial": "🔴 *Partial cancels:* {count}",
    "home.unmatched": "⚠️ *Unmatched:* {count}",
    "home.count": "{count}",
    "home.hint": "Use `/cancels` to look them up and confirm them.",
    "home.accounts": "Marketplace accounts",
    "home.no_accounts": "No marketplace account is configured.",
    "home.more_accounts": "…and {count} more accounts",
    "home.updated": "Updated {at}",
    "account.title": "*{name}* · {marketplace}",
    "account.last_success": "last sync {at}",
    "account.never_synced": "⚠️ never synced yet",
    "account.last_claim": "last cancel {at}",
    "account.no_claim": "no cancel seen",
    "account.error": "⚠️ Last error: {error}",
    "account.quiet": (
        "⚠️ No cancel reported in {days} days. Check that the connection still works."
    ),
    "digest.header": "🔔 Unconfirmed for more than 24 hours",
    "digest.summary": (
        "*{results}* unconfirmed after-shipping cancel results and *{withdrawals}* "
        "unconfirmed cancel withdrawals are older than 24 hours."
    ),
    "digest.result_line": (
        "*{category}* · {marketplace} · {management_no} · {order_id} · {qty}\n"
        "{product} · cancelled {claimed_at}"
    ),
    "digest.withdrawal_line": (
        "📦 *Cancel withdrawal* · {management_no} · ship {qty} unit(s) · {reason} · recorded {at}"
    ),
    "digest.more": "…and {count} more. Use `/cancels` to see them.",
    "digest.empty": "Nothing has been unconfirmed for more than 24 hours.",
    "digest.text": (
        "{results} unconfirmed after-shipping cancel results, "
        "{withdrawals} unconfirmed cancel withdrawals"
    ),
    "summary.header": "📥 {total} new cancel results",
    "summary.body": (
        "Many cancel results arrived at once, so here is one summary instead of one alert each."
    ),
    "summary.hint": "Use `/cancels` to look them up and confirm them.",
    "summary.text": "{total} new cancel results. Use /cancels to see them.",
    "summary.withdrawals": "📦 {count} cancel withdrawals arrived too. Use `/cancels` to see them.",
    "thread.confirmed": "✅ Confirmed by {who} at {at}",
    "thread.unconfirmed": "↩️ Undone by {who} at {at}",
    "confirm.already": "Already confirmed by {who} at {at}. Nothing changed.",
    "confirm.not_confirmed": "This is not confirmed, so there is nothing to undo. Nothing changed.",
    "confirm.not_allowed": (
        "You are not allowed to confirm or undo here. Nothing changed. Ask an admin."
    ),
    "confirm.permission_unknown": (
        "Your permission could not be checked, so nothing changed. Try again shortly."
    ),
    "error.not_found": "That item was not found. The message may be old or the item removed.",
    "error.invalid": "That request could not be handled: a value is not valid.",
    "error.slack": "A Slack request failed. Try again shortly.",
    "error.unexpected": (
        "Something went wrong. Try again, and tell an admin if it keeps happening."
    ),
}

CATALOGUES: Final[dict[Locale, dict[str, str]]] = {Locale.KO: _KO, Locale.EN: _EN}


def normalize_locale(locale: str | None) -> Locale:
    """The catalogue for a `locale` setting such as "en", "EN" or "en-US"; Korean otherwise."""
    if locale:
        language = locale.strip().lower().replace("_", "-").split("-")[0]
        for candidate in Locale:
            if candidate.value == language:
                return candidate
    return DEFAULT_LOCALE


def t(locale: str | None, key: str, **params: object) -> str:
    """The text `key` in `locale`, with `params` filled in.

    An unknown key raises KeyError: that is a programming error, and showing the key to
    the C/S team instead would hide it.
    """
    template = CATALOGUES[normalize_locale(locale)][key]
    return template.format(**params) if params else template


def has_text(key: str) -> bool:
    """Whether `key` exists (e.g. a label for a marketplace code that may be new)."""
    return key in _KO


def format_datetime(value: datetime, tz: tzinfo) -> str:
    """A point in time as the C/S team reads it: `2024-05-20 14:03 KST` in their zone.

    Naive datetimes are taken as UTC, the zone core stores times in.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
