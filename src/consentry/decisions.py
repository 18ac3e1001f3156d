"""Decisions: what the policy decided about a piece of content, kept with its explanation.

Every client that applies a policy to content it was shown (the match API, the Telegram
bot, the investigator, ``consentry scan``) can record the outcome here: the fingerprints,
the matches, the signals (findings) and the decision with the rule and the reasons. The
media itself is never stored. Decisions sent to review wait as "pending" until a
moderator approves (the decision stands) or rejects them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select

from consentry.errors import ConsentryError
from consentry.store import Store
from consentry.store.audit_log import write_audit
from consentry.store.errors import UnknownBank, UnknownEntry
from consentry.store.models import DecisionRow, PartnerRow
from consentry.store.store import add_feedback

# consentry.policy.ACTIONS, and the decisions table's CHECK constraint; not imported from
# the policy package, which would load the signal kernels into every store user.
ACTIONS = ("block", "review", "allow")
VERDICTS = ("approved", "rejected")
# A review verdict is also feedback on each entry the decision matched.
FEEDBACK_FOR_VERDICT = {"approved": "correct", "rejected": "false-positive"}
MAX_LIST = 1000


class DecisionError(ConsentryError):
    """Codes: unknown-decision, not-pending, invalid-decision."""

    code = "decision-error"


class PolicyDecision(Protocol):
    """What :func:`Decisions.record` needs of a policy decision (``consentry.policy``)."""

    action: str
    rule: str | None

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    at: datetime
    source: str
    partner: str | None
    chat: str | None
    reference: str | None
    sha256: str | None
    pdq: str | None
    action: str
    rule: str | None
    banks: tuple[str, ...]
    details: Mapping[str, Any]
    review: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "source": self.source,
            "partner": self.partner,
            "chat": self.chat,
            "reference": self.reference,
            "sha256": self.sha256,
            "pdq": self.pdq,
            "action": self.action,
            "rule": self.rule,
            "banks": list(self.banks),
            **self.details,
            "review": self.review,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
        }


@dataclass(frozen=True)
class DecisionFilter:
    review: str | None = None  # "pending", "approved", "rejected"
    action: str | None = None
    bank: str | None = None
    chat: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None  # paging: only decisions older than this id


@dataclass(frozen=True)
class FeedbackPosted:
    bank: str
    entry: int
    verdict: str  # "correct" | "false-positive"
    recorded: bool  # False: the entry (or its bank) was removed since the decision


@dataclass(frozen=True)
class Review:
    decision: DecisionRecord
    feedback: tuple[FeedbackPosted, ...]


class Decisions:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        decision: PolicyDecision,
        *,
        source: str,
        matches: Sequence[Mapping[str, Any]] = (),
        findings: Sequence[Mapping[str, Any]] = (),
        partner: str | None = None,
        chat: str | None = None,
        reference: str | None = None,
        sha256: str | None = None,
        pdq: str | None = None,
    ) -> int:
        """Store one decision (matches and findings as their JSON forms); returns its id."""
        if decision.action not in ACTIONS:
            raise DecisionError(f"unknown decision {decision.action!r}", code="invalid-decision")
        details = {
            "decision": decision.to_json(),
            "matches": list(matches),
            "findings": list(findings),
        }
        banks = sorted({str(m["bank"]) for m in matches if "bank" in m})
        with self.store.writing() as session:
            partner_id = _partner_id(session, partner)
            row = DecisionRow(
                at=datetime.now(UTC),
                source=source[:32],
                partner_id=partner_id,
                chat=_clip(chat, 128),
                reference=_clip(reference, 512),
                sha256=sha256,
                pdq=pdq,
                action=decision.action,
                rule=_clip(decision.rule, 128),
                banks=_banks_text(banks),
                details=json.dumps(details, sort_keys=True, separators=(",", ":")),
                review="pending" if decision.action == "review" else None,
            )
            session.add(row)
            session.flush()
            return int(row.id)

    def get(self, decision_id: int) -> DecisionRecord:
        with self.store.reading() as session:
            row = session.get(DecisionRow, decision_id)
            if row is None:
                raise DecisionError(f"no decision {decision_id}", code="unknown-decision")
            return _record(row, _partner_names(session))

    def list(
        self, where: DecisionFilter = DecisionFilter(), limit: int = 100
    ) -> list[DecisionRecord]:
        """Newest first, at most ``limit`` (<= 1000)."""
        query = select(DecisionRow).order_by(DecisionRow.id.desc()).limit(min(limit, MAX_LIST))
        if where.review is not None:
            query = query.where(DecisionRow.review == where.review)
        if where.action is not None:
            query = query.where(DecisionRow.action == where.action)
        if where.chat is not None:
            query = query.where(DecisionRow.chat == where.chat)
        if where.since is not None:
            query = query.where(DecisionRow.at >= where.since)
        if where.until is not None:
            query = query.where(DecisionRow.at < where.until)
        if where.before_id is not None:
            query = query.where(DecisionRow.id < where.before_id)
        if where.bank is not None:  # in SQL, so the limit counts only matching decisions
            query = query.where(
                DecisionRow.banks.contains(_banks_text([where.bank]), autoescape=True)
            )
        with self.store.reading() as session:
            names = _partner_names(session)
            return [_record(row, names) for row in session.scalars(query).all()]

    def review(self, decision_id: int, verdict: str, reviewer: str) -> DecisionRecord:
        """A moderator's verdict on a pending decision: "approved" or "rejected"."""
        return self._review(decision_id, verdict, reviewer, partner=None).decision

    def review_with_feedback(self, decision_id: int, verdict: str, partner: str) -> Review:
        """A partner's moderator reviews a decision; the verdict is also that partner's feedback
        on every entry the decision matched (approved: "correct", rejected: "false-positive"),
        all in one transaction, so a verdict never stands without its feedback."""
        return self._review(decision_id, verdict, partner, partner=partner)

    def post_feedback(
        self, record: DecisionRecord, verdict: str, partner: str
    ) -> tuple[FeedbackPosted, ...]:
        """``verdict`` ("approved" | "rejected") as ``partner``'s feedback on every entry
        ``record`` matched, in one transaction, without reviewing it (it was not sent to
        review, or was reviewed elsewhere)."""
        with self.store.writing() as session:
            return _post_feedback(session, record, verdict, partner)

    def _review(
        self, decision_id: int, verdict: str, reviewer: str, *, partner: str | None
    ) -> Review:
        if verdict not in VERDICTS:
            raise DecisionError(f"a review verdict is one of {', '.join(VERDICTS)}")
        with self.store.writing() as session:
            row = session.get(DecisionRow, decision_id)
            if row is None:
                raise DecisionError(f"no decision {decision_id}", code="unknown-decision")
            if row.review != "pending":
                raise DecisionError(
                    f"decision {decision_id} is not waiting for review", code="not-pending"
                )
            row.review = verdict
            row.reviewed_by = reviewer[:128]
            row.reviewed_at = datetime.now(UTC)
            write_audit(
                session,
                reviewer,
                "decision.reviewed",
                f"decision:{decision_id}",
                {"verdict": verdict},
            )
            record = _record(row, _partner_names(session))
            posted = () if partner is None else _post_feedback(session, record, verdict, partner)
            session.flush()
            return Review(record, posted)


