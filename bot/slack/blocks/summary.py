"""One summary message instead of a flood of alerts (e.g. the first sync of an account)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import t
from bot.slack.blocks.common import (
    Block,
    category_label,
    context,
    field,
    header,
    mrkdwn,
    section,
)
from bot.slack.ids import BlockId
from core.results import Category


def build_backlog_summary(
    counts_by_category: Mapping[Category, int],
    total: int,
    *,
    locale: str,
) -> tuple[list[Block], str]:
    """Blocks and notification text saying `total` results arrived, by category."""
    blocks: list[Block] = [
        header(t(locale, "summary.header", total=total)),
        section(
            mrkdwn(t(locale, "summary.body")),
            fields=[
                field(
                    category_label(locale, category),
                    t(locale, "home.count", count=counts_by_category.get(category, 0)),
                )
                for category in Category
            ],
            block_id=BlockId.SUMMARY_COUNTS,
        ),
        context(t(locale, "summary.hint")),
    ]
    return blocks, t(locale, "summary.text", total=total)
