"""Hostile XML is refused before it can expand or reach a file or the network.

A marketplace answer (or whatever sits between us and it) could be a billion-laughs bomb
(a few hundred bytes declaring entities that expand to gigabytes) or declare an external
entity naming a local file or a URL (XXE). The parser (`_xml`, defusedxml with DTDs
forbidden) must refuse both: quickly, in little memory, without opening the file.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.marketplaces._json import GarbledBody
from adapters.marketplaces._time import KST
from adapters.marketplaces._xml import parse_xml
from adapters.marketplaces.eleventh_street import EleventhStreetClaimSource
from core.errors import MarketplaceError

from .faketime import FakeTime

NS = "http://skt.tmall.business.openapi.spring.service.client.domain/"
SENTINEL = "cancelbot-xxe-sentinel-4f1d"

# Ten levels of ten: 10**9 copies of "lol" (3 GB) if expanded.
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="euc-kr"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol "lol">\n'
    + "".join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + f']>\n<ns2:orders xmlns:ns2="{NS}"><ns2:result_text>&lol9;</ns2:result_text></ns2:orders>'
)
# One 100 kB entity used 10,000 times: 1 GB without any nesting.
QUADRATIC = (
    '<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "'
    + "x" * 100_000
    + '">]>\n<orders>'
    + "&a;" * 10_000
    + "</orders>"
)


def xxe_file(path: Path) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE orders [\n'
        f'  <!ENTITY xxe SYSTEM "{path.as_uri()}">\n]>\n'
        f"<orders><order><ordNo>&xxe;</ordNo></order></orders>"
    )


def xxe_parameter(path: Path) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE orders [\n'
        f'  <!ENTITY % remote SYSTEM "{path.as_uri()}">\n  %remote;\n]>\n<orders/>'
    )


EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE orders SYSTEM "http://127.0.0.1:9/evil.dtd">\n<orders/>'
)
UNDECLARED_ENTITY = "<orders><order><ordNo>&xxe;</ordNo></order></orders>"


class Watch:
    """Records file opens and network connections Python makes while `active` (an audit
    hook: C code such as expat's own fetching would also go through these events)."""

    def __init__(self) -> None:
        self.active = False
        self.events: list[tuple[str, str]] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.active:
            return
        if event == "open" and SENTINEL in str(args[0]):
            self.events.append((event, str(args[0])))
        elif event in ("socket.connect", "urllib.Request"):
            self.events.append((event, repr(args)))


_WATCH = Watch()
sys.addaudithook(_WATCH)  # hooks cannot be removed; it is inert unless a test turns it on


@pytest.fixture
def watch() -> Iterator[Watch]:
    _WATCH.events.clear()
    _WATCH.active = True
    try:
        yield _WATCH
    finally:
        _WATCH.active = False


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / f"{SENTINEL}.txt"
    path.write_text("TOP-SECRET-CONTENT-9c2e", encoding="utf-8")
    return path


def documents(secret: Path) -> dict[str, bytes]:
    return {
        "billion laughs": BILLION_LAUGHS.encode("euc-kr"),
        "quadratic blow-up": QUADRATIC.encode(),
        "external entity (file)": xxe_file(secret).encode(),
        "external parameter entity": xxe_parameter(secret).encode(),
        "external DTD": EXTERNAL_DTD.encode(),
    }


@pytest.mark.parametrize(
    "name",
    [
        "billion laughs",
        "quadratic blow-up",
        "external entity (file)",
        "external parameter entity",
        "external DTD",
    ],
)
def test_the_parser_refuses_it_fast_small_and_without_touching_anything(
    name: str, secret_file: Path, watch: Watch
) -> None:
    content = documents(secret_file)[name]
    tracemalloc.start()
    began = time.perf_counter()
    try:
        with pytest.raises(GarbledBody, match="refused") as caught:
            parse_xml(content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert time.perf_counter() - began < 1.0
    # The document itself is at most ~1.1 MB (the quadratic one); expansion would be GBs.
    assert peak < 16 * 1024 * 1024
    assert watch.events == []
    assert "TOP-SECRET-CONTENT" not in str(caught.value)


def test_an_entity_without_a_declaration_is_just_broken_xml() -> None:
    with pytest.raises(GarbledBody, match="not well-formed XML"):
        parse_xml(UNDECLARED_ENTITY.encode())


@pytest.mark.parametrize("name", ["billion laughs", "external entity (file)", "external DTD"])
def test_the_11st_source_fails_cleanly_on_a_hostile_answer(
    name: str, secret_file: Path, watch: Watch
) -> None:
    content = documents(secret_file)[name]
    clock = FakeTime()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"Content-Type": "text/xml"}, content=content)

    source = EleventhStreetClaimSource(
        "11st-main",
        "key",
        transport=httpx.MockTransport(handler),
        clock=clock,
        sleep=clock.sleep,
        rate_limit=None,
    )
    tracemalloc.start()
    try:
        with pytest.raises(MarketplaceError, match="refused") as caught:
            source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    err = caught.value
    assert err.request == "GET /rest/claimservice/cancelorders/202503050000/202503060000"
    assert not err.retryable and clock.sleeps == [] and len(seen) == 1
    assert peak < 16 * 1024 * 1024 and watch.events == []
    assert "TOP-SECRET-CONTENT" not in str(err)
    assert "unexpected response body" in str(err)


def test_a_hostile_error_page_is_not_parsed_into_the_message(secret_file: Path) -> None:
    """A non-2xx body goes through the same parser for its result_code; a refused one falls
    back to a short text snippet, still without expanding or fetching anything."""
    clock = FakeTime()
    content = xxe_file(secret_file).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=content)

    source = EleventhStreetClaimSource(
        "11st-main", "key", transport=httpx.MockTransport(handler), clock=clock, sleep=clock.sleep
    )
    with pytest.raises(MarketplaceError) as caught:
        source.fetch_claims(datetime(2025, 3, 5, tzinfo=KST), datetime(2025, 3, 6, tzinfo=KST))
    assert caught.value.status == 400
    assert "TOP-SECRET-CONTENT" not in str(caught.value)


def test_the_watch_would_see_an_unsafe_parser_read_the_file(
    secret_file: Path, watch: Watch
) -> None:
    """Sanity check of the test itself: a parser told to resolve external entities (stdlib
    SAX with feature_external_ges on) does open the file, and the watch sees it."""
    import xml.sax
    from io import BytesIO
    from xml.sax.handler import ContentHandler, feature_external_ges

    seen: list[str] = []

    class Collect(ContentHandler):
        def characters(self, content: str) -> None:
            seen.append(content)

    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)
    parser.setContentHandler(Collect())
    parser.parse(BytesIO(xxe_file(secret_file).encode()))

    assert "TOP-SECRET-CONTENT-9c2e" in "".join(seen)
    assert any(event == "open" for event, _ in watch.events)
