"""Provenance findings as the policy reads them: an AI-generation claim, trusted or not."""

from __future__ import annotations

from provenance_builders import Credential, manifest_definition, sign_jpeg

from consentry.assessment import Assessor
from consentry.policy import parse_policy
from consentry.signals.inspectors import InspectorOptions

POLICY = """
version = 1

[[rule]]
name = "trusted-ai-claim"
decision = "review"
when.provenance = { ai_generated = true, source = "c2pa", valid = true }

[[rule]]
name = "any-ai-claim"
decision = "allow"
when.provenance = { ai_generated = true }
"""


def test_a_signed_ai_manifest_drives_the_decision_only_when_trusted(
    coffee_jpeg: bytes,
    generator_signer: Credential,
    test_ca: Credential,
    other_ca: Credential,
    tmp_path,
) -> None:
    signed = sign_jpeg(
        coffee_jpeg, manifest_definition("trainedAlgorithmicMedia"), generator_signer, test_ca
    )
    ours, theirs = tmp_path / "ours.pem", tmp_path / "theirs.pem"
    ours.write_text(test_ca.pem)
    theirs.write_text(other_ca.pem)
    policy = parse_policy(POLICY)
    trusted = Assessor(policy=policy, inspector_options=InspectorOptions(trust_anchors=str(ours)))
    decision = trusted.assess(signed).decision
    assert decision is not None and decision.rule == "trusted-ai-claim"
    untrusted = Assessor(
        policy=policy, inspector_options=InspectorOptions(trust_anchors=str(theirs))
    )
    decision = untrusted.assess(signed).decision
    assert decision is not None and decision.rule == "any-ai-claim"
    plain = trusted.assess(coffee_jpeg).decision
    assert plain is not None and plain.rule is None
