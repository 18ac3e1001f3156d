"""Custom policies: each condition kind, AND / OR, thresholds, scopes, decisions, reasons."""

from __future__ import annotations

import json

import pytest
from policy_helpers import classifier, derived_match, match, nudity, policy, provenance

from consentry.policy import Context, Evidence
from consentry.signals.findings import Finding

# --- match ---------------------------------------------------------------------------------

MATCH_POLICY = policy(
    """
    [[rule]]
    name = "close-pdq-in-cases"
    decision = "block"
    when.match = { bank = ["cases", "helpline"], signal = "pdq", max_distance = 10 }

    [[rule]]
    name = "labelled"
    decision = "review"
    when.match = { label = "Case-17", not_bank = "archive" }

    [[rule]]
    name = "exact-only"
    decision = "allow"
    when.match = { signal = ["md5", "sha256"], not_label = "ignored" }
    """
)


@pytest.mark.parametrize(
    ("m", "expected"),
    [
        (match("cases", signal="pdq", distance=10), "close-pdq-in-cases"),
        (match("helpline", signal="pdq", distance=0), "close-pdq-in-cases"),
        (match("cases", signal="pdq", distance=11), None),  # too far
        (match("cases", signal="vpdq", distance=2), None),  # other signal
        (match("other", signal="pdq", distance=2), None),  # other bank
        (match("other", label="case-17"), "labelled"),  # label case-insensitive
        (match("archive", label="case-17"), None),  # excluded bank
        (match("other", label=None, signal="md5", distance=0), "exact-only"),
        (match("other", label="IGNORED", signal="sha256", distance=0), None),
    ],
)
def test_match_filters(m, expected: str | None) -> None:
    decision = MATCH_POLICY.decide(Evidence(matches=[m]))
    assert decision.rule == expected


def test_empty_match_condition_is_any_match() -> None:
    p = policy(
        """
        [[rule]]
        name = "any"
        decision = "review"
        when.match = {}
        """
    )
    assert p.decide(Evidence(matches=[match("x", label=None)])).rule == "any"
    assert p.decide(Evidence()).rule is None


KIND_POLICY = policy(
    """
    [[rule]]
    name = "derived-in-protected"
    decision = "block"
    when.match = { kind = "derived", bank = "protected", signal = "regions" }

    [[rule]]
    name = "derived"
    decision = "review"
    when.match = { kind = "derived" }

    [[rule]]
    name = "copy-not-derived"
    decision = "allow"
    when.match = { kind = "copy", not_kind = "derived" }

    [[rule]]
    name = "anything-but-copies"
    decision = "allow"
    when.match = { not_kind = "copy" }
    """
)


@pytest.mark.parametrize(
    ("m", "fired"),
    [
        (derived_match("protected"), ("derived-in-protected", "derived", "anything-but-copies")),
        (derived_match("elsewhere"), ("derived", "anything-but-copies")),
        (match("protected", signal="pdq"), ("copy-not-derived",)),
        (match("protected", signal="sha256", distance=0), ("copy-not-derived",)),
        # The kind decides, not the signal: a copy found by the regions fingerprint is a copy.
        (match("protected", signal="regions", kind="copy"), ("copy-not-derived",)),
    ],
)
def test_kind_filters_copies_from_derived_matches(m, fired: tuple[str, ...]) -> None:
    assert KIND_POLICY.decide(Evidence(matches=[m])).fired == fired


def test_kind_or_signal_can_name_the_regions_fingerprint() -> None:
    p = policy(
        """
        [[rule]]
        name = "regions"
        decision = "review"
        when.match = { signal = "regions" }
        """
    )
    assert p.decide(Evidence(matches=[derived_match()])).rule == "regions"
    assert p.decide(Evidence(matches=[match(signal="pdq")])).rule is None


