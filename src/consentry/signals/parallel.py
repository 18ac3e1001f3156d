"""Fingerprint many files across CPU cores, keeping going past bad files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from consentry.signals.fingerprint import FileFingerprint, Source, fingerprint
from consentry.workers import Outcome, default_workers, run_parallel

_PRELOAD = ("consentry.signals",)


def fingerprint_many(
    sources: Iterable[Source], *, workers: int | None = None, **options: Any
) -> Iterator[FileFingerprint]:
    """Fingerprints in input order. ``options`` are passed to :func:`fingerprint`."""
    for _, result in _fingerprints(sources, workers, ordered=True, options=options):
        yield result


def fingerprint_many_keyed(
    sources: Iterable[Source], *, workers: int | None = None, **options: Any
) -> Iterator[tuple[int, FileFingerprint]]:
    """(input index, fingerprint) pairs as soon as each is done, in any order.

    A file that crashes its worker process (a decoder bug on a hostile file) gets the
    error code ``worker-crashed``; the others are retried and go on.
    """
    yield from _fingerprints(sources, workers, ordered=False, options=options)


def _fingerprints(
    sources: Iterable[Source], workers: int | None, *, ordered: bool, options: dict[str, Any]
) -> Iterator[tuple[int, FileFingerprint]]:
    task = partial(fingerprint, **options)
    count = workers or default_workers()
    for outcome in run_parallel(task, sources, workers=count, ordered=ordered, preload=_PRELOAD):
        yield outcome.index, _result(outcome)


def _result(outcome: Outcome[Source, FileFingerprint]) -> FileFingerprint:
    if outcome.result is not None:
        return outcome.result
    item = outcome.item
    path = os.fspath(item) if isinstance(item, str | os.PathLike) else None
    return FileFingerprint(path=path, error=outcome.error)
