"""`cancelbot demo`: the main job on the embedded defaults, shown in the terminal.

A SQLite database in a directory it names, the sandbox's orders, one sync, and then what the
alert channel would receive (rendered from the real Block Kit), the default /cancels view,
the withdrawals and the App Home counts — and the commands to try next.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO, TypeVar
from zoneinfo import ZoneInfo

from bot.cli import present, terminal
from bot.i18n import t
from bot.runtime import jobs
from bot.runtime.bootstrap import build, upgrade_database
from bot.runtime.config import default_config
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings
from bot.slack.alerts import render
from bot.slack.blocks.cancels_common import PAGE_SIZE
from bot.slack.blocks.results_page import build_results_page
from bot.slack.home_view import home_view
from bot.slack.ids import ActionId
from core import read_models
from core.errors import CancelbotError
from core.queries import CancelFilter

T = TypeVar("T")

# Buttons are named the same in every locale in the terminal, e.g. `[Confirm] [C/S details]`,
# with the message's own (Korean) labels after them.
BUTTON_NAMES: dict[str, str] = {
    ActionId.CANCEL_CONFIRM: t("en", "button.confirm"),
    ActionId.WITHDRAWAL_CONFIRM: t("en", "button.confirm"),
    ActionId.CANCEL_DETAILS: t("en", "button.details"),
    ActionId.CANCEL_UNCONFIRM: t("en", "button.undo"),
    ActionId.WITHDRAWAL_UNCONFIRM: t("en", "button.undo"),
}


class Progress:
    """`[2/5] Syncing … done (0.4s)`: one line per step, with a spinner on a terminal."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.step, self.out = total, 0, out

    @contextmanager
    def __call__(self, label: str) -> Iterator[None]:
        self.step += 1
        self.out.write(f"[{self.step}/{self.total}] {label} … ")
        self.out.flush()
        started = time.perf_counter()
        yield
        self.out.write(f"done ({time.perf_counter() - started:.1f}s)\n")
        self.out.flush()


def run_demo(
    directory: str | None,
    *,
    locale: str,
    tz: ZoneInfo,
    out: TextIO = sys.stdout,
    post_to_slack: Callable[[Deps], int] | None = None,
) -> int:
    color = out.isatty()
    where = Path(directory or tempfile.mkdtemp(prefix="cancelbot-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{where / 'cancelbot.db'}"
    progress = Progress(4 if post_to_slack is None else 5, out)
    out.write(f"cancelbot demo — database: {where / 'cancelbot.db'}\n\n")

    with progress("Creating the database"):
        upgrade_database(url)
    deps = build(url, tz)
    config = default_config()
    with progress("Syncing the sandbox marketplace (its order book is loaded first)"):
        [synced] = jobs.sync_all(deps, config)
    report = synced.report
    if report is None or not report.ok:
        out.write(f"sync failed: {report.error if report else synced.skipped_reason}\n")
        return 1
    with progress("Reading what to post"):
        alerts = _pending_alerts(deps, locale, tz)
    if post_to_slack is not None:
        with progress("Posting the alerts to Slack"):
            posted = post_to_slack(deps)
        out.write(f"posted {posted} message(s) to the alert channel\n")

    stats = report.stats
    out.write(
        f"\nsynced: {report.fetched} claims → {stats.new} new results "
        f"({stats.unmatched} unmatched)\n"
    )
    _title(out, f"What the alert channel receives: {len(alerts)} alert(s)", color)
    for blocks in alerts:
        out.write(terminal.render(blocks, color=color, button_names=BUTTON_NAMES) + "\n\n")

    page = read_models.list_results(deps.make_uow, CancelFilter(), limit=PAGE_SIZE)
    _title(out, f"/cancels — default view ({page.total} result(s): 배송후 · 미확인)", color)
    view, _ = build_results_page(
        page, CancelFilter().words(), unconfirmed=page.total, locale=locale, tz=tz
    )
    out.write(terminal.render(view, color=color) + "\n")

    withdrawals = read_models.list_withdrawals(deps.make_uow, CancelFilter())
    _title(out, f"/cancels withdrawals — {withdrawals.total} to release and ship", color)
    out.write(present.withdrawals_table(withdrawals.items, tz, locale) + "\n")

    home = home_view(deps.make_uow, config, locale=locale, tz=tz, now=deps.clock.now())
    _title(out, "App Home", color)
    out.write(terminal.render(home["blocks"], color=color) + "\n")

    first = page.items[0] if page.items else None
    _title(out, "Try next", color)
    out.write(f"  export DATABASE_URL={url}\n")
    prog = _program()
    tries = [(f"{prog} results", "the default view again")]
    if first is not None:
        tries += [
            (f"{prog} confirm {first.id} --by me", "confirm one"),
            (f"{prog} results confirmed:yes", "it moved here"),
        ]
        if first.management_no:
            tries.append((f"{prog} history {first.management_no}", "its C/S history"))
    tries += [
        (f"{prog} results 전체 partial", "every partial cancel"),
        (f"{prog} withdrawals", "held goods to release and ship"),
    ]
    width = max(len(cmd) for cmd, _ in tries) + 2
    for cmd, why in tries:
        out.write(f"  {cmd.ljust(width)}# {why}\n")
    deps.close()
    return 0


def _pending_alerts(deps: Deps, locale: str, tz: ZoneInfo) -> list[list[dict[str, object]]]:
    """The alerts the outbox holds for the channel, in order, built as Slack will get them
    (the outbox is left as it was, for a later `cancelbot run`)."""
    subjects = read_models.pending_alerts(deps.make_uow)
    return [render(subject, locale=locale, tz=tz).blocks for subject in subjects]


def slack_poster(settings: Settings, locale: str) -> Callable[[Deps], int]:
    """`demo --slack`: the same alerts, posted to the real channel through the outbox."""
    from bot.slack.client import make_client
    from bot.slack.publisher import Publisher

    def post(deps: Deps) -> int:
        client = make_client(settings.bot_token, settings.api_url)
        publisher = Publisher(
            deps.make_uow,
            client,
            channel=settings.alert_channel,
            locale=locale,
            tz=settings.timezone,
            clock=deps.clock,
        )
        posted = 0
        for _ in range(5):  # until nothing is due (retries wait for their backoff)
            run = publisher.deliver()
            posted += run.counts["posted"] + run.counts["summaries"]
            if run.errors:
                raise CancelbotError("Slack refused: " + "; ".join(run.errors[:3]))
            if not (run.counts["posted"] or run.counts["summaries"] or run.counts["retried"]):
                break
        return posted

    return post


def _program() -> str:
    """How to call cancelbot again: by name when it is on PATH, else as it was called
    (e.g. .venv/bin/cancelbot right after the README's install)."""
    called = sys.argv[0]
    if Path(called).name == "cancelbot" and shutil.which("cancelbot") != str(
        Path(called).resolve()
    ):
        return os.path.relpath(called) if not called.startswith("/") else called
    return "cancelbot"


def _title(out: TextIO, text: str, color: bool) -> None:
    line = f"\n━━ {text} " + "━" * max(4, 70 - len(text))
    out.write((terminal.BOLD + line + terminal.RESET if color else line) + "\n")
