"""Pure Block Kit builders: domain objects in, (blocks, fallback text) or a view dict out.

They take the locale and time zone as arguments and read no clock, settings or database,
so the same input always renders the same message.
"""

from bot.blocks.alert import build_alert
from bot.blocks.details_modal import build_details_modal
from bot.blocks.digest import build_digest
from bot.blocks.home import AccountHealth, HomeCounts, build_home
from bot.blocks.limits import check_fallback_text, check_limits
from bot.blocks.summary import build_backlog_summary
from bot.blocks.withdrawal import build_withdrawal_alert

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
