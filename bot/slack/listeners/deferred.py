"""Acks first, always. Every listener is split in two:

- the ack, which Bolt runs on the request's own thread (the app is built with
  `process_before_response=True`) and which touches neither the database nor the Web API,
  so Slack gets its answer within milliseconds whatever the rest of the bot is doing;
- the work, which runs afterwards as a lazy listener on the lazy pool (Bolt's listener
  executor), a bounded pool that acks never wait for.

The ack admits a request only while the pool has room (its threads plus a short queue);
when it is full the person is told at once, politely, that the bot is busy and nothing was
done, instead of silence: a command in its ack, a modal by replacing it, a click by an
ephemeral message sent from a small pool of its own.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from enum import StrEnum
from typing import Any, Final

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.i18n import t
from bot.slack.blocks.confirm_all_modal import build_modal_error
from bot.slack.listeners.answer import SLACK_ERRORS, Answer
from bot.slack.listeners.context import ListenerContext

log = logging.getLogger(__name__)

ADMITTED: Final = "cancelbot_admitted"  # set in the context of an admitted request
LAZY_THREADS: Final = 8
LAZY_QUEUE: Final = 32
NOTICE_THREADS: Final = 2
NOTICE_QUEUE: Final = 50


class Kind(StrEnum):
    COMMAND = "command"
    ACTION = "action"
    VIEW = "view"
    EVENT = "event"


class Admission:
    """How many admitted requests may be running or waiting on the lazy pool."""

    def __init__(self, capacity: int = LAZY_THREADS + LAZY_QUEUE) -> None:
        self.capacity = capacity
        self._slots = threading.BoundedSemaphore(capacity)

    def try_enter(self) -> bool:
        return self._slots.acquire(blocking=False)

    def leave(self) -> None:
        self._slots.release()


def lazy_pool(threads: int = LAZY_THREADS) -> Executor:
    """Bolt's listener executor: where the work of admitted requests runs."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-work")


class Notices:
    """Busy notices for clicks, sent through the click's response_url off the ack path;
    dropped (logged) when even this small queue is full."""

    def __init__(self, threads: int = NOTICE_THREADS, queue: int = NOTICE_QUEUE) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-notice")
        self._slots = threading.BoundedSemaphore(queue)

    def send(self, answer: Answer, text: str) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning("busy notice dropped: the notice queue is full")
            return

        def run() -> None:
            try:
                answer.send([], text)
            except SLACK_ERRORS as exc:
                log.warning("busy notice failed: %s", exc.__class__.__name__)
            finally:
                self._slots.release()

        self._pool.submit(run)


Precheck = Callable[[Ack, Mapping[str, Any]], bool]
# The ack's arguments for an admitted request, e.g. a modal turned into "working…".
AdmittedAck = Callable[[Mapping[str, Any]], dict[str, Any]]


class Deferral:
    """What registration needs to defer listeners: `app.action(X)(**defer(Kind.ACTION, h))`."""

    def __init__(
        self,
        ctx: ListenerContext,
        admission: Admission | None = None,
        notices: Notices | None = None,
    ) -> None:
        self.ctx = ctx
        self.admission = admission or Admission()
        self.notices = notices or Notices()

    def __call__(
        self,
        kind: Kind,
        handler: Callable[..., None],
        *,
        precheck: Precheck | None = None,
        admitted: AdmittedAck | None = None,
    ) -> dict[str, Any]:
        return deferred(
            self.ctx,
            self.admission,
            self.notices,
            kind,
            handler,
            precheck=precheck,
            admitted=admitted,
        )


def deferred(
    ctx: ListenerContext,
    admission: Admission,
    notices: Notices,
    kind: Kind,
    handler: Callable[..., None],
    *,
    precheck: Precheck | None = None,
    admitted: AdmittedAck | None = None,
) -> dict[str, Any]:
    """Bolt listener arguments (`ack=…, lazy=[…]`) running `handler` as deferred work.

    `handler` is called with the arguments it names among ack, body, client, action,
    view, command, event and payload (its `ack` is a no-op there: the ack was sent).
    `precheck(ack, body)` runs in the ack and may answer the request itself (returning
    False) when it can tell without the database that there is nothing to do;
    `admitted(body)` gives the ack's arguments when the work is admitted (without the
    database either), e.g. a modal replaced by "working…" that the work then updates."""
    wanted = set(inspect.getfullargspec(inspect.unwrap(handler)).args)

    def ack_first(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        if precheck is not None and not precheck(ack, body):
            return
        if admission.try_enter():
            context[ADMITTED] = True
            ack(**(admitted(body) if admitted is not None else {}))
            return
        log.warning("busy: the %s was answered without being worked", kind.value)
        _answer_busy(ctx, notices, kind, ack, body, context.client)

    def work(
        context: BoltContext, ack: Ack, body: dict[str, Any], client: WebClient, payload: Any
    ) -> None:
        if not context.get(ADMITTED):
            return  # answered as busy in the ack
        try:
            given = {
                "ack": ack,
                "body": body,
                "client": client,
                "action": payload,
                "view": payload,
                "command": payload,
                "event": payload,
                "payload": payload,
            }
            handler(**{name: value for name, value in given.items() if name in wanted})
        finally:
            admission.leave()

    work.__name__ = f"work_{getattr(handler, '__name__', 'listener')}"
    return {"ack": ack_first, "lazy": [work]}


def _answer_busy(
    ctx: ListenerContext,
    notices: Notices,
    kind: Kind,
    ack: Ack,
    body: Mapping[str, Any],
    client: WebClient,
) -> None:
    text = t(ctx.locale, "error.busy")
    if kind is Kind.COMMAND:
        ack(text=text, response_type="ephemeral")
    elif kind is Kind.VIEW:
        ack(response_action="update", view=build_modal_error(text, locale=ctx.locale))
    else:
        ack()
        if kind is Kind.ACTION:
            notices.send(Answer.of(client, body), text)
