"""Run a per-item function over many items, in this process or a pool of worker processes.

Used by ``consentry.signals.fingerprint_many`` and the directory scan.

Workers are started with the "forkserver" method where available: forking a process that already
runs threads (Rich's progress refresher, numba/BLAS pools) can deadlock the child. A worker that
dies (a decoder crashing on a hostile file, the OOM killer) breaks the whole pool; the files that
were in flight are then retried one at a time in a fresh pool, so only the file that really
kills a worker is reported as "worker-crashed".
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, TypeVar

from consentry.errors import ConsentryError

T = TypeVar("T")
R = TypeVar("R")


class WorkerCrashed(ConsentryError):
    code = "worker-crashed"


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """The result of ``func(item)``, or the error it raised instead."""

    index: int
    item: T
    result: R | None
    error: ConsentryError | None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# Starting the workers costs ~1.3 s (forkserver + imports); a small JPEG hashes in ~7 ms here,
# so below this many files one process is as fast or faster.
POOL_THRESHOLD = 32


def choose_workers(requested: int | None, files: int) -> int:
    """The explicit choice, else one worker per core when there are enough files to share."""
    if requested:
        return max(1, min(requested, files))
    return default_workers() if files >= POOL_THRESHOLD else 1


def run_parallel(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    ordered: bool = False,
    preload: tuple[str, ...] = (),
) -> Iterator[Outcome[T, R]]:
    """Yield an Outcome per item: as they complete, or in input order when ``ordered``.

    ``func`` must be picklable (a module-level function or an instance of a module-level class)
    when ``workers > 1``. With ``workers <= 1`` everything runs here, one item at a time.
    """
    outcomes = _serial(func, items) if workers <= 1 else _pooled(func, items, workers, preload)
    return _in_order(outcomes) if ordered else outcomes


def _call(func: Callable[[T], R], index: int, item: T) -> Outcome[T, R]:
    try:
        return Outcome(index, item, func(item), None)
    except ConsentryError as exc:
        return Outcome(index, item, None, exc)
    except Exception as exc:  # a bug in func must not stop the other files
        return Outcome(
            index, item, None, ConsentryError(f"internal error: {exc!r}", code="internal")
        )


def _serial(func: Callable[[T], R], items: Iterable[T]) -> Iterator[Outcome[T, R]]:
    for index, item in enumerate(items):
        yield _call(func, index, item)


def _new_pool(workers: int, preload: tuple[str, ...]) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if preload and context.get_start_method() == "forkserver":
        context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_ignore_interrupts
    )


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: only the parent should stop (and say so).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


Running = dict[Future, tuple[int, object]]


def _pooled(
    func: Callable[[T], R], items: Iterable[T], workers: int, preload: tuple[str, ...]
) -> Iterator[Outcome[T, R]]:
    source = iter(enumerate(items))
    pool = _new_pool(workers, preload)
    running: Running = {}
    suspects: deque[tuple[int, T]] = deque()
    try:
        while True:
            broken = not _fill(pool, func, source, running, suspects, workers * 2)
            if not broken and not running:
                return
            if not broken:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    index, item = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append((index, item))  # type: ignore[arg-type]
            if broken:
                suspects.extend(running.values())  # type: ignore[arg-type]
                running.clear()
                _discard(pool)
                yield from _isolate(func, suspects)
                pool = _new_pool(workers, preload)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _fill(
    pool: ProcessPoolExecutor,
    func: Callable[[T], R],
    source: Iterator[tuple[int, T]],
    running: Running,
    suspects: deque[tuple[int, T]],
    window: int,
) -> bool:
    """Keep ``window`` files in flight; False if the pool turned out to be broken."""
    while len(running) < window:
        if suspects:
            index, item = suspects.popleft()
        else:
            try:
                index, item = next(source)
            except StopIteration:
                return True
        try:
            running[pool.submit(_call, func, index, item)] = (index, item)
        except BrokenProcessPool:
            suspects.appendleft((index, item))
            return False
    return True


def _isolate(func: Callable[[T], R], suspects: deque[tuple[int, T]]) -> Iterator[Outcome[T, R]]:
    """Retry every file that was in flight when a worker died, each alone in a fresh process."""
    while suspects:
        index, item = suspects.popleft()
        single = _new_pool(1, ())
        try:
            yield single.submit(_call, func, index, item).result()
        except BrokenProcessPool:
            crashed = WorkerCrashed(f"{_describe(index, item)}: the worker process crashed")
            yield Outcome(index, item, None, crashed)
        finally:
            _discard(single)


def _discard(pool: ProcessPoolExecutor) -> None:
    """Shut a broken pool down without waiting, killing the workers still alive.

    After one worker died, Python 3.11's executor joins the others at interpreter exit,
    and one that never got its stop message keeps the process from ever exiting.
    """
    workers = list((getattr(pool, "_processes", None) or {}).values())  # no public API
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.kill()


def _describe(index: int, item: object) -> str:
    """A file's path, never the content of an in-memory item (that may be media)."""
    if isinstance(item, str | os.PathLike):
        return os.fspath(item)
    return f"input #{index + 1}"


def _in_order(outcomes: Iterator[Outcome[T, R]]) -> Iterator[Outcome[T, R]]:
    waiting: dict[int, Outcome[T, R]] = {}
    next_index = 0
    for outcome in outcomes:
        waiting[outcome.index] = outcome
        while next_index in waiting:
            yield waiting.pop(next_index)
            next_index += 1
