"""What a match says: which entry of which bank, how close, through which hash."""

from __future__ import annotations

from dataclasses import dataclass

# When one entry is reached several ways, the report keeps the closest; among equally
# close ones the most exact signal wins.
SIGNAL_RANK = {"sha256": 0, "md5": 1, "pdq": 2, "vpdq": 3}


@dataclass(frozen=True)
class Match:
    bank: str
    entry: int
    label: str | None
    distance: int  # PDQ bits apart; 0 for md5/sha256; vPDQ: median over matched frames
    transform: str  # the query hash that matched: "original", "trimmed", "rotate90", ...
    signal: str  # "pdq" | "md5" | "sha256" | "vpdq"
    query_percent: float | None = None  # vPDQ only: share of the query's frames matched
    target_percent: float | None = None  # vPDQ only: share of the entry's frames matched

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

    def key(self) -> tuple[int, int, int]:
        return (self.distance, SIGNAL_RANK[self.signal], self.rank)

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
        )
