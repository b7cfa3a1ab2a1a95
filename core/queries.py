"""The filter people query results by, its one parser (CLI and /cancels), and paging."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

from core.claims import MARKETPLACE_KOREAN, ClaimState, ClaimType, Marketplace
from core.errors import InvalidFilter
from core.orders import OrderStatus, Phase
from core.storable import ID_MAX, TIME_MAX, TIME_MIN, id_problem

T = TypeVar("T")

USAGE = (
    "market:coupang,naver · phase:after|before|all · status:received|invoiced|shipped · "
    "type:cancel|return · confirmed:no|yes|all · state:requested|completed|withdrawn · "
    "partial · unmatched · snoozed:yes|no|all · from:YYYY-MM-DD · to:YYYY-MM-DD · "
    "order:<관리번호 or 주문번호> · "
    "배송후 배송전 접수 송장 배송 취소 반품 미확인 확인 전체 부분취소 미매칭 미룸 "
    "쿠팡 네이버 11번가 지마켓 옥션"
)


@dataclass(frozen=True)
class CancelFilter:
    """Which cancel results to show. The default is SPEC rule 9: after shipping, unconfirmed
    (and not snoozed: a snoozed result leaves the lists until its time, issue 18)."""

    marketplaces: frozenset[str] = frozenset()
    phase: Phase | None = Phase.AFTER_SHIPPING
    statuses: frozenset[OrderStatus] = frozenset()
    types: frozenset[ClaimType] = frozenset()
    confirmed: bool | None = False
    states: frozenset[ClaimState] = frozenset()
    partial: bool = False
    unmatched: bool = False
    date_from: date | None = None
    date_to: date | None = None
    order: str | None = None
    # False: not snoozed now (the default), True: only snoozed ones, None: either.
    snoozed: bool | None = False

    def claimed_range(self, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC for the local-date bounds (the `to` day is included)."""
        start = end = None
        if self.date_from is not None:
            start = datetime.combine(self.date_from, time(), tz).astimezone(UTC)
        if self.date_to is not None:
            next_day = self.date_to + timedelta(days=1)
            end = datetime.combine(next_day, time(), tz).astimezone(UTC)
        return start, end

    def words(self) -> list[str]:
        """The filter in canonical words, so people see how their input was understood."""
        out: list[str] = []
        if self.marketplaces:
            out.append("market:" + ",".join(sorted(self.marketplaces)))
        out.append(
            "phase:" + {None: "all", Phase.AFTER_SHIPPING: "after"}.get(self.phase, "before")
        )
        if self.statuses:
            out.append("status:" + ",".join(sorted(s.value.lower() for s in self.statuses)))
        if self.types:
            out.append("type:" + ",".join(sorted(t.value.lower() for t in self.types)))
        out.append("confirmed:" + {None: "all", True: "yes", False: "no"}[self.confirmed])
        if self.snoozed is not False:  # the default goes unsaid, as it always did
            out.append("snoozed:" + ("yes" if self.snoozed else "all"))
        if self.states:
            out.append("state:" + ",".join(sorted(s.value.lower() for s in self.states)))
        if self.partial:
            out.append("partial")
        if self.unmatched:
            out.append("unmatched")
        if self.date_from:
            out.append(f"from:{self.date_from.isoformat()}")
        if self.date_to:
            out.append(f"to:{self.date_to.isoformat()}")
        if self.order:
            out.append(f"order:{self.order}")
        return out

    def __str__(self) -> str:
        return " ".join(self.words())

    def order_variants(self) -> list[str]:
        """`order:` as typed, in capitals and in small letters: m1002 finds M1002, and the
        lookup stays an indexed equality."""
        if not self.order:
            return []
        return list(dict.fromkeys([self.order, self.order.upper(), self.order.lower()]))


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int = 0
    limit: int = 0
    # The highest result id when counted: "confirm all N" confirms only what was counted.
    snapshot_id: int = 0


