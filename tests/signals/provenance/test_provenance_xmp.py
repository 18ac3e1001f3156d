"""IPTC DigitalSourceType and AI fields in XMP, in JPEG, PNG, WebP and a raw scan."""

from __future__ import annotations

import json

import numpy as np
import pytest
from provenance_builders import (
    encode,
    itxt_chunk,
    jpeg_with_xmp,
    png_with_chunks,
    text_chunk,
    xmp_packet,
)

from consentry.signals.provenance import find_xmp_packets, read_xmp_source
from consentry.signals.provenance.source_types import AI_TYPES, CAPTURE_TYPES, OTHER_TYPES
from consentry.signals.provenance.xmp_source import MAX_PACKET_BYTES

EXPECTED = {
    **{code: True for code in AI_TYPES},
    **{code: False for code in CAPTURE_TYPES},
    **{code: None for code in OTHER_TYPES},
}


def in_jpeg(jpeg: bytes, packet: bytes) -> bytes:
    return jpeg_with_xmp(jpeg, packet)


def in_png(png: bytes, packet: bytes) -> bytes:
    return png_with_chunks(png, itxt_chunk("XML:com.adobe.xmp", packet.decode("utf-8")))


@pytest.mark.parametrize("code", sorted(EXPECTED))
@pytest.mark.parametrize("container", ["jpeg", "png"])
def test_each_digital_source_type(
    code: str, container: str, coffee_jpeg: bytes, coffee_png: bytes
) -> None:
    packet = xmp_packet(source_type=code)
    data = in_jpeg(coffee_jpeg, packet) if container == "jpeg" else in_png(coffee_png, packet)
    found = read_xmp_source(data, container)
    assert found is not None and found.error is None
    assert found.source == "xmp"
    assert found.evidence["digital_source_types"] == [code]
    assert found.ai_generated is EXPECTED[code]


def test_element_form_with_rdf_resource(coffee_jpeg: bytes) -> None:
    packet = xmp_packet(source_type="trainedAlgorithmicMedia", element_form=True)
    found = read_xmp_source(in_jpeg(coffee_jpeg, packet), "jpeg")
    assert found is not None and found.ai_generated is True


def test_element_text_form_and_compressed_itxt(coffee_png: bytes) -> None:
    packet = xmp_packet().replace(
        b"</rdf:Description>",
        b"<Iptc4xmpExt:DigitalSourceType>http://cv.iptc.org/newscodes/digitalsourcetype/"
        b"compositeSynthetic</Iptc4xmpExt:DigitalSourceType></rdf:Description>",
    )
    chunk = itxt_chunk("XML:com.adobe.xmp", packet.decode(), compressed=True)
    found = read_xmp_source(png_with_chunks(coffee_png, chunk), "png")
    assert found is not None and found.evidence["digital_source_types"] == ["compositeSynthetic"]
    assert found.ai_generated is True


def test_iptc_2025_ai_fields_without_copying_the_prompt(coffee_jpeg: bytes) -> None:
    prompt = "a portrait of Jane Example on a beach"
    packet = xmp_packet(ai_system="Example Image Model", prompt=prompt, prompt_writer="Jane Writer")
    found = read_xmp_source(in_jpeg(coffee_jpeg, packet), "jpeg")
    assert found is not None and found.ai_generated is True
    assert found.evidence["ai_system_used"] == ["Example Image Model"]
    assert found.evidence["ai_prompt_information"][0]["length"] == len(prompt)
    assert found.evidence["ai_prompt_writer_name"] == "present"
    dumped = json.dumps(found.evidence)
    assert "Jane" not in dumped and "beach" not in dumped


def test_creator_tool_naming_a_generator(coffee_jpeg: bytes) -> None:
    found = read_xmp_source(in_jpeg(coffee_jpeg, xmp_packet(creator_tool="Midjourney v6")), "jpeg")
    assert found is not None and found.ai_generated is True
    assert found.evidence["generators"] == ["Midjourney"]
    assert found.evidence["creator_tool"] == ["Midjourney v6"]


def test_ordinary_creator_tool_alone_is_no_finding(coffee_jpeg: bytes) -> None:
    packet = xmp_packet(creator_tool="Adobe Photoshop 25.0")
    assert read_xmp_source(in_jpeg(coffee_jpeg, packet), "jpeg") is None


