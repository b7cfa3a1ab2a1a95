"""Reading the vocabulary's codes as people write them: English in any case, or Korean."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def parse_code(cls: type[E], text: str, korean: Mapping[str, E], what: str) -> E:
    """`cls`'s member for `text`, or a ValueError naming `what` and every valid form."""
    word = text.strip()
    if word in korean:
        return korean[word]
    try:
        return cls(word.upper())
    except ValueError:
        english = "/".join(m.value for m in cls)
        raise ValueError(f"unknown {what} {text!r}: use {english} or {'/'.join(korean)}") from None
