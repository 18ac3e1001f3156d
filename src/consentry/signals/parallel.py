"""Fingerprint many files across CPU cores, keeping going past bad files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from consentry.signals.base import SignalError
from consentry.signals.fingerprint import FileFingerprint, Source, fingerprint

_IN_FLIGHT_PER_WORKER = 4  # enough to keep workers busy without holding every input in memory


def default_workers() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fingerprint_many(
    sources: Iterable[Source], *, workers: int | None = None, **options: Any
) -> Iterator[FileFingerprint]:
    """Fingerprints in input order. ``options`` are passed to :func:`fingerprint`."""
    pending: dict[int, FileFingerprint] = {}
    next_index = 0
    for index, result in fingerprint_many_keyed(sources, workers=workers, **options):
        pending[index] = result
        while next_index in pending:
            yield pending.pop(next_index)
            next_index += 1


def fingerprint_many_keyed(
    sources: Iterable[Source], *, workers: int | None = None, **options: Any
) -> Iterator[tuple[int, FileFingerprint]]:
    """(input index, fingerprint) pairs as soon as each is done, in any order."""
    workers = workers or default_workers()
    task = partial(fingerprint, **options)
    if workers == 1:
        for index, source in enumerate(sources):
            yield index, task(source)
        return
    yield from _run_pool(enumerate(sources), task, workers)


def _run_pool(
    items: Iterator[tuple[int, Source]], task: partial[FileFingerprint], workers: int
) -> Iterator[tuple[int, FileFingerprint]]:
    pool = ProcessPoolExecutor(max_workers=workers)
    running: dict[Future[FileFingerprint], tuple[int, Source]] = {}
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < workers * _IN_FLIGHT_PER_WORKER:
                item = next(items, None)
                exhausted = item is None
                if item is not None:
                    running[pool.submit(task, item[1])] = item
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            try:
                for future in done:
                    result = future.result()
                    yield running.pop(future)[0], result
            except BrokenProcessPool:
                # A decoder crashed its process, taking the pool down: retry everything
                # that was in flight one file per process, which singles out the culprit.
                pool.shutdown(wait=False, cancel_futures=True)
                suspects = list(running.values())
                running.clear()
                for index, source in suspects:
                    yield index, _run_isolated(task, source)
                pool = ProcessPoolExecutor(max_workers=workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_isolated(task: partial[FileFingerprint], source: Source) -> FileFingerprint:
    with ProcessPoolExecutor(max_workers=1) as solo:
        try:
            return solo.submit(task, source).result()
        except BrokenProcessPool:
            return _crashed(source)


def _crashed(source: Source) -> FileFingerprint:
    name = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    error = SignalError(
        f"the process fingerprinting {name or 'this input'} crashed", code="worker-crashed"
    )
    return FileFingerprint(path=name, error=error)