_PHASES = {"after": Phase.AFTER_SHIPPING, "before": Phase.BEFORE_SHIPPING, "all": None}
_PHASES_KO = {"배송후": Phase.AFTER_SHIPPING, "배송전": Phase.BEFORE_SHIPPING}
_STATUSES = {s.value.lower(): s for s in OrderStatus} | {
    "접수": OrderStatus.RECEIVED,
    "송장": OrderStatus.INVOICED,
    "배송": OrderStatus.SHIPPED,
}
_TYPES = {t.value.lower(): t for t in ClaimType} | {
    "취소": ClaimType.CANCEL,
    "반품": ClaimType.RETURN,
}
_STATES = {s.value.lower(): s for s in ClaimState} | {
    "요청": ClaimState.REQUESTED,
    "완료": ClaimState.COMPLETED,
    "철회": ClaimState.WITHDRAWN,
}
_CONFIRMED = {"no": False, "yes": True, "all": None, "미확인": False, "확인": True, "전체": None}
_SNOOZED = {"no": False, "yes": True, "all": None}
SNOOZED_WORDS = ("snoozed", "미룸")  # = snoozed:yes
_MARKETS = {m.value: m.value for m in Marketplace} | {
    k: v.value for k, v in MARKETPLACE_KOREAN.items()
}


def _bad(word: str, why: str, reason: str, name: str = "") -> InvalidFilter:
    return InvalidFilter(f'{why}: "{word}". Valid filter words: {USAGE}', word, reason, name)


def _one_of(word: str, key: str, value: str, table: dict[str, T]) -> T:
    found = table.get(value.lower(), table.get(value))
    if found is None and value.lower() not in table:
        valid = "|".join(k for k in table if k.isascii())
        raise _bad(word, f"unknown {key} {value!r} (use {key}:{valid})", "unknown_value", key)
    return found  # type: ignore[return-value]


def _many(word: str, key: str, value: str, table: dict[str, T]) -> frozenset[T]:
    parts = [p for p in value.split(",") if p]
    if not parts:
        raise _bad(word, f"{key}: needs a value", "needs_value", key)
    return frozenset(_one_of(word, key, p, table) for p in parts)


