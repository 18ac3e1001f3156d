"""A scan killed with SIGKILL half way, then run again: it resumes where it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_module
from PIL import Image
from skimage import data

FILES = 60


def _make_tree(root: Path) -> list[Path]:
    """60 distinct benign PNGs: sample photos shifted, tinted and marked per index."""
    root.mkdir()
    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    paths = []
    for index in range(FILES):
        rgb = np.array(sources[index % len(sources)])
        rgb = np.roll(rgb, shift=index * 7, axis=1)
        y, x = (index * 37) % (rgb.shape[0] - 80), (index * 53) % (rgb.shape[1] - 80)
        rgb[y : y + 80, x : x + 80] = (index * 40 % 256, 255 - index * 4, index * 13 % 256)
        big = np.kron(rgb, np.ones((2, 2, 1), np.uint8))  # larger: slower to decode and hash
        path = root / f"photo-{index:02d}.png"
        Image.fromarray(big).save(path, compress_level=1)
        paths.append(path)
    return paths


def _complete_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_killed_scan_resumes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    paths = _make_tree(tree)
    home = tmp_path / "home"
    report = tmp_path / "report.jsonl"
    assert run_module("--home", home, "bank", "create", "v").returncode == 0
    assert run_module("--home", home, "bank", "add", "v", paths[10]).returncode == 0
    args = ["--home", home, "scan", tree, "--bank", "v", "--workers", "1", "--report", report]
    process = subprocess.Popen(
        [sys.executable, "-m", "consentry", *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _complete_lines(report) < 5 and process.poll() is None:
            assert time.monotonic() < deadline, "the scan never started writing its report"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the scan finished before it could be killed"
    done_before = _complete_lines(report)
    assert 5 <= done_before < FILES
    intact = report.read_bytes()
    intact = intact[: intact.rindex(b"\n") + 1]
    with report.open("ab") as handle:  # as if the kill had landed in the middle of a write
        handle.write(b'{"path": "' + str(tree).encode() + b"/photo-")

    rerun = run_module(*args, "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["files"] == FILES
    assert summary["resumed"] == done_before
    assert summary["hashed"] == FILES - done_before  # done files were not fingerprinted again
    assert summary["matched"] == 1

    final = report.read_bytes()
    assert final.startswith(intact)  # earlier results kept byte for byte, torn tail cut off
    records = [json.loads(line) for line in final.decode().splitlines()]
    assert sorted(r["path"] for r in records) == sorted(str(p) for p in paths)
    assert all(r["error"] is None and r["pdq"] for r in records)
    matched = [r for r in records if r["matches"]]
    assert [Path(r["path"]).name for r in matched] == ["photo-10.png"]

    again = json.loads(run_module(*args, "--json").stdout)
    assert again["hashed"] == 0 and again["resumed"] == FILES
    assert os.path.getsize(report) == len(final)
