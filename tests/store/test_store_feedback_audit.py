"""Feedback counters, the bank action hint, and the append-only audit log."""

from __future__ import annotations

import pytest

from consentry import audit
from consentry.partners import Partners
from consentry.store import ACTIONS, AuditError, Store, StoreError


@pytest.fixture
def entry(db_store: Store) -> int:
    db_store.create_bank("b")
    Partners(db_store).create("plat", ["feedback"])
    return db_store.add_entry("b", [("md5", "0" * 32)])


def test_feedback_counts_on_the_entry(db_store: Store, entry: int) -> None:
    db_store.record_feedback("plat", "b", entry, "correct")
    db_store.record_feedback("plat", "b", entry, "false-positive")
    db_store.record_feedback("plat", "b", entry, "false-positive")
    view = db_store.get_entry("b", entry)
    assert (view.confirmed_count, view.false_positive_count) == (1, 2)
    assert view.to_json()["false_positive_count"] == 2
    events = [e for e in db_store.iter_audit() if e.action == "feedback"]
    assert [e.actor for e in events] == ["partner:plat"] * 3
    assert events[0].details == {"entry": entry, "verdict": "correct"}


@pytest.mark.parametrize(
    ("partner", "bank", "entry_id", "verdict", "code"),
    [
        ("plat", "b", None, "maybe", "invalid-verdict"),
        ("plat", "b", None, "", "invalid-verdict"),
        ("plat", "b", None, None, "invalid-verdict"),
        ("nobody", "b", None, "correct", "unknown-partner"),
        ("plat", "nope", None, "correct", "unknown-bank"),
        ("plat", "b", 10**9, "correct", "unknown-entry"),
        ("plat", "b", -1, "correct", "unknown-entry"),
        ("plat", "b", "1", "correct", "unknown-entry"),
    ],
)
def test_broken_feedback(
    db_store: Store,
    entry: int,
    partner: str,
    bank: str,
    entry_id: object,
    verdict: object,
    code: str,
) -> None:
    with pytest.raises(StoreError) as info:
        db_store.record_feedback(partner, bank, entry if entry_id is None else entry_id, verdict)  # type: ignore[arg-type]
    assert info.value.code == code
    view = db_store.get_entry("b", entry)
    assert (view.confirmed_count, view.false_positive_count) == (0, 0)


def test_bank_action_hint(db_store: Store) -> None:
    assert db_store.create_bank("r", action="review").action == "review"
    assert db_store.update_bank("r", action="allow").action == "allow"
    assert db_store.get_bank("r").to_json()["action"] == "allow"
    for bad in ("BLOCK", "", 1):
        with pytest.raises(StoreError) as info:
            db_store.update_bank("r", action=bad)  # type: ignore[arg-type]
        assert info.value.code == "invalid-action"
    with pytest.raises(StoreError):
        db_store.create_bank("s", action="drop")
    assert [b.name for b in db_store.list_banks()] == ["r"]


def test_bank_and_entry_operations_are_audited(db_store: Store) -> None:
    db_store.create_bank("b", actor="partner:admin1")
    entry = db_store.add_entry("b", [("md5", "0" * 32)])
    db_store.update_bank("b", radius=10, description="private words")
    db_store.set_entry_suspended("b", entry, True, actor="system")
    db_store.remove_entry("b", entry)
    db_store.delete_bank("b")
    events = db_store.iter_audit()
    assert [(e.actor, e.action) for e in events] == [
        ("partner:admin1", "bank.created"),
        ("cli", "entry.added"),
        ("cli", "bank.changed"),
        ("system", "entry.suspended"),
        ("cli", "entry.removed"),
        ("cli", "bank.deleted"),
    ]
    assert events[2].details == {"radius": 10, "description_changed": True}
    assert all(e.subject == "b" for e in events)
    ids = [e.id for e in events]
    assert ids == sorted(ids)
    assert db_store.iter_audit(after_id=ids[1], limit=2) == events[2:4]


def test_large_additions_are_summarised(db_store: Store) -> None:
    from consentry.store import NewEntry

    db_store.create_bank("b")
    ids = db_store.add_entries("b", [NewEntry([("md5", f"{n:032x}")]) for n in range(50)])
    event = db_store.iter_audit()[-1]
    assert event.details == {"count": 50, "first": ids[0], "last": ids[-1]}


def test_record_inside_and_outside_a_transaction(db_store: Store) -> None:
    audit.record(db_store, "system", "bank.changed", "x", {"why": "test"})
    with db_store.writing() as session:
        audit.record(session, "cli", "partner.revoked", "p", {})
    with pytest.raises(RuntimeError), db_store.writing() as session:
        audit.record(session, "cli", "partner.revoked", "rolled-back", {})
        raise RuntimeError("abort")
    events = audit.iter_audit(db_store)
    assert [(e.subject, e.details) for e in events] == [("x", {"why": "test"}), ("p", {})]
    assert events[0].to_json()["details"] == {"why": "test"}


@pytest.mark.parametrize(
    ("actor", "action", "subject", "details"),
    [
        ("cli", "bank.renamed", "x", {}),
        ("", "bank.changed", "x", {}),
        ("x" * 200, "bank.changed", "x", {}),
        (None, "bank.changed", "x", {}),
        ("cli", "bank.changed", None, {}),
        ("cli", "bank.changed", "x", {"secret": "s"}),
        ("cli", "bank.changed", "x", {"case_secret": "s"}),
        ("cli", "bank.changed", "x", {"key": "cs_..."}),
        ("cli", "bank.changed", "x", {"key_hash": "ab"}),
        ("cli", "bank.changed", "x", {"media": "..."}),
        ("cli", "bank.changed", "x", {"when": object()}),
        ("cli", "bank.changed", "x", {"big": "y" * 10_000}),
    ],
)
def test_refused_audit_events(
    db_store: Store, actor: object, action: str, subject: object, details: dict[str, object]
) -> None:
    with pytest.raises(AuditError):
        audit.record(db_store, actor, action, subject, details)  # type: ignore[arg-type]
    assert db_store.iter_audit() == []


def test_the_audit_log_has_no_update_or_delete_api() -> None:
    names = [n for n in dir(Store) if "audit" in n]
    assert sorted(names) == ["iter_audit", "record_audit"]
    assert "feedback" in ACTIONS and len(ACTIONS) == len(set(ACTIONS))
