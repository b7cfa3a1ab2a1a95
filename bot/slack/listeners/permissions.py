"""Who may confirm and undo: `allowed_users` and `allowed_usergroups` in the config.

Nobody listed means everybody may. When a list is set the check fails closed: a user
group whose members cannot be read (Slack error, missing usergroups:read scope) admits
nobody through that group.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

MEMBERS_TTL = 60.0  # seconds a user group's member list is trusted


class Verdict(Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"
    UNKNOWN = "unknown"  # could not be checked: treated as refused, with its own message


class Permissions:
    def __init__(
        self,
        users: Collection[str] = (),
        usergroups: Collection[str] = (),
        *,
        ttl: float = MEMBERS_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = frozenset(users)
        self.usergroups = frozenset(usergroups)
        self._ttl = ttl
        self._monotonic = monotonic
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    @property
    def restricted(self) -> bool:
        return bool(self.users or self.usergroups)

    def check(self, user: str, client: WebClient) -> Verdict:
        if not self.restricted or user in self.users:
            return Verdict.ALLOWED
        unknown = False
        for group in sorted(self.usergroups):
            members = self._group_members(group, client)
            if members is None:
                unknown = True
            elif user in members:
                return Verdict.ALLOWED
        return Verdict.UNKNOWN if unknown else Verdict.REFUSED

    def _group_members(self, group: str, client: WebClient) -> frozenset[str] | None:
        now = self._monotonic()
        with self._lock:
            cached = self._members.get(group)
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = client.usergroups_users_list(usergroup=group)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("cannot read user group %s: %s", group, exc.__class__.__name__)
            return None
        members = frozenset(str(u) for u in response.get("users") or [])
        with self._lock:
            self._members[group] = (now + self._ttl, members)
        return members
