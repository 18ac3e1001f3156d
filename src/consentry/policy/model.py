"""The policy's types: what it decides on, what a parsed policy holds, what it answers.

A :class:`Policy` is an ordered list of :class:`Rule` s. A rule holds when every one of its
:class:`Clause` s holds (AND); a clause holds when any of its conditions holds (OR: the TOML
form is a list of tables). The most severe decision among the rules that hold wins; ties go
to the first rule in file order; when none holds, the policy's default applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from consentry.signals.findings import Finding

if TYPE_CHECKING:  # the matching package loads numba: not needed to decide about matches
    from consentry.matching.result import Match

BLOCK, REVIEW, ALLOW = "block", "review", "allow"
BANK = "bank"  # a rule decision: the action hint of the bank(s) its match condition found
ACTIONS = (BLOCK, REVIEW, ALLOW)
DECISIONS = (*ACTIONS, BANK)
SEVERITY = {ALLOW: 0, REVIEW: 1, BLOCK: 2}
# Values the parser accepts (a typo would otherwise be a condition that silently never holds).
MATCH_SIGNALS = ("pdq", "vpdq", "md5", "sha256", "regions")
# What a match says the file is: a "copy" of the entry, or "derived" (made from it, e.g. a
# protected photo with a region replaced). Mirrors consentry.matching.result.MATCH_KINDS,
# which is not imported here (the matching package loads numba).
COPY, DERIVED = "copy", "derived"
MATCH_KINDS = (COPY, DERIVED)
NUDITY_SOURCES = ("opennsfw", "nudenet")
PROVENANCE_SOURCES = ("c2pa", "xmp", "generator-metadata", "sd-watermark")
C2PA = "c2pa"
# The inspector (its ``--signals`` name) that produces a source's findings, where the two
# names differ; the provenance checks all come from one inspector.
INSPECTOR_OF_SOURCE = {
    "opennsfw": "nudity",
    **{source: "provenance" for source in PROVENANCE_SOURCES},
}
DEFAULT_NUDITY_INSPECTOR = "nudity"
# A bank whose action hint is unknown (missing from Evidence.bank_actions, or not a known
# action): a person looks, rather than silently allowing or blocking on a guess.
UNKNOWN_BANK_ACTION = REVIEW


@dataclass(frozen=True)
class Ref:
    """A reference to a named threshold: ``"$nudity"`` in the TOML."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


Number = float | Ref


@dataclass(frozen=True)
class MatchCondition:
    """A fingerprint match passing every given filter (empty = any value).

    Labels compare case-insensitively (stored casefolded); banks, signals and kinds exactly.
    ``not_*`` exclude matches with that bank / label / signal / kind.
    """

    kind: ClassVar[str] = "match"
    banks: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    not_banks: tuple[str, ...] = ()
    not_labels: tuple[str, ...] = ()
    not_signals: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # "copy" / "derived"
    not_kinds: tuple[str, ...] = ()
    max_distance: int | Ref | None = None


@dataclass(frozen=True)
class NudityCondition:
    """The highest nudity score (over ``sources``, or every source) within the bounds.

    ``above``: score >= above; ``below``: score < below (so the same number splits scores in
    two). With neither, any nudity score present holds.
    """

    kind: ClassVar[str] = "nudity"
    sources: tuple[str, ...] = ()
    above: Number | None = None
    below: Number | None = None


@dataclass(frozen=True)
class ProvenanceCondition:
    """A provenance finding (from ``sources``, or any) that makes the given claims.

    ``ai_generated``: True / False must be said explicitly by the finding (None = any claim).
    ``valid``: the C2PA manifest's validation state; only C2PA findings carry one.
    """

    kind: ClassVar[str] = "provenance"
    sources: tuple[str, ...] = ()
    ai_generated: bool | None = None
    valid: bool | None = None


@dataclass(frozen=True)
class ClassifierCondition:
    """A named classifier's headline score, or one label's score, within the bounds."""

    kind: ClassVar[str] = "classifier"
    name: str
    label: str | None = None
    above: Number | None = None
    below: Number | None = None


Condition = MatchCondition | NudityCondition | ProvenanceCondition | ClassifierCondition


@dataclass(frozen=True)
class Clause:
    """One ``when.<kind>`` entry: holds when any of its options holds."""

    kind: str
    options: tuple[Condition, ...]


