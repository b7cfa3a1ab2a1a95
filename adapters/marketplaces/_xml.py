"""XML answers (11st): decode by the prolog, parse with a hardened parser, read typed values.

Decoding. Python's expat refuses bytes whose prolog declares a multi-byte encoding such as
euc-kr ("multi-byte encodings are not supported"), so the bytes are decoded here (BOM, else
the prolog's `encoding`, else the HTTP charset, else UTF-8, as XML 1.0 §4.3.3 orders it) and
the declaration is dropped before the text is parsed.

Parsing goes through defusedxml with DTDs forbidden outright: no marketplace answer needs
one, and without a DTD there are no entity declarations to expand (billion laughs,
quadratic blow-up) and no external entities or DTDs to fetch (XXE). A refused document is a
GarbledBody, so the request runner turns it into a clean MarketplaceError.

Namespaces are stripped (`{uri}order` → `order`): 11st writes `ns2:` (the docs also show
`s2:`) on the root and sometimes on children, and the prefix carries no meaning for us.

XmlNode mirrors `_json.JsonNode`: required and optional children, typed reads, and every
surprise names the element path (`/orders/order[3]/ordCnQty: expected an integer`).
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime, timezone
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from adapters.marketplaces._json import GarbledBody
from adapters.marketplaces._time import KST
from core.storable import time_problem

_PROLOG_ENCODING = re.compile(
    rb"""\A\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']"""
)
_DECLARATION = re.compile(r"\A\s*<\?xml\s[^>]*\?>")
# Korean servers label CP949 (UHC) output "euc-kr"; CP949 is a strict superset, so genuine
# EUC-KR decodes identically and the extra syllables (똠, 햏 ...) do not fail the answer.
_KOREAN_LABELS = {"euc-kr", "euckr", "euc_kr", "ks_c_5601-1987", "ksc5601", "ks_c_5601", "cp949"}
_SHOWN = 30  # characters of a bad value worth quoting in an error
# Formats seen in Korean marketplace XML besides ISO-8601 (`2025-03-05 10:01:12`).
_COMPACT_FORMATS = ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d")


def declared_encoding(content: bytes) -> str | None:
    """The `encoding` of the XML declaration, as written; None when there is none."""
    match = _PROLOG_ENCODING.match(content[:256])
    return None if match is None else match[1].decode("ascii")


def decode_xml(content: bytes, http_charset: str | None = None) -> str:
    """The document as text without its XML declaration; GarbledBody when it cannot be."""
    if content.startswith(codecs.BOM_UTF8):
        label, content = "utf-8", content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        label = "utf-16"
    else:
        label = declared_encoding(content) or http_charset or "utf-8"
    codec = "cp949" if label.lower() in _KOREAN_LABELS else label
    try:
        text = content.decode(codecs.lookup(codec).name)
    except LookupError:
        raise GarbledBody(f"unknown character encoding {label!r}") from None
    except UnicodeDecodeError as exc:
        raise GarbledBody(f"bytes are not valid {label} (at byte {exc.start})") from None
    return _DECLARATION.sub("", text, count=1)


def parse_xml(content: bytes, http_charset: str | None = None) -> XmlNode:
    """The root element, namespaces stripped. Hostile or broken XML raises GarbledBody."""
    text = decode_xml(content, http_charset)
    try:
        root = defusedxml.ElementTree.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden:
        raise GarbledBody(
            "refused: the XML carries a DTD (<!DOCTYPE>), which could declare expanding or "
            "external entities; marketplace answers never need one"
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise GarbledBody("refused: the XML declares entities or external references") from None
    except defusedxml.DefusedXmlException as exc:
        raise GarbledBody(f"refused: {type(exc).__name__}") from None
    except ParseError as exc:
        raise GarbledBody(f"not well-formed XML ({exc})") from None
    for element in root.iter():
        element.tag = local_name(element.tag)
    return XmlNode(root, "/" + str(root.tag))


def local_name(tag: object) -> str:
    """`{uri}order` → `order`; a comment or processing instruction has a non-str tag."""
    return str(tag).rpartition("}")[2]


class XmlNode:
    """One element of a parsed document, with its path for error messages."""

    __slots__ = ("element", "path")

    def __init__(self, element: Element, path: str) -> None:
        self.element = element
        self.path = path

    @property
    def tag(self) -> str:
        return str(self.element.tag)

    def children(self, tag: str) -> list[XmlNode]:
        """Every child element named `tag`, in document order."""
        found = [child for child in self.element if child.tag == tag]
        return [XmlNode(child, f"{self.path}/{tag}[{i}]") for i, child in enumerate(found)]

    def __getitem__(self, tag: str) -> XmlNode:
        """A required child element (it may be empty; the typed read decides)."""
        node = self.get(tag)
        if node is None:
            raise GarbledBody(f"{self.path}: missing element <{tag}>")
        return node

    def get(self, tag: str) -> XmlNode | None:
        """The first child element named `tag`; None when there is none."""
        child = self.element.find(tag)
        return None if child is None else XmlNode(child, f"{self.path}/{tag}")

    def optional(self, tag: str) -> XmlNode | None:
        """A child that may be absent or empty (`<cnTrtEndDt/>`): None for both."""
        node = self.get(tag)
        return None if node is None or node.text == "" else node

    @property
    def text(self) -> str:
        return (self.element.text or "").strip()

    def markup(self) -> str:
        """The element as XML text (a record kept for a person)."""
        return ElementTree.tostring(self.element, encoding="unicode")

    def _fail(self, expected: str) -> GarbledBody:
        shown = self.text if len(self.text) <= _SHOWN else self.text[:_SHOWN] + "…"
        return GarbledBody(f"{self.path}: expected {expected}, got {shown!r}")

    def as_str(self) -> str:
        return self.text

    def as_id(self) -> str:
        """An identifier: non-empty text, kept exactly (ids can exceed 2**53 and keep zeros)."""
        if not self.text:
            raise self._fail("an id (non-empty text)")
        return self.text

    def as_int(self) -> int:
        text = self.text
        # int() alone would also take "+1", " 1_000 " and "١" (Arabic-Indic digits).
        if not re.fullmatch(r"-?[0-9]+", text):
            raise self._fail("an integer")
        return int(text)

    def as_datetime(self, default_tz: timezone = KST) -> datetime:
        """ISO-8601 (`2025-03-05 10:01:12` too) or compact `yyyyMMddHHmm[ss]`; without an
        offset it is taken to be in `default_tz` (KST)."""
        text = self.text
        parsed: datetime | None = None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _COMPACT_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise self._fail("a timestamp")
        moment = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=default_tz)
        if problem := time_problem(moment):  # 0001-01-01 and the like: garbage, not a date
            raise GarbledBody(f"{self.path}: the timestamp {problem}")
        return moment
