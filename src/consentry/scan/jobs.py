"""The real per-file work: fingerprint in a worker process, match and build the record here.

Files found by walking a directory are sniffed first (a few KiB read): anything that is not
an image or video is reported as "unsupported-format" (or "empty-file") at once, without
reading or hashing the rest of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from consentry.errors import ConsentryError
from consentry.scan.report import Record
from consentry.scan.walk import FileEntry
from consentry.signals.inspectors import InspectorOptions
from consentry.workers import Outcome

if TYPE_CHECKING:
    from consentry.matching import Matcher
    from consentry.signals import FileFingerprint

# Worker processes import these up front (forkserver preload), not on their first file.
WORKER_PRELOAD = ("consentry.signals", "consentry.media")


@dataclass(frozen=True)
class FingerprintTask:
    """Picklable callable run in the workers: path -> FileFingerprint (never raises)."""

    rotations: bool = False
    trim: bool = True
    sniff_first: bool = False  # True for files found by walking: skip non-media quickly
    signals: tuple[str, ...] = ()  # inspectors to run too (consentry.signals.inspectors)
    inspector_options: InspectorOptions | None = None
    regions: str | None = None  # "photo" / "query": the protected-photo fingerprint too

    def __call__(self, path: str) -> FileFingerprint:
        from consentry.signals import fingerprint

        if self.sniff_first:
            skipped = not_media(path)
            if skipped is not None:
                return skipped
        if self.signals:
            return portable(self._inspected(path))
        options = {"rotations": self.rotations, "trim": self.trim, "regions": self.regions}
        return portable(fingerprint(path, **options))

    def _inspected(self, path: str) -> FileFingerprint:
        """Fingerprint and inspect from one read of the file (the bytes stay in memory)."""
        from consentry.media import read_bytes
        from consentry.signals import FileFingerprint, fingerprint
        from consentry.signals.inspectors import build_inspectors, run_inspectors, subject_of

        try:
            data, _ = read_bytes(path)
        except ConsentryError as error:
            return FileFingerprint(path=path, error=error)
        fp = fingerprint(
            data, name=path, rotations=self.rotations, trim=self.trim, regions=self.regions
        )
        options = self.inspector_options or InspectorOptions()
        fp.findings = run_inspectors(build_inspectors(self.signals, options), subject_of(data))
        return fp


def not_media(path: str) -> FileFingerprint | None:
    """A FileFingerprint with the error, if the first bytes show ``path`` is not media."""
    from consentry.media.errors import EmptyFile, UnsupportedFormat
    from consentry.media.sniff import HEAD_BYTES, describe_content, sniff
    from consentry.signals import FileFingerprint

    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None  # let the full pipeline report it with its own words
    error: ConsentryError | None = None
    if not head:
        error = EmptyFile("the file is empty (0 bytes)", name=path)
    elif sniff(head) is None:
        what = describe_content(head)
        error = UnsupportedFormat(f"looks like {what}, not an image or video", name=path)
    return None if error is None else FileFingerprint(path=path, error=error)


def portable(fp: FileFingerprint) -> FileFingerprint:
    """Make the error safe to send between processes (subclasses may not unpickle)."""
    if fp.error is not None and type(fp.error) is not ConsentryError:
        fp.error = ConsentryError(fp.error.message, code=fp.error.code)
    return fp


def fingerprint_of(path: str, outcome: Outcome[str, Any]) -> FileFingerprint:
    """The outcome's fingerprint, or one carrying the error if the worker itself failed."""
    from consentry.signals import FileFingerprint

    if outcome.result is not None:
        return outcome.result
    error = outcome.error or ConsentryError("no result", code="internal")
    return FileFingerprint(path=path, error=error)


def match_json(match: Any) -> dict[str, Any]:
    """bank, entry, label, distance, transform, signal (+ vPDQ percentages)."""
    return dict(match.to_json())


def scan_record(entry: FileEntry, fp: FileFingerprint, matches: list[Any]) -> Record:
    """One report line: the fingerprint (vPDQ frames summarised by count) and its matches."""
    record: Record = {"path": entry.path, "size": entry.size, "mtime_ns": entry.mtime_ns}
    data = fp.to_json()
    frames = data.pop("vpdq")
    data.pop("path", None)
    record.update(data)
    record["vpdq_frames"] = None if frames is None else len(frames)
    record.pop("regions", None)  # a query's tiles: kilobytes per file, no use in a report
    record["matches"] = [match_json(m) for m in matches]
    record["scanned_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return record


class FingerprintJob:
    """The scan job: FingerprintTask (and any signals) in the workers; matching and the
    policy's decision here. ``decide(matches, findings)`` returns a decision or None."""

    def __init__(
        self,
        matcher: Matcher | None = None,
        *,
        rotations: bool = False,
        trim: bool = True,
        signals: tuple[str, ...] = (),
        inspector_options: InspectorOptions | None = None,
        decide: Callable[[list[Any], list[Any]], Any] | None = None,
    ) -> None:
        self.matcher = matcher
        self.decide = decide
        self.task = FingerprintTask(
            rotations=rotations,
            trim=trim,
            sniff_first=True,
            signals=signals,
            inspector_options=inspector_options,
            regions="query" if matcher is not None and matcher.has_regions else None,
        )

    @property
    def work(self) -> FingerprintTask:
        return self.task

    def finish(self, entry: FileEntry, outcome: Outcome[str, Any]) -> Record:
        fp = fingerprint_of(entry.path, outcome)
        matches = match_fingerprint(self.matcher, fp)
        record = scan_record(entry, fp, matches)
        if self.decide is not None and (fp.kind is not None or matches):
            decision = self.decide(matches, list(fp.findings or []))
            record["decision"] = decision.to_json()
        return record


def match_fingerprint(matcher: Matcher | None, fp: FileFingerprint) -> list[Any]:
    """Matches of whatever was computed: a file that failed to decode may still match by MD5."""
    if matcher is None or not (fp.pdq or fp.md5 or fp.sha256 or fp.vpdq):
        return []
    return list(matcher.match(fp))


def entry_fingerprints(fp: FileFingerprint, *, rotations: bool) -> list[tuple[str, str]]:
    """The (type, value) pairs a bank entry keeps for this file."""
    from consentry.signals.vpdq import frames_to_text

    pairs: list[tuple[str, str]] = []
    if fp.pdq and not fp.low_quality:
        pairs.append(("pdq", fp.pdq))
    for variant in fp.variants:
        wanted = variant.transform == "trimmed" or rotations
        if wanted and not variant.low_quality:
            pairs.append(("pdq", variant.pdq))
    if fp.vpdq:
        pairs.append(("vpdq", frames_to_text(fp.vpdq)))
    if fp.regions:
        pairs.append(("regions", fp.regions))
    pairs.extend((kind, value) for kind, value in (("md5", fp.md5), ("sha256", fp.sha256)) if value)
    return list(dict.fromkeys(pairs))
