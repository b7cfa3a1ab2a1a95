"""The orders inbox: good files imported, bad ones moved aside with the reason, growing
ones left for the next run."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bot.runtime.bootstrap import build
from bot.runtime.inbox import process_inbox
from core import read_models
from tests.conftest import SEOUL

HEADER = (
    "management_no,marketplace,marketplace_order_id,marketplace_item_id,product_name,option,"
    "quantity,status,invoice_no,shipped_at\n"
)


def _old(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


def test_good_bad_and_growing_files(tmp_path: Path, database_url: str) -> None:
    deps = build(database_url, SEOUL)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = inbox / "good.csv"
    good.write_bytes((HEADER + "IB1,coupang,1,1,상품,,1,접수,,\n").encode("cp949"))
    _old(good)
    bad = inbox / "bad.csv"
    bad.write_text(HEADER + "IB2,coupang,2,2,x,,1,접수,,\nIB3,coupang,3,3,y,,two,접수,,\n")
    _old(bad)
    growing = inbox / "growing.csv"
    growing.write_text(HEADER + "IB4,coupang,4,4,z,,1,")  # still being written

    run = process_inbox(deps, str(inbox))

    assert (run.imported, run.failed, run.left) == (["good.csv"], ["bad.csv"], ["growing.csv"])
    assert (inbox / "done" / "good.csv").exists()
    assert (inbox / "failed" / "bad.csv").exists()
    error = (inbox / "failed" / "bad.csv.error.txt").read_text()
    assert "line 3: quantity" in error
    assert growing.exists()
    assert read_models.order_details(deps.make_uow, "IB1").order is not None
    assert deps.make_uow  # IB2 from the bad file was not applied (all or nothing):
    try:
        read_models.order_details(deps.make_uow, "IB2")
        raise AssertionError("IB2 should not exist")
    except Exception as exc:
        assert "IB2" in str(exc)

    growing.write_text(HEADER + "IB4,coupang,4,4,z,,1,접수,,\n")
    _old(growing)
    assert process_inbox(deps, str(inbox)).imported == ["growing.csv"]
    deps.close()
