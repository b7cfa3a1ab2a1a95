"""The orders inbox folder: CSV files dropped there are imported, each all or nothing, then
moved to done/ or to failed/ beside a .error.txt naming the line and the problem."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.runtime.deps import Deps
from core import csv_import
from core.errors import CancelbotError
from core.order_book import CSV_FORCE_HINT, StatusRegression, import_orders

log = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0  # a file touched more recently than this may still be being written


@dataclass
class InboxRun:
    imported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # still being written: next run


def _still_written(path: Path, settle: float) -> bool:
    before = path.stat()
    if time.time() - before.st_mtime < settle:
        return True
    time.sleep(0.1)
    after = path.stat()
    return (before.st_size, before.st_mtime) != (after.st_size, after.st_mtime)


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():  # never overwrite an earlier file of the same name
        target = folder / f"{path.stem}.{int(time.time() * 1000)}{path.suffix}"
    shutil.move(str(path), target)
    return target


def process_inbox(deps: Deps, inbox: str, *, settle: float = SETTLE_SECONDS) -> InboxRun:
    run = InboxRun()
    folder = Path(inbox)
    if not folder.is_dir():
        log.warning("orders inbox %s is not a folder", folder)
        return run
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"):
        if _still_written(path, settle):
            run.left.append(path.name)
            continue
        try:
            orders = csv_import.read_orders(path.read_bytes(), deps.tz)
            try:
                outcome = import_orders(deps.make_uow, orders, deps.clock.now())
            except StatusRegression as exc:
                raise StatusRegression(exc.moves, CSV_FORCE_HINT) from None
        except CancelbotError as exc:
            target = _move(path, folder / "failed")
            target.with_name(target.name + ".error.txt").write_text(f"{exc}\n", encoding="utf-8")
            log.warning("orders inbox: %s failed: %s", path.name, exc)
            run.failed.append(path.name)
            continue
        _move(path, folder / "done")
        log.info(
            "orders inbox: %s imported (%d created, %d updated, %d unchanged)",
            path.name,
            outcome.created,
            outcome.updated,
            outcome.unchanged,
        )
        run.imported.append(path.name)
    return run
