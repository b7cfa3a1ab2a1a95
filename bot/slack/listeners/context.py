"""What every listener needs, handed over by closure at registration (Bolt injects only
its own arguments by name), and the small helpers they share."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from bot.runtime.config import Config
from bot.slack.listeners.permissions import Permissions
from core.errors import InvalidInput
from core.ports import ClaimActions, Clock, UnitOfWork
from core.storable import is_row_id

log = logging.getLogger(__name__)

_ID = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class ListenerContext:
    make_uow: Callable[[], UnitOfWork]
    clock: Clock
    config: Config
    locale: str
    tz: ZoneInfo
    permissions: Permissions
    # An account's actions at its marketplace, when its config switches them on.
    claim_actions: Callable[[str], ClaimActions | None] = lambda _: None

    @property
    def accept_accounts(self) -> frozenset[str]:
        return self.config.accept_accounts()


def user_id(body: Mapping[str, Any]) -> str:
    user = body.get("user") or {}
    value = user.get("id") if isinstance(user, Mapping) else None
    if not value:
        raise InvalidInput("the interaction names no user")
    return str(value)


def message_ref(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(channel, ts) of the message whose button was clicked, when it was a message."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
    return (str(channel), str(ts)) if channel and ts else None


def target_id(value: object) -> int:
    """A button value that must be a stored id: ASCII digits, and no more than a row id can
    be (2⁶³ would reach the database as an error, not as "not found")."""
    text = value if isinstance(value, str) else ""
    if not _ID.fullmatch(text) or not is_row_id(int(text)):
        raise InvalidInput(f"{text[:20]!r} is not an id")
    return int(text)


def tell(client: WebClient, body: Mapping[str, Any], text: str) -> None:
    """An ephemeral message to the person who clicked, where they clicked."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    user = (body.get("user") or {}).get("id")
    if not channel or not user:
        log.info("no channel to answer the interaction in; the answer is dropped")
        return
    client.chat_postEphemeral(channel=channel, user=user, text=text)