def test_derived_reason_names_score_and_region() -> None:
    p = policy(
        """
        [[rule]]
        name = "derived"
        decision = "review"
        when.match = { kind = "derived" }
        """
    )
    fake = derived_match("protected", 9, "protected-public-photo", score=0.62)
    reason = p.decide(Evidence(matches=[fake])).reasons[0]
    assert reason.detail == (
        "a derived match to bank 'protected' entry 9 (label protected-public-photo, "
        "score 0.62, region 0.10-0.90 x 0.05-0.70)"
    )
    assert reason.values == {
        "bank": "protected",
        "entry": 9,
        "label": "protected-public-photo",
        "signal": "regions",
        "distance": 38,
        "transform": "original",
        "kind": "derived",
        "score": 0.62,
        "region": [0.1, 0.05, 0.9, 0.7],
    }
    assert json.loads(json.dumps(reason.to_json()))["values"] == reason.values


def test_derived_reason_without_score_or_region_still_reads() -> None:
    p = policy('[[rule]]\nname = "d"\ndecision = "review"\nwhen.match = { kind = "derived" }')
    fake = match("protected", 3, None, signal="regions", kind="derived", distance=20)
    detail = p.decide(Evidence(matches=[fake])).reasons[0].detail
    assert detail == "a derived match to bank 'protected' entry 3 (no label, regions, distance 20)"


# --- nudity --------------------------------------------------------------------------------

NUDITY_POLICY = policy(
    """
    [thresholds]
    high = 0.8

    [[rule]]
    name = "high"
    decision = "block"
    when.nudity = { above = "$high" }

    [[rule]]
    name = "nudenet-middle"
    decision = "review"
    when.nudity = { source = "nudenet", above = 0.4, below = 0.6 }

    [[rule]]
    name = "low"
    decision = "allow"
    when.nudity = { below = 0.2 }
    """
)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([nudity(0.85)], "high"),
        ([nudity(0.1), nudity(0.9, "nudenet")], "high"),  # highest over every source
        ([nudity(0.5, "nudenet")], "nudenet-middle"),
        ([nudity(0.5, "opennsfw")], None),  # only nudenet counts for that rule
        ([nudity(0.6, "nudenet")], None),  # below is strict, above inclusive
        ([nudity(0.4, "nudenet")], "nudenet-middle"),
        ([nudity(0.1)], "low"),
        ([nudity(0.1), nudity(0.5)], None),  # the highest score decides "below" too
        ([], None),  # absent is not low
        ([Finding("nudity", "opennsfw", score=0.99, error="model-missing: x")], None),
        ([Finding("classifier", "opennsfw", score=0.99)], None),  # other family
    ],
)
def test_nudity_bounds_and_sources(findings: list[Finding], expected: str | None) -> None:
    assert NUDITY_POLICY.decide(Evidence(findings=findings)).rule == expected


# --- provenance ----------------------------------------------------------------------------

PROVENANCE_POLICY = policy(
    """
    [[rule]]
    name = "signed-ai"
    decision = "block"
    when.provenance = { source = "c2pa", ai_generated = true, valid = true }

    [[rule]]
    name = "any-ai"
    decision = "review"
    when.provenance = { ai_generated = true }

    [[rule]]
    name = "capture"
    decision = "allow"
    when.provenance = { ai_generated = false }

    [[rule]]
    name = "broken-manifest"
    decision = "allow"
    when.provenance = { valid = false }
    """
)


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (provenance("c2pa", True, validation_state="Valid"), "signed-ai"),
        (provenance("c2pa", True, validation_state="Trusted"), "signed-ai"),
        (provenance("c2pa", True, valid=True), "signed-ai"),
        (provenance("c2pa", True, validation_state="Invalid"), "any-ai"),
        (provenance("c2pa", True), "any-ai"),  # no validation state known
        (provenance("sd-watermark", True, valid=True), "any-ai"),  # only C2PA has validity
        (provenance("xmp", False), "capture"),
        (provenance("c2pa", None, validation_state="invalid"), "broken-manifest"),
        (provenance("generator-metadata", None), None),
    ],
)
def test_provenance_claims(finding: Finding, expected: str | None) -> None:
    assert PROVENANCE_POLICY.decide(Evidence(findings=[finding])).rule == expected


