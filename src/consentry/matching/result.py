"""What a match says: which entry of which bank, how close, through which hash, and
whether the file is a copy of the entry or was made from it ("derived")."""

from __future__ import annotations

from dataclasses import dataclass

# When one entry is reached several ways, the report keeps the closest; among equally
# close ones the most exact signal wins.
SIGNAL_RANK = {"sha256": 0, "md5": 1, "pdq": 2, "vpdq": 3, "regions": 4}
COPY, DERIVED = "copy", "derived"
MATCH_KINDS = (COPY, DERIVED)

Region = tuple[float, float, float, float]


def derived_distance(score: float) -> int:
    """A derived match's distance: 0 for a score of 1, 100 for a score of 0."""
    return 100 - round(100 * score)


@dataclass(frozen=True)
class Match:
    bank: str
    entry: int
    label: str | None
    distance: int  # PDQ bits apart; 0 for md5/sha256; vPDQ: median over matched frames;
    # derived: 100 - round(100 * score)
    transform: str  # the query hash that matched: "original", "trimmed", "rotate90", ...
    signal: str  # "pdq" | "md5" | "sha256" | "vpdq" | "regions"
    query_percent: float | None = None  # vPDQ only: share of the query's frames matched
    target_percent: float | None = None  # vPDQ only: share of the entry's frames matched
    kind: str = COPY  # "copy" of the entry, or "derived": made from it (a region replaced...)
    score: float | None = None  # derived only: 0..1, how much of the entry was found
    region: Region | None = None  # derived only: x0, y0, x1, y1 as fractions of the query

    def to_json(self) -> dict[str, object]:
        return {
            "bank": self.bank,
            "entry": self.entry,
            "label": self.label,
            "distance": self.distance,
            "transform": self.transform,
            "signal": self.signal,
            "query_percent": self.query_percent,
            "target_percent": self.target_percent,
            "kind": self.kind,
            "score": self.score,
            "region": None if self.region is None else list(self.region),
        }


@dataclass(frozen=True)
class Hit:
    """A match before labels are looked up; ``rank`` orders equally close hits."""

    entry: int
    distance: int
    transform: str
    signal: str
    rank: int = 0
    query_percent: float | None = None
    target_percent: float | None = None
    kind: str = COPY
    score: float | None = None
    region: Region | None = None

    def key(self) -> tuple[int, int, int, int]:
        # A copy of an entry beats a derived match to it (their distances are not comparable).
        return (self.kind != COPY, self.distance, SIGNAL_RANK[self.signal], self.rank)

    def labelled(self, bank: str, label: str | None) -> Match:
        return Match(
            bank=bank,
            entry=self.entry,
            label=label,
            distance=self.distance,
            transform=self.transform,
            signal=self.signal,
            query_percent=self.query_percent,
            target_percent=self.target_percent,
            kind=self.kind,
            score=self.score,
            region=self.region,
        )
