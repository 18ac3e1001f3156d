"""``investigate``: read the exports, assess their media in parallel, cluster, summarise.

    result = investigate([Path("ChatExport_2024-03-01")], Path("case-17"),
                         store=store, banks=["ncii-main"], workers=4)
    result.summary, result.items, result.problems

Each media file is fingerprinted and inspected (nudity, provenance, whatever the policy needs)
in a worker process, in memory; matching against the banks and the policy's decision happen
here. Every finished item is appended to ``out/work/items.jsonl``, so an interrupted run picks
up where it stopped. ``known_only``: a file whose SHA-256 already has a result (in the journal,
earlier in this run, or a bank) is hashed but not decoded: the known answer is reused.
``no_media``: no file is opened; the summary comes from the JSON alone.

Outputs written here: ``out/work/items.jsonl``, ``out/summary.json`` and ``out/problems.jsonl``
(fingerprints, counts, codes and ids; never media, never message text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from consentry.investigate.assess import ItemAssessor, problem_item
from consentry.investigate.cluster import Cluster, cluster_pdq
from consentry.investigate.evidence import file_digest
from consentry.investigate.export import export_files, read_exports
from consentry.investigate.journal import Journal, journal_path, open_journal
from consentry.investigate.push import push_to_bank
from consentry.investigate.records import ExportMessage, ExportProblem, ItemResult, MediaFile
from consentry.investigate.summarize import Tally
from consentry.investigate.summary import Summary
from consentry.policy import default_policy
from consentry.scan.jobs import WORKER_PRELOAD
from consentry.workers import choose_workers, run_parallel

if TYPE_CHECKING:
    from consentry.policy import Policy
    from consentry.store import Store

Identity = tuple[int, int]
SUMMARY_FILE = "summary.json"
PROBLEMS_FILE = "problems.jsonl"
# Images and videos; a document ("file") only when its MIME type says it is one.
VISUAL_KINDS = frozenset({"photo", "video", "animation", "video_note", "sticker"})


class InvestigationProgress(Protocol):
    """Same shape as the scan's progress (consentry.cli.progress.RichScanProgress fits)."""

    def start(self, total: int, completed: int) -> None: ...

    def advance(self, record: dict[str, Any]) -> None: ...

    def stop(self) -> None: ...


@dataclass
class RunCounts:
    assessed_now: int = 0  # opened and assessed in this run
    resumed: int = 0  # taken from the journal of an earlier run
    reused: int = 0  # --known-only: answered from a known SHA-256 without decoding
    restarted: bool = False  # an earlier journal with other settings was dropped


@dataclass
class InvestigationResult:
    out: Path
    summary: Summary
    items: list[ItemResult]  # one per image/video message that was assessed or failed
    messages: dict[Identity, ExportMessage]  # every image/video message, text dropped
    problems: list[ExportProblem]
    clusters: list[Cluster]
    inputs: list[Path]  # every file of the exports, for the evidence manifest
    counts: RunCounts
    pushed: int = 0  # entries added to --to-bank
    files: list[Path] = field(default_factory=list)  # what this step wrote under ``out``


def investigate(
    paths: Sequence[Path],
    out: Path,
    *,
    banks: Sequence[str] | None = None,
    known_only: bool = False,
    no_media: bool = False,
    workers: int | None = None,
    progress: InvestigationProgress | None = None,
    to_bank: str | None = None,
    store: Store | None = None,
    policy: Policy | None = None,
) -> InvestigationResult:
    """Investigate the exports at ``paths`` into the folder ``out`` (see the module doc).

    ``store`` is needed for ``banks`` and ``to_bank``; ``policy`` defaults to the shipped one.
    """
    if (banks or to_bank) and store is None:
        raise ValueError("banks and to_bank need a store")
    if to_bank and store is not None:
        store.get_bank(to_bank)  # unknown-bank now, not after hours of work
    assessor = ItemAssessor(store, list(banks or []), policy or default_policy())
    out.mkdir(parents=True, exist_ok=True)
    reading = _read(paths)
    items: dict[Identity, ItemResult] = {}
    counts = RunCounts()
    if not no_media:
        assessor.check_signals()
        with open_journal(journal_path(out), assessor.settings()) as journal:
            counts.restarted = journal.restarted
            run = _Run(assessor, journal, items, counts, progress)
            run.assess(reading.media, known_only=known_only, workers=workers)
    ordered = [items[identity] for identity in reading.media if identity in items]
    clusters = cluster_pdq(ordered)
    summary = reading.tally.finish(
        reading.media.values(),
        {item.identity: item for item in ordered},
        clusters,
        nudity_threshold=assessor.nudity_threshold,
    )
    inputs = sorted({file for path in paths for file in export_files(Path(path))})
    result = InvestigationResult(
        out, summary, ordered, reading.media, reading.problems, clusters, inputs, counts
    )
    if to_bank and store is not None:
        result.pushed = push_to_bank(store, to_bank, ordered)
    result.files = _write_outputs(out, result)
    return result


