"""The shared pipeline: fingerprint -> matches -> signals -> decision, for one file in memory."""

from __future__ import annotations

import io

from PIL import Image
from skimage import data

from consentry.assessment import Assessor
from consentry.matching.result import Match
from consentry.policy import Context, default_policy, parse_policy


def jpeg(rgb) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=90)
    return out.getvalue()


def intimate_match(_fp) -> list[Match]:
    return [Match("cases", 7, "intimate", 2, "original", "pdq")]


def test_a_registered_image_is_blocked_with_its_reason():
    assessor = Assessor(match=intimate_match, policy=default_policy())
    result = assessor.assess(jpeg(data.coffee()))
    assert result.decision is not None and result.decision.action == "block"
    assert result.decision.rule == "registered-intimate"
    assert result.to_json()["matches"][0]["entry"] == 7
    assert "path" not in result.to_json()["fingerprint"]


def test_the_policy_chooses_which_signals_run():
    nudity_only = parse_policy(
        'version = 1\n[[rule]]\nname = "n"\ndecision = "review"\nwhen.nudity = { above = 0.9 }\n'
    )
    result = Assessor(policy=nudity_only).assess(jpeg(data.coffee()))
    assert [f.source for f in result.findings] == ["opennsfw"]
    assert result.decision is not None and result.decision.action == "allow"
    undecided = Assessor(policy=nudity_only).assess(jpeg(data.coffee()), decide=False)
    assert undecided.findings == [] and undecided.decision is None


def test_bank_action_hints_reach_the_policy():
    hints = {"imported": "review"}

    def imported(_fp) -> list[Match]:
        return [Match("imported", 1, None, 0, "original", "sha256")]

    assessor = Assessor(
        match=imported, policy=default_policy(), bank_actions=lambda b: hints.get(b, "block")
    )
    decision = assessor.assess(jpeg(data.rocket()), context=Context(partner="x")).decision
    assert decision is not None and decision.action == "review"


def test_broken_media_still_gets_a_decision_and_its_error():
    result = Assessor(policy=default_policy()).assess(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert result.fingerprint.error is not None
    assert result.decision is not None and result.decision.action == "allow"
    assert result.fingerprint.sha256  # digests are still computed
