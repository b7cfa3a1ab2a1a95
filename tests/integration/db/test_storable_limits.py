"""core.storable says what the database holds; the tables must say the same."""

from __future__ import annotations

from sqlalchemy import Integer, String

from adapters.db.tables import CancelResultRow, OrderRow, QuarantineRow, SyncStateRow
from core import storable


def _length(column: object) -> int | None:
    kind = column.type  # type: ignore[attr-defined]
    return kind.length if isinstance(kind, String) else None


def test_core_limits_are_the_column_lengths() -> None:
    results = CancelResultRow.__table__.c
    orders = OrderRow.__table__.c
    expected = [
        (results.account, storable.ACCOUNT_MAX),
        (results.marketplace, storable.MARKETPLACE_MAX),
        (results.claim_id, storable.CLAIM_ID_MAX),
        (results.marketplace_order_id, storable.ID_MAX),
        (results.marketplace_item_id, storable.ID_MAX),
        (results.confirmed_by, storable.ACTOR_MAX),
        (orders.management_no, storable.ID_MAX),
        (orders.marketplace_order_id, storable.ID_MAX),
        (orders.marketplace_item_id, storable.ID_MAX),
        (orders.invoice_no, storable.ID_MAX),
        (SyncStateRow.__table__.c.account, storable.ACCOUNT_MAX),
        (QuarantineRow.__table__.c.account, storable.ACCOUNT_MAX),
        (QuarantineRow.__table__.c.claim_id, storable.CLAIM_ID_MAX),
        (QuarantineRow.__table__.c.line, storable.ID_MAX),
    ]
    wrong = [(str(column), _length(column), limit) for column, limit in expected]
    assert [w for w in wrong if w[1] != w[2]] == []


def test_quantities_and_ids_are_32_bit_integers() -> None:
    for column in (OrderRow.__table__.c.quantity, CancelResultRow.__table__.c.cancel_qty):
        assert isinstance(column.type, Integer)
    assert storable.INT_MAX == 2**31 - 1
