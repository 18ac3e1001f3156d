"""One file in, one explained decision out: the pipeline every client shares.

    assessor = Assessor(match=live.match_fingerprint, policy=default_policy(),
                        bank_actions=live.bank_action)
    result = assessor.assess(data, signals=("nudity",), context=Context(chat="-100123"))
    result.decision.action   # "block" | "review" | "allow", with result.decision.explain()

Steps, all in memory: fingerprint (``consentry.signals.fingerprint``) -> matches against
the banks (any matcher: the live index, a snapshot ``Matcher``, a mirror) -> the
inspectors asked for plus those the policy needs for this context -> the policy's
decision. The match API, ``consentry scan``, ``consentry policy explain``, the Telegram
bot and the investigator all call this rather than wiring the steps themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from consentry.matching.result import Match
from consentry.policy import Context, Decision, Evidence, Policy
from consentry.signals import FileFingerprint, fingerprint
from consentry.signals.findings import Finding, Inspector
from consentry.signals.inspectors import (
    InspectorOptions,
    build_inspectors,
    run_inspectors,
    subject_of,
)

if TYPE_CHECKING:
    from consentry.store import Store

MatchFunction = Callable[[FileFingerprint], list[Match]]


def store_bank_actions(store: Store) -> Callable[[str], str]:
    """Each bank's action hint as the store holds it now ("block" for an unknown bank)."""
    actions = {bank.name: bank.action for bank in store.list_banks()}
    return lambda name: actions.get(name, "block")


@dataclass
class Assessment:
    fingerprint: FileFingerprint
    matches: list[Match] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    decision: Decision | None = None

    def to_json(self) -> dict[str, Any]:
        summary = self.fingerprint.to_json()
        summary.pop("path", None)
        return {
            "fingerprint": summary,
            "matches": [m.to_json() for m in self.matches],
            "findings": [f.to_json() for f in self.findings],
            "decision": None if self.decision is None else self.decision.to_json(),
        }


class Assessor:
    """Fingerprint, match, inspect and decide. ``policy=None``: no decision is made."""

    def __init__(
        self,
        *,
        match: MatchFunction | None = None,
        policy: Policy | None = None,
        bank_actions: Callable[[str], str] | None = None,
        inspector_options: InspectorOptions = InspectorOptions(),
        needs_regions: Callable[[], bool] | None = None,
    ) -> None:
        self.match = match
        self.policy = policy
        self.bank_actions = bank_actions or (lambda _bank: "block")
        self.inspector_options = inspector_options
        # Whether the banks hold protected photos: queries then need their regions.
        self.needs_regions = needs_regions or (lambda: False)

    def inspectors_for(
        self, signals: Iterable[str], context: Context, *, decide: bool = True
    ) -> list[Inspector]:
        """The inspectors asked for, plus those the policy refers to in this context."""
        names = list(signals)
        if decide and self.policy is not None:
            names += sorted(self.policy.signals_needed(context))
        return build_inspectors(dict.fromkeys(names), self.inspector_options)

    def assess(
        self,
        data: bytes,
        *,
        signals: Sequence[str] = (),
        context: Context = Context(),
        decide: bool = True,
    ) -> Assessment:
        """Never raises for bad media: ``fingerprint.error`` says what went wrong, and
        whatever could still be decided (a digest match, say) is decided. ``decide=False``:
        no decision, and only the signals asked for run."""
        inspectors = self.inspectors_for(signals, context, decide=decide)
        fp = fingerprint(data, regions="query" if self.needs_regions() else None)
        matches = self._matches(fp)
        findings = run_inspectors(inspectors, subject_of(data)) if inspectors else []
        decision = self.decide(matches, findings, context) if decide else None
        return Assessment(fp, matches, findings, decision)

    def decide(
        self, matches: Sequence[Match], findings: Sequence[Finding], context: Context
    ) -> Decision | None:
        if self.policy is None:
            return None
        actions = {m.bank: self.bank_actions(m.bank) for m in matches}
        return self.policy.decide(Evidence(list(matches), list(findings), actions), context)

    def _matches(self, fp: FileFingerprint) -> list[Match]:
        if self.match is None or not (fp.pdq or fp.md5 or fp.sha256 or fp.vpdq):
            return []
        return list(self.match(fp))
