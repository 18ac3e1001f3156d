"""``consentry bank ...``: create, list, add, add-hashes, remove, export, import, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Invoke, json_lines, run_module

from consentry.cli import ExitCode


def _banks(cli: Invoke) -> dict[str, dict]:
    result = cli("bank", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return {bank["name"]: bank for bank in json_lines(result.stdout)}


def test_create_and_list(cli: Invoke) -> None:
    assert cli("bank", "create", "alpha").exit_code == 0
    created = cli("bank", "create", "beta", "--radius", "12", "--description", "d [x]")
    assert created.exit_code == 0, created.stderr
    banks = _banks(cli)
    assert banks["alpha"]["radius"] == 31 and banks["alpha"]["kind"] == "ncii"
    assert banks["beta"]["radius"] == 12 and banks["beta"]["description"] == "d [x]"
    assert banks["beta"]["entry_count"] == 0
    table = cli("bank", "list")
    assert table.exit_code == 0 and "alpha" in table.stdout and "d [x]" in table.stdout


def test_create_protected_bank(cli: Invoke) -> None:
    created = cli("bank", "create", "my-photos", "--kind", "protected")
    assert created.exit_code == 0, created.stderr
    assert "kind protected" in created.stderr
    assert _banks(cli)["my-photos"]["kind"] == "protected"
    table = cli("bank", "list")
    line = next(line for line in table.stdout.splitlines() if "my-photos" in line)
    assert "protected" in line


def test_create_help_says_what_a_protected_bank_is(cli: Invoke) -> None:
    result = cli("bank", "create", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "protected: public photos of people at risk, matched for fakes made from them" in text
    assert "(derived matches)" in text


def test_unknown_kind_lists_both_kinds(cli: Invoke) -> None:
    result = cli("bank", "create", "b", "--kind", "protect")
    assert result.exit_code == ExitCode.INVALID
    assert "unknown bank kind 'protect': expected one of ncii, protected" in result.stderr


def test_list_without_banks(cli: Invoke) -> None:
    result = cli("bank", "list")
    assert result.exit_code == 0 and "no banks yet" in result.stderr
    assert cli("bank", "list", "--json").stdout == ""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--radius", "300"], "invalid-radius"),
        (["--radius", "-1"], "invalid-radius"),
        (["--kind", "weird"], "invalid-kind"),
    ],
)
def test_create_rejects_invalid_values(cli: Invoke, args: list[str], code: str) -> None:
    result = cli("bank", "create", "b", *args)
    assert result.exit_code == ExitCode.INVALID
    assert result.stderr.strip().endswith(f"[{code}]")


def test_create_conflicts_and_bad_names(cli: Invoke) -> None:
    assert cli("bank", "create", "dup").exit_code == 0
    again = cli("bank", "create", "dup")
    assert again.exit_code == ExitCode.INVALID and "[bank-exists]" in again.stderr
    bad = cli("bank", "create", "no spaces allowed")
    assert bad.exit_code == ExitCode.INVALID and "[invalid-bank-name]" in bad.stderr


def test_add_files_json(cli: Invoke, photos: dict[str, Path]) -> None:
    cli("bank", "create", "v")
    result = cli(
        "bank",
        "add",
        "v",
        photos["astronaut"],
        photos["truncated"],
        photos["coffee"],
        "--label",
        "case-1",
        "--note",
        "n",
        "--json",
    )
    assert result.exit_code == ExitCode.PARTIAL
    rows = json_lines(result.stdout)
    assert [r["path"] for r in rows] == [
        str(photos["astronaut"]),
        str(photos["truncated"]),
        str(photos["coffee"]),
    ]
    assert isinstance(rows[0]["entry"], int) and rows[0]["error"] is None
    assert rows[0]["fingerprints"] >= 3  # pdq, md5, sha256
    assert rows[1]["entry"] is None and rows[1]["error"]["code"] == "truncated"
    assert isinstance(rows[2]["entry"], int) and rows[2]["entry"] != rows[0]["entry"]
    assert _banks(cli)["v"]["entry_count"] == 2


def test_add_with_rotations_stores_more_hashes(cli: Invoke, photos: dict[str, Path]) -> None:
    cli("bank", "create", "plain")
    cli("bank", "create", "rot")
    plain = json_lines(cli("bank", "add", "plain", photos["astronaut"], "--json").stdout)[0]
    rot = json_lines(
        cli("bank", "add", "rot", photos["astronaut"], "--json", "--rotations").stdout
    )[0]
    assert rot["fingerprints"] >= plain["fingerprints"] + 7


def test_add_to_unknown_bank_fails_fast(cli: Invoke, photos: dict[str, Path]) -> None:
    result = cli("bank", "add", "nope", photos["astronaut"])
    assert result.exit_code == ExitCode.INVALID and "[unknown-bank]" in result.stderr


def test_add_table_output(cli: Invoke, photos: dict[str, Path]) -> None:
    cli("bank", "create", "v")
    result = cli("bank", "add", "v", photos["astronaut"])
    assert result.exit_code == 0
    assert "added as entry 1" in result.stdout


def test_remove_entry(cli: Invoke, photos: dict[str, Path]) -> None:
    cli("bank", "create", "v")
    entry = json_lines(cli("bank", "add", "v", photos["astronaut"], "--json").stdout)[0]["entry"]
    assert cli("bank", "remove", "v", entry).exit_code == 0
    assert _banks(cli)["v"]["entry_count"] == 0
    again = cli("bank", "remove", "v", entry)
    assert again.exit_code == ExitCode.INVALID and "[unknown-entry]" in again.stderr
    matched = json_lines(cli("match", photos["astronaut"], "--bank", "v", "--json").stdout)[0]
    assert matched["matches"] == []


def test_delete_needs_yes_when_not_a_terminal(cli: Invoke) -> None:
    cli("bank", "create", "v")
    refused = cli("bank", "delete", "v")
    assert refused.exit_code == ExitCode.USAGE and "--yes" in refused.stderr
    assert "v" in _banks(cli)
    assert cli("bank", "delete", "v", "--yes").exit_code == 0
    assert _banks(cli) == {}
    missing = cli("bank", "delete", "v", "--yes")
    assert missing.exit_code == ExitCode.INVALID and "[unknown-bank]" in missing.stderr


def test_delete_asks_on_a_terminal(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    from consentry.cli import bank_cmd

    monkeypatch.setattr(bank_cmd, "stdin_is_terminal", lambda: True)
    cli("bank", "create", "v")
    declined = cli("bank", "delete", "v", input="n\n")
    assert declined.exit_code == 0 and "nothing deleted" in declined.stderr
    assert "v" in _banks(cli)
    accepted = cli("bank", "delete", "v", input="y\n")
    assert accepted.exit_code == 0 and _banks(cli) == {}


def test_export_import_round_trip(cli: Invoke, photos: dict[str, Path], tmp_path: Path) -> None:
    cli("bank", "create", "src")
    cli("bank", "add", "src", photos["astronaut"], "--label", "a")
    cli("bank", "add", "src", photos["coffee"], "--label", "c")
    exported = cli("bank", "export", "src")
    assert exported.exit_code == 0
    lines = exported.stdout.splitlines()
    assert lines[0].startswith("type,value") and len(lines) >= 7
    out = tmp_path / "src.csv"
    assert cli("bank", "export", "src", "--output", out).exit_code == 0
    assert out.read_text() == exported.stdout
    missing = cli("bank", "import", "copy", out)
    assert missing.exit_code == ExitCode.INVALID and "[unknown-bank]" in missing.stderr
    imported = cli("bank", "import", "copy", out, "--create", "--json")
    assert imported.exit_code == 0, imported.stderr
    report = json_lines(imported.stdout)[0]
    assert report["entries_added"] == 2 and report["errors"] == []
    again = json_lines(cli("bank", "import", "copy", out, "--json").stdout)[0]
    assert again["entries_added"] == 0 and again["fingerprints_added"] == 0
    assert _banks(cli)["copy"]["entry_count"] == 2
    matched = json_lines(cli("match", photos["coffee"], "--bank", "copy", "--json").stdout)[0]
    assert [m["label"] for m in matched["matches"]] == ["c"]


def test_export_pytx_format(cli: Invoke, photos: dict[str, Path]) -> None:
    cli("bank", "create", "src")
    cli("bank", "add", "src", photos["astronaut"])
    result = cli("bank", "export", "src", "--format", "pytx")
    assert result.exit_code == 0
    kinds = {line.split(" ", 1)[0] for line in result.stdout.splitlines()}
    assert "pdq" in kinds
    bad = cli("bank", "export", "src", "--format", "xml")
    assert bad.exit_code == ExitCode.INVALID


def test_add_hashes_reports_bad_lines(cli: Invoke, tmp_path: Path) -> None:
    cli("bank", "create", "v")
    hashes = tmp_path / "hashes.txt"
    good = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    hashes.write_text(
        f"pdq {good}\npdq nothex\n{good[:-1]}0\nmd5 d41d8cd98f00b204e9800998ecf8427e\n"
    )
    result = cli("bank", "add-hashes", "v", hashes, "--label", "shared")
    assert result.exit_code == ExitCode.PARTIAL
    assert "line 2" in result.stderr
    assert _banks(cli)["v"]["entry_count"] == 3
    again = cli("bank", "add-hashes", "v", hashes, "--label", "shared", "--json")
    report = json_lines(again.stdout)[0]
    assert report["entries_added"] == 0 and len(report["errors"]) == 1
    assert report["errors"][0]["line"] == 2


@pytest.mark.parametrize("content", [b"", b"\x00\xff" * 300, b"\xef\xbb\xbf"])
def test_add_hashes_broken_files(cli: Invoke, tmp_path: Path, content: bytes) -> None:
    cli("bank", "create", "v")
    path = tmp_path / "junk.txt"
    path.write_bytes(content)
    result = cli("bank", "add-hashes", "v", path)
    assert result.exit_code in (ExitCode.PARTIAL, ExitCode.INVALID)
    assert "error:" in result.stderr
    assert _banks(cli)["v"]["entry_count"] == 0


def test_add_hashes_missing_file(cli: Invoke, tmp_path: Path) -> None:
    cli("bank", "create", "v")
    result = cli("bank", "add-hashes", "v", tmp_path / "missing.txt")
    assert result.exit_code == ExitCode.INVALID
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1


def test_bank_commands_in_a_subprocess(tmp_path: Path, photos: dict[str, Path]) -> None:
    home = ["--home", tmp_path / "h"]
    assert run_module(*home, "bank", "create", "v").returncode == 0
    added = run_module(*home, "bank", "add", "v", photos["astronaut"], "--json")
    assert added.returncode == 0 and json_lines(added.stdout)[0]["entry"] == 1
    exported = run_module(*home, "bank", "export", "v", "--format", "pytx")
    assert exported.returncode == 0 and exported.stdout.startswith(("pdq ", "video_md5 ", "md5 "))
    deleted = run_module(*home, "bank", "delete", "v")
    assert deleted.returncode == ExitCode.USAGE
    assert run_module(*home, "bank", "delete", "v", "--yes").returncode == 0
