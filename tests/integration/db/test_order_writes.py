"""SqlOrderRepository writes through the driver's executemany: what it stores must read
back as the ORM would have stored it (aware times as the same instant, flags, None)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from adapters.db.tables import OrderRow
from adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from core.orders import Order, OrderStatus
from core.ports import UnitOfWork

KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC)


def order(no: str, **changes: object) -> Order:
    base = Order(
        management_no=no,
        marketplace="coupang",
        marketplace_order_id=f"O-{no}",
        marketplace_item_id="",
        product_name="상품 '따옴표' %s",  # quotes and a percent sign reach the driver as data
        option="블랙 / L",
        quantity=2,
        status=OrderStatus.RECEIVED,
    )
    return replace(base, **changes)


def test_inserted_and_updated_orders_read_back_as_written(
    make_uow: Callable[[], UnitOfWork],
) -> None:
    shipped = datetime(2026, 11, 1, 18, 30, tzinfo=KST)
    plain, held = order("M1"), order("M2", on_hold=True, held_at=NOW, held_qty=1, cancelled=True)
    with make_uow() as uow:
        uow.orders.insert([plain, held], NOW)
        uow.commit()
    later = NOW + timedelta(minutes=5)
    moved = order("M1", status=OrderStatus.SHIPPED, shipped_at=shipped, invoice_no="INV-1")
    with make_uow() as uow:
        uow.orders.update([moved], later)
        uow.commit()

    with make_uow() as uow:
        stored = uow.orders.get_many(["M1", "M2"])
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        stamps = {
            r.management_no: (r.created_at, r.updated_at)
            for r in uow.session.scalars(select(OrderRow))
        }
    assert stored == {"M1": moved, "M2": held}
    assert stored["M1"].shipped_at == shipped and stored["M1"].shipped_at.tzinfo == UTC
    assert stamps == {"M1": (NOW, later), "M2": (NOW, NOW)}
