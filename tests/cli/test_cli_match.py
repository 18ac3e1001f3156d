"""``consentry match``: near duplicates found with a distance, transforms, non-matches."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Invoke, json_lines
from rich.console import Console

from consentry.cli import ExitCode
from consentry.cli.match_cmd import _add_rows, _table, kind_words
from consentry.matching.result import Match
from consentry.scan.jobs import match_json
from consentry.signals import FileFingerprint

MATCH_KEYS = {"bank", "entry", "label", "distance", "transform", "signal", "kind", "score"}
MATCH_KEYS |= {"region", "query_percent", "target_percent"}


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
    assert (best["kind"], best["score"], best["region"]) == ("copy", None, None)


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
    astro_line = next(line for line in result.stdout.splitlines() if "astro" in line)
    assert "copy" in astro_line and "derived" not in astro_line
    coffee_line = next(line for line in result.stdout.splitlines() if "coffee.jpg" in line)
    assert "no" in coffee_line and "MATCH" not in coffee_line


def _row(match: Match) -> str:
    table = _table()
    _add_rows(table, FileFingerprint(path="upload.jpg"), [match_json(match)])
    console = Console(width=400, record=True)
    console.print(table)
    return next(line for line in console.export_text().splitlines() if "upload.jpg" in line)


def test_table_shows_a_derived_match_in_compact_words() -> None:
    fake = Match(
        "my-photos", 9, "protected-public-photo", 38, "original", "regions",
        kind="derived", score=0.62, region=(0.1, 0.05, 0.9, 0.7),
    )  # fmt: skip
    line = _row(fake)
    assert "derived 0.62 (region 0.10-0.90 x 0.05-0.70)" in line
    assert "my-photos" in line and "regions" in line and "38" in line
    copy = Match("v", 1, "astro", 4, "original", "pdq")
    assert "copy" in _row(copy) and "derived" not in _row(copy)


@pytest.mark.parametrize(
    ("match", "words"),
    [
        ({"kind": "copy", "score": None, "region": None}, "copy"),
        ({}, "copy"),  # a record written before matches had a kind
        ({"kind": "derived", "score": 0.5, "region": None}, "derived 0.50"),
        (
            {"kind": "derived", "score": None, "region": [0, 0, 1, 0.5]},
            "derived (region 0.00-1.00 x 0.00-0.50)",
        ),
    ],
)
def test_kind_words(match: dict, words: str) -> None:
    assert kind_words(match) == words
