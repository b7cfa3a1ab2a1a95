"""Every action_id, callback_id and block_id the bot sends to Slack.

Listeners match on these exact strings, so they live in one place and nothing at a call site
is a bare string. Changing a value breaks the buttons of messages already posted: don't.
"""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """`action_id` of interactive elements; the listener is chosen by this."""

    # Alert message of one cancel result. value = str(CancelResult.id)
    CANCEL_CONFIRM = "cancel_confirm"
    CANCEL_DETAILS = "cancel_details"
    CANCEL_UNCONFIRM = "cancel_unconfirm"
    # Accept a buyer's cancel request at the marketplace; opens CANCEL_ACCEPT_MODAL.
    # value = str(CancelResult.id)
    CANCEL_ACCEPT = "cancel_accept"
    # Alert message of one cancel withdrawal. value = str(Withdrawal.id)
    WITHDRAWAL_CONFIRM = "withdrawal_confirm"
    WITHDRAWAL_UNCONFIRM = "withdrawal_unconfirm"
    # /cancels results page
    CANCELS_SELECT = "cancels_select"  # checkboxes, one option per result on the page
    CANCELS_CONFIRM_SELECTED = "cancels_confirm_selected"
    CANCELS_CONFIRM_ALL = "cancels_confirm_all"  # opens CallbackId.CANCELS_CONFIRM_ALL_MODAL
    CANCELS_PAGE_PREV = "cancels_page_prev"
    CANCELS_PAGE_NEXT = "cancels_page_next"
    # /cancels withdrawals rows (their own ids: the alert's listener never sees them).
    # value = str(Withdrawal.id)
    CANCELS_WITHDRAWAL_CONFIRM = "cancels_withdrawal_confirm"
    CANCELS_WITHDRAWAL_UNCONFIRM = "cancels_withdrawal_unconfirm"
    # Issue 18, on every alert (a withdrawal's alert acts on the case of its result).
    # value = str(CancelResult.id)
    CANCEL_CLAIM = "cancel_claim"  # 🙋 take the case, or let it go
    CANCEL_TAKEOVER = "cancel_takeover"  # in the ephemeral "X is handling it since …"
    CANCEL_NOTE = "cancel_note"  # opens CallbackId.CANCEL_NOTE_MODAL
    # Overflow menu; option values `snooze:<id>:<minutes>`, `snooze:<id>:tomorrow`,
    # `details:<id>`, `note:<id>`.
    CANCEL_MORE = "cancel_more"
    CANCEL_OPEN_OMS = "cancel_open_oms"  # a link button (to oms_order_url): only acked
    NOTE_TEXT = "note_text"  # the note modal's multiline input
    # /cancels results page: opens CallbackId.CANCELS_FILTER_MODAL. value = the page state
    CANCELS_FILTER_OPEN = "cancels_filter_open"
    # The filter modal's inputs (each in the BlockId of the same name)
    FILTER_MARKET = "filter_market"
    FILTER_PHASE = "filter_phase"
    FILTER_TYPE = "filter_type"
    FILTER_CONFIRMED = "filter_confirmed"
    FILTER_STATUS = "filter_status"
    FILTER_FLAGS = "filter_flags"
    FILTER_FROM = "filter_from"
    FILTER_TO = "filter_to"
    FILTER_ORDER = "filter_order"
    # App Home: a count opens its list in a modal (value = a page state), which pages
    # and confirms the ticked ones in place. Several in one block: the buttons' action_ids
    # are `home_open_list:<n>` (unique within the block, as Slack requires).
    HOME_OPEN_LIST = "home_open_list"
    HOME_LIST_SELECT = "home_list_select"
    HOME_LIST_CONFIRM_SELECTED = "home_list_confirm_selected"
    HOME_LIST_PAGE_PREV = "home_list_page_prev"
    HOME_LIST_PAGE_NEXT = "home_list_page_next"


