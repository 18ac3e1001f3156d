"""C2PA manifests signed by a test CA into a benign JPEG: valid, tampered, untrusted, stripped."""

from __future__ import annotations

import json
import os

import pytest
from provenance_builders import (
    Credential,
    make_signer,
    manifest_definition,
    reencode,
    sign_jpeg,
)

from consentry.errors import ConsentryError
from consentry.signals.findings import PROVENANCE
from consentry.signals.provenance import C2paSettings, ManifestReader, read_c2pa


@pytest.fixture(scope="module")
def ai_signed(coffee_jpeg: bytes, generator_signer: Credential, test_ca: Credential) -> bytes:
    definition = manifest_definition("trainedAlgorithmicMedia", agent="Test Diffusion 2")
    return sign_jpeg(coffee_jpeg, definition, generator_signer, test_ca)


@pytest.fixture(scope="module")
def camera_signed(coffee_jpeg: bytes, test_ca: Credential) -> bytes:
    camera = make_signer(test_ca, "Test Camera Signing", "Test Camera Co")
    return sign_jpeg(
        coffee_jpeg, manifest_definition("digitalCapture", "Test Camera"), camera, test_ca
    )


def trusting(ca: Credential) -> C2paSettings:
    return C2paSettings(trust_anchors_pem=ca.pem)


def test_valid_ai_manifest_says_ai_and_names_its_signer(ai_signed: bytes) -> None:
    found = read_c2pa(ai_signed, "image/jpeg")
    assert found is not None and found.error is None
    assert (found.signal, found.source, found.ai_generated) == (PROVENANCE, "c2pa", True)
    evidence = found.evidence
    assert evidence["manifest"] is True and evidence["embedded"] is True
    assert evidence["validation"] == "valid"  # no anchors configured: trust not checked
    assert evidence["valid"] is True
    assert evidence["trust_anchors"] is False
    assert evidence["digital_source_types"] == ["trainedAlgorithmicMedia"]
    assert evidence["actions"] == [
        {
            "manifest": "active",
            "action": "c2pa.created",
            "digital_source_type": "trainedAlgorithmicMedia",
            "software_agent": "Test Diffusion 2",
        }
    ]
    signer = evidence["signer"]
    assert signer["common_name"] == "Test Generator Signing"
    assert signer["organization"] == "Test Generator Inc"
    assert signer["issuer_common_name"] == "Consentry Test Root"
    assert signer["issuer_organization"] == "Consentry Test CA"
    assert signer["algorithm"].lower() == "es256"
    assert evidence["claim_generator"][0]["name"] == "consentry-tests"
    assert "fixture" not in json.dumps(evidence)  # the manifest title is free text: not copied


def test_trusted_when_the_signer_chains_to_a_configured_anchor(
    ai_signed: bytes, test_ca: Credential
) -> None:
    found = read_c2pa(ai_signed, "image/jpeg", trusting(test_ca))
    assert found is not None
    assert found.evidence["validation"] == "trusted"
    assert found.evidence["valid"] is True
    assert found.evidence["trust_anchors"] is True
    assert "status_codes" not in found.evidence
    assert found.ai_generated is True


def test_untrusted_when_anchors_are_another_ca(ai_signed: bytes, other_ca: Credential) -> None:
    found = read_c2pa(ai_signed, "image/jpeg", trusting(other_ca))
    assert found is not None
    assert found.evidence["validation"] == "untrusted"
    assert found.evidence["valid"] is False  # what a policy's `valid` reads
    assert "signingCredential.untrusted" in found.evidence["status_codes"]
    # the generator's own signed claim still stands; policies may demand "trusted"
    assert found.ai_generated is True


def test_tampered_pixels_make_the_manifest_invalid(ai_signed: bytes, test_ca: Credential) -> None:
    tampered = bytearray(ai_signed)
    for offset in (-5000, -4000, -3000):  # inside the entropy-coded image data
        tampered[offset] ^= 0x55
    found = read_c2pa(bytes(tampered), "image/jpeg", trusting(test_ca))
    assert found is not None
    assert found.evidence["validation"] == "invalid"
    assert found.evidence["valid"] is False
    assert "assertion.dataHash.mismatch" in found.evidence["status_codes"]
    # an invalid manifest says nothing about these pixels, though its claim is recorded
    assert found.ai_generated is None
    assert found.evidence["digital_source_types"] == ["trainedAlgorithmicMedia"]


def test_trusted_camera_manifest_says_not_ai(camera_signed: bytes, test_ca: Credential) -> None:
    found = read_c2pa(camera_signed, "image/jpeg", trusting(test_ca))
    assert found is not None
    assert found.evidence["validation"] == "trusted"
    assert found.ai_generated is False


def test_untrusted_camera_manifest_makes_no_claim(camera_signed: bytes) -> None:
    # anybody can sign "digitalCapture" with their own certificate
    found = read_c2pa(camera_signed, "image/jpeg")
    assert found is not None
    assert found.evidence["validation"] == "valid"
    assert found.ai_generated is None


def test_pillow_reencode_strips_the_manifest(ai_signed: bytes) -> None:
    assert read_c2pa(reencode(ai_signed, "JPEG", quality=90), "image/jpeg") is None


def test_file_without_a_manifest_gives_no_finding(coffee_jpeg: bytes, coffee_png: bytes) -> None:
    assert read_c2pa(coffee_jpeg, "image/jpeg") is None
    assert read_c2pa(coffee_png, None) is None
    assert read_c2pa(b"", None) is None


@pytest.mark.parametrize("cut", [0.02, 0.05])
def test_truncated_manifest_file_is_an_error_not_an_exception(ai_signed: bytes, cut: float) -> None:
    found = read_c2pa(ai_signed[: int(len(ai_signed) * cut)], "image/jpeg")
    assert found is not None
    assert found.error is not None and found.error.startswith("c2pa-unreadable: ")
    assert found.ai_generated is None


def test_bytes_that_only_mention_c2pa_are_an_error_or_nothing() -> None:
    for data in (b"c2pa", b"\xff\xd8\xff\xe0 c2pa garbage", b"\x89PNG\r\n\x1a\nc2pa"):
        found = read_c2pa(data, None)
        assert found is None or (found.error is not None and found.ai_generated is None)


def test_half_a_signed_file_is_reported_invalid_or_unreadable(ai_signed: bytes) -> None:
    found = read_c2pa(ai_signed[: len(ai_signed) // 2], "image/jpeg")
    assert found is not None and found.ai_generated is None
    assert found.error is not None or found.evidence["validation"] == "invalid"


def test_trust_anchors_must_be_certificates() -> None:
    with pytest.raises(ConsentryError) as raised:
        C2paSettings(trust_anchors_pem="not a certificate")
    assert raised.value.code == "invalid-trust-anchors"


def test_a_forked_child_reads_with_its_own_context(ai_signed: bytes) -> None:
    reader = ManifestReader()
    in_parent = reader.read(ai_signed, "image/jpeg")  # the parent's Context now exists
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it read, then leave without running pytest's exit
        try:
            found = reader.read(ai_signed, "image/jpeg")
            os.write(write_end, json.dumps(found.to_json() if found else None).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        in_child = json.loads(pipe.read() or b"null")
    os.waitpid(pid, 0)
    assert in_parent is not None
    assert in_child == in_parent.to_json()


def test_reader_is_reusable_across_files(ai_signed: bytes, coffee_jpeg: bytes) -> None:
    reader = ManifestReader()
    first = reader.read(ai_signed, "image/jpeg")
    assert reader.read(coffee_jpeg, "image/jpeg") is None
    assert reader.read(ai_signed, None) == first  # format detected from the bytes
