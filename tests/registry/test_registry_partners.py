"""Partners and their API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from consentry.partners import SCOPES, PartnerError, Partners
from consentry.store import Store


@pytest.fixture
def partners(db_store: Store) -> Partners:
    return Partners(db_store)


def test_create_and_authenticate(partners: Partners) -> None:
    issued = partners.create("plat", ["sync", "match"], rate_per_minute=60)
    assert issued.scopes == ("match", "sync")
    assert issued.to_json() == {"name": "plat", "key": issued.key, "scopes": ["match", "sync"]}
    assert issued.key not in repr(issued)
    partner = partners.authenticate(issued.key)
    assert partner is not None
    assert (partner.name, partner.rate_per_minute, partner.active) == ("plat", 60, True)
    assert partner.has_scope("match") and not partner.has_scope("admin")
    assert issued.key.startswith(f"cs_{partner.key_id}_")


def test_only_the_hash_of_the_key_is_stored(db_store: Store, partners: Partners) -> None:
    issued = partners.create("plat", ["match"])
    with db_store.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM partners")).all()
        audit_rows = connection.execute(text("SELECT details FROM audit")).all()
    dumped = repr(rows) + repr(audit_rows)
    secret_part = issued.key.rsplit("_", 1)[-1]
    assert issued.key not in dumped and secret_part[:20] not in dumped


def test_list_rotate_revoke(partners: Partners) -> None:
    first = partners.create("b-plat", ["match"])
    partners.create("a-plat", ["admin", "review"])
    assert [p.name for p in partners.list()] == ["a-plat", "b-plat"]
    rotated = partners.rotate("b-plat")
    assert partners.authenticate(first.key) is None
    assert partners.authenticate(rotated.key) is not None
    assert partners.get("b-plat").rotated_at is not None
    partners.revoke("b-plat")
    partners.revoke("b-plat")  # idempotent
    assert partners.authenticate(rotated.key) is None
    revoked = partners.get("b-plat")
    assert revoked.revoked_at is not None and not revoked.active
    assert revoked.to_json()["revoked_at"] is not None
    again = partners.rotate("b-plat")  # rotation re-enables with a new key
    assert partners.authenticate(again.key) is not None
    actions = [e.action for e in partners.store.iter_audit()]
    assert actions == [
        "partner.created",
        "partner.created",
        "partner.rotated",
        "partner.revoked",
        "partner.rotated",
    ]


def test_keys_do_not_cross_partners(partners: Partners) -> None:
    one = partners.create("one", ["match"])
    two = partners.create("two", ["match"])
    forged = one.key[:16] + two.key[16:]  # one's key id, two's secret
    assert partners.authenticate(forged) is None
    assert partners.authenticate(two.key).name == "two"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "key",
    [None, "", "Bearer x", "cs_aaaaaaaaaaaa_" + "A" * 43, "cs_" + "a" * 100, 42, b"cs_"],
)
def test_unknown_and_malformed_keys(partners: Partners, key: object) -> None:
    partners.create("plat", ["match"])
    assert partners.authenticate(key) is None


@pytest.mark.parametrize(
    ("name", "scopes", "rate", "code"),
    [
        ("plat", [], 60, "invalid-scope"),
        ("plat", ["match", "root"], 60, "invalid-scope"),
        ("plat", "match,nope", 60, "invalid-scope"),
        ("", ["match"], 60, "invalid-partner"),
        ("-x", ["match"], 60, "invalid-partner"),
        ("a b", ["match"], 60, "invalid-partner"),
        ("x" * 65, ["match"], 60, "invalid-partner"),
        (None, ["match"], 60, "invalid-partner"),
        ("plat", ["match"], 0, "invalid-partner"),
        ("plat", ["match"], -5, "invalid-partner"),
        ("plat", ["match"], True, "invalid-partner"),
        ("plat", ["match"], "60", "invalid-partner"),
    ],
)
def test_broken_partner_input(
    partners: Partners, name: object, scopes: object, rate: object, code: str
) -> None:
    with pytest.raises(PartnerError) as info:
        partners.create(name, scopes, rate_per_minute=rate)  # type: ignore[arg-type]
    assert info.value.code == code
    assert partners.list() == []


def test_scopes_from_text_and_duplicates(partners: Partners) -> None:
    issued = partners.create("plat", "feedback, match,match")
    assert issued.scopes == ("match", "feedback")
    assert set(SCOPES) == {"match", "sync", "feedback", "admin", "review"}


def test_duplicate_and_unknown_names(partners: Partners) -> None:
    partners.create("plat", ["match"])
    with pytest.raises(PartnerError) as info:
        partners.create("plat", ["sync"])
    assert info.value.code == "partner-exists"
    for call in (partners.rotate, partners.revoke, partners.get):
        with pytest.raises(PartnerError) as info:
            call("ghost")
        assert info.value.code == "unknown-partner"
