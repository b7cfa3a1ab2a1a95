"""The Slack side of the outbox: alerts, their updates, thread notes and the daily digest,
delivered through core's outbox worker (core.delivery), which claims, retries and records.

What this module adds, and what carries each guarantee:
- one alert per result or withdrawal: POST_ALERT items are unique per target (dedupe key)
  and leased to one worker; the stored (channel, ts) ref is checked before posting, and a
  retried post first looks for its own message in the channel (by message metadata);
- pace: at most one chat.postMessage per second per channel and chat.update at Slack's
  Tier 3, across replicas, and a 429 holds every call for Retry-After seconds
  (bot.slack.pacing);
- no flood: more than `backlog_threshold` new alerts at once become one summary message;
- App Home: REFRESH_HOME items publish one person's Home again (issue 18), rendered by the
  `home` callable the process hands in.
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.i18n import t
from bot.slack.alerts import METADATA_EVENT, RenderedAlert, alert_metadata, render
from bot.slack.blocks import build_backlog_summary, build_digest
from bot.slack.blocks.common import context
from bot.slack.blocks.thread_notes import thread_text
from bot.slack.pacing import (
    POST_INTERVAL,
    Interrupted,
    Pacer,
    SlackFailed,
    Slots,
    SystemTimer,
    Timer,
)
from core import dashboard
from core.delivery import (
    Attempt,
    DeliveryRun,
    OutboxWorker,
    queue_alert_post,
    record_alert_message,
)
from core.outbox import OutboxItem, OutboxKind, needs_alert
from core.ports import Clock, UnitOfWork
from core.read_models import AlertSubject, alert_subject
from core.results import Category, TargetKind

log = logging.getLogger(__name__)

# Items are claimed for this long and renewed by the worker's heartbeat every third of it
# while they are worked: a replica that dies leaves them to the others within a minute.
LEASE: Final = timedelta(seconds=30)
BATCH: Final = 50
CLAIM_ALL_BATCH: Final = 500
HISTORY_LOOKBACK: Final = timedelta(minutes=5)
HISTORY_PAGES: Final = 10  # up to 2,000 messages back when looking for an earlier post
REST: Final = (
    OutboxKind.UPDATE_ALERT,
    OutboxKind.THREAD_NOTE,
    OutboxKind.DIGEST,
    OutboxKind.REFRESH_HOME,
)

UowFactory = Callable[[], UnitOfWork]


class Publisher:
    """Delivers due outbox items to Slack. One instance per process; `deliver` is called by
    the scheduler every few seconds and is not re-entrant (the job has max_instances=1)."""

    def __init__(
        self,
        make_uow: UowFactory,
        client: WebClient,
        *,
        channel: str,
        locale: str,
        tz: ZoneInfo,
        clock: Clock,
        timer: Timer | None = None,
        backlog_threshold: int = 20,
        post_interval: float = POST_INTERVAL,
        should_stop: Callable[[], bool] = lambda: False,
        slots: Slots | None = None,
        accept_accounts: frozenset[str] = frozenset(),
        oms_order_url: str | None = None,
        home: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        """`slots`: where paced calls take their turns; SharedSlots (the database) makes
        the pace hold across replicas, the default keeps it in this process.
        `accept_accounts` and `oms_order_url` (config) shape the alerts (issues 19, 18);
        `home(user)` renders a person's App Home view (None: REFRESH_HOME items are
        skipped)."""
        self.make_uow = make_uow
        self.client = client
        self.channel = channel
        self.locale = locale
        self.tz = tz
        self.clock = clock
        self.timer = timer or SystemTimer()
        self.backlog_threshold = backlog_threshold
        self.should_stop = should_stop
        self.accept_accounts = accept_accounts
        self.oms_order_url = oms_order_url
        self.home = home
        self.pacer = Pacer(self.timer, post_interval, slots=slots)
        self.worker = OutboxWorker(
            make_uow, clock, should_stop=should_stop, monotonic=self.timer.monotonic
        )

    # --- the loop -----------------------------------------------------------------------

    def deliver(self) -> DeliveryRun:
        """Deliver everything that is due now, then return."""
        run = DeliveryRun()
        while not self.should_stop():
            before = run.handled
            self._deliver_posts(run)
            self.worker.work(self.worker.claim(REST, BATCH, LEASE), self._handle, LEASE, run)
            if run.handled == before:
                break
        return run

    def _deliver_posts(self, run: DeliveryRun) -> None:
        limit = self.backlog_threshold + 1
        items = self.worker.claim([OutboxKind.POST_ALERT], limit, LEASE)
        if len(items) <= self.backlog_threshold:
            self.worker.work(items, self._handle, LEASE, run)
            return
        while batch := self.worker.claim([OutboxKind.POST_ALERT], CLAIM_ALL_BATCH, LEASE):
            items += batch
        with self.worker.holding({item.id for item in items if item.id is not None}, LEASE):
            attempt = self._attempt(self._post_backlog, items, run)
        self.worker.record_all(items, attempt, run)

    def _handle(self, item: OutboxItem) -> Attempt:
        handlers: dict[OutboxKind, Callable[[OutboxItem], str]] = {
            OutboxKind.POST_ALERT: self._post_alert,
            OutboxKind.UPDATE_ALERT: self._update_alert,
            OutboxKind.THREAD_NOTE: self._thread_note,
            OutboxKind.DIGEST: self._digest,
            OutboxKind.REFRESH_HOME: self._refresh_home,
        }
        handler = handlers.get(item.kind)
        if handler is None:
            raise ValueError(f"the Slack publisher does not deliver {item.kind} items")
        return self._attempt(handler, item)

    def _attempt(self, handler: Callable[..., str], *args: Any) -> Attempt:
        """The handler's note as a done Attempt, or what its Slack failure means."""
        try:
            return Attempt.done(handler(*args))
        except Interrupted:
            return Attempt.release("delivery interrupted (shutdown)")
        except SlackFailed as exc:
            failure = exc.failure
            if failure.permanent:
                return Attempt.give_up(failure.description)
            after = timedelta(seconds=failure.retry_after) if failure.rate_limited else None
            return Attempt.retry(failure.description, after)

    # --- one item each -----------------------------------------------------------------

    def _post_alert(self, item: OutboxItem) -> str:
        target, target_id = _target(item)
        subject = alert_subject(self.make_uow, target, target_id)
        if subject is None or subject.message is not None:
            return "skipped"
        rendered = self._render(subject)
        if not rendered.wanted:
            return "skipped"
        # A retry may follow a post that reached Slack but not our database (a crash, a
        # timeout on the answer): look for our own message before posting a second one.
        found = self._find_posted(target, target_id, item) if item.attempts > 1 else None
        note = "skipped"
        if found is None:
            response = self._call(
                "chat.postMessage",
                lambda: self.client.chat_postMessage(
                    channel=self.channel,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata=alert_metadata(target, target_id),
                    unfurl_links=False,
                    unfurl_media=False,
                ),
                post_to=self.channel,
            )
            found = (str(response.get("channel") or self.channel), str(response["ts"]))
            note = "posted"
        record_alert_message(self.make_uow, target, target_id, found, self.clock.now())
        return note

    def _update_alert(self, item: OutboxItem) -> str:
        target, target_id = _target(item)
        subject = alert_subject(self.make_uow, target, target_id)
        if subject is None:
            return "skipped"
        rendered = self._render(subject)
        if subject.message is not None:
            channel, ts = subject.message
            self._call(
                "chat.update",
                lambda: self.client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata=alert_metadata(target, target_id),
                ),
            )
            return "updated"
        if rendered.wanted:
            # Not posted yet: (re)queue the post. Its dedupe key makes this a no-op when a
            # post is pending or was folded into a backlog summary, so nothing posts twice.
            queue_alert_post(self.make_uow, target, target_id, self.clock.now())
        return "skipped"

    def _thread_note(self, item: OutboxItem) -> str:
        target, target_id = _target(item)
        subject = alert_subject(self.make_uow, target, target_id)
        if subject is None or subject.message is None:
            # No channel message (e.g. a before-shipping result confirmed in /cancels):
            # nothing to reply under.
            return "skipped"
        channel, ts = subject.message
        text = thread_text(item.payload, target, locale=self.locale, tz=self.tz)
        self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, unfurl_links=False, unfurl_media=False
            ),
            post_to=channel,
        )
        return "notes"

    def _refresh_home(self, item: OutboxItem) -> str:
        user = str(item.payload.get("user") or "")
        if self.home is None or not user:
            return "skipped"
        view = self.home(user)
        self._call("views.publish", lambda: self.client.views_publish(user_id=user, view=view))
        return "homes"

    def _digest(self, item: OutboxItem) -> str:
        digest = dashboard.digest(self.make_uow, self.clock.now())
        if digest.empty:
            # Nothing waits for more than a day: a daily "all clear" would teach people to
            # skip the digest.
            return "skipped"
        blocks, text = build_digest(
            digest.results,
            digest.withdrawals,
            locale=self.locale,
            tz=self.tz,
            total_results=digest.total_results,
            total_withdrawals=digest.total_withdrawals,
        )
        self._post(blocks, text)
        return "digests"

    def _post_backlog(self, items: Sequence[OutboxItem], run: DeliveryRun) -> str:
        """One summary instead of a flood; the list itself lives in /cancels."""
        by_category: Counter[Category] = Counter()
        withdrawals = 0
        for item in items:
            if self.should_stop():
                raise Interrupted()  # handed back whole: the next run summarizes them
            target, target_id = _target(item)
            subject = alert_subject(self.make_uow, target, target_id)
            if subject is None or subject.message is not None:
                continue
            if subject.withdrawal is not None:
                withdrawals += 1
            elif subject.result is not None and needs_alert(subject.result):
                by_category[subject.result.category] += 1
        total = sum(by_category.values())
        if total or withdrawals:
            blocks, text = build_backlog_summary(by_category, total, locale=self.locale)
            if withdrawals:
                note = context(t(self.locale, "summary.withdrawals", count=withdrawals))
                blocks.insert(len(blocks) - 1, note)
            self._post(blocks, text)
            run.counts["summaries"] += 1
        log.info("posted a backlog summary instead of %d alerts", len(items))
        return "summarized"

    # --- Slack calls --------------------------------------------------------------------

    def _render(self, subject: AlertSubject) -> RenderedAlert:
        return render(
            subject,
            locale=self.locale,
            tz=self.tz,
            accept_accounts=self.accept_accounts,
            oms_order_url=self.oms_order_url,
        )

    def _post(self, blocks: list[dict[str, Any]], text: str) -> None:
        self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=self.channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            ),
            post_to=self.channel,
        )

    def _call(
        self, method: str, send: Callable[[], SlackResponse], *, post_to: str | None = None
    ) -> SlackResponse:
        return self.pacer.call(method, send, post_to=post_to, should_stop=self.should_stop)

    def _find_posted(
        self, target: TargetKind, target_id: int, item: OutboxItem
    ) -> tuple[str, str] | None:
        """Our own alert for the target among the channel's recent messages, if any."""
        oldest = (item.created_at or self.clock.now()) - HISTORY_LOOKBACK
        want = {"target": target.value, "target_id": target_id}
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):  # a busy channel: page back to when it was queued
            page = functools.partial(
                self.client.conversations_history,
                channel=self.channel,
                oldest=f"{oldest.timestamp():.6f}",
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
            )
            try:
                response = self._call("conversations.history", page)
            except SlackFailed as exc:
                # Without channels:history we cannot look; posting again risks a duplicate,
                # not posting risks a lost alert: post.
                log.warning("cannot look for an earlier post: %s", exc.failure.description)
                return None
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == METADATA_EVENT and _same_target(
                    metadata.get("event_payload"), want
                ):
                    return self.channel, str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                break
        return None


def _same_target(payload: Any, want: dict[str, Any]) -> bool:
    if not isinstance(payload, dict):
        return False
    return payload.get("target") == want["target"] and str(payload.get("target_id")) == str(
        want["target_id"]
    )


def _target(item: OutboxItem) -> tuple[TargetKind, int]:
    if item.target is None or item.target_id is None:
        raise ValueError(f"outbox item {item.dedupe_key} names no target")
    return item.target, item.target_id
