"""``consentry demo``: runs on a fresh home, finds the edited copies, not the unrelated photos."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_helpers import Invoke, json_lines, run_module

from consentry.cli import ExitCode
from consentry.demo import prepare_folder


@pytest.mark.slow
def test_demo_in_a_subprocess_with_keep(tmp_path: Path) -> None:
    home = tmp_path / "fresh-home"
    done = run_module("demo", "--keep", env={"CONSENTRY_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert "9 of 12 files matched; every result as expected." in done.stdout
    assert "scikit-image" in done.stdout
    for expected in ("rotate270", "flip-horizontal", "border is cut off", "no match"):
        assert expected in done.stdout
    demo = home / "demo"
    assert (demo / "consentry.db").exists() and (demo / "scan-report.jsonl").exists()
    assert not (home / "consentry.db").exists()  # the user's own store is not touched
    matched = run_module(
        "--home",
        demo,
        "match",
        demo / "inbox" / "coffee-mirrored.jpg",
        "--bank",
        "demo",
        "--rotations",
        "--json",
    )
    match = json_lines(matched.stdout)[0]["matches"][0]
    assert match["label"] == "coffee.jpg" and match["transform"] == "flip-horizontal"
    again = run_module("demo", env={"CONSENTRY_HOME": str(home)})  # replaces its own folder
    assert again.returncode == 0 and not demo.exists()


def test_demo_without_scikit_image(cli: Invoke, home: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "skimage", None)  # import skimage -> ImportError
    result = cli("demo")
    assert result.exit_code == 0, result.stderr
    assert "drawn with Pillow" in result.stdout
    assert "9 of 12 files matched; every result as expected." in result.stdout
    assert not (home / "demo").exists()


def test_demo_never_deletes_a_folder_it_did_not_make(cli: Invoke, home: Path) -> None:
    precious = home / "demo"
    precious.mkdir()
    (precious / "mine.txt").write_text("keep me")
    result = cli("demo")
    assert result.exit_code == ExitCode.INVALID and "[demo-folder-exists]" in result.stderr
    assert (precious / "mine.txt").read_text() == "keep me"
    with pytest.raises(Exception, match="was not made by"):
        prepare_folder(home)
