"""`cancelbot demo` as a newcomer runs it: a fresh directory, no config, no Slack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_demo_in_a_fresh_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANCELBOT_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--dir", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "demo" / "cancelbot.db").exists()
    assert not (tmp_path / "cancelbot.db").exists()  # nothing left where it was run

    # After-shipping, unmatched and anomalous results plus both withdrawals are alerted.
    assert "What the alert channel receives: 9 alert(s)" in out
    assert out.count("[Confirm] [C/S details]") == 9
    assert "배송-반품" in out and "배송-취소" in out
    assert "미매칭" in out and "이상 건" in out
    assert "🔴 부분취소 1/2" in out  # the partial highlight, from the alert's own blocks
    assert out.count("취소철회: 보류 해제 후 출고 필요") == 2

    # The default /cancels view: after shipping, unconfirmed.
    assert "/cancels — default view (6 result(s)" in out
    assert "withdrawals — 2 to release and ship" in out
    assert re.search(r"확인이 필요한 취소결과: 11건", out)  # App Home counts
    assert "cancelbot confirm" in out and "export DATABASE_URL=sqlite:///" in out


def test_demo_in_english(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANCELBOT_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--dir", str(tmp_path), "--locale", "en"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[Confirm] [C/S details]" in proc.stdout
    assert "Partial" in proc.stdout or "partial" in proc.stdout


def test_demo_posts_the_same_alerts_to_slack(tmp_path: Path) -> None:
    from tests.support.fake_slack import FakeSlack

    fake = FakeSlack().start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CANCELBOT_", "SLACK_"))}
        env |= {
            "PYTHONPATH": str(REPO),
            "SLACK_BOT_TOKEN": "xoxb-demo-token-value",
            "CANCELBOT_ALERT_CHANNEL": "C0DEMO001",
            "SLACK_API_URL": fake.base_url,
        }
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", "demo", "--dir", str(tmp_path), "--slack"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode == 0, proc.stderr
        assert "posted 9 message(s) to the alert channel" in proc.stdout
        assert len(fake.alerts("C0DEMO001")) == 9
        assert "xoxb-demo-token-value" not in proc.stdout + proc.stderr
    finally:
        fake.stop()


def test_demo_slack_without_settings_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CANCELBOT_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--dir", str(tmp_path), "--slack"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN" in proc.stderr and "CANCELBOT_ALERT_CHANNEL" in proc.stderr
