"""The App Home tab: the viewer's own cases first (issue 18), then what needs the team's
attention — each count a button that opens its list — and whether every account syncs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.i18n import format_datetime, t
from bot.slack.blocks.cancels_common import ListKind, PageState, words_of
from bot.slack.blocks.common import (
    SEPARATOR,
    Block,
    actions,
    button,
    category_label,
    context,
    divider,
    header,
    marketplace_label,
    mrkdwn,
    safe,
    section,
    stored_id,
    when,
)
from bot.slack.blocks.common import field as text_field
from bot.slack.blocks.limits import ACTIONS_ELEMENTS_MAX, MAX_BLOCKS, SECTION_FIELDS_MAX
from bot.slack.blocks.results_page import result_row
from bot.slack.ids import ActionId, BlockId
from core.claims import Marketplace
from core.queries import CancelFilter, parse_filter
from core.results import CancelResult, Category

# An account whose shop has orders but reported no cancel for this long is more likely
# broken (expired key, changed API) than lucky (domain notes: 판매처별취소현황).
QUIET_AFTER: Final = timedelta(days=30)
# 10 fixed blocks + accounts + "and N more" stay within the Home tab's 100 blocks.
MAX_ACCOUNTS: Final = 80
MAX_MARKETPLACES: Final = 2 * SECTION_FIELDS_MAX
ERROR_TEXT_MAX: Final = 300
# The filter each count's button opens (App Home counts unconfirmed results of any phase).
CATEGORY_FILTERS: Final = {
    Category.SHIPPED_RETURN: "status:shipped type:return",
    Category.SHIPPED_CANCEL: "status:shipped type:cancel",
    Category.INVOICED_CANCEL: "status:invoiced",
    Category.RECEIVED_CANCEL: "status:received",
}


@dataclass(frozen=True)
class HomeCounts:
    """What needs attention, as counted by the service layer."""

    unconfirmed_by_category: Mapping[Category, int] = field(default_factory=dict)
    unconfirmed_by_marketplace: Mapping[str, int] = field(default_factory=dict)
    partial: int = 0
    unmatched: int = 0
    unconfirmed_withdrawals: int = 0

    @property
    def unconfirmed(self) -> int:
        return sum(self.unconfirmed_by_category.values())


@dataclass(frozen=True)
class AccountHealth:
    """One marketplace account's sync state."""

    name: str
    marketplace: str
    last_success_at: datetime | None
    last_error: str | None
    has_orders: bool
    last_claim_at: datetime | None
    quarantined: int = 0  # claim records set aside (`cancelbot quarantine`)


@dataclass(frozen=True)
class MyCases:
    """The viewer's own list (core.cases.Personal): unconfirmed cases they took, their
    snoozes; each capped, with how many there are."""

    taken: Sequence[CancelResult] = ()
    taken_total: int = 0
    snoozed: Sequence[CancelResult] = ()
    snoozed_total: int = 0


@dataclass(frozen=True)
class OmsLink:
    """The order-system webhook's backlog, when one is configured."""

    pending: int
    last_error: str | None


def is_quiet(account: AccountHealth, now: datetime) -> bool:
    """Whether an account with orders has reported no cancel within QUIET_AFTER."""
    if not account.has_orders:
        return False
    return account.last_claim_at is None or now - account.last_claim_at > QUIET_AFTER


