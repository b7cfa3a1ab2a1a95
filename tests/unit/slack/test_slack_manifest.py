"""app_manifest.yml against Slack's official manifest schema (vendored, offline)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "app_manifest.yml"
# Vendored copy of slackapi/manifest-schema's v1 schema (see schemas/README.md).
SCHEMA = Path(__file__).parent / "schemas" / "slack-manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def errors(manifest: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [e.message for e in validator.iter_errors(manifest)]


def test_manifest_is_valid(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    assert errors(manifest, schema) == []


def test_the_schema_check_can_fail(manifest: dict[str, Any], schema: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "cancels"  # no leading slash
    broken["settings"]["no_such_setting"] = True
    assert len(errors(broken, schema)) == 2


def test_cancels_command(manifest: dict[str, Any]) -> None:
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/cancels"
    assert command["description"] and command["usage_hint"]
    assert "url" not in command  # Socket Mode


def test_exact_bot_scopes(manifest: dict[str, Any]) -> None:
    assert manifest["oauth_config"]["scopes"] == {
        "bot": [
            "chat:write",
            "commands",
            "files:write",
            "channels:history",
            "usergroups:read",
            "im:write",
        ]
    }


def test_events_interactivity_home_and_socket_mode(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"] == {"bot_events": ["app_home_opened"]}
    assert settings["interactivity"] == {"is_enabled": True}
    assert settings["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "cancelbot"
    assert manifest["display_information"]["name"] == "cancelbot"
