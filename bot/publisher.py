"""Outbox delivery to Slack: alerts, their updates, thread notes and the daily digest.

Core writes an outbox item in the same transaction as the change that caused it; this
module delivers the items with retries. Every message is rendered from the database at the
moment it is sent, so a late or repeated delivery shows the current state, never an old one.

Guarantees, and what carries them:
- one alert per result or withdrawal: POST_ALERT items are unique per target (dedupe key)
  and leased to one worker; the stored (channel, ts) ref is checked before posting, and a
  retried post first looks for its own message in the channel (by message metadata);
- pace: at most one chat.postMessage per second per channel, and a 429 holds every call
  for Retry-After seconds;
- no flood: more than `backlog_threshold` new alerts at once become one summary message.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.blocks import build_alert, build_backlog_summary, build_digest, build_withdrawal_alert
from bot.blocks._common import context
from bot.blocks.notes import build_thread_note
from bot.i18n import t
from bot.slack_client import Failure, describe
from core import dashboard
from core.outbox import OutboxItem, OutboxKind, needs_alert, post_alert
from core.ports import Clock, UnitOfWork
from core.results import Category, TargetKind

log = logging.getLogger(__name__)

METADATA_EVENT: Final = "cancelbot_alert"
POST_INTERVAL: Final = 1.0  # seconds between two chat.postMessage to one channel
RATE_LIMIT_RETRIES: Final = 3  # 429s waited out in place before the item is rescheduled
BACKOFF_BASE: Final = timedelta(seconds=5)
BACKOFF_CAP: Final = timedelta(minutes=10)
MIN_LEASE: Final = timedelta(minutes=5)
LEASE_MARGIN: Final = 30.0  # seconds: stop working a batch this long before its lease ends
BATCH: Final = 50
CLAIM_ALL_BATCH: Final = 500
HISTORY_LOOKBACK: Final = timedelta(minutes=5)
HISTORY_PAGES: Final = 10  # up to 2,000 messages back when looking for an earlier post

T = TypeVar("T")
UowFactory = Callable[[], UnitOfWork]


class Timer(Protocol):
    """Monotonic seconds and a sleep; tests inject fake time, production a stoppable one."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemTimer:
    """Real time; `sleep` returns early once `stop` is set, so shutdown never waits on it."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self._stop = stop

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if self._stop is None:
            time.sleep(seconds)
        else:
            self._stop.wait(seconds)


class Pacer:
    """Spaces chat.postMessage per channel, and holds every call after a 429."""

    def __init__(self, timer: Timer, interval: float = POST_INTERVAL) -> None:
        self._timer = timer
        self._interval = interval
        self._next: dict[str, float] = {}
        self._hold_until = 0.0
        self._lock = threading.Lock()

    def wait(self, channel: str | None, should_stop: Callable[[], bool]) -> bool:
        """Sleep until a call (a post to `channel`, or any call for None) may go out;
        False when asked to stop meanwhile."""
        while not should_stop():
            with self._lock:
                due = self._hold_until
                if channel is not None:
                    due = max(due, self._next.get(channel, 0.0))
            delay = due - self._timer.monotonic()
            if delay <= 0:
                return True
            self._timer.sleep(delay)
        return False

    def posted(self, channel: str, started: float) -> None:
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), started + self._interval)

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._hold_until = max(self._hold_until, self._timer.monotonic() + seconds)


@dataclass(frozen=True)
class RenderedAlert:
    blocks: list[dict[str, Any]]
    text: str
    wanted: bool  # whether the target gets a channel alert at all (SPEC §4)


def render_alert(
    make_uow: UowFactory, target: TargetKind, target_id: int, *, locale: str, tz: ZoneInfo
) -> RenderedAlert | None:
    """The alert of a result or withdrawal as the database has it now; None if it is gone."""
    with make_uow() as uow:
        if target is TargetKind.RESULT:
            result = uow.results.get(target_id)
            if result is None:
                return None
            # Showing when the marketplace last changed the claim tells people an updated
            # message is not the one they read before; derived from the row, so re-rendering
            # the same state gives the same message.
            changed = result.updated_at if result.updated_at > result.created_at else None
            blocks, text = build_alert(result, locale=locale, tz=tz, now=changed)
            return RenderedAlert(blocks, text, needs_alert(result))
        withdrawal = uow.withdrawals.get_many([target_id]).get(target_id)
        if withdrawal is None:
            return None
        origin = uow.results.get(withdrawal.result_id)
        blocks, text = build_withdrawal_alert(withdrawal, origin, locale=locale, tz=tz)
        return RenderedAlert(blocks, text, True)


def alert_metadata(target: TargetKind, target_id: int) -> dict[str, Any]:
    """Message metadata that names the alert's target: ids only, never customer data."""
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {"target": target.value, "target_id": target_id},
    }


