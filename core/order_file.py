"""An orders file (the inbox) imported in chunks, each chunk its own transaction, so a
500,000-row file never holds SQLite's one write lock for a minute.

All or nothing as far as the file's reader can tell: everything that can be wrong with the
file (its rows, their values, a status moving backwards) is found before the first chunk
is written, so a file refused for its content has nothing applied. What can still fail
after that is the database itself (or another writer moving an order backwards between
the check and its chunk); the chunks before stay, and `PartlyImported` says so: importing
the file again applies the rest, and the rows already applied are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from core.errors import CancelbotError
from core.order_book import OrderImport, StatusRegression, import_orders
from core.orders import Order, OrderStatus
from core.ports import UnitOfWork

DEFAULT_CHUNK = 5000


class PartlyImported(CancelbotError):
    """A chunk failed after `applied` rows of the file were committed."""

    def __init__(self, applied: int, total: int, cause: CancelbotError) -> None:
        super().__init__(
            f"{applied} of {total} rows were applied before the database failed "
            f"({cause.__class__.__name__}); importing the file again applies the rest"
        )
        self.applied = applied
        self.total = total
        self.cause = cause


def backwards_moves(
    make_uow: Callable[[], UnitOfWork], orders: Sequence[Order], chunk: int = DEFAULT_CHUNK
) -> list[tuple[str, OrderStatus, OrderStatus]]:
    """The orders whose status the file would move backwards (read only)."""
    moves = []
    for start in range(0, len(orders), chunk):
        part = orders[start : start + chunk]
        with make_uow() as uow:
            existing = uow.orders.get_many([o.management_no for o in part])
        for order in part:
            old = existing.get(order.management_no)
            if old is not None and order.status.rank < old.status.rank:
                moves.append((order.management_no, old.status, order.status))
    return moves


def import_in_chunks(
    make_uow: Callable[[], UnitOfWork],
    orders: Sequence[Order],
    now: datetime,
    *,
    chunk: int = DEFAULT_CHUNK,
) -> OrderImport:
    """Import `orders` (already validated, one row per management number) `chunk` rows
    per transaction; StatusRegression before anything is written, PartlyImported when a
    later chunk fails."""
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    if moves := backwards_moves(make_uow, orders, chunk):
        raise StatusRegression(moves)
    total = OrderImport()
    for start in range(0, len(orders), chunk):
        try:
            done = import_orders(make_uow, orders[start : start + chunk], now)
        except CancelbotError as exc:
            if start == 0:
                raise
            raise PartlyImported(start, len(orders), exc) from exc
        total.created += done.created
        total.updated += done.updated
        total.unchanged += done.unchanged
        total.matched += done.matched
        total.settled += done.settled
    return total
