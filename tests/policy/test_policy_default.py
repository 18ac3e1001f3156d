"""The shipped default policy: truth tables over every combination of signals."""

from __future__ import annotations

import itertools

import pytest
from policy_helpers import derived_match, match, nudity, provenance

from consentry.policy import Evidence, default_policy, default_policy_text, parse_policy

LABELS = ("intimate", "fake-of-me", "other", "none")
DERIVED = ("yes", "no")
NUDITY = ("high", "low", "absent")
AI = ("yes", "no", "absent")

# label     derived  nudity   ai       -> action  deciding rule ("-" = the default)
# "*" stands for every value of its column. The "other" bank's action hint is "review";
# the protected-photo bank's hint is "block" (the store's default), which a derived match
# alone must NOT inherit: it may be the person's own edit of their photo.
TABLE = """
intimate    *    *       *       block   registered-intimate
fake-of-me  *    *       *       block   registered-intimate
none        no   absent  *       allow   -
none        no   low     *       allow   -
none        no   high    absent  allow   nudity-alone
none        no   high    no      allow   nudity-alone
none        no   high    yes     review  ai-generated-nudity
none        yes  absent  *       review  derived-from-protected-photo
none        yes  low     *       review  derived-from-protected-photo
none        yes  high    *       block   fake-from-protected-photo
other       no   absent  *       review  bank-action
other       no   low     *       review  bank-action
other       no   high    absent  review  bank-action
other       no   high    no      review  bank-action
other       no   high    yes     review  ai-generated-nudity
other       yes  absent  *       review  derived-from-protected-photo
other       yes  low     *       review  derived-from-protected-photo
other       yes  high    *       block   fake-from-protected-photo
"""


def _rows() -> list[tuple[str, str, str, str, str, str | None]]:
    columns = (LABELS, DERIVED, NUDITY, AI)
    rows = []
    for line in TABLE.strip().splitlines():
        *keys, action, rule = line.split()
        for key, values in zip(keys, columns, strict=True):
            assert key == "*" or key in values, f"typo in the table: {line}"
        choices = [
            values if key == "*" else (key,) for key, values in zip(keys, columns, strict=True)
        ]
        for combo in itertools.product(*choices):
            rows.append((*combo, action, None if rule == "-" else rule))
    return rows


ROWS = _rows()


def test_table_covers_every_combination_once() -> None:
    combos = [row[:4] for row in ROWS]
    assert len(combos) == len(set(combos)) == 4 * 2 * 3 * 3


def _evidence(label: str, derived: str, nudity_level: str, ai: str) -> Evidence:
    matches = []
    if label in ("intimate", "fake-of-me"):
        matches.append(match("cases", 42, label, signal="pdq", distance=3))
    elif label == "other":
        matches.append(match("reports", 7, "case-17", signal="md5", distance=0))
    if derived == "yes":
        matches.append(derived_match("protected", 9, "protected-public-photo", score=0.62))
    findings = []
    if nudity_level != "absent":
        findings.append(nudity(0.95 if nudity_level == "high" else 0.3))
    if ai == "yes":
        findings.append(provenance("c2pa", True, validation_state="Valid"))
    elif ai == "no":
        findings.append(provenance("xmp", False, digital_source_type="digitalCapture"))
    actions = {"cases": "block", "reports": "review", "protected": "block"}
    return Evidence(matches=matches, findings=findings, bank_actions=actions)


@pytest.mark.parametrize(("label", "derived", "nudity_level", "ai", "action", "rule"), ROWS)
def test_default_policy_truth_table(
    label: str, derived: str, nudity_level: str, ai: str, action: str, rule: str | None
) -> None:
    decision = default_policy().decide(_evidence(label, derived, nudity_level, ai))
    assert (decision.action, decision.rule) == (action, rule)
    if rule is not None:
        assert rule in decision.fired
        assert decision.reasons, "a deciding rule always says why"


def test_fired_lists_every_rule_that_held_in_order() -> None:
    decision = default_policy().decide(_evidence("other", "yes", "high", "yes"))
    assert decision.fired == (
        "fake-from-protected-photo",
        "derived-from-protected-photo",
        "ai-generated-nudity",
        "nudity-alone",
        "bank-action",
    )


def test_unchanged_repost_of_protected_photo_is_allowed_even_if_its_bank_says_block() -> None:
    evidence = Evidence(
        matches=[match("protected", 9, "protected-public-photo", signal="pdq", distance=2)],
        bank_actions={"protected": "block"},
    )
    decision = default_policy().decide(evidence)
    assert (decision.action, decision.rule) == ("allow", "protected-photo-repost")
    with_nudity = Evidence(evidence.matches, [nudity(0.9)], evidence.bank_actions)
    decision = default_policy().decide(with_nudity)
    assert (decision.action, decision.rule) == ("block", "fake-from-protected-photo")


@pytest.mark.parametrize(
    ("hints", "action"),
    [
        ({"reports": "block"}, "block"),
        ({"reports": "allow"}, "allow"),
        ({"reports": "review"}, "review"),
        ({}, "review"),  # unknown hint: a person looks
        ({"reports": "delete-everything"}, "review"),
    ],
)
def test_other_matches_follow_the_bank_hint(hints: dict[str, str], action: str) -> None:
    evidence = Evidence(matches=[match("reports", 7, "case-17")], bank_actions=hints)
    decision = default_policy().decide(evidence)
    assert (decision.action, decision.rule) == (action, "bank-action")
    assert decision.reasons[0].values["bank_action"] == action


def test_labels_compare_case_insensitively() -> None:
    evidence = Evidence(matches=[match("cases", 1, "Intimate")])
    assert default_policy().decide(evidence).action == "block"


def test_nudity_threshold_is_inclusive() -> None:
    fake = derived_match("protected", 9, "protected-public-photo", score=0.62)
    at = default_policy().decide(Evidence(matches=[fake], findings=[nudity(0.8)]))
    just_below = default_policy().decide(Evidence(matches=[fake], findings=[nudity(0.7999)]))
    assert at.action == "block" and just_below.action == "review"


def test_default_policy_needs_nudity_and_provenance() -> None:
    assert default_policy().signals_needed() == {"nudity", "provenance"}


def test_default_text_parses_to_the_same_rules() -> None:
    parsed = parse_policy(default_policy_text())
    assert [r.name for r in parsed.rules] == [r.name for r in default_policy().rules]
    assert parsed.thresholds == {"nudity": 0.8} and parsed.default == "allow"
