from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from bot.slack.blocks.cancels_common import ListKind, PageState
from bot.slack.blocks.home import (
    MAX_ACCOUNTS,
    QUIET_AFTER,
    HomeCounts,
    MyCases,
    OmsLink,
    build_home,
    is_quiet,
)
from bot.slack.ids import BlockId
from core.queries import parse_filter
from core.results import Category
from tests.support.slack_checks import (
    all_text,
    assert_escaped,
    assert_valid_view,
    buttons,
    fallback_dates,
)
from tests.support.slack_factories import (
    AGENT,
    INJECTION_NAME,
    LONG_NAME,
    NOW,
    SEOUL,
    make_account,
    make_counts,
    make_result,
)

LOCALES = ["ko", "en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_home_is_a_valid_view_with_counts(locale: str) -> None:
    view = build_home(make_counts(), [make_account()], locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    shown = all_text(view["blocks"])
    totals = next(b for b in view["blocks"] if b.get("block_id") == BlockId.HOME_TOTALS)
    assert totals["text"]["text"].split("\n") == [
        t(locale, "home.total", count=4),
        t(locale, "home.withdrawals", count=2),
        t(locale, "home.partial", count=1),
        t(locale, "home.unmatched", count=1),
    ]
    for category, count in [(Category.SHIPPED_RETURN, 3), (Category.RECEIVED_CANCEL, 0)]:
        label = t(locale, f"category.{category.value}")
        assert f"*{label}*\n{t(locale, 'home.count', count=count)}" in shown
    assert f"*{t(locale, 'marketplace.coupang')}*\n{t(locale, 'home.count', count=3)}" in shown
    assert t(locale, "home.updated", at="2024-05-21 09:00 KST") in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_zero_counts_of_special_cases_are_not_listed(locale: str) -> None:
    counts = make_counts(partial=0, unmatched=0, unconfirmed_withdrawals=0)
    view = build_home(counts, [], locale=locale, tz=SEOUL, now=NOW)
    totals = next(b for b in view["blocks"] if b.get("block_id") == BlockId.HOME_TOTALS)
    assert totals["text"]["text"] == t(locale, "home.total", count=4)


@pytest.mark.parametrize("locale", LOCALES)
def test_withdrawals_alone_are_something_to_do(locale: str) -> None:
    counts = HomeCounts(unconfirmed_withdrawals=1)
    view = build_home(counts, [], locale=locale, tz=SEOUL, now=NOW)
    assert t(locale, "home.withdrawals", count=1) in all_text(view["blocks"])
    assert t(locale, "home.nothing") not in all_text(view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_nothing_to_do(locale: str) -> None:
    view = build_home(HomeCounts(), [], locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    shown = all_text(view["blocks"])
    assert t(locale, "home.nothing") in shown
    assert t(locale, "home.no_accounts") in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_account_health_lines(locale: str) -> None:
    healthy = make_account(name="ok")
    broken = make_account(
        name="broken", last_error="401 <Unauthorized> & expired", last_success_at=None
    )
    view = build_home(make_counts(), [healthy, broken], locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    assert_escaped(view["blocks"])
    shown = all_text(view["blocks"])
    assert t(locale, "account.error", error="401 &lt;Unauthorized&gt; &amp; expired") in shown
    assert t(locale, "account.never_synced") in shown
    assert t(locale, "account.last_success", at="2024-05-21 08:55 KST") in shown
    assert t(locale, "account.last_claim", at="2024-05-19 09:00 KST") in shown
    assert shown.index("*broken*") < shown.index("*ok*")  # problems first


@pytest.mark.parametrize("locale", LOCALES)
def test_an_account_with_orders_but_no_cancel_for_30_days_is_flagged(locale: str) -> None:
    quiet = make_account(name="quiet", last_claim_at=NOW - QUIET_AFTER - timedelta(hours=1))
    never = make_account(name="never", last_claim_at=None)
    no_orders = make_account(name="idle", has_orders=False, last_claim_at=None)
    recent = make_account(name="recent", last_claim_at=NOW - QUIET_AFTER + timedelta(hours=1))
    assert [is_quiet(a, NOW) for a in (quiet, never, no_orders, recent)] == [
        True,
        True,
        False,
        False,
    ]
    view = build_home(HomeCounts(), [quiet], locale=locale, tz=SEOUL, now=NOW)
    assert t(locale, "account.quiet", days=30) in all_text(view["blocks"])
    view = build_home(HomeCounts(), [recent, no_orders], locale=locale, tz=SEOUL, now=NOW)
    assert t(locale, "account.quiet", days=30) not in all_text(view["blocks"])


@pytest.mark.parametrize("locale", LOCALES)
def test_many_accounts_and_marketplaces_stay_within_home_limits(locale: str) -> None:
    accounts = [
        make_account(name=f"{LONG_NAME}{i}", last_error=LONG_NAME, marketplace=INJECTION_NAME)
        for i in range(150)
    ]
    counts = make_counts(
        unconfirmed_by_marketplace={f"shop-{i}": i + 1 for i in range(40)},
    )
    view = build_home(counts, accounts, locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    assert_escaped(view["blocks"])
    assert len(view["blocks"]) <= 100
    shown = all_text(view["blocks"])
    assert t(locale, "home.more_accounts", count=150 - MAX_ACCOUNTS) in shown
    assert "*shop-39*" in shown  # the busiest marketplaces are the ones shown


@pytest.mark.parametrize("locale", LOCALES)
def test_order_system_webhook_backlog_is_shown_when_configured(locale: str) -> None:
    without = build_home(make_counts(), [], locale=locale, tz=SEOUL, now=NOW)
    assert t(locale, "home.oms", count=0) not in all_text(without["blocks"])
    view = build_home(
        make_counts(),
        [],
        locale=locale,
        tz=SEOUL,
        now=NOW,
        oms=OmsLink(pending=3, last_error="the order system answered HTTP 503"),
    )
    assert_valid_view(view, "home")
    shown = all_text(view["blocks"])
    assert t(locale, "home.oms", count=3) in shown
    assert "HTTP 503" in shown


@pytest.mark.parametrize("locale", LOCALES)
def test_an_account_with_quarantined_records_says_how_many_and_comes_first(locale: str) -> None:
    fine = make_account(name="fine")
    stuck = make_account(name="stuck", quarantined=2)
    view = build_home(HomeCounts(), [fine, stuck], locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    shown = all_text(view["blocks"])
    assert t(locale, "account.quarantined", count=2) in shown
    assert shown.count(t(locale, "account.quarantined", count=2)) == 1
    assert shown.index("*stuck*") < shown.index("*fine*")


# --- issue 18: my cases first, each count a button ------------------------------------------


def open_buttons(view: dict[str, object]) -> dict[str, PageState]:
    block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.HOME_OPEN)  # type: ignore[attr-defined]
    return {b["text"]["text"]: PageState.decode(b["value"]) for b in block["elements"]}


@pytest.mark.parametrize("locale", LOCALES)
def test_each_count_opens_the_list_it_counts(locale: str) -> None:
    view = build_home(make_counts(), [make_account()], locale=locale, tz=SEOUL, now=NOW)
    assert_valid_view(view, "home")
    opened = open_buttons(view)

    def label(key: str, count: int) -> str:
        return t(locale, "home.open_count", label=key, count=count)

    shipped_return = opened[label(t(locale, "category.SHIPPED_RETURN"), 3)]
    assert shipped_return.kind is ListKind.RESULTS
    assert shipped_return.filter() == parse_filter("status:shipped type:return")
    coupang = opened[label(t(locale, "marketplace.coupang"), 3)].filter()
    assert (coupang.marketplaces, coupang.phase, coupang.confirmed) == (
        frozenset({"coupang"}),
        None,
        False,
    )
    assert opened[label(t(locale, "home.open_partial"), 1)].filter().partial
    assert opened[label(t(locale, "home.open_unmatched"), 1)].filter().unmatched
    held = opened[label(t(locale, "home.open_withdrawals"), 2)]
    assert held.kind is ListKind.WITHDRAWALS and held.filter().confirmed is False
    # No button for a zero count.
    assert label(t(locale, "category.RECEIVED_CANCEL"), 0) not in opened


@pytest.mark.parametrize("locale", LOCALES)
def test_my_cases_come_first_and_an_empty_list_says_how_to_take_one(locale: str) -> None:
    empty = build_home(make_counts(), [], locale=locale, tz=SEOUL, now=NOW, mine=MyCases())
    assert empty["blocks"][0]["block_id"] == BlockId.HOME_MINE
    assert t(locale, "home.mine_empty") in all_text(empty["blocks"])

    taken = [make_result(id=i, taken_by=AGENT, taken_at=NOW) for i in (1, 2)]
    snoozed = [make_result(id=3, snoozed_until=NOW + timedelta(hours=4), snoozed_by=AGENT)]
    mine = MyCases(taken, 12, snoozed, 1)
    view = build_home(make_counts(), [], locale=locale, tz=SEOUL, now=NOW, mine=mine)
    assert_valid_view(view, "home")
    shown = fallback_dates(all_text(view["blocks"]))
    assert shown.index(t(locale, "home.mine_taken", count=12)) < shown.index(
        t(locale, "home.header")
    )
    assert t(locale, "details.more", count=10) in shown
    assert t(locale, "home.mine_snoozed", count=1) in shown
    assert t(locale, "home.snoozed_until", until="2024-05-21 13:00 KST") in shown
    details = [b["value"] for b in buttons(view["blocks"]) if b["action_id"] == "cancel_details"]
    assert details == ["1", "2", "3"]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_full_personal_list_and_many_accounts_stay_within_home_limits(locale: str) -> None:
    many = [
        make_result(id=i, taken_by=AGENT, taken_at=NOW, product_name=LONG_NAME) for i in range(10)
    ]
    mine = MyCases(many, 50, many, 50)
    accounts = [make_account(name=f"a{i}") for i in range(150)]
    view = build_home(make_counts(), accounts, locale=locale, tz=SEOUL, now=NOW, mine=mine)
    assert_valid_view(view, "home")
    assert len(view["blocks"]) <= 100
    assert t(locale, "home.updated", at="2024-05-21 09:00 KST") in all_text(view["blocks"])