@dataclass(frozen=True)
class Rule:
    name: str
    decision: str  # block / review / allow / bank
    clauses: tuple[Clause, ...]
    description: str | None = None
    scope: str | None = None  # the label of the scope that adds it; None for a top-level rule


@dataclass(frozen=True, eq=False)
class Scope:
    """Overrides for the content seen at some partners / chats / with matches in some banks.

    A scope applies when every selector it has fits the :class:`Context` (and, for ``banks``,
    when a match is to one of them); a selector with several values fits any of them.
    """

    label: str  # "partner 'acme'", or the scope's own name
    partners: tuple[str, ...] = ()
    chats: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    disable: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    default: str | None = None
    description: str | None = None

    def fits(self, context: Context, matched_banks: frozenset[str] | None) -> bool:
        """``matched_banks`` None: treat a bank selector as fitting (for signals_needed)."""
        if self.partners and context.partner not in self.partners:
            return False
        if self.chats and context.chat not in self.chats:
            return False
        if self.banks and matched_banks is not None:
            return not matched_banks.isdisjoint(self.banks)
        return True


@dataclass(frozen=True)
class Evidence:
    """What is known about one file: its fingerprint matches and inspectors' findings."""

    matches: Sequence[Match] = ()
    findings: Sequence[Finding] = ()
    bank_actions: Mapping[str, str] = field(default_factory=dict)  # bank -> action hint


@dataclass(frozen=True)
class Context:
    """Where the content was seen."""

    partner: str | None = None
    chat: str | None = None


@dataclass(frozen=True)
class Reason:
    """One condition of the deciding rule that held, in words and in JSON-safe values."""

    condition: str  # "match" | "nudity" | "provenance" | "classifier"
    detail: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "detail": self.detail, "values": dict(self.values)}


@dataclass(frozen=True)
class Decision:
    action: str  # block / review / allow
    rule: str | None  # the deciding rule; None when the default applied
    reasons: tuple[Reason, ...] = ()
    fired: tuple[str, ...] = ()  # every rule that held, in evaluation order
    description: str | None = None  # the deciding rule's description
    scopes: tuple[str, ...] = ()  # labels of the scopes that applied

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "rule": self.rule,
            "description": self.description,
            "reasons": [reason.to_json() for reason in self.reasons],
            "fired": list(self.fired),
            "scopes": list(self.scopes),
        }

    def explain(self) -> str:
        """A few plain lines for a moderator or a log."""
        if self.rule is None:
            lines = [f"{self.action}: no rule applied, so the policy's default decides"]
        else:
            about = f" ({self.description})" if self.description else ""
            lines = [f"{self.action}: rule '{self.rule}'{about}"]
            lines += [
                f"  {'because' if index == 0 else 'and'} {reason.detail}"
                for index, reason in enumerate(self.reasons)
            ]
        others = [name for name in self.fired if name != self.rule]
        if others:
            lines.append("  also applied: " + ", ".join(others))
        if self.scopes:
            lines.append("  scopes: " + ", ".join(self.scopes))
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Policy:
    """A parsed, validated policy (see :func:`consentry.policy.parse_policy`)."""

    version: int
    rules: tuple[Rule, ...]
    thresholds: Mapping[str, float] = field(default_factory=dict)
    scopes: tuple[Scope, ...] = ()
    default: str = ALLOW
    source: str = "<policy>"
    name: str | None = None
    description: str | None = None

    def decide(self, evidence: Evidence, context: Context | None = None) -> Decision:
        from consentry.policy.engine import decide

        return decide(self, evidence, context or Context())

    def signals_needed(self, context: Context | None = None) -> set[str]:
        """Inspector names the rules that may apply in ``context`` refer to.

        Scopes selected by bank are counted as if they applied (the matches are not known
        before the inspectors run), but their ``disable`` lists are not.
        """
        from consentry.policy.engine import signals_needed

        return signals_needed(self, context or Context())

    def rule(self, name: str) -> Rule:
        for rule in self.all_rules():
            if rule.name == name:
                return rule
        raise KeyError(name)

    def all_rules(self) -> tuple[Rule, ...]:
        """Top-level rules, then every scope's rules, in file order."""
        return self.rules + tuple(rule for scope in self.scopes for rule in scope.rules)
