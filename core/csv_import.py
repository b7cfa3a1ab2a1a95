"""The orders and claims CSV formats: decoding, validation, and errors with line numbers.

Korean spreadsheet exports arrive as UTF-8 (with or without BOM) or CP949; both are read.
Every bad row is reported (the header is line 1) before anything is applied.

Each problem is told twice: the message a person at the command line or an API client
gets (it may quote the bad value: they sent it), and a `safe` one that names only the line,
the column and the reason, for places where the file's content must not appear (the
orders inbox's .error.txt and its log lines).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import TypeVar

from core.claims import Claim, ClaimState, ClaimType, Marketplace
from core.errors import InvalidInput
from core.orders import Order, OrderStatus
from core.storable import ID_MAX, INT_MAX, clean_text, id_problem, time_problem

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
HEADER_NAME_SHOWN = 24  # characters of an unknown header name an error may quote
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")


class RowError(ValueError):
    """One bad value: `field` names the column; `safe` is the reason without the value."""

    def __init__(self, field: str, message: str, safe: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.safe = message if safe is None else safe


@dataclass(frozen=True)
class Problem:
    line: int | None  # 1 is the header; None: the file as a whole
    column: str | None
    message: str  # may quote the value
    safe: str  # never does

    def text(self, *, safe: bool = False) -> str:
        where = f"line {self.line}" if self.line is not None else "the file"
        if self.column:
            where += f", column {self.column}" if safe else f": {self.column}"
        return f"{where}: {self.safe if safe else self.message}"


class CsvError(InvalidInput):
    """A file that cannot be imported: every problem found, by line and column."""

    def __init__(self, problems: Sequence[Problem], intro: str = "") -> None:
        self.problems = list(problems)
        self.intro = intro
        super().__init__(self.render(safe=False))

    def render(self, *, safe: bool) -> str:
        lines = [p.text(safe=safe) for p in self.problems[:MAX_ERRORS_SHOWN]]
        if (more := len(self.problems) - MAX_ERRORS_SHOWN) > 0:
            lines.append(f"… and {more} more")
        if self.intro:
            return self.intro + "\n" + "\n".join(lines)
        return "\n".join(lines)

    def safe_text(self) -> str:
        """The problems without any of the file's content (for the inbox's .error.txt)."""
        return self.render(safe=True)


def _shown_header(name: str) -> str:
    """An unknown header name as an error may show it: cut, with control characters escaped."""
    cut = name[:HEADER_NAME_SHOWN] + ("…" if len(name) > HEADER_NAME_SHOWN else "")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in cut)[:60]


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
            why = f"cannot decode the file at byte {exc.start}: save it as UTF-8 or CP949"
            raise CsvError([Problem(None, None, why, why)]) from None


def _rows(text: str, fields: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            why = "the file is empty; expected the header " + ",".join(fields)
            raise CsvError([Problem(1, None, why, why)])
        names = [h.strip() for h in header]
        missing = [f for f in fields if f not in names]
        unknown = [n for n in names if n not in fields]
        if missing or unknown:
            parts, safe = [], []
            if missing:
                parts.append("missing column(s) " + ", ".join(missing))
                safe.append(parts[-1])
            if unknown:
                parts.append("unknown column(s) " + ", ".join(unknown))
                shown = [_shown_header(n) for n in unknown[:5]]
                more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
                safe.append("unknown column(s) " + ", ".join(shown) + more)
            expected = f"; expected the header {','.join(fields)}"
            why = "; ".join(parts) + expected
            raise CsvError([Problem(1, None, why, "; ".join(safe) + expected)])
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                why = f"{len(row)} columns, the header has {len(names)}"
                raise CsvError([Problem(reader.line_num, None, why, why)])
            yield reader.line_num, {n: cell.strip() for n, cell in zip(names, row, strict=True)}
    except csv.Error as exc:
        # The csv module's own words name no content ("field larger than field limit").
        why = f"not readable as CSV ({exc})"
        raise CsvError([Problem(max(reader.line_num, 1), None, why, why)]) from None


def parse_rows(
    text: str, fields: tuple[str, ...], build: Callable[[Mapping[str, str]], T]
) -> list[tuple[int, T]]:
    """All rows with their line numbers, or a CsvError listing every bad one by line and
    column."""
    out: list[tuple[int, T]] = []
    problems: list[Problem] = []
    for line, row in _rows(text, fields):
        try:
            out.append((line, build(row)))
        except RowError as exc:
            problems.append(Problem(line, exc.field, str(exc), exc.safe))
    if problems:
        raise CsvError(problems, "nothing was imported:")
    return out


def _required(row: Mapping[str, str], field: str) -> str:
    value = row.get(field, "")
    if not value:
        raise RowError(field, "is required")
    return value


def _parse(field: str, value: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(value)
    except ValueError as exc:
        # The vocabulary's parsers say "unknown <what> '<value>': use <the valid forms>".
        hint = str(exc).rpartition(": ")[2]
        raise RowError(field, str(exc), f"not a known value: {hint}") from None


def _int(field: str, value: str, minimum: int) -> int:
    if not _WHOLE_NUMBER.fullmatch(value):
        raise RowError(field, f"{value[:40]!r} is not a whole number", "is not a whole number")
    n = int(value)
    if n < minimum:
        raise RowError(field, f"{n} is less than {minimum}")
    if n > INT_MAX:
        raise RowError(field, f"is more than {INT_MAX}")
    return n


def _id(row: Mapping[str, str], field: str, *, required: bool = True) -> str:
    """An id column: never cut, never cleaned (another id would match another order)."""
    value = _required(row, field) if required else row.get(field, "")
    if problem := id_problem(value, ID_MAX):
        raise RowError(field, problem)
    return value


def parse_time(value: str, tz: tzinfo) -> datetime:
    """ISO 8601 with or without offset, or a bare date; no offset means local time."""
    try:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a date/time (use YYYY-MM-DD HH:MM:SS)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _time(field: str, value: str, tz: tzinfo, *, checked: bool = True) -> datetime:
    """A date/time; `checked`: within what cancelbot stores (claims leave that to
    screening, which quarantines the claim instead of refusing the file)."""
    moment: datetime | None = None
    if len(value) == 10:
        with contextlib.suppress(ValueError):  # not a bare date: read it as a date/time
            moment = datetime.combine(date.fromisoformat(value), time(), tz)
    if moment is None:
        try:
            moment = parse_time(value, tz)
        except ValueError as exc:
            raise RowError(
                field, str(exc), "is not a date/time (use YYYY-MM-DD HH:MM:SS)"
            ) from None
    if checked and (problem := time_problem(moment)):
        raise RowError(field, problem)
    return moment


# Parsed once per distinct text: a batch repeats the same few marketplaces and statuses.
# Failures are not cached (lru_cache keeps return values only), so each row says its own.
@functools.lru_cache(maxsize=64)
def _marketplace_code(text: str) -> str:
    return Marketplace.parse(text).value


_order_status = functools.lru_cache(maxsize=64)(OrderStatus.parse)


def order_from_mapping(row: Mapping[str, str], tz: tzinfo) -> Order:
    """One orders-CSV row (or a JSON object with the same fields) as an Order."""
    shipped = row.get("shipped_at", "")
    return Order(
        management_no=_id(row, "management_no"),
        marketplace=_parse("marketplace", _required(row, "marketplace"), _marketplace_code),
        marketplace_order_id=_id(row, "marketplace_order_id"),
        marketplace_item_id=_id(row, "marketplace_item_id", required=False),
        product_name=clean_text(row.get("product_name", "")),
        option=clean_text(row.get("option", "")),
        quantity=_int("quantity", _required(row, "quantity"), 1),
        status=_parse("status", _required(row, "status"), _order_status),
        invoice_no=_id(row, "invoice_no", required=False),
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
    raise RowError(
        "shipped_hint",
        f"{value[:40]!r}: use yes, no or leave it empty",
        "use yes, no or leave it empty",
    )


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
        claimed_at=_time("claimed_at", _required(row, "claimed_at"), tz, checked=False),
        completed_at=_time("completed_at", completed, tz, checked=False) if completed else None,
        shipped_hint=_hint(row.get("shipped_hint", "")),
        product_name=row.get("product_name", ""),
    )


def read_orders(data: bytes, tz: tzinfo) -> list[Order]:
    """Every order of the file, or a CsvError. A management number is one order line: the
    same one on two lines is an error naming both (SPEC §3), never "the last one wins"."""
    return [order for _, order in read_order_rows(data, tz)]


def read_order_rows(data: bytes, tz: tzinfo) -> list[tuple[int, Order]]:
    """read_orders with each order's line number."""
    rows = parse_rows(decode(data), ORDER_FIELDS, lambda r: order_from_mapping(r, tz))
    first: dict[str, int] = {}
    problems = []
    for line, order in rows:
        earlier = first.setdefault(order.management_no, line)
        if earlier != line:
            why = f"the same management number as line {earlier}"
            problems.append(Problem(line, "management_no", why, why))
    if problems:
        raise CsvError(problems, "nothing was imported:")
    return rows


def read_claims(data: bytes, tz: tzinfo) -> list[Claim]:
    rows = parse_rows(decode(data), CLAIM_FIELDS, lambda r: claim_from_mapping(r, tz))
    return [claim for _, claim in rows]
