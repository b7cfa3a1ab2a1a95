"""The `cancelbot` commands: each reads its input, calls core's use cases through `Deps`, and
prints (bot.cli.present). Settings come from the environment once (bot.runtime.settings)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.cli import present
from bot.runtime import bootstrap
from bot.runtime.config import Config, load_config
from bot.runtime.deps import Deps
from bot.runtime.settings import Settings, load_settings, safe_url
from core import (
    accepting,
    confirmation,
    csv_import,
    dashboard,
    order_book,
    quarantine,
    read_models,
)
from core.errors import CancelbotError, InvalidInput, NotFound
from core.marketplace_actions import ActionState
from core.ports import ClaimSource
from core.queries import parse_filter
from core.results import TargetKind
from core.storable import ACTOR_MAX, INT_MAX, id_problem, is_row_id

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_LIMIT = 50
CLAIMS_BATCH = 1000


class UsageError(InvalidInput):
    """Bad command-line input (exit 2)."""


@dataclass
class Cli:
    """What a command may need, made when first asked for: the settings, the configuration
    and the wired dependencies."""

    environ: Mapping[str, str]
    _opened: list[Deps] = field(default_factory=list)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.environ, need_slack=False)

    @property
    def locale(self) -> str:
        """What people read is in CANCELBOT_LOCALE; --json keeps the codes."""
        return self.settings.locale.value

    def config(self, *, secrets: bool = False) -> Config:
        """The accounts file; `secrets`: the variables it names must be set (a sync)."""
        return load_config(self.settings.config_path, self.environ, secrets=secrets)

    def deps(self, config: Config | None = None) -> Deps:
        """Wired to the database. Pass the config for commands that change something, so
        they queue the order system's events like every other path."""
        deps = bootstrap.from_settings(self.settings, config)
        self._opened.append(deps)
        return deps

    @contextmanager
    def session(self) -> Iterator[Cli]:
        try:
            yield self
        finally:
            for deps in self._opened:
                deps.close()


Command = Callable[[argparse.Namespace, Cli], int]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _ids(values: Sequence[str]) -> list[int]:
    out = []
    for v in values:
        # ASCII digits only ("²".isdigit() is true), and no more than a row id can be.
        if not re.fullmatch(r"[0-9]{1,10}", v) or not is_row_id(int(v)):
            raise UsageError(f"{v[:20]!r} is not an id (a whole number from 1 to {INT_MAX})")
        out.append(int(v))
    return out


def _actor(value: str, doing: str) -> str:
    """`--by`: who does it, as the records keep it (a name or a Slack user id)."""
    by = value.strip()
    if not by:
        raise UsageError(f"--by needs a name (who is {doing})")
    if problem := id_problem(by, ACTOR_MAX):
        raise UsageError(f"--by {problem}")
    return by


def cmd_db_upgrade(args: argparse.Namespace, cli: Cli) -> int:
    url = cli.settings.database_url
    head = bootstrap.upgrade_database(url)
    print(f"database {safe_url(url)} is at revision {head}")
    return EXIT_OK


def cmd_orders_import(args: argparse.Namespace, cli: Cli) -> int:
    deps = cli.deps(cli.config())
    orders = csv_import.read_orders(_read(args.file), deps.tz)
    try:
        outcome = order_book.import_orders(deps.make_uow, orders, deps.clock.now())
    except order_book.StatusRegression as exc:
        raise order_book.StatusRegression(exc.moves, order_book.CSV_FORCE_HINT) from None
    print(
        f"orders: {outcome.created} created, {outcome.updated} updated, "
        f"{outcome.unchanged} unchanged"
    )
    return EXIT_OK


def cmd_claims_import(args: argparse.Namespace, cli: Cli) -> int:
    deps = cli.deps(cli.config())
    claims = csv_import.read_claims(_read(args.file), deps.tz)
    # Screened like a sync: a row no column can hold is quarantined, the others applied.
    outcome = quarantine.import_claims(deps.make_uow, claims, deps.clock.now(), CLAIMS_BATCH)
    stats = outcome.stats
    print(
        f"claims: {stats.new} new, {stats.updated} updated, {stats.unchanged} unchanged, "
        f"{stats.unmatched} unmatched, {stats.skipped} skipped (not a result yet)"
        + (
            f", {outcome.quarantined} quarantined (cancelbot quarantine)"
            if outcome.quarantined
            else ""
        )
    )
    return EXIT_OK


