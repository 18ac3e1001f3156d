"""Evaluating a policy on one file's evidence, with the reasons a moderator can check.

Findings that carry an ``error`` are ignored: a check that could not run says nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consentry.policy.model import (
    ACTIONS,
    BANK,
    C2PA,
    DEFAULT_NUDITY_INSPECTOR,
    DERIVED,
    INSPECTOR_OF_SOURCE,
    SEVERITY,
    UNKNOWN_BANK_ACTION,
    ClassifierCondition,
    Clause,
    Context,
    Decision,
    Evidence,
    MatchCondition,
    NudityCondition,
    Number,
    Policy,
    ProvenanceCondition,
    Reason,
    Ref,
    Rule,
)
from consentry.signals.findings import CLASSIFIER, NUDITY, PROVENANCE

if TYPE_CHECKING:
    from consentry.matching.result import Match
    from consentry.signals.findings import Finding

# C2PA validation states that count as a valid manifest (c2pa reports "Trusted" when the
# signer also chains to a configured trust anchor).
VALID_C2PA_STATES = frozenset({"valid", "trusted"})
_DIGITS = 6  # JSON values are rounded to this many decimals


@dataclass(frozen=True)
class Setting:
    """What applies to one file: the rules in order, thresholds, default, applied scopes."""

    rules: tuple[Rule, ...]
    thresholds: Mapping[str, float]
    default: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class _Held:
    reason: Reason
    matches: tuple[Match, ...] = ()


def applicable(policy: Policy, context: Context, matched_banks: frozenset[str]) -> Setting:
    """The policy with the scopes that fit applied, in file order (later scopes win)."""
    thresholds = dict(policy.thresholds)
    default = policy.default
    rules = list(policy.rules)
    disabled: set[str] = set()
    labels: list[str] = []
    for scope in policy.scopes:
        if not scope.fits(context, matched_banks):
            continue
        labels.append(scope.label)
        thresholds.update(scope.thresholds)
        disabled.update(scope.disable)
        rules.extend(scope.rules)
        default = scope.default or default
    kept = tuple(rule for rule in rules if rule.name not in disabled)
    return Setting(kept, thresholds, default, tuple(labels))


def decide(policy: Policy, evidence: Evidence, context: Context) -> Decision:
    setting = applicable(policy, context, frozenset(m.bank for m in evidence.matches))
    fired: list[str] = []
    best: tuple[str, Rule, tuple[Reason, ...]] | None = None
    for rule in setting.rules:
        outcome = fire(rule, evidence, setting.thresholds)
        if outcome is None:
            continue
        fired.append(rule.name)
        if best is None or SEVERITY[outcome[0]] > SEVERITY[best[0]]:
            best = (outcome[0], rule, outcome[1])
    if best is None:
        return Decision(setting.default, None, scopes=setting.scopes)
    action, rule, reasons = best
    return Decision(action, rule.name, reasons, tuple(fired), rule.description, setting.scopes)


def fire(
    rule: Rule, evidence: Evidence, thresholds: Mapping[str, float]
) -> tuple[str, tuple[Reason, ...]] | None:
    """The rule's action and reasons when every clause holds, else None."""
    held: list[_Held] = []
    for clause in rule.clauses:
        outcome = _clause(clause, evidence, thresholds)
        if outcome is None:
            return None
        held.append(outcome)
    if rule.decision != BANK:
        return rule.decision, tuple(h.reason for h in held)
    matches = [m for h in held for m in h.matches]
    action, chosen = _bank_action(matches, evidence.bank_actions)
    reasons = tuple(
        _match_reason(h.matches, chosen, action) if h.matches else h.reason for h in held
    )
    return action, reasons


def _clause(clause: Clause, evidence: Evidence, thresholds: Mapping[str, float]) -> _Held | None:
    if clause.kind == MatchCondition.kind:
        found = tuple(
            m
            for m in evidence.matches
            if any(_match_fits(option, m, thresholds) for option in clause.options)  # type: ignore[arg-type]
        )
        return _Held(_match_reason(found), found) if found else None
    for option in clause.options:
        reason = _CHECKS[clause.kind](option, evidence.findings, thresholds)
        if reason is not None:
            return _Held(reason)
    return None


# --- match ---------------------------------------------------------------------------------


def _match_fits(condition: MatchCondition, match: Match, thresholds: Mapping[str, float]) -> bool:
    label = match.label.casefold() if match.label is not None else None
    if condition.banks and match.bank not in condition.banks:
        return False
    if condition.labels and label not in condition.labels:
        return False
    if condition.signals and match.signal not in condition.signals:
        return False
    if condition.kinds and match.kind not in condition.kinds:
        return False
    if match.bank in condition.not_banks or match.signal in condition.not_signals:
        return False
    if match.kind in condition.not_kinds:
        return False
    if label is not None and label in condition.not_labels:
        return False
    limit = condition.max_distance
    return limit is None or match.distance <= resolve(limit, thresholds)


