"""What the entry points hand to jobs, handlers and listeners: core's ports, wired by the
composition root (bot.runtime.bootstrap), which only the entry points import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.runtime.config import AccountConfig
from core.orders import Order
from core.ports import ClaimActions, ClaimSource, Clock, EventSender, UnitOfWork
from core.sync import Lease


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Deps:
    make_uow: Callable[[], UnitOfWork]
    clock: Clock
    tz: ZoneInfo
    lease: Lease  # this process's name in sync leases, and how long they last
    claim_source: Callable[[AccountConfig], ClaimSource]  # the adapter for one account
    sandbox_orders: Callable[[AccountConfig], list[Order] | None]  # a sandbox's order book
    oms_sender: EventSender | None = None  # the order system's webhook, when configured
    close: Callable[[], None] = _nothing  # frees the database pool
    # What a person may do at an account's marketplace (by account name): None unless the
    # account's config switches it on. The caller closes what it gets.
    claim_actions: Callable[[str], ClaimActions | None] = lambda _: None
