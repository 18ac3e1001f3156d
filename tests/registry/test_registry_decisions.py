"""Decisions: recorded with their signals and explanation, listed, reviewed; never media."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from consentry.decisions import DecisionError, DecisionFilter, Decisions
from consentry.partners import Partners
from consentry.store import Store
from consentry.store.models import AuditRow, DecisionRow


@dataclass(frozen=True)
class FakeDecision:
    action: str
    rule: str | None = "some-rule"
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "rule": self.rule, "reasons": self.reasons}


MATCH = {"bank": "cases", "entry": 7, "label": "intimate", "distance": 3, "signal": "pdq"}
FINDING = {"signal": "nudity", "source": "opennsfw", "score": 0.12}


def test_record_and_get_round_trip(db_store: Store) -> None:
    Partners(db_store).create("acme", ["match"])
    decisions = Decisions(db_store)
    decision_id = decisions.record(
        FakeDecision("block", reasons=[{"condition": "match"}]),
        source="api",
        matches=[MATCH],
        findings=[FINDING],
        partner="acme",
        chat="-100123",
        reference="https://t.me/c/123/45",
        sha256="a" * 64,
        pdq="f" * 64,
    )
    record = decisions.get(decision_id)
    assert record.action == "block" and record.rule == "some-rule"
    assert record.partner == "acme" and record.chat == "-100123"
    assert record.banks == ("cases",)
    assert record.details["matches"] == [MATCH] and record.details["findings"] == [FINDING]
    assert record.details["decision"]["reasons"] == [{"condition": "match"}]
    assert record.review is None
    out = record.to_json()
    assert out["action"] == "block" and out["matches"] == [MATCH]
    json.dumps(out)  # plain JSON all the way down


def test_review_decisions_wait_as_pending_and_take_one_verdict(db_store: Store) -> None:
    decisions = Decisions(db_store)
    pending = decisions.record(FakeDecision("review"), source="bot", matches=[MATCH])
    allowed = decisions.record(FakeDecision("allow", rule=None), source="bot")
    assert decisions.get(pending).review == "pending"
    assert decisions.get(allowed).review is None
    listed = decisions.list(DecisionFilter(review="pending"))
    assert [r.id for r in listed] == [pending]
    reviewed = decisions.review(pending, "rejected", "moderator-1")
    assert reviewed.review == "rejected" and reviewed.reviewed_by == "moderator-1"
    assert reviewed.reviewed_at is not None
    with pytest.raises(DecisionError) as caught:
        decisions.review(pending, "approved", "moderator-2")
    assert caught.value.code == "not-pending"
    with pytest.raises(DecisionError) as caught:
        decisions.review(allowed, "approved", "moderator-2")
    assert caught.value.code == "not-pending"
    with db_store.reading() as session:
        actions = session.scalars(select(AuditRow.action)).all()
    assert "decision.reviewed" in actions


def test_unknown_ids_verdicts_and_actions_are_refused(db_store: Store) -> None:
    decisions = Decisions(db_store)
    with pytest.raises(DecisionError) as caught:
        decisions.get(999)
    assert caught.value.code == "unknown-decision"
    with pytest.raises(DecisionError) as caught:
        decisions.review(999, "approved", "m")
    assert caught.value.code == "unknown-decision"
    decision_id = decisions.record(FakeDecision("review"), source="api")
    with pytest.raises(DecisionError):
        decisions.review(decision_id, "maybe", "m")
    with pytest.raises(DecisionError) as caught:
        decisions.record(FakeDecision("delete"), source="api")
    assert caught.value.code == "invalid-decision"


def test_list_filters_and_pages_newest_first(db_store: Store) -> None:
    decisions = Decisions(db_store)
    ids = [
        decisions.record(FakeDecision("block"), source="api", matches=[MATCH], chat="a"),
        decisions.record(FakeDecision("review"), source="api", chat="b"),
        decisions.record(
            FakeDecision("allow"), source="api", matches=[{**MATCH, "bank": "other"}], chat="a"
        ),
    ]
    assert [r.id for r in decisions.list()] == ids[::-1]
    assert [r.id for r in decisions.list(DecisionFilter(chat="a"))] == [ids[2], ids[0]]
    assert [r.id for r in decisions.list(DecisionFilter(bank="cases"))] == [ids[0]]
    assert [r.id for r in decisions.list(DecisionFilter(action="review"))] == [ids[1]]
    assert [r.id for r in decisions.list(DecisionFilter(before_id=ids[2]), limit=1)] == [ids[1]]


def test_a_deleted_partner_leaves_its_decisions(db_store: Store) -> None:
    Partners(db_store).create("gone", ["match"])
    decisions = Decisions(db_store)
    decision_id = decisions.record(FakeDecision("block"), source="api", partner="gone")
    with db_store.writing() as session:
        from consentry.store.models import PartnerRow

        session.delete(session.scalars(select(PartnerRow)).one())
    assert decisions.get(decision_id).partner is None
    with db_store.reading() as session:
        assert session.scalars(select(DecisionRow)).one().id == decision_id


def test_bank_filter_applies_before_the_limit_and_names_do_not_overlap(db_store: Store) -> None:
    decisions = Decisions(db_store)
    wanted = decisions.record(FakeDecision("block"), source="api", matches=[MATCH])
    for _ in range(3):  # newer decisions about other banks, one whose name contains "cases"
        decisions.record(
            FakeDecision("block"), source="api", matches=[{**MATCH, "bank": "old_cases"}]
        )
    found = decisions.list(DecisionFilter(bank="cases"), limit=1)
    assert [r.id for r in found] == [wanted]
    assert decisions.get(wanted).banks == ("cases",)
    assert len(decisions.list(DecisionFilter(bank="old_cases"))) == 3
    assert decisions.list(DecisionFilter(bank="cas_s")) == []  # "_" is not a wildcard


def test_a_review_with_feedback_is_one_transaction(db_store: Store) -> None:
    from consentry.store import NewEntry
    from consentry.store.errors import UnknownPartner

    db_store.create_bank("b")
    (entry,) = db_store.add_entries("b", [NewEntry(fingerprints=[("md5", "0" * 32)])])
    decisions = Decisions(db_store)
    match = {"bank": "b", "entry": entry, "signal": "md5", "distance": 0}
    gone = {"bank": "b", "entry": entry + 1000, "signal": "md5", "distance": 0}
    decision_id = decisions.record(FakeDecision("review"), source="api", matches=[match, gone])
    with pytest.raises(UnknownPartner):  # no such partner: nothing of the review stays
        decisions.review_with_feedback(decision_id, "rejected", "nobody")
    assert decisions.get(decision_id).review == "pending"
    Partners(db_store).create("mods", ["review"])
    review = decisions.review_with_feedback(decision_id, "rejected", "mods")
    assert review.decision.review == "rejected" and review.decision.reviewed_by == "mods"
    assert [(f.entry, f.verdict, f.recorded) for f in review.feedback] == [
        (entry, "false-positive", True),
        (entry + 1000, "false-positive", False),
    ]
    assert db_store.get_entry("b", entry).false_positive_count == 1