def test_provenance_finding_with_error_says_nothing() -> None:
    broken = Finding("provenance", "c2pa", ai_generated=True, error="c2pa-error: bad")
    assert PROVENANCE_POLICY.decide(Evidence(findings=[broken])).rule is None


# --- classifier ----------------------------------------------------------------------------

CLASSIFIER_POLICY = policy(
    """
    [[rule]]
    name = "deepfake"
    decision = "review"
    when.classifier = { name = "deepfake", label = "fake", above = 0.9 }

    [[rule]]
    name = "nudenet-class"
    decision = "review"
    when.classifier = { name = "nudenet", label = "BUTTOCKS_EXPOSED", above = 0.5 }

    [[rule]]
    name = "headline"
    decision = "allow"
    when.classifier = { name = "style", below = 0.3 }
    """
)


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (classifier("deepfake", 0.95, fake=0.95, real=0.05), "deepfake"),
        (classifier("deepfake", 0.95, fake=0.5, real=0.5), None),  # the label's score counts
        (classifier("other", 0.99, fake=0.99), None),
        (
            Finding("nudity", "nudenet", score=0.7, labels={"BUTTOCKS_EXPOSED": 0.7}),
            "nudenet-class",
        ),
        (Finding("nudity", "nudenet", score=0.7, labels={"FACE_FEMALE": 0.9}), None),
        (classifier("style", 0.1), "headline"),
        (classifier("style", None), None),  # no headline score
    ],
)
def test_classifier_conditions(finding: Finding, expected: str | None) -> None:
    assert CLASSIFIER_POLICY.decide(Evidence(findings=[finding])).rule == expected


def test_label_a_detector_did_not_find_scores_zero() -> None:
    p = policy(
        """
        [[rule]]
        name = "no-exposure"
        decision = "allow"
        when.classifier = { name = "nudenet", label = "BUTTOCKS_EXPOSED", below = 0.1 }
        """
    )
    finding = Finding("nudity", "nudenet", score=0.0, labels={"FACE_FEMALE": 0.8})
    assert p.decide(Evidence(findings=[finding])).rule == "no-exposure"
    assert p.decide(Evidence()).rule is None  # no finding at all: nothing known


# --- AND / OR, decisions, ties, default ------------------------------------------------------

AND_OR_POLICY = policy(
    """
    default = "review"

    [[rule]]
    name = "both"
    decision = "block"
    when.match = [{ label = "a" }, { label = "b" }]
    when.nudity = { above = 0.5 }
    """
)


@pytest.mark.parametrize(
    ("labels", "score", "expected"),
    [
        (["a"], 0.6, "block"),
        (["b"], 0.6, "block"),
        (["c"], 0.6, "review"),  # the match clause fails: the policy's default
        (["a"], 0.4, "review"),  # the nudity clause fails
        ([], 0.9, "review"),
    ],
)
def test_conditions_are_anded_and_lists_ored(labels, score, expected) -> None:
    evidence = Evidence(matches=[match(label=label) for label in labels], findings=[nudity(score)])
    decision = AND_OR_POLICY.decide(evidence)
    assert decision.action == expected
    assert decision.rule == ("both" if expected == "block" else None)


def test_most_severe_wins_and_ties_go_to_the_first_rule() -> None:
    p = policy(
        """
        [[rule]]
        name = "allow-first"
        decision = "allow"
        when.match = {}

        [[rule]]
        name = "review-one"
        decision = "review"
        when.match = {}

        [[rule]]
        name = "review-two"
        decision = "review"
        when.match = {}
        """
    )
    decision = p.decide(Evidence(matches=[match()]))
    assert (decision.action, decision.rule) == ("review", "review-one")
    assert decision.fired == ("allow-first", "review-one", "review-two")