def build_home(
    counts: HomeCounts,
    accounts: list[AccountHealth],
    *,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
    oms: OmsLink | None = None,
    mine: MyCases | None = None,
) -> dict[str, Any]:
    """A `views.publish` view of the counts that need attention and each account's health
    (and the order-system webhook's backlog, when `oms` is given), after the viewer's own
    cases when `mine` is given."""
    blocks: list[Block] = _mine_blocks(mine, locale, tz) if mine is not None else []
    blocks.append(header(t(locale, "home.header")))
    if counts.unconfirmed == 0 and counts.unconfirmed_withdrawals == 0:
        totals = [t(locale, "home.nothing")]
    else:
        totals = [t(locale, "home.total", count=counts.unconfirmed)]
        # The special cases only when there are some: a "0" line is noise.
        if counts.unconfirmed_withdrawals:
            totals.append(t(locale, "home.withdrawals", count=counts.unconfirmed_withdrawals))
        if counts.partial:
            totals.append(t(locale, "home.partial", count=counts.partial))
        if counts.unmatched:
            totals.append(t(locale, "home.unmatched", count=counts.unmatched))
    blocks.append(section(mrkdwn("\n".join(totals)), block_id=BlockId.HOME_TOTALS))
    blocks.append(
        section(
            mrkdwn(t(locale, "home.by_category")),
            fields=[
                text_field(
                    category_label(locale, category),
                    t(locale, "home.count", count=counts.unconfirmed_by_category.get(category, 0)),
                )
                for category in Category
            ],
        )
    )
    blocks += _marketplace_blocks(counts, locale)
    blocks += _open_blocks(counts, locale)
    blocks.append(context(t(locale, "home.hint")))

    blocks += [divider(), header(t(locale, "home.accounts"), block_id=BlockId.HOME_ACCOUNTS)]
    if not accounts:
        blocks.append(section(mrkdwn(t(locale, "home.no_accounts"))))
    # Accounts with a problem first: they are what this part of the page is for.
    ordered = sorted(accounts, key=lambda a: (not _has_problem(a, now), a.marketplace, a.name))
    # What room the rest of the page leaves (the "and N more", the OMS line, the footer).
    room = min(MAX_ACCOUNTS, MAX_BLOCKS["home"] - len(blocks) - 3)
    for account in ordered[:room]:
        blocks.append(section(mrkdwn(_account_text(account, locale, tz, now))))
    if len(accounts) > room:
        more = len(accounts) - room
        blocks.append(context(t(locale, "home.more_accounts", count=more)))
    if oms is not None:
        lines = [t(locale, "home.oms", count=oms.pending)]
        if oms.last_error:
            lines.append(t(locale, "account.error", error=safe(oms.last_error, ERROR_TEXT_MAX)))
        blocks.append(section(mrkdwn("\n".join(lines))))
    blocks.append(context(t(locale, "home.updated", at=format_datetime(now, tz))))
    return {"type": "home", "blocks": blocks}


def _marketplace_blocks(counts: HomeCounts, locale: str) -> list[Block]:
    busiest = sorted(
        ((code, n) for code, n in counts.unconfirmed_by_marketplace.items() if n > 0),
        key=lambda item: (-item[1], item[0]),
    )[:MAX_MARKETPLACES]
    if not busiest:
        return []
    fields = [
        text_field(marketplace_label(locale, code), t(locale, "home.count", count=n))
        for code, n in busiest
    ]
    blocks = []
    for start in range(0, len(fields), SECTION_FIELDS_MAX):
        title = mrkdwn(t(locale, "home.by_marketplace")) if start == 0 else None
        blocks.append(section(title, fields=fields[start : start + SECTION_FIELDS_MAX]))
    return blocks


def _mine_blocks(mine: MyCases, locale: str, tz: ZoneInfo) -> list[Block]:
    """ "My cases": what I took and have not confirmed, and what I snoozed."""
    blocks = [header(t(locale, "home.mine"), block_id=BlockId.HOME_MINE)]
    if not mine.taken_total and not mine.snoozed_total:
        return [*blocks, section(mrkdwn(t(locale, "home.mine_empty"))), divider()]
    if mine.taken_total:
        blocks.append(section(mrkdwn(t(locale, "home.mine_taken", count=mine.taken_total))))
        blocks += [_mine_row(r, locale, tz) for r in mine.taken]
        blocks += _more(mine.taken_total - len(mine.taken), locale)
    if mine.snoozed_total:
        blocks.append(section(mrkdwn(t(locale, "home.mine_snoozed", count=mine.snoozed_total))))
        blocks += [_mine_row(r, locale, tz) for r in mine.snoozed]
        blocks += _more(mine.snoozed_total - len(mine.snoozed), locale)
    return [*blocks, divider()]


