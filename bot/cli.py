"""The `cancelbot` command. Exit 0 on success, 1 on an operational failure, 2 on a usage or
input error; every error names the bad thing."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import present
from bot.bootstrap import DEFAULT_DATABASE_URL, Deps, build, upgrade_database
from core import csv_import, services
from core.errors import CancelbotError, InvalidInput
from core.queries import parse_filter
from core.results import TargetKind

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_LIMIT = 50


class UsageError(Exception):
    pass


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def timezone() -> ZoneInfo:
    name = os.environ.get("CANCELBOT_TIMEZONE") or "Asia/Seoul"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"CANCELBOT_TIMEZONE={name!r} is not a time zone (e.g. Asia/Seoul)"
        ) from None


def safe_url(url: str) -> str:
    """The database URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable DATABASE_URL>"


def _deps() -> Deps:
    return build(database_url(), timezone())


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _ids(values: Sequence[str]) -> list[int]:
    out = []
    for v in values:
        if not v.isdigit() or int(v) <= 0:
            raise UsageError(f"{v!r} is not a result id (a positive whole number, e.g. 12)")
        out.append(int(v))
    return out


# --- commands -------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    head = upgrade_database(database_url())
    print(f"database {safe_url(database_url())} is at revision {head}")
    return EXIT_OK


def cmd_orders_import(args: argparse.Namespace) -> int:
    deps = _deps()
    orders = csv_import.read_orders(_read(args.file), deps.tz)
    created, updated, unchanged = services.import_orders(deps.make_uow, orders, deps.clock.now())
    print(f"orders: {created} created, {updated} updated, {unchanged} unchanged")
    return EXIT_OK


def cmd_claims_import(args: argparse.Namespace) -> int:
    deps = _deps()
    claims = csv_import.read_claims(_read(args.file), deps.tz)
    stats = services.ApplyStats()
    for start in range(0, len(claims), 1000):
        stats += services.apply_claims(
            deps.make_uow, claims[start : start + 1000], deps.clock.now()
        )
    print(
        f"claims: {stats.new} new, {stats.updated} updated, {stats.unchanged} unchanged, "
        f"{stats.unmatched} unmatched, {stats.skipped} skipped (not a result yet)"
    )
    return EXIT_OK


def cmd_results(args: argparse.Namespace) -> int:
    flt = parse_filter(args.filter)
    deps = _deps()
    page = services.list_results(deps.make_uow, flt, limit=args.limit, offset=args.offset)
    if args.json:
        print(present.dumps([present.result_json(r, deps.tz) for r in page.items]))
        return EXIT_OK
    print(f"filter: {flt}")
    print(present.results_table(page.items, deps.tz))
    shown = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "0"
    print(f"{shown} of {page.total} result(s)")
    return EXIT_OK


def cmd_withdrawals(args: argparse.Namespace) -> int:
    flt = parse_filter(args.filter)
    deps = _deps()
    page = services.list_withdrawals(deps.make_uow, flt, limit=args.limit, offset=args.offset)
    if args.json:
        print(present.dumps([present.withdrawal_json(w, deps.tz) for w in page.items]))
        return EXIT_OK
    print(present.withdrawals_table(page.items, deps.tz))
    print(f"{len(page.items)} of {page.total} withdrawal(s)")
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    deps = _deps()
    details = services.order_details(deps.make_uow, args.management_no)
    if args.json:
        print(present.dumps(present.details_json(details, deps.tz)))
    else:
        print(present.details_text(details, deps.tz))
    return EXIT_OK


def _confirmation(action: Callable[..., list[services.ConfirmOutcome]]) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        ids = _ids(args.ids)
        if not args.by.strip():
            raise UsageError("--by needs a name (who is confirming)")
        target = TargetKind.WITHDRAWAL if args.withdrawal else TargetKind.RESULT
        deps = _deps()
        outcomes = action(deps.make_uow, target, ids, args.by.strip(), deps.clock.now())
        if args.json:
            print(present.dumps([
                {"id": o.target_id, "outcome": o.outcome.value, "confirmed_by": o.by,
                 "confirmed_at": present.iso(o.at, deps.tz)}
                for o in outcomes
            ]))  # fmt: skip
            return EXIT_OK
        for o in outcomes:
            label = f"{o.target.value} #{o.target_id}"
            if o.outcome is services.Outcome.CONFIRMED:
                print(f"{label} confirmed by {o.by} at {present.local(o.at, deps.tz)}")
            elif o.outcome is services.Outcome.ALREADY_CONFIRMED:
                print(f"{label} already confirmed by {o.by} at {present.local(o.at, deps.tz)}")
            elif o.outcome is services.Outcome.UNCONFIRMED:
                print(f"{label} unconfirmed by {args.by.strip()}")
            else:
                print(f"{label} was not confirmed; nothing to undo")
        return EXIT_OK

    return run


