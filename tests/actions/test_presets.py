"""Policy presets: each parses, "default" is the shipped policy, "strict" blocks what the
default reviews, "matches-only" decides from matches alone and needs no classifier."""

from __future__ import annotations

import itertools

import pytest

from consentry.actions import PRESETS, SettingsError, load_preset, preset_text
from consentry.matching.result import Match
from consentry.policy import Evidence, default_policy, parse_policy
from consentry.signals.findings import Finding

LABELS = ("none", "intimate", "fake-of-me", "other")
BANK_ACTIONS = {"cases": "block", "reports": "review", "protected": "block"}


def _evidence(label: str, derived: bool, nudity: float | None, ai: bool | None) -> Evidence:
    matches = []
    if label in ("intimate", "fake-of-me"):
        matches.append(Match("cases", 42, label, 3, "original", "pdq"))
    elif label == "other":
        matches.append(Match("reports", 7, "case-17", 0, "original", "md5"))
    if derived:
        matches.append(
            Match(
                "protected",
                9,
                "protected-public-photo",
                38,
                "original",
                "regions",
                kind="derived",
                score=0.62,
            )
        )
    findings = []
    if nudity is not None:
        findings.append(Finding("nudity", "opennsfw", score=nudity))
    if ai is not None:
        findings.append(Finding("provenance", "c2pa", ai_generated=ai, evidence={}))
    return Evidence(matches=matches, findings=findings, bank_actions=BANK_ACTIONS)


EVIDENCE = [
    _evidence(*combo)
    for combo in itertools.product(LABELS, (False, True), (None, 0.3, 0.95), (None, True, False))
]


def test_presets_are_named_and_all_load() -> None:
    assert PRESETS == ("default", "strict", "matches-only")
    for name in PRESETS:
        policy = load_preset(name)
        assert policy.rules
        assert parse_policy(preset_text(name)).name == policy.name


def test_default_preset_is_the_shipped_default_policy() -> None:
    assert load_preset("default") is default_policy()


@pytest.mark.parametrize("evidence", EVIDENCE)
def test_strict_blocks_what_the_default_reviews_and_agrees_otherwise(evidence: Evidence) -> None:
    default = default_policy().decide(evidence)
    strict = load_preset("strict").decide(evidence)
    if default.action == "review" and default.rule != "bank-action":
        assert (strict.action, strict.rule) == ("block", default.rule)
    else:
        assert (strict.action, strict.rule) == (default.action, default.rule)


def test_strict_still_reviews_matches_to_a_bank_that_asks_for_review() -> None:
    decision = load_preset("strict").decide(_evidence("other", False, None, None))
    assert (decision.action, decision.rule) == ("review", "bank-action")


def test_matches_only_needs_no_classifier() -> None:
    assert load_preset("matches-only").signals_needed() == set()
    assert load_preset("default").signals_needed() == {"nudity", "provenance"}


@pytest.mark.parametrize("evidence", EVIDENCE)
def test_matches_only_decides_as_the_default_would_without_findings(evidence: Evidence) -> None:
    without_findings = Evidence(evidence.matches, [], evidence.bank_actions)
    expected = default_policy().decide(without_findings)
    decision = load_preset("matches-only").decide(evidence)
    assert (decision.action, decision.rule) == (expected.action, expected.rule)


def test_matches_only_allows_unmatched_nudity_and_ai_images() -> None:
    decision = load_preset("matches-only").decide(_evidence("none", False, 0.99, True))
    assert (decision.action, decision.rule) == ("allow", None)


def test_an_unknown_preset_is_refused_with_the_choices() -> None:
    with pytest.raises(SettingsError, match="default, strict, matches-only") as caught:
        load_preset("lenient")
    assert caught.value.code == "unknown-preset"
    with pytest.raises(SettingsError):
        preset_text("../default")