def matched_entries(record: DecisionRecord) -> list[tuple[str, int]]:
    """Each (bank, entry) the decision matched, once, in the order of its matches."""
    seen: dict[tuple[str, int], None] = {}
    for match in record.details.get("matches", []):
        bank, entry = match.get("bank"), match.get("entry")
        if isinstance(bank, str) and isinstance(entry, int) and not isinstance(entry, bool):
            seen.setdefault((bank, entry), None)
    return list(seen)


def _post_feedback(
    session: Any, record: DecisionRecord, verdict: str, partner: str
) -> tuple[FeedbackPosted, ...]:
    feedback = FEEDBACK_FOR_VERDICT[verdict]
    posted = []
    for bank, entry in matched_entries(record):
        try:
            add_feedback(session, partner, bank, entry, feedback)
            recorded = True
        except (UnknownBank, UnknownEntry):  # removed since the decision: nothing to count on
            recorded = False
        posted.append(FeedbackPosted(bank, entry, feedback, recorded))
    return tuple(posted)


def _partner_id(session: Any, name: str | None) -> int | None:
    if name is None:
        return None
    return session.scalar(select(PartnerRow.id).where(PartnerRow.name == name))


def _partner_names(session: Any) -> dict[int, str]:
    return dict(session.execute(select(PartnerRow.id, PartnerRow.name)).all())


def _banks_text(banks: Sequence[str]) -> str:
    """ "|a|b|": every name between two bars, so one name is found with a LIKE."""
    return "|" + "".join(f"{bank}|" for bank in banks) if banks else ""


def _clip(text: str | None, limit: int) -> str | None:
    return None if text is None else str(text)[:limit]


def _record(row: DecisionRow, partners: Mapping[int, str]) -> DecisionRecord:
    return DecisionRecord(
        id=int(row.id),
        at=_utc(row.at),
        source=row.source,
        partner=partners.get(row.partner_id) if row.partner_id is not None else None,
        chat=row.chat,
        reference=row.reference,
        sha256=row.sha256,
        pdq=row.pdq,
        action=row.action,
        rule=row.rule,
        banks=tuple(b for b in row.banks.split("|") if b),
        details=json.loads(row.details),
        review=row.review,
        reviewed_by=row.reviewed_by,
        reviewed_at=_utc(row.reviewed_at) if row.reviewed_at else None,
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
