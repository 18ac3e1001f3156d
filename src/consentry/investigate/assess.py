"""One message's media in, one ItemResult out: the investigator's use of the shared pipeline.

The worker processes fingerprint and inspect each file in memory (``FingerprintTask``, as the
scan does); matching against the banks and the policy's decision (``Assessor.decide``) run in
this process, where the banks are loaded once. Nudity and provenance always run: the report
counts likely-nude and synthetic media whatever the policy asks for.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from consentry.assessment import Assessor, store_bank_actions
from consentry.investigate.records import ExportMessage, ItemResult
from consentry.policy import Context
from consentry.scan.jobs import FingerprintTask, fingerprint_of, match_fingerprint
from consentry.signals.findings import NUDITY, PROVENANCE
from consentry.signals.inspectors import build_inspectors
from consentry.workers import Outcome

if TYPE_CHECKING:
    from consentry.matching import Matcher
    from consentry.policy import Decision, Policy
    from consentry.signals import FileFingerprint
    from consentry.store import Store

ALWAYS_SIGNALS = ("nudity", "provenance")
DEFAULT_NUDITY_THRESHOLD = 0.8
FLAGGING_ACTIONS = ("block", "review")
# Media the export lists without a usable file: "not-exported" is counted, not an error.
NOT_EXPORTED = "not-exported"


class ItemAssessor:
    """Everything an item's assessment needs, built once per investigation."""

    def __init__(self, store: Store | None, banks: list[str], policy: Policy) -> None:
        self.banks = list(dict.fromkeys(banks))
        self.policy = policy
        self.matcher = _matcher(store, self.banks)
        actions = store_bank_actions(store) if store is not None else None
        self.assessor = Assessor(policy=policy, bank_actions=actions)
        signals = tuple(dict.fromkeys([*ALWAYS_SIGNALS, *sorted(policy.signals_needed())]))
        regions = "query" if self.matcher is not None and self.matcher.has_regions else None
        self.task = FingerprintTask(sniff_first=True, signals=signals, regions=regions)

    def check_signals(self) -> None:
        """Build each inspector once here: a missing model fails before any file is read."""
        build_inspectors(self.task.signals)

    @property
    def nudity_threshold(self) -> float:
        return float(self.policy.thresholds.get("nudity", DEFAULT_NUDITY_THRESHOLD))

    def settings(self) -> dict[str, Any]:
        """What the journal's results depend on: a change means starting over."""
        policy = hashlib.sha256(repr(self.policy).encode()).hexdigest()[:16]
        return {"banks": sorted(self.banks), "policy": policy}

    def finish(self, message: ExportMessage, outcome: Outcome[str, Any]) -> ItemResult:
        """Match and decide on what a worker computed for ``message``'s file."""
        fp = fingerprint_of(outcome.item, outcome)
        matches = match_fingerprint(self.matcher, fp)
        decision = None
        if fp.kind is not None or matches:
            decision = self.assessor.decide(matches, list(fp.findings or []), _context(message))
        return item_result(message, fp, [m.to_json() for m in matches], decision)

    def known_in_banks(self, sha256: str, message: ExportMessage) -> ItemResult | None:
        """The answer for a file the banks hold by SHA-256, without opening it; else None."""
        if self.matcher is None:
            return None
        from consentry.signals import FileFingerprint

        fp = FileFingerprint(sha256=sha256)
        matches = self.matcher.match(fp)
        if not matches:
            return None
        decision = self.assessor.decide(matches, [], _context(message))
        return item_result(message, fp, [m.to_json() for m in matches], decision)


def item_result(
    message: ExportMessage,
    fp: FileFingerprint,
    matches: list[dict[str, Any]],
    decision: Decision | None,
) -> ItemResult:
    findings = list(fp.findings or [])
    scores = [f.score for f in findings if f.signal == NUDITY and f.score is not None]
    action = decision.action if decision is not None else None
    return ItemResult(
        identity=message.identity,
        sha256=fp.sha256,
        md5=fp.md5,
        pdq=fp.pdq,
        pdq_quality=fp.quality,
        vpdq_frames=None if fp.vpdq is None else len(fp.vpdq),
        matches=matches,
        findings=[f.to_json() for f in findings],
        decision=None if decision is None else decision.to_json(),
        nudity=max(scores) if scores else None,
        synthetic=any(f.signal == PROVENANCE and f.ai_generated for f in findings),
        flagged=action in FLAGGING_ACTIONS or bool(matches),
        error=None if fp.error is None else f"{fp.error.code}: {_without_path(fp)}",
    )


def problem_item(message: ExportMessage) -> ItemResult | None:
    """The error item for media whose file was refused or is missing; None when the export
    simply left it out."""
    media = message.media
    if media is None or media.problem in (None, NOT_EXPORTED):
        return None
    shown = media.relative or "(no path)"
    return ItemResult(identity=message.identity, error=f"{media.problem}: {shown!r} not opened")


def _without_path(fp: FileFingerprint) -> str:
    """The error message without the absolute path of the file (the evidence names the
    message, and the path would point into the investigator's own disk)."""
    assert fp.error is not None
    text = fp.error.message
    if fp.path:
        text = text.replace(f"{fp.path}: ", "").replace(fp.path, "the file")
    return text


def _context(message: ExportMessage) -> Context:
    return Context(chat=str(message.chat_id))


def _matcher(store: Store | None, banks: list[str]) -> Matcher | None:
    if store is None or not banks:
        return None
    from consentry.matching import Matcher

    return Matcher(store, banks)
