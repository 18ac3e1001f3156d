"""Videos through the CLI: vPDQ frames in hash, bank entries with vPDQ, matching a re-encode."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli_helpers import Invoke, json_lines

from consentry.cli import ExitCode


def test_hash_video(cli: Invoke, videos: dict[str, Path]) -> None:
    result = cli("hash", videos["clip"], videos["truncated"], "--json")
    assert result.exit_code == ExitCode.PARTIAL
    clip, truncated = json_lines(result.stdout)
    assert clip["kind"] == "video" and clip["format"] == "mp4"
    assert len(clip["vpdq"]) == 3  # 3 seconds at one frame hash per second
    assert [f["timestamp"] for f in clip["vpdq"]] == [0.0, 1.0, 2.0]
    assert all(len(f["pdq"]) == 64 for f in clip["vpdq"])
    assert truncated["error"] is not None


def test_bank_and_match_video(cli: Invoke, videos: dict[str, Path]) -> None:
    cli("bank", "create", "clips")
    added = json_lines(cli("bank", "add", "clips", videos["clip"], "--json").stdout)[0]
    assert added["entry"] == 1 and added["error"] is None
    exported = cli("bank", "export", "clips").stdout
    assert any(line.startswith("vpdq,") for line in exported.splitlines())
    result = cli("match", videos["reencoded"], "--bank", "clips", "--json")
    assert result.exit_code == 0, result.stderr
    matches = json_lines(result.stdout)[0]["matches"]
    assert [m["signal"] for m in matches] == ["vpdq"]
    assert matches[0]["entry"] == 1 and matches[0]["distance"] <= 31


def test_scan_counts_videos(cli: Invoke, videos: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    shutil.copy(videos["reencoded"], root / "upload.mp4")
    cli("bank", "create", "clips")
    cli("bank", "add", "clips", videos["clip"])
    summary = json.loads(cli("scan", root, "--bank", "clips", "--json").stdout)
    assert summary["videos"] == 1 and summary["matched"] == 1
    record = json_lines(Path(summary["report"]).read_text())[0]
    assert record["kind"] == "video" and record["vpdq_frames"] == 3
    assert record["matches"][0]["signal"] == "vpdq"
