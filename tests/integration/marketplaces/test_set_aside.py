"""SetAside: a record an adapter keeps for a person instead of guessing or failing."""

from __future__ import annotations

import json
import logging

import pytest

from adapters.marketplaces._claims import RAW_LIMIT, SetAside, cap_raw, set_aside


def test_a_record_is_kept_as_json_text_and_logged_without_its_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kept: list[SetAside] = []
    record = {"productOrderId": "2025030498765401", "ordererName": "홍길동", "quantity": 2}

    with caplog.at_level(logging.WARNING):
        entry = set_aside(
            kept,
            account="naver-main",
            marketplace="naver",
            claim_id="C123",
            reason="no quantity",
            record=record,
        )

    assert kept == [entry]
    assert (entry.account, entry.marketplace, entry.claim_id, entry.reason) == (
        "naver-main",
        "naver",
        "C123",
        "no quantity",
    )
    assert json.loads(entry.raw) == record and "홍길동" in entry.raw  # readable, not escaped
    assert "naver account naver-main: claim C123 set aside: no quantity" in caplog.text
    assert "홍길동" not in caplog.text and "2025030498765401" not in caplog.text


def test_text_records_are_kept_as_sent() -> None:
    kept: list[SetAside] = []
    xml = "<order><ordNo>1</ordNo></order>"
    set_aside(kept, account="a", marketplace="11st", claim_id="1", reason="r", record=xml)
    assert kept[0].raw == xml


def test_raw_is_capped_at_4_kb_without_splitting_a_character() -> None:
    text = "가" * 2000  # 3 bytes each in UTF-8: 6,000 bytes
    capped = cap_raw(text)
    assert RAW_LIMIT == 4096
    assert len(capped.encode("utf-8")) == 4095  # 1,365 whole characters; no broken one
    assert capped == "가" * 1365
    assert cap_raw("short") == "short"


def test_a_set_aside_record_is_a_frozen_value() -> None:
    entry = SetAside("a", "naver", "C1", "why", "{}")
    with pytest.raises(AttributeError):
        entry.reason = "other"  # type: ignore[misc]
