"""The text form: stable round trip, and clear errors for every kind of broken text."""

from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from consentry.signals.base import Content, InvalidFingerprint
from consentry.signals.regions import REGIONS, RegionFingerprint, Regions, region_fingerprint


def _payload(text: str) -> bytes:
    body = text[3:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _text(binary: bytes) -> str:
    return "r1." + base64.urlsafe_b64encode(binary).rstrip(b"=").decode()


def _resealed(body: bytes) -> str:
    """Text of a binary body with a correct checksum (to reach the checks behind it)."""
    return _text(body + zlib.crc32(body).to_bytes(4, "little"))


def test_round_trip_registered_and_query(registered, photos):
    query = region_fingerprint(photos["coffee"], dense=True)
    for fingerprint in (registered["astronaut"], query):
        text = fingerprint.to_text()
        back = RegionFingerprint.from_text(text)
        assert back == fingerprint and back.to_text() == text
        assert np.array_equal(back.hashes, fingerprint.hashes)
        assert np.array_equal(back.geometry, fingerprint.geometry)
        assert np.array_equal(back.flags, fingerprint.flags)
        assert (back.dense, back.frame) == (fingerprint.dense, fingerprint.frame)


def test_text_is_compact_ascii(registered):
    fingerprint = registered["astronaut"]
    text = fingerprint.to_text()
    assert text.startswith("r1.") and text.isascii() and "=" not in text
    assert fingerprint.nbytes == len(text)
    assert len(_payload(text)) == 7 + 11 * len(fingerprint) + 4


def test_surrounding_whitespace_is_ignored(registered):
    text = registered["chelsea"].to_text()
    assert RegionFingerprint.from_text(f"  {text}\n") == registered["chelsea"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected text starting with 'r1.'"),
        ("pdq.abcdef", "expected text starting with 'r1.'"),
        ("0" * 64, "expected text starting with 'r1.'"),
        ("r2.AAAA", "version 2 is not supported"),
        ("r1.", "truncated"),
        ("r1.not base64!", "not valid base64url"),
        ("r1.A", "not valid base64url"),
    ],
)
def test_broken_text_says_what_is_wrong(text, message):
    with pytest.raises(InvalidFingerprint, match=message):
        RegionFingerprint.from_text(text)


def test_truncated_text(registered):
    text = registered["astronaut"].to_text()
    with pytest.raises(InvalidFingerprint, match="truncated"):
        RegionFingerprint.from_text(text[:-40])


def test_corrupted_character_is_caught_by_the_checksum(registered):
    text = registered["astronaut"].to_text()
    at = len(text) // 2
    swapped = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]
    with pytest.raises(InvalidFingerprint, match="corrupted"):
        RegionFingerprint.from_text(swapped)


def test_unknown_kind_and_flags_and_empty_fingerprints(registered, photos):
    body = bytearray(_payload(registered["astronaut"].to_text())[:-4])
    body[0] = 7
    with pytest.raises(InvalidFingerprint, match="unknown kind"):
        RegionFingerprint.from_text(_resealed(bytes(body)))
    query = bytearray(_payload(region_fingerprint(photos["coffee"], dense=True).to_text())[:-4])
    query[-1] = 0xFF
    with pytest.raises(InvalidFingerprint, match="unknown tile flags"):
        RegionFingerprint.from_text(_resealed(bytes(query)))
    empty = bytes([0]) + (4).to_bytes(2, "little") + (3).to_bytes(2, "little") + bytes(2)
    with pytest.raises(InvalidFingerprint, match="no tiles"):
        RegionFingerprint.from_text(_resealed(empty))


def test_not_text_is_refused():
    with pytest.raises(InvalidFingerprint, match="must be text"):
        RegionFingerprint.from_text(b"r1.AAAA")  # type: ignore[arg-type]


def test_signal_type_parse_distance_and_compute(registered, photos):
    assert isinstance(REGIONS, Regions) and (REGIONS.name, REGIONS.version) == ("regions", 1)
    astronaut, coffee = registered["astronaut"].to_text(), registered["coffee"].to_text()
    assert REGIONS.parse(f" {astronaut} ") == astronaut
    assert REGIONS.is_valid(astronaut) and not REGIONS.is_valid("r1.broken")
    assert REGIONS.distance(astronaut, astronaut) == 0
    assert REGIONS.distance(astronaut, coffee) == 100
    cropped = region_fingerprint(photos["astronaut"][40:, 60:].copy()).to_text()
    assert 0 < REGIONS.distance(astronaut, cropped) < 100
    assert REGIONS.compute(Content(image=photos["astronaut"])) == astronaut
    assert REGIONS.compute(Content(data=b"not pixels")) is None
    with pytest.raises(InvalidFingerprint):
        REGIONS.distance(astronaut, "r1.broken")


def test_characters_outside_base64url_are_refused(registered):
    text = registered["coffee"].to_text()
    for broken in (text[:20] + "+" + text[21:], text[:20] + " " + text[20:], text + "="):
        with pytest.raises(InvalidFingerprint, match="not valid base64url"):
            RegionFingerprint.from_text(broken)
