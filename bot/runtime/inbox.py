"""The orders inbox folder: CSV files dropped there are imported, each all or nothing, then
moved to done/ or to failed/ beside a .error.txt naming the line, the column and the
problem. One bad file never holds up the others: whatever goes wrong with it, it is moved
aside and the next file is read in the same round.

Anyone who can drop a file here must not be able to read a file through cancelbot:
- only regular files are read, opened without following a symbolic link (a link is
  removed unread), never one with other hard links;
- an .error.txt (created 0600) names lines, columns and reasons, never the file's content
  beyond the offending header names (cut short); log lines say no more.

Writers: write `name.csv.part` (or `.tmp`, or a name starting with ".") and rename it to
`name.csv` when complete; such names are ignored, and so is a file modified in the last
SETTLE_SECONDS.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from bot.runtime.deps import Deps
from core import csv_import
from core.csv_import import CsvError
from core.errors import CancelbotError
from core.order_book import StatusRegression
from core.order_file import DEFAULT_CHUNK, PartlyImported, import_in_chunks

log = logging.getLogger(__name__)

SETTLE_SECONDS: Final = 10.0  # a file touched more recently than this may still be written
DEFAULT_MAX_BYTES: Final = 50 * 1024 * 1024
IGNORED_SUFFIXES: Final = (".part", ".tmp")
_OPEN_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC
)


@dataclass
class InboxRun:
    imported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # still being written: next run


class Refused(Exception):
    """The file cannot be imported; `reason` is safe to show (no content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Changing(Exception):
    """The file changed while it was read: it is still being written."""


def wanted(name: str) -> bool:
    """A CSV file to import (names a writer uses while writing are not)."""
    lower = name.lower()
    return (
        lower.endswith(".csv") and not name.startswith(".") and not lower.endswith(IGNORED_SUFFIXES)
    )


def process_inbox(
    deps: Deps,
    inbox: str,
    *,
    settle: float = SETTLE_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    chunk: int = DEFAULT_CHUNK,
    wall_clock: Callable[[], float] = time.time,
) -> InboxRun:
    run = InboxRun()
    folder = Path(inbox)
    if not folder.is_dir():
        log.warning("orders inbox %s is not a folder", folder)
        return run
    try:
        done, failed = _subfolder(folder, "done"), _subfolder(folder, "failed")
    except Refused as exc:
        log.error("orders inbox %s: %s; nothing is read", folder, exc.reason)
        return run
    for name in sorted(entry.name for entry in os.scandir(folder)):
        if not wanted(name):
            continue
        path = folder / name
        try:
            outcome = _import_one(deps, path, settle, max_bytes, chunk, wall_clock)
        except Changing:
            run.left.append(name)
            continue
        except Refused as exc:
            reason = exc.reason
        except Exception as exc:  # e.g. a read error: this file must not jam the inbox
            reason = f"it could not be read ({type(exc).__name__})"
        else:
            if outcome is not None:
                _file_away(path, done, None)
                run.imported.append(name)
            continue
        _file_away(path, failed, reason)
        run.failed.append(name)
    return run


def _file_away(path: Path, folder: Path, reason: str | None) -> None:
    """To done/ (no reason) or failed/ (with it); a failure here is logged, never raised."""
    try:
        if reason is None:
            _move(path, folder)
        else:
            _set_aside(path, folder, reason)
    except OSError as exc:
        log.error("orders inbox: cannot move %s to %s/: %s", path.name, folder.name, exc.strerror)


def _import_one(
    deps: Deps,
    path: Path,
    settle: float,
    max_bytes: int,
    chunk: int,
    wall_clock: Callable[[], float],
) -> str | None:
    """Import one file; None when it is not a file to read (a folder, gone meanwhile)."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(before.st_mode):
        return None
    if stat.S_ISLNK(before.st_mode):
        path.unlink()  # the link only: what it points to is never opened
        raise Refused("it was a symbolic link, not a regular file: it was removed unread")
    if not stat.S_ISREG(before.st_mode):
        raise Refused("it is not a regular file (a FIFO, socket or device): it was not read")
    if wall_clock() - before.st_mtime < settle:
        raise Changing
    data = _read(path, before, max_bytes)
    try:
        rows = csv_import.read_order_rows(data, deps.tz)
        orders = [order for _, order in rows]
        outcome = import_in_chunks(deps.make_uow, orders, deps.clock.now(), chunk=chunk)
    except PartlyImported as exc:
        # The rows applied stay; the next round applies the file again, and rows already
        # applied are unchanged. Moving it to failed/ would leave it half applied.
        log.error("orders inbox: %s: %s; it stays for the next round", path.name, exc)
        raise Changing from None
    except CsvError as exc:
        raise Refused(exc.safe_text()) from None
    except StatusRegression as exc:
        lines = {order.management_no: line for line, order in rows}
        found = [
            f"line {lines[no]}, column status: would move back from {old.value} to {new.value} "
            "(only the orders API may, with force)"
            for no, old, new in exc.moves[:20]
        ]
        raise Refused("nothing was imported:\n" + "\n".join(found)) from None
    except CancelbotError as exc:
        # The database's own words may quote a value from the file: the class only.
        log.warning("orders inbox: %s failed: %s", path.name, exc.__class__.__name__)
        raise Refused(f"it could not be imported ({exc.__class__.__name__})") from None
    except Exception as exc:  # whatever it is, this file must not jam the inbox
        log.warning("orders inbox: %s failed unexpectedly: %s", path.name, type(exc).__name__)
        log.debug("orders inbox: %s", path.name, exc_info=True)
        raise Refused(f"it could not be imported ({type(exc).__name__})") from None
    try:
        after = os.lstat(path)
    except FileNotFoundError:  # its writer took it back after it was applied
        return None
    if (after.st_size, after.st_mtime_ns, after.st_ino) != (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    ):
        # Written to while it was imported: what was read is applied; the whole file is
        # read again next round, and the rows already applied are unchanged.
        log.info("orders inbox: %s changed while it was imported; read again next round", path.name)
        raise Changing
    log.info(
        "orders inbox: %s imported (%d created, %d updated, %d unchanged)",
        path.name,
        outcome.created,
        outcome.updated,
        outcome.unchanged,
    )
    return path.name


def _read(path: Path, before: os.stat_result, max_bytes: int) -> bytes:
    """The file's bytes, read without following a link, or Refused / Changing."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # it became a link after lstat
            raise Refused("it is a symbolic link, not a regular file: it was not read") from None
        raise Refused(f"it cannot be opened ({exc.strerror})") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino != before.st_ino:
            raise Refused("it is not the regular file it was a moment ago: it was not read")
        if opened.st_nlink > 1:
            raise Refused("it has other hard links (it may be another file): it was not read")
        if opened.st_size > max_bytes:
            raise Refused(
                f"it is {opened.st_size:,} bytes, more than the inbox takes "
                f"({max_bytes // (1024 * 1024)} MB, orders_inbox_max_mb)"
            )
        chunks, size = [], 0
        while size <= max_bytes:
            piece = os.read(fd, 1024 * 1024)
            if not piece:
                break
            chunks.append(piece)
            size += len(piece)
        if size > max_bytes:
            raise Changing  # it grew past the limit while read: still being written
        end = os.fstat(fd)
        if (end.st_size, end.st_mtime_ns) != (opened.st_size, opened.st_mtime_ns) or size != (
            end.st_size
        ):
            raise Changing
        return b"".join(chunks)
    finally:
        os.close(fd)


def _subfolder(folder: Path, name: str) -> Path:
    """done/ or failed/, a real folder (a link there could send files anywhere)."""
    target = folder / name
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        target.mkdir(mode=0o700)
        return target
    if not stat.S_ISDIR(mode):
        raise Refused(f"{name}/ is not a folder (a symbolic link?)")
    return target


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or a timestamped variant: never overwrite an earlier file."""
    target = folder / name
    if not os.path.lexists(target):
        return target
    stem, dot, suffix = name.rpartition(".")
    stamp = int(time.time() * 1000)
    return folder / (f"{stem}.{stamp}.{suffix}" if dot else f"{name}.{stamp}")


def _move(path: Path, folder: Path) -> Path:
    target = _free_name(folder, path.name)
    os.rename(path, target)  # the same file system: no copy through a link
    return target


def _set_aside(path: Path, failed: Path, reason: str) -> None:
    """The file (if it is still there) to failed/, and beside it the reason, 0600."""
    target = failed / path.name
    if os.path.lexists(path):
        target = _move(path, failed)
    text = f"{path.name} was not imported; nothing of it was applied.\n{reason}\n"
    error = _free_name(failed, target.name + ".error.txt")
    fd = os.open(error, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    log.warning("orders inbox: %s failed: %s", path.name, reason.splitlines()[-1][:300])
