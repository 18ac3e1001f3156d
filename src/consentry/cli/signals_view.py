"""Findings and decisions in a few words, for tables."""

from __future__ import annotations

from collections.abc import Sequence

from consentry.signals.findings import Finding


def finding_words(finding: Finding) -> str:
    name = (
        f"{finding.signal}/{finding.source}" if finding.signal != finding.source else finding.source
    )
    if finding.error is not None:
        return f"{name}: error ({finding.error})"
    parts = []
    if finding.score is not None:
        parts.append(f"{finding.score:.2f}")
    if finding.ai_generated is True:
        parts.append("AI-generated")
    elif finding.ai_generated is False:
        parts.append("not AI-generated")
    if not parts and finding.labels:
        top = max(finding.labels.items(), key=lambda item: item[1])
        parts.append(f"{top[0]} {top[1]:.2f}")
    return f"{name}: {', '.join(parts) or 'found'}"


def findings_words(findings: Sequence[Finding] | None) -> str:
    if findings is None:
        return ""
    return "; ".join(finding_words(f) for f in findings) or "nothing found"