def cmd_results(args: argparse.Namespace, cli: Cli) -> int:
    flt = parse_filter(args.filter)
    deps = cli.deps()
    page = read_models.list_results(deps.make_uow, flt, limit=args.limit, offset=args.offset)
    if args.json:
        ids = [r.id for r in page.items if r.id is not None]
        actions = read_models.marketplace_actions(deps.make_uow, ids)
        rows = [present.result_json(r, deps.tz, actions.get(r.id or 0)) for r in page.items]
        print(present.dumps(rows))
        return EXIT_OK
    print(f"filter: {flt}")
    print(present.results_table(page.items, deps.tz, cli.locale))
    shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "0"
    print(f"{shown} of {page.total} result(s)")
    return EXIT_OK


def cmd_withdrawals(args: argparse.Namespace, cli: Cli) -> int:
    flt = parse_filter(args.filter)
    deps = cli.deps()
    page = read_models.list_withdrawals(deps.make_uow, flt, limit=args.limit, offset=args.offset)
    if args.json:
        print(present.dumps([present.view_json(v, deps.tz) for v in page.items]))
        return EXIT_OK
    print(present.withdrawals_table(page.items, deps.tz, cli.locale))
    print(f"{len(page.items)} of {page.total} withdrawal(s)")
    return EXIT_OK


def cmd_history(args: argparse.Namespace, cli: Cli) -> int:
    deps = cli.deps()
    details = read_models.order_details(deps.make_uow, args.management_no)
    if args.json:
        print(present.dumps(present.details_json(details, deps.tz)))
    else:
        print(present.details_text(details, deps.tz, cli.locale))
    return EXIT_OK


def confirmation_command(
    action: Callable[..., list[confirmation.ConfirmOutcome]],
) -> Command:
    def run(args: argparse.Namespace, cli: Cli) -> int:
        ids = _ids(args.ids)
        by = _actor(args.by, "confirming")
        target = TargetKind.WITHDRAWAL if args.withdrawal else TargetKind.RESULT
        deps = cli.deps(cli.config())
        outcomes = action(deps.make_uow, target, ids, by, deps.clock.now())
        if args.json:
            print(present.dumps([present.outcome_json(o, deps.tz) for o in outcomes]))
            return EXIT_OK
        for o in outcomes:
            print(present.outcome_text(o, by, deps.tz))
        return EXIT_OK

    return run


def cmd_accept(args: argparse.Namespace, cli: Cli) -> int:
    """Accept a buyer's cancel request at the marketplace: exit 0 when it took, 1 when it
    failed or nobody can tell, 2 when it was refused before any call."""
    [result_id] = _ids([args.id])
    by = _actor(args.by, "accepting")
    config = cli.config(secrets=True)
    deps = cli.deps(config)
    try:
        outcome = accepting.accept_cancel(
            deps.make_uow, deps.claim_actions, result_id, by, deps.clock.now()
        )
    except NotFound as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(present.dumps(present.accept_json(outcome, deps.tz)))
    else:
        print(present.accept_text(outcome, deps.tz, cli.locale))
    if outcome.refused is not None:
        return EXIT_USAGE
    return EXIT_OK if outcome.state is ActionState.DONE else EXIT_FAILURE


