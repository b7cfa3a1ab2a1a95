"""`/cancels stats`: matching results counted by category × marketplace."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from bot.i18n import t
from bot.slack.blocks.cancels_common import top_blocks
from bot.slack.blocks.common import (
    SEPARATOR,
    Block,
    category_label,
    marketplace_label,
    mrkdwn,
    section,
)
from core.results import Category


def build_stats(
    counts: Mapping[tuple[Category, str], int], words: Sequence[str], *, locale: str
) -> tuple[list[Block], str]:
    """One line per category (its total, then each marketplace), then the totals per
    marketplace. Categories in the OMS's order; marketplaces by count, then by name."""
    total = sum(counts.values())
    blocks = top_blocks(t(locale, "stats.title", total=total), words, (), locale=locale)
    if not total:
        blocks.append(section(mrkdwn(t(locale, "cancels.empty"))))
        return blocks, t(locale, "stats.text", total=total)
    lines = []
    for category in Category:
        markets = {m: n for (c, m), n in counts.items() if c is category and n}
        if markets:
            lines.append(
                t(
                    locale,
                    "stats.category_line",
                    category=category_label(locale, category),
                    count=sum(markets.values()),
                    markets=_markets(markets, locale),
                )
            )
    by_market: Counter[str] = Counter()
    for (_, market), n in counts.items():
        by_market[market] += n
    lines.append(t(locale, "stats.by_marketplace", markets=_markets(by_market, locale)))
    blocks.append(section(mrkdwn("\n".join(lines))))
    return blocks, t(locale, "stats.text", total=total)


def _markets(counts: Mapping[str, int], locale: str) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return SEPARATOR.join(
        t(locale, "stats.market_count", marketplace=marketplace_label(locale, m), count=n)
        for m, n in ordered
        if n
    )
