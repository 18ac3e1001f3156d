from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consentry.errors import ConsentryError
from consentry.store import Store, StoreError


def test_create_bank_with_defaults(store: Store) -> None:
    bank = store.create_bank("survivors")
    assert bank.name == "survivors"
    assert bank.kind == "ncii"
    assert bank.radius == 31
    assert bank.enabled is True
    assert bank.entry_count == 0
    assert bank.description is None
    assert bank.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - bank.created_at).total_seconds()) < 60


def test_create_bank_with_settings(store: Store) -> None:
    bank = store.create_bank("strict", radius=0, description="exact only", enabled=False)
    assert (bank.radius, bank.description, bank.enabled) == (0, "exact only", False)
    assert store.get_bank("strict") == bank


def test_list_banks_sorted_with_entry_counts(store: Store) -> None:
    store.create_bank("b-bank")
    store.create_bank("a-bank")
    store.add_entry("b-bank", [("md5", "0" * 32)])
    store.add_entry("b-bank", [("md5", "1" * 32)])
    banks = store.list_banks()
    assert [b.name for b in banks] == ["a-bank", "b-bank"]
    assert [b.entry_count for b in banks] == [0, 2]


def test_list_banks_empty(store: Store) -> None:
    assert store.list_banks() == []


def test_delete_bank(store: Store) -> None:
    store.create_bank("gone")
    store.delete_bank("gone")
    assert store.list_banks() == []
    with pytest.raises(StoreError) as info:
        store.get_bank("gone")
    assert info.value.code == "unknown-bank"


def test_bank_exists(store: Store) -> None:
    store.create_bank("dup")
    with pytest.raises(StoreError) as info:
        store.create_bank("dup", radius=10)
    assert info.value.code == "bank-exists"
    assert "dup" in info.value.message
    assert store.get_bank("dup").radius == 31


@pytest.mark.parametrize("call", ["get_bank", "delete_bank", "iter_entries", "update_bank"])
def test_unknown_bank(store: Store, call: str) -> None:
    with pytest.raises(StoreError) as info:
        result = getattr(store, call)("nope")
        if call == "iter_entries":
            next(result)
    assert info.value.code == "unknown-bank"
    assert info.value.to_dict() == {"code": "unknown-bank", "message": "no bank named 'nope'"}


def test_unknown_bank_on_add(store: Store) -> None:
    with pytest.raises(StoreError) as info:
        store.add_entry("nope", [("md5", "0" * 32)])
    assert info.value.code == "unknown-bank"


@pytest.mark.parametrize(
    "name", ["", " ", "a b", "-leading-dash", ".hidden", "x" * 65, "naïve", "a/b", "a\nb", None, 7]
)
def test_invalid_bank_name(store: Store, name: object) -> None:
    with pytest.raises(StoreError) as info:
        store.create_bank(name)  # type: ignore[arg-type]
    assert info.value.code == "invalid-bank-name"
    assert store.list_banks() == []


@pytest.mark.parametrize("name", ["a", "A1", "partner_2024.v2", "x" * 64, "0-start"])
def test_valid_bank_names(store: Store, name: str) -> None:
    assert store.create_bank(name).name == name


@pytest.mark.parametrize("radius", [-1, 257, 1.5, "31", None, True])
def test_invalid_radius(store: Store, radius: object) -> None:
    with pytest.raises(StoreError) as info:
        store.create_bank("r", radius=radius)  # type: ignore[arg-type]
    assert info.value.code == "invalid-radius"


@pytest.mark.parametrize("radius", [0, 31, 256])
def test_radius_bounds_accepted(store: Store, radius: int) -> None:
    assert store.create_bank(f"r{radius}", radius=radius).radius == radius


@pytest.mark.parametrize("kind", ["", "NCII", "Protected", "protect", "csam", None])
def test_invalid_kind(store: Store, kind: object) -> None:
    with pytest.raises(StoreError) as info:
        store.create_bank("k", kind=kind)  # type: ignore[arg-type]
    assert info.value.code == "invalid-kind"
    assert info.value.message.endswith("expected one of ncii, protected")


def test_create_protected_bank(store: Store) -> None:
    bank = store.create_bank("my-photos", kind="protected", description="posted photos")
    assert bank.kind == "protected"
    assert store.get_bank("my-photos") == bank
    assert {b.name: b.kind for b in store.list_banks()} == {"my-photos": "protected"}


def test_update_bank(store: Store) -> None:
    before = store.create_bank("u")
    after = store.update_bank("u", radius=12, enabled=False, description="tightened")
    assert (after.radius, after.enabled, after.description) == (12, False, "tightened")
    assert after.generation > before.generation
    with pytest.raises(StoreError) as info:
        store.update_bank("u", radius=300)
    assert info.value.code == "invalid-radius"


def test_store_errors_are_consentry_errors(store: Store) -> None:
    with pytest.raises(ConsentryError):
        store.get_bank("missing")