@dataclass
class DeliveryReport:
    posted: int = 0
    updated: int = 0
    notes: int = 0
    digests: int = 0
    summaries: int = 0
    summarized: int = 0  # alerts folded into a backlog summary
    skipped: int = 0  # nothing to send (already posted, target gone, no alert wanted)
    retried: int = 0
    dropped: int = 0  # Slack refused the message for good
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return (
            self.posted
            + self.updated
            + self.notes
            + self.digests
            + self.summarized
            + self.skipped
            + self.retried
            + self.dropped
        )


class _SlackFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.description)
        self.failure = failure


class _Interrupted(Exception):
    """Shutdown began while an item waited for its turn."""


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
    ) -> None:
        self.make_uow = make_uow
        self.client = client
        self.channel = channel
        self.locale = locale
        self.tz = tz
        self.clock = clock
        self.timer = timer or SystemTimer()
        self.backlog_threshold = backlog_threshold
        self.should_stop = should_stop
        self.pacer = Pacer(self.timer, post_interval)

    # --- the loop -----------------------------------------------------------------------

    def deliver(self) -> DeliveryReport:
        """Deliver everything that is due now, then return."""
        report = DeliveryReport()
        while not self.should_stop():
            before = report.handled
            self._deliver_posts(report)
            self._deliver_rest(report)
            if report.handled == before:
                break
        return report

    def _deliver_posts(self, report: DeliveryReport) -> None:
        limit = self.backlog_threshold + 1
        # Leased for what one worker posts in a stretch, not for the whole claim: with a
        # high threshold a crashed worker would otherwise hold its items for an hour.
        # _work releases whatever is left when the lease runs short.
        lease = _lease(min(limit, BATCH))
        items = self._claim([OutboxKind.POST_ALERT], limit, lease)
        if len(items) > self.backlog_threshold:
            self._post_backlog([*items, *self._claim_all([OutboxKind.POST_ALERT])], report)
        else:
            self._work(items, lease, report)

    def _deliver_rest(self, report: DeliveryReport) -> None:
        kinds = [OutboxKind.UPDATE_ALERT, OutboxKind.THREAD_NOTE, OutboxKind.DIGEST]
        lease = _lease(BATCH)
        self._work(self._claim(kinds, BATCH, lease), lease, report)

    def _claim(self, kinds: Sequence[OutboxKind], limit: int, lease: timedelta) -> list[OutboxItem]:
        with self.make_uow() as uow:
            items = uow.outbox.claim_due(kinds, self.clock.now(), limit, lease)
            uow.commit()
        return items

    def _claim_all(self, kinds: Sequence[OutboxKind]) -> list[OutboxItem]:
        out: list[OutboxItem] = []
        while batch := self._claim(kinds, CLAIM_ALL_BATCH, MIN_LEASE):
            out += batch
        return out

    def _work(self, items: list[OutboxItem], lease: timedelta, report: DeliveryReport) -> None:
        # Items past the lease could be claimed by another replica: leave them to it.
        deadline = self.timer.monotonic() + lease.total_seconds() - LEASE_MARGIN
        for index, item in enumerate(items):
            if self.should_stop() or self.timer.monotonic() > deadline:
                self._release(items[index:], "delivery interrupted (shutdown or lease end)")
                return
            self._handle(item, report)

    def _handle(self, item: OutboxItem, report: DeliveryReport) -> None:
        handlers: dict[OutboxKind, Callable[[OutboxItem, DeliveryReport], None]] = {
            OutboxKind.POST_ALERT: self._post_alert,
            OutboxKind.UPDATE_ALERT: self._update_alert,
            OutboxKind.THREAD_NOTE: self._thread_note,
            OutboxKind.DIGEST: self._digest,
        }
        handler = handlers.get(item.kind)
        try:
            if handler is None:
                raise ValueError(f"the Slack publisher does not deliver {item.kind} items")
            handler(item, report)
        except _Interrupted:
            self._release([item], "delivery interrupted (shutdown)")
        except _SlackFailed as exc:
            self._failed(item, exc.failure, report)
        except Exception as exc:
            # One broken item (a bug, a lost database connection) must not stop the others:
            # it is logged and rescheduled with backoff, and /healthz shows its error.
            log.exception("outbox item %s failed", item.dedupe_key)
            self._failed(item, Failure(f"{item.kind}: {exc.__class__.__name__}"), report)

    def _failed(self, item: OutboxItem, failure: Failure, report: DeliveryReport) -> None:
        report.errors.append(failure.description)
        item_id = _item_id(item)
        now = self.clock.now()
        if failure.permanent:
            log.error("Slack refused %s for good: %s", item.dedupe_key, failure.description)
            report.dropped += 1
            with self.make_uow() as uow:
                uow.outbox.mark_done(item_id, now)
                uow.commit()
            return
        delay = (
            timedelta(seconds=failure.retry_after)
            if failure.rate_limited
            else backoff(item.attempts)
        )
        log.warning(
            "delivering %s failed (attempt %d), retrying in %ds: %s",
            item.dedupe_key,
            item.attempts,
            delay.total_seconds(),
            failure.description,
        )
        report.retried += 1
        with self.make_uow() as uow:
            uow.outbox.mark_retry(item_id, failure.description, now + delay)
            uow.commit()

    def _release(self, items: Sequence[OutboxItem], reason: str) -> None:
        if not items:
            return
        now = self.clock.now()
        with self.make_uow() as uow:
            for item in items:
                uow.outbox.mark_retry(_item_id(item), reason, now)
            uow.commit()

    def _done(self, item: OutboxItem) -> None:
        with self.make_uow() as uow:
            uow.outbox.mark_done(_item_id(item), self.clock.now())
            uow.commit()

    # --- one item each -----------------------------------------------------------------

    def _post_alert(self, item: OutboxItem, report: DeliveryReport) -> None:
        target, target_id = _target(item)
        with self.make_uow() as uow:
            ref = uow.alerts.get(target, target_id)
        rendered = None if ref else self._render(target, target_id)
        if rendered is None or not rendered.wanted:
            report.skipped += 1
            self._done(item)
            return
        # A retry may follow a post that reached Slack but not our database (a crash, a
        # timeout on the answer): look for our own message before posting a second one.
        found = self._find_posted(target, target_id, item) if item.attempts > 1 else None
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
            report.posted += 1
        else:
            report.skipped += 1
        now = self.clock.now()
        with self.make_uow() as uow:
            uow.alerts.save(target, target_id, found[0], found[1], now)
            uow.outbox.mark_done(_item_id(item), now)
            uow.commit()

    def _update_alert(self, item: OutboxItem, report: DeliveryReport) -> None:
        target, target_id = _target(item)
        with self.make_uow() as uow:
            ref = uow.alerts.get(target, target_id)
        rendered = self._render(target, target_id)
        if rendered is None:
            report.skipped += 1
        elif ref is not None:
            channel, ts = ref
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
            report.updated += 1
        elif rendered.wanted:
            # Not posted yet: (re)queue the post. Its dedupe key makes this a no-op when a
            # post is pending or was folded into a backlog summary, so nothing posts twice.
            with self.make_uow() as uow:
                uow.outbox.enqueue([post_alert(target, target_id)], self.clock.now())
                uow.commit()
            report.skipped += 1
        else:
            report.skipped += 1
        self._done(item)

    def _thread_note(self, item: OutboxItem, report: DeliveryReport) -> None:
        target, target_id = _target(item)
        with self.make_uow() as uow:
            ref = uow.alerts.get(target, target_id)
        if ref is None:
            # No channel message (e.g. a before-shipping result confirmed in /cancels):
            # nothing to reply under.
            report.skipped += 1
            self._done(item)
            return
        channel, ts = ref
        at = _parse_time(item.payload.get("at"))
        text = build_thread_note(
            str(item.payload.get("text_key", "confirmed")),
            str(item.payload.get("actor", "?")),
            at,
            locale=self.locale,
            tz=self.tz,
        )
        self._call(
            "chat.postMessage",
            lambda: self.client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, unfurl_links=False, unfurl_media=False
            ),
            post_to=channel,
        )
        report.notes += 1
        self._done(item)

    def _digest(self, item: OutboxItem, report: DeliveryReport) -> None:
        digest = dashboard.digest(self.make_uow, self.clock.now())
        if digest.empty:
            # Nothing waits for more than a day: a daily "all clear" would teach people to
            # skip the digest.
            report.skipped += 1
            self._done(item)
            return
        blocks, text = build_digest(
            digest.results,
            digest.withdrawals,
            locale=self.locale,
            tz=self.tz,
            total_results=digest.total_results,
            total_withdrawals=digest.total_withdrawals,
        )
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
        report.digests += 1
        self._done(item)

    def _post_backlog(self, items: list[OutboxItem], report: DeliveryReport) -> None:
        """One summary instead of a flood; the list itself lives in /cancels."""
        by_category: Counter[Category] = Counter()
        withdrawals = 0
        with self.make_uow() as uow:
            for item in items:
                target, target_id = _target(item)
                if uow.alerts.get(target, target_id) is not None:
                    continue
                if target is TargetKind.RESULT:
                    result = uow.results.get(target_id)
                    if result is not None and needs_alert(result):
                        by_category[result.category] += 1
                elif uow.withdrawals.get_many([target_id]):
                    withdrawals += 1
        total = sum(by_category.values())
        if total or withdrawals:
            blocks, text = build_backlog_summary(by_category, total, locale=self.locale)
            if withdrawals:
                note = context(t(self.locale, "summary.withdrawals", count=withdrawals))
                blocks.insert(len(blocks) - 1, note)
            try:
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
            except (_SlackFailed, _Interrupted) as exc:
                failure = (
                    exc.failure
                    if isinstance(exc, _SlackFailed)
                    else Failure("delivery interrupted (shutdown)")
                )
                # The items are evaluated again next time (as a backlog or one by one).
                for item in items:
                    self._failed(item, failure, DeliveryReport())
                report.retried += len(items)
                report.errors.append(failure.description)
                return
            report.summaries += 1
        now = self.clock.now()
        with self.make_uow() as uow:
            for item in items:
                uow.outbox.mark_done(_item_id(item), now)
            uow.commit()
        report.summarized += len(items)
        log.info("posted a backlog summary instead of %d alerts", len(items))

    # --- Slack calls --------------------------------------------------------------------

    def _render(self, target: TargetKind, target_id: int) -> RenderedAlert | None:
        return render_alert(self.make_uow, target, target_id, locale=self.locale, tz=self.tz)

    def _call(
        self, method: str, send: Callable[[], SlackResponse], *, post_to: str | None = None
    ) -> SlackResponse:
        """`send()` once its turn comes; a 429 holds every call for Retry-After seconds and
        is waited out in place a few times before the item is rescheduled."""
        failure = Failure(f"{method}: ratelimited")
        for _attempt in range(RATE_LIMIT_RETRIES + 1):
            if not self.pacer.wait(post_to, self.should_stop):
                raise _Interrupted()
            started = self.timer.monotonic()
            try:
                response = send()
            except SlackApiError as exc:
                failure = describe(method, exc)
                if not failure.rate_limited:
                    raise _SlackFailed(failure) from exc
                log.warning("%s rate limited; waiting %.0fs", method, failure.retry_after)
                self.pacer.hold(failure.retry_after)
                continue
            except Exception as exc:  # timeouts, connection errors: retried with backoff
                raise _SlackFailed(describe(method, exc)) from exc
            finally:
                if post_to is not None:
                    self.pacer.posted(post_to, started)
            return response
        raise _SlackFailed(failure)

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
            except _SlackFailed as exc:
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


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, … capped at 10 minutes."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(BACKOFF_BASE * (1 << exponent), BACKOFF_CAP)


def _lease(items: int) -> timedelta:
    # Long enough to post every item at one per second, with room for a 429 or two.
    return max(MIN_LEASE, timedelta(seconds=3 * items * POST_INTERVAL) + MIN_LEASE)


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


def _item_id(item: OutboxItem) -> int:
    if item.id is None:
        raise ValueError(f"outbox item {item.dedupe_key} was not stored")
    return item.id


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