def test_webp_xmp_chunk(coffee: np.ndarray) -> None:
    data = encode(coffee, "WEBP", xmp=xmp_packet(source_type="trainedAlgorithmicMedia"))
    found = read_xmp_source(data, "webp")
    assert found is not None and found.ai_generated is True


def test_raw_scan_finds_a_packet_in_another_container(coffee: np.ndarray) -> None:
    gif = encode(coffee[:64, :64], "GIF")
    data = gif[:-1] + xmp_packet(source_type="algorithmicMedia") + gif[-1:]
    assert len(find_xmp_packets(data, "gif")) == 1
    found = read_xmp_source(data, "gif")
    assert found is not None and found.ai_generated is True


def test_unclosed_packets_in_a_raw_scan(coffee: np.ndarray) -> None:
    gif = encode(coffee[:64, :64], "GIF")
    data = gif + b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" * 100_000
    # Bounded work, not a timing: the first unclosed start ends the scan with one capped packet.
    (packet,) = find_xmp_packets(data, "gif")
    assert len(packet) <= MAX_PACKET_BYTES + 1
    found = read_xmp_source(data, "gif")
    assert found is not None and found.error is not None
    assert found.error.startswith("xmp-malformed: ")


def test_free_text_source_type_is_not_echoed(coffee_jpeg: bytes) -> None:
    # a value outside the vocabulary is counted, never copied (it could name someone)
    packet = xmp_packet(source_type="x").replace(b"digitalsourcetype/x", b"Jane Example")
    found = read_xmp_source(in_jpeg(coffee_jpeg, packet), "jpeg")
    assert found is not None and found.ai_generated is None
    assert found.evidence["unrecognised_source_types"] == 1
    assert "Jane" not in json.dumps(found.evidence)


def test_malformed_xml_is_an_error(coffee_jpeg: bytes) -> None:
    broken = xmp_packet(source_type="trainedAlgorithmicMedia").replace(b"</rdf:RDF>", b"")
    found = read_xmp_source(in_jpeg(coffee_jpeg, broken), "jpeg")
    assert found is not None and found.ai_generated is None
    assert found.error is not None and found.error.startswith("xmp-malformed: ")


def test_doctype_is_refused_before_parsing(coffee_jpeg: bytes) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    ) + xmp_packet(source_type="trainedAlgorithmicMedia").replace(b"rdf:about=''", b"x='&b;'")
    found = read_xmp_source(in_jpeg(coffee_jpeg, laughs), "jpeg")
    assert found is not None and found.ai_generated is None
    assert found.error is not None and found.error.startswith("xmp-doctype: ")


def test_one_good_packet_survives_a_bad_one(coffee_png: bytes) -> None:
    good = xmp_packet(source_type="trainedAlgorithmicMedia")
    data = in_png(coffee_png, good)
    data = data[:-12] + b"<x:xmpmeta broken" + data[-12:]
    found = read_xmp_source(data, "png")
    assert found is not None and found.ai_generated is True


def test_missing_xmp_gives_no_finding(coffee_jpeg: bytes, coffee_png: bytes) -> None:
    assert read_xmp_source(coffee_jpeg, "jpeg") is None
    assert read_xmp_source(coffee_png, "png") is None
    assert read_xmp_source(b"", None) is None
    empty = xmp_packet()
    assert read_xmp_source(in_jpeg(coffee_jpeg, empty), "jpeg") is None


def test_xmp_in_a_plain_text_chunk(coffee_png: bytes) -> None:
    packet = xmp_packet(source_type="digitalCapture").decode().replace("\ufeff", "")
    found = read_xmp_source(png_with_chunks(coffee_png, text_chunk("XML:com.adobe.xmp", packet)))
    assert found is not None and found.ai_generated is False


@pytest.mark.parametrize("cut", [3, 20, 40, 200])
def test_truncated_files_do_not_raise(cut: int, coffee_jpeg: bytes, coffee_png: bytes) -> None:
    packet = xmp_packet(source_type="trainedAlgorithmicMedia")
    for data in (in_jpeg(coffee_jpeg, packet), in_png(coffee_png, packet)):
        found = read_xmp_source(data[:cut])
        assert found is None or found.ai_generated in (True, None)
