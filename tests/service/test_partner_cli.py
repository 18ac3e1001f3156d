"""``consentry partner ...`` against SQLite and PostgreSQL (``--db``)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from consentry.cli import app
from consentry.partners import Partners
from consentry.store import Store


def run(home: Path, db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--home", str(home), "partner", "--db", db_url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_partner_lifecycle(tmp_path: Path, db_url: str) -> None:
    code, out, _err = run(tmp_path, db_url, "create", "acme", "--scopes", "match,sync", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["name"] == "acme" and created["key"].startswith("cs_")

    code, out, err = run(tmp_path, db_url, "create", "acme", "--scopes", "match")
    assert code == 4 and "partner-exists" in err
    code, out, err = run(tmp_path, db_url, "create", "other", "--scopes", "match,root")
    assert code == 4 and "invalid-scope" in err

    code, out, _err = run(tmp_path, db_url, "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [p["name"] for p in listed] == ["acme"]
    assert listed[0]["scopes"] == ["match", "sync"] and listed[0]["revoked_at"] is None
    assert created["key"] not in out and listed[0]["key_id"] in created["key"]
    code, table, _err = run(tmp_path, db_url, "list")
    assert code == 0 and "acme" in table and created["key"] not in table

    code, out, _err = run(tmp_path, db_url, "rotate", "acme", "--json")
    rotated = json.loads(out)["key"]
    assert code == 0 and rotated != created["key"]
    store = Store.open_url(db_url, home=tmp_path)
    try:
        partners = Partners(store)
        assert partners.authenticate(created["key"]) is None
        assert partners.authenticate(rotated) is not None
        code, _out, _err = run(tmp_path, db_url, "revoke", "acme")
        assert code == 0
        assert partners.authenticate(rotated) is None
    finally:
        store.close()
    code, out, _err = run(tmp_path, db_url, "list", "--json")
    assert json.loads(out)["revoked_at"] is not None
    code, _out, err = run(tmp_path, db_url, "revoke", "nobody")
    assert code == 4 and "unknown-partner" in err


def test_plain_create_prints_the_key_once(tmp_path: Path, db_url: str) -> None:
    code, out, err = run(tmp_path, db_url, "create", "plain", "--scopes", "admin", "--rate", "60")
    assert code == 0 and out.strip().startswith("cs_") and "only this once" in err


def test_global_db_option_reaches_every_command(tmp_path: Path, db_url: str, monkeypatch) -> None:
    """``consentry --db URL`` (or CONSENTRY_DB) puts banks and partners in the same store."""
    monkeypatch.delenv("CONSENTRY_DB", raising=False)
    runner = CliRunner()

    def cli(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--home", str(tmp_path), "--db", db_url, *args])
        return result.exit_code, result.stdout

    assert cli("bank", "create", "shared", "--radius", "20")[0] == 0
    assert cli("partner", "create", "acme", "--scopes", "match", "--json")[0] == 0
    code, out = cli("bank", "list", "--json")
    assert code == 0 and "shared" in out
    store = Store.open_url(db_url, home=tmp_path)
    try:
        assert store.get_bank("shared").radius == 20
        assert [p.name for p in Partners(store).list()] == ["acme"]
    finally:
        store.close()
    monkeypatch.setenv("CONSENTRY_DB", db_url)
    via_env = runner.invoke(app, ["--home", str(tmp_path), "bank", "list", "--json"])
    assert via_env.exit_code == 0 and "shared" in via_env.stdout
