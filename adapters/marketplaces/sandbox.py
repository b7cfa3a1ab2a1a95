"""The built-in `sandbox` marketplace: no network, no keys, deterministic.

It ships an order book and claims that cover every category, partial cancels before and
after shipping, a cancel that is withdrawn, a requested cancel that completes later, an
unmatched claim, an anomaly and a claim with no quantity. After the scenario, new claims
keep appearing every few minutes, so a running bot has something to post.

Times are offsets from an anchor (by default the moment the sandbox is created), so the
same seed gives the same claims relative to when you start it.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.marketplaces._claims import SetAside
from core.account_check import AccountCheck
from core.claims import Claim, ClaimState, ClaimType
from core.orders import Order, OrderStatus
from core.ports import Clock

MARKETPLACE = "sandbox"
POOL_SIZE = 200
PRODUCTS = [
    ("무선 이어폰 X2", "블랙"),
    ("스테인리스 텀블러 500ml", "실버"),
    ("여성 니트 가디건", "베이지 / M"),
    ("캠핑 의자 경량형", "카키"),
    ("유기농 현미 5kg", ""),
    ("LED 스탠드 조명", "화이트"),
    ("요가 매트 10mm", "퍼플"),
    ("블루투스 스피커 미니", "네이비"),
    ("아동 우비 세트", "옐로 / 110"),
    ("주방 칼 3종 세트", ""),
    ("메모리폼 베개", "그레이"),
    ("반려견 간식 1kg", "치킨"),
]


@dataclass(frozen=True)
class Event:
    """A claim as the marketplace reports it from `at` on."""

    at: datetime
    claim: Claim


@dataclass(frozen=True)
class _Scenario:
    status: OrderStatus
    quantity: int
    claim_type: ClaimType
    states: tuple[tuple[float, ClaimState], ...]  # (hours before the anchor, state)
    cancel_qty: int | None
    in_order_book: bool = True
    shipped_hint: bool | None = None


# One line per situation SPEC §3 names; hours are before the anchor.
SCENARIOS: tuple[_Scenario, ...] = (
    _Scenario(OrderStatus.SHIPPED, 1, ClaimType.RETURN, ((30, ClaimState.COMPLETED),), 1),
    _Scenario(OrderStatus.SHIPPED, 1, ClaimType.CANCEL, ((28, ClaimState.COMPLETED),), 1),
    _Scenario(OrderStatus.SHIPPED, 2, ClaimType.CANCEL, ((26, ClaimState.COMPLETED),), 1),
    _Scenario(OrderStatus.INVOICED, 1, ClaimType.CANCEL, ((24, ClaimState.COMPLETED),), 1),
    _Scenario(OrderStatus.RECEIVED, 3, ClaimType.CANCEL, ((22, ClaimState.REQUESTED),), 1),
    _Scenario(
        OrderStatus.RECEIVED,
        1,
        ClaimType.CANCEL,
        ((20, ClaimState.REQUESTED), (6, ClaimState.COMPLETED)),
        1,
    ),
    _Scenario(
        OrderStatus.INVOICED,
        2,
        ClaimType.CANCEL,
        ((18, ClaimState.REQUESTED), (4, ClaimState.WITHDRAWN)),
        2,
    ),
    _Scenario(
        OrderStatus.SHIPPED,
        1,
        ClaimType.RETURN,
        ((16, ClaimState.COMPLETED),),
        1,
        in_order_book=False,
        shipped_hint=True,
    ),
    _Scenario(OrderStatus.RECEIVED, 1, ClaimType.RETURN, ((14, ClaimState.COMPLETED),), 1),
    _Scenario(OrderStatus.SHIPPED, 2, ClaimType.CANCEL, ((12, ClaimState.COMPLETED),), None),
    _Scenario(OrderStatus.SHIPPED, 1, ClaimType.RETURN, ((2, ClaimState.COMPLETED),), 1),
)


class SandboxMarketplace:
    """The sandbox's whole world: its order book and every claim event, from a seed."""

    def __init__(
        self,
        account: str = "sandbox",
        *,
        seed: int = 7,
        anchor: datetime,
        interval: timedelta = timedelta(minutes=10),
    ) -> None:
        self.account = account
        self.seed = seed
        self.anchor = anchor
        self.interval = interval
        rng = random.Random(seed)
        self._orders: list[Order] = []
        self._scenario_events: list[Event] = []
        for n, sc in enumerate(SCENARIOS, start=1):
            order = self._order(f"SB-{seed}-{n:03d}", sc.status, sc.quantity, rng)
            if sc.in_order_book:
                self._orders.append(order)
            for hours, state in sc.states:
                at = anchor - timedelta(hours=hours)
                claimed = anchor - timedelta(hours=sc.states[0][0])
                claim = self._claim(
                    order,
                    f"SBC-{seed}-{n:03d}",
                    sc.claim_type,
                    state,
                    sc.cancel_qty,
                    claimed,
                    sc.shipped_hint,
                )
                self._scenario_events.append(Event(at, claim))
        self._pool = [
            self._order(f"SB-{seed}-P{k:03d}", _pool_status(k), 1 + k % 3, rng)
            for k in range(1, POOL_SIZE + 1)
        ]
        self._orders.extend(self._pool)

    def _order(self, no: str, status: OrderStatus, qty: int, rng: random.Random) -> Order:
        name, option = PRODUCTS[rng.randrange(len(PRODUCTS))]
        shipped = self.anchor - timedelta(days=2) if status is OrderStatus.SHIPPED else None
        return Order(
            management_no=no,
            marketplace=MARKETPLACE,
            marketplace_order_id=f"{no}-O",
            marketplace_item_id=f"{no}-I",
            product_name=name,
            option=option,
            quantity=qty,
            status=status,
            invoice_no=f"SBINV{zlib.crc32(no.encode()) % 10**8:08d}"
            if status is not OrderStatus.RECEIVED
            else "",
            shipped_at=shipped,
        )

    def _claim(
        self,
        order: Order,
        claim_id: str,
        claim_type: ClaimType,
        state: ClaimState,
        cancel_qty: int | None,
        claimed_at: datetime,
        shipped_hint: bool | None,
    ) -> Claim:
        return Claim(
            marketplace=MARKETPLACE,
            account=self.account,
            claim_id=claim_id,
            claim_type=claim_type,
            claim_state=state,
            marketplace_order_id=order.marketplace_order_id,
            marketplace_item_id=order.marketplace_item_id,
            cancel_qty=cancel_qty,
            ordered_qty=order.quantity if cancel_qty is not None else None,
            claimed_at=claimed_at,
            completed_at=claimed_at if state is ClaimState.COMPLETED else None,
            shipped_hint=(order.status is OrderStatus.SHIPPED)
            if shipped_hint is None
            else shipped_hint,
            product_name=order.product_name,
            option=order.option,
        )

    def orders(self) -> list[Order]:
        return list(self._orders)

    def events(self, until: datetime) -> list[Event]:
        """Every event up to `until`: the scenario, then one new claim per interval."""
        out = [e for e in self._scenario_events if e.at < until]
        k = 1
        while (at := self.anchor + k * self.interval) < until and k <= POOL_SIZE:
            order = self._pool[k - 1]
            kind = (
                ClaimType.RETURN
                if order.status is OrderStatus.SHIPPED and k % 3 == 0
                else ClaimType.CANCEL
            )
            qty = 1 if k % 5 == 0 else order.quantity
            claim = self._claim(
                order, f"SBC-{self.seed}-P{k:03d}", kind, ClaimState.COMPLETED, qty, at, None
            )
            out.append(Event(at, claim))
            k += 1
        return out