def _mine_row(result: CancelResult, locale: str, tz: ZoneInfo) -> Block:
    text = result_row(result, locale=locale, tz=tz)
    if result.snoozed_until is not None:
        until = when(result.snoozed_until, locale, tz)
        text += "\n" + t(locale, "home.snoozed_until", until=until)
    details = button(
        t(locale, "button.details"), ActionId.CANCEL_DETAILS, stored_id(result.id, "result")
    )
    return section(mrkdwn(text), accessory=details)


def _more(count: int, locale: str) -> list[Block]:
    return [context(t(locale, "details.more", count=count))] if count > 0 else []


def _open_blocks(counts: HomeCounts, locale: str) -> list[Block]:
    """Each count as a button opening its list (a modal with Confirm selected)."""
    buttons: list[Block] = []

    def add(label: str, count: int, kind: ListKind, flt: CancelFilter) -> None:
        text = t(locale, "home.open_count", label=label, count=count)
        value = PageState(kind, words_of(flt)).encode()
        # action_ids are unique within a block: `home_open_list:<n>`.
        buttons.append(button(text, f"{ActionId.HOME_OPEN_LIST}:{len(buttons)}", value))

    results = ListKind.RESULTS
    for category in Category:
        if n := counts.unconfirmed_by_category.get(category, 0):
            flt = parse_filter(CATEGORY_FILTERS[category])
            add(category_label(locale, category), n, results, flt)
    known = {m.value for m in Marketplace}
    for code, n in sorted(counts.unconfirmed_by_marketplace.items(), key=lambda i: (-i[1], i[0])):
        if n > 0 and code in known:
            add(
                marketplace_label(locale, code),
                n,
                results,
                parse_filter(f"phase:all market:{code}"),
            )
    if counts.partial:
        add(
            t(locale, "home.open_partial"),
            counts.partial,
            results,
            parse_filter("phase:all partial"),
        )
    if counts.unmatched:
        flt = parse_filter("phase:all unmatched")
        add(t(locale, "home.open_unmatched"), counts.unmatched, results, flt)
    if counts.unconfirmed_withdrawals:
        label = t(locale, "home.open_withdrawals")
        flt = CancelFilter(phase=None)
        add(label, counts.unconfirmed_withdrawals, ListKind.WITHDRAWALS, flt)
    if not buttons:
        return []
    return [
        section(mrkdwn(t(locale, "home.open"))),
        actions(*buttons[:ACTIONS_ELEMENTS_MAX], block_id=BlockId.HOME_OPEN),
    ]


def _has_problem(account: AccountHealth, now: datetime) -> bool:
    return (
        bool(account.last_error)
        or account.last_success_at is None
        or account.quarantined > 0
        or is_quiet(account, now)
    )


def _account_text(account: AccountHealth, locale: str, tz: ZoneInfo, now: datetime) -> str:
    title = t(
        locale,
        "account.title",
        name=safe(account.name),
        marketplace=marketplace_label(locale, account.marketplace),
    )
    if account.last_success_at is None:
        synced = t(locale, "account.never_synced")
    else:
        synced = t(locale, "account.last_success", at=format_datetime(account.last_success_at, tz))
    if account.last_claim_at is None:
        claimed = t(locale, "account.no_claim")
    else:
        claimed = t(locale, "account.last_claim", at=format_datetime(account.last_claim_at, tz))
    lines = [title, SEPARATOR.join([synced, claimed])]
    if account.last_error:
        lines.append(t(locale, "account.error", error=safe(account.last_error, ERROR_TEXT_MAX)))
    if account.quarantined:
        lines.append(t(locale, "account.quarantined", count=account.quarantined))
    if is_quiet(account, now):
        lines.append(t(locale, "account.quiet", days=QUIET_AFTER.days))
    return "\n".join(lines)
