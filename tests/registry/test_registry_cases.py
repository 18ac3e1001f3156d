"""Cases: registration, status, additions, withdrawal that really deletes, lockout."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from consentry.cases import (
    CASE_ERROR_STATUS,
    CASE_FINGERPRINT_TYPES,
    CaseError,
    CaseReceipt,
    Cases,
)
from consentry.store import Store

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
VPDQ = f"0,100,0.000,{PDQ};1,98,1.000,{PDQ}"


@pytest.fixture
def cases(db_store: Store) -> Cases:
    return Cases(db_store, max_fingerprints=5, max_failures=3)


@pytest.fixture
def receipt(cases: Cases) -> CaseReceipt:
    return cases.create(
        [{"type": "pdq", "value": PDQ.upper(), "label": "intimate"}, {"type": "md5", "value": MD5}]
    )


def count(store: Store, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def code_of(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(CaseError) as info:
        call(*args)
    return info.value.code


def test_create_makes_a_case_in_its_own_bank(cases: Cases, receipt: CaseReceipt) -> None:
    assert receipt.case_id.startswith("c_") and len(receipt.case_id) == 24
    assert len(receipt.secret) == 43 and receipt.secret not in repr(receipt)
    bank = cases.store.get_bank("cases")
    assert (bank.kind, bank.radius, bank.action, bank.entry_count) == ("ncii", 31, "block", 2)
    entries = list(cases.store.iter_entries("cases"))
    assert [e.fingerprints for e in entries] == [[("pdq", PDQ)], [("md5", MD5)]]
    assert [e.label for e in entries] == ["intimate", None]
    assert {e.case_id for e in entries} == {receipt.case_id}
    assert all("case_id" not in e.to_json() for e in entries)
    assert [c.op for c in cases.store.changes_since(0)] == ["add", "add"]


def test_status(cases: Cases, receipt: CaseReceipt) -> None:
    status = cases.status(receipt.case_id, receipt.secret)
    assert (status.case_id, status.status, status.fingerprint_count) == (
        receipt.case_id,
        "active",
        2,
    )
    assert status.to_json()["created_at"] == status.created_at.isoformat()
    assert status.created_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_only_a_hash_of_the_secret_is_stored(cases: Cases, receipt: CaseReceipt) -> None:
    with cases.store.engine.connect() as connection:
        dump = repr(connection.execute(text("SELECT * FROM cases")).all())
        dump += repr(connection.execute(text("SELECT * FROM audit")).all())
    assert receipt.secret not in dump and "scrypt$" in dump


def test_add_deduplicates_and_logs(cases: Cases, receipt: CaseReceipt) -> None:
    before = cases.store.last_change_seq()
    status = cases.add(
        receipt.case_id,
        receipt.secret,
        [
            {"type": "md5", "value": MD5.upper()},  # already in the case
            {"type": "sha256", "value": SHA},
            {"type": "vpdq", "value": VPDQ, "label": "fake-of-me"},
        ],
    )
    assert status.fingerprint_count == 4
    assert [c.op for c in cases.store.changes_since(before)] == ["add", "add"]
    actions = [e.action for e in cases.store.iter_audit()]
    assert actions[-1] == "case.extended"
    assert set(CASE_FINGERPRINT_TYPES) == {"pdq", "md5", "sha256", "vpdq", "regions"}


def test_cap_on_fingerprints(cases: Cases, receipt: CaseReceipt) -> None:
    more = [{"type": "md5", "value": f"{n:032x}"} for n in range(4)]
    assert code_of(cases.add, receipt.case_id, receipt.secret, more) == "too-many-fingerprints"
    assert cases.status(receipt.case_id, receipt.secret).fingerprint_count == 2
    six = [{"type": "md5", "value": f"{n:032x}"} for n in range(6)]
    assert code_of(cases.create, six) == "too-many-fingerprints"
    assert cases.create(six[:5] + six[:5]).case_id  # duplicates do not count twice
    assert CASE_ERROR_STATUS["too-many-fingerprints"] == 422


def test_withdrawal_really_deletes(cases: Cases, receipt: CaseReceipt) -> None:
    other = cases.create([{"type": "sha256", "value": SHA}])
    before = cases.store.last_change_seq()
    status = cases.withdraw(receipt.case_id, receipt.secret)
    assert (status.status, status.fingerprint_count) == ("withdrawn", 0)
    assert [c.op for c in cases.store.changes_since(before)] == ["remove", "remove"]
    store = cases.store
    assert count(store, "fingerprints") == 1 and count(store, "entries") == 1
    assert store.find_fingerprint("cases", "pdq", PDQ) == []
    # the other case is untouched; the withdrawn one still answers, and stays withdrawn
    assert cases.status(other.case_id, other.secret).fingerprint_count == 1
    assert cases.status(receipt.case_id, receipt.secret).status == "withdrawn"
    assert cases.withdraw(receipt.case_id, receipt.secret).status == "withdrawn"
    adding = [{"type": "md5", "value": MD5}]
    assert code_of(cases.add, receipt.case_id, receipt.secret, adding) == "case-withdrawn"
    assert [e.action for e in store.iter_audit()].count("case.withdrawn") == 1


def test_wrong_secret_and_unknown_case_look_the_same(cases: Cases, receipt: CaseReceipt) -> None:
    cases = Cases(cases.store, max_failures=10)
    wrong = code_of(cases.status, receipt.case_id, "not-the-secret")
    unknown = code_of(cases.status, "c_" + "A" * 22, receipt.secret)
    odd = [code_of(cases.status, case_id, receipt.secret) for case_id in ("", "x", None, 5)]
    assert wrong == unknown == "case-not-found"
    assert set(odd) == {"case-not-found"}
    assert code_of(cases.status, receipt.case_id, None) == "case-not-found"
    with pytest.raises(CaseError) as info:
        cases.withdraw(receipt.case_id, receipt.secret[:-1])
    assert str(info.value) == "no case with this id and secret"
    assert info.value.http_status == 404
    assert cases.status(receipt.case_id, receipt.secret).fingerprint_count == 2


def test_lockout_after_repeated_wrong_secrets(cases: Cases, receipt: CaseReceipt) -> None:
    for _ in range(2):
        assert code_of(cases.status, receipt.case_id, "wrong") == "case-not-found"
    cases.status(receipt.case_id, receipt.secret)  # a success resets the count
    for _ in range(3):
        assert code_of(cases.status, receipt.case_id, "wrong") == "case-not-found"
    with pytest.raises(CaseError) as info:
        cases.status(receipt.case_id, receipt.secret)  # even the right secret now
    assert info.value.code == "case-locked" and info.value.http_status == 429
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 901
    assert code_of(cases.withdraw, receipt.case_id, receipt.secret) == "case-locked"
    assert count(cases.store, "entries") == 2


def test_a_lock_expires(db_store: Store) -> None:
    cases = Cases(db_store, max_failures=1, lock_seconds=0)
    receipt = cases.create([{"type": "md5", "value": MD5}])
    assert code_of(cases.status, receipt.case_id, "wrong") == "case-not-found"
    assert cases.status(receipt.case_id, receipt.secret).status == "active"


@pytest.mark.parametrize(
    "fingerprints",
    [
        [],
        None,
        "pdq",
        {"type": "pdq", "value": PDQ},
        [None],
        ["pdq " + PDQ],
        [{"type": "pdq"}],
        [{"value": PDQ}],
        [{"type": "pdq", "value": PDQ[:-1]}],
        [{"type": "pdq", "value": "z" * 64}],
        [{"type": "pdq", "value": 5}],
        [{"type": "md5", "value": MD5 + "0"}],
        [{"type": "sha256", "value": MD5}],
        [{"type": "vpdq", "value": "garbage"}],
        [{"type": "photo", "value": PDQ}],
        [{"type": "PDQ ", "value": PDQ, "label": "other"}, {"type": None, "value": PDQ}],
        [{"type": "pdq", "value": PDQ, "label": "nude"}],
        [{"type": "pdq", "value": PDQ, "label": 3}],
        [{"type": "pdq", "value": PDQ, "image": "aGVsbG8="}],
        [{"type": "md5", "value": MD5}, {"type": "md5", "value": "x"}],
    ],
)
def test_broken_registrations_are_refused_whole(cases: Cases, fingerprints: object) -> None:
    with pytest.raises(CaseError) as info:
        cases.create(fingerprints)  # type: ignore[arg-type]
    assert info.value.code == "invalid-fingerprint"
    assert info.value.http_status == 422
    assert count(cases.store, "cases") == 0 and count(cases.store, "entries") == 0


def test_broken_additions_change_nothing(cases: Cases, receipt: CaseReceipt) -> None:
    broken = [{"type": "sha256", "value": SHA}, {"type": "pdq", "value": "nope"}]
    assert code_of(cases.add, receipt.case_id, receipt.secret, broken) == "invalid-fingerprint"
    assert cases.status(receipt.case_id, receipt.secret).fingerprint_count == 2


def test_an_existing_bank_of_that_name_is_used(db_store: Store) -> None:
    db_store.create_bank("people", radius=12)
    cases = Cases(db_store, bank="people")
    cases.create([{"type": "md5", "value": MD5}])
    assert db_store.get_bank("people").radius == 12
    assert db_store.get_bank("people").entry_count == 1


def test_audit_names_the_case_not_the_content(cases: Cases, receipt: CaseReceipt) -> None:
    cases.withdraw(receipt.case_id, receipt.secret)
    events = [e for e in cases.store.iter_audit() if e.action.startswith("case.")]
    assert [(e.actor, e.action, e.subject) for e in events] == [
        (f"case:{receipt.case_id}", "case.created", receipt.case_id),
        (f"case:{receipt.case_id}", "case.withdrawn", receipt.case_id),
    ]
    assert events[0].details == {"fingerprints": 2}
    dumped = repr([e.details for e in cases.store.iter_audit()])
    assert PDQ not in dumped and MD5 not in dumped
