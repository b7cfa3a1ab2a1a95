"""Accepting a buyer's cancel request (core.accepting, issue 19) at each marketplace through
the real composition root, a real database and the marketplace's fake over real HTTP: the
result comes from a real sync of the fake and matches an order in the order book, so these
tests prove that the ids the reading side stores are the ids the writing side needs. Each
marketplace is accepted once (DONE, recorded with who and when, in the order's history,
COMPLETED at the next sync); a second click, person, replica or a truly concurrent thread
sends nothing (TAKEN, on SQLite and PostgreSQL); goods that ship before the write are refused
in the marketplace's own words, or before any write when the re-read sees it; a write that
took but whose answer was lost ends DONE after the re-read; a business error answered as
HTTP 500 ends FAILED with its message and is never resent; and an account whose config does
not switch accepting on is refused without a single request to the marketplace."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from adapters.clock import SystemClock
from bot.runtime import jobs
from bot.runtime.bootstrap import build
from bot.runtime.config import Config, parse_config
from bot.runtime.deps import Deps
from core import order_book, read_models
from core.accepting import AcceptOutcome, Refusal, accept_cancel, precheck
from core.claims import ClaimState
from core.marketplace_actions import ActionState, MarketplaceAction
from core.orders import Order, OrderStatus
from tests.conftest import SEOUL
from tests.integration.marketplaces.fake_11st import FakeEleventhStreet, make_rows
from tests.integration.marketplaces.fake_coupang import STOP_PATH, FakeCoupang, make_stop_request
from tests.integration.marketplaces.fake_esm import APPROVE_PATH as ESM_APPROVE_PATH
from tests.integration.marketplaces.fake_esm import FakeEsm, make_claims
from tests.integration.marketplaces.fake_naver import APPROVE_PATH as NAVER_APPROVE_PATH
from tests.integration.marketplaces.fake_naver import FakeNaver, ProductOrder
from tests.integration.marketplaces.faults import (
    Fault,
    applied_then_timeout,
    http_answer,
    http_error,
    run_first,
)
from tests.integration.marketplaces.http_server import serve

NO = "M-1"  # the order's management number
FakeMarket = FakeCoupang | FakeNaver | FakeEleventhStreet | FakeEsm


@dataclass
class Market:
    """One marketplace's fake with one open cancel request, the matching order, and what
    the marketplace answers when things go wrong. Served as the app itself: `on_write`
    makes the fake apply a fault to the next write request, whatever its number."""

    marketplace: str
    fake: FakeMarket
    keys: dict[str, Any]  # the account's config keys (ids and the names of secret env vars)
    env: dict[str, str]
    order: Order
    is_write: Callable[[httpx.Request], bool]
    ship: Callable[[], None]  # the goods leave at the marketplace
    shipped_refusal: str  # the marketplace's words for accepting once they have
    server_error: Fault  # a business error answered as HTTP 500, on the write
    server_error_message: str
    base_url: str = ""
    _armed: Fault | None = field(default=None, repr=False)

    def on_write(self, fault: Fault) -> None:
        self._armed = fault

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self._armed is not None and self.is_write(request):
            # The fakes key faults by the number of the request they receive: this one's.
            self.fake.faults[len(self.fake.requests) + 1] = self._armed
            self._armed = None
        return self.fake(request)

    def writes_received(self) -> int:
        """Write requests that reached the fake, faulted ones included."""
        return sum(self.is_write(r) for r in self.fake.requests)


def filed() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


def the_order(
    marketplace: str, order_id: str, item_id: str, status: OrderStatus = OrderStatus.INVOICED
) -> Order:
    return Order(NO, marketplace, order_id, item_id, "캠핑 의자", "카키", 1, status)


def coupang() -> Market:
    receipt_id = 500_000_321
    receipt = make_stop_request(receipt_id, filed(), lines=1)  # one line, cancelCount 1
    fake = FakeCoupang(clock=SystemClock(), receipts=[receipt])
    [item] = receipt["returnItems"]

    def release(*, delivered: bool) -> Callable[[], None]:
        def act() -> None:
            item["releaseStatus"] = "Y"
            if delivered:
                fake.delivered.add(str(receipt_id))

        return act

    return Market(
        marketplace="coupang",
        fake=fake,
        keys={"vendor_id": fake.vendor_id, "access_key_env": "CP_AK", "secret_key_env": "CP_SK"},
        env={"CP_AK": fake.access_key, "CP_SK": fake.secret_key},
        order=the_order("coupang", str(receipt["orderId"]), str(item["vendorItemId"])),
        is_write=lambda r: r.method in ("PUT", "PATCH") and bool(STOP_PATH.fullmatch(r.url.path)),
        ship=release(delivered=True),
        shipped_refusal="상품준비 중 또는 배송지시 상태가 아닙니다. 배송완료",
        # Coupang's own: a line released between the re-read and the write is a 500.
        server_error=run_first(release(delivered=False)),
        server_error_message="출고 되어 처리할 수 없습니다.",
    )


def naver() -> Market:
    line = ProductOrder(
        "2025030500000100",
        "2025030500000101",
        "CLAIM_REQUESTED",
        "CANCEL",
        "CANCEL_REQUEST",
        "PAYED",
        filed(),
        1,
        1,
        False,
    )
    fake = FakeNaver(clock=SystemClock(), product_orders=[line])

    def ship() -> None:
        line.shipped = True

    error = {
        "code": "9999",
        "message": "기타",
        "timestamp": "2025-03-06T09:00:00.000+09:00",
        "traceId": "fake-trace",
    }
    return Market(
        marketplace="naver",
        fake=fake,
        keys={"client_id_env": "NV_ID", "client_secret_env": "NV_SECRET"},
        env={"NV_ID": fake.client_id, "NV_SECRET": fake.client_secret},
        order=the_order("naver", line.order_id, line.product_order_id, OrderStatus.RECEIVED),
        is_write=lambda r: bool(NAVER_APPROVE_PATH.fullmatch(r.url.path.removeprefix(fake.prefix))),
        ship=ship,
        shipped_refusal="104442 상품 주문 상태 확인 필요",
        server_error=http_error(500, error),  # Naver's 400/500 body shape
        server_error_message="9999 기타",
    )


def eleventh_street() -> Market:
    [row] = make_rows(1, filed(), lists=("cancelorders",))  # ordCnQty 1
    fake = FakeEleventhStreet(clock=SystemClock(), rows=[row])
    order_no, line = row.fields["ordNo"], row.fields["ordPrdSeq"]

    def ship() -> None:
        fake.shipped.add((order_no, line))

    xml = (
        '<?xml version="1.0" encoding="euc-kr" standalone="yes"?>\n<ResultOrder>'
        "<result_code>-1000</result_code><result_text>서버 점검중입니다.</result_text>"
        "</ResultOrder>"
    ).encode("euc-kr")
    return Market(
        marketplace="11st",
        fake=fake,
        keys={"api_key_env": "ST_KEY"},
        env={"ST_KEY": fake.api_key},
        order=the_order("11st", order_no, line),
        is_write=lambda r: "/rest/claimservice/cancelreqconf/" in r.url.path,
        ship=ship,
        shipped_refusal="-1 이미 발송처리된 주문은 취소승인할 수 없습니다.",
        server_error=http_answer(500, xml, "text/xml;charset=EUC-KR"),  # ResultOrder, as a 500
        server_error_message="-1000 서버 점검중입니다.",
    )


def esm(marketplace: str) -> Market:
    site = "A" if marketplace == "auction" else "G"
    [claim] = make_claims(1, filed(), site=site)  # a 취소요청 (CancelStatus 1)
    fake = FakeEsm(clock=SystemClock(), claims=[claim])
    order_no = str(claim["OrderNo"])

    def ship() -> None:
        fake.shipped.add(order_no)

    # ESM's {ResultCode, Message, Data}; G마켓 prefixes its messages with a Java exception.
    prefix = "ShowAlertException$" if site == "G" else ""
    error = {"ResultCode": 8000, "Message": f"{prefix}일시적인 오류입니다", "Data": None}
    refusal = {
        "G": "8668 취소 승인 대상이 없습니다.",
        "A": "8668/W8-1 취소 가능한 주문상태가 아닙니다",
    }[site]
    return Market(
        marketplace=marketplace,
        fake=fake,
        keys={
            "master_id": fake.master_id,
            "seller_id": fake.sellers[site],
            "secret_key_env": "ESM_KEY",
        },
        env={"ESM_KEY": fake.secret_key},
        order=the_order(marketplace, order_no, "", OrderStatus.RECEIVED),
        is_write=lambda r: bool(ESM_APPROVE_PATH.fullmatch(r.url.path)),
        ship=ship,
        shipped_refusal=refusal,
        server_error=http_error(500, error),
        server_error_message="8000 일시적인 오류입니다",
    )


MARKETS: dict[str, Callable[[], Market]] = {
    "coupang": coupang,
    "naver": naver,
    "11st": eleventh_street,
    "gmarket": lambda: esm("gmarket"),
    "auction": lambda: esm("auction"),
}


@pytest.fixture(params=list(MARKETS))
def market(request: pytest.FixtureRequest) -> Iterator[Market]:
    built = MARKETS[request.param]()
    with serve(built) as base_url:
        built.base_url = base_url
        yield built


def configure(market: Market, *, accepting: bool = True) -> Config:
    account = {
        "name": f"{market.marketplace}-main",
        "marketplace": market.marketplace,
        "base_url": market.base_url,
        "rate_limit_per_second": 50,
        "timeout_seconds": 2,
        "lookback_days": 1,
        **market.keys,
    }
    if accepting:
        account["actions"] = ["accept_cancel"]
    return parse_config({"accounts": [account]}, market.env)


@pytest.fixture
def make_deps() -> Iterator[Callable[[str, Config], Deps]]:
    """Deps as a process builds them; each call is another replica on the same database."""
    made: list[Deps] = []

    def make(url: str, config: Config) -> Deps:
        made.append(build(url, SEOUL, config=config))
        return made[-1]

    yield make
    for deps in made:
        deps.close()


@pytest.fixture
def deps(make_deps: Callable[[str, Config], Deps], database_url: str, market: Market) -> Deps:
    return make_deps(database_url, configure(market))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    if not database_url.startswith("sqlite"):
        pytest.skip("the suite database is PostgreSQL; the postgres case covers it")
    return database_url


def synced(deps: Deps, market: Market, config: Config) -> int:
    """The order imported, the fake synced for real: the id of the held cancel request."""
    order_book.import_orders(deps.make_uow, [market.order], deps.clock.now())
    [done] = jobs.sync_all(deps, config)
    assert done.report is not None and done.report.ok, done.report
    details = read_models.order_details(deps.make_uow, NO)
    [result] = details.results
    assert (result.claim_state, result.cancel_qty) == (ClaimState.REQUESTED, 1)
    assert details.order is not None and details.order.on_hold
    assert details.withdrawals == []  # a full cancel: nothing to release
    assert result.id is not None
    return result.id


def accept(deps: Deps, result_id: int, actor: str = "U1") -> AcceptOutcome:
    return accept_cancel(deps.make_uow, deps.claim_actions, result_id, actor, deps.clock.now())


def recorded(deps: Deps, result_id: int) -> MarketplaceAction:
    return read_models.marketplace_actions(deps.make_uow, [result_id])[result_id]


def history(deps: Deps) -> list[str]:
    return [e.text for e in read_models.order_details(deps.make_uow, NO).history]


def test_an_accept_writes_once_is_recorded_and_the_next_sync_completes_it(
    market: Market, deps: Deps
) -> None:
    config = configure(market)
    result_id = synced(deps, market, config)
    before = datetime.now(UTC)

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.state) == (None, ActionState.DONE)
    assert market.fake.writes == market.writes_received() == 1
    action = recorded(deps, result_id)
    assert (action.state, action.by, action.write_calls) == (ActionState.DONE, "U1", 1)
    assert action.at >= before - timedelta(seconds=1)
    assert action.finished_at is not None
    entries = read_models.order_details(deps.make_uow, NO).history
    assert [(e.actor, e.result_id) for e in entries if e.text == "판매처 취소승인 (<@U1>)"] == [
        ("U1", result_id)
    ]

    [again] = jobs.sync_all(deps, config)
    assert again.report is not None and again.report.ok
    [result] = read_models.order_details(deps.make_uow, NO).results
    assert result.claim_state is ClaimState.COMPLETED
    assert market.fake.writes == 1


def test_a_second_click_person_or_replica_sends_nothing(
    market: Market, url: str, make_deps: Callable[[str, Config], Deps]
) -> None:
    config = configure(market)
    deps, replica = make_deps(url, config), make_deps(url, config)
    result_id = synced(deps, market, config)
    assert accept(deps, result_id).state is ActionState.DONE
    requests = len(market.fake.requests)

    again = [
        accept(deps, result_id, "U1"),  # the same person clicks again
        accept(deps, result_id, "U2"),  # someone else
        accept(replica, result_id, "U3"),  # another replica, with its own clients
    ]

    assert [o.refused for o in again] == [Refusal.TAKEN] * 3
    assert all(o.action is not None and o.action.by == "U1" for o in again)
    assert precheck(replica.make_uow, config.accept_accounts(), result_id) is Refusal.TAKEN
    assert len(market.fake.requests) == requests  # not even a read
    assert market.fake.writes == 1
    assert recorded(deps, result_id).write_calls == 1


def test_two_replicas_accepting_at_the_same_moment_make_one_write(
    market: Market, url: str, make_deps: Callable[[str, Config], Deps]
) -> None:
    config = configure(market)
    first, second = make_deps(url, config), make_deps(url, config)
    result_id = synced(first, market, config)
    barrier = threading.Barrier(2)

    def click(deps: Deps, actor: str) -> AcceptOutcome:
        barrier.wait()
        return accept(deps, result_id, actor)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(click, [first, second], ["U1", "U2"]))

    [done] = [o for o in outcomes if o.refused is None]
    [taken] = [o for o in outcomes if o.refused is not None]
    assert (done.state, taken.refused) == (ActionState.DONE, Refusal.TAKEN)
    assert market.fake.writes == market.writes_received() == 1
    assert done.action is not None
    action = recorded(first, result_id)
    assert (action.by, action.write_calls) == (done.action.by, 1)


def test_goods_shipped_before_the_write_are_refused_in_the_marketplaces_words(
    market: Market, deps: Deps
) -> None:
    result_id = synced(deps, market, configure(market))
    market.on_write(run_first(market.ship))  # after cancelbot's re-read, before the write

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.state) == (None, ActionState.FAILED)
    action = recorded(deps, result_id)
    assert market.shipped_refusal in action.error
    assert (action.state, action.write_calls) == (ActionState.FAILED, 1)
    assert market.writes_received() == 1
    assert any(
        t.startswith("판매처 취소승인 FAILED (<@U1>)") and market.shipped_refusal in t
        for t in history(deps)
    )


@pytest.mark.parametrize("market", ["coupang", "naver", "11st"], indirect=True)
def test_goods_the_reread_sees_shipped_are_refused_without_a_write(
    market: Market, deps: Deps
) -> None:
    result_id = synced(deps, market, configure(market))
    market.ship()

    outcome = accept(deps, result_id)

    assert outcome.refused is Refusal.SHIPPED_AT_MARKETPLACE
    assert market.writes_received() == 0
    action = recorded(deps, result_id)
    assert (action.state, action.write_calls) == (ActionState.FAILED, 0)
    # FAILED, so a person may try again later: it is read again, and refused again.
    assert precheck(deps.make_uow, configure(market).accept_accounts(), result_id) is None
    assert accept(deps, result_id, "U2").refused is Refusal.SHIPPED_AT_MARKETPLACE
    assert recorded(deps, result_id).by == "U2"
    assert market.writes_received() == 0


@pytest.mark.parametrize("market", ["gmarket", "auction"], indirect=True)
def test_esm_rereads_cannot_see_shipping_so_the_write_is_refused_at_the_marketplace(
    market: Market, deps: Deps
) -> None:
    # ESM's Cancels list does not say whether an order shipped: the write is sent, once,
    # and ESM's refusal is what the person sees.
    result_id = synced(deps, market, configure(market))
    market.ship()

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.state) == (None, ActionState.FAILED)
    action = recorded(deps, result_id)
    assert market.shipped_refusal in action.error
    assert action.write_calls == market.writes_received() == 1


def test_a_write_that_took_but_whose_answer_was_lost_is_done_after_the_reread(
    market: Market, deps: Deps
) -> None:
    result_id = synced(deps, market, configure(market))
    market.on_write(applied_then_timeout())

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.state) == (None, ActionState.DONE)
    assert market.fake.writes == market.writes_received() == 1  # applied once, never resent
    action = recorded(deps, result_id)
    assert (action.write_calls, action.http_status) == (1, None)
    assert "no answer" in action.message and "completed" in action.message
    assert "판매처 취소승인 (<@U1>)" in history(deps)


def test_a_business_error_answered_as_http_500_fails_with_its_message_and_no_retry(
    market: Market, deps: Deps
) -> None:
    result_id = synced(deps, market, configure(market))
    market.on_write(market.server_error)

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.state) == (None, ActionState.FAILED)
    assert market.writes_received() == 1
    action = recorded(deps, result_id)
    assert market.server_error_message in action.error
    assert (action.write_calls, action.http_status) == (1, 500)


def test_an_account_without_actions_is_refused_before_any_request(
    market: Market, make_deps: Callable[[str, Config], Deps], database_url: str
) -> None:
    config = configure(market, accepting=False)
    deps = make_deps(database_url, config)
    result_id = synced(deps, market, config)
    requests = len(market.fake.requests)

    outcome = accept(deps, result_id)

    assert (outcome.refused, outcome.action) == (Refusal.NOT_ENABLED, None)
    assert precheck(deps.make_uow, config.accept_accounts(), result_id) is Refusal.NOT_ENABLED
    assert len(market.fake.requests) == requests
    assert read_models.marketplace_actions(deps.make_uow, [result_id]) == {}
