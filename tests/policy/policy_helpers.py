"""Builders shared by the policy tests (a uniquely named module: conftest is not importable)."""

from __future__ import annotations

import textwrap

from consentry.matching.result import Match
from consentry.policy import Policy, parse_policy
from consentry.signals.findings import Finding


def match(
    bank: str = "cases",
    entry: int = 1,
    label: str | None = None,
    *,
    signal: str = "pdq",
    distance: int = 4,
    transform: str = "original",
    kind: str = "copy",
    score: float | None = None,
    region: tuple[float, float, float, float] | None = None,
) -> Match:
    return Match(
        bank, entry, label, distance, transform, signal, kind=kind, score=score, region=region
    )


def derived_match(
    bank: str = "protected",
    entry: int = 9,
    label: str | None = "protected-public-photo",
    *,
    score: float = 0.62,
    region: tuple[float, float, float, float] | None = (0.1, 0.05, 0.9, 0.7),
) -> Match:
    """A match to a file made from the entry, as the "regions" fingerprint reports it."""
    distance = 100 - round(100 * score)
    return match(
        bank,
        entry,
        label,
        signal="regions",
        kind="derived",
        score=score,
        region=region,
        distance=distance,
    )


def nudity(score: float, source: str = "opennsfw") -> Finding:
    return Finding("nudity", source, score=score)


def provenance(
    source: str = "c2pa", ai_generated: bool | None = True, **evidence: object
) -> Finding:
    return Finding("provenance", source, ai_generated=ai_generated, evidence=evidence)


def classifier(name: str, score: float | None = None, **labels: float) -> Finding:
    return Finding("classifier", name, score=score, labels=labels)


def policy(text: str) -> Policy:
    """Parse a policy written inline in a test (dedented; ``version = 1`` added)."""
    return parse_policy("version = 1\n" + textwrap.dedent(text), source="test.toml")