@dataclass
class _Reading:
    tally: Tally
    media: dict[Identity, ExportMessage]
    problems: list[ExportProblem]


def _read(paths: Sequence[Path]) -> _Reading:
    """One streaming pass: every message counted, image/video messages kept (without text)."""
    reading = _Reading(Tally([str(p) for p in paths]), {}, [])
    for record in read_exports([Path(p) for p in paths]):
        if isinstance(record, ExportProblem):
            reading.problems.append(record)
            reading.tally.problems += 1
            continue
        visual = record.media is not None and is_visual(record.media)
        reading.tally.add(record, with_media=visual)
        if visual:
            reading.media[record.identity] = replace(record, text="")
    return reading


def is_visual(media: MediaFile) -> bool:
    """Images and videos; voice notes and audio are not assessed (nor counted as media)."""
    if media.kind in VISUAL_KINDS:
        return True
    if media.kind != "file":
        return False
    return media.mime is None or media.mime.startswith(("image/", "video/"))


class _Run:
    """One run's assessment: resume from the journal, reuse known digests, assess the rest."""

    def __init__(
        self,
        assessor: ItemAssessor,
        journal: Journal,
        items: dict[Identity, ItemResult],
        counts: RunCounts,
        progress: InvestigationProgress | None,
    ) -> None:
        self.assessor = assessor
        self.journal = journal
        self.items = items
        self.counts = counts
        self.progress = progress
        # --known-only: files waiting for the first file with the same digest to be assessed.
        self.waiting: dict[str, list[ExportMessage]] = {}
        self.digest_of: dict[Identity, str] = {}

    def assess(
        self, media: dict[Identity, ExportMessage], *, known_only: bool, workers: int | None
    ) -> None:
        for identity in media:
            if identity in self.journal.done:
                self.items[identity] = self.journal.done[identity]
                self.counts.resumed += 1
        pending = [m for i, m in media.items() if i not in self.items]
        openable = [m for m in pending if m.media is not None and m.media.path is not None]
        refused = [m for m in pending if m.media is None or m.media.path is None]
        for message in refused:
            failed = problem_item(message)
            if failed is not None:
                self.items[message.identity] = failed
        if self.progress is not None:
            self.progress.start(total=len(media), completed=len(media) - len(openable))
        try:
            if known_only:
                openable = self._reuse_known(openable)
            self._assess_parallel(openable, workers)
        finally:
            if self.progress is not None:
                self.progress.stop()

    def _finish(self, item: ItemResult) -> None:
        self.items[item.identity] = item
        self.journal.append(item)
        if self.progress is not None:
            self.progress.advance(item.to_json())

    def _reuse_known(self, openable: list[ExportMessage]) -> list[ExportMessage]:
        """Answer files whose SHA-256 is known without decoding them; return the others,
        one per digest (the rest wait for that one's answer)."""
        known = {i.sha256: i for i in self.journal.done.values() if i.sha256 and not i.error}
        first: list[ExportMessage] = []
        for message in openable:
            digest = file_sha256(message)
            if digest is None:
                first.append(message)
                continue
            earlier = known.get(digest) or self.assessor.known_in_banks(digest, message)
            if earlier is not None:
                known[digest] = earlier
                self._finish(replace(earlier, identity=message.identity))
                self.counts.reused += 1
            elif digest in self.waiting:
                self.waiting[digest].append(message)
            else:
                self.waiting[digest] = []
                self.digest_of[message.identity] = digest
                first.append(message)
        return first

    def _assess_parallel(self, openable: list[ExportMessage], workers: int | None) -> None:
        paths = [str(m.media.path) for m in openable if m.media is not None]
        count = choose_workers(workers, len(paths))
        task = self.assessor.task
        for outcome in run_parallel(task, paths, workers=count, preload=WORKER_PRELOAD):
            message = openable[outcome.index]
            item = self.assessor.finish(message, outcome)
            self._finish(item)
            self.counts.assessed_now += 1
            digest = self.digest_of.pop(message.identity, None)
            for waiting in self.waiting.pop(digest, []) if digest else []:
                self._finish(replace(item, identity=waiting.identity))
                self.counts.reused += 1


def file_sha256(message: ExportMessage) -> str | None:
    """The file's SHA-256, read in chunks (not decoded); None if it cannot be read."""
    assert message.media is not None and message.media.path is not None
    try:
        return file_digest(message.media.path)[0]
    except OSError:
        return None  # the assessment reports it in its own words


def _write_outputs(out: Path, result: InvestigationResult) -> list[Path]:
    summary = out / SUMMARY_FILE
    summary.write_text(json.dumps(result.summary.to_json(), indent=2, ensure_ascii=False) + "\n")
    problems = out / PROBLEMS_FILE
    with open(problems, "w", encoding="utf-8") as handle:
        for problem in result.problems:
            handle.write(json.dumps(asdict(problem), ensure_ascii=False) + "\n")
    written = [summary, problems]
    journal = journal_path(out)
    return [*written, journal] if journal.exists() else written
