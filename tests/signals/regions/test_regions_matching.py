"""Derived images of a registered photo are found (and only that photo); others are not."""

from __future__ import annotations

import numpy as np
import pytest
from regions_samples import (
    IDS,
    crop,
    drawn_scene,
    jpeg,
    matched_ids,
    noise_texture,
    pad,
    replace_lower,
    resize,
    rotate,
    with_text,
)

from consentry.signals.regions import region_fingerprint

REPLACED = [
    ("astronaut", 0.4, "flat"),
    ("astronaut", 0.6, "noise"),
    ("coffee", 0.4, "texture"),
    ("chelsea", 0.4, "blurred"),
    ("rocket", 0.25, "noise"),
    ("camera", 0.4, "noise"),
    ("coffee", 0.6, "flat"),
]


@pytest.mark.parametrize(("name", "share", "fill"), REPLACED)
def test_replaced_region_then_recompressed_matches_its_original_only(
    protected, photos, name, share, fill
):
    derived = jpeg(replace_lower(photos[name], share, fill), 75)
    assert matched_ids(protected, derived) == [IDS[name]]


TRANSFORMS = {
    "crop 10%": lambda rgb: crop(rgb, 0.10),
    "crop 20%": lambda rgb: crop(rgb, 0.20),
    "pad 20%": lambda rgb: pad(rgb, 0.20),
    "pad 30%": lambda rgb: pad(rgb, 0.30),
    "rotate 5": lambda rgb: rotate(rgb, 5),
    "rotate -10": lambda rgb: rotate(rgb, -10),
    "flip": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "resize 0.25": lambda rgb: resize(rgb, 0.25),
    "jpeg 30": lambda rgb: jpeg(rgb, 30),
    "text": with_text,
}


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_each_transform_alone_matches_its_original_only(protected, photos, name, transform):
    assert matched_ids(protected, TRANSFORMS[transform](photos[name])) == [IDS[name]]


def test_hit_reports_where_the_photo_sits_in_the_query(protected, photos):
    padded = pad(photos["coffee"], 0.5)  # the photo covers 2/3 of each side of the canvas
    (hit,) = protected.search(region_fingerprint(padded, dense=True))
    x0, y0, x1, y1 = hit.region
    assert hit.id == IDS["coffee"]
    assert x0 == pytest.approx(1 / 9, abs=0.03) and x1 == pytest.approx(7 / 9, abs=0.03)
    assert y0 == pytest.approx(1 / 6, abs=0.03) and y1 == pytest.approx(5 / 6, abs=0.03)
    assert not hit.mirrored
    assert 0.05 < hit.score <= 1.0 and hit.tiles >= 8


def test_mirrored_copy_is_reported_as_mirrored(protected, photos):
    (hit,) = protected.search(region_fingerprint(photos["chelsea"][:, ::-1].copy(), dense=True))
    assert hit.id == IDS["chelsea"] and hit.mirrored


def test_unchanged_photo_scores_highest(protected, photos):
    hits = protected.search(region_fingerprint(photos["astronaut"], dense=True))
    assert hits[0].id == IDS["astronaut"] and hits[0].score > 0.9


@pytest.mark.parametrize("seed", range(12))
def test_unrelated_pictures_match_nothing(protected, seed):
    picture = drawn_scene(seed) if seed % 2 else noise_texture(seed)
    assert matched_ids(protected, picture) == []


def test_a_different_photo_of_similar_content_does_not_match(protected, photos):
    from skimage import data

    assert matched_ids(protected, data.immunohistochemistry()) == []
    assert matched_ids(protected, data.stereo_motorcycle()[0]) == []