def _pool_status(k: int) -> OrderStatus:
    return (OrderStatus.RECEIVED, OrderStatus.INVOICED, OrderStatus.SHIPPED, OrderStatus.SHIPPED)[
        k % 4
    ]


class SandboxClaimSource:
    """core.ports.ClaimSource over the sandbox: reports each event in the window it happened."""

    marketplace = MARKETPLACE
    # Short windows, each its own transaction, as a real marketplace's pages arrive: a cancel
    # requested and later withdrawn is first applied (held), then released.
    max_window = timedelta(hours=6)

    def __init__(self, world: SandboxMarketplace, clock: Clock) -> None:
        self.world = world
        self.account = world.account
        self.clock = clock
        self.set_aside: list[SetAside] = []  # the sandbox's claims are all well formed

    def fetch_claims(self, start: datetime, end: datetime) -> Sequence[Claim]:
        until = min(end, self.clock.now())
        return [e.claim for e in self.world.events(until) if start <= e.at < until]

    def iter_claims(self, start: datetime, end: datetime) -> Iterator[Sequence[Claim]]:
        yield self.fetch_claims(start, end)

    def close(self) -> None:
        """Nothing to free: the world lives in memory."""

    def check(self) -> AccountCheck:
        """Always OK: no keys, no network."""
        reported = len(self.world.events(self.clock.now()))
        return AccountCheck(
            ok=True,
            summary=f"OK, built-in sandbox (no keys needed): {reported} claim(s) so far",
        )


def anchor_now(clock: Clock) -> datetime:
    """Today's anchor: the clock's minute, so claims have tidy times."""
    return clock.now().astimezone(UTC).replace(second=0, microsecond=0)
