from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from bot.slack.blocks.home import (
    MAX_ACCOUNTS,
    QUIET_AFTER,
    HomeCounts,
    OmsLink,
    build_home,
    is_quiet,
)
from bot.slack.ids import BlockId
from core.results import Category
from tests.support.slack_checks import all_text, assert_escaped, assert_valid_view
from tests.support.slack_factories import (
    INJECTION_NAME,
    LONG_NAME,
    NOW,
    SEOUL,
    make_account,
    make_counts,
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