def test_bank_decision_takes_the_most_severe_hint_of_the_banks_that_matched() -> None:
    p = policy(
        """
        [[rule]]
        name = "per-bank"
        decision = "bank"
        when.match = { not_bank = "ignored" }
        """
    )
    matches = [match("soft", 1), match("hard", 2, distance=20), match("ignored", 3)]
    hints = {"soft": "review", "hard": "block", "ignored": "block"}
    decision = p.decide(Evidence(matches=matches, bank_actions=hints))
    assert (decision.action, decision.rule) == ("block", "per-bank")
    values = decision.reasons[0].values
    assert values["bank"] == "hard" and values["bank_action"] == "block"
    assert values["entry"] == 2 and values["other_matches"] == 1
    only_soft = p.decide(Evidence(matches=matches[:1], bank_actions=hints))
    assert only_soft.action == "review"


def test_default_applies_when_nothing_fires() -> None:
    p = policy(
        """
        default = "review"
        [[rule]]
        name = "never"
        decision = "block"
        when.match = { bank = "nope" }
        """
    )
    decision = p.decide(Evidence(matches=[match("cases")]))
    assert (decision.action, decision.rule, decision.fired, decision.reasons) == (
        "review",
        None,
        (),
        (),
    )
    assert "default" in decision.explain()


# --- scopes --------------------------------------------------------------------------------

SCOPED = policy(
    """
    [thresholds]
    nudity = 0.8
    distance = 20

    [[rule]]
    name = "nude"
    decision = "review"
    when.nudity = { above = "$nudity" }

    [[rule]]
    name = "close"
    decision = "block"
    when.match = { max_distance = "$distance" }

    [[scope]]
    partner = "acme"
    thresholds = { nudity = 0.9 }

    [[scope]]
    name = "strict-chat"
    chat = ["c1", "c2"]
    default = "review"
    thresholds = { distance = 31 }

    [[scope]]
    partner = "acme"
    chat = "c9"
    disable = ["nude"]
    [[scope.rule]]
    name = "c9-nudity"
    decision = "block"
    when.nudity = { above = 0.5 }

    [[scope]]
    bank = "trusted"
    disable = ["close"]
    """
)


def test_scope_by_partner_overrides_thresholds() -> None:
    evidence = Evidence(findings=[nudity(0.85)])
    assert SCOPED.decide(evidence).rule == "nude"
    scoped = SCOPED.decide(evidence, Context(partner="acme"))
    assert scoped.rule is None and scoped.scopes == ("partner 'acme'",)
    assert SCOPED.decide(Evidence(findings=[nudity(0.95)]), Context(partner="acme")).rule == "nude"


def test_scope_by_chat_changes_default_and_distance() -> None:
    far = Evidence(matches=[match(distance=25)])
    assert SCOPED.decide(far).action == "allow"
    decision = SCOPED.decide(far, Context(chat="c2"))
    assert (decision.action, decision.rule, decision.scopes) == ("block", "close", ("strict-chat",))
    assert SCOPED.decide(Evidence(), Context(chat="c1")).action == "review"  # scope default


def test_scope_needs_every_selector_and_adds_rules() -> None:
    evidence = Evidence(findings=[nudity(0.6)])
    assert SCOPED.decide(evidence, Context(chat="c9")).rule is None  # partner missing
    decision = SCOPED.decide(evidence, Context(partner="acme", chat="c9"))
    assert (decision.action, decision.rule) == ("block", "c9-nudity")
    high = SCOPED.decide(Evidence(findings=[nudity(0.95)]), Context(partner="acme", chat="c9"))
    assert "nude" not in high.fired and high.fired == ("c9-nudity",)  # disabled there


def test_scope_by_bank_applies_when_a_match_is_to_that_bank() -> None:
    matches = [match("trusted", distance=3)]
    decision = SCOPED.decide(Evidence(matches=matches))
    assert (decision.rule, decision.scopes) == (None, ("bank 'trusted'",))
    other = SCOPED.decide(Evidence(matches=[match("cases", distance=3)]))
    assert other.rule == "close"


