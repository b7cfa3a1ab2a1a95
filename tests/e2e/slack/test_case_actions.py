"""The C/S team's day (issue 18) through the real Bolt app, signed requests and the fake
Slack: take and release, a refused take and its take over, a note from modal to history
to thread, a snooze that leaves the default view and comes back with a mention when the
clock moves, the ⋯ menu, the OMS link, and App Home's own list and count lists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from threading import Event
from typing import Any

import pytest
from slack_bolt import App, BoltRequest

from bot.i18n import t
from bot.runtime.config import Config
from bot.runtime.deps import Deps
from bot.runtime.scheduler import SNOOZE_JOB, build_scheduler
from bot.slack.app import create_app
from bot.slack.client import make_client
from bot.slack.home_view import home_view
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.permissions import Permissions
from bot.slack.publisher import Publisher
from core import apply, cases, order_book, read_models
from core.orders import OrderStatus
from core.queries import CancelFilter
from core.results import ConfirmAction, TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order
from tests.support.fake_slack import FakeSlack, Message
from tests.support.slack_app import (
    AGENT,
    BOT_TOKEN,
    CHANNEL,
    OTHER,
    FakeTime,
    InlineExecutor,
    block_action,
    interaction_body,
    make_settings,
    signed_headers,
)
from tests.support.slack_checks import fallback_dates

OMS = "https://oms.example/orders/{management_no}"


@dataclass
class World:
    deps: Deps
    fake: FakeSlack
    clock: FakeTime
    config: Config
    app: App
    publisher: Publisher
    result_id: int  # a shipped result: its alert asks for a person
    withdrawal_id: int  # goods on hold: a partial cancel before shipping
    held_result_id: int  # the result that withdrawal points at

    def dispatch(self, payload: dict[str, Any]) -> tuple[int, str]:
        body = interaction_body(payload)
        headers: dict[str, str | Sequence[str]] = {
            k.lower(): [v] for k, v in signed_headers(body).items()
        }
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return response.status, response.body

    def alert(self, target: TargetKind, target_id: int) -> Message:
        [found] = [
            m
            for m in self.fake.alerts(CHANNEL)
            if (m.metadata or {}).get("event_payload")
            == {"target": target.value, "target_id": target_id}
        ]
        return found

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = AGENT,
        target: TargetKind = TargetKind.RESULT,
        target_id: int | None = None,
        **action: Any,
    ) -> tuple[int, str]:
        """A click on the alert of `target` (the result's by default)."""
        message = self.alert(target, target_id or self.result_id)
        payload = block_action(
            action_id,
            value,
            user=user,
            message_ts=message.ts,
            message={"metadata": message.metadata, "blocks": message.blocks},
            response_url=f"{self.fake.webhook_url}/click",
        )
        payload["actions"][0].update(action)
        return self.dispatch(payload)

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str = AGENT) -> Any:
        payload = {
            "type": "view_submission",
            "team": {"id": "T0TEAM01", "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
            "api_app_id": "A0APP01",
            "token": "legacy",
            "trigger_id": "555.666.submit",
            "view": {
                "id": "V0NOTE",
                "type": "modal",
                "hash": "1.x",
                **view,
                "state": {"values": values},
            },
            "response_urls": [],
        }
        status, body = self.dispatch(payload)
        assert status == 200
        return json.loads(body) if body else None

    def result(self, result_id: int | None = None) -> Any:
        with self.deps.make_uow() as uow:
            return uow.results.get(result_id or self.result_id)

    def thread(
        self, target: TargetKind = TargetKind.RESULT, target_id: int | None = None
    ) -> list[str]:
        ts = self.alert(target, target_id or self.result_id).ts
        return [c.args["text"] for c in self.fake.posts() if c.args.get("thread_ts") == ts]

    def ephemerals(self, user: str = AGENT) -> list[Any]:
        return [c for c in self.fake.calls_to("chat.postEphemeral") if c.args["user"] == user]


def make_world(
    deps: Deps, fake: FakeSlack, clock: FakeTime, config: Config, **config_changes: Any
) -> World:
    config = replace(config, oms_order_url=OMS, **config_changes)
    now = clock.now()
    shipped = make_order(status=OrderStatus.SHIPPED)
    invoiced = make_order(status=OrderStatus.INVOICED, quantity=2)
    order_book.import_orders(deps.make_uow, [shipped, invoiced], now)
    claims = [claim_for(shipped), claim_for(invoiced, cancel_qty=1)]
    result_id, held_result_id = apply.apply_claims(deps.make_uow, claims, now).changed_ids
    with deps.make_uow() as uow:
        [withdrawal] = uow.withdrawals.for_orders([invoiced.management_no])
    assert withdrawal.id is not None
    app = create_app(
        deps,
        make_settings(fake),
        config,
        clock=clock,
        listener_executor=InlineExecutor(),
        permissions=Permissions(config.allowed_users, config.allowed_usergroups),
    )
    publisher = Publisher(
        deps.make_uow,
        make_client(BOT_TOKEN, fake.base_url),
        channel=CHANNEL,
        locale="en",
        tz=SEOUL,
        clock=clock,
        timer=clock,
        oms_order_url=config.oms_order_url,
        home=lambda user: home_view(
            deps.make_uow, config, locale="en", tz=SEOUL, now=clock.now(), user=user
        ),
    )
    world = World(
        deps, fake, clock, config, app, publisher, result_id, withdrawal.id, held_result_id
    )
    publisher.deliver()  # the two alerts are in the channel
    return world


@pytest.fixture
def world(deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config) -> World:
    return make_world(deps, timed_slack, fake_time, config)


def block(blocks: list[dict[str, Any]], block_id: str) -> dict[str, Any] | None:
    return next((b for b in blocks if b.get("block_id") == block_id), None)


def case_line(blocks: list[dict[str, Any]]) -> str:
    found = block(blocks, BlockId.ALERT_CASE) or block(blocks, BlockId.WITHDRAWAL_CASE)
    return fallback_dates(" ".join(e["text"] for e in found["elements"])) if found else ""


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_taking_a_case_shows_who_since_when_and_clicking_again_releases_it(
    world: World,
) -> None:
    alert = world.alert(TargetKind.RESULT, world.result_id)
    assert ActionId.CANCEL_CLAIM in action_ids(alert.blocks)

    assert world.click(ActionId.CANCEL_CLAIM, str(world.result_id)) == (200, "")

    [update] = world.fake.calls_to("chat.update")
    assert update.args["ts"] == alert.ts
    line = case_line(update.args["blocks"])
    assert line.startswith(f"🙋 <@{AGENT}> is on it · since ") and line.endswith(" KST")
    assert "<!date^" in json.dumps(update.args["blocks"])  # each viewer's own time
    assert world.result().taken_by == AGENT

    world.click(ActionId.CANCEL_CLAIM, str(world.result_id))

    assert case_line(world.fake.calls_to("chat.update")[-1].args["blocks"]) == ""
    assert world.result().taken_by is None
    events = cases.case_log(world.deps.make_uow, [world.result_id]).events
    assert [(e.action, e.actor) for e in events] == [
        (ConfirmAction.TAKE, AGENT),
        (ConfirmAction.RELEASE, AGENT),
    ]
    assert world.ephemerals() == []


def test_somebody_elses_take_is_refused_privately_and_take_over_tells_the_holder(
    world: World,
) -> None:
    world.click(ActionId.CANCEL_CLAIM, str(world.result_id))
    updates = len(world.fake.calls_to("chat.update"))

    world.click(ActionId.CANCEL_CLAIM, str(world.result_id), user=OTHER)

    [refused] = world.ephemerals(OTHER)
    assert fallback_dates(refused.args["text"]).startswith(f"<@{AGENT}> is handling it since ")
    blocks = refused.args["blocks"]
    takeover = block(blocks, BlockId.TAKEOVER)
    assert takeover is not None
    [button] = takeover["elements"]
    assert (button["action_id"], button["value"]) == ("cancel_takeover", str(world.result_id))
    assert len(world.fake.calls_to("chat.update")) == updates  # nothing changed
    assert world.result().taken_by == AGENT

    # Take over, from the private message: it is replaced by what happened.
    payload = block_action(
        ActionId.CANCEL_TAKEOVER,
        str(world.result_id),
        user=OTHER,
        message_ts="1700000000.000900",
        response_url=f"{world.fake.webhook_url}/takeover",
    )
    payload["container"]["is_ephemeral"] = True
    assert world.dispatch(payload) == (200, "")

    [answer] = world.fake.responses(path="/webhook/takeover")
    assert answer["replace_original"] is True
    assert answer["text"] == t("en", "case.took_over", id=world.result_id, previous=f"<@{AGENT}>")
    assert world.result().taken_by == OTHER
    assert f"<@{OTHER}> is on it" in case_line(
        world.fake.calls_to("chat.update")[-1].args["blocks"]
    )
    world.publisher.deliver()
    [told] = world.thread()
    assert told.startswith(f"🙋 <@{OTHER}> took this over from <@{AGENT}> at ")

    # Confirm keeps working for anyone allowed, and the C/S details show the case log.
    world.click(ActionId.CANCEL_CONFIRM, str(world.result_id))
    assert world.result().confirmed_by == AGENT
    world.click(ActionId.CANCEL_DETAILS, str(world.result_id))
    [details] = world.fake.calls_to("views.open")
    shown = json.dumps(details.args["view"], ensure_ascii=False)
    assert t("en", "case_action.TAKE_OVER") in shown and f"(<@{OTHER}>)" in shown


def test_a_note_goes_from_the_modal_to_the_orders_history_and_the_thread(world: World) -> None:
    world.click(ActionId.CANCEL_NOTE, str(world.result_id))

    [opened] = world.fake.calls_to("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (
        CallbackId.CANCEL_NOTE_MODAL,
        str(world.result_id),
    )
    typed = {"note": {"note_text": {"type": "plain_text_input", "value": "  "}}}
    assert world.submit(view, typed) == {
        "response_action": "errors",
        "errors": {"note": t("en", "note.empty")},
    }
    note = "Called the customer: pickup on Monday <!channel>"
    typed = {"note": {"note_text": {"type": "plain_text_input", "value": note}}}

    # Acked at once with "saving…"; the note is kept after the ack and the modal says so.
    saving = world.submit(view, typed)
    assert saving["response_action"] == "update"
    assert t("en", "note.saving") in json.dumps(saving["view"], ensure_ascii=False)
    [saved] = world.fake.calls_to("views.update")
    assert saved.args["view_id"] == "V0NOTE"
    assert t("en", "note.saved") in json.dumps(saved.args["view"], ensure_ascii=False)

    result = world.result()
    history = read_models.order_details(world.deps.make_uow, result.management_no).history
    assert (history[-1].text, history[-1].actor, history[-1].result_id) == (
        note,
        AGENT,
        world.result_id,
    )
    world.publisher.deliver()
    [reply] = world.thread()
    assert reply.startswith(f"📝 Note by <@{AGENT}> at ")
    assert reply.endswith("Called the customer: pickup on Monday &lt;!channel&gt;")
    # The details modal shows it with its author as a mention.
    world.click(ActionId.CANCEL_DETAILS, str(world.result_id))
    shown = json.dumps(world.fake.calls_to("views.open")[-1].args["view"], ensure_ascii=False)
    assert f"&lt;!channel&gt; (<@{AGENT}>)" in shown


def test_a_note_on_a_result_that_is_gone_is_refused_in_the_modal(world: World) -> None:
    view = {"callback_id": CallbackId.CANCEL_NOTE_MODAL.value, "private_metadata": "999"}
    typed = {"note": {"note_text": {"type": "plain_text_input", "value": "hello"}}}
    assert world.submit(view, typed)["response_action"] == "update"  # "saving…"
    [told] = world.fake.calls_to("views.update")
    assert t("en", "note.gone") in json.dumps(told.args["view"], ensure_ascii=False)
    with world.deps.make_uow() as uow:
        assert all(e.result_id != 999 for e in uow.history.for_order(world.result().management_no))


def test_a_snooze_leaves_the_default_view_and_comes_back_with_a_mention(world: World) -> None:
    assert world.result_id in default_view(world)

    world.click(
        ActionId.CANCEL_MORE,
        "",
        type="overflow",
        selected_option={"value": f"snooze:{world.result_id}:60"},
    )

    until = world.result().snoozed_until
    assert until is not None and abs(until - (world.clock.now() + timedelta(hours=1))) < timedelta(
        seconds=5
    )
    assert world.result_id not in default_view(world)
    [said] = world.ephemerals()
    assert fallback_dates(said.args["text"]).startswith(f"💤 Snoozed #{world.result_id} until ")
    line = case_line(world.fake.calls_to("chat.update")[-1].args["blocks"])
    assert line.startswith(f"💤 Snoozed by <@{AGENT}> until ")

    # The snoozes job, on this process's clock: not yet, then an hour later.
    deps = replace(world.deps, clock=world.clock)
    scheduler = build_scheduler(deps, world.config, world.publisher, tz=SEOUL, stop=Event())
    wake = scheduler.get_job(SNOOZE_JOB).func
    wake()
    world.publisher.deliver()
    assert world.result_id not in default_view(world) and world.thread() == []

    world.clock.advance(3601)
    wake()
    world.publisher.deliver()

    assert world.result_id in default_view(world)
    [back] = world.thread()
    assert back.startswith(f"⏰ <@{AGENT}>, this is back from your snooze")
    assert case_line(world.alert(TargetKind.RESULT, world.result_id).blocks) == ""
    wake()
    world.publisher.deliver()
    assert len(world.thread()) == 1  # said once


def default_view(world: World) -> list[int]:
    page = read_models.list_results(world.deps.make_uow, CancelFilter(), limit=100)
    return [r.id for r in page.items if r.id is not None]


def test_the_menu_opens_the_details_and_the_note_and_the_oms_link_is_acked(world: World) -> None:
    for value, callback in (
        (f"details:{world.result_id}", CallbackId.CS_DETAILS_MODAL),
        (f"note:{world.result_id}", CallbackId.CANCEL_NOTE_MODAL),
    ):
        world.click(ActionId.CANCEL_MORE, "", type="overflow", selected_option={"value": value})
        assert world.fake.calls_to("views.open")[-1].args["view"]["callback_id"] == callback
    bad = {"value": "delete:1"}
    world.click(ActionId.CANCEL_MORE, "", type="overflow", selected_option=bad)
    assert [c.args["text"] for c in world.ephemerals()] == [t("en", "error.invalid")]

    alert = world.alert(TargetKind.RESULT, world.result_id)
    [link] = [
        e
        for b in alert.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ActionId.CANCEL_OPEN_OMS
    ]
    assert link["url"] == OMS.replace("{management_no}", world.result().management_no)
    calls = len(world.fake.calls)
    assert world.click(ActionId.CANCEL_OPEN_OMS, str(world.result_id)) == (200, "")
    assert len(world.fake.calls) == calls


def test_a_withdrawals_alert_takes_the_case_of_its_result(world: World) -> None:
    world.click(
        ActionId.CANCEL_CLAIM,
        str(world.held_result_id),
        target=TargetKind.WITHDRAWAL,
        target_id=world.withdrawal_id,
    )
    assert world.result(world.held_result_id).taken_by == AGENT
    [update] = world.fake.calls_to("chat.update")
    assert update.args["ts"] == world.alert(TargetKind.WITHDRAWAL, world.withdrawal_id).ts
    assert f"<@{AGENT}> is on it" in case_line(update.args["blocks"])


def test_take_snooze_and_note_need_the_same_permission_as_confirm(
    deps: Deps, timed_slack: FakeSlack, fake_time: FakeTime, config: Config
) -> None:
    world = make_world(deps, timed_slack, fake_time, config, allowed_users=frozenset({AGENT}))
    rid = str(world.result_id)
    world.click(ActionId.CANCEL_CLAIM, rid, user=OTHER)
    world.click(ActionId.CANCEL_NOTE, rid, user=OTHER)
    world.click(
        ActionId.CANCEL_MORE,
        "",
        user=OTHER,
        type="overflow",
        selected_option={"value": f"snooze:{rid}:240"},
    )
    assert [c.args["text"] for c in world.ephemerals(OTHER)] == [t("en", "case.not_allowed")] * 3
    assert world.fake.calls_to("views.open") == []
    result = world.result()
    assert (result.taken_by, result.snoozed_until) == (None, None)
    view = {"callback_id": CallbackId.CANCEL_NOTE_MODAL.value, "private_metadata": rid}
    typed = {"note": {"note_text": {"type": "plain_text_input", "value": "hi"}}}
    assert world.submit(view, typed, user=OTHER)["response_action"] == "update"  # "saving…"
    [told] = world.fake.calls_to("views.update")
    assert t("en", "case.not_allowed") in json.dumps(told.args["view"], ensure_ascii=False)
    history = read_models.order_details(world.deps.make_uow, result.management_no).history
    assert all(entry.actor != OTHER for entry in history)


# --- App Home -------------------------------------------------------------------------------


def home_opened(world: World, user: str) -> dict[str, Any]:
    event = {
        "type": "event_callback",
        "team_id": "T0TEAM01",
        "api_app_id": "A0APP01",
        "event_id": f"Ev{user}",
        "event_time": 1,
        "event": {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
    }
    body = json.dumps(event)
    signed = signed_headers(body, content_type="application/json")
    headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in signed.items()}
    assert world.app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    published = [c for c in world.fake.calls_to("views.publish") if c.args["user_id"] == user]
    view: dict[str, Any] = published[-1].args["view"]
    return view


def view_action(
    view: dict[str, Any], action_id: str, value: str, *, user: str = AGENT, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0TEAM01", "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
        "api_app_id": "A0APP01",
        "token": "legacy",
        "container": {"type": "view", "view_id": "V0LIST"},
        "trigger_id": "777.888.view",
        "view": {"id": "V0LIST", "hash": "2.y", "state": {"values": {}}, **view, **extra},
        "actions": [{"type": "button", "action_id": action_id, "value": value}],
    }


def test_app_home_puts_my_cases_first_and_refreshes_when_they_change(world: World) -> None:
    empty = home_opened(world, AGENT)
    assert empty["blocks"][0]["block_id"] == BlockId.HOME_MINE
    assert t("en", "home.mine_empty") in json.dumps(empty, ensure_ascii=False)

    world.click(ActionId.CANCEL_CLAIM, str(world.result_id))
    mine = home_opened(world, AGENT)
    shown = json.dumps(mine["blocks"][:4], ensure_ascii=False)
    assert t("en", "home.mine_taken", count=1) in shown and f"*#{world.result_id}*" in shown

    # Somebody takes it over: my Home is published again without waiting for me.
    publishes = len(world.fake.calls_to("views.publish"))
    cases.take_over(world.deps.make_uow, world.result_id, OTHER, world.clock.now())
    world.publisher.deliver()
    republished = world.fake.calls_to("views.publish")[publishes:]
    assert {c.args["user_id"] for c in republished} == {AGENT, OTHER}
    mine_now = next(c for c in republished if c.args["user_id"] == AGENT).args["view"]
    assert t("en", "home.mine_empty") in json.dumps(mine_now, ensure_ascii=False)


def test_a_home_count_opens_its_list_which_confirms_the_ticked_ones(world: World) -> None:
    home = home_opened(world, AGENT)
    opens = block(home["blocks"], BlockId.HOME_OPEN)
    assert opens is not None
    label = t("en", "home.open_count", label=t("en", "category.SHIPPED_CANCEL"), count=1)
    [count] = [e for e in opens["elements"] if e["text"]["text"] == label]
    payload = view_action({"type": "home"}, count["action_id"], count["value"])

    assert world.dispatch(payload) == (200, "")

    [opened] = world.fake.calls_to("views.open")
    modal = opened.args["view"]
    assert modal["callback_id"] == CallbackId.HOME_LIST_MODAL
    assert f"*#{world.result_id}*" in json.dumps(modal, ensure_ascii=False)
    ticked = {
        BlockId.HOME_LIST_SELECTION.value: {
            ActionId.HOME_LIST_SELECT.value: {
                "type": "checkboxes",
                "selected_options": [{"value": str(world.result_id)}],
            }
        }
    }
    click = view_action(modal, ActionId.HOME_LIST_CONFIRM_SELECTED, "r", state={"values": ticked})

    assert world.dispatch(click) == (200, "")

    assert world.result().confirmed_by == AGENT
    [update] = world.fake.calls_to("views.update")
    assert (update.args["view_id"], update.args["hash"]) == ("V0LIST", "2.y")
    shown = json.dumps(update.args["view"], ensure_ascii=False)
    assert t("en", "cancels.confirmed_ids", count=1, ids=f"#{world.result_id}") in shown


def test_the_withdrawals_count_lists_goods_on_hold(world: World) -> None:
    home = home_opened(world, AGENT)
    opens = block(home["blocks"], BlockId.HOME_OPEN)
    assert opens is not None
    label = t("en", "home.open_count", label=t("en", "home.open_withdrawals"), count=1)
    [count] = [e for e in opens["elements"] if e["text"]["text"] == label]
    world.dispatch(view_action({"type": "home"}, count["action_id"], count["value"]))
    modal = world.fake.calls_to("views.open")[-1].args["view"]
    ticked = {
        BlockId.HOME_LIST_SELECTION.value: {
            ActionId.HOME_LIST_SELECT.value: {
                "type": "checkboxes",
                "selected_options": [{"value": str(world.withdrawal_id)}],
            }
        }
    }
    world.dispatch(
        view_action(modal, ActionId.HOME_LIST_CONFIRM_SELECTED, "w", state={"values": ticked})
    )
    with world.deps.make_uow() as uow:
        [withdrawal] = uow.withdrawals.get_many([world.withdrawal_id]).values()
    assert withdrawal.confirmed_by == AGENT


def test_times_are_date_tokens_with_the_teams_time_as_fallback(world: World) -> None:
    alert = world.alert(TargetKind.RESULT, world.result_id)
    fields = block(alert.blocks, BlockId.ALERT_FIELDS)
    assert fields is not None
    cancelled = fields["fields"][5]["text"]
    stamp = int(world.result().claimed_at.timestamp())
    assert f"<!date^{stamp}^{{date_short_pretty}} {{time}}|" in cancelled
    assert cancelled.endswith(" KST>")  # the fallback: the team's own time
