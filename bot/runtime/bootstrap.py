"""The composition root: the one module in bot/ that knows the adapters. Only the entry
points (bot.cli, bot.runtime.process) import it; everything else receives `Deps`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from adapters.clock import SystemClock
from adapters.db import migrate
from adapters.db.engine import make_engine, make_session_factory
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from adapters.marketplaces._http import Timeouts
from adapters.marketplaces._ratelimit import RateLimit
from adapters.marketplaces.coupang import CoupangClaimSource
from adapters.marketplaces.coupang_actions import CoupangClaimActions
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from adapters.marketplaces.eleventh_street_actions import EleventhStreetClaimActions
from adapters.marketplaces.esm import EsmClaimSource
from adapters.marketplaces.esm_actions import EsmClaimActions
from adapters.marketplaces.naver import NaverClaimSource
from adapters.marketplaces.naver_actions import NaverClaimActions
from adapters.marketplaces.sandbox import SandboxClaimSource, SandboxMarketplace, anchor_now
from adapters.oms.webhook import WebhookSender
from bot.runtime import collector
from bot.runtime.config import AccountConfig, Config
from bot.runtime.deps import Deps
from bot.runtime.settings import DEFAULT_SYNC_LEASE, Settings
from core.errors import CancelbotError
from core.orders import Order
from core.ports import ClaimActions, ClaimSource, Clock, EventSender, UnitOfWork
from core.sync import Lease

__all__ = ["Deps", "build", "claim_actions", "from_settings", "upgrade_database"]


class DatabaseNotReady(CancelbotError):
    """The schema is missing or older than this version of cancelbot."""


def process_name() -> str:
    """One name per process: leases say which replica holds an account."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def build(
    database_url: str,
    tz: ZoneInfo,
    *,
    config: Config | None = None,
    check_schema: bool = True,
    lease_seconds: int = DEFAULT_SYNC_LEASE,
    clock: Clock | None = None,
) -> Deps:
    """Everything wired for one process. With `config` naming an `oms_webhook_url`, every
    change also queues its order-system event, whichever entry point made it."""
    try:
        engine = make_engine(database_url)
    except (SQLAlchemyError, ValueError) as exc:  # its message may quote the password
        raise DatabaseNotReady(f"DATABASE_URL is not usable: {exc.__class__.__name__}") from None
    if check_schema:
        _check_schema(engine)
    factory = make_session_factory(engine)
    reader = make_session_factory(engine, read_only=True)
    # Events are queued wherever a change happens (any entry point); only `cancelbot run`,
    # which has the signing secret, delivers them.
    oms_events = bool(config and config.oms_webhook_url)
    sender = oms_sender(config) if config and config.oms_webhook_secret else None
    accepting = config.accept_accounts() if config else frozenset()

    def make_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(
            factory,
            tz,
            oms_events=oms_events,
            read_session_factory=reader,
            accept_accounts=accepting,
        )

    clock = clock or SystemClock()
    sandboxes: dict[tuple[str, int], SandboxMarketplace] = {}
    collector.tune()  # everything is imported and wired: what exists now lives on
    return Deps(
        make_uow=make_uow,
        clock=clock,
        tz=tz,
        lease=Lease(process_name(), timedelta(seconds=lease_seconds)),
        claim_source=partial(claim_source, clock=clock, sandboxes=sandboxes),
        sandbox_orders=partial(sandbox_orders, clock=clock, sandboxes=sandboxes),
        oms_sender=sender,
        close=engine.dispose,
        claim_actions=partial(_actions_if_on, config, clock=clock),
    )


def claim_sources(clock: Clock | None = None) -> Callable[[AccountConfig], ClaimSource]:
    """The marketplace adapter for each account, without a database (`accounts check`)."""
    sandboxes: Sandboxes = {}
    return partial(claim_source, clock=clock or SystemClock(), sandboxes=sandboxes)


def from_settings(settings: Settings, config: Config | None = None) -> Deps:
    return build(
        settings.database_url,
        settings.timezone,
        config=config,
        lease_seconds=settings.sync_lease_seconds,
    )


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


Sandboxes = dict[tuple[str, int], SandboxMarketplace]


def sandbox_world(account: AccountConfig, clock: Clock, sandboxes: Sandboxes) -> SandboxMarketplace:
    """The account's sandbox world; it lives as long as the process (its Deps), so claims
    keep appearing on schedule."""
    seed = int(account.get("seed", 7))
    key = (account.name, seed)
    if key not in sandboxes:
        sandboxes[key] = SandboxMarketplace(
            account.name,
            seed=seed,
            anchor=anchor_now(clock),
            interval=timedelta(minutes=int(account.get("claim_interval_minutes", 10))),
        )
    return sandboxes[key]


def sandbox_orders(
    account: AccountConfig, *, clock: Clock, sandboxes: Sandboxes
) -> list[Order] | None:
    """The orders a sandbox account ships with (None for real marketplaces)."""
    if account.marketplace != "sandbox" or not account.get("load_orders", True):
        return None
    return sandbox_world(account, clock, sandboxes).orders()


def claim_source(account: AccountConfig, *, clock: Clock, sandboxes: Sandboxes) -> ClaimSource:
    """The marketplace adapter for one configured account."""
    common: dict[str, Any] = {}
    if base_url := account.get("base_url"):
        common["base_url"] = base_url
    if timeout := account.get("timeout_seconds"):
        common["timeouts"] = Timeouts(connect=min(float(timeout), 10.0), read=float(timeout))
    if rate := account.get("rate_limit_per_second"):
        common["rate_limit"] = RateLimit(float(rate))
    market = account.marketplace
    if market == "sandbox":
        return SandboxClaimSource(sandbox_world(account, clock, sandboxes), clock)
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


def _actions_if_on(config: Config | None, account: str, *, clock: Clock) -> ClaimActions | None:
    """The account's claim actions when its config lists accept_cancel; None otherwise."""
    if config is None or account not in config.accept_accounts():
        return None
    return claim_actions(config.account(account), clock=clock)


def claim_actions(account: AccountConfig, *, clock: Clock) -> ClaimActions | None:
    """What cancelbot may do at one configured account's marketplace (issue 19), on a
    client of its own built from the account's settings like its claim source; None for
    the sandbox, which has no marketplace to act at. The caller closes it."""
    if account.marketplace == "sandbox":
        return None
    source = claim_source(account, clock=clock, sandboxes={})
    if isinstance(source, CoupangClaimSource):
        return CoupangClaimActions(source)
    if isinstance(source, NaverClaimSource):
        return NaverClaimActions(source)
    if isinstance(source, EleventhStreetClaimSource):
        return EleventhStreetClaimActions(source)
    if isinstance(source, EsmClaimSource):
        return EsmClaimActions(source)
    source.close()
    raise CancelbotError(f"account {account.name!r}: {account.marketplace} has no claim actions")


def oms_sender(config: Config) -> EventSender | None:
    """The order-system webhook, when `oms_webhook_url` is configured."""
    if not config.oms_webhook_url:
        return None
    if not config.oms_webhook_secret:
        raise CancelbotError("oms_webhook_url needs oms_webhook_secret_env (the signing secret)")
    return WebhookSender(config.oms_webhook_url, config.oms_webhook_secret)