def cmd_sync(args: argparse.Namespace, cli: Cli) -> int:
    from bot.runtime import jobs

    config = cli.config(secrets=True)
    deps = cli.deps(config)
    results = jobs.sync_all(deps, config, args.account)
    rows = []
    failed = False
    for item in results:
        r = item.report
        if r is None:
            rows.append([item.account.name, "-", "-", "-", "-", "-", item.skipped_reason or ""])
            continue
        failed = failed or not r.ok
        s = r.stats
        rows.append(
            [
                r.account,
                str(r.fetched),
                str(s.new),
                str(s.updated),
                str(s.unchanged),
                str(s.unmatched),
                r.error or "",
            ]
        )
    headers = ["ACCOUNT", "FETCHED", "NEW", "UPDATED", "UNCHANGED", "UNMATCHED", "ERROR"]
    print(present.table(headers, rows))
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_accounts_check(args: argparse.Namespace, cli: Cli) -> int:
    """One cheap authenticated call per account: its keys, id, IP allow-list (and ESM's
    site type) work, or the marketplace's own code and message and what to fix. Needs
    the accounts' variables, not the database."""
    config = cli.config(secrets=True)
    accounts = [config.account(args.name)] if args.name else config.accounts
    source_for = bootstrap.claim_sources()
    failed = False
    for account in accounts:
        try:
            source = source_for(account)
        except (CancelbotError, ValueError) as exc:
            failed = True
            print(f"{account.name}: FAILED (configuration): {exc}")
            continue
        try:
            result = source.check()
        finally:
            source.close()
        failed = failed or not result.ok
        print(f"{account.name}: {result.summary}")
        if result.hint:
            print(f"  {'note' if result.ok else 'fix'}: {result.hint}")
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_run(args: argparse.Namespace, cli: Cli) -> int:
    from bot.runtime import process

    return process.run(args)


def cmd_status(args: argparse.Namespace, cli: Cli) -> int:
    deps = cli.deps()
    health = dashboard.health(deps.make_uow)
    if args.json:
        print(present.dumps(present.health_json(health, deps.tz)))
        return EXIT_OK
    print(present.health_text(health, deps.tz))
    return EXIT_OK


def cmd_quarantine(args: argparse.Namespace, cli: Cli) -> int:
    """The claim records set aside (newest sighting first); nothing is changed."""
    deps = cli.deps()
    records = quarantine.listing(deps.make_uow)
    if args.json:
        print(present.dumps([present.quarantined_json(r, deps.tz) for r in records]))
        return EXIT_OK
    if not records:
        print("quarantine: empty")
        return EXIT_OK
    print(present.quarantine_table(records, deps.tz))
    print(f"{len(records)} record(s); `cancelbot quarantine --json` shows each as it came")
    return EXIT_OK


def cmd_quarantine_retry(args: argparse.Namespace, cli: Cli) -> int:
    """Read the records' windows again (all, or the ids given): what comes back clean is
    stored and leaves the quarantine. Needs the accounts' variables, like a sync."""
    ids = _ids(args.ids)
    config = cli.config(secrets=True)
    deps = cli.deps(config)
    names = {a.name: a for a in config.accounts}

    def source_for(name: str) -> ClaimSource | None:
        account = names.get(name)
        return deps.claim_source(account) if account is not None else None

    outcomes = quarantine.retry(deps.make_uow, source_for, deps.clock.now(), ids)
    if args.json:
        print(present.dumps([present.retry_json(o) for o in outcomes]))
    else:
        for o in outcomes:
            print(present.retry_text(o))
        if not outcomes:
            print("quarantine: empty, nothing to retry")
    failed = any(o.outcome is quarantine.RetryStatus.FAILED for o in outcomes)
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_demo(args: argparse.Namespace, cli: Cli) -> int:
    from bot.cli.demo import run_demo, slack_poster

    settings = cli.settings
    locale = args.locale or settings.locale.value
    poster = None
    if args.slack:
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.bot_token),
                ("CANCELBOT_ALERT_CHANNEL", settings.alert_channel),
            )
            if not value
        ]
        if missing:
            raise UsageError(f"--slack needs {' and '.join(missing)} in the environment")
        poster = slack_poster(settings, locale)
    return run_demo(args.dir, locale=locale, tz=settings.timezone, post_to_slack=poster)


def describe_failure(exc: CancelbotError, cli: Cli) -> str:
    """The message for an operational failure; a database one names the (masked) URL."""
    from core.errors import StorageError

    if isinstance(exc, StorageError):
        try:
            url = safe_url(cli.settings.database_url)
        except InvalidInput:
            url = "DATABASE_URL"
        return f"database error ({url}): {exc}"
    return f"error: {exc}"
