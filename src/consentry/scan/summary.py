"""Counting what a scan saw, for the summary printed at the end (and its JSON form)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from consentry.scan.report import Record
from consentry.scan.walk import WalkStats

# Files that are simply not images or videos: counted and reported, but not failures.
NOT_MEDIA_CODES = frozenset({"unsupported-format", "empty-file"})


@dataclass
class ScanSummary:
    root: str
    report: str
    format: str
    files: int = 0
    resumed: int = 0  # already in the report from an earlier run: not fingerprinted again
    hashed: int = 0  # fingerprinted by this run
    images: int = 0
    videos: int = 0
    matched: int = 0  # files with at least one match
    matches: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    walk: WalkStats = field(default_factory=WalkStats)
    hits: list[dict[str, Any]] = field(default_factory=list)  # matched files: path + matches
    decisions: Counter[str] = field(default_factory=Counter)  # by action, when a policy ran

    def add(self, record: Record, *, resumed: bool) -> None:
        self.files += 1
        if resumed:
            self.resumed += 1
        else:
            self.hashed += 1
        kind = record.get("kind")
        self.images += kind == "image"
        self.videos += kind == "video"
        found = record.get("matches") or []
        self.matches += len(found)
        self.matched += bool(found)
        if found:
            self.hits.append({"path": record.get("path"), "matches": found})
        decision = record.get("decision")
        if decision:
            self.decisions[str(decision.get("action"))] += 1
        error = record.get("error")
        if error:
            self.errors[str(error.get("code") or "error")] += 1

    @property
    def not_media(self) -> int:
        return sum(count for code, count in self.errors.items() if code in NOT_MEDIA_CODES)

    @property
    def failed(self) -> int:
        """Files that looked like media (or could not be read) but could not be fingerprinted."""
        return sum(count for code, count in self.errors.items() if code not in NOT_MEDIA_CODES)

    @property
    def files_per_second(self) -> float:
        return self.hashed / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "report": self.report,
            "format": self.format,
            "files": self.files,
            "resumed": self.resumed,
            "hashed": self.hashed,
            "images": self.images,
            "videos": self.videos,
            "matched": self.matched,
            "matches": self.matches,
            "not_media": self.not_media,
            "failed": self.failed,
            "errors": dict(sorted(self.errors.items())),
            "symlinks_skipped": self.walk.symlinks_skipped,
            "special_files_skipped": self.walk.special_skipped,
            "unreadable_directories": list(self.walk.unreadable_dirs),
            "skipped_directories": list(self.walk.skipped_dirs),
            "seconds": round(self.seconds, 3),
            "files_per_second": round(self.files_per_second, 2),
            "matched_files": list(self.hits),
            "decisions": dict(sorted(self.decisions.items())),
        }