def _bank_action(matches: Sequence[Match], hints: Mapping[str, str]) -> tuple[str, Match]:
    """The most severe action hint among the matches' banks, and the match that gave it."""
    best = max(matches, key=lambda m: SEVERITY[_hint(m.bank, hints)])  # first of equals
    return _hint(best.bank, hints), best


def _hint(bank: str, hints: Mapping[str, str]) -> str:
    hint = hints.get(bank)
    return hint if hint in ACTIONS else UNKNOWN_BANK_ACTION


def _match_reason(
    matches: Sequence[Match], primary: Match | None = None, bank_action: str | None = None
) -> Reason:
    shown = primary or min(matches, key=lambda m: m.distance)
    what = "a derived match" if shown.kind == DERIVED else "a match"
    detail = f"{what} to bank '{shown.bank}' entry {shown.entry} ({_match_words(shown)})"
    values: dict[str, object] = {
        "bank": shown.bank,
        "entry": shown.entry,
        "label": shown.label,
        "signal": shown.signal,
        "distance": shown.distance,
        "transform": shown.transform,
        "kind": shown.kind,
    }
    if shown.kind == DERIVED:
        values["score"] = None if shown.score is None else round(shown.score, _DIGITS)
        values["region"] = None if shown.region is None else list(shown.region)
    if len(matches) > 1:
        values["other_matches"] = len(matches) - 1
        detail += f" and {len(matches) - 1} more"
    if bank_action is not None:
        values["bank_action"] = bank_action
        detail += f"; bank '{shown.bank}' says {bank_action}"
    return Reason("match", detail, values)


def _match_words(match: Match) -> str:
    words = [f"label {match.label}"] if match.label else ["no label"]
    if match.kind == DERIVED:
        words += _derived_words(match)
    elif match.signal in ("md5", "sha256"):
        words.append(f"{match.signal}, exact")
    elif match.signal in ("pdq", "vpdq"):
        words.append(f"{match.signal}, {match.distance} bits")
    else:
        words.append(f"{match.signal}, distance {match.distance}")
    if match.transform != "original":
        words.append(match.transform)
    return ", ".join(words)


def _derived_words(match: Match) -> list[str]:
    """ "score 0.62", "region 0.10-0.90 x 0.05-0.70" (the query's x span, then y span)."""
    if match.score is None:
        words = [f"{match.signal}, distance {match.distance}"]
    else:
        words = [f"score {match.score:.2f}"]
    if match.region is not None:
        words.append(f"region {region_words(match.region)}")
    return words


def region_words(region: Sequence[float]) -> str:
    """(x0, y0, x1, y1) fractions of the image -> "0.10-0.90 x 0.05-0.70"."""
    x0, y0, x1, y1 = region
    return f"{x0:.2f}-{x1:.2f} x {y0:.2f}-{y1:.2f}"


# --- findings ------------------------------------------------------------------------------


def _nudity(
    condition: NudityCondition, findings: Sequence[Finding], thresholds: Mapping[str, float]
) -> Reason | None:
    scored = [
        (float(f.score), f.source)
        for f in _usable(findings, (NUDITY,))
        if f.score is not None and (not condition.sources or f.source in condition.sources)
    ]
    if not scored:
        return None
    score, source = max(scored, key=lambda pair: pair[0])
    if not within(score, condition.above, condition.below, thresholds):
        return None
    values = {"score": round(score, _DIGITS), "source": source}
    values.update(_bound_values(condition.above, condition.below, thresholds))
    bounds = bounds_words(condition.above, condition.below, thresholds)
    return Reason("nudity", f"nudity score {_num(score)} ({source}) {bounds}".strip(), values)


def _classifier(
    condition: ClassifierCondition, findings: Sequence[Finding], thresholds: Mapping[str, float]
) -> Reason | None:
    scores = [
        _classifier_score(f, condition.label)
        for f in _usable(findings, (CLASSIFIER, NUDITY))
        if f.source == condition.name
    ]
    present = [score for score in scores if score is not None]
    if not present:
        return None
    score = max(present)
    if not within(score, condition.above, condition.below, thresholds):
        return None
    values: dict[str, object] = {"name": condition.name, "score": round(score, _DIGITS)}
    what = f"classifier '{condition.name}'"
    if condition.label is not None:
        values["label"] = condition.label
        what += f" label '{condition.label}'"
    values.update(_bound_values(condition.above, condition.below, thresholds))
    bounds = bounds_words(condition.above, condition.below, thresholds)
    return Reason("classifier", f"{what} scored {_num(score)} {bounds}".strip(), values)


def _classifier_score(finding: Finding, label: str | None) -> float | None:
    if label is None:
        return None if finding.score is None else float(finding.score)
    # A detector lists only the classes it found: a class it did not find scored 0.
    return float(finding.labels.get(label, 0.0))


