"""IPTC DigitalSourceType and the IPTC AI fields, read from a file's XMP packets.

Packets are found in the JPEG APP1 segment, the PNG iTXt/tEXt chunk "XML:com.adobe.xmp", the
WebP "XMP " chunk, or — when those hold none, and for any other container (GIF, TIFF, HEIF,
MP4...) — by scanning the bytes for ``<x:xmpmeta``. They are parsed with the standard library's
expat, after refusing any packet that declares a DOCTYPE or ENTITY (XMP has no use for one;
refusing it rules out entity expansion attacks).

Read: ``Iptc4xmpExt:DigitalSourceType`` (attribute, element text or ``rdf:resource`` form), the
IPTC 2025 AI fields ``AISystemUsed``, ``AISystemVersionUsed``, ``AIPromptInformation``,
``AIPromptWriterName``, and ``xmp:CreatorTool``. Prompts are recorded as length and SHA-256
only, a prompt writer's name only as present.

XMP is self-asserted: any editor can write, change or strip it, and nothing signs it. A
generator that labels its output is believed (``ai_generated=True``); a capture label gives
``False`` only for the explicit capture codes (see ``source_types``), and is weak evidence.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from typing import Any

from consentry.signals.findings import Finding
from consentry.signals.provenance.containers import read_metadata
from consentry.signals.provenance.evidence import (
    error_finding,
    finding,
    known_generators,
    short_name,
    text_digest,
)
from consentry.signals.provenance.source_types import ai_claim, source_type_code

SOURCE = "xmp"

MAX_PACKETS = 8
MAX_PACKET_BYTES = 4 << 20

_IPTC_EXT = "iptc4xmpext"  # matched case-insensitively inside the namespace URI
_XMP_BASIC = "http://ns.adobe.com/xap/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PACKET_START, _PACKET_END = b"<x:xmpmeta", b"</x:xmpmeta>"


class Refused(ValueError):
    """A packet that is not parsed at all (DOCTYPE/ENTITY declarations)."""


@dataclass
class _Fields:
    source_types: set[str] = field(default_factory=set)
    unrecognised_source_types: int = 0
    ai_system: list[str] = field(default_factory=list)
    ai_system_version: list[str] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    prompt_writer: bool = False
    creator_tools: list[str] = field(default_factory=list)


def find_xmp_packets(data: bytes, fmt: str | None = None) -> list[bytes]:
    """The XMP packets of a file, from its container, else by scanning the bytes."""
    packets = read_metadata(data, fmt).xmp
    if not packets:
        packets = _scan_packets(data)
    return [p for p in packets if p.strip()][:MAX_PACKETS]


def _scan_packets(data: bytes) -> list[bytes]:
    packets: list[bytes] = []
    start = data.find(_PACKET_START)
    while start >= 0 and len(packets) < MAX_PACKETS:
        end = data.find(_PACKET_END, start)
        if end < 0:
            # an unclosed packet: kept whole, so it is reported malformed, and no later
            # start can be closed either
            packets.append(data[start : start + MAX_PACKET_BYTES + 1])
            break
        packets.append(data[start : end + len(_PACKET_END)])
        start = data.find(_PACKET_START, end)
    return packets


def read_xmp_source(data: bytes, fmt: str | None = None) -> Finding | None:
    """The XMP finding for a file's bytes; None when no packet says anything relevant."""
    try:
        packets = find_xmp_packets(data, fmt)
    except (ValueError, IndexError) as exc:
        return error_finding(SOURCE, "xmp-unreadable", type(exc).__name__)
    fields, errors = _Fields(), []
    for packet in packets:
        try:
            _collect(_parse(packet), fields)
        except Refused as exc:
            errors.append(("xmp-doctype", str(exc)))
        except (ElementTree.ParseError, ValueError) as exc:
            errors.append(("xmp-malformed", f"XML does not parse: {type(exc).__name__}"))
    evidence = _evidence(fields)
    if evidence:
        evidence["packets"] = len(packets)
        if errors:
            evidence["unparsed_packets"] = len(errors)
        return finding(SOURCE, evidence, _ai_generated(fields))
    if errors:
        code, message = errors[0]
        return error_finding(SOURCE, code, message, packets=len(packets))
    return None


def _parse(packet: bytes) -> ElementTree.Element:
    if len(packet) > MAX_PACKET_BYTES:
        raise ValueError("XMP packet too large")
    if _DECLARATION.search(packet):
        raise Refused("XMP packet declares a DOCTYPE or ENTITY; refused")
    # The xpacket processing instructions around the packet are fine for expat; stray bytes
    # before the first tag (padding, a BOM) are not.
    start = packet.find(b"<")
    return ElementTree.fromstring(packet[start:] if start > 0 else packet)


def _collect(root: ElementTree.Element, fields: _Fields) -> None:
    for element in root.iter():
        for name, value in element.attrib.items():
            _add(fields, name, value)
        if element is not root:
            _add(fields, element.tag, _element_value(element))


def _element_value(element: ElementTree.Element) -> str:
    resource = element.get(f"{{{_RDF}}}resource")
    if resource is not None:
        return resource
    return " ".join(t.strip() for t in element.itertext() if t.strip())


def _add(fields: _Fields, tag: str, value: str) -> None:
    namespace, _, local = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    if not value:
        return
    if _IPTC_EXT in namespace.lower():
        _add_iptc(fields, local, value)
    elif namespace == _XMP_BASIC and local == "CreatorTool":
        name = short_name(value)
        if name and name not in fields.creator_tools:
            fields.creator_tools.append(name)


def _add_iptc(fields: _Fields, local: str, value: str) -> None:
    if local == "DigitalSourceType":
        code = source_type_code(value)
        if code:
            fields.source_types.add(code)
        else:
            fields.unrecognised_source_types += 1
    elif local == "AISystemUsed":
        _append_name(fields.ai_system, value)
    elif local == "AISystemVersionUsed":
        _append_name(fields.ai_system_version, value)
    elif local == "AIPromptInformation":
        fields.prompts.append(value)
    elif local == "AIPromptWriterName":
        fields.prompt_writer = True


def _append_name(names: list[str], value: str) -> None:
    name = short_name(value)
    if name and name not in names:
        names.append(name)


def _evidence(fields: _Fields) -> dict[str, Any]:
    evidence: dict[str, Any] = {}
    if fields.source_types:
        evidence["digital_source_types"] = sorted(fields.source_types)
    if fields.unrecognised_source_types:
        evidence["unrecognised_source_types"] = fields.unrecognised_source_types
    if fields.ai_system:
        evidence["ai_system_used"] = fields.ai_system[:4]
    if fields.ai_system_version:
        evidence["ai_system_version_used"] = fields.ai_system_version[:4]
    if fields.prompts:
        evidence["ai_prompt_information"] = [text_digest(p) for p in fields.prompts[:4]]
    if fields.prompt_writer:
        evidence["ai_prompt_writer_name"] = "present"
    generators = _creator_tool_generators(fields)
    if evidence or generators:
        if fields.creator_tools:
            evidence["creator_tool"] = fields.creator_tools[:4]
        if generators:
            evidence["generators"] = generators
    return evidence


def _creator_tool_generators(fields: _Fields) -> list[str]:
    names: list[str] = []
    for tool in fields.creator_tools:
        names += [g for g in known_generators(tool) if g not in names]
    return names


def _ai_generated(fields: _Fields) -> bool | None:
    claim = ai_claim(fields.source_types)
    if claim is True or fields.ai_system or _creator_tool_generators(fields):
        return True
    return claim
