"""The composition root: the one module in bot/ that knows the adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from adapters.clock import SystemClock
from adapters.db import migrate
from adapters.db.engine import DEFAULT_DATABASE_URL, make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from adapters.marketplaces._http import Timeouts
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces.checks import CheckableSource
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.esm import EsmClaimSource
from adapters.marketplaces.naver import NaverClaimSource
from adapters.marketplaces.sandbox import SandboxClaimSource, SandboxMarketplace, anchor_now
from adapters.oms.webhook import WebhookSender
from bot.config import AccountConfig, Config
from core.errors import CancelbotError
from core.oms_delivery import EventSender
from core.orders import Order
from core.ports import Clock, UnitOfWork

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Deps",
    "SystemClock",
    "build",
    "claim_source",
    "upgrade_database",
]


class DatabaseNotReady(CancelbotError):
    """The schema is missing or older than this version of cancelbot."""


@dataclass
class Deps:
    engine: Engine
    make_uow: Callable[[], UnitOfWork]
    tz: tzinfo
    clock: Clock

    def close(self) -> None:
        self.engine.dispose()


def build(
    database_url: str, tz: tzinfo, *, check_schema: bool = True, oms_events: bool = False
) -> Deps:
    """`oms_events`: queue events for the order system's webhook (when one is configured)."""
    engine = make_engine(database_url)
    if check_schema:
        _check_schema(engine)
    factory = make_session_factory(engine)

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(factory, tz, oms_events=oms_events)

    return Deps(engine=engine, make_uow=make_uow, tz=tz, clock=SystemClock())


def upgrade_database(database_url: str) -> str | None:
    migrate.upgrade(database_url)
    return migrate.current_head()


def _check_schema(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                raise DatabaseNotReady(
                    "the database has no cancelbot tables yet: run `cancelbot db upgrade`"
                )
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise DatabaseNotReady(f"cannot reach the database: {exc.__class__.__name__}") from exc
    head = migrate.current_head()
    if current != head:
        raise DatabaseNotReady(
            f"the database schema is at {current}, this cancelbot needs {head}: "
            "run `cancelbot db upgrade`"
        )


# Sandbox worlds live as long as the process, so claims keep appearing on schedule.
_SANDBOXES: dict[tuple[str, int], SandboxMarketplace] = {}


def sandbox_world(account: AccountConfig, clock: Clock) -> SandboxMarketplace:
    seed = int(account.get("seed", 7))
    key = (account.name, seed)
    if key not in _SANDBOXES:
        _SANDBOXES[key] = SandboxMarketplace(
            account.name,
            seed=seed,
            anchor=anchor_now(clock),
            interval=timedelta(minutes=int(account.get("claim_interval_minutes", 10))),
        )
    return _SANDBOXES[key]


def sandbox_orders(account: AccountConfig, clock: Clock) -> list[Order] | None:
    """The orders a sandbox account ships with (None for real marketplaces)."""
    if account.marketplace != "sandbox" or not account.get("load_orders", True):
        return None
    return sandbox_world(account, clock).orders()


def claim_source(account: AccountConfig, clock: Clock) -> CheckableSource:
    """The marketplace adapter for one configured account (`check()` for accounts check)."""
    common: dict[str, Any] = {}
    if base_url := account.get("base_url"):
        common["base_url"] = base_url
    if timeout := account.get("timeout_seconds"):
        common["timeouts"] = Timeouts(connect=min(float(timeout), 10.0), read=float(timeout))
    if rate := account.get("rate_limit_per_second"):
        common["rate_limit"] = RateLimit(float(rate))
    market = account.marketplace
    if market == "sandbox":
        return SandboxClaimSource(sandbox_world(account, clock), clock)
    if market == "coupang":
        return CoupangClaimSource(
            account.name,
            account.get("vendor_id"),
            account.secret("access_key_env"),
            account.secret("secret_key_env"),
            clock=clock,
            **common,
        )
    if market == "naver":
        return NaverClaimSource(
            account.name,
            account.secret("client_id_env"),
            account.secret("client_secret_env"),
            clock=clock,
            **common,
        )
    if market == "11st":
        if codes := account.get("no_rows_codes"):
            common["no_rows_codes"] = tuple(str(c) for c in codes)
        return EleventhStreetClaimSource(
            account.name, account.secret("api_key_env"), clock=clock, **common
        )
    if market in ("gmarket", "auction"):
        if (site_type := account.get("site_type")) is not None:
            common["site_type"] = int(site_type)
        return EsmClaimSource(
            account.name,
            market,  # type: ignore[arg-type]  # narrowed by the check above
            account.get("master_id"),
            account.get("seller_id"),
            account.secret("secret_key_env"),
            clock=clock,
            **common,
        )
    raise CancelbotError(f"account {account.name!r}: marketplace {market} is not supported")


def oms_sender(config: Config) -> EventSender | None:
    """The order-system webhook, when `oms_webhook_url` is configured."""
    if not config.oms_webhook_url:
        return None
    if not config.oms_webhook_secret:
        raise CancelbotError("oms_webhook_url needs oms_webhook_secret_env (the signing secret)")
    return WebhookSender(config.oms_webhook_url, config.oms_webhook_secret)
