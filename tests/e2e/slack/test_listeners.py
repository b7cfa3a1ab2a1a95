"""Listeners through `app.dispatch(BoltRequest(...))` with an inline executor: who may act,
errors told ephemerally, and the odd clicks."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_bolt import App, BoltRequest

from bot.i18n import t
from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.slack.app import create_app
from bot.slack.ids import ActionId
from bot.slack.listeners.permissions import Permissions, Verdict
from core import apply
from core.results import TargetKind
from tests.factories import claim_for
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    AGENT,
    CHANNEL,
    OTHER,
    InlineExecutor,
    block_action,
    interaction_body,
    make_settings,
    signed_headers,
)


def an_unmatched_result(deps: Deps) -> int:
    [result_id] = apply.apply_claims(deps.make_uow, [claim_for()], datetime.now(UTC)).changed_ids
    return result_id


def make_app(deps: Deps, fake: FakeSlack, config: Config) -> App:
    return create_app(deps, make_settings(fake), config, listener_executor=InlineExecutor())


def dispatch(app: App, payload: dict[str, Any]) -> int:
    body = interaction_body(payload)
    headers = {k.lower(): [v] for k, v in signed_headers(body).items()}
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


def ephemerals(fake: FakeSlack) -> list[str]:
    return [c.args["text"] for c in fake.calls_to("chat.postEphemeral")]


def confirmed_by(deps: Deps, result_id: int) -> str | None:
    with deps.make_uow() as uow:
        result = uow.results.get(result_id)
    assert result is not None
    return result.confirmed_by


def test_only_allowed_users_may_confirm(deps: Deps, fake_slack: FakeSlack, config: Config) -> None:
    result_id = an_unmatched_result(deps)
    app = make_app(deps, fake_slack, replace(config, allowed_users=frozenset({AGENT})))

    assert dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), user=OTHER)) == 200

    assert ephemerals(fake_slack) == [t("en", "confirm.not_allowed")]
    assert confirmed_by(deps, result_id) is None

    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), user=AGENT))
    assert confirmed_by(deps, result_id) == AGENT


def test_user_group_members_may_confirm_and_a_failed_lookup_fails_closed(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    result_id = an_unmatched_result(deps)
    fake_slack.usergroups = {"S0CS": [OTHER]}
    app = make_app(deps, fake_slack, replace(config, allowed_usergroups=frozenset({"S0CS"})))

    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), user=AGENT))
    assert ephemerals(fake_slack) == [t("en", "confirm.not_allowed")]
    fake_slack.usergroups = {}  # the cached member list is still trusted
    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), user=OTHER))
    assert confirmed_by(deps, result_id) == OTHER

    broken = make_app(deps, fake_slack, replace(config, allowed_usergroups=frozenset({"S0X"})))
    dispatch(broken, block_action(ActionId.CANCEL_UNCONFIRM, str(result_id), user=OTHER))
    assert ephemerals(fake_slack)[-1] == t("en", "confirm.permission_unknown")
    assert confirmed_by(deps, result_id) == OTHER


def test_permissions_without_lists_allow_everyone(fake_slack: FakeSlack) -> None:
    from bot.slack.client import make_client

    client = make_client("xoxb-1", fake_slack.base_url)
    assert Permissions().check("U0ANYONE", client) is Verdict.ALLOWED
    assert fake_slack.calls == []


def test_bad_and_unknown_ids_are_told_ephemerally(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    app = make_app(deps, fake_slack, config)
    started = time.monotonic()

    for action_id, value in [
        (ActionId.CANCEL_CONFIRM, "abc"),
        (ActionId.CANCEL_CONFIRM, "999"),
        (ActionId.CANCEL_DETAILS, "999"),
    ]:
        # A failing listener still answers Slack's request with a plain 200 at once.
        assert dispatch(app, block_action(action_id, value)) == 200

    assert time.monotonic() - started < 1.5

    assert ephemerals(fake_slack) == [
        t("en", "error.invalid"),
        t("en", "error.not_found"),
        t("en", "error.not_found"),
    ]
    assert fake_slack.calls_to("views.open") == []


def test_undo_of_something_not_confirmed_changes_nothing(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    result_id = an_unmatched_result(deps)
    app = make_app(deps, fake_slack, config)

    dispatch(app, block_action(ActionId.CANCEL_UNCONFIRM, str(result_id), message_ts="1.2"))

    assert ephemerals(fake_slack) == [t("en", "confirm.not_confirmed")]
    assert fake_slack.calls_to("chat.update") == []


def test_a_double_click_of_ones_own_confirm_says_nothing(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    result_id = an_unmatched_result(deps)
    app = make_app(deps, fake_slack, config)

    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id)))
    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id)))

    assert ephemerals(fake_slack) == []
    assert confirmed_by(deps, result_id) == AGENT


def test_only_the_alert_itself_is_rewritten(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    """A Confirm button on some other message (not the stored alert, no alert metadata)
    confirms, but leaves that message alone."""
    result_id = an_unmatched_result(deps)
    app = make_app(deps, fake_slack, config)

    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), message_ts="9.9"))

    assert confirmed_by(deps, result_id) == AGENT
    assert fake_slack.calls_to("chat.update") == []


def test_the_update_in_place_failing_does_not_undo_the_confirm(
    deps: Deps, fake_slack: FakeSlack, config: Config
) -> None:
    result_id = an_unmatched_result(deps)
    with deps.make_uow() as uow:
        uow.alerts.save(TargetKind.RESULT, result_id, CHANNEL, "5.5", datetime.now(UTC))
        uow.commit()
    fake_slack.fail("chat.update", status=500)
    app = make_app(deps, fake_slack, config)

    dispatch(app, block_action(ActionId.CANCEL_CONFIRM, str(result_id), message_ts="5.5"))

    assert confirmed_by(deps, result_id) == AGENT
    assert len(fake_slack.calls_to("chat.update")) == 1
    assert ephemerals(fake_slack) == []


@pytest.mark.parametrize("tab", ["messages", "home"])
def test_app_home_is_published_for_the_home_tab_only(
    deps: Deps, fake_slack: FakeSlack, config: Config, tab: str
) -> None:
    app = make_app(deps, fake_slack, config)
    event = {
        "type": "event_callback",
        "team_id": "T0TEAM01",
        "api_app_id": "A0APP01",
        "event_id": "Ev02",
        "event_time": 1,
        "event": {"type": "app_home_opened", "user": AGENT, "channel": "D1", "tab": tab},
    }
    body = json.dumps(event)
    headers = {
        k.lower(): [v] for k, v in signed_headers(body, content_type="application/json").items()
    }

    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200

    published = fake_slack.calls_to("views.publish")
    assert len(published) == (1 if tab == "home" else 0)
    if published:
        home = json.dumps(published[0].args["view"], ensure_ascii=False)
        assert "sandbox" in home
        assert "never synced" in home  # the configured account has not synced yet
