"""Regenerate the README's pictures from the real Block Kit builders.

Runs the sandbox through a throwaway database, builds the channel alert, the alert of a
case somebody took (with its thread: a note, a take over, an escalation) and the /cancels
view with the same builders Slack gets, renders them as Slack-like HTML and screenshots
them with headless Chromium (Debian's `chromium` package, with fonts-noto-cjk for Hangul):

    python scripts/render_pictures.py [--out docs] [--locale ko]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.runtime import jobs
from bot.runtime.bootstrap import build, upgrade_database
from bot.runtime.config import default_config
from bot.slack.blocks.alert import build_alert
from bot.slack.blocks.cancels_common import PAGE_SIZE
from bot.slack.blocks.results_page import build_results_page
from bot.slack.blocks.thread_notes import thread_text
from core import cases, read_models
from core.outbox import thread_note
from core.queries import CancelFilter
from core.results import TargetKind

TZ = ZoneInfo("Asia/Seoul")
OMS = "https://oms.example.com/orders/{management_no}"
# People in the pictures: Slack shows a mention as the person's name.
PEOPLE = {"U0AGENT01": "김지은", "U0OTHER02": "박민수", "S0CSTEAM1": "cs-team"}
EMOJI = {
    ":red_circle:": "🔴",
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":package:": "📦",
    ":bulb:": "💡",
    ":rotating_light:": "🚨",
    ":leftwards_arrow_with_hook:": "↩️",
}
CSS = """
body { font-family: 'Noto Sans CJK KR', 'Noto Sans', 'Noto Color Emoji', sans-serif;
       background: #fff; margin: 0; }
.msg { display: flex; gap: 10px; padding: 16px 20px; width: 720px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #2c2d30; color: #fff;
          font-weight: 700; display: flex; align-items: center; justify-content: center; }
.name { font-weight: 900; font-size: 15px; } .app { font-size: 10px; background: #ddd;
        padding: 1px 3px; border-radius: 2px; margin-left: 4px; color: #555; }
.time { color: #616061; font-size: 12px; margin-left: 6px; }
.body { font-size: 15px; line-height: 1.46; color: #1d1c1d; flex: 1; }
h3 { font-size: 17px; margin: 6px 0 4px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 16px; margin: 6px 0; }
.ctx { color: #616061; font-size: 13px; margin: 4px 0; }
.actions { display: flex; gap: 8px; margin: 8px 0; flex-wrap: wrap; align-items: flex-start; }
.btn { border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-weight: 700;
       font-size: 13px; background: #fff; } .primary { background: #007a5a; color: #fff;
       border-color: #007a5a; } .danger { background: #e01e5a; color: #fff; }
hr { border: none; border-top: 1px solid #ddd; } code { background: #f4f4f4; padding: 0 3px; }
.cb { display: block; margin: 2px 0; font-size: 14px; }
.more { position: relative; } .more .entry { display: none; }
.open .more { display: inline-block; } .open .more .entry { display: block; font-size: 13px;
  padding: 3px 10px; background: #fff; border-left: 1px solid #ddd; border-right: 1px solid #ddd; }
.open .more .entry:first-of-type { border-top: 1px solid #ddd; margin-top: 4px; }
.open .more .entry:last-child { border-bottom: 1px solid #ddd; }
.thread { margin: 6px 0 0 46px; padding: 6px 10px; border-left: 3px solid #e8e8e8;
          font-size: 14px; color: #1d1c1d; }
.thread div { margin: 4px 0; }
"""


def mrkdwn(text: str) -> str:
    for code, emoji in EMOJI.items():
        text = text.replace(code, emoji)
    # A Slack date token shows the viewer's own time; its fallback is the team's.
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<!subteam\^(\w+)>", lambda m: f"<@{m.group(1)}>", text)
    out = html.escape(html.unescape(text), quote=False)
    out = re.sub(r"&lt;(https?://[^|&]+)\|([^&]+)&gt;", r'<a href="\1">\2</a>', out)
    out = re.sub(
        r"&lt;@(\w+)&gt;",
        lambda m: f'<b style="color:#1264a3">@{PEOPLE.get(m.group(1), m.group(1))}</b>',
        out,
    )
    out = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", out)
    out = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", out)
    out = re.sub(r"(?<![\w])_([^_\n]+)_(?![\w])", r"<i>\1</i>", out)
    return out.replace("\n", "<br>")


def text(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(raw)
    for code, emoji in EMOJI.items():
        raw = raw.replace(code, emoji)
    return html.escape(raw)


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for b in blocks:
        kind = b.get("type")
        if kind == "header":
            parts.append(f"<h3>{text(b.get('text'))}</h3>")
        elif kind == "section":
            if b.get("text"):
                parts.append(f"<div>{text(b['text'])}</div>")
            if b.get("fields"):
                cells = "".join(f"<div>{text(f)}</div>" for f in b["fields"])
                parts.append(f'<div class="fields">{cells}</div>')
            acc = b.get("accessory") or {}
            if acc.get("type") == "button":
                parts.append(
                    f'<div class="actions"><span class="btn">{text(acc.get("text"))}</span></div>'
                )
        elif kind == "context":
            parts.append(
                '<div class="ctx">' + " ".join(text(e) for e in b.get("elements", [])) + "</div>"
            )
        elif kind == "divider":
            parts.append("<hr>")
        elif kind == "actions":
            items = []
            for e in b.get("elements", []):
                if e.get("type") == "button":
                    link = " ↗" if e.get("url") else ""
                    items.append(
                        f'<span class="btn {e.get("style", "")}">{text(e.get("text"))}{link}</span>'
                    )
                elif e.get("type") == "overflow":
                    entries = "".join(
                        f'<div class="entry">{text(o.get("text"))}</div>'
                        for o in e.get("options", [])
                    )
                    items.append(f'<span class="more"><span class="btn">⋯</span>{entries}</span>')
                elif e.get("type") == "checkboxes":
                    boxes = [
                        f'<label class="cb">☐ {text(o.get("text"))}</label>'
                        for o in e.get("options", [])
                    ]
                    items.append("<div>" + "".join(boxes) + "</div>")
            parts.append('<div class="actions">' + "".join(items) + "</div>")
    return "".join(parts)


def page(
    blocks: list[dict[str, Any]],
    *,
    ephemeral: bool = False,
    thread: list[str] | None = None,
    menu_open: bool = False,
) -> str:
    note = '<div class="ctx">👁 Only visible to you</div>' if ephemeral else ""
    replies = ""
    if thread:
        replies = '<div class="thread">' + "".join(f"<div>{mrkdwn(r)}</div>" for r in thread)
        replies += "</div>"
    opened = ' class="open"' if menu_open else ""
    return (
        f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body{opened}>"
        f'<div class="msg"><div class="avatar">cb</div><div class="body">'
        f'<span class="name">cancelbot</span><span class="app">APP</span>'
        f'<span class="time">오후 2:48</span>{note}{render_blocks(blocks)}'
        f"</div></div>{replies}</body></html>"
    )


def case_picture(deps: Any, locale: str) -> tuple[list[dict[str, Any]], list[str]]:
    """An alert somebody took (Open in OMS configured), and its thread: a note, a take
    over, an escalation, from the real use cases and builders."""
    shipped = read_models.list_results(deps.make_uow, CancelFilter()).items
    result = next(r for r in shipped if r.management_no and not r.partial)
    rid = result.id
    assert rid is not None
    now = deps.clock.now()
    cases.take(deps.make_uow, rid, "U0AGENT01", now)
    cases.add_note(deps.make_uow, rid, "U0AGENT01", "고객과 통화: 수거 요청 접수, 회수 예정", now)
    cases.take_over(deps.make_uow, rid, "U0OTHER02", now)
    [taken] = read_models.list_results(
        deps.make_uow, CancelFilter(order=result.management_no)
    ).items
    blocks, _ = build_alert(taken, locale=locale, tz=TZ, oms_order_url=OMS)
    notes = [
        thread_note(
            TargetKind.RESULT,
            rid,
            "note",
            "U0AGENT01",
            now,
            params={"text": "고객과 통화: 수거 요청 접수, 회수 예정"},
        ),
        thread_note(
            TargetKind.RESULT, rid, "taken_over", "U0OTHER02", now, params={"previous": "U0AGENT01"}
        ),
        thread_note(
            TargetKind.RESULT,
            rid,
            "escalated",
            "cancelbot",
            now,
            params={"usergroup": "S0CSTEAM1", "minutes": 120},
        ),
    ]
    thread = [thread_text(n.payload, TargetKind.RESULT, locale=locale, tz=TZ) for n in notes]
    return blocks, thread


def screenshot(chromium: str, html_text: str, out: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(html_text, encoding="utf-8")
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp}/profile",
                "--hide-scrollbars",
                f"--window-size=760,{height}",
                f"--screenshot={out}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def cancels_blocks(deps: Any, locale: str) -> list[dict[str, Any]]:
    """The default /cancels view (after shipping, unconfirmed), first page."""
    flt = CancelFilter()
    page_ = read_models.list_results(deps.make_uow, flt, limit=PAGE_SIZE)
    blocks, _ = build_results_page(
        page_, flt.words(), unconfirmed=page_.total, locale=locale, tz=TZ
    )
    return blocks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs")
    parser.add_argument("--locale", default="ko", choices=["ko", "en"])
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("needs Chromium: apt-get install chromium fonts-noto-cjk")
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/pictures.db"
        upgrade_database(url)
        deps = build(url, TZ)
        jobs.sync_all(deps, default_config())
        results = read_models.list_results(deps.make_uow, CancelFilter(partial=True)).items
        blocks, _ = build_alert(results[0], locale=args.locale, tz=TZ, oms_order_url=OMS)
        screenshot(chromium, page(blocks), out / "alert.png", 450)
        print(f"wrote {out / 'alert.png'}")
        blocks, thread = case_picture(deps, args.locale)
        screenshot(chromium, page(blocks, thread=thread, menu_open=True), out / "case.png", 740)
        print(f"wrote {out / 'case.png'}")
        view = cancels_blocks(deps, args.locale)
        screenshot(chromium, page(view, ephemeral=True), out / "cancels.png", 1060)
        print(f"wrote {out / 'cancels.png'}")
        deps.close()


if __name__ == "__main__":
    main()