def _date(word: str, value: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise _bad(word, "bad date (use YYYY-MM-DD)", "bad_date")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _bad(word, "bad date (use YYYY-MM-DD)", "bad_date") from None
    # Results are dated within what cancelbot stores; 0001-01-01 cannot even become UTC.
    if not TIME_MIN.date() <= day < TIME_MAX.date():
        first, last = TIME_MIN.date(), TIME_MAX.date() - timedelta(days=1)
        raise _bad(word, f"date out of range (use {first} to {last})", "date_range")
    return day


def parse_filter(words: str | Sequence[str], base: CancelFilter | None = None) -> CancelFilter:
    """Parse filter words (English `key:value` or Korean words) into a CancelFilter.

    Raises InvalidFilter quoting the bad word and listing the valid forms. Never anything
    else: /cancels feeds it whatever a person typed. Whatever it returns can be asked of the
    database (dates it can convert, an order number a column can hold).
    """
    tokens: Iterable[str] = words.split() if isinstance(words, str) else words
    f = base or CancelFilter()
    phase_named = False
    for word in tokens:
        f = _apply_word(f, word)
        phase_named = phase_named or word in _PHASES_KO or word.lower().startswith("phase:")
    if f.statuses and not phase_named:
        # An order status already says the phase; the after-shipping default would hide
        # everything that `status:received` asks for.
        f = replace(f, phase=None)
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InvalidFilter(
            f"from:{f.date_from} is after to:{f.date_to}; the from date must not be after "
            f"the to date. Valid filter words: {USAGE}",
            f"from:{f.date_from} to:{f.date_to}",
            "date_order",
        )
    return f


def _apply_word(f: CancelFilter, word: str) -> CancelFilter:
    lower = word.lower()
    if lower in ("partial", "부분취소"):
        return replace(f, partial=True)
    if lower in ("unmatched", "미매칭"):
        return replace(f, unmatched=True)
    if lower in ("all", "전체"):
        return replace(f, phase=None, confirmed=None, snoozed=None)
    if lower in SNOOZED_WORDS:
        return replace(f, snoozed=True)
    if word in _PHASES_KO:
        return replace(f, phase=_PHASES_KO[word])
    if word in ("접수", "송장", "배송"):
        return replace(f, statuses=f.statuses | {_STATUSES[word]})
    if word in ("취소", "반품"):
        return replace(f, types=f.types | {_TYPES[word]})
    if word in ("미확인", "확인"):
        return replace(f, confirmed=_CONFIRMED[word])
    if word in MARKETPLACE_KOREAN:
        return replace(f, marketplaces=f.marketplaces | {MARKETPLACE_KOREAN[word].value})
    key, sep, value = word.partition(":")
    if not sep:
        raise _bad(word, "unknown filter word", "unknown_filter_word")
    key = key.lower()
    if key == "market":
        return replace(f, marketplaces=f.marketplaces | _many(word, key, value, _MARKETS))
    if key == "phase":
        table: dict[str, Phase | None] = {**_PHASES, **_PHASES_KO}
        return replace(f, phase=_one_of(word, key, value, table))
    if key == "status":
        return replace(f, statuses=f.statuses | _many(word, key, value, _STATUSES))
    if key == "type":
        return replace(f, types=f.types | _many(word, key, value, _TYPES))
    if key == "confirmed":
        return replace(f, confirmed=_one_of(word, key, value, _CONFIRMED))
    if key == "state":
        return replace(f, states=f.states | _many(word, key, value, _STATES))
    if key == "snoozed":
        return replace(f, snoozed=_one_of(word, key, value, _SNOOZED))
    if key == "from":
        return replace(f, date_from=_date(word, value))
    if key == "to":
        return replace(f, date_to=_date(word, value))
    if key == "order":
        if not value.strip():
            raise _bad(
                word,
                "order: needs a management number or marketplace order number",
                "needs_value",
                "order",
            )
        if id_problem(value.strip(), ID_MAX):  # no order number is longer, or holds a NUL
            raise _bad(
                word, f"order: not a number of at most {ID_MAX} characters", "bad_value", key
            )
        return replace(f, order=value.strip())
    raise _bad(word, "unknown filter word", "unknown_filter_word")


# --- the short form: the parser's inverse ---------------------------------------------

# The Korean word people type for each marketplace (the first of its names).
_MARKET_WORD = {m.value: word for word, m in reversed(list(MARKETPLACE_KOREAN.items()))}
_TYPE_WORD = {ClaimType.CANCEL: "취소", ClaimType.RETURN: "반품"}


def typed_words(flt: CancelFilter, *, korean: bool) -> list[str]:
    """`flt` as the words one would type (issue 18: the filter modal shows them, so people
    learn the short form): the Korean words where there are some, else the English
    `key:value` ones, defaults left out. parse_filter of them gives `flt` back, and so does
    /cancels (a leading 확인 before filter words is the filter word, not the verb)."""

    def word(ko: str, en: str) -> str:
        return ko if korean else en

    def joined(key: str, values: Sequence[str]) -> list[str]:
        return [f"{key}:{','.join(values)}"] if values else []

    words: list[str] = []
    markets = sorted(flt.marketplaces)
    if korean:
        words += [_MARKET_WORD[m] for m in markets if m in _MARKET_WORD]
        words += joined("market", [m for m in markets if m not in _MARKET_WORD])
    else:
        words += joined("market", markets)
    if flt.phase is None and flt.confirmed is None and flt.snoozed is None:
        words.append(word("전체", "all"))
    else:
        words += _phase_words(flt, korean)
        if flt.confirmed is not False:
            words.append(word("확인", "confirmed:yes") if flt.confirmed else "confirmed:all")
        if flt.snoozed is not False:
            words.append(word("미룸", "snoozed") if flt.snoozed else "snoozed:all")
    statuses = sorted(flt.statuses, key=lambda s: s.rank)
    if korean:
        words += [s.korean for s in statuses]
        words += [_TYPE_WORD[k] for k in sorted(flt.types)]
    else:
        words += joined("status", [s.value.lower() for s in statuses])
        words += joined("type", [k.value.lower() for k in sorted(flt.types)])
    words += joined("state", sorted(s.value.lower() for s in flt.states))
    if flt.partial:
        words.append(word("부분취소", "partial"))
    if flt.unmatched:
        words.append(word("미매칭", "unmatched"))
    if flt.date_from:
        words.append(f"from:{flt.date_from.isoformat()}")
    if flt.date_to:
        words.append(f"to:{flt.date_to.isoformat()}")
    if flt.order:
        words.append(f"order:{flt.order}")
    return words


def _phase_words(flt: CancelFilter, korean: bool) -> list[str]:
    before = "배송전" if korean else "phase:before"
    if flt.statuses:
        # An order status says the phase, unless one is named (see parse_filter).
        if flt.phase is None:
            return []
        return (
            [("배송후" if korean else "phase:after")]
            if flt.phase is Phase.AFTER_SHIPPING
            else [before]
        )
    if flt.phase is Phase.AFTER_SHIPPING:
        return []
    return [before] if flt.phase is Phase.BEFORE_SHIPPING else ["phase:all"]
