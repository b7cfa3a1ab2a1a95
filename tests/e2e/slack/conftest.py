"""Fixtures of the Slack end-to-end tests: the real Bolt app, signed requests, a fake
Slack Web API (tests.support)."""

from tests.support.slack_app import config, deps, fake_slack, fake_time, timed_slack

__all__ = ["config", "deps", "fake_slack", "fake_time", "timed_slack"]
