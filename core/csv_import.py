"""The orders and claims CSV formats: decoding, validation, and errors with line numbers.

Korean spreadsheet exports arrive as UTF-8 (with or without BOM) or CP949; both are read.
Every bad row is reported (the header is line 1) before anything is applied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, tzinfo
from typing import TypeVar

from core.claims import Claim, ClaimState, ClaimType, Marketplace
from core.errors import InvalidInput
from core.orders import Order, OrderStatus

T = TypeVar("T")

ORDER_FIELDS = (
    "management_no",
    "marketplace",
    "marketplace_order_id",
    "marketplace_item_id",
    "product_name",
    "option",
    "quantity",
    "status",
    "invoice_no",
    "shipped_at",
)
CLAIM_FIELDS = (
    "marketplace",
    "account",
    "claim_id",
    "claim_type",
    "claim_state",
    "marketplace_order_id",
    "marketplace_item_id",
    "cancel_qty",
    "ordered_qty",
    "claimed_at",
    "completed_at",
    "shipped_hint",
    "product_name",
)
MAX_ERRORS_SHOWN = 20


class RowError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not) first; CP949 when that fails, as Excel in Korea writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp949")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"cannot decode the file at byte {exc.start}: save it as UTF-8 or CP949"
            ) from None


def _rows(text: str, fields: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InvalidInput("line 1: the file is empty; expected the header " + ",".join(fields))
    names = [h.strip() for h in header]
    missing = [f for f in fields if f not in names]
    unknown = [n for n in names if n not in fields]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s) " + ", ".join(unknown))
        raise InvalidInput(f"line 1: {'; '.join(parts)}; expected the header {','.join(fields)}")
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise InvalidInput(
                f"line {reader.line_num}: {len(row)} columns, the header has {len(names)}"
            )
        yield reader.line_num, {n: cell.strip() for n, cell in zip(names, row, strict=True)}


def parse_rows(
    text: str, fields: tuple[str, ...], build: Callable[[Mapping[str, str]], T]
) -> list[T]:
    """All rows or an InvalidInput listing every bad one by line and column."""
    return [value for _, value in _numbered(text, fields, build)]


def _numbered(
    text: str, fields: tuple[str, ...], build: Callable[[Mapping[str, str]], T]
) -> list[tuple[int, T]]:
    out: list[tuple[int, T]] = []
    errors: list[str] = []
    for line, row in _rows(text, fields):
        try:
            out.append((line, build(row)))
        except RowError as exc:
            errors.append(f"line {line}: {exc.field}: {exc}")
    _refuse(errors)
    return out


def _refuse(errors: list[str]) -> None:
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        shown = errors[:MAX_ERRORS_SHOWN] + ([f"… and {more} more"] if more > 0 else [])
        raise InvalidInput("nothing was imported:\n" + "\n".join(shown))


def _required(row: Mapping[str, str], field: str) -> str:
    value = row.get(field, "")
    if not value:
        raise RowError(field, "is required")
    return value


def _parse(field: str, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ValueError as exc:
        raise RowError(field, str(exc)) from None


def _int(field: str, value: str, minimum: int) -> int:
    try:
        n = int(value)
    except ValueError:
        raise RowError(field, f"{value!r} is not a whole number") from None
    if n < minimum:
        raise RowError(field, f"{n} is less than {minimum}")
    return n


def parse_time(value: str, tz: tzinfo) -> datetime:
    """ISO 8601 with or without offset, or a bare date; no offset means local time."""
    try:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date/time (use YYYY-MM-DD HH:MM:SS)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _time(field: str, value: str, tz: tzinfo) -> datetime:
    if len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), time(), tz)
        except ValueError:
            pass
    return _parse(field, value, lambda v: parse_time(v, tz))


def order_from_mapping(row: Mapping[str, str], tz: tzinfo) -> Order:
    """One orders-CSV row (or a JSON object with the same fields) as an Order."""
    shipped = row.get("shipped_at", "")
    return Order(
        management_no=_required(row, "management_no"),
        marketplace=_parse("marketplace", _required(row, "marketplace"), Marketplace.parse).value,
        marketplace_order_id=_required(row, "marketplace_order_id"),
        marketplace_item_id=row.get("marketplace_item_id", ""),
        product_name=row.get("product_name", ""),
        option=row.get("option", ""),
        quantity=_int("quantity", _required(row, "quantity"), 1),
        status=_parse("status", _required(row, "status"), OrderStatus.parse),
        invoice_no=row.get("invoice_no", ""),
        shipped_at=_time("shipped_at", shipped, tz) if shipped else None,
    )


_YES = {"yes", "y", "true", "1", "예", "네", "o"}
_NO = {"no", "n", "false", "0", "아니오", "아니요", "x"}


def _hint(value: str) -> bool | None:
    word = value.strip().lower()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise RowError("shipped_hint", f"{value!r}: use yes, no or leave it empty")


def claim_from_mapping(row: Mapping[str, str], tz: tzinfo) -> Claim:
    order_id = row.get("marketplace_order_id", "")
    item_id = row.get("marketplace_item_id", "")
    if not order_id and not item_id:
        raise RowError("marketplace_order_id", "needs marketplace_order_id or marketplace_item_id")
    ordered = row.get("ordered_qty", "")
    completed = row.get("completed_at", "")
    return Claim(
        marketplace=_parse("marketplace", _required(row, "marketplace"), Marketplace.parse).value,
        account=row.get("account", ""),
        claim_id=_required(row, "claim_id"),
        claim_type=_parse("claim_type", _required(row, "claim_type"), ClaimType.parse),
        claim_state=_parse("claim_state", _required(row, "claim_state"), ClaimState.parse),
        marketplace_order_id=order_id,
        marketplace_item_id=item_id,
        cancel_qty=_int("cancel_qty", _required(row, "cancel_qty"), 1),
        ordered_qty=_int("ordered_qty", ordered, 1) if ordered else None,
        claimed_at=_time("claimed_at", _required(row, "claimed_at"), tz),
        completed_at=_time("completed_at", completed, tz) if completed else None,
        shipped_hint=_hint(row.get("shipped_hint", "")),
        product_name=row.get("product_name", ""),
    )


def read_orders(data: bytes, tz: tzinfo) -> list[Order]:
    """The orders of a file; one management number on two lines is an error naming both:
    which line is right is not ours to guess."""
    numbered = _numbered(decode(data), ORDER_FIELDS, lambda r: order_from_mapping(r, tz))
    lines: dict[str, list[int]] = {}
    for line, order in numbered:
        lines.setdefault(order.management_no, []).append(line)
    _refuse(
        [
            f"lines {', '.join(map(str, where))}: management_no: {no} is on more than one "
            "line; keep one line per management number"
            for no, where in lines.items()
            if len(where) > 1
        ]
    )
    return [order for _, order in numbered]


def read_claims(data: bytes, tz: tzinfo) -> list[Claim]:
    return parse_rows(decode(data), CLAIM_FIELDS, lambda r: claim_from_mapping(r, tz))
