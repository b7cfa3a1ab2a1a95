"""parse_page reads well-formed receipts without a JsonNode per field; whatever it is
given, its answer must be the checked read's (parse_receipt): the same Receipt, or the
row set aside with the same reason."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.marketplaces._json import GarbledBody, JsonNode
from adapters.marketplaces.coupang import Receipt, _quick_receipt, parse_page, parse_receipt

from .builders import fixture_json, fixture_text
from .fake_coupang import make_receipts

ROWS = [
    *make_receipts(6, datetime(2025, 3, 1, tzinfo=UTC)),
    # The official page prints its last member without quotes or a comma.
    *json.loads(
        fixture_text("coupang_return_requests_v6_official.json").replace(
            '\n\n nextToken: ""', ',\n "nextToken": ""'
        )
    )["data"],
    *fixture_json("coupang_return_requests.json")["data"],
]
ODD = [
    None, "", "x", 0, -1, 7, True, False, 1.5, 10**30, "9" * 4001, [], {}, {"units": 1},
    {"units": 1, "nanos": True}, {"units": 3, "nanos": 5}, "2025-03-01T10:00:00",
    "2025-03-01T10:00:00.123456+09:00", "2025-03-01", "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-09:00", "1970-01-01T08:59:59", "2025-13-01T00:00:00", "미처리",
    "2199-12-31T23:59:59-09:00", "2199-12-31T10:00:00+09:00", "1970-01-01T09:00:00",
]  # fmt: skip
MISSING = object()


def checked(row: Any) -> Receipt | str:
    try:
        return parse_receipt(JsonNode(row, "$.data[0]"))
    except GarbledBody as exc:
        return str(exc)


def quick(row: Any) -> Receipt | str:
    page = parse_page(JsonNode({"data": [row], "nextToken": ""}))
    return page.receipts[0] if page.receipts else page.bad[0].reason


@st.composite
def rows(draw: st.DrawFn) -> Any:
    row = copy.deepcopy(draw(st.sampled_from(ROWS)))
    for _ in range(draw(st.integers(0, 3))):
        target = row
        items = row.get("returnItems")
        if draw(st.booleans()) and isinstance(items, list) and items:
            target = draw(st.sampled_from(items))
        if not isinstance(target, dict) or not target:
            continue
        field = draw(st.sampled_from(sorted(target)))
        value = draw(st.sampled_from([MISSING, *ODD]))
        if value is MISSING:
            del target[field]
        else:
            target[field] = value
    if draw(st.integers(0, 9)) == 0:
        row = draw(st.sampled_from(ODD))  # not even an object
    return row


@given(rows())
def test_the_quick_read_answers_what_the_checked_read_does(row: Any) -> None:
    expected = checked(row)

    got = quick(row)

    assert got == expected
    assert repr(got) == repr(expected)  # the same offsets and Decimal exponents too


def test_well_formed_receipts_take_the_quick_read() -> None:
    for row in ROWS:
        assert _quick_receipt(row) == checked(row)