def test_signals_needed_follow_the_context() -> None:
    p = policy(
        """
        [[rule]]
        name = "nude"
        decision = "review"
        when.nudity = { above = 0.8 }

        [[scope]]
        partner = "quiet"
        disable = ["nude"]

        [[scope]]
        partner = "deep"
        [[scope.rule]]
        name = "deepfake"
        decision = "review"
        when.classifier = { name = "deepfake", above = 0.9 }
        when.provenance = { source = "c2pa" }

        [[scope]]
        bank = "b"
        disable = ["nude"]
        [[scope.rule]]
        name = "detector"
        decision = "review"
        when.nudity = { source = "nudenet", above = 0.5 }
        """
    )
    # The bank scope may apply (its rule counts) but its disable list may not (it is ignored).
    assert p.signals_needed() == {"nudity", "nudenet"}
    assert p.signals_needed(Context(partner="quiet")) == {"nudenet"}
    assert p.signals_needed(Context(partner="deep")) == {
        "nudity",
        "nudenet",
        "deepfake",
        "provenance",
    }
    fingerprints_only = policy(
        """
        [[rule]]
        name = "m"
        decision = "block"
        when.match = {}
        """
    )
    assert fingerprints_only.signals_needed() == set()


# --- explanations --------------------------------------------------------------------------


def test_explanation_and_json_carry_the_values() -> None:
    p = policy(
        """
        [thresholds]
        nudity = 0.8
        [[rule]]
        name = "fake"
        description = "nudity in a fake"
        decision = "block"
        when.match = { kind = "derived" }
        when.nudity = { above = "$nudity" }
        when.provenance = { source = "c2pa", ai_generated = true }
        when.classifier = { name = "deepfake", label = "fake", above = 0.5 }
        """
    )
    evidence = Evidence(
        matches=[derived_match("protected", 42, "protected-public-photo", score=0.97)],
        findings=[
            nudity(0.93),
            provenance("c2pa", True, validation_state="Valid", signer="Example CA"),
            classifier("deepfake", 0.7, fake=0.7, real=0.3),
        ],
    )
    decision = p.decide(evidence)
    text = decision.explain()
    assert text.startswith(
        "block: rule 'fake' (nudity in a fake)\n  because a derived match to bank"
    )
    assert "\n  and nudity score 0.93 (opennsfw) at or above 0.8 ($nudity)" in text
    for expected in ("bank 'protected' entry 42", "score 0.97", "0.93", "0.8 ($nudity)"):
        assert expected in text
    assert "c2pa says it is AI-generated (manifest valid)" in text
    assert "classifier 'deepfake' label 'fake' scored 0.7 at or above 0.5" in text
    by_kind = {reason.condition: reason.values for reason in decision.reasons}
    assert by_kind["match"] == {
        "bank": "protected",
        "entry": 42,
        "label": "protected-public-photo",
        "signal": "regions",
        "distance": 3,
        "transform": "original",
        "kind": "derived",
        "score": 0.97,
        "region": [0.1, 0.05, 0.9, 0.7],
    }
    assert by_kind["nudity"] == {"score": 0.93, "source": "opennsfw", "above": 0.8}
    assert by_kind["provenance"]["valid"] is True
    assert by_kind["provenance"]["evidence"]["signer"] == "Example CA"
    assert by_kind["classifier"] == {
        "name": "deepfake",
        "label": "fake",
        "score": 0.7,
        "above": 0.5,
    }
    as_json = decision.to_json()
    assert json.loads(json.dumps(as_json)) == as_json
    assert as_json["action"] == "block" and as_json["fired"] == ["fake"]
    assert [r["condition"] for r in as_json["reasons"]] == [
        "match",
        "nudity",
        "provenance",
        "classifier",
    ]
