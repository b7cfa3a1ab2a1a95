"""Pure Block Kit builders: domain objects in, (blocks, fallback text) or a view dict out.

They take the locale and time zone as arguments and read no clock, settings or database,
so the same input always renders the same message.
"""

from bot.slack.blocks.alert import build_alert
from bot.slack.blocks.details_modal import build_details_modal
from bot.slack.blocks.digest import build_digest
from bot.slack.blocks.home import AccountHealth, HomeCounts, build_home
from bot.slack.blocks.limits import check_fallback_text, check_limits
from bot.slack.blocks.summary import build_backlog_summary
from bot.slack.blocks.withdrawal import build_withdrawal_alert

__all__ = [
    "AccountHealth",
    "HomeCounts",
    "build_alert",
    "build_backlog_summary",
    "build_details_modal",
    "build_digest",
    "build_home",
    "build_withdrawal_alert",
    "check_fallback_text",
    "check_limits",
]
