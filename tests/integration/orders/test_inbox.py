"""The orders inbox: good files imported, bad ones moved aside with the reason (and never
their content), growing ones left for the next run, and one bad file never holding up the
next one."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.runtime.bootstrap import Deps, build
from bot.runtime.inbox import process_inbox
from core import read_models
from core.errors import NotFound
from tests.conftest import SEOUL

HEADER = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,option,"
    "quantity,status,invoice_no,shipped_at\n"
)
SECRET = "fake-bot-token-for-the-inbox-test"


def row(no: str, *, status: str = "접수", name: str = "상품", quantity: str = "1") -> str:
    return f"{no},coupang,{no},{no},{name},,{quantity},{status},,\n"


def _old(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past), follow_symlinks=False)


def drop(inbox: Path, name: str, content: str | bytes) -> Path:
    path = inbox / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    _old(path)
    return path


def order_exists(deps: Deps, no: str) -> bool:
    try:
        return read_models.order_details(deps.make_uow, no).order is not None
    except NotFound:
        return False


def everything_written(inbox: Path) -> str:
    """Every byte the inbox left in done/ and failed/ (links not followed)."""
    out = []
    for folder in (inbox / "done", inbox / "failed"):
        for path in folder.iterdir() if folder.exists() else ():
            if path.is_symlink():
                out.append(f"LINK {path.name}")
            else:
                out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


@pytest.fixture(params=["sqlite", "postgresql"])
def deps(request: pytest.FixtureRequest) -> Iterator[Deps]:
    fixture = "database_url" if request.param == "sqlite" else "pg_url"
    deps = build(str(request.getfixturevalue(fixture)), SEOUL)
    yield deps
    deps.close()


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_good_bad_and_growing_files(deps: Deps, inbox: Path) -> None:
    drop(inbox, "good.csv", (HEADER + row("IB1")).encode("cp949"))
    drop(inbox, "bad.csv", HEADER + row("IB2") + row("IB3", quantity="two"))
    growing = inbox / "growing.csv"
    growing.write_text(HEADER + "IB4,coupang,4,4,z,,1,")  # still being written: modified now

    run = process_inbox(deps, str(inbox))

    assert (run.imported, run.failed, run.left) == (["good.csv"], ["bad.csv"], ["growing.csv"])
    assert (inbox / "done" / "good.csv").exists() and (inbox / "failed" / "bad.csv").exists()
    error = (inbox / "failed" / "bad.csv.error.txt").read_text()
    assert "line 3, column quantity: is not a whole number" in error
    assert "two" not in error  # the reason, not the value
    assert order_exists(deps, "IB1") and not order_exists(deps, "IB2")  # all or nothing
    growing.write_text(HEADER + row("IB4"))
    _old(growing)
    assert process_inbox(deps, str(inbox)).imported == ["growing.csv"]


def test_a_symbolic_link_is_removed_unread_and_its_target_appears_nowhere(
    deps: Deps, inbox: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "environ"
    secret.write_text(f"SLACK_BOT_TOKEN={SECRET}\x00DATABASE_URL=postgresql://u:pw@db/x\x00")
    link = inbox / "x.csv"
    link.symlink_to(secret)
    (inbox / "environ.csv").symlink_to("/proc/self/environ")
    _old(link)

    with caplog.at_level(logging.DEBUG):
        run = process_inbox(deps, str(inbox))

    assert sorted(run.failed) == ["environ.csv", "x.csv"] and run.imported == []
    assert not os.path.lexists(link) and secret.exists()  # the link went, its target stayed
    written = everything_written(inbox)
    assert "symbolic link" in written and "LINK" not in written
    for leaked in (SECRET, "SLACK_BOT_TOKEN", "pw@db", "DATABASE_URL"):
        assert leaked not in written and leaked not in caplog.text


def test_error_files_are_readable_by_the_owner_only(deps: Deps, inbox: Path) -> None:
    drop(inbox, "bad.csv", HEADER + row("E1", quantity="-3"))
    process_inbox(deps, str(inbox))
    mode = stat.S_IMODE((inbox / "failed" / "bad.csv.error.txt").stat().st_mode)
    assert mode == 0o600


def test_an_oversized_field_fails_its_file_and_the_next_file_is_imported_in_the_same_round(
    deps: Deps, inbox: Path
) -> None:
    drop(inbox, "a_big.csv", HEADER + row("BIG1") + row("BIG2", name="x" * 200_000))
    drop(inbox, "b_good.csv", HEADER + row("GOOD1"))

    run = process_inbox(deps, str(inbox))

    assert (run.failed, run.imported) == (["a_big.csv"], ["b_good.csv"])
    error = (inbox / "failed" / "a_big.csv.error.txt").read_text()
    assert "line 3: not readable as CSV (field larger than field limit" in error
    assert "xxxxx" not in error
    assert order_exists(deps, "GOOD1") and not order_exists(deps, "BIG1")


def test_a_nul_in_an_id_refuses_the_file_and_one_in_a_name_is_dropped(
    deps: Deps, inbox: Path
) -> None:
    drop(inbox, "a.csv", HEADER + row("N1") + row("N2\x00X"))
    drop(inbox, "b.csv", HEADER + row("N3", name="상품\x00이름"))

    run = process_inbox(deps, str(inbox))

    assert (run.failed, run.imported) == (["a.csv"], ["b.csv"])
    error = (inbox / "failed" / "a.csv.error.txt").read_text()
    assert "line 3, column management_no: contains a control character" in error
    assert not order_exists(deps, "N1")
    order = read_models.order_details(deps.make_uow, "N3").order
    assert order is not None and order.product_name == "상품이름"


def test_binary_files_fail_without_their_bytes_in_the_error(deps: Deps, inbox: Path) -> None:
    drop(inbox, "a.csv", bytes(range(256)) * 4)  # not UTF-8, not CP949
    garbage = ("\u4e00\u4e01" * 40 + "," + "\x01\x02" * 40 + "\n").encode("utf-8")
    drop(inbox, "b.csv", garbage)  # decodes, but its header is nonsense

    run = process_inbox(deps, str(inbox))

    assert run.failed == ["a.csv", "b.csv"]
    first = (inbox / "failed" / "a.csv.error.txt").read_text()
    assert "cannot decode the file at byte" in first
    second = (inbox / "failed" / "b.csv.error.txt").read_text()
    assert "unknown column(s)" in second and "\u4e00\u4e01" * 13 not in second
    assert "\x01" not in second and "\\x01" in second  # escaped, and cut short


def test_a_part_file_is_left_alone_and_imported_whole_once_renamed(deps: Deps, inbox: Path) -> None:
    part = drop(inbox, "orders.csv.part", HEADER + "".join(row(f"P{i}") for i in range(5)))
    drop(inbox, ".hidden.csv", HEADER + row("H1"))
    drop(inbox, "x.csv.tmp", HEADER + row("T1"))
    assert process_inbox(deps, str(inbox)) == process_inbox(deps, str(inbox))
    assert not order_exists(deps, "P0")

    with part.open("a", encoding="utf-8") as out:  # the writer pauses, then goes on
        out.write("".join(row(f"P{i}") for i in range(5, 10)))
    part.rename(inbox / "orders.csv")
    _old(inbox / "orders.csv")
    run = process_inbox(deps, str(inbox))

    assert run.imported == ["orders.csv"]
    assert all(order_exists(deps, f"P{i}") for i in range(10))
    assert not order_exists(deps, "H1") and not order_exists(deps, "T1")


def test_a_file_over_the_size_limit_is_refused_unread(deps: Deps, inbox: Path) -> None:
    drop(inbox, "big.csv", HEADER + "".join(row(f"S{i}") for i in range(100)))
    run = process_inbox(deps, str(inbox), max_bytes=1024)
    assert run.failed == ["big.csv"] and not order_exists(deps, "S0")
    assert "more than the inbox takes" in (inbox / "failed" / "big.csv.error.txt").read_text()


def test_a_file_with_another_hard_link_is_refused(deps: Deps, inbox: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text(HEADER + row("L1"))
    os.link(elsewhere, inbox / "linked.csv")
    _old(inbox / "linked.csv")
    run = process_inbox(deps, str(inbox))
    assert run.failed == ["linked.csv"] and not order_exists(deps, "L1")


def test_a_large_file_is_imported_in_chunks_and_a_late_bad_row_applies_nothing(
    deps: Deps, inbox: Path
) -> None:
    rows = [row(f"C{i:03d}") for i in range(23)]
    drop(inbox, "a.csv", HEADER + "".join(rows[:22]) + row("C999", quantity="0"))
    assert process_inbox(deps, str(inbox), chunk=5).failed == ["a.csv"]
    assert not order_exists(deps, "C000")

    drop(inbox, "b.csv", HEADER + "".join(rows))
    run = process_inbox(deps, str(inbox), chunk=5)
    assert run.imported == ["b.csv"] and all(order_exists(deps, f"C{i:03d}") for i in range(23))

    # A status that moves backwards on the last line: found before the first chunk.
    moved = [row(f"D{i:03d}") for i in range(11)]
    drop(inbox, "c.csv", HEADER + "".join(rows[:21]) + "".join(moved) + row("C022", status="배송"))
    assert process_inbox(deps, str(inbox), chunk=5).imported == ["c.csv"]
    drop(inbox, "d.csv", HEADER + "".join(moved[:10]) + row("X1") + row("C022"))
    run = process_inbox(deps, str(inbox), chunk=5)
    assert run.failed == ["d.csv"] and not order_exists(deps, "X1")
    error = (inbox / "failed" / "d.csv.error.txt").read_text()
    assert "line 13, column status: would move back from SHIPPED to RECEIVED" in error


def test_a_management_number_twice_in_one_file_names_both_lines(deps: Deps, inbox: Path) -> None:
    drop(inbox, "dup.csv", HEADER + row("Q1") + row("Q2") + row("Q1", status="배송"))
    assert process_inbox(deps, str(inbox)).failed == ["dup.csv"]
    error = (inbox / "failed" / "dup.csv.error.txt").read_text()
    assert "line 4, column management_no: the same management number as line 2" in error
    assert not order_exists(deps, "Q2")


def test_a_linked_failed_folder_stops_the_inbox_before_reading(
    deps: Deps, inbox: Path, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (inbox / "failed").symlink_to(tmp_path / "elsewhere")
    drop(inbox, "a.csv", HEADER + row("F1"))
    run = process_inbox(deps, str(inbox))
    assert (run.imported, run.failed) == ([], []) and not order_exists(deps, "F1")
