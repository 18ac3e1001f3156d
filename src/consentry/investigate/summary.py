"""What an investigation found, in numbers: everything the report plots, nothing more.

The processing fills a :class:`Summary`; the report draws it. It holds counts, names of chats
and bots, and PDQ fingerprints — never media, never message text (caption languages are kept
as language codes only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

HOURS_IN_DAY = 24


@dataclass(frozen=True)
class ForwardEdge:
    """``count`` messages forwarded from ``source`` (a ``forwarded_from`` name) into ``target``."""

    source: str
    target: str
    count: int


@dataclass(frozen=True)
class ClusterCount:
    """A group of near-duplicate images: its medoid PDQ hash (hex) and how many items it holds."""

    id: int
    pdq: str
    size: int


@dataclass
class Summary:
    exports: list[str]  # the export directories as given
    generated_at: datetime  # aware UTC
    messages: int = 0  # distinct messages read
    media: int = 0  # messages carrying media (exported or not)
    assessed: int = 0  # media opened and assessed without error
    not_exported: int = 0  # media the export left out (or --no-media)
    errors: int = 0  # media that could not be assessed
    problems: int = 0  # ExportProblems reported while reading
    flagged: int = 0
    matched: int = 0  # items with at least one bank match
    likely_nude: int = 0  # nudity >= nudity_threshold
    synthetic: int = 0  # provenance says AI-generated
    nudity_threshold: float = 0.8
    distinct: int = 0  # distinct images (PDQ clusters, plus items without a PDQ by SHA-256)
    copies: int = 0  # assessed items that repeat an image counted in ``distinct``
    weekly: dict[str, int] = field(default_factory=dict)  # Monday "YYYY-MM-DD" -> media items
    weekly_flagged: dict[str, int] = field(default_factory=dict)  # same weeks -> flagged items
    chats: dict[str, int] = field(default_factory=dict)  # chat name -> media items
    chats_flagged: dict[str, int] = field(default_factory=dict)  # chat name -> flagged items
    bots: dict[str, int] = field(default_factory=dict)  # via_bot -> messages
    forwards: list[ForwardEdge] = field(default_factory=list)
    hours: list[int] = field(default_factory=lambda: [0] * HOURS_IN_DAY)  # UTC hour -> messages
    languages: dict[str, int] = field(default_factory=dict)  # py3langid code -> captions
    clusters: list[ClusterCount] = field(default_factory=list)  # largest first

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_at"] = self.generated_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["generated_at"] = datetime.fromisoformat(data["generated_at"])
        values["forwards"] = [ForwardEdge(**edge) for edge in data.get("forwards", [])]
        values["clusters"] = [ClusterCount(**cluster) for cluster in data.get("clusters", [])]
        return cls(**values)

    @classmethod
    def example(cls) -> Summary:
        """A small, plausible investigation for tests and for looking at the report."""
        return cls(
            exports=["exports/ChatExport_2024-03-01", "exports/DataExport_2024-03-02"],
            generated_at=datetime(2024, 3, 4, 12, 0, tzinfo=UTC),
            messages=1_240,
            media=812,
            assessed=760,
            not_exported=40,
            errors=12,
            problems=3,
            flagged=231,
            matched=97,
            likely_nude=188,
            synthetic=64,
            distinct=143,
            copies=617,
            weekly={
                "2024-01-01": 40,
                "2024-01-08": 95,
                "2024-01-15": 160,
                "2024-01-22": 230,
                "2024-01-29": 180,
                "2024-02-05": 107,
            },
            weekly_flagged={
                "2024-01-01": 8,
                "2024-01-08": 25,
                "2024-01-15": 51,
                "2024-01-22": 77,
                "2024-01-29": 45,
                "2024-02-05": 25,
            },
            chats={"Gallery <one>": 420, "Reposts & more": 260, "Quiet group": 132},
            chats_flagged={"Gallery <one>": 150, "Reposts & more": 70, "Quiet group": 11},
            bots={"@example_render_bot": 301, "@another_bot": 44},
            forwards=[
                ForwardEdge("Source channel", "Gallery <one>", 120),
                ForwardEdge("Gallery <one>", "Reposts & more", 85),
                ForwardEdge("Source channel", "Reposts & more", 30),
                ForwardEdge("Reposts & more", "Quiet group", 12),
            ],
            hours=[
                3,
                2,
                1,
                1,
                0,
                0,
                2,
                5,
                9,
                14,
                20,
                26,
                30,
                28,
                25,
                27,
                33,
                41,
                55,
                62,
                58,
                40,
                22,
                9,
            ],
            languages={"en": 310, "ru": 120, "es": 44, "und": 18},
            clusters=[
                ClusterCount(1, "f" * 16 + "0" * 48, 58),
                ClusterCount(2, "0123456789abcdef" * 4, 31),
                ClusterCount(3, "a5" * 32, 12),
            ],
        )
