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
) -> Match:
    return Match(bank, entry, label, distance, transform, signal)


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
