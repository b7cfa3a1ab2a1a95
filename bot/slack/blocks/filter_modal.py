"""Filter without typing (issue 18): the /cancels results page's "Filter" button opens this
modal, prefilled with the page's filter; its submission becomes a CancelFilter, and the
page it re-renders shows the same filter as one would type it (`typed_command`), so people
learn the short form.

The modal edits what it shows; filter words it does not show (claim states, snoozed) are
kept from the page's filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from bot.i18n import Locale, normalize_locale, t
from bot.slack.blocks.common import Block, clip, escape, marketplace_label, plain
from bot.slack.ids import ActionId, BlockId, CallbackId
from core.claims import ClaimType, Marketplace
from core.errors import InvalidInput
from core.orders import OrderStatus, Phase
from core.queries import CancelFilter, typed_words

ORDER_MAX: Final = 64  # management numbers and marketplace order numbers are short
TYPED_MAX: Final = 500

_PHASES: Final = {"after": Phase.AFTER_SHIPPING, "before": Phase.BEFORE_SHIPPING, "all": None}
_TYPES: Final = {
    "any": frozenset[ClaimType](),
    "cancel": frozenset({ClaimType.CANCEL}),
    "return": frozenset({ClaimType.RETURN}),
}
_CONFIRMED: Final = {"no": False, "yes": True, "all": None}
_FLAGS: Final = ("partial", "unmatched")


class FilterProblem(InvalidInput):
    """A submitted value the modal cannot take; `block_id` is where to say so."""

    def __init__(self, block_id: str, key: str) -> None:
        super().__init__(f"{block_id}: {key}")
        self.block_id = block_id
        self.key = key


def _option(text: str, value: str) -> Block:
    return {"text": plain(clip(text, 75)), "value": value}


def _select(
    block_id: BlockId, action_id: ActionId, label: str, options: Sequence[Block], chosen: str
) -> Block:
    element: Block = {"type": "static_select", "action_id": str(action_id), "options": options}
    initial = next((o for o in options if o["value"] == chosen), None)
    if initial is not None:
        element["initial_option"] = initial
    return _input(block_id, label, element)


def _input(block_id: BlockId, label: str, element: Block) -> Block:
    return {
        "type": "input",
        "block_id": str(block_id),
        "optional": True,
        "label": plain(label),
        "element": element,
    }


def _multi(
    block_id: BlockId,
    action_id: ActionId,
    label: str,
    options: Sequence[Block],
    chosen: set[str],
    kind: str = "multi_static_select",
) -> Block:
    element: Block = {"type": kind, "action_id": str(action_id), "options": list(options)}
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return _input(block_id, label, element)


def _date(block_id: BlockId, action_id: ActionId, label: str, value: date | None) -> Block:
    element: Block = {"type": "datepicker", "action_id": str(action_id)}
    if value is not None:
        element["initial_date"] = value.isoformat()
    return _input(block_id, label, element)


def build_filter_modal(flt: CancelFilter, metadata: str, *, locale: str) -> dict[str, Any]:
    """The modal, prefilled with `flt`; `metadata` (private_metadata) says where to answer."""
    phase = {Phase.AFTER_SHIPPING: "after", Phase.BEFORE_SHIPPING: "before", None: "all"}
    kind = next((k for k, v in _TYPES.items() if v == flt.types), "any")
    confirmed = {False: "no", True: "yes", None: "all"}[flt.confirmed]
    order: Block = {
        "type": "plain_text_input",
        "action_id": str(ActionId.FILTER_ORDER),
        "max_length": ORDER_MAX,
    }
    if flt.order:
        order["initial_value"] = clip(flt.order, ORDER_MAX)
    blocks = [
        _multi(
            BlockId.FILTER_MARKET,
            ActionId.FILTER_MARKET,
            t(locale, "filter.market"),
            [_option(marketplace_label(locale, m.value), m.value) for m in Marketplace],
            set(flt.marketplaces),
        ),
        _select(
            BlockId.FILTER_PHASE,
            ActionId.FILTER_PHASE,
            t(locale, "filter.phase"),
            [
                _option(t(locale, "phase.AFTER_SHIPPING"), "after"),
                _option(t(locale, "phase.BEFORE_SHIPPING"), "before"),
                _option(t(locale, "filter.any"), "all"),
            ],
            phase[flt.phase],
        ),
        _select(
            BlockId.FILTER_TYPE,
            ActionId.FILTER_TYPE,
            t(locale, "filter.type"),
            [
                _option(t(locale, "filter.any"), "any"),
                _option(t(locale, "claim_type.CANCEL"), "cancel"),
                _option(t(locale, "claim_type.RETURN"), "return"),
            ],
            kind,
        ),
        _select(
            BlockId.FILTER_CONFIRMED,
            ActionId.FILTER_CONFIRMED,
            t(locale, "filter.confirmed"),
            [
                _option(t(locale, "filter.confirmed_no"), "no"),
                _option(t(locale, "filter.confirmed_yes"), "yes"),
                _option(t(locale, "filter.any"), "all"),
            ],
            confirmed,
        ),
        _multi(
            BlockId.FILTER_STATUS,
            ActionId.FILTER_STATUS,
            t(locale, "filter.status"),
            [_option(t(locale, f"order_status.{s.value}"), s.value.lower()) for s in OrderStatus],
            {s.value.lower() for s in flt.statuses},
        ),
        _multi(
            BlockId.FILTER_FLAGS,
            ActionId.FILTER_FLAGS,
            t(locale, "filter.flags"),
            [_option(t(locale, f"filter.{flag}"), flag) for flag in _FLAGS],
            {flag for flag in _FLAGS if getattr(flt, flag)},
            kind="checkboxes",
        ),
        _date(BlockId.FILTER_FROM, ActionId.FILTER_FROM, t(locale, "filter.from"), flt.date_from),
        _date(BlockId.FILTER_TO, ActionId.FILTER_TO, t(locale, "filter.to"), flt.date_to),
        _input(BlockId.FILTER_ORDER, t(locale, "filter.order"), order),
    ]
    return {
        "type": "modal",
        "callback_id": str(CallbackId.CANCELS_FILTER_MODAL),
        "private_metadata": metadata,
        "title": plain(t(locale, "filter.title")),
        "submit": plain(t(locale, "filter.submit")),
        "close": plain(t(locale, "filter.close")),
        "blocks": blocks,
    }


@dataclass(frozen=True)
class _State:
    values: Mapping[str, Any]

    def element(self, block_id: BlockId, action_id: ActionId) -> Mapping[str, Any]:
        found = (self.values.get(block_id.value) or {}).get(action_id.value) or {}
        return found if isinstance(found, Mapping) else {}

    def choice(self, block_id: BlockId, action_id: ActionId) -> str | None:
        option = self.element(block_id, action_id).get("selected_option") or {}
        value = option.get("value") if isinstance(option, Mapping) else None
        return str(value) if value is not None else None

    def choices(self, block_id: BlockId, action_id: ActionId) -> list[str]:
        options = self.element(block_id, action_id).get("selected_options") or []
        if not isinstance(options, list):
            raise FilterProblem(block_id.value, "error.invalid")
        return [str((o or {}).get("value")) for o in options if isinstance(o, Mapping)]

    def text(self, block_id: BlockId, action_id: ActionId, key: str) -> str | None:
        value = self.element(block_id, action_id).get(key)
        return value if isinstance(value, str) and value.strip() else None


def _one(table: Mapping[str, Any], value: str | None, default: str, block_id: BlockId) -> Any:
    key = value if value is not None else default
    if key not in table:
        raise FilterProblem(block_id.value, "error.invalid")
    return table[key]


def _day(state: _State, block_id: BlockId, action_id: ActionId) -> date | None:
    value = state.text(block_id, action_id, "selected_date")
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FilterProblem(block_id.value, "error.invalid") from None


def filter_from_view(view: Mapping[str, Any], base: CancelFilter) -> CancelFilter:
    """The submitted modal as a filter (what it does not show is kept from `base`).
    Raises FilterProblem naming the input block and the catalogue text to show there."""
    state = _State(((view.get("state") or {}).get("values")) or {})
    markets = state.choices(BlockId.FILTER_MARKET, ActionId.FILTER_MARKET)
    known = {m.value for m in Marketplace}
    statuses = state.choices(BlockId.FILTER_STATUS, ActionId.FILTER_STATUS)
    by_word = {s.value.lower(): s for s in OrderStatus}
    flags = set(state.choices(BlockId.FILTER_FLAGS, ActionId.FILTER_FLAGS))
    if not set(markets) <= known:
        raise FilterProblem(BlockId.FILTER_MARKET.value, "error.invalid")
    if not set(statuses) <= set(by_word):
        raise FilterProblem(BlockId.FILTER_STATUS.value, "error.invalid")
    if not flags <= set(_FLAGS):
        raise FilterProblem(BlockId.FILTER_FLAGS.value, "error.invalid")
    date_from = _day(state, BlockId.FILTER_FROM, ActionId.FILTER_FROM)
    date_to = _day(state, BlockId.FILTER_TO, ActionId.FILTER_TO)
    if date_from and date_to and date_from > date_to:
        raise FilterProblem(BlockId.FILTER_TO.value, "filter.date_order")
    order = state.text(BlockId.FILTER_ORDER, ActionId.FILTER_ORDER, "value")
    if order is not None:
        order = order.strip()
        if len(order) > ORDER_MAX or len(order.split()) != 1:
            raise FilterProblem(BlockId.FILTER_ORDER.value, "filter.order_one")
    phase_word = state.choice(BlockId.FILTER_PHASE, ActionId.FILTER_PHASE)
    return replace(
        base,
        marketplaces=frozenset(markets),
        phase=_one(_PHASES, phase_word, "after", BlockId.FILTER_PHASE),
        types=_one(
            _TYPES,
            state.choice(BlockId.FILTER_TYPE, ActionId.FILTER_TYPE),
            "any",
            BlockId.FILTER_TYPE,
        ),
        confirmed=_one(
            _CONFIRMED,
            state.choice(BlockId.FILTER_CONFIRMED, ActionId.FILTER_CONFIRMED),
            "no",
            BlockId.FILTER_CONFIRMED,
        ),
        statuses=frozenset(by_word[s] for s in statuses),
        partial="partial" in flags,
        unmatched="unmatched" in flags,
        date_from=date_from,
        date_to=date_to,
        order=order or None,
    )


# --- the short form -----------------------------------------------------------


def typed_command(flt: CancelFilter, locale: str) -> str:
    """`/cancels …` as one would type `flt` (core.queries.typed_words: Korean words in
    Korean), as mrkdwn code: escaped, never able to close the code span."""
    korean = normalize_locale(locale) is Locale.KO
    text = clip(" ".join(["/cancels", *typed_words(flt, korean=korean)]), TYPED_MAX)
    return "`" + escape(text).replace("`", "'") + "`"
