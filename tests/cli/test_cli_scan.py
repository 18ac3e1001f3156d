"""``consentry scan``: a tree with good, broken and non-media files; reports; resume."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from cli_helpers import Invoke, json_lines

from consentry.cli import ExitCode
from consentry.scan import CSV_COLUMNS


@pytest.fixture
def tree(tmp_path: Path, photos: dict[str, Path]) -> Path:
    root = tmp_path / "tree"
    (root / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(photos["astronaut-small"], root / "astronaut-small.jpg")
    shutil.copy(photos["coffee"], root / "nested" / "coffee.jpg")
    shutil.copy(photos["astronaut-rot"], root / "nested" / "deeper" / "rot.jpg")
    shutil.copy(photos["cat-png"], root / "cat.png")
    shutil.copy(photos["truncated"], root / "nested" / "truncated.jpg")
    shutil.copy(photos["random"], root / "random.png")
    (root / "readme.txt").write_text("just text")
    (root / "empty.dat").write_bytes(b"")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(photos["astronaut"], outside / "secret.jpg")
    os.symlink(outside, root / "link-out")
    os.symlink(outside / "secret.jpg", root / "secret-link.jpg")
    return root


@pytest.fixture
def bank(cli: Invoke, photos: dict[str, Path]) -> str:
    cli("bank", "create", "v")
    cli("bank", "add", "v", photos["astronaut"], "--label", "astro")
    return "v"


def _records(path: Path) -> dict[str, dict]:
    rows = json_lines(path.read_text())
    assert len(rows) == len({r["path"] for r in rows})
    return {Path(r["path"]).name: r for r in rows}


def test_scan_tree(cli: Invoke, tree: Path, bank: str, tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    result = cli("scan", tree, "--bank", bank, "--report", report, "--json", "--rotations")
    assert result.exit_code == ExitCode.PARTIAL, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == 8 and summary["hashed"] == 8 and summary["resumed"] == 0
    assert summary["images"] == 5 and summary["matched"] == 2  # truncated.jpg is an image
    assert summary["errors"] == {"empty-file": 1, "truncated": 1, "unsupported-format": 2}
    assert summary["failed"] == 1 and summary["not_media"] == 3
    assert summary["symlinks_skipped"] == 2
    records = _records(report)
    assert set(records) == {
        "astronaut-small.jpg",
        "coffee.jpg",
        "rot.jpg",
        "cat.png",
        "truncated.jpg",
        "random.png",
        "readme.txt",
        "empty.dat",
    }
    assert "secret.jpg" not in records and "secret-link.jpg" not in records
    assert records["astronaut-small.jpg"]["matches"][0]["label"] == "astro"
    assert records["rot.jpg"]["matches"][0]["transform"] in ("rotate90", "rotate270")
    assert records["coffee.jpg"]["matches"] == [] and records["coffee.jpg"]["pdq"]
    assert records["readme.txt"]["error"]["code"] == "unsupported-format"
    assert records["truncated.jpg"]["error"]["code"] == "truncated"
    assert records["cat.png"]["size"] == (tree / "cat.png").stat().st_size
    assert "report: " in result.stderr


def test_rerun_resumes_and_table_summary(cli: Invoke, tree: Path, bank: str) -> None:
    first = cli("scan", tree, "--bank", bank)
    assert first.exit_code == ExitCode.PARTIAL
    assert "matched files 1" in first.stdout and "astro" in first.stdout
    assert "errors by code:" in first.stdout and "truncated 1" in first.stdout
    second = cli("scan", tree, "--bank", bank, "--json")
    summary = json.loads(second.stdout)
    assert summary["resumed"] == 8 and summary["hashed"] == 0 and summary["matched"] == 1
    report = Path(summary["report"])
    assert report.parent.name == "scans" and report.suffix == ".jsonl"
    assert len(_records(report)) == 8
    fresh = json.loads(cli("scan", tree, "--bank", bank, "--json", "--no-resume").stdout)
    assert fresh["hashed"] == 8 and fresh["resumed"] == 0


def test_default_report_lives_in_home(cli: Invoke, tree: Path, home: Path) -> None:
    result = cli("scan", tree, "--json")
    summary = json.loads(result.stdout)
    assert Path(summary["report"]).parent == home / "scans"
    assert f"report: {summary['report']}" in result.stderr
    assert "no --bank given" in result.stderr and summary["matched"] == 0


def test_csv_report(cli: Invoke, tree: Path, bank: str, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    result = cli("scan", tree, "--bank", bank, "--report", report, "--json")
    assert json.loads(result.stdout)["format"] == "csv"
    with report.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_name = {Path(r["path"]).name: r for r in rows}
    assert len(rows) == 8 == len(by_name)
    assert by_name["astronaut-small.jpg"]["match_count"] == "1"
    assert json.loads(by_name["astronaut-small.jpg"]["matches"])[0]["label"] == "astro"
    assert by_name["truncated.jpg"]["error_code"] == "truncated"
    again = json.loads(cli("scan", tree, "--bank", bank, "--report", report, "--json").stdout)
    assert again["resumed"] == 8 and again["matched"] == 1
    forced = tmp_path / "other.txt"
    out = json.loads(cli("scan", tree, "--report", forced, "--format", "csv", "--json").stdout)
    assert out["format"] == "csv" and forced.read_text().startswith("path,size,")


def test_clean_tree_exits_0_and_parallel(cli: Invoke, tmp_path: Path, photos: dict) -> None:
    root = tmp_path / "clean"
    root.mkdir()
    for name in ("astronaut", "coffee", "rocket", "cat-png", "astronaut-small"):
        shutil.copy(photos[name], root / photos[name].name)
    (root / "notes.txt").write_text("text files are skipped, not failures")
    result = cli("scan", root, "--workers", "2", "--json", "--report", tmp_path / "r.jsonl")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["images"] == 5 and summary["not_media"] == 1 and summary["failed"] == 0


def test_scan_errors(cli: Invoke, tree: Path, tmp_path: Path) -> None:
    missing = cli("scan", tmp_path / "missing")
    assert missing.exit_code == ExitCode.INVALID and "[not-a-directory]" in missing.stderr
    not_dir = cli("scan", tree / "cat.png")
    assert not_dir.exit_code == ExitCode.INVALID
    unknown = cli("scan", tree, "--bank", "nope")
    assert unknown.exit_code == ExitCode.INVALID and "[unknown-bank]" in unknown.stderr
    foreign = tmp_path / "mine.jsonl"
    foreign.write_text("precious notes\n")
    refused = cli("scan", tree, "--report", foreign)
    assert refused.exit_code == ExitCode.INVALID and "[bad-report]" in refused.stderr
    assert foreign.read_text() == "precious notes\n"
    bad_format = cli("scan", tree, "--format", "xml")
    assert bad_format.exit_code == ExitCode.INVALID


def test_the_data_directory_is_never_walked(
    cli: Invoke, bank: str, home: Path, tmp_path: Path, photos: dict[str, Path]
) -> None:
    assert home.parent == tmp_path and (home / "consentry.db").exists()
    shutil.copy(photos["coffee"], tmp_path / "coffee.jpg")
    result = cli("scan", tmp_path, "--bank", bank, "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    summary = json.loads(result.stdout)
    assert summary["skipped_directories"] == [str(home)]
    report = Path(summary["report"])
    assert report.is_relative_to(home)
    assert all(not Path(r["path"]).is_relative_to(home) for r in json_lines(report.read_text()))
    for command in (["hash", tmp_path, "--json"], ["match", tmp_path, "--bank", bank, "--json"]):
        paths = [Path(r["path"]) for r in json_lines(cli(*command).stdout)]
        assert paths and not any(p.is_relative_to(home) for p in paths)
