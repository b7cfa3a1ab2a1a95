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
    "withdrawal_state.OPEN": "출고 필요",
    "withdrawal_state.CONFIRMED": "확인됨",
    "withdrawal_state.SUPERSEDED": "해당 없음",
    "superseded.nothing_to_release": "출고할 수량이 없습니다(모두 취소되었거나 이미 해제됨)",
    "superseded.shipped": "주문이 이미 배송되었습니다",
    "superseded.merged": "같은 주문의 다른 취소철회로 합쳐졌습니다",
    "withdrawal.superseded_header": "📦 취소철회: 더 이상 해당 없음",
    "withdrawal.superseded_body": (
        "*이 취소철회는 더 이상 해당되지 않습니다.* {why}. 관리번호 {management_no}의 "
        "이 수량은 보류 해제·출고하지 않아도 됩니다."
    ),
    "withdrawal.superseded_text": "📦 취소철회 해당 없음 · {management_no} · {why}",
    "guidance.UNMATCHED": (
        "주문장에서 주문을 찾지 못해 cancelbot은 아무것도 취소·보류하지 않았습니다. 판매처 "
        "주문번호로 OMS에서 주문을 찾아 직접 처리하세요. 주문이 주문장에 들어오면 cancelbot이 "
        "자동으로 다시 맞춰 봅니다."
    ),
    "confirm.superseded": "이 취소철회는 더 이상 해당되지 않아 확인할 수 없습니다.",
    "cli.col.id": "ID",
    "cli.col.category": "구분",
    "cli.col.market": "판매처",
    "cli.col.management_no": "관리번호",
    "cli.col.order_no": "판매처주문번호",
    "cli.col.product": "상품",
    "cli.col.qty": "취소/주문",
    "cli.col.state": "상태",
    "cli.col.cancelled_at": "취소일",
    "cli.col.confirmed": "확인",
    "cli.col.flags": "표시",
    "cli.col.result": "취소결과",
    "cli.col.reason": "사유",
    "cli.col.restore_qty": "출고수량",
    "cli.col.order_status": "주문상태",
    "cli.col.created_at": "등록일",
    "cli.held": "취소·보류 중",
    "cli.history": "C/S 이력:",
    "cli.results": "취소결과:",
    "cli.withdrawals": "취소철회:",
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
    "home.oms": "*주문시스템 연동:* 전송 대기 {count}건",
    "account.title": "*{name}* · {marketplace}",
    "account.last_success": "마지막 동기화 {at}",
    "account.never_synced": "⚠️ 아직 동기화되지 않았습니다",
    "account.last_claim": "마지막 취소 {at}",
    "account.no_claim": "취소 기록 없음",
    "account.error": "⚠️ 마지막 오류: {error}",
    "account.quarantined": (
        "⚠️ 저장할 수 없어 격리된 취소 기록 {count}건: `cancelbot quarantine` 으로 확인하세요."
    ),
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
    "thread.accept_done": "✅ 판매처 취소승인 · {who} · {at}",
    "thread.accept_failed": "⚠️ 판매처 취소승인 실패 · {who} · {at}: {detail}",
    "thread.accept_unknown": (
        "❓ 판매처 취소승인 결과를 알 수 없습니다 · {who} · {at}: {detail}. "
        "판매자페이지에서 확인하세요."
    ),
    "button.accept": "판매처 취소승인",
    "accept.state.PENDING": "⏳ 판매처 취소승인 처리 중 · {who} · {at}",
    "accept.state.DONE": "✅ 판매처 취소승인 · {who} · {at}",
    "accept.state.FAILED": "⚠️ 판매처 취소승인 실패 · {who} · {at} · {error}",
    "accept.state.UNKNOWN": (
        "❓ 판매처 취소승인 결과 불명 · {who} · {at} · {error} · 판매자페이지를 확인하세요"
    ),
    "accept.modal_title": "판매처 취소승인",
    "accept.modal_submit": "취소승인",
    "accept.modal_close": "닫기",
    "accept.modal_body": (
        "*{marketplace}* 주문 {order_id}의 고객 취소요청을 판매처에서 승인합니다.\n"
        "관리번호 {management_no} · 주문상태 *{status}* · {qty}"
    ),
    "accept.scope.coupang": "쿠팡은 이 접수번호의 *모든 상품*을 한 번에 출고중지완료합니다.",
    "accept.scope.gmarket": (
        "G마켓은 이 주문번호 *전체*를 취소승인합니다. G마켓 API는 발송 여부를 미리 "
        "보여주지 않아, 이미 발송되었으면 G마켓이 거절합니다."
    ),
    "accept.scope.auction": (
        "옥션은 이 주문번호 *전체*를 취소승인합니다. 옥션 API는 발송 여부를 미리 "
        "보여주지 않아, 이미 발송되었으면 옥션이 거절합니다."
    ),
    "accept.scope.naver": "네이버는 이 상품주문 하나를 취소승인합니다.",
    "accept.scope.11st": "11번가는 이 취소신청 하나를 승인합니다.",
    "accept.scope.other": "판매처에서 이 취소요청을 승인합니다.",
    "accept.held": "cancelbot 보류 중",
    "accept.not_allowed": (
        "판매처 취소승인 권한이 없습니다. 아무것도 보내지 않았습니다. 관리자에게 문의하세요."
    ),
    "accept.not_held": "보류 안 됨",
    "accept.working": "⏳ 판매처에 취소승인을 보내는 중입니다. 결과는 알림과 스레드에도 남습니다.",
    "accept.irreversible": "⚠️ 승인하면 고객에게 환불되며 *되돌릴 수 없습니다*.",
    "accept.refused.not_enabled": (
        "이 계정은 판매처 취소승인이 켜져 있지 않습니다(설정의 actions)."
    ),
    "accept.refused.not_a_request": (
        "이 건은 더 이상 취소요청이 아닙니다(완료·철회되었거나 반품입니다)."
    ),
    "accept.refused.unmatched": "주문장에 없는 주문이라 cancelbot이 보류하지 않았습니다.",
    "accept.refused.shipped": "주문장에 이미 배송된 주문입니다. 취소승인하지 않았습니다.",
    "accept.refused.not_held": "cancelbot이 보류 중인 주문이 아닙니다.",
    "accept.refused.taken": "이미 처리 중이거나 처리된 건입니다.",
    "accept.refused.closed_at_marketplace": (
        "판매처에 열린 취소요청이 없습니다({detail}). 아무것도 보내지 않았습니다."
    ),
    "accept.refused.shipped_at_marketplace": (
        "판매처에서 이미 출고되었습니다({detail}). 아무것도 보내지 않았습니다."
    ),
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
    "error.busy": (
        "지금 요청이 많아 처리하지 못했습니다. 잠시 후 다시 시도해 주세요. 변경된 내용은 없습니다."
    ),
    "error.stale_button": (
        "이 버튼은 더 이상 사용되지 않습니다(오래된 메시지). `/cancels`로 최신 목록을 여세요."
    ),
    # /cancels: the query page, withdrawals, stats, help, bulk confirm and their answers.
    "cancels.title": "*취소결과 조회* · {total}건",
    "cancels.withdrawals_title": "*취소철회 조회* · {total}건 (보류 해제 후 출고할 상품)",
    "cancels.filter": "필터: {words}",
    "cancels.empty": "조건에 맞는 취소결과가 없습니다.",
    "cancels.withdrawals_empty": "조건에 맞는 취소철회가 없습니다.",
    "cancels.row": (
        "*#{id}* · *{category}*{flags} · {marketplace} · {management_no}\n"
        "{product} · {qty}\n"
        "취소일 {claimed_at} · {claim_state} · {confirmed}"
    ),
    "cancels.option": "#{id} · {management_no}",
    "cancels.select_hint": "확인할 항목을 선택한 뒤 *선택 확인*을 누르세요.",
    "cancels.page": "{first}–{last} / {total}건 · {page}/{pages}쪽",
    "cancels.text": "취소결과 {total}건 · {words}",
    "cancels.withdrawals_text": "취소철회 {total}건 · {words}",
    "cancels.withdrawal_row": (
        "📦 *{management_no}* · {qty}개 출고 필요 · {reason}\n{source}\n등록 {at} · {confirmed}"
    ),
    "cancels.withdrawal_source": "{marketplace} · {order_id} · {product}",
    "button.confirm_selected": "선택 확인",
    "button.confirm_all": "전체 확인 ({count}건)",
    "button.prev": "◀ 이전",
    "button.next": "다음 ▶",
    "cancels.confirmed_ids": "✅ {count}건을 확인했습니다: {ids}",
    "cancels.unconfirmed_ids": "↩️ {count}건을 확인취소했습니다: {ids}",
    "cancels.already_line": "#{id}: 이미 {who}님이 확인했습니다 ({at}).",
    "cancels.not_confirmed_line": "#{id}: 확인되지 않은 항목이라 변경하지 않았습니다.",
    "cancels.withdrawal_confirmed": (
        "✅ 취소철회 #{id} ({management_no}) 확인했습니다. 보류를 해제하고 출고하세요."
    ),
    "cancels.withdrawal_unconfirmed": "↩️ 취소철회 #{id} ({management_no}) 확인취소했습니다.",
    "cancels.nothing_selected": "먼저 확인할 취소결과를 선택하세요. 변경된 내용은 없습니다.",
    "cancels.nothing_to_confirm": "확인할 미확인 취소결과가 없습니다.",
    "cancels.confirm_all_done": "✅ 집계된 {counted}건 중 {confirmed}건을 확인했습니다.",
    "cancels.confirm_all_elsewhere": "그사이 다른 사람이 {count}건을 먼저 확인했습니다.",
    "cancels.confirm_all_later": "집계 이후 들어온 취소결과는 확인하지 않았습니다.",
    "cancels.usage": "⚠️ {reason}\n입력: `{bad}`\n올바른 형식: `{form}`",
    "cancels.usage_no_bad": "⚠️ {reason}\n올바른 형식: `{form}`",
    "cancels.usage_text": "/cancels 입력 오류: {reason}",
    "cancels.reason.unknown_word": (
        "알 수 없는 단어입니다. 하위 명령({subcommands})도 필터 단어도 아닙니다."
    ),
    "cancels.reason.unknown_filter_word": "알 수 없는 필터 단어입니다.",
    "cancels.reason.unknown_value": "{name}에 쓸 수 없는 값입니다.",
    "cancels.reason.needs_value": "{name}: 뒤에 값이 필요합니다.",
    "cancels.reason.bad_date": (
        "날짜가 잘못되었습니다. 실제 있는 날짜를 YYYY-MM-DD 형식으로 쓰세요."
    ),
    "cancels.reason.date_order": "시작일(from)이 종료일(to)보다 늦습니다.",
    "cancels.reason.date_range": "1970-01-01부터 2199-12-31 사이의 날짜를 쓰세요.",
    "cancels.reason.bad_value": "{name}: 값이 너무 길거나 쓸 수 없는 문자가 들어 있습니다.",
    "cancels.reason.no_ids": "취소결과 ID를 하나 이상 적으세요.",
    "cancels.reason.too_many_ids": (
        "한 번에 최대 {max}개까지 처리할 수 있습니다. 더 많으면 전체 확인을 쓰세요."
    ),
    "cancels.reason.bad_id": "취소결과 ID가 아닙니다. 12 같은 숫자를 쓰세요.",
    "cancels.reason.other": "{message}",
    "cancels.not_found": "⚠️ 이 ID의 취소결과가 없습니다: {ids}. 변경된 내용은 없습니다.",
    "cancels.bad_state": "⚠️ 이 버튼의 정보가 올바르지 않습니다. `/cancels` 로 다시 조회하세요.",
    "cancels.filter_too_long": "⚠️ 필터가 너무 깁니다. 더 짧게 입력하세요.",
    "cancels.export_sent": "📎 취소결과 {count}건을 CSV 파일로 DM에 보냈습니다.",
    "cancels.export_not_allowed": (
        "내보내기 권한이 없습니다. 파일은 보내지 않았습니다. 관리자에게 문의하세요."
    ),
    "cancels.export_capped": (
        "조건에 맞는 {total}건 중 처음 {count}건만 담았습니다. 필터를 좁혀 나눠 내보내세요."
    ),
    "cancels.export_empty": "조건에 맞는 취소결과가 없어 내보낼 파일이 없습니다.",
    "cancels.export_failed": "⚠️ CSV 파일을 보내지 못했습니다. 잠시 후 다시 시도하세요.",
    "cancels.export_comment": "취소결과 {count}건 · {words}",
    "cancels.export_title": "취소결과 {at}",
    "confirm_all.title": "전체 확인",
    "confirm_all.submit": "{count}건 확인",
    "confirm_all.close": "취소",
    "confirm_all.body": "*필터에 맞는 미확인 취소결과 {count}건을 모두 확인할까요?*",
    "confirm_all.scope": (
        "조회할 때 집계한 {count}건만 확인합니다. 그 뒤에 들어온 취소결과는 미확인으로 "
        "남습니다. 건마다 확인한 사람과 시각이 기록됩니다."
    ),
    "stats.title": "*취소결과 통계* · 합계 {total}건",
    "stats.category_line": "*{category}* {count}건 — {markets}",
    "stats.market_count": "{marketplace} {count}",
    "stats.by_marketplace": "*판매처별* {markets}",
    "stats.text": "취소결과 통계: 합계 {total}건",
    "help.title": "*`/cancels` 사용법*",
    "help.query": (
        "`/cancels [필터…]` 취소결과를 조회합니다. 기본은 배송후·미확인, 최신 취소 먼저. "
        "선택 확인, 전체 확인, 이전/다음 버튼이 함께 나옵니다."
    ),
    "help.confirm": "`{names} ID…` 취소결과를 확인합니다 (한 번에 최대 {max}개).",
    "help.unconfirm": "`{names} ID…` 확인을 취소합니다 (기록은 남습니다).",
    "help.withdrawals": "`{names} [필터…]` 보류 해제 후 출고할 취소철회 목록과 확인 버튼.",
    "help.stats": "`{names} [필터…]` 분류 × 판매처별 건수.",
    "help.export": "`{names} [필터…]` 조건에 맞는 취소결과를 CSV 파일로 DM에 보냅니다.",
    "help.help": "`{names}` 이 도움말.",
    "help.filters": "*필터 단어* (영어·한국어 모두 가능)",
    "help.example": (
        "예: `/cancels 쿠팡 부분취소 from:2024-05-01` · `/cancels market:naver confirmed:all`"
    ),
    "help.text": "/cancels 사용법",
    # Issue 18: taking a case, notes, snoozes, escalation, the filter modal, App Home.
    "button.claim": "🙋 내가 처리",
    "button.takeover": "🙋 넘겨받기",
    "button.note": "📝 메모",
    "button.open_oms": "OMS에서 열기",
    "button.filter": "필터",
    "more.snooze_60": "💤 1시간 뒤 다시",
    "more.snooze_240": "💤 4시간 뒤 다시",
    "more.snooze_tomorrow": "💤 내일 09:00에 다시",
    "more.details": "C/S 상세 보기",
    "more.note": "📝 메모 남기기",
    "case.taken": "🙋 {who} 처리 중 · {since}부터",
    "case.snoozed": "💤 {who} 미룸 · {until}까지",
    "case.held_by_other": "{who}님이 {since}부터 처리 중입니다.",
    "case.took_over": "🙋 #{id}를 넘겨받았습니다. {previous}님에게는 스레드로 알렸습니다.",
    "case.took": "🙋 #{id}를 맡았습니다.",
    "case.already_yours": "이미 맡고 있는 건입니다. 변경된 내용은 없습니다.",
    "case.not_allowed": (
        "이 작업을 할 권한이 없습니다. 변경된 내용은 없습니다. 관리자에게 문의하세요."
    ),
    "case.snooze_confirmed": "이미 확인된 건이라 미룰 필요가 없습니다. 변경된 내용은 없습니다.",
    "case.snoozed_you": "💤 #{id}를 {until}까지 미뤘습니다. 그때 스레드에서 알려드립니다.",
    "note.title": "메모",
    "note.submit": "저장",
    "note.close": "취소",
    "note.label": "C/S 이력에 남길 메모",
    "note.placeholder": "예: 고객과 통화함, 회수 요청",
    "note.about": "*#{id}* · {category} · {number}",
    "note.hint": (
        "메모는 주문의 C/S 이력과 알림 스레드에 남습니다. 스레드에 직접 쓴 답글은 "
        "cancelbot이 읽지 않으니, 남길 내용은 여기에 적으세요."
    ),
    "note.empty": "메모를 입력하세요.",
    "note.saving": "⏳ 메모를 남기는 중입니다…",
    "note.saved": "✅ 메모를 C/S 이력과 알림 스레드에 남겼습니다.",
    "note.too_long": "메모는 {max}자까지 쓸 수 있습니다.",
    "note.gone": "이 취소결과를 찾을 수 없습니다. 메모를 남기지 않았습니다.",
    "thread.note": "📝 {who} 메모 · {at}\n{text}",
    "thread.taken_over": "🙋 {who}님이 {previous}님에게서 이 건을 넘겨받았습니다 · {at}",
    "thread.unsnoozed": "⏰ {who} 미뤄둔 건이 돌아왔습니다 · {at}",
    "thread.escalated": (
        "🚨 {group} {minutes}분 넘게 아무도 확인하지 않은 건입니다. 맡아서 처리해 주세요."
    ),
    "thread.escalated_withdrawal": (
        "🚨 {group} 보류 중인 상품이 {minutes}분 넘게 출고를 기다리고 있습니다. 보류를 "
        "해제하고 출고해 주세요."
    ),
    "thread.changed": "🔄 변경 · {at}\n{changes}",
    "change.claim_state": "클레임 상태: {old} → {new}",
    "change.cancel_qty": "취소수량: {old} → {new}",
    "change.ordered_qty": "주문수량: {old} → {new}",
    "change.shipped": "⚠️ *보류 중이던 주문이 배송되었습니다* ({old} → {new})",
    "change.unshipped": "주문이 배송 전으로 돌아갔습니다 ({old} → {new}). 다시 보류합니다.",
    "change.category": "분류: {old} → {new}",
    "change.matched": "주문장에서 주문을 찾았습니다: 관리번호 {new}",
    "change.confirmation_cleared": "{old}님의 확인이 해제되었습니다. 다시 확인이 필요합니다.",
    "case_action.TAKE": "🙋 맡음",
    "case_action.RELEASE": "맡기 해제",
    "case_action.TAKE_OVER": "🙋 넘겨받음",
    "case_action.SNOOZE": "💤 미룸",
    "case_action.WAKE": "⏰ 다시 돌아옴",
    "details.case_log": "*처리 기록*",
    "details.case_line": "`{at}` #{id} {action} ({actor})",
    "filter.title": "필터",
    "filter.submit": "조회",
    "filter.close": "취소",
    "filter.market": "판매처",
    "filter.phase": "배송 구분",
    "filter.type": "유형",
    "filter.confirmed": "확인 여부",
    "filter.status": "주문상태",
    "filter.flags": "표시",
    "filter.from": "취소일 시작",
    "filter.to": "취소일 끝",
    "filter.order": "관리번호 또는 판매처 주문번호",
    "filter.any": "전체",
    "filter.confirmed_no": "미확인",
    "filter.confirmed_yes": "확인",
    "filter.partial": "부분취소만",
    "filter.unmatched": "미매칭만",
    "filter.date_order": "시작일이 끝일보다 늦습니다.",
    "filter.order_one": "주문번호 하나를 띄어쓰기 없이 입력하세요.",
    "filter.typed": "⌨️ 직접 입력하면: {command}",
    "home.mine": "내가 맡은 건",
    "home.mine_empty": "맡은 건이 없습니다. 알림의 *🙋 내가 처리* 로 맡을 수 있습니다.",
    "home.mine_taken": "*처리 중 · 미확인 {count}건*",
    "home.mine_snoozed": "*미뤄둔 건 {count}건*",
    "home.snoozed_until": "💤 {until}까지",
    "home.open": "*목록 열기*",
    "home.open_count": "{label} {count}건",
    "home.open_withdrawals": "취소철회",
    "home.open_partial": "부분취소",
    "home.open_unmatched": "미매칭",
    "home_list.title": "취소결과",
    "home_list.withdrawals_title": "취소철회",
    "home_list.close": "닫기",
    "home_list.withdrawal_option": "#{id} · {management_no} · {qty}개",
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
    "withdrawal_state.OPEN": "to ship",
    "withdrawal_state.CONFIRMED": "confirmed",
    "withdrawal_state.SUPERSEDED": "no longer applies",
    "superseded.nothing_to_release": "nothing left to ship (all cancelled or already released)",
    "superseded.shipped": "the order has shipped",
    "superseded.merged": "merged into another withdrawal of the same order",
    "withdrawal.superseded_header": "📦 Cancel withdrawal: no longer applies",
    "withdrawal.superseded_body": (
        "*This withdrawal no longer applies.* {why}. Order {management_no} needs no release "
        "or shipment for it."
    ),
    "withdrawal.superseded_text": "📦 Withdrawal no longer applies · {management_no} · {why}",
    "guidance.UNMATCHED": (
        "The order is not in the order book, so cancelbot cancelled and held nothing. Find the "
        "order by the marketplace order number in your OMS and handle it there. When the order "
        "reaches the order book, cancelbot matches it again by itself."
    ),
    "confirm.superseded": "This withdrawal no longer applies; there is nothing to confirm.",
    "cli.col.id": "ID",
    "cli.col.category": "CATEGORY",
    "cli.col.market": "MARKET",
    "cli.col.management_no": "MGMT_NO",
    "cli.col.order_no": "ORDER_NO",
    "cli.col.product": "PRODUCT",
    "cli.col.qty": "QTY",
    "cli.col.state": "STATE",
    "cli.col.cancelled_at": "CANCELLED_AT",
    "cli.col.confirmed": "CONFIRMED",
    "cli.col.flags": "FLAGS",
    "cli.col.result": "RESULT",
    "cli.col.reason": "REASON",
    "cli.col.restore_qty": "RESTORE_QTY",
    "cli.col.order_status": "ORDER_STATUS",
    "cli.col.created_at": "CREATED_AT",
    "cli.held": "cancelled and held",
    "cli.history": "C/S history:",
    "cli.results": "Results:",
    "cli.withdrawals": "Withdrawals:",
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
    "home.oms": "*Order system webhook:* {count} event(s) waiting",
    "account.title": "*{name}* · {marketplace}",
    "account.last_success": "last sync {at}",
    "account.never_synced": "⚠️ never synced yet",
    "account.last_claim": "last cancel {at}",
    "account.no_claim": "no cancel seen",
    "account.error": "⚠️ Last error: {error}",
    "account.quarantined": (
        "⚠️ {count} claim record(s) set aside, they cannot be stored: see `cancelbot quarantine`."
    ),
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
    "thread.accept_done": "✅ Accepted at the marketplace by {who} at {at}",
    "thread.accept_failed": "⚠️ Accepting at the marketplace failed ({who}, {at}): {detail}",
    "thread.accept_unknown": (
        "❓ Whether the marketplace accepted is unknown ({who}, {at}): {detail}. "
        "Check the seller page."
    ),
    "button.accept": "Accept at marketplace",
    "accept.state.PENDING": "⏳ Accepting at the marketplace · {who} · {at}",
    "accept.state.DONE": "✅ Accepted at the marketplace by {who} at {at}",
    "accept.state.FAILED": "⚠️ Accepting at the marketplace failed · {who} · {at} · {error}",
    "accept.state.UNKNOWN": (
        "❓ Marketplace accept unknown · {who} · {at} · {error} · check the seller page"
    ),
    "accept.modal_title": "Accept at marketplace",
    "accept.modal_submit": "Accept",
    "accept.modal_close": "Close",
    "accept.modal_body": (
        "Accept the customer's cancel request for *{marketplace}* order {order_id} at the "
        "marketplace.\nManagement no. {management_no} · order status *{status}* · {qty}"
    ),
    "accept.scope.coupang": (
        "Coupang completes the stop-shipment for *every item* of this receipt."
    ),
    "accept.scope.gmarket": (
        "Gmarket accepts the cancel for the *whole* order number. Its API does not show "
        "whether the goods left, so Gmarket refuses it if they did."
    ),
    "accept.scope.auction": (
        "Auction accepts the cancel for the *whole* order number. Its API does not show "
        "whether the goods left, so Auction refuses it if they did."
    ),
    "accept.scope.naver": "Naver accepts the cancel of this one product order.",
    "accept.scope.11st": "11st accepts this one cancel request.",
    "accept.scope.other": "The marketplace accepts this cancel request.",
    "accept.held": "held by cancelbot",
    "accept.not_allowed": (
        "You may not accept cancels at the marketplace. Nothing was sent. Ask an admin."
    ),
    "accept.not_held": "not held",
    "accept.working": (
        "⏳ Sending the accept to the marketplace. The outcome also shows on the alert and "
        "in its thread."
    ),
    "accept.irreversible": "⚠️ Accepting refunds the customer and *cannot be undone*.",
    "accept.refused.not_enabled": (
        "Accepting at the marketplace is not switched on for this account (actions in the config)."
    ),
    "accept.refused.not_a_request": (
        "This is no longer a cancel request (completed, withdrawn, or a return)."
    ),
    "accept.refused.unmatched": "The order is not in the order book: cancelbot holds nothing.",
    "accept.refused.shipped": "The order book says it shipped. Nothing was accepted.",
    "accept.refused.not_held": "cancelbot does not hold this order.",
    "accept.refused.taken": "It is being handled already, or it is done.",
    "accept.refused.closed_at_marketplace": (
        "The marketplace shows no open cancel request ({detail}). Nothing was sent."
    ),
    "accept.refused.shipped_at_marketplace": (
        "The marketplace says the goods already left ({detail}). Nothing was sent."
    ),
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
    "error.busy": "Busy right now: nothing was done. Please try again in a moment.",
    "error.stale_button": (
        "This button is out of date (an old message). Open a fresh list with `/cancels`."
    ),
    # /cancels
    "cancels.title": "*Cancel results* · {total} matching",
    "cancels.withdrawals_title": (
        "*Cancel withdrawals* · {total} matching (held goods to release and ship)"
    ),
    "cancels.filter": "Filter: {words}",
    "cancels.empty": "No cancel results match this filter.",
    "cancels.withdrawals_empty": "No cancel withdrawals match this filter.",
    "cancels.row": (
        "*#{id}* · *{category}*{flags} · {marketplace} · {management_no}\n"
        "{product} · {qty}\n"
        "Cancelled {claimed_at} · {claim_state} · {confirmed}"
    ),
    "cancels.option": "#{id} · {management_no}",
    "cancels.select_hint": "Tick the results to confirm, then press *Confirm selected*.",
    "cancels.page": "{first}–{last} of {total} · page {page}/{pages}",
    "cancels.text": "{total} cancel results · {words}",
    "cancels.withdrawals_text": "{total} cancel withdrawals · {words}",
    "cancels.withdrawal_row": (
        "📦 *{management_no}* · ship {qty} unit(s) · {reason}\n{source}\n"
        "Recorded {at} · {confirmed}"
    ),
    "cancels.withdrawal_source": "{marketplace} · {order_id} · {product}",
    "button.confirm_selected": "Confirm selected",
    "button.confirm_all": "Confirm all {count} matching",
    "button.prev": "◀ Previous",
    "button.next": "Next ▶",
    "cancels.confirmed_ids": "✅ Confirmed {count}: {ids}",
    "cancels.unconfirmed_ids": "↩️ Unconfirmed {count}: {ids}",
    "cancels.already_line": "#{id}: already confirmed by {who} at {at}.",
    "cancels.not_confirmed_line": "#{id}: not confirmed, so nothing to undo.",
    "cancels.withdrawal_confirmed": (
        "✅ Confirmed withdrawal #{id} ({management_no}). Release the hold and ship."
    ),
    "cancels.withdrawal_unconfirmed": "↩️ Unconfirmed withdrawal #{id} ({management_no}).",
    "cancels.nothing_selected": "Select the results to confirm first. Nothing changed.",
    "cancels.nothing_to_confirm": "There is nothing unconfirmed to confirm.",
    "cancels.confirm_all_done": "✅ Confirmed {confirmed} of the {counted} counted.",
    "cancels.confirm_all_elsewhere": "{count} had been confirmed by someone else meanwhile.",
    "cancels.confirm_all_later": "Results that arrived after the count were left unconfirmed.",
    "cancels.usage": "⚠️ {reason}\nYou typed: `{bad}`\nThe right form: `{form}`",
    "cancels.usage_no_bad": "⚠️ {reason}\nThe right form: `{form}`",
    "cancels.usage_text": "/cancels: {reason}",
    "cancels.reason.unknown_word": (
        "Unknown word: neither a subcommand ({subcommands}) nor a filter word."
    ),
    "cancels.reason.unknown_filter_word": "Unknown filter word.",
    "cancels.reason.unknown_value": "Not a valid value for {name}.",
    "cancels.reason.needs_value": "{name}: needs a value.",
    "cancels.reason.bad_date": "Bad date: write a real date as YYYY-MM-DD.",
    "cancels.reason.date_order": "The from date is after the to date.",
    "cancels.reason.date_range": "Use a date from 1970-01-01 to 2199-12-31.",
    "cancels.reason.bad_value": "{name}: the value is too long or holds characters not allowed.",
    "cancels.reason.no_ids": "Give at least one cancel result id.",
    "cancels.reason.too_many_ids": "At most {max} ids at a time; use Confirm all for more.",
    "cancels.reason.bad_id": "Not a cancel result id: use a number like 12.",
    "cancels.reason.other": "{message}",
    "cancels.not_found": "⚠️ No cancel result with id {ids}. Nothing changed.",
    "cancels.bad_state": "⚠️ This button's data is not valid. Run `/cancels` again.",
    "cancels.filter_too_long": "⚠️ The filter is too long. Make it shorter.",
    "cancels.export_sent": "📎 Sent {count} cancel results as a CSV file to your DM.",
    "cancels.export_not_allowed": (
        "You are not allowed to export results here. No file was sent. Ask an admin."
    ),
    "cancels.export_capped": (
        "Only the first {count} of the {total} matching results are in it; narrow the "
        "filter to export the rest."
    ),
    "cancels.export_empty": "No cancel results match, so there is no file to send.",
    "cancels.export_failed": "⚠️ The CSV file could not be sent. Try again shortly.",
    "cancels.export_comment": "{count} cancel results · {words}",
    "cancels.export_title": "Cancel results {at}",
    "confirm_all.title": "Confirm all",
    "confirm_all.submit": "Confirm {count}",
    "confirm_all.close": "Cancel",
    "confirm_all.body": "*Confirm all {count} unconfirmed cancel results matching this filter?*",
    "confirm_all.scope": (
        "Only the {count} counted when you ran the query are confirmed; results that "
        "arrived since stay unconfirmed. You and the time are recorded for each one."
    ),
    "stats.title": "*Cancel result counts* · {total} in total",
    "stats.category_line": "*{category}*: {count} — {markets}",
    "stats.market_count": "{marketplace} {count}",
    "stats.by_marketplace": "*By marketplace*: {markets}",
    "stats.text": "Cancel result counts: {total} in total",
    "help.title": "*How to use `/cancels`*",
    "help.query": (
        "`/cancels [FILTER…]` looks up cancel results: by default after shipping and "
        "unconfirmed, newest cancel first, with Confirm selected, Confirm all and "
        "Previous/Next buttons."
    ),
    "help.confirm": "`{names} ID…` confirms cancel results (at most {max} at a time).",
    "help.unconfirm": "`{names} ID…` takes a confirmation back (it stays in the record).",
    "help.withdrawals": "`{names} [FILTER…]` cancel withdrawals to release and ship, to confirm.",
    "help.stats": "`{names} [FILTER…]` counts by category × marketplace.",
    "help.export": "`{names} [FILTER…]` sends the matching results to your DM as a CSV file.",
    "help.help": "`{names}` this help.",
    "help.filters": "*Filter words* (English or Korean)",
    "help.example": (
        "E.g. `/cancels 쿠팡 부분취소 from:2024-05-01` · `/cancels market:naver confirmed:all`"
    ),
    "help.text": "How to use /cancels",
    # Issue 18
    "button.claim": "🙋 I'm on it",
    "button.takeover": "🙋 Take over",
    "button.note": "📝 Note",
    "button.open_oms": "Open in OMS",
    "button.filter": "Filter",
    "more.snooze_60": "💤 Snooze 1 hour",
    "more.snooze_240": "💤 Snooze 4 hours",
    "more.snooze_tomorrow": "💤 Until tomorrow 09:00",
    "more.details": "C/S details",
    "more.note": "📝 Add a note",
    "case.taken": "🙋 {who} is on it · since {since}",
    "case.snoozed": "💤 Snoozed by {who} until {until}",
    "case.held_by_other": "{who} is handling it since {since}.",
    "case.took_over": "🙋 You took over #{id}; {previous} was told in the thread.",
    "case.took": "🙋 #{id} is yours.",
    "case.already_yours": "You are already on it. Nothing changed.",
    "case.not_allowed": "You are not allowed to do this here. Nothing changed. Ask an admin.",
    "case.snooze_confirmed": "This is already confirmed: nothing to snooze. Nothing changed.",
    "case.snoozed_you": "💤 Snoozed #{id} until {until}; you will be mentioned in its thread then.",
    "note.title": "Note",
    "note.submit": "Save",
    "note.close": "Cancel",
    "note.label": "Note for the C/S history",
    "note.placeholder": "E.g. called the customer, pickup requested",
    "note.about": "*#{id}* · {category} · {number}",
    "note.hint": (
        "The note goes to the order's C/S history and the alert's thread. Replies typed in "
        "the thread are not read by cancelbot: write what should be kept here."
    ),
    "note.empty": "Write something first.",
    "note.saving": "⏳ Saving the note…",
    "note.saved": "✅ The note is in the C/S history and the alert's thread.",
    "note.too_long": "A note holds at most {max} characters.",
    "note.gone": "This cancel result was not found. The note was not saved.",
    "thread.note": "📝 Note by {who} at {at}\n{text}",
    "thread.taken_over": "🙋 {who} took this over from {previous} at {at}",
    "thread.unsnoozed": "⏰ {who}, this is back from your snooze ({at})",
    "thread.escalated": (
        "🚨 {group}: nobody has confirmed this for more than {minutes} minutes. Please take it."
    ),
    "thread.escalated_withdrawal": (
        "🚨 {group}: goods on hold have waited more than {minutes} minutes to ship. Please "
        "release the hold and ship them."
    ),
    "thread.changed": "🔄 Changed at {at}\n{changes}",
    "change.claim_state": "Claim state: {old} → {new}",
    "change.cancel_qty": "Cancelled: {old} → {new}",
    "change.ordered_qty": "Ordered: {old} → {new}",
    "change.shipped": "⚠️ *The held order shipped anyway* ({old} → {new})",
    "change.unshipped": "The order moved back before shipping ({old} → {new}); it is held again.",
    "change.category": "Category: {old} → {new}",
    "change.matched": "The order turned up in the order book: management no. {new}",
    "change.confirmation_cleared": (
        "The confirmation by {old} was cleared: it needs a person again."
    ),
    "case_action.TAKE": "🙋 took it",
    "case_action.RELEASE": "let it go",
    "case_action.TAKE_OVER": "🙋 took it over",
    "case_action.SNOOZE": "💤 snoozed",
    "case_action.WAKE": "⏰ back from snooze",
    "details.case_log": "*Case log*",
    "details.case_line": "`{at}` #{id} {action} ({actor})",
    "filter.title": "Filter",
    "filter.submit": "Search",
    "filter.close": "Cancel",
    "filter.market": "Marketplace",
    "filter.phase": "Phase",
    "filter.type": "Type",
    "filter.confirmed": "Confirmed",
    "filter.status": "Order status",
    "filter.flags": "Only",
    "filter.from": "Cancelled from",
    "filter.to": "Cancelled to",
    "filter.order": "Management no. or marketplace order no.",
    "filter.any": "Any",
    "filter.confirmed_no": "Unconfirmed",
    "filter.confirmed_yes": "Confirmed",
    "filter.partial": "Partial cancels",
    "filter.unmatched": "Unmatched",
    "filter.date_order": "The from date is after the to date.",
    "filter.order_one": "One order number, without spaces.",
    "filter.typed": "⌨️ As a command: {command}",
    "home.mine": "My cases",
    "home.mine_empty": "Nothing is yours. Press *🙋 I'm on it* on an alert to take one.",
    "home.mine_taken": "*Yours, unconfirmed: {count}*",
    "home.mine_snoozed": "*Your snoozes: {count}*",
    "home.snoozed_until": "💤 until {until}",
    "home.open": "*Open a list*",
    "home.open_count": "{label}: {count}",
    "home.open_withdrawals": "Withdrawals",
    "home.open_partial": "Partial",
    "home.open_unmatched": "Unmatched",
    "home_list.title": "Cancel results",
    "home_list.withdrawals_title": "Withdrawals",
    "home_list.close": "Close",
    "home_list.withdrawal_option": "#{id} · {management_no} · {qty} unit(s)",
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
