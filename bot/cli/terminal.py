"""Block Kit rendered as terminal text: what a channel would show, readable in a shell
(`cancelbot demo`). It renders the builders' own output, so it never drifts from Slack."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

BOLD = "\x1b[1m"
DIM = "\x1b[2m"
RESET = "\x1b[0m"

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")  # a Slack date token: its fallback
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)>")
_EMOJI = {
    ":red_circle:": "🔴",
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":package:": "📦",
    ":rotating_light:": "🚨",
    ":hourglass_flowing_sand:": "⏳",
    ":information_source:": "ℹ️",
    ":leftwards_arrow_with_hook:": "↩️",
}


def mrkdwn_to_text(text: str, color: bool) -> str:
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(r"@\1", text)
    text = _DATE.sub(r"\1", text)
    text = _GROUP.sub(r"@\1", text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if color:
        text = re.sub(r"\*([^*\n]+)\*", BOLD + r"\1" + RESET, text)
    else:
        text = re.sub(r"\*([^*\n]+)\*", r"\1", text)
    return text


def _text(obj: dict[str, Any] | None, color: bool) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_text(raw, color) if obj.get("type") == "mrkdwn" else raw


def render(
    blocks: Sequence[dict[str, Any]],
    *,
    color: bool = False,
    width: int | None = None,
    button_names: Mapping[str, str] | None = None,
) -> str:
    """One message's blocks as lines of text; buttons as `[Label]`.

    `button_names` (action_id -> name) shows buttons by a fixed name, e.g. the English one,
    with the message's own labels after them when they differ."""
    names = button_names or {}
    width = width or min(shutil.get_terminal_size((100, 20)).columns, 100)
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), False)
            out.append((BOLD + title + RESET) if color else title)
            out.append("═" * min(width, max(len(title) * 2, 20)))
        elif kind == "section":
            if block.get("text"):
                out.extend(_text(block["text"], color).splitlines())
            fields = [_text(f, color) for f in block.get("fields", [])]
            for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
                out.append(_two_columns(left, right, width))
            if (acc := block.get("accessory")) and acc.get("type") == "button":
                out.append(f"[{_text(acc.get('text'), False)}]")
        elif kind == "context":
            line = "  ".join(_text(e, color) for e in block.get("elements", []) if "text" in e)
            out.append((DIM + line + RESET) if color else line)
        elif kind == "divider":
            out.append("─" * width)
        elif kind == "actions":
            labels, own = [], []
            for e in block.get("elements", []):
                if e.get("type") == "button":
                    label = _text(e.get("text"), False)
                    labels.append(f"[{names.get(e.get('action_id', ''), label)}]")
                    own.append(label)
                elif e.get("type") == "checkboxes":
                    boxes = [f"☐ {_text(o.get('text'), False)}" for o in e.get("options", [])]
                    out.extend(boxes)  # one per line, as Slack stacks them
                elif e.get("type") == "overflow":
                    labels.append("[⋯]")  # a menu: its entries show when opened
            line = " ".join(labels)
            if names and own and [f"[{o}]" for o in own] != labels[: len(own)]:
                line += "  (" + " · ".join(own) + ")"
            out.append(line)
        elif kind == "input":
            out.append(f"{_text(block.get('label'), False)}: ____")
    return "\n".join(out)


def _two_columns(left: str, right: str, width: int) -> str:
    half = width // 2
    left_lines, right_lines = left.splitlines() or [""], right.splitlines() or [""]
    rows = []
    for i in range(max(len(left_lines), len(right_lines))):
        a = left_lines[i] if i < len(left_lines) else ""
        b = right_lines[i] if i < len(right_lines) else ""
        rows.append(a + " " * max(half - _cells(a), 2) + b if b else a)
    return "\n".join(rows)


def _cells(text: str) -> int:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return sum(2 if "\u1100" <= ch <= "\uffdc" else 1 for ch in plain)
