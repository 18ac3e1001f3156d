"""Filling the :class:`~consentry.investigate.summary.Summary`: counts made while the exports
stream by (``Tally.add``), completed with the assessed items and the clusters (``finish``).

Message text is looked at here and only here, in memory: a caption's language code is kept,
the caption itself is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from consentry.investigate.cluster import Cluster, clusterable
from consentry.investigate.records import ExportMessage, ItemResult
from consentry.investigate.summary import ClusterCount, ForwardEdge, Summary

UNDETERMINED = "und"
MIN_LETTERS = 8  # shorter captions ("lol", emoji, a link) have no language worth counting
MIN_CONFIDENCE = 0.3  # normalised over ~97 languages: short captions rarely reach 0.5
LANGUAGE_SAMPLE_CHARS = 2000
MAX_FORWARD_EDGES = 200  # the strongest; a graph of thousands of arrows helps nobody
MAX_CLUSTERS = 20


class Tally:
    """Counts over every message read; ``finish`` turns them into a Summary."""

    def __init__(self, exports: Sequence[str]) -> None:
        self.exports = list(exports)
        self.messages = 0
        self.problems = 0
        self.bots: Counter[str] = Counter()
        self.forwards: Counter[tuple[str, str]] = Counter()
        self.hours = [0] * 24
        self.languages: Counter[str] = Counter()

    def add(self, message: ExportMessage, *, with_media: bool) -> None:
        self.messages += 1
        self.hours[message.date.astimezone(UTC).hour] += 1
        if message.via_bot:
            self.bots[message.via_bot] += 1
        if message.forwarded_from:
            self.forwards[(message.forwarded_from, chat_label(message))] += 1
        if with_media and message.text.strip():
            self.languages[caption_language(message.text)] += 1

    def finish(
        self,
        media: Iterable[ExportMessage],
        items: Mapping[tuple[int, int], ItemResult],
        clusters: Sequence[Cluster],
        *,
        nudity_threshold: float,
    ) -> Summary:
        summary = Summary(exports=self.exports, generated_at=datetime.now(UTC))
        summary.messages, summary.problems = self.messages, self.problems
        summary.nudity_threshold = nudity_threshold
        summary.hours = list(self.hours)
        summary.bots = dict(self.bots.most_common())
        summary.languages = dict(self.languages.most_common())
        summary.forwards = [
            ForwardEdge(source, target, count)
            for (source, target), count in self.forwards.most_common(MAX_FORWARD_EDGES)
        ]
        _count_media(summary, media, items)
        _count_items(summary, items.values(), nudity_threshold)
        _count_distinct(summary, items.values(), clusters)
        return summary


def chat_label(message: ExportMessage) -> str:
    return message.chat_name or f"chat {message.chat_id}"


def week_of(moment: datetime) -> str:
    """The Monday (UTC) starting the week of ``moment``, as YYYY-MM-DD."""
    day = moment.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def caption_language(text: str) -> str:
    """py3langid's ISO 639-1 code, or "und" for text too short or too uncertain to tell."""
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if sum(character.isalpha() for character in sample) < MIN_LETTERS:
        return UNDETERMINED
    language, confidence = _identifier().classify(sample)
    return str(language) if confidence >= MIN_CONFIDENCE else UNDETERMINED


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _count_media(
    summary: Summary, media: Iterable[ExportMessage], items: Mapping[tuple[int, int], ItemResult]
) -> None:
    weekly: Counter[str] = Counter()
    weekly_flagged: Counter[str] = Counter()
    chats: Counter[str] = Counter()
    chats_flagged: Counter[str] = Counter()
    for message in media:
        summary.media += 1
        week, chat = week_of(message.date), chat_label(message)
        weekly[week] += 1
        chats[chat] += 1
        item = items.get(message.identity)
        if item is not None and item.flagged:
            weekly_flagged[week] += 1
            chats_flagged[chat] += 1
    summary.weekly = dict(sorted(weekly.items()))
    summary.weekly_flagged = {week: weekly_flagged[week] for week in summary.weekly}
    summary.chats = dict(chats.most_common())
    summary.chats_flagged = {chat: chats_flagged[chat] for chat in summary.chats}


def _count_items(summary: Summary, items: Iterable[ItemResult], nudity_threshold: float) -> None:
    for item in items:
        if item.error is not None:
            summary.errors += 1
        else:
            summary.assessed += 1
        summary.flagged += item.flagged
        summary.matched += bool(item.matches)
        summary.likely_nude += item.nudity is not None and item.nudity >= nudity_threshold
        summary.synthetic += item.synthetic
    summary.not_exported = max(0, summary.media - summary.assessed - summary.errors)


def _count_distinct(
    summary: Summary, items: Iterable[ItemResult], clusters: Sequence[Cluster]
) -> None:
    """Distinct images: PDQ clusters, plus distinct SHA-256 of what could not be clustered."""
    assessed = [item for item in items if item.error is None]
    others = {item.sha256 or repr(item.identity) for item in assessed if not clusterable(item)}
    summary.distinct = len(clusters) + len(others)
    summary.copies = max(0, len(assessed) - summary.distinct)
    repeated = [cluster for cluster in clusters if cluster.size > 1]
    summary.clusters = [
        ClusterCount(cluster.id, cluster.pdq, cluster.size) for cluster in repeated[:MAX_CLUSTERS]
    ]
