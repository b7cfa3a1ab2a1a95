"""ORM rows. Enums are stored as their text values so migrations stay plain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from adapters.db.base import Base


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_marketplace_order", "marketplace", "marketplace_order_id"),
        Index("ix_orders_marketplace_item", "marketplace", "marketplace_item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    management_no: Mapped[str] = mapped_column(String(64), unique=True)
    marketplace: Mapped[str] = mapped_column(String(16))
    marketplace_order_id: Mapped[str] = mapped_column(String(64))
    marketplace_item_id: Mapped[str] = mapped_column(String(64), default="")
    product_name: Mapped[str] = mapped_column(Text, default="")
    option: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    invoice_no: Mapped[str] = mapped_column(String(64), default="")
    shipped_at: Mapped[datetime | None]
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    held_at: Mapped[datetime | None]
    held_qty: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# phase and claimed_at lead (the views and their newest-first order), then the columns
# the filter words compare, then what the unconfirmed summary groups by.
OPEN_FILTER_COLUMNS = (
    "phase",
    "claimed_at",
    "marketplace",
    "order_status",
    "claim_type",
    "claim_state",
    "partial",
    "unmatched",
    "category",
    "anomaly",
    "id",  # PostgreSQL reads count(*), max(id) from the index only when id is in it
    # Always NULL here, but SQLite counts an index as covering only when it holds every
    # column the query names, and never credits the columns of the index's own WHERE.
    # Without them each view read a table row per candidate, and at 5M results SQLite
    # preferred ix_cancel_results_unconfirmed for the default view (~1 s for 247k rows).
    "confirmed_by",
    "snoozed_until",
)


class CancelResultRow(Base):
    __tablename__ = "cancel_results"
    __table_args__ = (
        # The claim key (SPEC rule 10). marketplace + claim_id lead so a batch looks up
        # its claims with one index range per marketplace.
        UniqueConstraint(
            "marketplace",
            "claim_id",
            "account",
            "marketplace_item_id",
            name="uq_cancel_results_claim",
        ),
        Index("ix_cancel_results_phase_claimed", "phase", "claimed_at"),
        # The views people open all day are the unconfirmed ones, a small part of a table
        # that keeps every result forever: index just those rows.
        Index(
            "ix_cancel_results_unconfirmed",
            "phase",
            "claimed_at",
            sqlite_where=text("confirmed_by IS NULL"),
            postgresql_where=text("confirmed_by IS NULL"),
        ),
        Index("ix_cancel_results_claimed_at", "claimed_at"),
        Index("ix_cancel_results_management_no", "management_no"),
        Index("ix_cancel_results_marketplace_order_id", "marketplace_order_id"),
        # What /cancels shows by default (unconfirmed, not snoozed), with every column its
        # filter words test: counting any such view, and finding its newest page, reads
        # this index alone instead of a table row per candidate (issues 18 and 17).
        Index(
            "ix_cancel_results_open_filters",
            *OPEN_FILTER_COLUMNS,
            sqlite_where=text("confirmed_by IS NULL AND snoozed_until IS NULL"),
            postgresql_where=text("confirmed_by IS NULL AND snoozed_until IS NULL"),
        ),
        # Issue 18: the few results someone took or snoozed, for App Home and the waking.
        Index(
            "ix_cancel_results_taken_by",
            "taken_by",
            sqlite_where=text("taken_by IS NOT NULL"),
            postgresql_where=text("taken_by IS NOT NULL"),
        ),
        Index(
            "ix_cancel_results_snoozed_until",
            "snoozed_until",
            sqlite_where=text("snoozed_until IS NOT NULL"),
            postgresql_where=text("snoozed_until IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str] = mapped_column(String(128))
    marketplace_order_id: Mapped[str] = mapped_column(String(64))
    marketplace_item_id: Mapped[str] = mapped_column(String(64))
    management_no: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(Text)
    option: Mapped[str] = mapped_column(Text)
    claim_type: Mapped[str] = mapped_column(String(16))
    claim_state: Mapped[str] = mapped_column(String(16))
    order_status: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    ordered_qty: Mapped[int | None] = mapped_column(Integer)
    cancel_qty: Mapped[int | None] = mapped_column(Integer)
    partial: Mapped[bool] = mapped_column(Boolean)
    unmatched: Mapped[bool] = mapped_column(Boolean)
    anomaly: Mapped[bool] = mapped_column(Boolean)
    claimed_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(128))
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Who took the case since when, and its snooze (issue 18; core.cases).
    taken_by: Mapped[str | None] = mapped_column(String(128))
    taken_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    snoozed_by: Mapped[str | None] = mapped_column(String(128))


class WithdrawalRow(Base):
    __tablename__ = "withdrawals"
    __table_args__ = (
        Index("ix_withdrawals_management_no", "management_no"),
        # SPEC rule 11: at most one open withdrawal per order, whoever writes.
        Index(
            "uq_withdrawals_one_open_per_order",
            "management_no",
            unique=True,
            sqlite_where=text("state = 'OPEN'"),
            postgresql_where=text("state = 'OPEN'"),
        ),
        Index("ix_withdrawals_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    management_no: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int] = mapped_column(ForeignKey("cancel_results.id"))
    reason: Mapped[str] = mapped_column(String(16))
    restore_qty: Mapped[int] = mapped_column(Integer)
    confirmed_by: Mapped[str | None] = mapped_column(String(128))
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="OPEN", server_default="OPEN")
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime | None]


class CsHistoryRow(Base):
    __tablename__ = "cs_history"
    __table_args__ = (Index("ix_cs_history_management_no", "management_no", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    management_no: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    result_id: Mapped[int | None] = mapped_column(Integer)


class ConfirmationEventRow(Base):
    __tablename__ = "confirmation_events"
    __table_args__ = (Index("ix_confirmation_events_target", "target", "target_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(64))


class SyncStateRow(Base):
    """Per account: the watermark, health, and the lease that keeps one replica syncing it."""

    __tablename__ = "sync_state"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(16))
    watermark: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    last_claim_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None]


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_due", "done_at", "next_attempt_at"),
        Index("ix_outbox_ordering", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    target: Mapped[str | None] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(Integer)
    dedupe_key: Mapped[str] = mapped_column(String(255))
    ordering_key: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class AlertMessageRow(Base):
    """Where an alert was posted: the PagerDuty lesson — lose this and buttons stop working."""

    __tablename__ = "alert_messages"
    __table_args__ = (UniqueConstraint("target", "target_id", name="uq_alert_messages_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime]


class MarketplaceActionRow(Base):
    """An action at the marketplace (issue 19): claimed before any call, one per claim."""

    __tablename__ = "marketplace_actions"
    __table_args__ = (
        UniqueConstraint(
            "marketplace", "account", "claim_id", "action", name="uq_marketplace_actions_claim"
        ),
        Index("ix_marketplace_actions_result_id", "result_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(Integer)
    marketplace: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    code: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None] = mapped_column(Integer)
    write_calls: Mapped[int] = mapped_column(Integer, default=0)


class QuarantineRow(Base):
    """A claim record set aside for a person (core.set_aside): one per account, claim id
    and line. Its columns take whatever screening refused, so keys are kept short by
    core.set_aside.key_text and `raw` is capped at 4 KB."""

    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("account", "claim_id", "line", name="uq_quarantine_record"),
        Index("ix_quarantine_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    marketplace: Mapped[str] = mapped_column(String(16))
    claim_id: Mapped[str] = mapped_column(String(128))
    line: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    times_seen: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]


class PaceRow(Base):
    """The pace of one kind of Web API call (posts to a channel, chat.update), shared by
    every replica: the next slot's start, in seconds since the epoch."""

    __tablename__ = "slack_pace"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double)


class EscalationRow(Base):
    """An alert escalated to the team's user group (issue 18): once per target, ever."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("target", "target_id", name="uq_escalations_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime]
