"""Protected banks on the command line: a photo's fake is found as a derived match."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from cli_helpers import Invoke, json_lines
from PIL import Image
from skimage import data


def derived_from(rgb: np.ndarray, path: Path) -> Path:
    """The lower 40% of the picture replaced by flat colour (the 2020 bot kept the rest)."""
    fake = rgb.copy()
    fake[int(fake.shape[0] * 0.6) :, :, :] = (180, 140, 120)
    Image.fromarray(fake).save(path, quality=85)
    return path


def test_a_fake_made_from_a_protected_photo_is_a_derived_match(
    cli: Invoke, photos: dict[str, Path], tmp_path: Path
) -> None:
    assert cli("bank", "create", "protected", "--kind", "protected").exit_code == 0
    added = cli(
        "bank",
        "add",
        "protected",
        photos["astronaut"],
        "--label",
        "protected-public-photo",
        "--json",
    )
    assert added.exit_code == 0, added.output
    assert json_lines(added.stdout)[0]["fingerprints"] >= 4  # pdq, trimmed?, md5, sha256, regions
    fake = derived_from(data.astronaut(), tmp_path / "fake.jpg")
    result = json_lines(cli("match", fake, "--bank", "protected", "--json").stdout)[0]
    derived = [m for m in result["matches"] if m["kind"] == "derived"]
    assert len(derived) == 1 and derived[0]["signal"] == "regions"
    assert 0 < derived[0]["score"] <= 1
    x0, y0, x1, y1 = derived[0]["region"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    unrelated = json_lines(cli("match", photos["coffee"], "--bank", "protected", "--json").stdout)
    assert unrelated[0]["matches"] == []


def test_the_default_policy_reviews_a_derived_match_without_nudity(
    cli: Invoke, photos: dict[str, Path], tmp_path: Path
) -> None:
    cli("bank", "create", "protected", "--kind", "protected")
    cli("bank", "add", "protected", photos["astronaut"], "--label", "protected-public-photo")
    fake = derived_from(data.astronaut(), tmp_path / "fake.jpg")
    explained = json.loads(cli("policy", "explain", fake, "--json").stdout)
    assert explained["decision"]["action"] == "review"
    assert explained["decision"]["rule"] == "derived-from-protected-photo"
    # the unchanged photo itself is a copy: a person's own repost is allowed
    own = json.loads(cli("policy", "explain", photos["astronaut"], "--json").stdout)
    assert own["decision"]["action"] == "allow"


def test_hash_gives_the_regions_fingerprint_to_register_and_says_why_not(
    cli: Invoke, photos: dict[str, Path], tmp_path: Path
) -> None:
    tiny = tmp_path / "tiny.png"
    Image.fromarray(data.astronaut()[:12, :12]).save(tiny)
    records = json_lines(cli("hash", photos["coffee"], tiny, "--regions", "--json").stdout)
    assert records[0]["regions"].startswith("r1.") and records[0]["regions_error"] is None
    assert records[1]["regions"] is None and "image-too-small" in records[1]["regions_error"]
    assert "regions" not in json_lines(cli("hash", photos["coffee"], "--json").stdout)[0]