def _provenance(
    condition: ProvenanceCondition, findings: Sequence[Finding], _: Mapping[str, float]
) -> Reason | None:
    for finding in _usable(findings, (PROVENANCE,)):
        if condition.sources and finding.source not in condition.sources:
            continue
        if (
            condition.ai_generated is not None
            and finding.ai_generated is not condition.ai_generated
        ):
            continue
        valid = manifest_valid(finding)
        if condition.valid is not None and valid is not condition.valid:
            continue
        return _provenance_reason(finding, valid)
    return None


def manifest_valid(finding: Finding) -> bool | None:
    """A C2PA finding's validation state as a bool; None for other findings or no state.

    Read from ``evidence["valid"]`` (a bool) or ``evidence["validation_state"]`` /
    ``evidence["validation"]`` (c2pa's "Valid" / "Trusted" / "Invalid"...).
    """
    if finding.source != C2PA:
        return None
    evidence = finding.evidence
    if isinstance(evidence.get("valid"), bool):
        return evidence["valid"]
    for key in ("validation_state", "validation"):
        state = evidence.get(key)
        if isinstance(state, str):
            return state.casefold() in VALID_C2PA_STATES
    return None


def _provenance_reason(finding: Finding, valid: bool | None) -> Reason:
    claims = {True: "says it is AI-generated", False: "says it is not AI-generated"}
    detail = f"provenance check {finding.source} " + claims.get(
        finding.ai_generated, "found provenance data"
    )
    values: dict[str, object] = {"source": finding.source, "ai_generated": finding.ai_generated}
    if valid is not None:
        values["valid"] = valid
        detail += " (manifest valid)" if valid else " (manifest not valid)"
    if finding.evidence:
        values["evidence"] = dict(finding.evidence)
    return Reason("provenance", detail, values)


def _usable(findings: Iterable[Finding], families: tuple[str, ...]) -> Iterable[Finding]:
    return (f for f in findings if f.error is None and f.signal in families)


_CHECKS = {
    NudityCondition.kind: _nudity,
    ClassifierCondition.kind: _classifier,
    ProvenanceCondition.kind: _provenance,
}


# --- numbers -------------------------------------------------------------------------------


def resolve(number: Number | int, thresholds: Mapping[str, float]) -> float:
    return thresholds[number.name] if isinstance(number, Ref) else number


def within(
    score: float, above: Number | None, below: Number | None, thresholds: Mapping[str, float]
) -> bool:
    if above is not None and score < resolve(above, thresholds):
        return False
    return below is None or score < resolve(below, thresholds)


def bounds_words(
    above: Number | None, below: Number | None, thresholds: Mapping[str, float] | None
) -> str:
    """ "at or above 0.8 ($nudity)", "below 0.2", both joined by "and"; "" for neither."""
    parts = []
    if above is not None:
        parts.append(f"at or above {number_words(above, thresholds)}")
    if below is not None:
        parts.append(f"below {number_words(below, thresholds)}")
    return " and ".join(parts)


def number_words(number: Number | int, thresholds: Mapping[str, float] | None) -> str:
    """The value with its threshold name: "0.8 ($nudity)"; just "$nudity" without values."""
    if not isinstance(number, Ref):
        return _num(number)
    if thresholds is None:
        return str(number)
    return f"{_num(thresholds[number.name])} ({number})"


def _bound_values(
    above: Number | None, below: Number | None, thresholds: Mapping[str, float]
) -> dict[str, float]:
    values = {}
    if above is not None:
        values["above"] = round(resolve(above, thresholds), _DIGITS)
    if below is not None:
        values["below"] = round(resolve(below, thresholds), _DIGITS)
    return values


def _num(value: float) -> str:
    return f"{value:.3g}"


# --- signals -------------------------------------------------------------------------------


def signals_needed(policy: Policy, context: Context) -> set[str]:
    rules = list(policy.rules)
    disabled: set[str] = set()
    for scope in policy.scopes:
        if scope.fits(context, None):
            rules.extend(scope.rules)
            if not scope.banks:
                disabled.update(scope.disable)
    return rules_signals(rule for rule in rules if rule.name not in disabled)


def rules_signals(rules: Iterable[Rule]) -> set[str]:
    """The inspectors whose findings these rules read."""
    needed: set[str] = set()
    for rule in rules:
        for clause in rule.clauses:
            for option in clause.options:
                needed |= _condition_signals(option)
    return needed


def _condition_signals(condition: object) -> set[str]:
    if isinstance(condition, NudityCondition):
        if not condition.sources:
            return {DEFAULT_NUDITY_INSPECTOR}
        return {INSPECTOR_OF_SOURCE.get(source, source) for source in condition.sources}
    if isinstance(condition, ClassifierCondition):
        return {INSPECTOR_OF_SOURCE.get(condition.name, condition.name)}
    if isinstance(condition, ProvenanceCondition):
        return {PROVENANCE}
    return set()