def cmd_sync(args: argparse.Namespace) -> int:
    from bot import jobs
    from bot.config import load_config

    config = load_config()
    deps = _deps()
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
            [r.account, str(r.fetched), str(s.new), str(s.updated), str(s.unchanged),
             str(s.unmatched), r.error or ""]
        )  # fmt: skip
    headers = ["ACCOUNT", "FETCHED", "NEW", "UPDATED", "UNCHANGED", "UNMATCHED", "ERROR"]
    print(present.table(headers, rows))
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_accounts_check(args: argparse.Namespace) -> int:
    """One cheap authenticated call per account: its keys, id, IP allow-list (and ESM's
    site type) work, or the marketplace's own code and message and what to fix."""
    from bot.bootstrap import SystemClock, claim_source
    from bot.config import load_config

    config = load_config()
    accounts = [config.account(args.name)] if args.name else config.accounts
    clock = SystemClock()
    failed = False
    for account in accounts:
        try:
            source = claim_source(account, clock)
        except (CancelbotError, ValueError) as exc:
            failed = True
            print(f"{account.name}: FAILED (configuration): {exc}")
            continue
        try:
            result = source.check()
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
        failed = failed or not result.ok
        print(f"{account.name}: {result.summary}")
        if result.hint:
            print(f"  {'note' if result.ok else 'fix'}: {result.hint}")
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from bot import runtime

    return runtime.run(args)


