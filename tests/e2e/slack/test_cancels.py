"""`/cancels` through the real Bolt app: signed slash commands and clicks on the pages it
answered with (captured from the response_url on the fake Slack), against a migrated
database with real services."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest

from bot.i18n import Locale, t
from bot.runtime.bootstrap import Deps
from bot.runtime.config import Config
from bot.runtime.process import health_handler
from bot.runtime.server import build_router, serve_in_thread
from bot.slack.app import create_app
from bot.slack.blocks.cancels_common import ModalMetadata
from bot.slack.ids import ActionId, BlockId, CallbackId
from core import apply, confirmation, order_book, read_models
from core.claims import ClaimType
from core.csv_export import results_csv
from core.orders import OrderStatus
from core.outbox import OutboxKind
from core.queries import CancelFilter, parse_filter
from core.results import TargetKind
from tests.conftest import SEOUL
from tests.factories import claim_for, make_order
from tests.support.fake_slack import FakeSlack
from tests.support.slack_app import (
    AGENT,
    CHANNEL,
    OTHER,
    InlineExecutor,
    interaction_body,
    make_settings,
    post,
    signed_headers,
)

PAGE = 10
_URLS = itertools.count(1)  # each interaction gets its own response_url
SUBCOMMANDS = "help, confirm, unconfirm, withdrawals, stats, export"


# --- data ---------------------------------------------------------------------------------


@dataclass
class Seeded:
    shipped: list[int]  # after-shipping coupang cancels
    returns: list[int]  # after-shipping naver returns
    partial: int  # after shipping, 1 of 2 units
    before: list[int]  # before shipping, partial: each left a withdrawal
    unmatched: int


def now() -> datetime:
    return datetime.now(UTC)


def seed(deps: Deps) -> Seeded:
    shipped = [make_order(status=OrderStatus.SHIPPED) for _ in range(23)]
    naver = [make_order(marketplace="naver", status=OrderStatus.SHIPPED) for _ in range(2)]
    partial = make_order(status=OrderStatus.SHIPPED, quantity=2)
    invoiced = [make_order(status=OrderStatus.INVOICED, quantity=3) for _ in range(2)]
    order_book.import_orders(deps.make_uow, [*shipped, *naver, partial, *invoiced], now())

    def ids(claims: list[Any]) -> list[int]:
        return apply.apply_claims(deps.make_uow, claims, now()).changed_ids

    return Seeded(
        shipped=ids([claim_for(o) for o in shipped]),
        returns=ids([claim_for(o, claim_type=ClaimType.RETURN) for o in naver]),
        partial=ids([claim_for(partial, cancel_qty=1)])[0],
        before=ids([claim_for(o, cancel_qty=1) for o in invoiced]),
        unmatched=ids([claim_for()])[0],
    )


def more_results(deps: Deps, count: int) -> list[int]:
    orders = [make_order(status=OrderStatus.SHIPPED) for _ in range(count)]
    order_book.import_orders(deps.make_uow, orders, now())
    return apply.apply_claims(deps.make_uow, [claim_for(o) for o in orders], now()).changed_ids


def confirmed_by(deps: Deps, result_id: int) -> str | None:
    with deps.make_uow() as uow:
        result = uow.results.get(result_id)
    assert result is not None
    return result.confirmed_by


def default_view_ids(deps: Deps, flt: CancelFilter | None = None) -> list[int]:
    page = read_models.list_results(deps.make_uow, flt or CancelFilter(), limit=1000)
    return [r.id for r in page.items if r.id is not None]


# --- requests -----------------------------------------------------------------------------


class Slack:
    """The app under test, and what a person in Slack does with it."""

    def __init__(self, app: App, fake: FakeSlack) -> None:
        self.app = app
        self.fake = fake

    def _dispatch(self, body: str, content_type: str) -> int:
        signed = signed_headers(body, content_type=content_type)
        headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in signed.items()}
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.body == ""  # acked with nothing: every answer goes to response_url
        return response.status

    def new_response_url(self) -> str:
        return f"{self.fake.webhook_url}/{next(_URLS)}"

    def command(self, text: str, *, user: str = AGENT) -> dict[str, Any]:
        """`/cancels text`; returns what the app posted to the command's response_url."""
        url = self.new_response_url()
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T0TEAM01",
                "team_domain": "fake",
                "channel_id": CHANNEL,
                "channel_name": "cs",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/cancels",
                "text": text,
                "api_app_id": "A0APP01",
                "is_enterprise_install": "false",
                "response_url": url,
                "trigger_id": "111.222.cmd",
            }
        )
        assert self._dispatch(body, "application/x-www-form-urlencoded") == 200
        [answer] = self.fake.responses(path=urlpath(url))
        return answer

    def click(
        self,
        page: dict[str, Any],
        action_id: str,
        *,
        user: str = AGENT,
        value: str | None = None,
        selected: list[str] | None = None,
        tamper: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Click a button (the first with `action_id`, or the one with `value`) on an
        ephemeral page the app answered with; returns the app's answer to the click."""
        block, element = find(page["blocks"], action_id, value)
        url = self.new_response_url()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": "T0TEAM01", "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
            "api_app_id": "A0APP01",
            "token": "legacy",
            # An ephemeral message: Slack sends no copy of it, only where it is.
            "container": {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": CHANNEL,
                "is_ephemeral": True,
            },
            "trigger_id": "333.444.click",
            "channel": {"id": CHANNEL, "name": "cs"},
            "state": {"values": {}},
            "response_url": url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block.get("block_id", "b1"),
                    "value": element.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                    **(tamper or {}),
                }
            ],
        }
        if selected is not None:
            payload["state"]["values"] = {
                BlockId.CANCELS_SELECTION: {
                    ActionId.CANCELS_SELECT: {
                        "type": "checkboxes",
                        "selected_options": [{"value": v} for v in selected],
                    }
                }
            }
        self._dispatch(interaction_body(payload), "application/x-www-form-urlencoded")
        answers = self.fake.responses(path=urlpath(url))
        assert len(answers) <= 1
        return answers[0] if answers else None

    def submit(self, view: dict[str, Any], *, user: str = AGENT) -> tuple[int, str]:
        payload = {
            "type": "view_submission",
            "team": {"id": "T0TEAM01", "domain": "fake"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM01"},
            "api_app_id": "A0APP01",
            "token": "legacy",
            "trigger_id": "555.666.submit",
            "view": {"id": "V0001", "state": {"values": {}}, "hash": "1.x", **view},
            "response_urls": [],
        }
        body = interaction_body(payload)
        signed = signed_headers(body)
        headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in signed.items()}
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        return response.status, response.body


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def find(
    blocks: list[dict[str, Any]], action_id: str, value: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if "accessory" in block:
            elements = [block["accessory"]]
        for element in elements:
            if element.get("action_id") == action_id and value in (None, element.get("value")):
                return block, element
    raise AssertionError(f"no {action_id} {value or ''} on the page")


def has(page: dict[str, Any], action_id: str) -> bool:
    try:
        find(page["blocks"], action_id)
    except AssertionError:
        return False
    return True


def text_of(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("blocks") or [], ensure_ascii=False) + str(answer.get("text", ""))


def block_text(answer: dict[str, Any], block_id: str) -> str:
    for block in answer.get("blocks") or []:
        if block.get("block_id") == block_id:
            if block["type"] == "context":
                return " ".join(e["text"] for e in block["elements"])
            return str(block["text"]["text"])
    raise AssertionError(f"no {block_id} block in {answer}")


def result_ids(answer: dict[str, Any]) -> list[int]:
    return [
        int(block["accessory"]["value"])
        for block in answer["blocks"]
        if block.get("accessory", {}).get("action_id") == ActionId.CANCEL_DETAILS
    ]


def notice(answer: dict[str, Any]) -> str:
    return block_text(answer, BlockId.CANCELS_NOTICE)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def seeded(deps: Deps) -> Seeded:
    return seed(deps)


def make_slack(deps: Deps, fake: FakeSlack, config: Config, **settings: Any) -> Slack:
    app = create_app(
        deps, make_settings(fake, **settings), config, listener_executor=InlineExecutor()
    )
    return Slack(app, fake)


@pytest.fixture
def slack(deps: Deps, fake_slack: FakeSlack, config: Config) -> Slack:
    return make_slack(deps, fake_slack, config)


@pytest.fixture
def slack_ko(deps: Deps, fake_slack: FakeSlack, config: Config) -> Slack:
    return make_slack(deps, fake_slack, config, locale=Locale.KO)


# --- querying and paging -----------------------------------------------------------------


def test_the_default_view_is_after_shipping_unconfirmed_newest_first(
    deps: Deps, seeded: Seeded, slack: Slack
) -> None:
    answer = slack.command("")

    assert answer["response_type"] == "ephemeral"
    expected = default_view_ids(deps)
    assert set(seeded.shipped) | set(seeded.returns) | {seeded.partial} <= set(expected)
    assert not set(seeded.before) & set(expected)
    assert result_ids(answer) == expected[:PAGE]
    assert block_text(answer, BlockId.CANCELS_FILTER) == t(
        "en", "cancels.filter", words="`phase:after confirmed:no`"
    )
    assert block_text(answer, BlockId.CANCELS_SUMMARY) == t(
        "en", "cancels.title", total=len(expected)
    )
    confirm_all = find(answer["blocks"], ActionId.CANCELS_CONFIRM_ALL)[1]
    assert confirm_all["text"]["text"] == t("en", "button.confirm_all", count=len(expected))
    assert has(answer, ActionId.CANCELS_CONFIRM_SELECTED)
    assert seeded.partial in result_ids(answer)
    assert t("en", "qty.partial", cancel=1, ordered=2) in text_of(answer)  # highlighted


def test_paging_to_the_last_page_and_back(deps: Deps, seeded: Seeded, slack: Slack) -> None:
    expected = default_view_ids(deps)
    page = slack.command("")
    seen = list(result_ids(page))
    pages = [page]
    while has(page, ActionId.CANCELS_PAGE_NEXT):
        answer = slack.click(page, ActionId.CANCELS_PAGE_NEXT)
        assert answer is not None
        assert answer["replace_original"] is True  # paging replaces the ephemeral message
        seen += result_ids(answer)
        pages.append(answer)
        page = answer
    assert seen == expected  # every result once, in order
    assert len(pages) == -(-len(expected) // PAGE) == 3
    assert not has(page, ActionId.CANCELS_PAGE_NEXT)
    assert block_text(page, BlockId.CANCELS_PAGE_INFO) == t(
        "en", "cancels.page", first=21, last=len(expected), total=len(expected), page=3, pages=3
    )
    # Results arriving meanwhile do not shift the pages (they were counted at a snapshot).
    more_results(deps, 4)
    while has(page, ActionId.CANCELS_PAGE_PREV):
        answer = slack.click(page, ActionId.CANCELS_PAGE_PREV)
        assert answer is not None
        page = answer
    assert result_ids(page) == expected[:PAGE]
    assert not has(page, ActionId.CANCELS_PAGE_PREV)
    assert block_text(page, BlockId.CANCELS_SUMMARY) == t(
        "en", "cancels.title", total=len(expected)
    )


# Every filter word, English and Korean: (typed, a canonical word the answer must show).
FILTER_WORDS = [
    ("market:coupang", "market:coupang"),
    ("market:naver,11st", "market:11st,naver"),
    ("market:gmarket", "market:gmarket"),
    ("market:auction", "market:auction"),
    ("쿠팡", "market:coupang"),
    ("네이버", "market:naver"),
    ("스마트스토어", "market:naver"),
    ("11번가", "market:11st"),
    ("지마켓", "market:gmarket"),
    ("옥션", "market:auction"),
    ("phase:after", "phase:after"),
    ("phase:before", "phase:before"),
    ("phase:all", "phase:all"),
    ("phase:배송전", "phase:before"),
    ("배송후", "phase:after"),
    ("배송전", "phase:before"),
    ("status:received", "status:received"),
    ("status:invoiced", "status:invoiced"),
    ("status:shipped", "status:shipped"),
    ("접수", "status:received"),
    ("송장", "status:invoiced"),
    ("배송", "status:shipped"),
    ("type:cancel", "type:cancel"),
    ("type:return", "type:return"),
    ("취소", "type:cancel"),
    ("반품", "type:return"),
    ("confirmed:no", "confirmed:no"),
    ("confirmed:yes", "confirmed:yes"),
    ("confirmed:all", "confirmed:all"),
    ("미확인", "confirmed:no"),
    ("확인", "confirmed:yes"),
    ("state:requested", "state:requested"),
    ("state:completed", "state:completed"),
    ("state:withdrawn", "state:withdrawn"),
    ("state:요청,완료,철회", "state:completed,requested,withdrawn"),
    ("partial", "partial"),
    ("부분취소", "partial"),
    ("unmatched", "unmatched"),
    ("미매칭", "unmatched"),
    ("all", "phase:all confirmed:all"),
    ("전체", "phase:all confirmed:all"),
    ("from:2026-11-20", "from:2026-11-20"),
    ("to:2026-11-20", "to:2026-11-20"),
    ("from:2026-11-21", "from:2026-11-21"),
    ("order:ORDER-X", "order:ORDER-X"),
]


def test_every_filter_word_in_both_languages(deps: Deps, seeded: Seeded, slack: Slack) -> None:
    with deps.make_uow() as uow:
        some = uow.results.get(seeded.shipped[0])
    assert some is not None and some.management_no
    table = [*FILTER_WORDS, (f"order:{some.management_no}", f"order:{some.management_no}")]
    nonempty = 0
    for typed, canonical in table:
        answer = slack.command(typed)
        flt = parse_filter(typed)
        expected = default_view_ids(deps, flt)
        words = block_text(answer, BlockId.CANCELS_FILTER)
        assert canonical in words, (typed, words)
        assert f"`{' '.join(flt.words())}`" in words, typed
        assert block_text(answer, BlockId.CANCELS_SUMMARY) == t(
            "en", "cancels.title", total=len(expected)
        ), typed
        assert result_ids(answer) == expected[:PAGE], typed
        nonempty += bool(expected)
    assert nonempty >= 20  # the table is not trivially empty


def test_a_typo_is_visible_in_the_filter_as_understood(
    deps: Deps, seeded: Seeded, slack_ko: Slack
) -> None:
    answer = slack_ko.command("쿠팡 부분취소 from:2026-11-01")
    assert block_text(answer, BlockId.CANCELS_FILTER) == t(
        "ko",
        "cancels.filter",
        words="`market:coupang phase:after confirmed:no partial from:2026-11-01`",
    )
    assert result_ids(answer) == [seeded.partial]
    assert t("ko", "qty.partial", cancel=1, ordered=2) in text_of(answer)


# --- confirming -----------------------------------------------------------------------------


def queued_alert_updates(deps: Deps) -> set[int]:
    with deps.make_uow() as uow:
        items = uow.outbox.claim_due(
            [OutboxKind.UPDATE_ALERT], now() + timedelta(days=1), 10_000, timedelta(0)
        )
        uow.rollback()
    return {i.target_id for i in items if i.target is TargetKind.RESULT and i.target_id}


def test_confirm_selected(deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack) -> None:
    page = slack.command("")
    first, second, third = result_ids(page)[:3]
    confirmation.confirm(deps.make_uow, TargetKind.RESULT, [third], OTHER, now())

    answer = slack.click(
        page, ActionId.CANCELS_CONFIRM_SELECTED, selected=[str(first), str(second), str(third)]
    )

    assert answer is not None and answer["replace_original"] is True
    assert confirmed_by(deps, first) == confirmed_by(deps, second) == AGENT
    assert confirmed_by(deps, third) == OTHER
    said = notice(answer)
    assert t("en", "cancels.confirmed_ids", count=2, ids=f"#{first}, #{second}") in said
    assert f"#{third}: already confirmed by <@{OTHER}>" in said
    # The confirmed ones left the default view, which was counted afresh.
    assert {first, second, third}.isdisjoint(result_ids(answer))
    assert block_text(answer, BlockId.CANCELS_SUMMARY) == t(
        "en", "cancels.title", total=len(default_view_ids(deps))
    )
    # Channel alerts are updated through the outbox, never inside the click.
    assert {first, second} <= queued_alert_updates(deps)
    assert fake_slack.calls_to("chat.update") == []


def test_confirm_selected_with_nothing_ticked_says_so(
    deps: Deps, seeded: Seeded, slack: Slack
) -> None:
    page = slack.command("")
    answer = slack.click(page, ActionId.CANCELS_CONFIRM_SELECTED, selected=[])
    assert answer is not None and not answer.get("replace_original")
    assert answer["text"] == t("en", "cancels.nothing_selected")
    assert all(confirmed_by(deps, i) is None for i in result_ids(page))


def test_ticking_a_checkbox_is_acked(seeded: Seeded, slack: Slack, fake_slack: FakeSlack) -> None:
    page = slack.command("")
    block = next(b for b in page["blocks"] if b.get("block_id") == BlockId.CANCELS_SELECTION)
    payload = {
        "type": "block_actions",
        "user": {"id": AGENT},
        "team": {"id": "T0TEAM01"},
        "container": {"type": "message", "is_ephemeral": True, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL},
        "response_url": slack.new_response_url(),
        "actions": [
            {
                "type": "checkboxes",
                "action_id": ActionId.CANCELS_SELECT,
                "block_id": block["block_id"],
                "selected_options": [block["elements"][0]["options"][0]],
            }
        ],
    }
    before = len(fake_slack.calls)
    assert slack._dispatch(interaction_body(payload), "application/x-www-form-urlencoded") == 200
    assert len(fake_slack.calls) == before


def test_confirm_all_confirms_exactly_what_was_counted(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    counted = default_view_ids(deps)
    page = slack.command("")

    assert slack.click(page, ActionId.CANCELS_CONFIRM_ALL) is None  # it opens a modal
    page_url = urlpath(
        ModalMetadata.decode(
            fake_slack.calls_to("views.open")[0].args["view"]["private_metadata"]
        ).response_url
    )
    [opened] = fake_slack.calls_to("views.open")
    assert opened.args["trigger_id"] == "333.444.click"
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.CANCELS_CONFIRM_ALL_MODAL
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert t("en", "confirm_all.body", count=len(counted)) in shown
    assert "phase:after confirmed:no" in shown
    assert all(confirmed_by(deps, i) is None for i in counted)  # nothing happens before OK

    # Between the count and the confirmation: new results arrive, and somebody else
    # confirms one of the counted ones.
    arrived = more_results(deps, 3)
    confirmation.confirm(deps.make_uow, TargetKind.RESULT, [counted[5]], OTHER, now())

    status, body = slack.submit(view)

    assert status == 200 and body == ""  # the modal closes
    assert [confirmed_by(deps, i) for i in arrived] == [None, None, None]
    assert all(confirmed_by(deps, i) == AGENT for i in counted if i != counted[5])
    assert confirmed_by(deps, counted[5]) == OTHER
    # The page the button was on is replaced by a fresh one saying what happened.
    [answer] = fake_slack.responses(path=page_url)
    assert answer["replace_original"] is True
    said = notice(answer)
    assert (
        t("en", "cancels.confirm_all_done", confirmed=len(counted) - 1, counted=len(counted))
        in said
    )
    assert t("en", "cancels.confirm_all_elsewhere", count=1) in said
    assert t("en", "cancels.confirm_all_later") in said
    assert sorted(result_ids(answer)) == sorted(arrived)
    assert set(counted) - {counted[5]} <= queued_alert_updates(deps)
    assert fake_slack.calls_to("chat.update") == []


def test_confirm_all_with_a_dead_response_url_answers_in_the_channel(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    page = slack.command("미매칭 phase:all")
    slack.click(page, ActionId.CANCELS_CONFIRM_ALL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    fake_slack.fail("webhook", status=404)

    slack.submit(view)

    assert confirmed_by(deps, seeded.unmatched) == AGENT
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert ephemeral.args["user"] == AGENT and ephemeral.args["channel"] == CHANNEL
    assert t("en", "cancels.confirm_all_done", confirmed=1, counted=1) in ephemeral.args["text"]


def test_confirm_all_after_somebody_else_confirmed_everything(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    page = slack.command("confirmed:all")
    counted = len(default_view_ids(deps))
    everything = parse_filter("confirmed:all")
    confirmation.confirm_all_matching(deps.make_uow, everything, OTHER, now(), snapshot_id=10**6)

    # The stale page still offers it; confirming finds that somebody did it all.
    slack.click(page, ActionId.CANCELS_CONFIRM_ALL)
    slack.submit(fake_slack.calls_to("views.open")[-1].args["view"])
    said = notice(fake_slack.responses()[-1])
    assert t("en", "cancels.confirm_all_done", confirmed=0, counted=counted) in said
    assert t("en", "cancels.confirm_all_elsewhere", count=counted) in said
    assert t("en", "cancels.confirm_all_later") not in said

    # A fresh page has nothing left to confirm, so it offers no confirm button.
    answer = slack.command("confirmed:all")
    assert not has(answer, ActionId.CANCELS_CONFIRM_ALL)
    assert not has(answer, ActionId.CANCELS_CONFIRM_SELECTED)


def test_confirm_and_unconfirm_by_id_in_both_languages(
    deps: Deps, seeded: Seeded, slack: Slack, slack_ko: Slack
) -> None:
    a, b = seeded.shipped[:2]

    answer = slack.command(f"confirm {a} #{b}")
    assert answer["text"] == t("en", "cancels.confirmed_ids", count=2, ids=f"#{a}, #{b}")
    assert confirmed_by(deps, a) == confirmed_by(deps, b) == AGENT

    answer = slack.command(f"confirm {a}", user=OTHER)
    assert f"already confirmed by <@{AGENT}> at " in answer["text"]
    assert "KST" in answer["text"]
    assert confirmed_by(deps, a) == AGENT

    answer = slack.command(f"unconfirm {a}")
    assert answer["text"] == t("en", "cancels.unconfirmed_ids", count=1, ids=f"#{a}")
    assert confirmed_by(deps, a) is None
    answer = slack.command(f"unconfirm {a}")
    assert answer["text"] == t("en", "cancels.not_confirmed_line", id=a)

    answer = slack_ko.command(f"확인 {a}")
    assert answer["text"] == t("ko", "cancels.confirmed_ids", count=1, ids=f"#{a}")
    answer = slack_ko.command(f"확인취소 {a} {b}")
    assert answer["text"] == t("ko", "cancels.unconfirmed_ids", count=2, ids=f"#{a}, #{b}")
    assert confirmed_by(deps, a) is None and confirmed_by(deps, b) is None
    with deps.make_uow() as uow:
        actions = [e.action.value for e in uow.audit.for_target(TargetKind.RESULT, a)]
    assert actions == ["CONFIRM", "UNCONFIRM", "CONFIRM", "UNCONFIRM"]  # audit, not deletion


def test_unknown_ids_are_named_and_nothing_changes(
    deps: Deps, seeded: Seeded, slack: Slack
) -> None:
    known = seeded.shipped[0]
    answer = slack.command(f"confirm {known} 99998 99999")
    assert answer["text"] == t("en", "cancels.not_found", ids="#99998, #99999")
    assert confirmed_by(deps, known) is None


# --- withdrawals, stats, help, export ---------------------------------------------------------


def test_withdrawals_list_and_confirm_from_the_ephemeral_page(
    deps: Deps, seeded: Seeded, slack: Slack, slack_ko: Slack, fake_slack: FakeSlack
) -> None:
    page = slack.command("withdrawals")
    withdrawals = [
        v.withdrawal
        for v in read_models.list_withdrawals(deps.make_uow, CancelFilter(phase=None)).items
    ]
    assert len(withdrawals) == 2
    assert block_text(page, BlockId.CANCELS_SUMMARY) == t(
        "en", "cancels.withdrawals_title", total=2
    )
    shown = text_of(page)
    for w in withdrawals:
        assert w.management_no in shown
    assert t("en", "withdrawal_reason.PARTIAL") in shown
    korean = slack_ko.command("취소철회")
    assert block_text(korean, BlockId.CANCELS_SUMMARY) == t(
        "ko", "cancels.withdrawals_title", total=2
    )

    target = withdrawals[0]
    assert target.id is not None
    answer = slack.click(page, ActionId.CANCELS_WITHDRAWAL_CONFIRM, value=str(target.id))

    assert answer is not None and answer["replace_original"] is True
    assert notice(answer) == t(
        "en", "cancels.withdrawal_confirmed", id=target.id, management_no=target.management_no
    )
    with deps.make_uow() as uow:
        stored = uow.withdrawals.get_many([target.id])[target.id]
    assert stored.confirmed_by == AGENT
    assert block_text(answer, BlockId.CANCELS_SUMMARY) == t(
        "en", "cancels.withdrawals_title", total=1
    )
    # The ephemeral page is not a channel alert: nothing tries to chat.update it.
    assert fake_slack.calls_to("chat.update") == []

    # Undo from a list that shows confirmed ones too.
    everything = slack.command("withdrawals confirmed:all")
    answer = slack.click(everything, ActionId.CANCELS_WITHDRAWAL_UNCONFIRM, value=str(target.id))
    assert answer is not None
    assert notice(answer) == t(
        "en", "cancels.withdrawal_unconfirmed", id=target.id, management_no=target.management_no
    )
    # Somebody else's click on what is already confirmed says who did it.
    confirmation.confirm(deps.make_uow, TargetKind.WITHDRAWAL, [target.id], OTHER, now())
    answer = slack.click(page, ActionId.CANCELS_WITHDRAWAL_CONFIRM, value=str(target.id))
    assert answer is not None and f"<@{OTHER}>" in notice(answer)


def test_withdrawals_clicked_on_an_alert_still_go_to_the_alert_listener(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    from tests.support.slack_app import block_action

    withdrawal = (
        read_models.list_withdrawals(deps.make_uow, CancelFilter(phase=None)).items[0].withdrawal
    )
    assert withdrawal.id is not None
    body = interaction_body(block_action(ActionId.WITHDRAWAL_CONFIRM, str(withdrawal.id)))
    slack._dispatch(body, "application/x-www-form-urlencoded")
    assert fake_slack.responses() == []
    with deps.make_uow() as uow:
        assert uow.withdrawals.get_many([withdrawal.id])[withdrawal.id].confirmed_by == AGENT


@pytest.mark.parametrize(("typed", "flt"), [("stats", ""), ("통계 쿠팡", "쿠팡")])
def test_stats_count_by_category_and_marketplace_for_the_filter(
    deps: Deps, seeded: Seeded, slack: Slack, typed: str, flt: str
) -> None:
    answer = slack.command(typed)
    counts = read_models.stats(deps.make_uow, parse_filter(flt))
    total = sum(counts.values())
    assert total > 0
    assert block_text(answer, BlockId.CANCELS_SUMMARY) == t("en", "stats.title", total=total)
    shown = text_of(answer)
    for (category, _market), _count in counts.items():
        assert t("en", f"category.{category.value}") in shown


@pytest.mark.parametrize("typed", ["help", "도움말"])
def test_help_answers_to_its_english_and_korean_names(slack: Slack, typed: str) -> None:
    answer = slack.command(typed)
    assert answer["text"] == t("en", "help.text")
    assert "/cancels withdrawals|취소철회" in text_of(answer)


@pytest.mark.parametrize(("typed", "flt"), [("export", ""), ("내보내기 반품", "반품")])
def test_export_uploads_the_csv_to_the_users_dm(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack, typed: str, flt: str
) -> None:
    answer = slack.command(typed)

    results, total = read_models.export_results(deps.make_uow, parse_filter(flt))
    assert answer["text"] == t("en", "cancels.export_sent", count=total)
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.args["users"] == AGENT
    [url] = fake_slack.calls_to("files.getUploadURLExternal")
    assert url.args["filename"].startswith("cancel-results-")
    assert url.args["filename"].endswith(".csv")
    [complete] = fake_slack.calls_to("files.completeUploadExternal", ok_only=True)
    assert complete.args["channel_id"] == "D0AGENT01"
    [file] = json.loads(complete.args["files"])
    data = fake_slack.uploads[file["id"]]
    assert data == results_csv(results, SEOUL)
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == total + 1 and lines[0].startswith("id,marketplace")


def test_export_of_nothing_and_a_failed_upload_say_so(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    answer = slack.command("export order:NOPE")
    assert answer["text"] == t("en", "cancels.export_empty")
    assert fake_slack.calls_to("files.getUploadURLExternal") == []

    fake_slack.fail("files.getUploadURLExternal", error="not_allowed_token_type")
    answer = slack.command("export")
    assert answer["text"] == t("en", "cancels.export_failed")


# --- errors and permissions -------------------------------------------------------------------

BAD_INPUT = [
    ("frobnicate", "frobnicate", "cancels.reason.unknown_word"),
    ("쿠팡 frobnicate", "frobnicate", "cancels.reason.unknown_filter_word"),
    ("market:ebay", "market:ebay", "cancels.reason.unknown_value"),
    ("from:2026-02-30", "from:2026-02-30", "cancels.reason.bad_date"),
    ("from:2026-12-01 to:2026-11-01", "from:2026-12-01 to:2026-11-01", "cancels.reason.date_order"),
    ("stats bogus", "bogus", "cancels.reason.unknown_filter_word"),
    ("통계 status:", "status:", "cancels.reason.needs_value"),
    ("export type:refund", "type:refund", "cancels.reason.unknown_value"),
    ("withdrawals to:2026-13-01", "to:2026-13-01", "cancels.reason.bad_date"),
    ("confirm", "", "cancels.reason.no_ids"),
    ("confirm 12 abc", "abc", "cancels.reason.bad_id"),
    ("확인취소 -3", "-3", "cancels.reason.bad_id"),
    ("unconfirm " + " ".join(map(str, range(1, 60))), "51 52 53", "cancels.reason.too_many_ids"),
    # What once reached the database (or int()) and came back as "Something went wrong":
    ("confirm ²", "²", "cancels.reason.bad_id"),
    ("confirm " + "9" * 5000, "9" * 20 + "…", "cancels.reason.bad_id"),
    ("confirm 999999999999", "999999999999", "cancels.reason.bad_id"),
    ("확인 2147483648", "2147483648", "cancels.reason.bad_id"),
    ("from:0001-01-01", "from:0001-01-01", "cancels.reason.date_range"),
    ("all to:9999-12-31", "to:9999-12-31", "cancels.reason.date_range"),
    ("order:" + "1" * 65, "order:" + "1" * 65, "cancels.reason.bad_value"),
]


@pytest.mark.parametrize("locale", [Locale.EN, Locale.KO])
def test_bad_input_quotes_the_bad_part_and_shows_the_form(
    deps: Deps, fake_slack: FakeSlack, config: Config, locale: Locale
) -> None:
    slack = make_slack(deps, fake_slack, config, locale=locale)
    for typed, bad, key in BAD_INPUT:
        answer = slack.command(typed)
        said = text_of(answer)
        assert answer["response_type"] == "ephemeral", typed
        reason = t(locale, key, name=bad.partition(":")[0], max=50, subcommands=SUBCOMMANDS)
        assert reason in said, (typed, said)
        if bad:
            assert f"`{bad}`" in said, typed
        assert "/cancels" in said and "Traceback" not in said


def test_tampered_buttons_get_a_clean_answer(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    page = slack.command("")
    for action_id in (
        ActionId.CANCELS_PAGE_NEXT,
        ActionId.CANCELS_CONFIRM_SELECTED,
        ActionId.CANCELS_CONFIRM_ALL,
    ):
        for forged in ("1;r;0;0;0;0;phase:sideways", "garbage", "1;w;0;0;5;0;phase:all"):
            if forged.startswith("1;w") and action_id is ActionId.CANCELS_PAGE_NEXT:
                continue  # a withdrawals page state is a fine Next button
            answer = slack.click(page, action_id, tamper={"value": forged}, selected=["1"])
            assert answer is not None, (action_id, forged)
            assert answer["text"] == t("en", "cancels.bad_state"), (action_id, forged)
    answer = slack.click(page, ActionId.CANCELS_CONFIRM_SELECTED, selected=["12abc"])
    assert answer is not None and answer["text"] == t("en", "error.invalid")
    row_page = slack.command("withdrawals")
    answer = slack.click(
        row_page,
        ActionId.CANCELS_WITHDRAWAL_CONFIRM,
        tamper={"block_id": f"{BlockId.CANCELS_WITHDRAWAL}:1:forged"},
    )
    assert answer is not None and answer["text"] == t("en", "cancels.bad_state")
    assert fake_slack.calls_to("views.open") == []
    assert all(confirmed_by(deps, i) is None for i in default_view_ids(deps))


def test_a_tampered_modal_is_answered_in_the_modal(
    deps: Deps, seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    page = slack.command("")
    slack.click(page, ActionId.CANCELS_CONFIRM_ALL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]

    status, body = slack.submit({**view, "private_metadata": '{"s":"1;r;0;0;9;9;x"}'})

    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "update"
    assert t("en", "cancels.bad_state") in json.dumps(answer["view"], ensure_ascii=False)
    assert all(confirmed_by(deps, i) is None for i in default_view_ids(deps))


def test_users_outside_the_allowed_lists_may_look_but_not_confirm(
    deps: Deps, seeded: Seeded, fake_slack: FakeSlack, config: Config
) -> None:
    slack = make_slack(deps, fake_slack, replace(config, allowed_users=frozenset({OTHER})))
    refused = t("en", "confirm.not_allowed")
    before = default_view_ids(deps)

    page = slack.command("")  # query: fine
    assert result_ids(page) == before[:PAGE]
    assert slack.click(page, ActionId.CANCELS_PAGE_NEXT) is not None  # paging: fine
    stats_total = sum(read_models.stats(deps.make_uow, CancelFilter()).values())
    assert slack.command("stats")["text"] == t("en", "stats.text", total=stats_total)
    assert slack.command("export")["text"] == t("en", "cancels.export_not_allowed")
    assert fake_slack.calls_to("files.getUploadURLExternal") == []  # no file left Slack

    assert slack.command(f"confirm {before[0]}")["text"] == refused
    assert slack.command(f"unconfirm {before[0]}")["text"] == refused
    answer = slack.click(page, ActionId.CANCELS_CONFIRM_SELECTED, selected=[str(before[0])])
    assert answer is not None and answer["text"] == refused
    answer = slack.click(page, ActionId.CANCELS_CONFIRM_ALL)
    assert answer is not None and answer["text"] == refused
    assert fake_slack.calls_to("views.open") == []
    withdrawals = slack.command("withdrawals")
    answer = slack.click(withdrawals, ActionId.CANCELS_WITHDRAWAL_CONFIRM)
    assert answer is not None and answer["text"] == refused

    # A modal opened while allowed, submitted after the lists changed: refused too.
    allowed = make_slack(deps, fake_slack, replace(config, allowed_users=frozenset({AGENT})))
    assert allowed.command("export")["text"] == t("en", "cancels.export_sent", count=len(before))
    allowed.click(allowed.command(""), ActionId.CANCELS_CONFIRM_ALL)
    view = fake_slack.calls_to("views.open")[-1].args["view"]
    slack.submit(view)
    assert refused in fake_slack.responses()[-1]["text"]

    assert all(confirmed_by(deps, i) is None for i in before)
    with deps.make_uow() as uow:
        assert all(
            w.confirmed_by is None
            for w in uow.withdrawals.find(CancelFilter(phase=None), limit=10, offset=0)
        )


# --- through the HTTP server ---------------------------------------------------------------


@pytest.fixture
def server(deps: Deps, fake_slack: FakeSlack, config: Config) -> Iterator[str]:
    app = create_app(deps, make_settings(fake_slack), config)  # Bolt's own thread pool
    router = build_router(app, health_handler(deps, config, mode="http"))
    base_url, stop = serve_in_thread(router)
    yield base_url
    stop()


def test_the_command_is_acked_at_once_and_answered_after(
    deps: Deps, seeded: Seeded, fake_slack: FakeSlack, server: str
) -> None:
    body = urlencode(
        {
            "team_id": "T0TEAM01",
            "channel_id": CHANNEL,
            "user_id": AGENT,
            "command": "/cancels",
            "text": "export",
            "response_url": fake_slack.webhook_url + "/http",
            "trigger_id": "1.2.3",
        }
    )
    started = time.monotonic()
    status, answer = post(f"{server}/slack/events", body, signed_headers(body))
    assert status == 200 and answer == b""
    assert time.monotonic() - started < 1.5
    [response] = fake_slack.wait_for_responses()
    assert response["text"] == t(
        "en",
        "cancels.export_sent",
        count=read_models.export_results(deps.make_uow, CancelFilter())[1],
    )
    assert fake_slack.uploads


# --- filter without typing (issue 18) -------------------------------------------------------


def test_the_filter_modal_round_trip_re_renders_the_page_with_the_short_form(
    deps: Deps, seeded: Seeded, slack_ko: Slack, fake_slack: FakeSlack
) -> None:
    page = slack_ko.command("")

    assert slack_ko.click(page, ActionId.CANCELS_FILTER_OPEN) is None  # it opens a modal

    [opened] = fake_slack.calls_to("views.open")
    assert opened.args["trigger_id"] == "333.444.click"
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.CANCELS_FILTER_MODAL
    page_url = urlpath(ModalMetadata.decode(view["private_metadata"]).response_url)
    phase = next(b for b in view["blocks"] if b["block_id"] == "filter_phase")
    assert phase["element"]["initial_option"]["value"] == "after"  # the page's own filter
    # The person picks Coupang and "partial cancels only", and a first day.
    values = {
        "filter_market": {
            "filter_market": {
                "type": "multi_static_select",
                "selected_options": [{"value": "coupang"}],
            }
        },
        "filter_phase": {
            "filter_phase": {"type": "static_select", "selected_option": {"value": "after"}}
        },
        "filter_flags": {
            "filter_flags": {"type": "checkboxes", "selected_options": [{"value": "partial"}]}
        },
        "filter_from": {"filter_from": {"type": "datepicker", "selected_date": "2020-01-01"}},
    }

    status, body = slack_ko.submit({**view, "state": {"values": values}})

    assert status == 200 and body == ""  # the modal closes
    [answer] = fake_slack.responses(path=page_url)
    assert answer["replace_original"] is True
    expected = default_view_ids(deps, parse_filter("쿠팡 부분취소 from:2020-01-01"))
    assert result_ids(answer) == expected == [seeded.partial]
    assert "`/cancels 쿠팡 부분취소 from:2020-01-01`" in notice(answer)
    # Typed, the short form gives the same page.
    typed = slack_ko.command("쿠팡 부분취소 from:2020-01-01")
    assert result_ids(typed) == result_ids(answer)
    assert block_text(typed, BlockId.CANCELS_FILTER) == block_text(answer, BlockId.CANCELS_FILTER)


def test_a_filter_the_modal_cannot_take_is_said_at_its_input(
    seeded: Seeded, slack: Slack, fake_slack: FakeSlack
) -> None:
    slack.click(slack.command(""), ActionId.CANCELS_FILTER_OPEN)
    view = fake_slack.calls_to("views.open")[0].args["view"]
    values = {
        "filter_from": {"filter_from": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "filter_to": {"filter_to": {"type": "datepicker", "selected_date": "2026-11-01"}},
    }
    status, body = slack.submit({**view, "state": {"values": values}})
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"filter_to": t("en", "filter.date_order")},
    }
    assert len(fake_slack.responses()) == 1  # the command's page only: nothing replaced it
