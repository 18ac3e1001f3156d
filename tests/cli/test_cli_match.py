"""``consentry match``: near duplicates found with a distance, transforms, non-matches."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Invoke, json_lines

from consentry.cli import ExitCode

MATCH_KEYS = {"bank", "entry", "label", "distance", "transform", "signal"}


@pytest.fixture
def bank(cli: Invoke, photos: dict[str, Path]) -> str:
    assert cli("bank", "create", "v").exit_code == 0
    assert cli("bank", "add", "v", photos["astronaut"], "--label", "astro").exit_code == 0
    return "v"


def _match(cli: Invoke, *args: object) -> tuple[int, list[dict]]:
    result = cli("match", *args, "--json")
    return result.exit_code, json_lines(result.stdout)


def test_near_duplicate_found_with_distance(
    cli: Invoke, photos: dict[str, Path], bank: str
) -> None:
    code, rows = _match(cli, photos["astronaut"], photos["astronaut-small"], "--bank", bank)
    assert code == 0
    exact, near = rows
    assert {"path", "pdq", "quality", "matches", "error"} <= set(exact)
    assert exact["error"] is None and near["error"] is None
    assert set(exact["matches"][0]) >= MATCH_KEYS
    assert exact["matches"][0]["distance"] == 0
    assert exact["matches"][0]["signal"] in ("sha256", "md5")
    best = near["matches"][0]
    assert best["signal"] == "pdq" and 0 < best["distance"] <= 31
    assert best["label"] == "astro" and best["bank"] == "v" and best["transform"] == "original"


def test_unrelated_not_matched(cli: Invoke, photos: dict[str, Path], bank: str) -> None:
    code, rows = _match(cli, photos["coffee"], photos["rocket"], photos["cat-png"], "--bank", bank)
    assert code == 0
    assert [r["matches"] for r in rows] == [[], [], []]
    assert all(r["pdq"] and r["quality"] for r in rows)


def test_rotated_copy_needs_rotations_and_reports_transform(
    cli: Invoke, photos: dict[str, Path], bank: str
) -> None:
    _, plain = _match(cli, photos["astronaut-rot"], "--bank", bank)
    assert plain[0]["matches"] == []
    _, rotated = _match(cli, photos["astronaut-rot"], "--bank", bank, "--rotations")
    match = rotated[0]["matches"][0]
    assert match["transform"] in ("rotate90", "rotate270")
    assert match["distance"] <= 10 and match["label"] == "astro"


def test_several_banks(cli: Invoke, photos: dict[str, Path], bank: str) -> None:
    cli("bank", "create", "other", "--radius", "0")
    cli("bank", "add", "other", photos["astronaut"], "--label", "strict")
    _, rows = _match(cli, photos["astronaut-small"], "--bank", bank, "--bank", "other")
    assert {m["bank"] for m in rows[0]["matches"]} == {"v"}  # radius 0 keeps "other" out
    _, rows = _match(cli, photos["astronaut"], "-b", bank, "-b", "other")
    assert {m["bank"] for m in rows[0]["matches"]} == {"v", "other"}


def test_broken_input_and_unknown_bank(cli: Invoke, photos: dict[str, Path], bank: str) -> None:
    code, rows = _match(cli, photos["random"], photos["astronaut"], "--bank", bank)
    assert code == ExitCode.PARTIAL
    assert rows[0]["error"]["code"] == "unsupported-format" and rows[0]["matches"] == []
    assert rows[1]["matches"]
    missing = cli("match", photos["astronaut"], "--bank", "nope")
    assert missing.exit_code == ExitCode.INVALID and "[unknown-bank]" in missing.stderr
    assert cli("match", photos["astronaut"]).exit_code == ExitCode.USAGE  # --bank is required


def test_table_output(cli: Invoke, photos: dict[str, Path], bank: str) -> None:
    result = cli("match", photos["astronaut-small"], photos["coffee"], "--bank", bank)
    assert result.exit_code == 0
    assert "MATCH" in result.stdout and "astro" in result.stdout
    coffee_line = next(line for line in result.stdout.splitlines() if "coffee.jpg" in line)
    assert "no" in coffee_line and "MATCH" not in coffee_line
