"""docs/policy.md shows the shipped default policy as it is, comments included."""

from __future__ import annotations

from pathlib import Path

from consentry.policy import default_policy_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_the_docs_quote_the_default_policy_verbatim() -> None:
    assert default_policy_text().strip() in DOCS.read_text()
