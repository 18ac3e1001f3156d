"""Choosing inspectors by name, building the subject they inspect, running them safely."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from skimage import data

from consentry.signals.findings import Finding, Inspector, Subject
from consentry.signals.inspectors import (
    UnknownSignal,
    build_inspectors,
    parse_signal_names,
    run_inspectors,
    subject_of,
)


def png(rgb) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def test_signal_names_are_split_trimmed_lowered_and_deduplicated():
    assert parse_signal_names(" Nudity, provenance,,nudity ") == ("nudity", "provenance")
    assert parse_signal_names("") == () and parse_signal_names(None) == ()


def test_unknown_names_say_what_exists():
    with pytest.raises(UnknownSignal) as caught:
        build_inspectors(["nudity", "horoscope"])
    assert "horoscope" in caught.value.message and "provenance" in caught.value.message


def test_built_in_names_build_inspectors_named_as_asked():
    inspectors = build_inspectors(["provenance", "nudity"])
    assert [i.name for i in inspectors] == ["provenance", "nudity"]
    assert {i.name for i in build_inspectors(["all"])} >= {"nudity", "provenance", "nudenet"}


def test_subject_of_an_image_has_full_size_pixels():
    subject = subject_of(png(data.astronaut()))
    assert subject.format == "png" and subject.image is not None
    assert subject.image.shape == (512, 512, 3)


def test_subject_of_non_media_and_broken_media_has_no_pixels():
    assert subject_of(b"just some text").image is None
    assert subject_of(b"just some text").format == "unknown"
    broken = png(data.astronaut())[:200]
    subject = subject_of(broken)
    assert subject.format == "png" and subject.image is None


class Exploding(Inspector):
    name = "exploding"

    def inspect(self, subject: Subject) -> list[Finding]:
        raise RuntimeError("model bug")


class Steady(Inspector):
    name = "steady"

    def inspect(self, subject: Subject) -> list[Finding]:
        return [Finding(signal="classifier", source="steady", score=0.5)]


def test_a_failing_inspector_becomes_an_error_finding_and_the_others_still_run():
    findings = run_inspectors([Exploding(), Steady()], Subject(data=b"x", format="unknown"))
    assert findings[0].error == "internal: RuntimeError" and findings[0].source == "exploding"
    assert findings[1].score == 0.5


def test_findings_round_trip_through_json():
    finding = Finding(
        signal="provenance",
        source="c2pa",
        ai_generated=True,
        evidence={"signer": "Test CA"},
        labels={"fake": 0.9},
    )
    assert Finding.from_json(finding.to_json()) == finding
