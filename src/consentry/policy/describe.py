"""A policy in plain words: what each rule does, thresholds, scopes, signals needed.

``consentry policy check`` prints this so an operator can read back what the TOML says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consentry.policy.engine import bounds_words, number_words, rules_signals
from consentry.policy.model import (
    ALLOW,
    BANK,
    BLOCK,
    REVIEW,
    ClassifierCondition,
    Clause,
    Condition,
    MatchCondition,
    NudityCondition,
    Policy,
    ProvenanceCondition,
    Rule,
    Scope,
)

DECISION_WORDS = {
    BLOCK: "block",
    REVIEW: "send to review",
    ALLOW: "allow",
    BANK: "do what the matched bank's action hint says",
}


def policy_summary(policy: Policy) -> dict[str, Any]:
    """Everything ``policy check`` shows, JSON-safe."""
    return {
        "source": policy.source,
        "name": policy.name,
        "description": policy.description,
        "version": policy.version,
        "default": policy.default,
        "thresholds": dict(policy.thresholds),
        "rules": [rule_summary(rule, policy.thresholds) for rule in policy.rules],
        "scopes": [scope_summary(scope, policy) for scope in policy.scopes],
        "signals_needed": sorted(policy.signals_needed()),
    }


def rule_summary(rule: Rule, thresholds: Mapping[str, float]) -> dict[str, Any]:
    return {
        "name": rule.name,
        "decision": rule.decision,
        "description": rule.description,
        "when": conditions_words(rule, thresholds),
        "signals": sorted(rules_signals([rule])),
    }


def scope_summary(scope: Scope, policy: Policy) -> dict[str, Any]:
    thresholds = {**policy.thresholds, **scope.thresholds}
    kept = [rule for rule in policy.rules if rule.name not in scope.disable]
    return {
        "label": scope.label,
        "description": scope.description,
        "partner": list(scope.partners),
        "chat": list(scope.chats),
        "bank": list(scope.banks),
        "thresholds": dict(scope.thresholds),
        "disable": list(scope.disable),
        "default": scope.default,
        "rules": [rule_summary(rule, thresholds) for rule in scope.rules],
        # What this scope alone needs (another scope that also applies may add to it).
        "signals_needed": sorted(rules_signals([*kept, *scope.rules])),
    }


def describe_rule(rule: Rule, thresholds: Mapping[str, float]) -> str:
    """ "block when a match labelled 'intimate' or 'fake-of-me'"."""
    return f"{DECISION_WORDS[rule.decision]} when {conditions_words(rule, thresholds)}"


def conditions_words(rule: Rule, thresholds: Mapping[str, float]) -> str:
    several = len(rule.clauses) > 1
    return " and ".join(clause_words(clause, thresholds, several) for clause in rule.clauses)


def clause_words(clause: Clause, thresholds: Mapping[str, float], bracket: bool = False) -> str:
    words = " or ".join(condition_words(option, thresholds) for option in clause.options)
    return f"({words})" if bracket and len(clause.options) > 1 else words


def condition_words(condition: Condition, thresholds: Mapping[str, float]) -> str:
    if isinstance(condition, MatchCondition):
        return _match_words(condition, thresholds)
    if isinstance(condition, NudityCondition):
        source = f" from {_either(condition.sources)}" if condition.sources else ""
        bounds = bounds_words(condition.above, condition.below, thresholds) or "present"
        return f"nudity score{source} {bounds}"
    if isinstance(condition, ProvenanceCondition):
        return _provenance_words(condition)
    assert isinstance(condition, ClassifierCondition)
    label = f" label '{condition.label}'" if condition.label else ""
    bounds = bounds_words(condition.above, condition.below, thresholds)
    return f"classifier '{condition.name}'{label} score " + (bounds or "present")


def _match_words(condition: MatchCondition, thresholds: Mapping[str, float]) -> str:
    adjectives = [_either(values, quote=False) for values in (condition.kinds, condition.signals)]
    named = " ".join(words for words in adjectives if words)
    parts = [f"a {named} match" if named else "a match"]
    if condition.banks:
        parts.append(f"in bank {_either(condition.banks)}")
    if condition.labels:
        parts.append(f"labelled {_either(condition.labels)}")
    if condition.max_distance is not None:
        parts.append(f"within {number_words(condition.max_distance, thresholds)} bits")
    if condition.not_banks:
        parts.append(f"not in bank {_either(condition.not_banks)}")
    if condition.not_labels:
        parts.append(f"not labelled {_either(condition.not_labels)}")
    if condition.not_signals:
        parts.append(f"not {_either(condition.not_signals, quote=False)}")
    if condition.not_kinds:
        parts.append(f"not {_either(condition.not_kinds, quote=False)}")
    if len(parts) == 1 and not named:
        return "any match"
    return " ".join([parts[0], ", ".join(parts[1:])]).strip()


def _provenance_words(condition: ProvenanceCondition) -> str:
    subject = "provenance"
    if condition.sources:
        subject += f" from {_either(condition.sources)}"
    claims = {True: "says AI-generated", False: "says not AI-generated", None: "present"}
    words = f"{subject} {claims[condition.ai_generated]}"
    if condition.valid is not None:
        words += " with a " + ("valid" if condition.valid else "not valid") + " C2PA manifest"
    return words


def _either(values: tuple[str, ...], quote: bool = True) -> str:
    if not values:
        return ""
    shown = [f"'{v}'" if quote else v for v in values]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def describe_policy(policy: Policy) -> list[str]:
    """The policy as plain lines (for logs and plain-text output)."""
    lines = [f"{policy.name or policy.source} (version {policy.version})"]
    if policy.description:
        lines.append(policy.description)
    for rule in policy.rules:
        lines.append(f"- {rule.name}: {describe_rule(rule, policy.thresholds)}")
    lines.append(f"- when no rule applies: {DECISION_WORDS[policy.default]}")
    lines.append("thresholds: " + thresholds_words(policy.thresholds))
    for scope in policy.scopes:
        lines.extend(scope_lines(scope, policy))
    lines.append("signals needed: " + (", ".join(sorted(policy.signals_needed())) or "none"))
    return lines


def thresholds_words(thresholds: Mapping[str, float]) -> str:
    return ", ".join(f"{name} = {value:g}" for name, value in thresholds.items()) or "none"


def scope_lines(scope: Scope, policy: Policy) -> list[str]:
    lines = [f"scope {scope.label}:" + (f" {scope.description}" if scope.description else "")]
    if scope.thresholds:
        lines.append("  thresholds: " + thresholds_words(scope.thresholds))
    if scope.disable:
        lines.append("  disables: " + ", ".join(scope.disable))
    thresholds = {**policy.thresholds, **scope.thresholds}
    for rule in scope.rules:
        lines.append(f"  adds {rule.name}: {describe_rule(rule, thresholds)}")
    if scope.default:
        lines.append(f"  when no rule applies: {DECISION_WORDS[scope.default]}")
    return lines
