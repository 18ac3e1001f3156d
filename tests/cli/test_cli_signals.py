"""--signals on hash and scan, --policy on scan, and `policy explain` on one file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_helpers import Invoke, json_lines


def test_hash_reports_findings_only_when_asked(cli: Invoke, photos: dict[str, Path]) -> None:
    plain = json_lines(cli("hash", photos["coffee"], "--json").stdout)[0]
    assert "findings" not in plain
    result = cli("hash", photos["coffee"], photos["text"], "--json", "--signals", "nudity")
    records = json_lines(result.stdout)
    nudity = records[0]["findings"]
    assert [f["source"] for f in nudity] == ["opennsfw"] and nudity[0]["score"] < 0.5
    assert records[1]["error"]["code"] == "unsupported-format"


def test_hash_table_has_a_signals_column_when_asked(cli: Invoke, photos: dict[str, Path]) -> None:
    result = cli("hash", photos["coffee"], "--signals", "nudity,provenance")
    assert result.exit_code == 0, result.output
    assert "signals" in result.stdout and "nudity/opennsfw" in result.stdout


def test_unknown_signal_fails_before_any_file_is_read(cli: Invoke, photos: dict[str, Path]) -> None:
    result = cli("hash", photos["coffee"], "--signals", "nudity,tarot")
    assert result.exit_code != 0
    assert "tarot" in result.output and "unknown-signal" in result.output


def test_scan_with_a_policy_records_decisions(
    cli: Invoke, photos: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    for name in ("astronaut", "coffee", "text"):
        shutil.copy(photos[name], folder / photos[name].name)
    cli("bank", "create", "cases")
    cli("bank", "add", "cases", photos["astronaut"], "--label", "intimate")
    for report in (tmp_path / "report.jsonl", tmp_path / "report.csv"):
        result = cli(
            "scan",
            folder,
            "--bank",
            "cases",
            "--policy",
            "default",
            "--report",
            report,
            "--json",
            "--workers",
            "1",
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert summary["decisions"] == {"allow": 1, "block": 1}
        again = cli(
            "scan", folder, "--bank", "cases", "--policy", "default", "--report", report, "--json"
        )
        assert json.loads(again.stdout)["decisions"] == {"allow": 1, "block": 1}  # resumed
    records = {Path(r["path"]).name: r for r in json_lines((tmp_path / "report.jsonl").read_text())}
    assert records["astronaut.jpg"]["decision"]["rule"] == "registered-intimate"
    assert records["coffee.jpg"]["decision"]["action"] == "allow"
    assert records["coffee.jpg"]["findings"][0]["source"] == "opennsfw"
    assert "decision" not in records["notes.txt"]


def test_policy_explain_shows_matches_signals_and_the_reasons(
    cli: Invoke, photos: dict[str, Path]
) -> None:
    cli("bank", "create", "cases")
    cli("bank", "add", "cases", photos["astronaut"], "--label", "fake-of-me")
    result = cli("policy", "explain", photos["astronaut-small"])
    assert result.exit_code == 0, result.output
    assert "match: bank 'cases'" in result.stdout and "fake-of-me" in result.stdout
    assert "nudity/opennsfw" in result.stdout
    assert result.stdout.strip().splitlines()[-2].startswith("block")
    as_json = json.loads(cli("policy", "explain", photos["coffee"], "--json").stdout)
    assert as_json["decision"]["action"] == "allow" and as_json["matches"] == []


def test_policy_explain_with_a_custom_policy_and_broken_media(
    cli: Invoke, photos: dict[str, Path], tmp_path: Path
) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text(
        'version = 1\ndefault = "review"\n\n[[rule]]\nname = "low-nudity"\n'
        'decision = "allow"\nwhen.nudity = { below = 0.3 }\n'
    )
    ok = json.loads(cli("policy", "explain", photos["coffee"], "--policy", strict, "--json").stdout)
    assert ok["decision"]["rule"] == "low-nudity"
    broken = cli("policy", "explain", photos["truncated"], "--policy", strict)
    assert broken.exit_code == 3 and "error:" in broken.stdout
    assert "review" in broken.stdout  # no nudity score: the default decides