def cmd_status(args: argparse.Namespace) -> int:
    from core import dashboard
    from core.outbox import OutboxKind

    deps = _deps()
    statuses = dashboard.account_statuses(deps.make_uow)
    with deps.make_uow() as uow:
        slack_kinds = [k for k in OutboxKind if k is not OutboxKind.WEBHOOK]
        backlog = {
            "slack": uow.outbox.pending_count(slack_kinds),
            "oms_webhook": uow.outbox.pending_count([OutboxKind.WEBHOOK]),
        }
        errors = {
            "slack": uow.outbox.last_error(slack_kinds),
            "oms_webhook": uow.outbox.last_error([OutboxKind.WEBHOOK]),
        }
    accounts = [
        {
            "account": s.state.account,
            "marketplace": s.state.marketplace,
            "watermark": present.iso(s.state.watermark, deps.tz),
            "last_success_at": present.iso(s.state.last_success_at, deps.tz),
            "last_error": s.state.last_error,
            "last_error_at": present.iso(s.state.last_error_at, deps.tz),
            "last_claim_at": present.iso(s.state.last_claim_at, deps.tz),
        }
        for s in statuses
    ]
    if args.json:
        print(present.dumps({"accounts": accounts, "outbox": backlog, "outbox_errors": errors}))
        return EXIT_OK
    rows = [
        [s.state.account, s.state.marketplace, present.local(s.state.last_success_at, deps.tz),
         present.local(s.state.watermark, deps.tz), (s.state.last_error or "")[:60]]
        for s in statuses
    ]  # fmt: skip
    print(present.table(["ACCOUNT", "MARKET", "LAST_SUCCESS", "WATERMARK", "LAST_ERROR"], rows))
    for name, count in backlog.items():
        err = f" (last error: {errors[name]})" if errors[name] else ""
        print(f"outbox {name}: {count} pending{err}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    locale = args.locale or os.environ.get("CANCELBOT_LOCALE") or "ko"
    if locale not in ("ko", "en"):
        raise UsageError(f"locale {locale!r}: use ko or en")
    tz = timezone()
    poster = _slack_poster(locale, tz) if args.slack else None
    return run_demo(args.dir, locale=locale, tz=tz, post_to_slack=poster)


def _slack_poster(locale: str, tz: ZoneInfo) -> Callable[[Deps], int]:
    """`demo --slack`: the same alerts, posted to the real channel through the outbox."""
    from bot.publisher import Publisher
    from bot.slack_client import make_client

    token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
    channel = os.environ.get("CANCELBOT_ALERT_CHANNEL", "").strip()
    missing = [n for n, v in (("SLACK_BOT_TOKEN", token), ("CANCELBOT_ALERT_CHANNEL", channel))
               if not v]  # fmt: skip
    if missing:
        raise UsageError(f"--slack needs {' and '.join(missing)} in the environment")

    def post(deps: Deps) -> int:
        client = make_client(token, os.environ.get("SLACK_API_URL") or None)
        publisher = Publisher(
            deps.make_uow, client, channel=channel, locale=locale, tz=tz, clock=deps.clock
        )
        posted = 0
        for _ in range(5):  # until nothing is due (retries wait for their backoff)
            report = publisher.deliver()
            posted += report.posted + report.summaries
            if report.errors:
                raise CancelbotError("Slack refused: " + "; ".join(report.errors[:3]))
            if not (report.posted or report.summaries or report.retried):
                break
        return posted

    return post


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cancelbot",
        description="Cancel and return results from Korean marketplaces, for C/S teams.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(run=cmd_db_upgrade)

    orders = sub.add_parser("orders", help="the order book").add_subparsers(
        dest="orders_command", required=True
    )
    oi = orders.add_parser("import", help="import orders from CSV (UTF-8 or CP949)")
    oi.add_argument("file")
    oi.set_defaults(run=cmd_orders_import)

    claims = sub.add_parser("claims", help="claims from files").add_subparsers(
        dest="claims_command", required=True
    )
    ci = claims.add_parser("import", help="apply claims from CSV, as a sync would")
    ci.add_argument("file")
    ci.set_defaults(run=cmd_claims_import)

    for name, run, help_ in (
        ("results", cmd_results, "list cancel results (default: after shipping, unconfirmed)"),
        ("withdrawals", cmd_withdrawals, "list cancel withdrawals to release and ship"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument(
            "filter", nargs="*", metavar="FILTER", help="e.g. market:coupang partial 배송후"
        )
        sp.add_argument("--json", action="store_true", help="print one JSON array")
        sp.add_argument("--limit", type=_positive, default=DEFAULT_LIMIT, help="rows (default 50)")
        sp.add_argument("--offset", type=_non_negative, default=0, help="skip rows (paging)")
        sp.set_defaults(run=run)

    accounts = sub.add_parser("accounts", help="the configured marketplace accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    ac = account_commands.add_parser(
        "check", help="one call per account: do its keys, id and IP allow-list work?"
    )
    ac.add_argument("name", nargs="?", metavar="NAME", help="only this account")
    ac.set_defaults(run=cmd_accounts_check)

    sync = sub.add_parser("sync", help="one sync pass over the configured marketplace accounts")
    sync.add_argument("--account", help="only this account")
    sync.set_defaults(run=cmd_sync)

    rp = sub.add_parser(
        "run",
        help="run the Slack app and the scheduler (Socket Mode if SLACK_APP_TOKEN is set)",
    )
    rp.add_argument(
        "--port", type=_non_negative, default=3000,
        help="HTTP port for /slack/events, /healthz and /api/orders (default 3000)",
    )  # fmt: skip
    rp.set_defaults(run=cmd_run)

    status = sub.add_parser("status", help="each account's sync health and the outbox backlog")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=cmd_status)

    demo = sub.add_parser("demo", help="run the main job on the sandbox and show the result")
    demo.add_argument("--dir", help="where to put the demo database (default: a new temp dir)")
    demo.add_argument("--locale", choices=["ko", "en"], help="default: CANCELBOT_LOCALE or ko")
    demo.add_argument(
        "--slack", action="store_true",
        help="also post the alerts to CANCELBOT_ALERT_CHANNEL with SLACK_BOT_TOKEN",
    )  # fmt: skip
    demo.set_defaults(run=cmd_demo)

    hist = sub.add_parser("history", help="an order's C/S history, results and withdrawals")
    hist.add_argument("management_no")
    hist.add_argument("--json", action="store_true")
    hist.set_defaults(run=cmd_history)

    for name, action, help_ in (
        ("confirm", services.confirm, "confirm results by id"),
        ("unconfirm", services.unconfirm, "take a confirmation back"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("ids", nargs="+", metavar="ID")
        sp.add_argument("--by", required=True, help="who is doing it")
        sp.add_argument("--withdrawal", action="store_true", help="the ids are withdrawal ids")
        sp.add_argument("--json", action="store_true")
        sp.set_defaults(run=_confirmation(action))
    return p


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    # Filter words may stand on either side of the options (`results --json partial`).
    args, extra = p.parse_known_args(argv)
    if extra and hasattr(args, "filter") and not any(x.startswith("-") for x in extra):
        args.filter = [*args.filter, *extra]
    elif extra:
        p.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return int(args.run(args))
    except (UsageError, InvalidInput) as exc:
        print(f"cancelbot: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CancelbotError as exc:
        print(f"cancelbot: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except SQLAlchemyError as exc:
        print(
            f"cancelbot: database error ({safe_url(database_url())}): "
            f"{exc.__class__.__name__}: {getattr(exc, 'orig', exc)}",
            file=sys.stderr,
        )
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
