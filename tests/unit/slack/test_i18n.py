from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pytest

from bot.i18n import CATALOGUES, DEFAULT_LOCALE, Locale, format_datetime, normalize_locale, t
from core.claims import ClaimState, ClaimType, Marketplace
from core.orders import OrderStatus, Phase
from core.results import Category, WithdrawalReason
from tests.support.slack_factories import SEOUL

BOT = Path(__file__).resolve().parents[3] / "bot"


def params(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_both_locales_have_the_same_keys() -> None:
    assert set(CATALOGUES) == set(Locale)
    assert CATALOGUES[Locale.KO].keys() == CATALOGUES[Locale.EN].keys()


@pytest.mark.parametrize("key", sorted(CATALOGUES[Locale.KO]))
def test_both_locales_take_the_same_params(key: str) -> None:
    assert params(CATALOGUES[Locale.KO][key]) == params(CATALOGUES[Locale.EN][key])
    for catalogue in CATALOGUES.values():
        assert catalogue[key].strip()
        assert all(name.isidentifier() for name in params(catalogue[key]))


@pytest.mark.parametrize(
    ("prefix", "enum"),
    [
        ("category", Category),
        ("guidance", Category),
        ("claim_state", ClaimState),
        ("claim_type", ClaimType),
        ("phase", Phase),
        ("order_status", OrderStatus),
        ("marketplace", Marketplace),
        ("withdrawal_reason", WithdrawalReason),
        ("withdrawal_reason_detail", WithdrawalReason),
    ],
)
def test_every_enum_value_has_a_text(prefix: str, enum: type[StrEnum]) -> None:
    for member in enum:
        for locale in Locale:
            assert t(locale, f"{prefix}.{member.value}")


def test_korean_names_the_team_knows() -> None:
    assert [t("ko", f"category.{c.value}") for c in Category] == [
        "배송-반품",
        "배송-취소",
        "송장-취소",
        "접수-취소",
    ]
    assert [t("ko", f"marketplace.{m.value}") for m in Marketplace] == [
        "쿠팡",
        "네이버",
        "11번가",
        "G마켓",
        "옥션",
        "샌드박스",
    ]
    assert [t("ko", f"button.{b}") for b in ("confirm", "details", "undo")] == [
        "확인",
        "C/S 상세",
        "확인취소",
    ]
    assert [t("en", f"button.{b}") for b in ("confirm", "details", "undo")] == [
        "Confirm",
        "C/S details",
        "Undo",
    ]
    assert t("en", "qty.unknown") == "quantity unknown"


def test_guidance_follows_spec_rule_7() -> None:
    assert "회수" in t("ko", "guidance.SHIPPED_RETURN")
    assert "pickup" in t("en", "guidance.SHIPPED_RETURN")
    assert "already on its way" in t("en", "guidance.SHIPPED_CANCEL")
    assert "withdrawal" in t("en", "guidance.INVOICED_CANCEL")
    assert "판매자페이지" in t("ko", "guidance.RECEIVED_CANCEL")


def test_t_fills_params_and_falls_back_to_korean() -> None:
    assert t("ko", "qty.partial", cancel=1, ordered=2) == "🔴 *부분취소 1/2*"
    assert t("en", "qty.partial", cancel=1, ordered=2) == "🔴 *Partial cancel 1/2*"
    assert t(None, "button.confirm") == t("xx", "button.confirm") == "확인"
    with pytest.raises(KeyError):
        t("ko", "no.such.key")


@pytest.mark.parametrize(
    ("setting", "locale"),
    [
        ("en", Locale.EN),
        ("EN-us", Locale.EN),
        ("en_GB", Locale.EN),
        ("ko-KR", Locale.KO),
        ("", DEFAULT_LOCALE),
        (None, DEFAULT_LOCALE),
        ("ja", DEFAULT_LOCALE),
    ],
)
def test_normalize_locale(setting: str | None, locale: Locale) -> None:
    assert normalize_locale(setting) == locale


def test_format_datetime_in_seoul() -> None:
    aware = datetime(2024, 12, 31, 15, 30, tzinfo=UTC)
    assert format_datetime(aware, SEOUL) == "2025-01-01 00:30 KST"
    assert format_datetime(aware.replace(tzinfo=None), SEOUL) == "2025-01-01 00:30 KST"


def string_literals(source: str) -> list[str]:
    """The string constants of a module, docstrings left out."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_korean_text_outside_the_catalogue() -> None:
    # A cheap guard for "every user-facing string comes from i18n.py": Korean is the
    # default language, so a Korean string literal anywhere else is a text that escaped.
    hangul = re.compile(r"[\uac00-\ud7a3]")
    offenders = [
        f"{path.name}: {literal!r}"
        for path in BOT.glob("slack/**/*.py")
        for literal in string_literals(path.read_text(encoding="utf-8"))
        if hangul.search(literal)
    ]
    assert offenders == []


def test_the_korean_guard_sees_string_literals() -> None:
    literals = string_literals('"""문서."""\nLABEL = "확인"  # 주석\n')
    assert literals == ["확인"]
