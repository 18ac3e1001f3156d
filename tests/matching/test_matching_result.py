"""The match model: copies and derived matches, their JSON, and hits becoming matches."""

from __future__ import annotations

import json

import pytest

from consentry.matching.result import (
    COPY,
    DERIVED,
    MATCH_KINDS,
    SIGNAL_RANK,
    Hit,
    Match,
    derived_distance,
)
from consentry.policy.model import MATCH_KINDS as POLICY_MATCH_KINDS
from consentry.policy.model import MATCH_SIGNALS

REGION = (0.1, 0.05, 0.9, 0.7)


def test_a_copy_says_so_and_has_no_score_or_region() -> None:
    match = Match("b", 3, "x", 5, "original", "pdq")
    assert match.kind == COPY
    data = match.to_json()
    assert (data["kind"], data["score"], data["region"]) == ("copy", None, None)


def test_a_derived_match_serialises_score_and_region_as_json() -> None:
    match = Match(
        "protected", 9, "protected-public-photo", derived_distance(0.62), "original", "regions",
        kind=DERIVED, score=0.62, region=REGION,
    )  # fmt: skip
    data = match.to_json()
    assert data == {
        "bank": "protected",
        "entry": 9,
        "label": "protected-public-photo",
        "distance": 38,
        "transform": "original",
        "signal": "regions",
        "query_percent": None,
        "target_percent": None,
        "kind": "derived",
        "score": 0.62,
        "region": [0.1, 0.05, 0.9, 0.7],
    }
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("score", "distance"), [(1.0, 0), (0.62, 38), (0.625, 38), (0.005, 100), (0.0, 100)]
)
def test_derived_distance_is_100_minus_the_score_in_percent(score: float, distance: int) -> None:
    assert derived_distance(score) == distance


def test_hit_labelled_carries_kind_score_and_region() -> None:
    hit = Hit(9, 38, "original", "regions", kind=DERIVED, score=0.62, region=REGION)
    match = hit.labelled("protected", "protected-public-photo")
    assert (match.bank, match.entry, match.label) == ("protected", 9, "protected-public-photo")
    assert (match.kind, match.score, match.region) == (DERIVED, 0.62, REGION)
    assert (match.signal, match.distance) == ("regions", 38)
    copy = Hit(1, 0, "original", "sha256").labelled("b", None)
    assert (copy.kind, copy.score, copy.region) == (COPY, None, None)


def test_regions_hits_rank_after_the_copy_signals() -> None:
    derived = Hit(9, 4, "original", "regions", kind=DERIVED, score=0.96)
    pdq = Hit(9, 4, "original", "pdq")
    assert min([derived, pdq], key=Hit.key) is pdq
    assert SIGNAL_RANK["regions"] > max(SIGNAL_RANK[s] for s in ("sha256", "md5", "pdq", "vpdq"))


def test_the_policy_knows_every_signal_and_kind() -> None:
    assert set(SIGNAL_RANK) == set(MATCH_SIGNALS)
    assert MATCH_KINDS == POLICY_MATCH_KINDS
