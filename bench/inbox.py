"""An orders file of many rows through the inbox into SQLite: how long the import takes, and
how long its longest write transaction holds SQLite's one write lock (which every sync
window and every click waits behind), chunked as configured vs the whole file at once.

    python bench/inbox.py [--rows 200000] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.db import migrate
from bot.runtime.bootstrap import build
from bot.runtime.inbox import process_inbox

HEADER = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,option,"
    "quantity,status,invoice_no,shipped_at\n"
)


class Timed:
    """A unit of work that records how long each committed transaction stayed open."""

    def __init__(self, inner: Any, spans: list[float]) -> None:
        self._inner, self._spans = inner, spans

    def __enter__(self) -> Any:
        self._started = time.perf_counter()
        self._committed = False
        uow = self._inner.__enter__()
        commit = uow.commit

        def timed_commit() -> None:
            commit()
            self._committed = True

        uow.commit = timed_commit
        return uow

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._inner.__exit__(kind, exc, tb)
        if self._committed:
            self._spans.append(time.perf_counter() - self._started)


def run(rows: int, chunk: int) -> tuple[float, float, int]:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder}/bench.db"
    migrate.upgrade(url)
    deps = build(url, ZoneInfo("Asia/Seoul"))
    spans: list[float] = []
    timed = replace(deps, make_uow=lambda: Timed(deps.make_uow(), spans))
    inbox = folder / "inbox"
    inbox.mkdir()
    path = inbox / "orders.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(f"M{i:08d},coupang,O{i:08d},I{i:08d},상품 {i} 블랙 L,,1,접수,,\n")
    past = time.time() - 60
    os.utime(path, (past, past))
    started = time.perf_counter()
    result = process_inbox(timed, str(inbox), chunk=chunk, max_bytes=1 << 30)
    total = time.perf_counter() - started
    deps.close()
    assert result.imported == ["orders.csv"], result
    return total, max(spans), len(spans)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    for label, chunk in (("chunked", args.chunk), ("one transaction", args.rows)):
        total, longest, count = run(args.rows, chunk)
        print(
            f"{label:>16}: {args.rows:,} rows in {total:.1f}s; {count} write transaction(s), "
            f"the longest {longest:.2f}s"
        )


if __name__ == "__main__":
    main()
