"""ProvenanceInspector on Subjects built the way the scan pipeline builds them, and what each
signal is left with after a Pillow re-encode (the upload path of most platforms)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from provenance_builders import (
    Credential,
    decode,
    embed_watermark,
    encode,
    exif_block,
    itxt_chunk,
    jpeg_with_xmp,
    manifest_definition,
    png_with_chunks,
    reencode,
    sign_jpeg,
    text_chunk,
    xmp_packet,
)

from consentry.errors import ConsentryError
from consentry.media import decode_image, sniff
from consentry.signals.findings import Finding, Subject
from consentry.signals.provenance import (
    CHECKS,
    MESSAGES,
    C2paSettings,
    ProvenanceInspector,
    ProvenanceSettings,
)
from consentry.signals.provenance.sd_watermark import VARIANTS

A1111 = "a lighthouse\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Model: sd_xl_base"
SDXL = next(m for m in MESSAGES if m.name == "sdxl")


def subject(data: bytes) -> Subject:
    sniffed = sniff(data[:4096])
    assert sniffed is not None
    return Subject(data, sniffed.format, decode_image(data, max_frames=1).frames[0])


def by_source(findings: list[Finding]) -> dict[str, Finding]:
    return {f.source: f for f in findings}


@pytest.fixture(scope="module")
def labelled_jpeg(coffee: np.ndarray, generator_signer: Credential, test_ca: Credential) -> bytes:
    """Every signal at once: marked pixels (JPEG q95 4:4:4 keeps the mark), EXIF Software,
    an XMP DigitalSourceType, and a C2PA manifest signed over all of it."""
    marked = embed_watermark(coffee, SDXL.bits, VARIANTS[0])
    jpeg = encode(marked, "JPEG", quality=95, subsampling=0, exif=exif_block(software="ComfyUI"))
    jpeg = jpeg_with_xmp(jpeg, xmp_packet(source_type="trainedAlgorithmicMedia"))
    return sign_jpeg(
        jpeg, manifest_definition("trainedAlgorithmicMedia"), generator_signer, test_ca
    )


@pytest.fixture(scope="module")
def labelled_png(coffee: np.ndarray) -> bytes:
    marked = embed_watermark(coffee, SDXL.bits, VARIANTS[3])
    return png_with_chunks(
        encode(marked, "PNG"),
        text_chunk("parameters", A1111),
        itxt_chunk("XML:com.adobe.xmp", xmp_packet(source_type="compositeSynthetic").decode()),
    )


def test_every_check_reports_on_a_fully_labelled_jpeg(
    labelled_jpeg: bytes, test_ca: Credential
) -> None:
    settings = ProvenanceSettings(c2pa=C2paSettings(trust_anchors_pem=test_ca.pem))
    inspector = ProvenanceInspector(settings)
    findings = inspector.inspect(subject(labelled_jpeg))
    assert inspector.name == "provenance"
    assert [f.source for f in findings] == list(CHECKS)
    assert all(f.signal == "provenance" and f.ai_generated is True for f in findings)
    assert all(f.error is None for f in findings)
    found = by_source(findings)
    assert found["c2pa"].evidence["validation"] == "trusted"
    assert found["generator-metadata"].evidence["generators"] == ["ComfyUI"]
    assert found["sd-watermark"].evidence["message"] == "sdxl"
    for finding in findings:  # JSON-safe, and back
        assert Finding.from_json(json.loads(json.dumps(finding.to_json()))) == finding


def test_png_with_parameters_xmp_and_mark(labelled_png: bytes) -> None:
    found = by_source(ProvenanceInspector().inspect(subject(labelled_png)))
    assert sorted(found) == ["generator-metadata", "sd-watermark", "xmp"]
    assert found["sd-watermark"].evidence["variant"] == "rgb-float"


# What is left after decoding and saving again with Pillow's defaults. Pillow writes no
# metadata it is not handed, and its JPEG default (q90, 4:2:0 chroma) wipes the mark, so only
# a lossless re-save keeps anything: the watermark. docs/provenance.md states the same.
@pytest.mark.parametrize(
    ("original", "target", "options", "survivors"),
    [
        ("labelled_jpeg", "JPEG", {"quality": 90}, set()),
        ("labelled_jpeg", "PNG", {}, {"sd-watermark"}),
        ("labelled_jpeg", "WEBP", {"quality": 90}, set()),
        ("labelled_png", "PNG", {}, {"sd-watermark"}),
        ("labelled_png", "JPEG", {"quality": 90}, set()),
        ("labelled_png", "JPEG", {"quality": 95, "subsampling": 0}, {"sd-watermark"}),
    ],
)
def test_what_a_pillow_reencode_leaves(
    request: pytest.FixtureRequest, original: str, target: str, options: dict, survivors: set[str]
) -> None:
    data = request.getfixturevalue(original)
    assert len(ProvenanceInspector().inspect(subject(data))) >= 3
    after = ProvenanceInspector().inspect(subject(reencode(data, target, **options)))
    assert {f.source for f in after} == survivors


def test_plain_photo_has_no_findings(coffee_jpeg: bytes, coffee_png: bytes) -> None:
    inspector = ProvenanceInspector()
    assert inspector.inspect(subject(coffee_jpeg)) == []
    assert inspector.inspect_many([subject(coffee_png), subject(coffee_jpeg)]) == [[], []]


def test_checks_can_be_chosen(labelled_png: bytes) -> None:
    inspector = ProvenanceInspector(ProvenanceSettings(checks=("xmp",)))
    assert [f.source for f in inspector.inspect(subject(labelled_png))] == ["xmp"]
    with pytest.raises(ConsentryError) as raised:
        ProvenanceSettings(checks=("xmp", "astrology"))
    assert raised.value.code == "unknown-provenance-check"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 64,
        b"c2pa" * 100,
        b"\x89PNG\r\n\x1a\n" + b"\xff" * 50,
        b"\xff\xd8\xff" + b"c2pa",
    ],
)
def test_garbage_never_raises(data: bytes) -> None:
    findings = ProvenanceInspector().inspect(Subject(data, "unknown", None))
    assert all(f.ai_generated is None for f in findings)


def test_a_check_that_crashes_becomes_an_error_finding(
    monkeypatch: pytest.MonkeyPatch, coffee_jpeg: bytes
) -> None:
    from consentry.signals.provenance import xmp_source

    def explode(data: bytes, fmt: str | None = None) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(xmp_source, "read_xmp_source", explode)
    findings = ProvenanceInspector().inspect(Subject(coffee_jpeg, "jpeg", decode(coffee_jpeg)))
    assert [(f.source, f.error) for f in findings] == [
        ("xmp", "provenance-check-failed: RuntimeError")
    ]
