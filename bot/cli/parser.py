"""The `cancelbot` command line: the parser, and `main`, which maps errors to exit codes
(0 success, 1 operational failure, 2 usage or input error)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.cli import commands
from core import confirmation
from core.errors import CancelbotError, InvalidInput


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cancelbot",
        description="Cancel and return results from Korean marketplaces, for C/S teams.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="create or migrate the schema").set_defaults(
        run=commands.cmd_db_upgrade
    )

    orders = sub.add_parser("orders", help="the order book").add_subparsers(
        dest="orders_command", required=True
    )
    oi = orders.add_parser("import", help="import orders from CSV (UTF-8 or CP949)")
    oi.add_argument("file")
    oi.set_defaults(run=commands.cmd_orders_import)

    claims = sub.add_parser("claims", help="claims from files").add_subparsers(
        dest="claims_command", required=True
    )
    ci = claims.add_parser("import", help="apply claims from CSV, as a sync would")
    ci.add_argument("file")
    ci.set_defaults(run=commands.cmd_claims_import)

    for name, run, help_ in (
        (
            "results",
            commands.cmd_results,
            "list cancel results (default: after shipping, unconfirmed)",
        ),
        ("withdrawals", commands.cmd_withdrawals, "list cancel withdrawals to release and ship"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument(
            "filter", nargs="*", metavar="FILTER", help="e.g. market:coupang partial 배송후"
        )
        sp.add_argument("--json", action="store_true", help="print one JSON array")
        sp.add_argument(
            "--limit", type=_positive, default=commands.DEFAULT_LIMIT, help="rows (default 50)"
        )
        sp.add_argument("--offset", type=_non_negative, default=0, help="skip rows (paging)")
        sp.set_defaults(run=run)

    accounts = sub.add_parser("accounts", help="the configured marketplace accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True)
    ac = account_commands.add_parser(
        "check", help="one call per account: do its keys, id and IP allow-list work?"
    )
    ac.add_argument("name", nargs="?", metavar="NAME", help="only this account")
    ac.set_defaults(run=commands.cmd_accounts_check)

    sync = sub.add_parser("sync", help="one sync pass over the configured marketplace accounts")
    sync.add_argument("--account", help="only this account")
    sync.set_defaults(run=commands.cmd_sync)

    rp = sub.add_parser(
        "run",
        help="run the Slack app and the scheduler (Socket Mode if SLACK_APP_TOKEN is set)",
    )
    rp.add_argument(
        "--port",
        type=_non_negative,
        default=3000,
        help="HTTP port for /slack/events, /healthz and /api/orders (default 3000)",
    )
    rp.set_defaults(run=commands.cmd_run)

    status = sub.add_parser("status", help="each account's sync health and the outbox backlog")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=commands.cmd_status)

    qp = sub.add_parser("quarantine", help="claim records set aside because they cannot be stored")
    qp.add_argument("--json", action="store_true", help="print one JSON array, raw records too")
    qp.set_defaults(run=commands.cmd_quarantine)
    quarantine_commands = qp.add_subparsers(dest="quarantine_command", metavar="retry")
    qr = quarantine_commands.add_parser(
        "retry", help="read the records' windows again; what comes back clean is stored"
    )
    qr.add_argument("ids", nargs="*", metavar="ID", help="only these records (default: all)")
    qr.add_argument("--json", action="store_true")
    qr.set_defaults(run=commands.cmd_quarantine_retry)

    demo = sub.add_parser("demo", help="run the main job on the sandbox and show the result")
    demo.add_argument("--dir", help="where to put the demo database (default: a new temp dir)")
    demo.add_argument("--locale", choices=["ko", "en"], help="default: CANCELBOT_LOCALE or ko")
    demo.add_argument(
        "--slack",
        action="store_true",
        help="also post the alerts to CANCELBOT_ALERT_CHANNEL with SLACK_BOT_TOKEN",
    )
    demo.set_defaults(run=commands.cmd_demo)

    hist = sub.add_parser("history", help="an order's C/S history, results and withdrawals")
    hist.add_argument("management_no")
    hist.add_argument("--json", action="store_true")
    hist.set_defaults(run=commands.cmd_history)

    for name, action, help_ in (
        ("confirm", confirmation.confirm, "confirm results by id"),
        ("unconfirm", confirmation.unconfirm, "take a confirmation back"),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("ids", nargs="+", metavar="ID")
        sp.add_argument("--by", required=True, help="who is doing it")
        sp.add_argument("--withdrawal", action="store_true", help="the ids are withdrawal ids")
        sp.add_argument("--json", action="store_true")
        sp.set_defaults(run=commands.confirmation_command(action))

    accept = sub.add_parser(
        "accept",
        help="accept a buyer's cancel request at the marketplace (once; cannot be undone)",
    )
    accept.add_argument("id", metavar="RESULT_ID")
    accept.add_argument("--by", required=True, help="who is doing it")
    accept.add_argument("--json", action="store_true")
    accept.set_defaults(run=commands.cmd_accept)
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
    cli = commands.Cli(dict(os.environ))  # the environment, read once
    with cli.session():
        try:
            return int(args.run(args, cli))
        except InvalidInput as exc:
            print(f"cancelbot: error: {exc}", file=sys.stderr)
            return commands.EXIT_USAGE
        except CancelbotError as exc:
            print(f"cancelbot: {commands.describe_failure(exc, cli)}", file=sys.stderr)
            return commands.EXIT_FAILURE
