"""IPTC / C2PA digital source types, and what each one says about generative AI.

The vocabulary is IPTC's (http://cv.iptc.org/newscodes/digitalsourcetype/), which C2PA actions
reuse, plus C2PA's own ``trainedAlgorithmicData``. Values are compared by their last path
segment, so the full URI and the bare code mean the same.

- ``AI_TYPES`` say a generative or algorithmic model made the content or part of it: a
  ``compositeSynthetic`` image has at least one synthetic element, which is exactly the
  composited "fake" this project cares about, so it counts as AI.
- ``CAPTURE_TYPES`` say the content is a capture of the real world (camera, film, print).
  Only these allow ``ai_generated=False``.
- ``OTHER_TYPES`` (edits, composites of captures, algorithmic enhancement, screen captures,
  digital art...) make no claim either way (None). Values outside the vocabulary are not
  recognised at all, and never copied into evidence.
"""

from __future__ import annotations

import re

PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"

AI_TYPES = frozenset(
    {
        "trainedAlgorithmicMedia",
        "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia",
        "compositeSynthetic",
        "trainedAlgorithmicData",
    }
)
CAPTURE_TYPES = frozenset(
    {"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"}
)

OTHER_TYPES = frozenset(
    {
        "humanEdits",
        "minorHumanEdits",
        "compositeCapture",
        "composite",
        "algorithmicallyEnhanced",
        "digitalCreation",
        "dataDrivenMedia",
        "screenCapture",
        "virtualRecording",
        "digitalArt",
        "softwareImage",
        "empty",
    }
)
_KNOWN = {code.lower(): code for code in AI_TYPES | CAPTURE_TYPES | OTHER_TYPES}


def source_type_code(value: object) -> str | None:
    """The vocabulary code of a DigitalSourceType value (URI or bare code); None for anything
    outside the vocabulary (a free-text value is never echoed into evidence)."""
    if not isinstance(value, str):
        return None
    return _KNOWN.get(re.split(r"[/#:]", value.strip())[-1].lower())


def ai_claim(codes: set[str]) -> bool | None:
    """True when any code says AI; False when every code is a capture; otherwise None."""
    if codes & AI_TYPES:
        return True
    if codes and codes <= CAPTURE_TYPES:
        return False
    return None