class CallbackId(StrEnum):
    """`callback_id` of modals; view_submission / view_closed listeners match on it."""

    CANCELS_CONFIRM_ALL_MODAL = "cancels_confirm_all_modal"
    CANCEL_ACCEPT_MODAL = "cancel_accept_modal"  # private_metadata = str(CancelResult.id)
    CS_DETAILS_MODAL = "cs_details_modal"
    CANCEL_NOTE_MODAL = "cancel_note_modal"  # private_metadata = str(CancelResult.id)
    CANCELS_FILTER_MODAL = "cancels_filter_modal"
    HOME_LIST_MODAL = "home_list_modal"


class BlockId(StrEnum):
    """`block_id` of blocks that occur once per surface, so listeners can find them.

    Blocks repeated within one surface (one per result or account) carry no block_id:
    Slack requires block_ids to be unique within a message or view.
    """

    ALERT_HEADER = "alert_header"
    ALERT_FIELDS = "alert_fields"
    ALERT_PRODUCT = "alert_product"
    ALERT_GUIDANCE = "alert_guidance"
    ALERT_CONFIRMED = "alert_confirmed"
    ALERT_ACTIONS = "alert_actions"
    ALERT_MARKETPLACE_ACTION = "alert_marketplace_action"  # how an accept at the marketplace went
    WITHDRAWAL_HEADER = "withdrawal_header"
    WITHDRAWAL_BODY = "withdrawal_body"
    WITHDRAWAL_FIELDS = "withdrawal_fields"
    WITHDRAWAL_PRODUCT = "withdrawal_product"
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed"
    WITHDRAWAL_ACTIONS = "withdrawal_actions"
    DETAILS_ORDER = "details_order"
    DETAILS_LINKS = "details_links"
    HOME_TOTALS = "home_totals"
    HOME_ACCOUNTS = "home_accounts"
    DIGEST_SUMMARY = "digest_summary"
    SUMMARY_COUNTS = "summary_counts"
    CANCELS_SELECTION = "cancels_selection"  # holds the CANCELS_SELECT checkboxes
    CANCELS_PAGING = "cancels_paging"
    CANCELS_SUMMARY = "cancels_summary"  # what was asked and how many match
    CANCELS_FILTER = "cancels_filter"  # the filter as understood, in canonical words
    CANCELS_NOTICE = "cancels_notice"  # what the last click did
    CANCELS_ACTIONS = "cancels_actions"  # Confirm selected / Confirm all N
    CANCELS_PAGE_INFO = "cancels_page_info"
    CANCELS_CONFIRM_ALL_TEXT = "cancels_confirm_all_text"
    ACCEPT_ORDER = "accept_order"  # the accept modal: which order, its shipping state
    ACCEPT_SCOPE = "accept_scope"  # what the marketplace acts on (receipt, order number…)
    ACCEPT_OUTCOME = "accept_outcome"  # the accept modal once the marketplace answered
    # Prefix of each /cancels withdrawals row's actions block: `cancels_withdrawal:<id>:<page>`,
    # so a Confirm click there can re-render the list it came from.
    CANCELS_WITHDRAWAL = "cancels_withdrawal"
    # Issue 18
    ALERT_CASE = "alert_case"  # who took the case since when, a snooze
    WITHDRAWAL_CASE = "withdrawal_case"
    TAKEOVER = "takeover"  # the ephemeral "X is handling it" with its Take over button
    NOTE = "note"  # the note modal's input (contract: block_id `note`)
    NOTE_ABOUT = "note_about"
    FILTER_MARKET = "filter_market"
    FILTER_PHASE = "filter_phase"
    FILTER_TYPE = "filter_type"
    FILTER_CONFIRMED = "filter_confirmed"
    FILTER_STATUS = "filter_status"
    FILTER_FLAGS = "filter_flags"
    FILTER_FROM = "filter_from"
    FILTER_TO = "filter_to"
    FILTER_ORDER = "filter_order"
    CANCELS_TYPED = "cancels_typed"  # the filter as one would type it
    HOME_MINE = "home_mine"
    HOME_OPEN = "home_open"  # the count buttons
    HOME_LIST_SUMMARY = "home_list_summary"
    HOME_LIST_SELECTION = "home_list_selection"
    HOME_LIST_ACTIONS = "home_list_actions"
    HOME_LIST_NOTICE = "home_list_notice"


class SlashCommand(StrEnum):
    """Slash commands, as the manifest declares them."""

    CANCELS = "/cancels"
