"""The /cancels lists, read from the database and built: shared by the command and by
the clicks that page, confirm and re-render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.slack.blocks.cancels_common import PAGE_SIZE, words_of
from bot.slack.blocks.common import Block
from bot.slack.blocks.results_page import build_results_page
from bot.slack.blocks.withdrawals_page import build_withdrawals_page
from bot.slack.listeners.context import ListenerContext
from core import read_models
from core.queries import CancelFilter, Page
from core.results import CancelResult


@dataclass(frozen=True)
class ResultsView:
    page: Page[CancelResult]
    unconfirmed: int  # of page.total: what Confirm all would confirm


def last_offset(total: int) -> int:
    return max(total - 1, 0) // PAGE_SIZE * PAGE_SIZE


def load_results(
    ctx: ListenerContext, flt: CancelFilter, *, offset: int = 0, snapshot_id: int | None = None
) -> ResultsView:
    """A page at `offset` (the last page when the list got shorter), counted at
    `snapshot_id` (a new count when None)."""
    page = read_models.list_results(
        ctx.make_uow, flt, limit=PAGE_SIZE, offset=max(offset, 0), snapshot_id=snapshot_id
    )
    if not page.items and page.offset > 0 and page.total:
        page = read_models.list_results(
            ctx.make_uow,
            flt,
            limit=PAGE_SIZE,
            offset=last_offset(page.total),
            snapshot_id=page.snapshot_id,
        )
    return ResultsView(page, unconfirmed_count(ctx, flt, page))


def unconfirmed_count(ctx: ListenerContext, flt: CancelFilter, page: Page[CancelResult]) -> int:
    if flt.confirmed is False:
        return page.total
    if flt.confirmed is True or not page.total:
        return 0
    unconfirmed = replace(flt, confirmed=False)
    return read_models.list_results(
        ctx.make_uow, unconfirmed, limit=0, snapshot_id=page.snapshot_id
    ).total


def results_message(
    ctx: ListenerContext, flt: CancelFilter, view: ResultsView, notice: Sequence[str] = ()
) -> tuple[list[Block], str]:
    ids = [r.id for r in view.page.items if r.id is not None]
    done = read_models.marketplace_actions(ctx.make_uow, ids)
    return build_results_page(
        view.page,
        words_of(flt),
        unconfirmed=view.unconfirmed,
        locale=ctx.locale,
        tz=ctx.tz,
        notice=notice,
        marketplace_actions=done,
        accept_accounts=ctx.accept_accounts,
    )


def withdrawals_message(
    ctx: ListenerContext, flt: CancelFilter, *, offset: int = 0, notice: Sequence[str] = ()
) -> tuple[list[Block], str]:
    page = read_models.list_withdrawals(ctx.make_uow, flt, limit=PAGE_SIZE, offset=max(offset, 0))
    if not page.items and page.offset > 0 and page.total:
        page = read_models.list_withdrawals(
            ctx.make_uow, flt, limit=PAGE_SIZE, offset=last_offset(page.total)
        )
    return build_withdrawals_page(page, words_of(flt), locale=ctx.locale, tz=ctx.tz, notice=notice)
